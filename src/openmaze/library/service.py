"""The rules of the library pages: progress, up next, the calendar, a show's page, history.

Reads are built from `queries`; writes call the API's own services (follows, marks, votes,
tags, scrobble), so a click and a `/v1` request follow one set of rules.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import orjson

from openmaze.core.errors import ApiError
from openmaze.core.scope import Scoped
from openmaze.db.database import Conn, in_list, list_param
from openmaze.library import queries
from openmaze.scrobble.service import scrobble_episodes

UTC = dt.UTC
FILTERS = ("all", "watching", "up-to-date", "not-started", "ended")
SORTS = ("recent", "name", "progress", "remaining")
HISTORY_PAGE = 50
PAGE_SIZE = 50  # shows per page of my shows and up next
_TAG = re.compile(r"<[^>]*>")


# --- time ---------------------------------------------------------------------------------


def zone(name: str | None) -> ZoneInfo:
    """The user's time zone; UTC until they choose one (or if the name is not known)."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def parse_time_zone(value: str) -> str:
    name = value.strip()
    if name not in _zone_names():
        raise ApiError(422, "Data validation failed.", {"time_zone": ["Choose a time zone from the list."]})
    return name


_ZONES: list[str] = []


def _zone_names() -> list[str]:
    if not _ZONES:
        _ZONES.extend(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))
    return _ZONES


def zone_names() -> list[str]:
    return _zone_names()


@dataclass(frozen=True, slots=True)
class Now:
    """One instant, in the forms the queries compare with."""

    epoch: int

    @property
    def stamp(self) -> str:
        return dt.datetime.fromtimestamp(self.epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")

    @property
    def today(self) -> str:
        return dt.datetime.fromtimestamp(self.epoch, UTC).date().isoformat()

    def params(self) -> dict[str, Any]:
        return {"now": self.stamp, "today": self.today}


def airtime(stamp: str | None) -> dt.datetime | None:
    if not stamp:
        return None
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def plain_text(summary: Any) -> str:
    """A catalog summary (HTML from the source) as text: never rendered as markup."""
    if not isinstance(summary, str):
        return ""
    return html.unescape(_TAG.sub(" ", summary)).strip()


# --- episodes -------------------------------------------------------------------------------


@dataclass(slots=True)
class Episode:
    id: int
    show_id: int
    season: int | None
    number: int | None
    name: str
    airstamp: str | None
    airdate: str | None
    runtime: int | None = None
    kind: str = "regular"
    mark: int | None = None  # 0 watched, 1 acquired, 2 skipped
    marked_at: int | None = None
    show_name: str = ""

    @property
    def label(self) -> str:
        season = f"S{self.season:02d}" if self.season is not None else ""
        if self.number is None:
            return f"{season} Special".strip()
        return f"{season}E{self.number:02d}"

    @property
    def aired_at(self) -> dt.datetime | None:
        return airtime(self.airstamp)


def episode_from(row: Any, data: str | bytes | None = None) -> Episode:
    """An episode from a row of `episodes` columns, its name and runtime from its JSON."""
    obj = orjson.loads(data if data is not None else row["data"])
    return Episode(
        id=row["id"],
        show_id=row["show_id"],
        season=row["season"],
        number=row["number"],
        name=str(obj.get("name") or ""),
        airstamp=row["airstamp"],
        airdate=row["airdate"],
        runtime=obj.get("runtime") if isinstance(obj.get("runtime"), int) else None,
        kind=str(obj.get("type") or "regular"),
    )


# --- my shows / up next ---------------------------------------------------------------------


@dataclass(slots=True)
class ShowProgress:
    id: int
    name: str
    status: str
    channel: str
    followed_at: int
    aired: int = 0
    watched: int = 0
    remaining: int = 0
    next: Episode | None = None
    last_at: int | None = None
    last_label: str | None = None

    @property
    def state(self) -> str:
        if self.watched == 0:
            return "not-started"
        return "watching" if self.remaining else "up-to-date"

    @property
    def ended(self) -> bool:
        return self.status == "Ended"

    @property
    def percent(self) -> int:
        return round(100 * self.watched / self.aired) if self.aired else 0


def channel(show: dict[str, Any]) -> str:
    for key in ("network", "webChannel"):
        value = show.get(key)
        if isinstance(value, dict) and value.get("name"):
            return str(value["name"])
    return ""


async def progress(scoped: Scoped, now: Now) -> list[ShowProgress]:
    """Every followed show with its progress, next episode to watch and last watched."""
    shows: dict[int, ShowProgress] = {}
    for row in await scoped.fetch_all(queries.FOLLOWED_SHOWS):
        data = orjson.loads(row["data"])
        shows[row["show_id"]] = ShowProgress(
            id=row["show_id"],
            name=row["name"],
            status=str(data.get("status") or ""),
            channel=channel(data),
            followed_at=row["followed_at"],
        )
    if not shows:
        return []
    for row in await scoped.fetch_all(queries.PROGRESS, now.params()):
        found = shows.get(row["show_id"])
        if found is None:
            continue
        found.aired, found.watched, found.remaining = int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)
        # Rows come in episode id order: a (season, number) held twice keeps its first episode.
        if row["id"] is not None and found.next is None:
            found.next = episode_from(row)
    for row in await scoped.fetch_all(queries.LAST_WATCHED):
        found = shows.get(row["show_id"])
        if found is not None:
            found.last_at = row["marked_at"]
            found.last_label = Episode(row["id"], row["show_id"], row["season"], row["number"], "", None, None).label
    return list(shows.values())


