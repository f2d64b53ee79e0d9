"""Fixtures for the scrobbling tests: demo catalog episodes by role, and a statement counter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from openmaze.db.database import Conn
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
