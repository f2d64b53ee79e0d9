"""Trakt's export ZIP (trakt.tv → Settings → Data → export).

The files read (any folder in the ZIP):
- `watched-history*.json` (one file, or several numbered pages): each play, newest first,
  `{"watched_at", "action", "type": "episode"|"movie", "episode": {"season", "number",
  "title", "ids"}, "show": {"title", "year", "ids": {"trakt", "slug", "tvdb", "imdb", "tmdb"}}}`
  → a watched mark per episode, at its latest play;
- `ratings-shows.json` / `ratings-episodes.json`: `{"rated_at", "rating": 1..10, "show"[,
  "episode"]}` → votes, at the rating's time;
- `lists-watchlist.json`: `{"listed_at", "type", "show"}` → watchlisted shows become follows
  (the report says so: TVmaze has no watchlist).

Movies, seasons and everything else in the export are counted and left out. A file that is
not JSON, or not the shape above, refuses the whole import before anything is written.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import orjson

from openmaze.catalog.matching import EpisodeRef, ShowRef
from openmaze.core.fields import ID, IMDB_ID, NUMBER, VOTE
from openmaze.imports.archive import Archive, ImportFileError
from openmaze.imports.service import Item, Parsed, parse_time

HISTORY = "watched-history*.json"
RATINGS_SHOWS = "ratings-shows.json"
RATINGS_EPISODES = "ratings-episodes.json"
WATCHLIST = "lists-watchlist.json"
WATCHED = 0  # mark type


def _entries(archive: Archive, pattern: str) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(file name, position, entry) for every entry of the files matching `pattern`."""
    for info in archive.find(pattern):
        name = info.filename.rsplit("/", 1)[-1]
        try:
            doc = orjson.loads(archive.read(info))
        except orjson.JSONDecodeError as exc:
            raise ImportFileError(f"{name} is not valid JSON ({exc})") from None
        if not isinstance(doc, list):
            raise ImportFileError(f"{name}: expected a JSON array, as Trakt exports it")
        for n, entry in enumerate(doc):
            if not isinstance(entry, dict):
                raise ImportFileError(f"{name}[{n}]: expected an object")
            yield name, n, entry


def _object(entry: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = entry.get(key)
    if not isinstance(value, dict):
        raise ImportFileError(f"{where}.{key}: expected an object")
    return value


def _show(entry: dict[str, Any], where: str) -> ShowRef:
    show = _object(entry, "show", where)
    ids = show.get("ids") or {}
    if not isinstance(ids, dict):
        raise ImportFileError(f"{where}.show.ids: expected an object")
    title = show.get("title")
    year = show.get("year")
    return ShowRef(
        thetvdb=ID.value(ids.get("tvdb")),
        imdb=IMDB_ID.value(ids.get("imdb")),
        tmdb=ID.value(ids.get("tmdb")),
        title=title if isinstance(title, str) and title.strip() else None,
        year=year if type(year) is int else None,
    )


def _episode(entry: dict[str, Any], show: ShowRef, where: str) -> EpisodeRef:
    episode = _object(entry, "episode", where)
    season, number = episode.get("season"), episode.get("number")
    if type(season) is not int or type(number) is not int or not NUMBER.contains(season) or not NUMBER.contains(number):
        raise ImportFileError(f"{where}.episode: season and number must be whole numbers")
    title = episode.get("title")
    aired = parse_time(episode.get("first_aired"))
    return EpisodeRef(
        show,
        season=season,
        number=number,
        title=title if isinstance(title, str) and title.strip() else None,
        airdate=datetime.datetime.fromtimestamp(aired, datetime.UTC).date() if aired is not None else None,
    )


def _time(entry: dict[str, Any], key: str, where: str) -> int:
    at = parse_time(entry.get(key))
    if at is None:
        raise ImportFileError(f"{where}.{key}: expected a date and time, got {entry.get(key)!r}")
    return at


def _label(name: str, n: int, show: ShowRef, episode: EpisodeRef | None = None) -> str:
    what = show.title or (f"TheTVDB {show.thetvdb}" if show.thetvdb else "a show")
    if episode is not None:
        what += f" S{episode.season:02d}E{episode.number:02d}"
    return f"{name} #{n + 1}: {what}"


def parse(archive: Archive, *, now: int) -> Parsed:
    present = [p for p in (HISTORY, RATINGS_SHOWS, RATINGS_EPISODES, WATCHLIST) if archive.find(p)]
    if not present:
        raise ImportFileError(
            f"{archive.label} holds none of the files of a Trakt export "
            f"({HISTORY}, {RATINGS_SHOWS}, {RATINGS_EPISODES}, {WATCHLIST})"
        )
    parsed = Parsed()
    left_out: dict[str, int] = {}
    for name, n, entry in _entries(archive, HISTORY):
        where = f"{name}[{n}]"
        kind = entry.get("type", "episode" if "episode" in entry else None)
        if kind != "episode":
            left_out[f"{kind or 'unknown'} plays"] = left_out.get(f"{kind or 'unknown'} plays", 0) + 1
            continue
        show = _show(entry, where)
        episode = _episode(entry, show, where)
        parsed.items.append(
            Item("mark", _label(name, n, show, episode), _time(entry, "watched_at", where), episode=episode)
        )
    for pattern, kind in ((RATINGS_SHOWS, "vote_show"), (RATINGS_EPISODES, "vote_episode")):
        for name, n, entry in _entries(archive, pattern):
            where = f"{name}[{n}]"
            rating = entry.get("rating")
            if type(rating) is not int or not VOTE.contains(rating):
                raise ImportFileError(f"{where}.rating: expected a whole number from 1 to 10")
            show = _show(entry, where)
            at = _time(entry, "rated_at", where)
            if kind == "vote_show":
                parsed.items.append(Item("vote_show", _label(name, n, show), at, show=show, value=rating))
            else:
                episode = _episode(entry, show, where)
                parsed.items.append(
                    Item("vote_episode", _label(name, n, show, episode), at, episode=episode, value=rating)
                )
    watchlisted = 0
    for name, n, entry in _entries(archive, WATCHLIST):
        where = f"{name}[{n}]"
        if entry.get("type") != "show":
            left_out[f"watchlisted {entry.get('type')}s"] = left_out.get(f"watchlisted {entry.get('type')}s", 0) + 1
            continue
        show = _show(entry, where)
        at = parse_time(entry.get("listed_at")) or now
        parsed.items.append(Item("follow_show", _label(name, n, show), at, show=show))
        watchlisted += 1
    if watchlisted:
        parsed.notes.append(f"{watchlisted} shows on the Trakt watchlist became follows (TVmaze has no watchlist)")
    for what, count in sorted(left_out.items()):
        parsed.notes.append(f"left out: {count} {what} (TVmaze tracks shows and episodes)")
    return parsed