def choose(shows: Iterable[ShowProgress], which: str, sort: str) -> list[ShowProgress]:
    if which == "ended":
        picked = [s for s in shows if s.ended]
    elif which in ("watching", "up-to-date", "not-started"):
        picked = [s for s in shows if s.state == which]
    else:
        picked = list(shows)
    by_name = sorted(picked, key=lambda s: (s.name.casefold(), s.id))
    if sort == "name":
        return by_name
    if sort == "progress":
        return sorted(by_name, key=lambda s: -s.percent)
    if sort == "remaining":
        return sorted(by_name, key=lambda s: -s.remaining)
    return sorted(by_name, key=lambda s: (-(s.last_at or 0), -s.followed_at))


def up_next(shows: Iterable[ShowProgress]) -> list[ShowProgress]:
    """Shows with an episode to watch: the ones in progress first, most recently watched first."""
    waiting = [s for s in shows if s.next is not None]
    return sorted(waiting, key=lambda s: (s.last_at is None, -(s.last_at or 0), s.name.casefold(), s.id))


# --- calendar and feed --------------------------------------------------------------------


async def airing(scoped: Scoped, start: dt.datetime, end: dt.datetime) -> list[Episode]:
    """Episodes of followed shows airing in [start, end), by airstamp (episodes without one:
    by airdate, as if at midnight UTC), in air order."""
    margin = dt.timedelta(days=2)
    rows = await scoped.fetch_all(
        queries.AIRING,
        {"first": (start - margin).date().isoformat(), "last": (end + margin).date().isoformat()},
    )
    found: list[tuple[dt.datetime, Episode]] = []
    for row in rows:
        episode = episode_from(row)
        when = episode.aired_at
        if when is None and row["airdate"]:
            when = dt.datetime.fromisoformat(row["airdate"]).replace(tzinfo=UTC)
        if when is None or not start <= when < end:
            continue
        episode.show_name = row["show_name"]
        episode.mark = row["type"]
        found.append((when, episode))
    found.sort(key=lambda pair: (pair[0], pair[1].show_name.casefold(), pair[1].id))
    return [e for _, e in found]


@dataclass(slots=True)
class Day:
    date: dt.date
    episodes: list[tuple[str, Episode]] = field(default_factory=list)  # (local time, episode)


