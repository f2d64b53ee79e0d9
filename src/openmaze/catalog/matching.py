"""Resolving what another service names (a show by TheTVDB id, an episode by season and
number...) to this catalog's TVmaze ids: one set of rules for every importer and webhook.

Rules, in order:
1. an episode by its TVmaze episode id;
2. a show by its TVmaze id, then by TheTVDB id, then by IMDb id, each as `/lookup/shows`
   answers it (`show_ids_by_external`, which that endpoint uses too);
3. a show whose ids the catalog lacks may be fetched from an upstream by the caller
   (`fetch_missing`), before any title is tried;
4. then by title: the catalog's search folding (`text.fold`: case, accents, punctuation)
   with a leading article ignored; a show carrying another TheTVDB or IMDb id than the
   source gave is not a candidate; on a tie the premiere year decides, and two candidates
   still equal are never guessed between (the match is refused as ambiguous); a ref with
   no id still unmatched is offered to `fetch_missing` last;
5. an episode by (season, number); a special (season 0 at the source, or TVmaze's
   specials, which have no number) by airdate, then by title.

Batched: a whole list is resolved with a bounded number of statements (one per rule, not
one per item). A `Matcher` caches what it resolved; use one per import or webhook batch.
A refusal's `reason` is exact and meant for a person: "no TVmaze show for TheTVDB 12345",
"no episode S03E14 in Show Name", "2 shows named 'Ghosts' premiered 2021".
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from openmaze.catalog.text import fold
from openmaze.db.database import Conn, in_list, list_param

ExternalColumn = Literal["thetvdb_id", "imdb_id", "tvrage_id"]


@dataclass(frozen=True)
class ShowRef:
    """What a source says about a show."""

    tvmaze: int | None = None
    thetvdb: int | None = None
    imdb: str | None = None  # as IMDb writes it: tt0944947
    tmdb: int | None = None  # kept for reports; TVmaze's externals have no TMDB id
    title: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class EpisodeRef:
    show: ShowRef
    tvmaze_episode: int | None = None
    season: int | None = None
    number: int | None = None
    airdate: datetime.date | None = None
    title: str | None = None


@dataclass(frozen=True)
class Match:
    show_id: int | None
    episode_id: int | None
    reason: str | None  # None when matched; otherwise what a person is told
    ambiguous: bool = False

    @property
    def matched(self) -> bool:
        return self.reason is None


FetchMissing = Callable[[ShowRef], Awaitable[int | None]]


async def show_ids_by_external(conn: Conn, column: ExternalColumn, values: Iterable[Any]) -> dict[Any, int]:
    """The rule of `/lookup/shows`, for many ids at once: each external id's show, the
    lowest show id when several carry it. Ids with no show are absent."""
    wanted = list(dict.fromkeys(v for v in values if v is not None))
    if not wanted:
        return {}
    rows = await conn.fetch_all(
        f"SELECT {column}, MIN(id) FROM shows WHERE {in_list(conn, column, 'values')} GROUP BY {column}",
        {"values": list_param(conn, wanted)},
    )
    return {row[0]: int(row[1]) for row in rows}


_ARTICLE = re.compile(r"^(?:the|a|an) ")
_YEAR_SUFFIX = re.compile(r"\s*\((\d{4})\)\s*$")


def title_key(title: str) -> str:
    """'The Office (US)' and 'office us' alike: the search folding, a leading article dropped."""
    return _ARTICLE.sub("", fold(title))


def split_year(title: str) -> tuple[str, int | None]:
    """'Ghosts (2021)' -> ('Ghosts', 2021): exports and media servers tell same-named shows
    apart that way. A title that is only a year in brackets is kept whole."""
    found = _YEAR_SUFFIX.search(title)
    if found is None or not title[: found.start()].strip():
        return title, None
    return title[: found.start()].rstrip(), int(found.group(1))


def _premiere_year(data: str) -> int | None:
    try:
        premiered = orjson.loads(data).get("premiered")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    if isinstance(premiered, str) and len(premiered) >= 4 and premiered[:4].isdigit():
        return int(premiered[:4])
    return None


def _conflicts(ref: ShowRef, externals: tuple[int | None, str | None]) -> bool:
    thetvdb, imdb = externals
    return (ref.thetvdb is not None and thetvdb is not None and thetvdb != ref.thetvdb) or (
        ref.imdb is not None and imdb is not None and imdb != ref.imdb
    )


def _has_id(ref: ShowRef) -> bool:
    return ref.tvmaze is not None or ref.thetvdb is not None or ref.imdb is not None


def _show_reason(ref: ShowRef) -> str:
    if ref.tvmaze is not None:
        return f"no TVmaze show {ref.tvmaze}"
    if ref.thetvdb is not None:
        return f"no TVmaze show for TheTVDB {ref.thetvdb}"
    if ref.imdb is not None:
        return f"no TVmaze show for IMDb {ref.imdb}"
    if ref.title:
        title, year = split_year(ref.title)
        year = ref.year or year
        return f"no TVmaze show named {title.strip()!r}" + (f" premiered {year}" if year else "")
    if ref.tmdb is not None:
        return f"no TVmaze show for TMDB {ref.tmdb} (TVmaze has no TMDB ids)"
    return "no show id or title to match"


@dataclass
class _Episodes:
    """One show's episodes, indexed the ways the rules look them up."""

    name: str
    by_number: dict[tuple[int, int], list[int]] = field(default_factory=lambda: defaultdict(list))
    # (id, airdate, folded title) of the episodes without a number: TVmaze's specials
    specials: list[tuple[int, str | None, str]] = field(default_factory=list)


