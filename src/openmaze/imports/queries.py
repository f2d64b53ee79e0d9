"""What a user already has, for the ids one chunk of an import writes: the importer
compares it with what it would write, to count created / updated / unchanged exactly
(and to answer a dry run without writing)."""

from __future__ import annotations

from collections.abc import Sequence

from openmaze.core.scope import Scoped
from openmaze.db.database import Conn, in_list, list_param


async def existing_marks(scoped: Scoped, episode_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """{episode_id: (type, marked_at)}"""
    if not episode_ids:
        return {}
    rows = await scoped.fetch_all(
        "SELECT episode_id, type, marked_at FROM marked_episodes "
        f"WHERE user_id = :user_id AND {in_list(scoped.conn, 'episode_id', 'ids')}",
        {"ids": list_param(scoped.conn, list(episode_ids))},
    )
    return {int(r[0]): (int(r[1]), int(r[2])) for r in rows}


async def existing_votes(scoped: Scoped, table: str, column: str, ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """{target id: (vote, voted_at)} from `show_votes` or `episode_votes`."""
    if not ids:
        return {}
    rows = await scoped.fetch_all(
        f"SELECT {column}, vote, voted_at FROM {table} "
        f"WHERE user_id = :user_id AND {in_list(scoped.conn, column, 'ids')}",
        {"ids": list_param(scoped.conn, list(ids))},
    )
    return {int(r[0]): (int(r[1]), int(r[2])) for r in rows}


async def existing_follows(scoped: Scoped, table: str, column: str, ids: Sequence[int]) -> set[int]:
    if not ids:
        return set()
    rows = await scoped.fetch_all(
        f"SELECT {column} FROM {table} WHERE user_id = :user_id AND {in_list(scoped.conn, column, 'ids')}",
        {"ids": list_param(scoped.conn, list(ids))},
    )
    return {int(r[0]) for r in rows}


async def existing_tagged(scoped: Scoped) -> set[tuple[str, int]]:
    """(tag name, show id) for every show the user has tagged."""
    rows = await scoped.fetch_all(
        "SELECT t.name, s.show_id FROM tags t JOIN tag_shows s ON s.tag_id = t.id "
        "WHERE t.user_id = :user_id AND s.user_id = :user_id"
    )
    return {(r[0], int(r[1])) for r in rows}


async def catalog_ids(conn: Conn, table: str, ids: Sequence[int]) -> set[int]:
    """Which of `ids` the catalog's `table` (people, networks, webchannels) holds."""
    if not ids:
        return set()
    rows = await conn.fetch_all(
        f"SELECT id FROM {table} WHERE {in_list(conn, 'id', 'ids')}", {"ids": list_param(conn, list(ids))}
    )
    return {int(r[0]) for r in rows}
