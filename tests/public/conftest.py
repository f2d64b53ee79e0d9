from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from openmaze.catalog.importer import parse_document, write_batch
from openmaze.db.database import Conn
from tests.conftest import run_sync


def minimal_show(show_id: int, name: str, weight: int = 50, **extra: Any) -> dict[str, Any]:
    return {
        "id": show_id,
        "url": f"https://api.tvmaze.com/shows/{show_id}",
        "name": name,
        "weight": weight,
        "updated": 1_600_000_000,
        "externals": {"tvrage": None, "thetvdb": None, "imdb": None},
        "_links": {"self": {"href": f"https://api.tvmaze.com/shows/{show_id}"}},
        **extra,
    }


@pytest.fixture
def add_shows(database_url: str) -> Callable[[list[dict[str, Any]]], None]:
    """Import extra TVmaze-shaped shows into this test's catalog."""

    def add(shows: list[dict[str, Any]]) -> None:
        async def write(conn: Conn) -> None:
            await write_batch(conn, parse_document(shows, "test"))

        run_sync(database_url, write)

    return add
