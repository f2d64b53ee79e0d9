"""Importing catalog JSON in the exact shape of TVmaze's public API.

A file holds one show, or an array of shows, as `GET /shows/:id?embed[]=episodes&embed[]=cast`
returns them. Every field the source gave is kept (the object is stored as its JSON text).
Besides `episodes` and `cast`, a show may embed everything TVmaze embeds on a show (`seasons`,
`crew`, `akas`, `images`), its `alternatelists` (each with its `alternateepisodes` embedded),
and an episode its `guestcast` and `guestcrew`, as `/episodes/:id?embed[]=guestcast` gives them.
A season whose id is null (one another openmaze derived from the episodes) is left out: this
catalog derives it again.
Re-importing updates in place. Each file is validated completely before anything is
written, then written in one transaction: a malformed file changes nothing, and the
error names the file and the JSON path of the problem.

The number of SQL statements per file does not depend on its size: rows are upserted with
`executemany` per table.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from openmaze.catalog.text import fold
from openmaze.core.fields import ID, IMDB_ID, integer
from openmaze.db.database import Conn, Database


class CatalogError(ValueError):
    def __init__(self, source: str, path: str, problem: str) -> None:
        super().__init__(f"{source}: {path}: {problem}")
        self.source = source
        self.path = path
        self.problem = problem


@dataclass
class CatalogBatch:
    """Rows ready to upsert, gathered from one or more show objects."""

    shows: list[dict[str, Any]] = field(default_factory=list)
    episodes: list[dict[str, Any]] = field(default_factory=list)
    seasons: list[dict[str, Any]] = field(default_factory=list)
    people: dict[int, dict[str, Any]] = field(default_factory=dict)
    cast: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # show id -> credits
    networks: dict[int, dict[str, Any]] = field(default_factory=dict)
    webchannels: dict[int, dict[str, Any]] = field(default_factory=dict)
    crew: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # show id -> credits
    lists: list[dict[str, Any]] = field(default_factory=list)  # show_lists rows (akas, images)
    characters: dict[int, dict[str, Any]] = field(default_factory=dict)
    guest_cast: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # episode id -> credits
    guest_crew: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    alternate_lists: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # show id -> lists
    alternate_episodes: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "shows": len(self.shows),
            "episodes": len(self.episodes),
            "seasons": len(self.seasons),
            "people": len(self.people),
            "networks": len(self.networks),
            "webchannels": len(self.webchannels),
        }


def _dumps(obj: Any) -> str:
    return orjson.dumps(obj).decode()


def _country_code(channel: dict[str, Any]) -> str | None:
    country = channel.get("country")
    code = country.get("code") if isinstance(country, dict) else None
    return code if isinstance(code, str) and 0 < len(code) <= 8 else None


def _require_id(obj: Any, source: str, path: str) -> int:
    if not isinstance(obj, dict):
        raise CatalogError(source, path, f"expected an object, found {type(obj).__name__}")
    value = obj.get("id")
    if type(value) is not int or not ID.contains(value):
        raise CatalogError(source, f"{path}.id", "expected a positive integer id")
    return value


def _require_str(obj: dict[str, Any], key: str, source: str, path: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(source, f"{path}.{key}", "expected a non-empty string")
    return value


def _opt_int(value: Any) -> int | None:
    # The API's integer rule: "²" and other non-ASCII digits are not numbers (int() refuses them).
    return integer(value)


def _array(embedded: dict[str, Any], key: str, source: str, path: str) -> list[Any] | None:
    value = embedded.get(key)
    if value is not None and not isinstance(value, list):
        raise CatalogError(source, f"{path}._embedded.{key}", "expected an array")
    return value


def _embedded_of(obj: dict[str, Any], source: str, path: str) -> dict[str, Any]:
    embedded = obj.get("_embedded")
    if embedded is not None and not isinstance(embedded, dict):
        raise CatalogError(source, f"{path}._embedded", "expected an object")
    return embedded or {}


def _credits(
    batch: CatalogBatch, items: list[Any], owner: str, owner_id: int, source: str, path: str
) -> list[dict[str, Any]]:
    """Credits (`{"person": {...}, ...the credit's own fields}`) as rows: the person goes to
    `people`, a character (cast credits) to `characters`, the rest is the row's data."""
    rows = []
    for i, credit in enumerate(items):
        c_path = f"{path}[{i}]"
        if not isinstance(credit, dict):
            raise CatalogError(source, c_path, "expected an object")
        person: dict[str, Any] = credit.get("person")  # type: ignore[assignment]
        person_id = _require_id(person, source, f"{c_path}.person")
        _require_str(person, "name", source, f"{c_path}.person")
        batch.people[person_id] = person
        character = credit.get("character")
        if character is not None:
            batch.characters[_require_id(character, source, f"{c_path}.character")] = character
        rows.append(
            {
                owner: owner_id,
                "position": i,
                "person_id": person_id,
                "data": _dumps({k: v for k, v in credit.items() if k != "person"}),
            }
        )
    return rows


