"""The public catalog API's rules: plain functions over a connection, returning what the
routes serialise. Catalog objects are stored as their JSON text and spliced into
responses (`orjson.Fragment`); a stored object is parsed only where its content has to
change (a show's previous/next episode links, which move with the clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from openmaze.catalog.embeds import INVALID_EMBED
from openmaze.catalog.matching import ExternalColumn, show_ids_by_external
from openmaze.core.errors import PAGE_NOT_FOUND, ApiError
from openmaze.core.fields import ID, IMDB_ID, FieldError, Names
from openmaze.db.database import Conn

Fragment = orjson.Fragment

SHOWS_PER_PAGE = 250
_EMBED_DOC = "One embed, or several separated by commas"
SHOW_EMBEDS = Names(
    frozenset({"episodes", "cast", "crew", "seasons", "images", "akas", "nextepisode", "previousepisode"}),
    INVALID_EMBED,
    _EMBED_DOC,
)
EPISODE_EMBEDS = Names(frozenset({"show", "guestcast", "guestcrew"}), INVALID_EMBED, _EMBED_DOC)
SEASON_EMBEDS = Names(frozenset({"episodes"}), INVALID_EMBED, _EMBED_DOC)
ALTERNATE_LIST_EMBEDS = Names(frozenset({"alternateepisodes"}), INVALID_EMBED, _EMBED_DOC)
ALTERNATE_EPISODE_EMBEDS = Names(frozenset({"episodes"}), INVALID_EMBED, _EMBED_DOC)
UPDATE_WINDOWS = {"day": 86_400, "week": 7 * 86_400, "month": 30 * 86_400}
# Each season in airing order, specials (no number) where they aired, undated ones last.
IN_AIRING_ORDER = "ORDER BY season, CASE WHEN airstamp IS NULL THEN 1 ELSE 0 END, airstamp, number, id"


def not_found(message: str = PAGE_NOT_FOUND) -> ApiError:
    return ApiError(404, message)


def parse_embeds(values: list[str], allowed: Names) -> list[str]:
    """`?embed=cast` and `?embed[]=episodes&embed[]=cast` (in request order, no repeats).
    An unknown embed is a 400, as on TVmaze."""
    try:
        return allowed.parse(",".join(values))
    except FieldError as exc:
        raise ApiError(400, exc.message) from None


def with_embedded(data: str, embedded: dict[str, Any]) -> Fragment:
    """Splice `_embedded` into a stored object's JSON text without parsing it."""
    if not embedded:
        return Fragment(data)
    return Fragment(with_key(data, "_embedded", orjson.dumps(embedded).decode()))


def with_key(data: str, key: str, value: str, first: bool = False) -> str:
    """A stored object's JSON text with `"key": value` (JSON text) added last, or first."""
    body = data.strip()
    inner = body[1:-1].strip()
    if first:
        return f'{{"{key}":{value}' + (f",{inner}}}" if inner else "}")
    return ("{" + inner + "," if inner else "{") + f'"{key}":{value}}}'


# --- shows ----------------------------------------------------------------------------


def _stamp(now: float) -> str:
    # Airstamps are stored as TVmaze gives them: ISO 8601 in UTC with "+00:00".
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


@dataclass
class Adjacent:
    previous: Any | None
    next: Any | None


async def adjacent_episodes(conn: Conn, show_id: int, now: float) -> Adjacent | None:
    """The last aired and the next episode by airstamp at `now` (the app clock, which a
    sandbox can move); None if the show has no dated episodes here (its stored links are
    then the source's)."""
    stamp = _stamp(now)
    prev = await conn.fetch_one(
        "SELECT id, data FROM episodes WHERE show_id = :id AND airstamp IS NOT NULL AND airstamp <= :now "
        "ORDER BY airstamp DESC, id DESC LIMIT 1",
        {"id": show_id, "now": stamp},
    )
    nxt = await conn.fetch_one(
        "SELECT id, data FROM episodes WHERE show_id = :id AND airstamp IS NOT NULL AND airstamp > :now "
        "ORDER BY airstamp, id LIMIT 1",
        {"id": show_id, "now": stamp},
    )
    if prev is None and nxt is None:
        return None
    return Adjacent(prev, nxt)


def _base_of(show: dict[str, Any]) -> str:
    """The API host this show's own links use, so computed links match them."""
    href = ((show.get("_links") or {}).get("self") or {}).get("href") or ""
    marker = f"/shows/{show.get('id')}"
    return href[: -len(marker)] if href.endswith(marker) else "https://api.tvmaze.com"


