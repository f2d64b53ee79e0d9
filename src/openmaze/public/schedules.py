"""The schedules: what airs on a day in one country (`/schedule`), on web channels
(`/schedule/web`), and every episode from today on (`/schedule/full`).

A day's schedule is one statement. The full schedule can hold every future episode of a
large catalog, so it is never built in memory: it is written out in chunks of episodes read
by keyset (airdate, id), each chunk with its shows loaded in one more statement. It is
cached in a file of the data folder under its ETag (today's date and the catalog version,
one statement to read), so a client that has it is answered 304 without a single episode
being read, and a new client gets the file.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from openmaze.catalog.importer import catalog_version
from openmaze.db.database import Conn, Database, in_list, list_param
from openmaze.public.service import Fragment, with_embedded, with_key

DEFAULT_COUNTRY = "US"
PRIMETIME = ("20:00", "23:00")  # airtime from, to (local): TVmaze's `filter=primetime`
FULL_CHUNK = 2000  # episodes per statement of the full schedule
CACHE_PREFIX = "schedule-full-"
READ_SIZE = 1 << 20


def today_in(zone: str | None, now: float) -> str:
    try:
        tz: Any = ZoneInfo(zone) if zone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        tz = UTC
    return datetime.fromtimestamp(now, tz).date().isoformat()


async def country_zone(conn: Conn, country: str) -> str | None:
    """The time zone TVmaze gives the country's channels (one network's or web channel's)."""
    for table in ("networks", "webchannels"):
        data = await conn.fetch_val(
            f"SELECT data FROM {table} WHERE country_code = :code ORDER BY id LIMIT 1", {"code": country}
        )
        if data is not None:
            zone = ((orjson.loads(data).get("country")) or {}).get("timezone")
            return zone if isinstance(zone, str) else None
    return None


def _primetime(episode: str) -> bool:
    airtime = orjson.loads(episode).get("airtime")
    return isinstance(airtime, str) and PRIMETIME[0] <= airtime < PRIMETIME[1]


async def schedule(conn: Conn, country: str, date: str | None, primetime: bool, now: float) -> list[Fragment]:
    """Episodes on the country's networks that air on `date` (default: today there), in
    airing order, each with its show as `show` (TVmaze's shape for this list)."""
    if date is None:
        date = today_in(await country_zone(conn, country), now)
    rows = await conn.fetch_all(
        "SELECT e.data AS episode, s.data AS show FROM episodes e JOIN shows s ON s.id = e.show_id "
        "JOIN networks n ON n.id = s.network_id WHERE e.airdate = :date AND n.country_code = :country "
        "ORDER BY e.airstamp, e.id",
        {"date": date, "country": country},
    )
    return [
        Fragment(with_key(r["episode"], "show", r["show"])) for r in rows if not primetime or _primetime(r["episode"])
    ]


async def web_schedule(conn: Conn, country: str | None, date: str | None, now: float) -> list[Fragment]:
    """Episodes on web channels that air on `date`: of every channel when `country` is None,
    of global channels (no country) when it is empty, else of that country's and global ones.
    Each with its show in `_embedded`."""
    if date is None:
        date = today_in(await country_zone(conn, country) if country else None, now)
    if country is None:
        condition = ""
    elif country == "":
        condition = "AND w.country_code IS NULL"
    else:
        condition = "AND (w.country_code = :country OR w.country_code IS NULL)"
    rows = await conn.fetch_all(
        "SELECT e.data AS episode, s.data AS show FROM episodes e JOIN shows s ON s.id = e.show_id "
        f"JOIN webchannels w ON w.id = s.webchannel_id WHERE e.airdate = :date {condition} "
        "ORDER BY e.airstamp, e.id",
        {"date": date, **({"country": country} if country else {})},
    )
    return [with_embedded(r["episode"], {"show": Fragment(r["show"])}) for r in rows]


async def _shows(conn: Conn, ids: list[int]) -> dict[int, str]:
    rows = await conn.fetch_all(
        f"SELECT id, data FROM shows WHERE {in_list(conn, 'id', 'ids')}", {"ids": list_param(conn, list(set(ids)))}
    )
    return {r[0]: r[1] for r in rows}


async def full_schedule_etag(conn: Conn, now: float) -> str:
    """A weak ETag for the full schedule: today's date and the catalog version, which every
    catalog write moves."""
    summary = orjson.dumps([today_in(None, now), await catalog_version(conn)])
    return 'W/"' + hashlib.blake2b(summary, digest_size=16).hexdigest() + '"'


def _cache_file(directory: Path, etag: str) -> Path:
    return directory / f"{CACHE_PREFIX}{etag.removeprefix('W/').strip(chr(34))}.json"


async def cached_full_schedule(db: Database, now: float, directory: Path, etag: str) -> AsyncIterator[bytes]:
    """The full schedule for `etag`: read back from its file when an earlier request wrote
    it, else built and streamed while being written there (under a temporary name, renamed
    once complete, so a file is only ever whole; a stream cut short leaves nothing). A new
    file replaces the files of older versions."""
    path = _cache_file(directory, etag)
    try:
        cached = path.open("rb")
    except OSError:
        cached = None
    if cached is not None:
        with cached:
            while chunk := await asyncio.to_thread(cached.read, READ_SIZE):
                yield chunk
        return
    directory.mkdir(parents=True, exist_ok=True)
    part = directory / f".{path.name}.{uuid.uuid4().hex}.part"
    complete = False
    try:
        with part.open("wb") as out:
            async for chunk in full_schedule(db, now):
                out.write(chunk)
                yield chunk
        complete = True
    finally:
        if complete:
            os.replace(part, path)
            for old in directory.glob(f"{CACHE_PREFIX}*.json"):
                if old != path:
                    old.unlink(missing_ok=True)
        else:
            part.unlink(missing_ok=True)


async def full_schedule(db: Database, now: float, chunk: int | None = None) -> AsyncIterator[bytes]:
    """Every episode from today (UTC) on, by airdate, with its show in `_embedded`, as the
    bytes of one JSON array, a chunk of episodes at a time."""
    chunk = chunk or FULL_CHUNK
    today = today_in(None, now)
    after: tuple[str, int] | None = None
    first = True
    yield b"["
    while True:
        async with db.read() as conn:
            if after is None:
                rows = await conn.fetch_all(
                    "SELECT id, airdate, show_id, data FROM episodes WHERE airdate >= :today "
                    "ORDER BY airdate, id LIMIT :limit",
                    {"today": today, "limit": chunk},
                )
            else:
                rows = await conn.fetch_all(
                    "SELECT id, airdate, show_id, data FROM episodes WHERE airdate >= :today "
                    "AND (airdate > :date OR (airdate = :date AND id > :id)) ORDER BY airdate, id LIMIT :limit",
                    {"today": today, "date": after[0], "id": after[1], "limit": chunk},
                )
            shows = await _shows(conn, [r["show_id"] for r in rows]) if rows else {}
        if not rows:
            break
        parts = []
        for r in rows:
            show = shows.get(r["show_id"])
            parts.append(r["data"] if show is None else with_key(r["data"], "_embedded", f'{{"show":{show}}}'))
        text = ",".join(parts)
        yield (text if first else "," + text).encode()
        first = False
        after = (rows[-1]["airdate"], rows[-1]["id"])
        if len(rows) < chunk:
            break
    yield b"]"
