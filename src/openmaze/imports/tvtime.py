"""TV Time's GDPR export ZIP (TV Time closed on 2026-07-15; its users hold these files).

Two layouts are found in the exports people received, and both are read:
- recent exports: `tracking-prod-records-v2.csv`, one row per watched episode, with
  `s_id` (TheTVDB series id), `series_name`, `season_number`, `episode_number`,
  `episode_id` (TheTVDB's episode id, which TVmaze does not carry) and `created_at`; the
  older `tracking-prod-records.csv` beside it mixes such episode rows with movie rows;
- older exports: `seen_episode.csv` with `tv_show_name`, `episode_season_number`,
  `episode_number`, `updated_at` (and sometimes `tv_show_id`).
Both may hold `followed_tv_show.csv` (`tv_show_id`, `tv_show_name`): followed shows.

Times are UTC (`2023-05-01 20:15:00`). Rows without an episode number (movies) are left
out; a file without the columns it needs refuses the whole import before anything is
written. Shows are matched by TheTVDB id when the row has one, else by name, where a year
in the name ("Ghosts (2021)") decides between shows of the same name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from openmaze.catalog.matching import EpisodeRef, ShowRef
from openmaze.core.fields import ID, NUMBER
from openmaze.imports.archive import Archive, ImportFileError
from openmaze.imports.service import Item, Parsed, parse_time

TRACKING_V2 = "tracking-prod-records-v2.csv"
TRACKING = "tracking-prod-records.csv"
SEEN = "seen_episode.csv"
FOLLOWED = "followed_tv_show.csv"

# What each value is called in either layout.
SHOW_ID = ("s_id", "tv_show_id", "series_id")
SHOW_NAME = ("series_name", "tv_show_name")
SEASON = ("season_number", "episode_season_number")
NUMBER_COLUMNS = ("episode_number",)
WHEN = ("created_at", "updated_at", "watched_at")


def _files(archive: Archive, pattern: str) -> Iterator[tuple[str, list[str], Iterator[tuple[int, dict[str, str]]]]]:
    """(file name, its columns, its rows with their position) for each file matching `pattern`."""
    for info in archive.find(pattern):
        name = info.filename.rsplit("/", 1)[-1]
        try:
            text = archive.read(info).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError(f"{name} is not UTF-8 text, as TV Time writes its CSV files") from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            columns = [c.strip() for c in reader.fieldnames or []]
        except csv.Error as exc:
            raise ImportFileError(f"{name} is not a readable CSV file ({exc})") from None
        reader.fieldnames = columns
        yield name, columns, _read(name, reader)


def _read(name: str, reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        for n, row in enumerate(reader):
            yield n, {k: (v or "").strip() for k, v in row.items() if isinstance(k, str) and isinstance(v, str)}
    except csv.Error as exc:
        raise ImportFileError(f"{name} is not a readable CSV file ({exc})") from None


def _column(columns: list[str], names: tuple[str, ...]) -> str | None:
    return next((c for c in names if c in columns), None)


def _require(name: str, columns: list[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, str]:
    found = {key: _column(columns, names) for key, names in wanted.items()}
    missing = [" or ".join(names) for key, names in wanted.items() if found[key] is None]
    if missing:
        raise ImportFileError(f"{name} lacks the column(s) {', '.join(missing)}: is it from a TV Time export?")
    return {k: v for k, v in found.items() if v is not None}


def _show(row: dict[str, str], id_column: str | None, name_column: str | None) -> ShowRef:
    title = row.get(name_column or "", "") or None
    return ShowRef(thetvdb=ID.value(row.get(id_column or "", "")) if id_column else None, title=title)


def parse(archive: Archive, *, now: int) -> Parsed:
    watched = [p for p in (TRACKING_V2, TRACKING, SEEN) if archive.find(p)]
    if not watched and not archive.find(FOLLOWED):
        raise ImportFileError(
            f"{archive.label} holds none of the files of a TV Time export ({TRACKING_V2}, {SEEN}, {FOLLOWED})"
        )
    parsed = Parsed()
    movies = 0
    for pattern in watched:
        for name, columns, rows in _files(archive, pattern):
            id_column, name_column = _column(columns, SHOW_ID), _column(columns, SHOW_NAME)
            need = {"season": SEASON, "number": NUMBER_COLUMNS, "when": WHEN}
            if id_column is None:
                need["show"] = SHOW_NAME
            if pattern == TRACKING and len(watched) > 1 and any(_column(columns, n) is None for n in need.values()):
                # The older tracking file of a recent export can hold only movies: the v2 file has the episodes.
                parsed.notes.append(f"left out: {name}, which holds no episodes")
                continue
            cols = _require(name, columns, need)
            for n, row in rows:
                source = f"{name} row {n + 2}"  # as a spreadsheet numbers it, below the header
                if not row.get(cols["number"]):
                    movies += 1  # a movie (or a show-level row): no episode to mark
                    continue
                show = _show(row, id_column, name_column)
                season, number = NUMBER.value(row.get(cols["season"])), NUMBER.value(row.get(cols["number"]))
                at = parse_time(row.get(cols["when"]))
                label = f"{source}: {show.title or f'TheTVDB {show.thetvdb}'}"
                if season is None or number is None:
                    parsed.unmatched.append({"source": label, "reason": "the season or episode number is not a number"})
                    continue
                if at is None:
                    parsed.unmatched.append(
                        {"source": label, "reason": f"no date and time ({row.get(cols['when'])!r})"}
                    )
                    continue
                episode = EpisodeRef(show, season=season, number=number)
                parsed.items.append(Item("mark", f"{label} S{season:02d}E{number:02d}", at, episode=episode))
    for name, columns, rows in _files(archive, FOLLOWED):
        id_column, name_column = _column(columns, SHOW_ID), _column(columns, SHOW_NAME)
        if id_column is None and name_column is None:
            _require(name, columns, {"show": SHOW_ID + SHOW_NAME})
        when_column = _column(columns, WHEN)
        for n, row in rows:
            show = _show(row, id_column, name_column)
            if show.thetvdb is None and show.title is None:
                parsed.unmatched.append({"source": f"{name} row {n + 2}", "reason": "no show id or name"})
                continue
            at = (parse_time(row.get(when_column)) if when_column else None) or now
            label = f"{name} row {n + 2}: {show.title or f'TheTVDB {show.thetvdb}'}"
            parsed.items.append(Item("follow_show", label, at, show=show))
    if movies:
        parsed.notes.append(f"left out: {movies} rows without an episode number (movies; TVmaze tracks shows)")
    return parsed