def by_day(episodes: Iterable[Episode], tz: ZoneInfo, first: dt.date, last: dt.date, keep_empty: bool) -> list[Day]:
    days: dict[dt.date, Day] = {}
    if keep_empty:
        day = first
        while day <= last:
            days[day] = Day(day)
            day += dt.timedelta(days=1)
    for episode in episodes:
        when = episode.aired_at
        if when is None:
            local_day, time_text = dt.date.fromisoformat(episode.airdate or first.isoformat()), ""
        else:
            local = when.astimezone(tz)
            local_day, time_text = local.date(), local.strftime("%H:%M")
        if first <= local_day <= last:
            days.setdefault(local_day, Day(local_day)).episodes.append((time_text, episode))
    return [days[d] for d in sorted(days)]


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tz).astimezone(UTC)


# --- a show's page --------------------------------------------------------------------------


@dataclass(slots=True)
class Season:
    number: int | None
    episodes: int = 0
    aired: int = 0
    watched: int = 0


@dataclass(slots=True)
class ShowPage:
    id: int
    data: dict[str, Any]
    seasons: list[Season]
    season: int | None
    episodes: list[Episode]
    followed: bool
    vote: int | None
    tags: list[tuple[int, str, bool]]
    aired_unwatched: int

    @property
    def summary(self) -> str:
        return plain_text(self.data.get("summary"))

    @property
    def channel(self) -> str:
        return channel(self.data)


def _aired(stamp: str | None, airdate: str | None, now: Now) -> bool:
    if stamp:
        return stamp <= now.stamp
    return bool(airdate) and str(airdate) <= now.today


def _air_order(e: Episode) -> tuple[Any, ...]:
    # Specials take their place by air date; episodes by number, then air date.
    return (e.airstamp or e.airdate or "9999", e.number if e.number is not None else -1, e.id)


async def show_page(scoped: Scoped, show_id: int, season: int | None, now: Now) -> ShowPage:
    conn = scoped.conn
    data_text = await conn.fetch_val("SELECT data FROM shows WHERE id = :id", {"id": show_id})
    if data_text is None:
        raise ApiError(404, "This show does not exist")
    rows = await conn.fetch_all(queries.SHOW_EPISODES, {"show_id": show_id})
    marks = {r[0]: r[1] for r in await scoped.fetch_all(queries.SHOW_MARKS, {"show_id": show_id})}
    seasons: dict[int | None, Season] = {}
    first_unwatched: int | None = None
    aired_unwatched = 0
    ordered = sorted(rows, key=lambda r: (r["season"] is None, r["season"] or 0, r["number"] or 0, r["id"]))
    for row in ordered:
        entry = seasons.setdefault(row["season"], Season(row["season"]))
        entry.episodes += 1
        aired = _aired(row["airstamp"], row["airdate"], now)
        if aired and row["number"] is not None:
            entry.aired += 1
            if marks.get(row["id"]) == 0:
                entry.watched += 1
            else:
                aired_unwatched += 1
                if first_unwatched is None and marks.get(row["id"]) != 2:
                    first_unwatched = row["season"]
    numbers = list(seasons)
    if season not in seasons:
        if first_unwatched is not None:
            season = first_unwatched
        else:
            aired_seasons = [s.number for s in seasons.values() if s.aired]
            season = aired_seasons[-1] if aired_seasons else (numbers[0] if numbers else None)
    episodes: list[Episode] = []
    if season is not None:
        by_id = {r["id"]: r for r in rows}
        for row in await conn.fetch_all(queries.SEASON_EPISODES, {"show_id": show_id, "season": season}):
            base = by_id.get(row["id"])
            if base is None:
                continue
            episode = episode_from(
                {
                    "id": row["id"],
                    "show_id": show_id,
                    "season": base["season"],
                    "number": base["number"],
                    "airstamp": base["airstamp"],
                    "airdate": base["airdate"],
                },
                row["data"],
            )
            episode.mark = marks.get(row["id"])
            episodes.append(episode)
        episodes.sort(key=_air_order)
    state = await scoped.fetch_one(queries.SHOW_STATE, {"show_id": show_id})
    tags = [(r[0], r[1], r[2] is not None) for r in await scoped.fetch_all(queries.SHOW_TAGS, {"show_id": show_id})]
    return ShowPage(
        id=show_id,
        data=orjson.loads(data_text),
        seasons=[seasons[n] for n in numbers],
        season=season,
        episodes=episodes,
        followed=state is not None and state["followed_at"] is not None,
        vote=None if state is None else state["vote"],
        tags=tags,
        aired_unwatched=aired_unwatched,
    )