def _episode_link(base: str, row: Any) -> dict[str, Any]:
    name = orjson.loads(row["data"]).get("name")
    return {"href": f"{base}/episodes/{row['id']}", "name": name}


async def show_object(conn: Conn, show_id: int, embeds: list[str], now: float) -> Fragment:
    data = await conn.fetch_val("SELECT data FROM shows WHERE id = :id", {"id": show_id})
    if data is None:
        raise not_found()
    return await build_show(conn, show_id, data, embeds, now)


async def build_show(conn: Conn, show_id: int, data: str, embeds: list[str], now: float) -> Fragment:
    adjacent = await adjacent_episodes(conn, show_id, now)
    if adjacent is None and not embeds:
        return Fragment(data)
    show: dict[str, Any] = orjson.loads(data)
    if adjacent is not None:
        base = _base_of(show)
        links = {"self": (show.get("_links") or {}).get("self") or {"href": f"{base}/shows/{show_id}"}}
        if adjacent.previous is not None:
            links["previousepisode"] = _episode_link(base, adjacent.previous)
        if adjacent.next is not None:
            links["nextepisode"] = _episode_link(base, adjacent.next)
        show["_links"] = links
    embedded: dict[str, Any] = {}
    for name in embeds:
        if name == "episodes":
            embedded["episodes"] = await show_episodes(conn, show_id, specials=False, check=False)
        elif name == "cast":
            embedded["cast"] = await show_cast(conn, show_id, check=False)
        elif name == "crew":
            embedded["crew"] = await show_crew(conn, show_id, check=False)
        elif name in SHOW_LISTS:
            embedded[name] = await show_list(conn, show_id, name, check=False)
        elif name == "seasons":
            embedded["seasons"] = await show_seasons(conn, show_id)
        elif name in ("previousepisode", "nextepisode"):
            row = None
            if adjacent is not None:
                row = adjacent.previous if name == "previousepisode" else adjacent.next
            else:
                row = await _linked_episode(conn, show, name)
            if row is not None:
                embedded[name] = Fragment(row["data"])
    if embedded:
        show["_embedded"] = embedded
    return Fragment(orjson.dumps(show))


async def _linked_episode(conn: Conn, show: dict[str, Any], link: str) -> Any | None:
    href = ((show.get("_links") or {}).get(link) or {}).get("href") or ""
    episode_id = ID.value(href.rsplit("/", 1)[-1])
    if episode_id is None:
        return None
    return await conn.fetch_one("SELECT id, data FROM episodes WHERE id = :id", {"id": episode_id})


async def _require_show(conn: Conn, show_id: int) -> None:
    if await conn.fetch_val("SELECT 1 FROM shows WHERE id = :id", {"id": show_id}) is None:
        raise not_found()


async def show_episodes(conn: Conn, show_id: int, specials: bool, check: bool = True) -> list[Fragment]:
    """Regular episodes by season and number; with specials, each season in airing order
    (where TVmaze places its specials)."""
    if check:
        await _require_show(conn, show_id)
    if specials:
        sql = f"SELECT data FROM episodes WHERE show_id = :id {IN_AIRING_ORDER}"
    else:
        sql = "SELECT data FROM episodes WHERE show_id = :id AND number IS NOT NULL ORDER BY season, number, id"
    return [Fragment(r[0]) for r in await conn.fetch_all(sql, {"id": show_id})]


async def episode_by_number(conn: Conn, show_id: int, season: int, number: int) -> Fragment:
    await _require_show(conn, show_id)
    data = await conn.fetch_val(
        "SELECT data FROM episodes WHERE show_id = :id AND season = :season AND number = :number ORDER BY id LIMIT 1",
        {"id": show_id, "season": season, "number": number},
    )
    if data is None:
        raise not_found()
    return Fragment(data)


async def episodes_by_date(conn: Conn, show_id: int, airdate: str) -> list[Fragment]:
    await _require_show(conn, show_id)
    rows = await conn.fetch_all(
        "SELECT data FROM episodes WHERE show_id = :id AND airdate = :airdate ORDER BY airstamp, number, id",
        {"id": show_id, "airdate": airdate},
    )
    if not rows:  # TVmaze answers a day without episodes with a 404
        raise not_found()
    return [Fragment(r[0]) for r in rows]


async def show_cast(conn: Conn, show_id: int, check: bool = True) -> list[Fragment]:
    if check:
        await _require_show(conn, show_id)
    rows = await conn.fetch_all(
        "SELECT c.data AS credit, p.data AS person FROM show_cast c JOIN people p ON p.id = c.person_id "
        "WHERE c.show_id = :id ORDER BY c.position",
        {"id": show_id},
    )
    # {"person": ..., then the credit's own fields}: TVmaze's key order.
    return [Fragment(with_key(row["credit"], "person", row["person"], first=True)) for row in rows]


