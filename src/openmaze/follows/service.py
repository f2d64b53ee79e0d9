"""Follows of shows, people, networks and web channels: one set of rules for all four.

Following is idempotent (re-following keeps the first `followed_at`); following an id the
catalog does not hold is a 404, and so is unfollowing or checking what is not followed.
"""

from __future__ import annotations

from typing import Any

from openmaze.catalog.embeds import attach
from openmaze.catalog.kinds import NETWORK, PERSON, SHOW, WEBCHANNEL, CatalogKind
from openmaze.catalog.objects import exists
from openmaze.core.errors import ApiError
from openmaze.core.responses import Raw
from openmaze.core.scope import Scoped
from openmaze.db.database import id_list_sql, id_objects_json

# Each kind's user-data table: followed_shows, followed_people, ...
_TABLES = {kind: f"followed_{kind.plural}" for kind in (SHOW, PERSON, NETWORK, WEBCHANNEL)}
FOLLOWABLE = tuple(_TABLES)


def _item(kind: CatalogKind, target_id: int) -> dict[str, Any]:
    return {kind.column: target_id}


async def list_follows(scoped: Scoped, kind: CatalogKind, embed: bool) -> list[dict[str, Any]] | Raw:
    if not embed:
        sql = id_list_sql(scoped.conn.dialect, _TABLES[kind], kind.column, "user_id = :user_id")
        return Raw(id_objects_json(await scoped.fetch_val(sql), kind.column))
    rows = await scoped.fetch_all(
        f"SELECT {kind.column} FROM {_TABLES[kind]} WHERE user_id = :user_id ORDER BY {kind.column}"
    )
    items = [_item(kind, row[0]) for row in rows]
    return await attach(scoped.conn, items, kind.column, kind.table, kind.embed)


async def get_follow(scoped: Scoped, kind: CatalogKind, target_id: int) -> dict[str, Any]:
    found = await scoped.fetch_val(
        f"SELECT 1 FROM {_TABLES[kind]} WHERE user_id = :user_id AND {kind.column} = :target",
        {"target": target_id},
    )
    if found is None:
        raise ApiError(404, kind.is_not("followed"))
    return _item(kind, target_id)


async def follow(scoped: Scoped, kind: CatalogKind, target_id: int, *, now: int) -> dict[str, Any]:
    """`now`: the app clock's time (`Services.clock`), which a sandbox can move."""
    if not await exists(scoped.conn, kind.table, target_id):
        raise ApiError(404, kind.missing)
    await scoped.execute(
        f"INSERT INTO {_TABLES[kind]} (user_id, {kind.column}, followed_at) VALUES (:user_id, :target, :now) "
        f"ON CONFLICT (user_id, {kind.column}) DO NOTHING",
        {"target": target_id, "now": now},
    )
    return _item(kind, target_id)


async def follow_many(scoped: Scoped, kind: CatalogKind, followed: dict[int, int]) -> None:
    """Imports: `{target id: followed_at}` in one batched statement, with the source's
    times; an existing follow keeps its first `followed_at`, as re-following does. The
    targets must exist (the importer matched them against the catalog)."""
    await scoped.execute_many(
        f"INSERT INTO {_TABLES[kind]} (user_id, {kind.column}, followed_at) VALUES (:user_id, :target, :at) "
        f"ON CONFLICT (user_id, {kind.column}) DO NOTHING",
        [{"target": target, "at": at} for target, at in followed.items()],
    )


async def unfollow(scoped: Scoped, kind: CatalogKind, target_id: int) -> None:
    deleted = await scoped.execute(
        f"DELETE FROM {_TABLES[kind]} WHERE user_id = :user_id AND {kind.column} = :target",
        {"target": target_id},
    )
    if not deleted:
        raise ApiError(404, kind.was_not("followed"))