def _code(season: int | None, number: int | None) -> str:
    return f"S{season or 0:02d}E{number or 0:02d}"


class Matcher:
    """Resolves refs in batches; caches shows and the episode indexes it loaded.

    `fetch_missing(ref)`: called for a show no local rule found, once per distinct ref; it
    returns the show's TVmaze id once the show is in the local catalog, or None.
    """

    def __init__(self, conn: Conn, *, fetch_missing: FetchMissing | None = None) -> None:
        self.conn = conn
        self.fetch_missing = fetch_missing
        self._shows: dict[ShowRef, Match] = {}
        self._indexes: dict[int, _Episodes] = {}
        self._episode_show: dict[int, int] = {}

    # -- shows

    async def shows(self, refs: Sequence[ShowRef]) -> list[Match]:
        todo = [ref for ref in dict.fromkeys(refs) if ref not in self._shows]
        if todo:
            await self._resolve_shows(todo)
        return [self._shows[ref] for ref in refs]

    async def _resolve_shows(self, refs: list[ShowRef]) -> None:
        conn = self.conn
        found: dict[ShowRef, Match] = {}
        by_id: dict[int, int] = {}
        ids = [r.tvmaze for r in refs if r.tvmaze is not None]
        if ids:
            rows = await conn.fetch_all(
                f"SELECT id FROM shows WHERE {in_list(conn, 'id', 'ids')}", {"ids": list_param(conn, ids)}
            )
            by_id = {int(r[0]): int(r[0]) for r in rows}
        tvdb = await show_ids_by_external(conn, "thetvdb_id", (r.thetvdb for r in refs))
        imdb = await show_ids_by_external(conn, "imdb_id", (r.imdb for r in refs))
        for ref in refs:
            show_id = (
                (by_id.get(ref.tvmaze) if ref.tvmaze is not None else None)
                or tvdb.get(ref.thetvdb)
                or imdb.get(ref.imdb)
            )
            if show_id is not None:
                found[ref] = Match(show_id, None, None)
        asked: set[ShowRef] = set()
        if self.fetch_missing is not None:
            # An id the catalog lacks is fetched by that id before any title is tried: a
            # local show of the same name may be another show altogether.
            for ref in refs:
                if ref not in found and _has_id(ref):
                    asked.add(ref)
                    fetched = await self.fetch_missing(ref)
                    if fetched is not None:
                        found[ref] = Match(fetched, None, None)
        titled = [ref for ref in refs if ref not in found and ref.title]
        if titled:
            found.update(await self._by_title(titled))
        for ref in refs:
            match = found.get(ref)
            if match is not None and match.reason and not match.ambiguous and _has_id(ref):
                match = None  # the id the source gave is the stronger claim: its reason says more
            unresolved = match is None or (match.reason is not None and not match.ambiguous)
            if unresolved and self.fetch_missing is not None and ref not in asked:
                fetched = await self.fetch_missing(ref)
                if fetched is not None:
                    match = Match(fetched, None, None)
            self._shows[ref] = match or Match(None, None, _show_reason(ref))

    async def _by_title(self, refs: list[ShowRef]) -> dict[ShowRef, Match]:
        wanted: dict[ShowRef, tuple[str, str, str, int | None]] = {}
        variants: set[str] = set()
        for ref in refs:
            assert ref.title is not None
            title, suffix_year = split_year(ref.title)
            key = title_key(title)
            if not key:
                continue
            wanted[ref] = (title.strip(), fold(title), key, ref.year or suffix_year)
            variants.update((key, f"the {key}", f"a {key}", f"an {key}"))
        if not variants:
            return {}
        rows = await self.conn.fetch_all(
            "SELECT id, search_name, data, thetvdb_id, imdb_id FROM shows "
            f"WHERE {in_list(self.conn, 'search_name', 'names')}",
            {"names": list_param(self.conn, sorted(variants))},
        )
        candidates: dict[str, list[tuple[int, str, int | None]]] = defaultdict(list)
        externals: dict[int, tuple[int | None, str | None]] = {}
        for row in rows:
            candidates[title_key(row[1])].append((int(row[0]), row[1], _premiere_year(row[2])))
            externals[int(row[0])] = (row[3], row[4])
        out: dict[ShowRef, Match] = {}
        for ref, (title, folded, key, year) in wanted.items():
            # A show whose own TheTVDB or IMDb id differs from the one the source gave is
            # another show of the same name, whatever the title says.
            found = sorted(c for c in candidates.get(key, []) if not _conflicts(ref, externals[c[0]]))
            exact = [c for c in found if c[1] == folded]
            if len(found) > 1 and exact:
                found = exact  # "The Office" over "Office" when the source wrote "The Office"
            out[ref] = _pick_by_year(title, year, found)
        return out

    # -- episodes

    async def episodes(self, refs: Sequence[EpisodeRef]) -> list[Match]:
        conn = self.conn
        direct = [r.tvmaze_episode for r in refs if r.tvmaze_episode is not None]
        unknown = [i for i in dict.fromkeys(direct) if i not in self._episode_show]
        if unknown:
            rows = await conn.fetch_all(
                f"SELECT id, show_id FROM episodes WHERE {in_list(conn, 'id', 'ids')}",
                {"ids": list_param(conn, unknown)},
            )
            self._episode_show.update({int(r[0]): int(r[1]) for r in rows})
        need_show = [r.show for r in refs if r.tvmaze_episode not in self._episode_show]
        show_matches = dict(zip(need_show, await self.shows(need_show), strict=True)) if need_show else {}
        await self._load_indexes({m.show_id for m in show_matches.values() if m.show_id is not None})
        return [self._episode(ref, show_matches) for ref in refs]

    async def _load_indexes(self, show_ids: set[int]) -> None:
        todo = sorted(i for i in show_ids if i not in self._indexes)
        if not todo:
            return
        conn = self.conn
        param = {"ids": list_param(conn, todo)}
        names = await conn.fetch_all(f"SELECT id, name FROM shows WHERE {in_list(conn, 'id', 'ids')}", param)
        for row in names:
            self._indexes[int(row[0])] = _Episodes(row[1])
        rows = await conn.fetch_all(
            "SELECT id, show_id, season, number, airdate, CASE WHEN number IS NULL THEN data END AS data "
            f"FROM episodes WHERE {in_list(conn, 'show_id', 'ids')} ORDER BY id",
            param,
        )
        for row in rows:
            episode_id, show_id, season, number = int(row[0]), int(row[1]), row[2], row[3]
            index = self._indexes[show_id]
            self._episode_show[episode_id] = show_id
            if number is None:
                title = ""
                try:
                    name = orjson.loads(row[5]).get("name")
                    title = title_key(name) if isinstance(name, str) else ""
                except (orjson.JSONDecodeError, AttributeError):
                    pass
                index.specials.append((episode_id, row[4], title))
            elif season is not None:
                index.by_number[(season, number)].append(episode_id)

    def _episode(self, ref: EpisodeRef, show_matches: dict[ShowRef, Match]) -> Match:
        if ref.tvmaze_episode is not None and ref.tvmaze_episode in self._episode_show:
            return Match(self._episode_show[ref.tvmaze_episode], ref.tvmaze_episode, None)
        show = show_matches[ref.show]
        if show.show_id is None:
            if ref.tvmaze_episode is not None and ref.show == ShowRef():
                return Match(None, None, f"no TVmaze episode {ref.tvmaze_episode}")
            return show
        index = self._indexes.get(show.show_id)
        if index is None:  # the show vanished between the two reads
            return Match(show.show_id, None, f"no TVmaze show {show.show_id}")
        if ref.season is not None and ref.number is not None:
            ids = index.by_number.get((ref.season, ref.number), [])
            if len(ids) == 1:
                return Match(show.show_id, ids[0], None)
            if len(ids) > 1:
                code = _code(ref.season, ref.number)
                return Match(show.show_id, None, f"{len(ids)} episodes {code} in {index.name}", ambiguous=True)
            if ref.season != 0:
                return Match(show.show_id, None, f"no episode {_code(ref.season, ref.number)} in {index.name}")
        elif ref.season is not None or ref.number is not None or (ref.airdate is None and not ref.title):
            return Match(show.show_id, None, f"no season and number to find the episode in {index.name}")
        return _special(show.show_id, index, ref)


