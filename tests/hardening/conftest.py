"""Fixtures for the hardening tests."""

from __future__ import annotations

from typing import Any

from openmaze.db.database import Conn
from openmaze.db.tables import USER_DATA_TABLES
from tests.conftest import run_sync

_ORDER = {
    "followed_shows": "user_id, show_id",
    "followed_people": "user_id, person_id",
    "followed_networks": "user_id, network_id",
    "followed_webchannels": "user_id, webchannel_id",
    "marked_episodes": "user_id, episode_id",
    "show_votes": "user_id, show_id",
    "episode_votes": "user_id, episode_id",
    "tag_shows": "user_id, tag_id, show_id",
    "tags": "user_id, id",
}


def snapshot(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every user-data table, in a stable order: "nothing changed" is equality."""

    async def read(conn: Conn) -> dict[str, list[tuple[Any, ...]]]:
        return {
            table: [tuple(r) for r in await conn.fetch_all(f"SELECT * FROM {table} ORDER BY {_ORDER[table]}")]
            for table in USER_DATA_TABLES
        }

    result: dict[str, list[tuple[Any, ...]]] = run_sync(database_url, read)
    return result


def rows_of(database_url: str, user_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """One user's rows of every user-data table."""

    async def read(conn: Conn) -> dict[str, list[tuple[Any, ...]]]:
        return {
            table: [
                tuple(r)
                for r in await conn.fetch_all(
                    f"SELECT * FROM {table} WHERE user_id = :u ORDER BY {_ORDER[table]}", {"u": user_id}
                )
            ]
            for table in USER_DATA_TABLES
        }

    result: dict[str, list[tuple[Any, ...]]] = run_sync(database_url, read)
    return result
