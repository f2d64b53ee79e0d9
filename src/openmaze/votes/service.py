"""Votes on shows and on episodes: an integer 1..10 per object, `voted_at` set by the server.

Voting again replaces the vote and its time. The target must exist (404 first, as TVmaze
finds the object before validating the input); a vote outside 1..10 is a 422 `Invalid vote`.
"""

from __future__ import annotations

from typing import Any

from openmaze.catalog.embeds import attach
from openmaze.catalog.kinds import EPISODE, SHOW, CatalogKind
from openmaze.catalog.objects import exists
from openmaze.core.errors import ApiError
from openmaze.core.fields import VOTE, FieldError
from openmaze.core.scope import Scoped

INVALID_VOTE = "Invalid vote"


# Each kind's user-data table: show_votes, episode_votes.
_TABLES = {kind: f"{kind.noun}_votes" for kind in (SHOW, EPISODE)}
VOTABLE = tuple(_TABLES)


def parse_vote(value: Any) -> int:
    """1..10 from JSON (8, 8.0) or a form ("8"); anything else is a 422 `Invalid vote`."""
    try:
        return VOTE.parse(value)
    except FieldError as exc:
        raise ApiError(422, INVALID_VOTE, {"vote": [exc.message]}) from None


def _item(kind: CatalogKind, row: Any) -> dict[str, Any]:
    return {kind.column: row[0], "vote": row[1], "voted_at": row[2]}


async def list_votes(scoped: Scoped, kind: CatalogKind, embed: bool) -> list[dict[str, Any]]:
    rows = await scoped.fetch_all(
        f"SELECT {kind.column}, vote, voted_at FROM {_TABLES[kind]} WHERE user_id = :user_id ORDER BY {kind.column}"
    )
    items = [_item(kind, row) for row in rows]
    if embed:
        return await attach(scoped.conn, items, kind.column, kind.table, kind.embed)
    return items


async def get_vote(scoped: Scoped, kind: CatalogKind, target_id: int) -> dict[str, Any]:
    row = await scoped.fetch_one(
        f"SELECT {kind.column}, vote, voted_at FROM {_TABLES[kind]} WHERE user_id = :user_id AND {kind.column} = :id",
        {"id": target_id},
    )
    if row is None:
        raise ApiError(404, kind.is_not("voted for"))
    return _item(kind, row)


async def vote(
    scoped: Scoped, kind: CatalogKind, target_id: int, fields: dict[str, Any], *, now: int
) -> dict[str, Any]:
    """`now`: the app clock's time (`Services.clock`), which a sandbox can move."""
    if not await exists(scoped.conn, kind.table, target_id):
        raise ApiError(404, kind.missing)
    value = parse_vote(fields.get("vote"))
    await scoped.execute(
        f"INSERT INTO {_TABLES[kind]} (user_id, {kind.column}, vote, voted_at) VALUES (:user_id, :id, :vote, :now) "
        f"ON CONFLICT (user_id, {kind.column}) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at",
        {"id": target_id, "vote": value, "now": now},
    )
    return {kind.column: target_id, "vote": value, "voted_at": now}


async def record_votes(scoped: Scoped, kind: CatalogKind, votes: dict[int, tuple[int, int]]) -> None:
    """Imports: `{target id: (vote, voted_at)}` with the source's times, in one batched
    statement; a vote already here that is as new or newer is kept (newer wins). The
    targets must exist (the importer matched them against the catalog)."""
    table = _TABLES[kind]
    await scoped.execute_many(
        f"INSERT INTO {table} (user_id, {kind.column}, vote, voted_at) VALUES (:user_id, :id, :vote, :at) "
        f"ON CONFLICT (user_id, {kind.column}) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at "
        f"WHERE {table}.voted_at < excluded.voted_at",
        [{"id": target, "vote": VOTE.parse(value), "at": at} for target, (value, at) in votes.items()],
    )


async def unvote(scoped: Scoped, kind: CatalogKind, target_id: int) -> None:
    deleted = await scoped.execute(
        f"DELETE FROM {_TABLES[kind]} WHERE user_id = :user_id AND {kind.column} = :id", {"id": target_id}
    )
    if not deleted:
        raise ApiError(404, kind.was_not("voted for"))
