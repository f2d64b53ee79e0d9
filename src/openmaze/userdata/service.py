"""A user's data as one JSON document: `openmaze export` and `openmaze import-user`; the
marked episodes as CSV (`openmaze export --format csv`, `export_marks_csv`).

The format (version 1) - every list sorted by id (tags by name), so two exports of the same
data are byte-identical:

    {
      "format": "openmaze-user-export",
      "version": 1,
      "exported_at": 1700000000,                  # epoch seconds
      "username": "alice",
      "follows": {
        "shows":       [{"show_id": 1, "followed_at": 1700000000}],
        "people":      [{"person_id": 1, "followed_at": ...}],
        "networks":    [{"network_id": 1, "followed_at": ...}],
        "webchannels": [{"webchannel_id": 1, "followed_at": ...}]
      },
      "marks": [{"episode_id": 1, "type": 0, "marked_at": 1700000000}],   # type 0/1/2, 0 = unknown time
      "votes": {
        "shows":    [{"show_id": 1, "vote": 8, "voted_at": ...}],          # vote 1..10
        "episodes": [{"episode_id": 1, "vote": 8, "voted_at": ...}]
      },
      "tags": [{"name": "Favourites", "shows": [1, 2]}]
    }

Import merges into the user's data in one transaction: each object in the file is written
with the file's values (a follow's time, a mark's type and time, a vote), tags are matched
by name, and nothing the file does not mention is removed. Importing the same file twice
therefore changes nothing the second time. Ids the catalog does not hold are skipped and
reported, not fatal (a user moving between servers with different catalogs keeps the rest).
A file that is not this format, or holds an invalid value, is refused before anything is
written. Values obey the API's own rules (`openmaze.core.fields`), so an import stores nothing
the API would refuse: tag names are trimmed and free of control characters, and the numbers
are JSON integers within the API's ranges.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from openmaze.core.fields import EPOCH, ID, MARK_TYPE, TAG_NAME, VOTE, FieldError, Int
from openmaze.core.scope import Scoped
from openmaze.db.database import Conn, in_list, list_param

FORMAT = "openmaze-user-export"
VERSION = 1

# kind in the file -> (table, id column, catalog table)
FOLLOW_KINDS: dict[str, tuple[str, str, str]] = {
    "shows": ("followed_shows", "show_id", "shows"),
    "people": ("followed_people", "person_id", "people"),
    "networks": ("followed_networks", "network_id", "networks"),
    "webchannels": ("followed_webchannels", "webchannel_id", "webchannels"),
}
VOTE_KINDS: dict[str, tuple[str, str, str]] = {
    "shows": ("show_votes", "show_id", "shows"),
    "episodes": ("episode_votes", "episode_id", "episodes"),
}


class ExportFormatError(ValueError):
    """The file is not a valid export; the message says where."""


# --- export -------------------------------------------------------------------------------


async def export_user(conn: Conn, user_id: int, username: str) -> dict[str, Any]:
    scoped = Scoped(conn, user_id)
    follows: dict[str, list[dict[str, int]]] = {}
    for kind, (table, column, _) in FOLLOW_KINDS.items():
        rows = await scoped.fetch_all(
            f"SELECT {column}, followed_at FROM {table} WHERE user_id = :user_id ORDER BY {column}"
        )
        follows[kind] = [{column: r[0], "followed_at": r[1]} for r in rows]
    marks = await scoped.fetch_all(
        "SELECT episode_id, type, marked_at FROM marked_episodes WHERE user_id = :user_id ORDER BY episode_id"
    )
    votes: dict[str, list[dict[str, int]]] = {}
    for kind, (table, column, _) in VOTE_KINDS.items():
        rows = await scoped.fetch_all(
            f"SELECT {column}, vote, voted_at FROM {table} WHERE user_id = :user_id ORDER BY {column}"
        )
        votes[kind] = [{column: r[0], "vote": r[1], "voted_at": r[2]} for r in rows]
    tag_rows = await scoped.fetch_all("SELECT id, name FROM tags WHERE user_id = :user_id ORDER BY name, id")
    tagged = await scoped.fetch_all("SELECT tag_id, show_id FROM tag_shows WHERE user_id = :user_id ORDER BY show_id")
    shows_by_tag: dict[int, list[int]] = {}
    for r in tagged:
        shows_by_tag.setdefault(r[0], []).append(r[1])
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": int(time.time()),
        "username": username,
        "follows": follows,
        "marks": [{"episode_id": r[0], "type": r[1], "marked_at": r[2]} for r in marks],
        "votes": votes,
        "tags": [{"name": r[1], "shows": shows_by_tag.get(r[0], [])} for r in tag_rows],
    }


# The CSV of marked episodes (`openmaze export --format csv`): one row per mark, for a
# spreadsheet or another tracker. Times are ISO 8601 UTC, empty when unknown.
CSV_COLUMNS = (
    "show_name",
    "tvmaze_show_id",
    "thetvdb_show_id",
    "imdb_show_id",
    "season",
    "number",
    "tvmaze_episode_id",
    "type",
    "marked_at",
)
MARK_TYPES = {0: "watched", 1: "acquired", 2: "skipped"}


async def export_marks_csv(conn: Conn, user_id: int) -> str:
    """Every marked episode of the user, by show name, then season and number."""
    rows = await Scoped(conn, user_id).fetch_all(
        "SELECT s.name, s.id, s.thetvdb_id, s.imdb_id, e.season, e.number, m.episode_id, m.type, m.marked_at "
        "FROM marked_episodes m JOIN episodes e ON e.id = m.episode_id JOIN shows s ON s.id = m.show_id "
        "WHERE m.user_id = :user_id ORDER BY s.name, s.id, e.season, e.number, m.episode_id"
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        at = datetime.fromtimestamp(r[8], UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if r[8] else ""
        none = ("" if v is None else v for v in (r[0], r[1], r[2], r[3], r[4], r[5], r[6]))
        writer.writerow([*none, MARK_TYPES.get(r[7], r[7]), at])
    return out.getvalue()


# --- validation ---------------------------------------------------------------------------


def _int(value: Any, where: str, field: Int) -> int:
    # JSON integers only: the file is written by `export`, never with numbers as text.
    if type(value) is not int or not field.contains(value):
        raise ExportFormatError(f"{where}: expected an integer from {field.low} to {field.high}, got {value!r}")
    return value


def _id(value: Any, where: str) -> int:
    if type(value) is not int or not ID.contains(value):
        raise ExportFormatError(f"{where}: {value!r} is not an id")
    return value


def _tag_name(value: Any, where: str) -> str:
    """The name as the API would store it (trimmed), or the API's reason to refuse it."""
    try:
        return TAG_NAME.parse(value)
    except FieldError as exc:
        raise ExportFormatError(f"{where}: {exc.message} Got {value!r}") from None


