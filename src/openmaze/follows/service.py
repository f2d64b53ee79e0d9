"""Follows of shows, people, networks and web channels: one set of rules for all four.

Following is idempotent (re-following keeps the first `followed_at`); following an id the
catalog does not hold is a 404, and so is unfollowing or checking what is not followed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openmaze.catalog.embeds import attach
from openmaze.catalog.objects import CatalogTable, exists
from openmaze.core.errors import ApiError
from openmaze.core.responses import Raw
from openmaze.core.scope import Scoped
from openmaze.db.database import id_list_sql, id_objects_json


@dataclass(frozen=True, slots=True)
class FollowKind:
    table: str  # the user-data table: followed_shows
    column: str  # its target column, also the wire field: show_id
    catalog: CatalogTable  # the catalog table the target lives in: shows
    embed: str  # the `?embed=` value and the `_embedded` key: show
    noun: str  # for messages: show

    def item(self, target_id: int) -> dict[str, Any]:
        return {self.column: target_id}


SHOWS = FollowKind("followed_shows", "show_id", "shows", "show", "show")
PEOPLE = FollowKind("followed_people", "person_id", "people", "person", "person")
NETWORKS = FollowKind("followed_networks", "network_id", "networks", "network", "network")
WEBCHANNELS = FollowKind("followed_webchannels", "webchannel_id", "webchannels", "webchannel", "webchannel")
KINDS = (SHOWS, PEOPLE, NETWORKS, WEBCHANNELS)


async def list_follows(scoped: Scoped, kind: FollowKind, embed: bool) -> list[dict[str, Any]] | Raw:
    if not embed:
        sql = id_list_sql(scoped.conn.dialect, kind.table, kind.column, "user_id = :user_id")
        return Raw(id_objects_json(await scoped.fetch_val(sql), kind.column))
    rows = await scoped.fetch_all(
        f"SELECT {kind.column} FROM {kind.table} WHERE user_id = :user_id ORDER BY {kind.column}"
    )
    items = [kind.item(row[0]) for row in rows]
    return await attach(scoped.conn, items, kind.column, kind.catalog, kind.embed)


async def get_follow(scoped: Scoped, kind: FollowKind, target_id: int) -> dict[str, Any]:
    found = await scoped.fetch_val(
        f"SELECT 1 FROM {kind.table} WHERE user_id = :user_id AND {kind.column} = :target",
        {"target": target_id},
    )
    if found is None:
        raise ApiError(404, f"This {kind.noun} is not followed")
    return kind.item(target_id)


async def follow(scoped: Scoped, kind: FollowKind, target_id: int, *, now: int) -> dict[str, Any]:
    """`now`: the app clock's time (`Services.clock`), which a sandbox can move."""
    if not await exists(scoped.conn, kind.catalog, target_id):
        raise ApiError(404, f"This {kind.noun} does not exist")
    await scoped.execute(
        f"INSERT INTO {kind.table} (user_id, {kind.column}, followed_at) VALUES (:user_id, :target, :now) "
        f"ON CONFLICT (user_id, {kind.column}) DO NOTHING",
        {"target": target_id, "now": now},
    )
    return kind.item(target_id)


async def unfollow(scoped: Scoped, kind: FollowKind, target_id: int) -> None:
    deleted = await scoped.execute(
        f"DELETE FROM {kind.table} WHERE user_id = :user_id AND {kind.column} = :target",
        {"target": target_id},
    )
    if not deleted:
        raise ApiError(404, f"This {kind.noun} was not followed")