async def show_crew(conn: Conn, show_id: int, check: bool = True) -> list[Fragment]:
    if check:
        await _require_show(conn, show_id)
    rows = await conn.fetch_all(
        "SELECT c.data AS credit, p.data AS person FROM show_crew c JOIN people p ON p.id = c.person_id "
        "WHERE c.show_id = :id ORDER BY c.position",
        {"id": show_id},
    )
    # {"type": ..., "person": ...}: TVmaze's key order.
    return [Fragment(with_key(row["credit"], "person", row["person"])) for row in rows]


SHOW_LISTS = ("akas", "images")


async def show_list(conn: Conn, show_id: int, kind: str, check: bool = True) -> Fragment:
    """A list the show carries whole (akas, images), as the source gave it; [] if none."""
    if check:
        await _require_show(conn, show_id)
    data = await conn.fetch_val(
        "SELECT data FROM show_lists WHERE show_id = :id AND kind = :kind", {"id": show_id, "kind": kind}
    )
    return Fragment(data if data is not None else "[]")


async def show_seasons(conn: Conn, show_id: int, check: bool = False) -> list[Any]:
    """Stored seasons if the source gave any; else seasons derived from the episodes (with
    no ids of their own, since TVmaze's season ids cannot be known)."""
    if check:
        await _require_show(conn, show_id)
    rows = await conn.fetch_all("SELECT data FROM seasons WHERE show_id = :id ORDER BY number, id", {"id": show_id})
    if rows:
        return [Fragment(r[0]) for r in rows]
    stats = await conn.fetch_all(
        "SELECT season, SUM(CASE WHEN number IS NULL THEN 0 ELSE 1 END) AS regular, "
        "MIN(airdate) AS first, MAX(airdate) AS last FROM episodes "
        "WHERE show_id = :id AND season IS NOT NULL GROUP BY season ORDER BY season",
        {"id": show_id},
    )
    if not stats:
        return []
    show = orjson.loads(await conn.fetch_val("SELECT data FROM shows WHERE id = :id", {"id": show_id}))
    return [
        {
            "id": None,
            "url": None,
            "number": row["season"],
            "name": "",
            "episodeOrder": int(row["regular"]),
            "premiereDate": row["first"],
            "endDate": row["last"],
            "network": show.get("network"),
            "webChannel": show.get("webChannel"),
            "image": None,
            "summary": None,
            "_links": {},
        }
        for row in stats
    ]


# --- seasons and alternate lists ----------------------------------------------------------


async def season_object(conn: Conn, season_id: int, embeds: list[str]) -> Fragment:
    row = await conn.fetch_one("SELECT data, show_id, number FROM seasons WHERE id = :id", {"id": season_id})
    if row is None:
        raise not_found()
    if "episodes" not in embeds:
        return Fragment(row["data"])
    episodes = await _season_episodes(conn, row["show_id"], row["number"])
    return with_embedded(row["data"], {"episodes": episodes})


async def season_episodes(conn: Conn, season_id: int) -> list[Fragment]:
    """A season's episodes, specials included, in airing order (as TVmaze lists them)."""
    row = await conn.fetch_one("SELECT show_id, number FROM seasons WHERE id = :id", {"id": season_id})
    if row is None:
        raise not_found()
    return await _season_episodes(conn, row["show_id"], row["number"])


async def _season_episodes(conn: Conn, show_id: int, number: int | None) -> list[Fragment]:
    rows = await conn.fetch_all(
        f"SELECT data FROM episodes WHERE show_id = :show_id AND season = :number {IN_AIRING_ORDER}",
        {"show_id": show_id, "number": number},
    )
    return [Fragment(r[0]) for r in rows]


async def show_alternate_lists(conn: Conn, show_id: int) -> list[Fragment]:
    await _require_show(conn, show_id)
    rows = await conn.fetch_all("SELECT data FROM alternate_lists WHERE show_id = :id ORDER BY id", {"id": show_id})
    return [Fragment(r[0]) for r in rows]


async def alternate_list(conn: Conn, list_id: int, embeds: list[str]) -> Fragment:
    data = await conn.fetch_val("SELECT data FROM alternate_lists WHERE id = :id", {"id": list_id})
    if data is None:
        raise not_found()
    if "alternateepisodes" not in embeds:
        return Fragment(data)
    return with_embedded(data, {"alternateepisodes": await _alternate_episodes(conn, list_id, [])})


