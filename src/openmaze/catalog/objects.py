"""Catalog objects for `_embedded`: stored JSON text spliced into responses as-is.

Loading is batched (one statement per list, whatever its length), so embeds never cost a
query per item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import orjson

from openmaze.db.database import Conn, in_list, list_param

CatalogTable = Literal["shows", "episodes", "people", "networks", "webchannels"]
_TABLES = ("shows", "episodes", "people", "networks", "webchannels")


async def load_many(conn: Conn, table: CatalogTable, ids: Sequence[int]) -> dict[int, orjson.Fragment]:
    if table not in _TABLES:
        raise ValueError(table)
    if not ids:
        return {}
    rows = await conn.fetch_all(
        f"SELECT id, data FROM {table} WHERE {in_list(conn, 'id', 'ids')}",
        {"ids": list_param(conn, list(dict.fromkeys(ids)))},
    )
    return {row[0]: orjson.Fragment(row[1]) for row in rows}


async def load_one(conn: Conn, table: CatalogTable, object_id: int) -> orjson.Fragment | None:
    if table not in _TABLES:
        raise ValueError(table)
    data = await conn.fetch_val(f"SELECT data FROM {table} WHERE id = :id", {"id": object_id})
    return None if data is None else orjson.Fragment(data)


async def exists(conn: Conn, table: CatalogTable, object_id: int) -> bool:
    if table not in _TABLES:
        raise ValueError(table)
    return await conn.fetch_val(f"SELECT 1 FROM {table} WHERE id = :id", {"id": object_id}) is not None
