"""Fixtures for the scrobbling tests: demo catalog episodes by role, and a statement counter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from openmaze.db.database import Conn, Database, Params
from tests.conftest import DEMO_SHOW, run_sync


@dataclass(frozen=True)
class Episode:
    id: int
    show_id: int
    season: int
    number: int | None
    airdate: str


@pytest.fixture(scope="session")
def episodes(demo: list[dict[str, Any]]) -> list[Episode]:
    """Every demo episode, in id order."""
    found = [
        Episode(ep["id"], show["id"], ep["season"], ep["number"], ep["airdate"])
        for show in demo
        for ep in show["_embedded"]["episodes"]
    ]
    return sorted(found, key=lambda e: e.id)


@pytest.fixture(scope="session")
def show_episodes(episodes: list[Episode]) -> list[Episode]:
    """The regular (numbered) episodes of DEMO_SHOW."""
    return [e for e in episodes if e.show_id == DEMO_SHOW and e.number is not None]


@pytest.fixture(scope="session")
def twin_airdate(episodes: list[Episode]) -> tuple[str, list[int]]:
    """An airdate of DEMO_SHOW shared by two episodes (a double episode)."""
    by_date: dict[str, list[int]] = {}
    for e in episodes:
        if e.show_id == DEMO_SHOW:
            by_date.setdefault(e.airdate, []).append(e.id)
    date, ids = next((d, ids) for d, ids in by_date.items() if len(ids) > 1)
    return date, sorted(ids)


def marks_of(database_url: str, user_id: int) -> dict[int, tuple[int, int, int]]:
    """{episode_id: (show_id, type, marked_at)} straight from the database."""

    async def read(conn: Conn) -> dict[int, tuple[int, int, int]]:
        rows = await conn.fetch_all(
            "SELECT episode_id, show_id, type, marked_at FROM marked_episodes WHERE user_id = :u", {"u": user_id}
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    result: dict[int, tuple[int, int, int]] = run_sync(database_url, read)
    return result


class CountingConn:
    """Passes every call through to the real connection, recording the SQL it runs."""

    def __init__(self, inner: Conn, log: list[str]) -> None:
        self.inner = inner
        self.dialect = inner.dialect
        self.log = log

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Any]:
        self.log.append(sql)
        return await self.inner.fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Params | None = None) -> Any | None:
        self.log.append(sql)
        return await self.inner.fetch_one(sql, params)

    async def fetch_val(self, sql: str, params: Params | None = None) -> Any:
        self.log.append(sql)
        return await self.inner.fetch_val(sql, params)

    async def execute(self, sql: str, params: Params | None = None) -> int:
        self.log.append(sql)
        return await self.inner.execute(sql, params)

    async def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        self.log.append(sql)
        await self.inner.execute_many(sql, rows)


class CountingDatabase:
    """The app's real database, with every statement call recorded in `statements`."""

    def __init__(self, inner: Database) -> None:
        self.inner = inner
        self.dialect = inner.dialect
        self.statements: list[str] = []

    async def open(self) -> None:
        await self.inner.open()

    async def close(self) -> None:
        await self.inner.close()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Conn]:
        async with self.inner.read() as conn:
            yield CountingConn(conn, self.statements)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        async with self.inner.transaction() as conn:
            yield CountingConn(conn, self.statements)
