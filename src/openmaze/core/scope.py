"""The ownership choke point: every statement on user data runs through `Scoped`.

A `Scoped` connection is bound to the authenticated user. It refuses any statement that
does not mention `:user_id`, and it always supplies that parameter itself, so a service
cannot forget the scope or pass someone else's id. Another user's object is therefore
simply not found: a 404, never a 403 (no existence leak).

Catalog reads (shows, episodes, ...) are not user data; they use `scoped.conn` directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openmaze.db.database import Conn, Params


class ScopeError(AssertionError):
    pass


class Scoped:
    __slots__ = ("conn", "user_id")

    def __init__(self, conn: Conn, user_id: int) -> None:
        self.conn = conn
        self.user_id = user_id

    def _params(self, sql: str, params: Params | None) -> dict[str, Any]:
        if ":user_id" not in sql:
            raise ScopeError(f"user-data statement without :user_id scope: {sql}")
        merged = dict(params or {})
        merged["user_id"] = self.user_id
        return merged

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Any]:
        return await self.conn.fetch_all(sql, self._params(sql, params))

    async def fetch_one(self, sql: str, params: Params | None = None) -> Any | None:
        return await self.conn.fetch_one(sql, self._params(sql, params))

    async def fetch_val(self, sql: str, params: Params | None = None) -> Any:
        return await self.conn.fetch_val(sql, self._params(sql, params))

    async def execute(self, sql: str, params: Params | None = None) -> int:
        return await self.conn.execute(sql, self._params(sql, params))

    async def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        await self.conn.execute_many(sql, [self._params(sql, r) for r in rows])