def add_person(batch: CatalogBatch, person: Any, source: str, path: str = "$") -> None:
    """Validate one person object (`/people/:id`) and add it to `batch`."""
    person_id = _require_id(person, source, path)
    _require_str(person, "name", source, path)
    batch.people[person_id] = person


def _linked_id(links: Any, *names: str) -> int | None:
    """The id at the end of `_links.<name>.href` (or of the first link of a list of them)."""
    if not isinstance(links, dict):
        return None
    for name in names:
        link = links.get(name)
        if isinstance(link, list):
            link = link[0] if link else None
        if isinstance(link, dict) and isinstance(link.get("href"), str):
            return ID.value(link["href"].rstrip("/").rsplit("/", 1)[-1])
    return None


def _first_embedded_id(obj: dict[str, Any], key: str) -> int | None:
    """The id of the first object of `_embedded.<key>` (`?embed=episodes` on alternate episodes)."""
    embedded = obj.get("_embedded")
    items = embedded.get(key) if isinstance(embedded, dict) else None
    first = items[0] if isinstance(items, list) and items else None
    return ID.value(first.get("id")) if isinstance(first, dict) else None


def _add_alternate_lists(batch: CatalogBatch, show_id: int, items: list[Any], source: str, path: str) -> None:
    lists = []
    for i, alternate in enumerate(items):
        a_path = f"{path}._embedded.alternatelists[{i}]"
        list_id = _require_id(alternate, source, a_path)
        inner = _embedded_of(alternate, source, a_path)
        for j, episode in enumerate(_array(inner, "alternateepisodes", source, a_path) or []):
            e_path = f"{a_path}._embedded.alternateepisodes[{j}]"
            batch.alternate_episodes.append(
                {
                    "id": _require_id(episode, source, e_path),
                    "list_id": list_id,
                    "position": j,
                    "episode_id": _linked_id(episode.get("_links"), "episode", "episodes")
                    or _first_embedded_id(episode, "episodes"),
                    "data": _dumps({k: v for k, v in episode.items() if k != "_embedded"}),
                }
            )
        core = {k: v for k, v in alternate.items() if k != "_embedded"}
        lists.append({"id": list_id, "show_id": show_id, "data": _dumps(core)})
    batch.alternate_lists[show_id] = lists