def _pick_by_year(title: str, year: int | None, found: list[tuple[int, str, int | None]]) -> Match:
    if not found:
        return Match(None, None, f"no TVmaze show named {title!r}" + (f" premiered {year}" if year else ""))
    if len(found) == 1:
        show_id, _, premiered = found[0]
        if year is not None and premiered is not None and abs(premiered - year) > 1:
            return Match(None, None, f"no TVmaze show named {title!r} premiered {year} (one premiered {premiered})")
        return Match(show_id, None, None)
    if year is None:
        return Match(None, None, f"{len(found)} shows named {title!r} and no year to choose", ambiguous=True)
    same_year = [c for c in found if c[2] == year]
    if len(same_year) == 1:
        return Match(same_year[0][0], None, None)
    if same_year:
        return Match(None, None, f"{len(same_year)} shows named {title!r} premiered {year}", ambiguous=True)
    return Match(None, None, f"{len(found)} shows named {title!r}, none premiered {year}", ambiguous=True)


def _special(show_id: int, index: _Episodes, ref: EpisodeRef) -> Match:
    """Season 0 at the source: TVmaze's specials (no number), by airdate, then by title."""
    where = f" in {index.name}"
    candidates = index.specials
    if ref.airdate is not None:
        day = ref.airdate.isoformat()
        on_day = [s for s in candidates if s[1] == day]
        if len(on_day) == 1:
            return Match(show_id, on_day[0][0], None)
        if on_day:
            candidates = on_day  # the title decides between specials of one day
    if ref.title:
        key = title_key(ref.title)
        titled = [s for s in candidates if key and s[2] == key]
        if len(titled) == 1:
            return Match(show_id, titled[0][0], None)
        if titled:
            return Match(show_id, None, f"{len(titled)} specials titled {ref.title!r}{where}", ambiguous=True)
    if ref.airdate is not None and len(candidates) > 1 and candidates is not index.specials:
        return Match(
            show_id, None, f"{len(candidates)} specials aired {ref.airdate.isoformat()}{where}", ambiguous=True
        )
    said = [
        *([f"aired {ref.airdate.isoformat()}"] if ref.airdate else []),
        *([f"titled {ref.title!r}"] if ref.title else []),
    ]
    code = _code(ref.season, ref.number) + " " if ref.season is not None and ref.number is not None else ""
    return Match(show_id, None, f"no special {code}{' or '.join(said)}{where}".replace("  ", " "))