def _list(doc: dict[str, Any], key: str, where: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise ExportFormatError(f"{where}.{key}: expected a list")
    return value


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ExportFormatError(f"{where}: expected an object")
    return value


@dataclass
class Parsed:
    follows: dict[str, dict[int, int]] = field(default_factory=dict)  # kind -> {id: followed_at}
    marks: dict[int, tuple[int, int]] = field(default_factory=dict)  # episode -> (type, marked_at)
    votes: dict[str, dict[int, tuple[int, int]]] = field(default_factory=dict)  # kind -> {id: (vote, voted_at)}
    tags: dict[str, list[int]] = field(default_factory=dict)  # name -> show ids


def parse_export(doc: Any) -> Parsed:
    """Check the whole document before anything is written. Repeated ids: the last one wins."""
    doc = _object(doc, "document")
    if doc.get("format") != FORMAT:
        raise ExportFormatError(f'not an openmaze user export (expected "format": "{FORMAT}")')
    if doc.get("version") != VERSION:
        raise ExportFormatError(f"unsupported export version {doc.get('version')!r} (this openmaze reads {VERSION})")
    parsed = Parsed()
    follows = _object(doc.get("follows", {}), "follows")
    for kind, (_, column, _) in FOLLOW_KINDS.items():
        parsed.follows[kind] = {}
        for i, item in enumerate(_list(follows, kind, "follows")):
            where = f"follows.{kind}[{i}]"
            item = _object(item, where)
            parsed.follows[kind][_id(item.get(column), f"{where}.{column}")] = _int(
                item.get("followed_at", 0), f"{where}.followed_at", EPOCH
            )
    for i, item in enumerate(_list(doc, "marks", "document")):
        where = f"marks[{i}]"
        item = _object(item, where)
        parsed.marks[_id(item.get("episode_id"), f"{where}.episode_id")] = (
            _int(item.get("type", 0), f"{where}.type", MARK_TYPE),
            _int(item.get("marked_at", 0), f"{where}.marked_at", EPOCH),
        )
    votes = _object(doc.get("votes", {}), "votes")
    for kind, (_, column, _) in VOTE_KINDS.items():
        parsed.votes[kind] = {}
        for i, item in enumerate(_list(votes, kind, "votes")):
            where = f"votes.{kind}[{i}]"
            item = _object(item, where)
            parsed.votes[kind][_id(item.get(column), f"{where}.{column}")] = (
                _int(item.get("vote"), f"{where}.vote", VOTE),
                _int(item.get("voted_at", 0), f"{where}.voted_at", EPOCH),
            )
    for i, item in enumerate(_list(doc, "tags", "document")):
        where = f"tags[{i}]"
        item = _object(item, where)
        name = _tag_name(item.get("name"), f"{where}.name")
        shows = parsed.tags.setdefault(name, [])
        for j, show_id in enumerate(_list(item, "shows", where)):
            show_id = _id(show_id, f"{where}.shows[{j}]")
            if show_id not in shows:
                shows.append(show_id)
    return parsed


# --- import -------------------------------------------------------------------------------


@dataclass
class ImportReport:
    written: dict[str, int] = field(default_factory=dict)  # what the file asked for and the catalog holds
    missing: dict[str, list[int]] = field(default_factory=dict)  # catalog ids not found, by kind

    def as_json(self) -> dict[str, Any]:
        return {"written": self.written, "missing": {k: v for k, v in self.missing.items() if v}}


async def _existing(conn: Conn, table: str, ids: Sequence[int]) -> set[int]:
    if not ids:
        return set()
    rows = await conn.fetch_all(
        f"SELECT id FROM {table} WHERE {in_list(conn, 'id', 'ids')}", {"ids": list_param(conn, list(ids))}
    )
    return {r[0] for r in rows}


async def import_user(conn: Conn, user_id: int, parsed: Parsed) -> ImportReport:
    """Merge `parsed` into the user's data. Run it inside one transaction."""
    scoped = Scoped(conn, user_id)
    report = ImportReport()

    async def known(kind: str, table: str, ids: Sequence[int]) -> list[int]:
        found = await _existing(conn, table, ids)
        report.missing.setdefault(kind, []).extend(sorted(i for i in ids if i not in found))
        return [i for i in ids if i in found]

    for kind, (table, column, catalog) in FOLLOW_KINDS.items():
        wanted = parsed.follows[kind]
        ids = await known(kind, catalog, list(wanted))
        await scoped.execute_many(
            f"INSERT INTO {table} (user_id, {column}, followed_at) VALUES (:user_id, :id, :t) "
            f"ON CONFLICT (user_id, {column}) DO UPDATE SET followed_at = excluded.followed_at",
            [{"id": i, "t": wanted[i]} for i in ids],
        )
        report.written[f"follows.{kind}"] = len(ids)

    found = await _existing(conn, "episodes", list(parsed.marks))
    report.missing.setdefault("episodes", []).extend(sorted(i for i in parsed.marks if i not in found))
    show_of = (
        {
            r[0]: r[1]
            for r in await conn.fetch_all(
                f"SELECT id, show_id FROM episodes WHERE {in_list(conn, 'id', 'ids')}",
                {"ids": list_param(conn, sorted(found))},
            )
        }
        if found
        else {}
    )
    await scoped.execute_many(
        "INSERT INTO marked_episodes (user_id, episode_id, show_id, type, marked_at) "
        "VALUES (:user_id, :id, :show, :type, :t) ON CONFLICT (user_id, episode_id) DO UPDATE SET "
        "show_id = excluded.show_id, type = excluded.type, marked_at = excluded.marked_at",
        [{"id": i, "show": show_of[i], "type": parsed.marks[i][0], "t": parsed.marks[i][1]} for i in sorted(found)],
    )
    report.written["marks"] = len(found)

    for kind, (table, column, catalog) in VOTE_KINDS.items():
        votes = parsed.votes[kind]
        ids = await known(catalog, catalog, list(votes))
        await scoped.execute_many(
            f"INSERT INTO {table} (user_id, {column}, vote, voted_at) VALUES (:user_id, :id, :vote, :t) "
            f"ON CONFLICT (user_id, {column}) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at",
            [{"id": i, "vote": votes[i][0], "t": votes[i][1]} for i in ids],
        )
        report.written[f"votes.{kind}"] = len(ids)

    if parsed.tags:
        await scoped.execute_many(
            "INSERT INTO tags (user_id, name) VALUES (:user_id, :name) ON CONFLICT (user_id, name) DO NOTHING",
            [{"name": name} for name in parsed.tags],
        )
        tag_ids = {r[1]: r[0] for r in await scoped.fetch_all("SELECT id, name FROM tags WHERE user_id = :user_id")}
        all_shows = sorted({s for shows in parsed.tags.values() for s in shows})
        existing_shows = await _existing(conn, "shows", all_shows)
        missing = set(report.missing.setdefault("shows", []))
        report.missing["shows"] = sorted(missing | {s for s in all_shows if s not in existing_shows})
        rows = [
            {"tag": tag_ids[name], "show": s}
            for name, shows in parsed.tags.items()
            for s in shows
            if s in existing_shows
        ]
        await scoped.execute_many(
            "INSERT INTO tag_shows (tag_id, show_id, user_id) VALUES (:tag, :show, :user_id) "
            "ON CONFLICT (tag_id, show_id) DO NOTHING",
            rows,
        )
        report.written["tags"] = len(parsed.tags)
        report.written["tags.shows"] = len(rows)
    else:
        report.written["tags"] = report.written["tags.shows"] = 0
    for kind in report.missing:
        report.missing[kind] = sorted(set(report.missing[kind]))
    return report