def add_show(batch: CatalogBatch, show: Any, source: str, path: str) -> None:
    """Validate one TVmaze show object (with optional embeds) and add its rows to `batch`."""
    show_id = _require_id(show, source, path)
    name = _require_str(show, "name", source, path)
    embedded = _embedded_of(show, source, path)

    channel_ids: dict[str, int | None] = {}
    for key, target in (("network", batch.networks), ("webChannel", batch.webchannels)):
        channel = show.get(key)
        channel_ids[key] = None
        if channel is None:
            continue
        channel_id = _require_id(channel, source, f"{path}.{key}")
        _require_str(channel, "name", source, f"{path}.{key}")
        target[channel_id] = channel
        channel_ids[key] = channel_id

    externals = show.get("externals")
    if externals is not None and not isinstance(externals, dict):
        raise CatalogError(source, f"{path}.externals", "expected an object")
    externals = externals or {}

    core = {k: v for k, v in show.items() if k != "_embedded"}
    links = core.get("_links")
    dated = isinstance(embedded.get("episodes"), list) and any(
        isinstance(e, dict) and isinstance(e.get("airstamp"), str) for e in embedded["episodes"]
    )
    if dated and isinstance(links, dict):
        # The previous and next episode move with the clock: with the episodes here, they are
        # worked out when served, and a stored copy would only go stale (and differ from the
        # source's stored object, where it served them worked out too).
        core["_links"] = {k: v for k, v in links.items() if k not in ("previousepisode", "nextepisode")}
    batch.shows.append(
        {
            "id": show_id,
            "name": name,
            "search_name": fold(name),
            # An external id that cannot be one (not a number, beyond the column) is unknown.
            "thetvdb_id": ID.value(externals.get("thetvdb")),
            "imdb_id": IMDB_ID.value(externals.get("imdb")),
            "tvrage_id": ID.value(externals.get("tvrage")),
            "network_id": channel_ids["network"],
            "webchannel_id": channel_ids["webChannel"],
            "updated": _opt_int(show.get("updated")),
            "weight": _opt_int(show.get("weight")),
            "data": _dumps(core),
        }
    )

    episodes = _array(embedded, "episodes", source, path)
    if episodes is not None:
        for i, ep in enumerate(episodes):
            ep_path = f"{path}._embedded.episodes[{i}]"
            ep_id = _require_id(ep, source, ep_path)
            for key in ("season", "number"):
                if ep.get(key) is not None and _opt_int(ep.get(key)) is None:
                    raise CatalogError(source, f"{ep_path}.{key}", "expected an integer or null")
            airdate = ep.get("airdate") or None
            if airdate is not None and (not isinstance(airdate, str) or len(airdate) != 10):
                raise CatalogError(source, f"{ep_path}.airdate", "expected a YYYY-MM-DD date or null")
            batch.episodes.append(
                {
                    "id": ep_id,
                    "show_id": show_id,
                    "season": _opt_int(ep.get("season")),
                    "number": _opt_int(ep.get("number")),
                    "airdate": airdate,
                    "airstamp": ep.get("airstamp") if isinstance(ep.get("airstamp"), str) else None,
                    "type": ep.get("type") if isinstance(ep.get("type"), str) else None,
                    "data": _dumps({k: v for k, v in ep.items() if k != "_embedded"}),
                }
            )
            ep_embedded = _embedded_of(ep, source, ep_path)
            for key, guest_rows in (("guestcast", batch.guest_cast), ("guestcrew", batch.guest_crew)):
                guests = _array(ep_embedded, key, source, ep_path)
                if guests is not None:
                    guest_rows[ep_id] = _credits(
                        batch, guests, "episode_id", ep_id, source, f"{ep_path}._embedded.{key}"
                    )

    seasons = _array(embedded, "seasons", source, path)
    if seasons is not None:
        for i, season in enumerate(seasons):
            s_path = f"{path}._embedded.seasons[{i}]"
            if isinstance(season, dict) and season.get("id") is None:
                continue  # derived by another openmaze from its episodes: derived here too
            season_id = _require_id(season, source, s_path)
            if season.get("number") is not None and _opt_int(season.get("number")) is None:
                raise CatalogError(source, f"{s_path}.number", "expected an integer or null")
            batch.seasons.append(
                {"id": season_id, "show_id": show_id, "number": _opt_int(season.get("number")), "data": _dumps(season)}
            )

    for key, credit_rows in (("cast", batch.cast), ("crew", batch.crew)):
        credits = _array(embedded, key, source, path)
        if credits is not None:
            credit_rows[show_id] = _credits(batch, credits, "show_id", show_id, source, f"{path}._embedded.{key}")

    for kind in SHOW_LISTS:
        items = _array(embedded, kind, source, path)
        if items is not None:
            batch.lists.append({"show_id": show_id, "kind": kind, "data": _dumps(items)})

    alternates = _array(embedded, "alternatelists", source, path)
    if alternates is not None:
        _add_alternate_lists(batch, show_id, alternates, source, path)


# Lists a show carries whole (table show_lists), each served as given.
SHOW_LISTS = ("akas", "images")
CHUNK_SHOWS = 100  # shows written per batch of statements (progress advances per chunk)