async def mark_aired_watched(scoped: Scoped, show_id: int, season: int | None, now: Now) -> int:
    """Mark the aired regular episodes of a show (or of one season) watched, through the bulk
    scrobble service; episodes already watched keep their time. Returns how many it marked."""
    conn = scoped.conn
    if await conn.fetch_val("SELECT 1 FROM shows WHERE id = :id", {"id": show_id}) is None:
        raise ApiError(404, "This show does not exist")
    rows = await conn.fetch_all(queries.SHOW_EPISODES, {"show_id": show_id})
    watched = {r[0] for r in await scoped.fetch_all(queries.SHOW_MARKS, {"show_id": show_id}) if r[1] == 0}
    items = [
        {"episode_id": r["id"], "type": 0, "marked_at": now.epoch}
        for r in rows
        if r["number"] is not None
        and (season is None or r["season"] == season)
        and r["id"] not in watched
        and _aired(r["airstamp"], r["airdate"], now)
    ]
    if season is not None and not any(r["season"] == season for r in rows):
        raise ApiError(404, "This show has no such season")
    results = await scrobble_episodes(scoped, items, now.epoch)
    return sum(1 for r in results if r.get("code") == 200)


# --- history, follows, search ---------------------------------------------------------------


async def history(scoped: Scoped, page: int) -> tuple[list[Episode], bool]:
    rows = await scoped.fetch_all(queries.HISTORY, {"limit": HISTORY_PAGE + 1, "offset": (page - 1) * HISTORY_PAGE})
    out = []
    for row in rows[:HISTORY_PAGE]:
        obj = orjson.loads(row["data"])
        out.append(
            Episode(
                id=row["episode_id"],
                show_id=row["show_id"],
                season=row["season"],
                number=row["number"],
                name=str(obj.get("name") or ""),
                airstamp=obj.get("airstamp"),
                airdate=obj.get("airdate"),
                mark=0,
                marked_at=row["marked_at"],
                show_name=row["show_name"],
            )
        )
    return out, len(rows) > HISTORY_PAGE


async def other_follows(scoped: Scoped) -> dict[str, list[tuple[int, str]]]:
    found: dict[str, list[tuple[int, str]]] = {"people": [], "networks": [], "webchannels": []}
    for row in await scoped.fetch_all(queries.OTHER_FOLLOWS):
        found[row[0]].append((row[1], row[2]))
    for items in found.values():
        items.sort(key=lambda item: (item[1].casefold(), item[0]))
    return found


async def followed_among(scoped: Scoped, show_ids: list[int]) -> set[int]:
    if not show_ids:
        return set()
    conn: Conn = scoped.conn
    rows = await scoped.fetch_all(
        f"SELECT show_id FROM followed_shows WHERE user_id = :user_id AND {in_list(conn, 'show_id', 'ids')}",
        {"ids": list_param(conn, show_ids)},
    )
    return {r[0] for r in rows}


async def set_time_zone(conn: Conn, user_id: int, value: str) -> str:
    name = parse_time_zone(value)
    await conn.execute("UPDATE users SET time_zone = :z WHERE id = :u", {"z": name, "u": user_id})
    return name