async def alternate_episodes(conn: Conn, list_id: int, embeds: list[str]) -> list[Fragment]:
    if await conn.fetch_val("SELECT 1 FROM alternate_lists WHERE id = :id", {"id": list_id}) is None:
        raise not_found()
    return await _alternate_episodes(conn, list_id, embeds)


async def _alternate_episodes(conn: Conn, list_id: int, embeds: list[str]) -> list[Fragment]:
    if "episodes" not in embeds:
        rows = await conn.fetch_all(
            "SELECT data FROM alternate_episodes WHERE list_id = :id ORDER BY position, id", {"id": list_id}
        )
        return [Fragment(r[0]) for r in rows]
    rows = await conn.fetch_all(
        "SELECT a.data, e.data AS episode FROM alternate_episodes a LEFT JOIN episodes e ON e.id = a.episode_id "
        "WHERE a.list_id = :id ORDER BY a.position, a.id",
        {"id": list_id},
    )
    return [
        with_embedded(r[0], {"episodes": [Fragment(r["episode"])] if r["episode"] is not None else []}) for r in rows
    ]


async def shows_page(conn: Conn, page: int) -> list[Fragment]:
    """Page N holds the shows with ids N*250 .. N*250+249 (fewer where shows were deleted);
    a page past the highest id is a 404."""
    low = page * SHOWS_PER_PAGE
    rows = await conn.fetch_all(
        "SELECT data FROM shows WHERE id >= :low AND id < :high ORDER BY id",
        {"low": low, "high": low + SHOWS_PER_PAGE},
    )
    if not rows:
        highest = await conn.fetch_val("SELECT MAX(id) FROM shows")
        if highest is None or highest < low:
            raise not_found()
    return [Fragment(r[0]) for r in rows]


async def show_updates(conn: Conn, since: str | None, now: float) -> Fragment:
    if since is None:
        rows = await conn.fetch_all("SELECT id, updated FROM shows WHERE updated IS NOT NULL ORDER BY id")
    else:
        cutoff = int(now) - UPDATE_WINDOWS[since]
        rows = await conn.fetch_all(
            "SELECT id, updated FROM shows WHERE updated >= :cutoff ORDER BY id", {"cutoff": cutoff}
        )
    return Fragment(orjson.dumps({str(r[0]): r[1] for r in rows}))


async def lookup_show(conn: Conn, tvrage: str | None, thetvdb: str | None, imdb: str | None) -> int | None:
    """The show id for one external id, or None (a miss)."""
    value: int | str | None
    column: ExternalColumn
    if thetvdb is not None:
        column, value = "thetvdb_id", ID.value(thetvdb)
    elif imdb is not None:
        column, value = "imdb_id", IMDB_ID.value(imdb)
    elif tvrage is not None:
        column, value = "tvrage_id", ID.value(tvrage)
    else:
        raise ApiError(400, "Specify one of the parameters tvrage, thetvdb or imdb")
    if value is None:
        return None
    # One rule for this endpoint and the importers' matching (openmaze.catalog.matching).
    return (await show_ids_by_external(conn, column, [value])).get(value)


# --- episodes --------------------------------------------------------------


async def episode_object(conn: Conn, episode_id: int, embeds: list[str]) -> Fragment:
    row = await conn.fetch_one("SELECT data, show_id FROM episodes WHERE id = :id", {"id": episode_id})
    if row is None:
        raise not_found()
    embedded: dict[str, Any] = {}
    for name in embeds:
        if name == "show":
            embedded["show"] = Fragment(
                await conn.fetch_val("SELECT data FROM shows WHERE id = :id", {"id": row["show_id"]})
            )
        else:
            embedded[name] = await episode_guests(conn, episode_id, name, check=False)
    return with_embedded(row["data"], embedded)


GUESTS = {"guestcast": "episode_guest_cast", "guestcrew": "episode_guest_crew"}


async def episode_guests(conn: Conn, episode_id: int, kind: str, check: bool = True) -> list[Fragment]:
    """An episode's guest cast (`{"person", "character", "self", "voice"}`) or guest crew
    (`{"guestCrewType", "person"}`), in TVmaze's key order."""
    if check and await conn.fetch_val("SELECT 1 FROM episodes WHERE id = :id", {"id": episode_id}) is None:
        raise not_found()
    rows = await conn.fetch_all(
        f"SELECT g.data AS credit, p.data AS person FROM {GUESTS[kind]} g JOIN people p ON p.id = g.person_id "
        "WHERE g.episode_id = :id ORDER BY g.position",
        {"id": episode_id},
    )
    first = kind == "guestcast"
    return [Fragment(with_key(row["credit"], "person", row["person"], first=first)) for row in rows]