def parse_file(path: Path) -> list[CatalogBatch]:
    source = str(path)
    try:
        doc = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise CatalogError(source, "$", f"cannot read: {exc.strerror or exc}") from exc
    except orjson.JSONDecodeError as exc:
        raise CatalogError(source, "$", f"not valid JSON ({exc})") from exc
    return parse_chunks(doc, source)


def parse_chunks(doc: Any, source: str, chunk: int = CHUNK_SHOWS) -> list[CatalogBatch]:
    """Validate a whole document and split it into batches of `chunk` shows."""
    if isinstance(doc, dict):
        batch = CatalogBatch()
        add_show(batch, doc, source, "$")
        return [batch]
    if not isinstance(doc, list):
        raise CatalogError(source, "$", "expected a show object or an array of shows")
    batches: list[CatalogBatch] = []
    for i, show in enumerate(doc):
        if i % chunk == 0:
            batches.append(CatalogBatch())
        add_show(batches[-1], show, source, f"$[{i}]")
    return batches


def parse_document(doc: Any, source: str) -> CatalogBatch:
    """Validate a whole document into one batch (for callers that write it at once)."""
    batches = parse_chunks(doc, source, chunk=sys.maxsize)
    return batches[0] if batches else CatalogBatch()


CATALOG_VERSION_KEY = "catalog.version"


async def catalog_version(conn: Conn) -> str:
    """A token that every catalog write changes (answers built from the whole catalog, such
    as the full schedule, are cached under it)."""
    value: str | None = await conn.fetch_val(
        "SELECT value FROM sync_state WHERE key = :key", {"key": CATALOG_VERSION_KEY}
    )
    return value or ""


