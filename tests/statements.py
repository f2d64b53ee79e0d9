"""Counting SQL statements: a wrapper around the app's real database that records every
statement any request issues, on both backends. Used by the tests that assert a request's
statement count does not grow with its size."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from openmaze.db.database import Conn, Database, Params


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
    async def transaction(self, lock_wait: float | None = None) -> AsyncIterator[Conn]:
        async with self.inner.transaction(lock_wait) as conn:
            yield CountingConn(conn, self.statements)

    def change_token(self) -> None:
        # Nothing is served from the read cache: the count is what the request's own
        # queries cost (the cache has tests of its own).
        return None