async def write_batch(conn: Conn, batch: CatalogBatch, synced_at: int | None = None) -> None:
    """Upsert everything in `batch`, and move the catalog version. Call inside a transaction."""
    await conn.execute(
        "INSERT INTO sync_state (key, value) VALUES (:key, :value) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        {"key": CATALOG_VERSION_KEY, "value": uuid.uuid4().hex},
    )

    def named(rows: Iterable[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
        return [
            {"id": i, "name": str(o.get("name", "")), "data": _dumps(o), "country_code": _country_code(o)}
            for i, o in rows
        ]

    for table, channels in (("networks", batch.networks), ("webchannels", batch.webchannels)):
        await conn.execute_many(
            f"INSERT INTO {table} (id, name, data, country_code) VALUES (:id, :name, :data, :country_code) "
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, data = excluded.data, "
            "country_code = excluded.country_code",
            named(channels.items()),
        )
    await conn.execute_many(
        "INSERT INTO shows (id, name, search_name, thetvdb_id, imdb_id, tvrage_id, network_id, webchannel_id, "
        "updated, weight, data, missing_upstream, synced_at) VALUES (:id, :name, :search_name, :thetvdb_id, "
        ":imdb_id, :tvrage_id, :network_id, :webchannel_id, :updated, :weight, :data, FALSE, :synced_at) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, search_name = excluded.search_name, "
        "thetvdb_id = excluded.thetvdb_id, imdb_id = excluded.imdb_id, tvrage_id = excluded.tvrage_id, "
        "network_id = excluded.network_id, webchannel_id = excluded.webchannel_id, updated = excluded.updated, "
        "weight = excluded.weight, data = excluded.data, missing_upstream = FALSE, synced_at = excluded.synced_at",
        [{**s, "synced_at": synced_at} for s in batch.shows],
    )
    await conn.execute_many(
        "INSERT INTO episodes (id, show_id, season, number, airdate, airstamp, type, data) "
        "VALUES (:id, :show_id, :season, :number, :airdate, :airstamp, :type, :data) "
        "ON CONFLICT (id) DO UPDATE SET show_id = excluded.show_id, season = excluded.season, "
        "number = excluded.number, airdate = excluded.airdate, airstamp = excluded.airstamp, "
        "type = excluded.type, data = excluded.data",
        batch.episodes,
    )
    await conn.execute_many(
        "INSERT INTO seasons (id, show_id, number, data) VALUES (:id, :show_id, :number, :data) "
        "ON CONFLICT (id) DO UPDATE SET show_id = excluded.show_id, number = excluded.number, data = excluded.data",
        batch.seasons,
    )
    await conn.execute_many(
        "INSERT INTO people (id, name, search_name, updated, data) VALUES (:id, :name, :search_name, :updated, :data) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, search_name = excluded.search_name, "
        "updated = excluded.updated, data = excluded.data",
        [
            {
                "id": pid,
                "name": str(p.get("name", "")),
                "search_name": fold(str(p.get("name", ""))),
                "updated": _opt_int(p.get("updated")),
                "data": _dumps(p),
            }
            for pid, p in batch.people.items()
        ],
    )
    await conn.execute_many(
        "INSERT INTO characters (id, data) VALUES (:id, :data) ON CONFLICT (id) DO UPDATE SET data = excluded.data",
        [{"id": cid, "data": _dumps(c)} for cid, c in batch.characters.items()],
    )
    # Credits are replaced as a whole per show or episode: they have no ids of their own.
    for table, owner, credits in (
        ("show_cast", "show_id", batch.cast),
        ("show_crew", "show_id", batch.crew),
        ("episode_guest_cast", "episode_id", batch.guest_cast),
        ("episode_guest_crew", "episode_id", batch.guest_crew),
    ):
        await conn.execute_many(f"DELETE FROM {table} WHERE {owner} = :id", [{"id": i} for i in credits])
        await conn.execute_many(
            f"INSERT INTO {table} ({owner}, position, person_id, data) VALUES (:{owner}, :position, :person_id, :data)",
            [row for rows in credits.values() for row in rows],
        )
    await conn.execute_many(
        "INSERT INTO show_lists (show_id, kind, data) VALUES (:show_id, :kind, :data) "
        "ON CONFLICT (show_id, kind) DO UPDATE SET data = excluded.data",
        batch.lists,
    )
    # A show's alternate lists are replaced as a whole too (their episodes with them).
    owners = [{"id": sid} for sid in batch.alternate_lists]
    await conn.execute_many(
        "DELETE FROM alternate_episodes WHERE list_id IN (SELECT id FROM alternate_lists WHERE show_id = :id)", owners
    )
    await conn.execute_many("DELETE FROM alternate_lists WHERE show_id = :id", owners)
    await conn.execute_many(
        "INSERT INTO alternate_lists (id, show_id, data) VALUES (:id, :show_id, :data) "
        "ON CONFLICT (id) DO UPDATE SET show_id = excluded.show_id, data = excluded.data",
        [row for rows in batch.alternate_lists.values() for row in rows],
    )
    await conn.execute_many(
        "INSERT INTO alternate_episodes (id, list_id, position, episode_id, data) "
        "VALUES (:id, :list_id, :position, :episode_id, :data) ON CONFLICT (id) DO UPDATE SET "
        "list_id = excluded.list_id, position = excluded.position, episode_id = excluded.episode_id, "
        "data = excluded.data",
        batch.alternate_episodes,
    )


ProgressCallback = Callable[[str, int], None]


async def import_files(db: Database, paths: list[Path], on_shows: ProgressCallback | None = None) -> dict[str, int]:
    """Import each file in its own transaction; stop at the first malformed file.

    A file is validated completely before its transaction starts, so a malformed file
    changes nothing; files before it stay imported (each is complete in itself).
    `on_shows(file, n)` reports progress as chunks of shows are written.
    """
    totals = {"files": 0, "shows": 0, "episodes": 0, "seasons": 0, "people": 0, "networks": 0, "webchannels": 0}
    for path in paths:
        batches = parse_file(path)
        async with db.transaction() as conn:
            for batch in batches:
                await write_batch(conn, batch, synced_at=int(time.time()))
                if on_shows is not None:
                    on_shows(str(path), len(batch.shows))
        totals["files"] += 1
        for batch in batches:
            for k, v in batch.counts().items():
                totals[k] += v
    return totals


def count_shows(path: Path) -> int:
    """A cheap first pass for the progress bar's total."""
    try:
        doc = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return 0
    return len(doc) if isinstance(doc, list) else 1


async def catalog_is_empty(conn: Conn) -> bool:
    return await conn.fetch_val("SELECT COUNT(*) FROM shows") == 0
