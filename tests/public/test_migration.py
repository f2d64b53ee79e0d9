"""Migration 0005 on a database that already holds channels: their country codes (which the
schedules filter by) are filled in from the stored objects, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openmaze.db import migrate
from openmaze.db.database import Conn
from tests.conftest import BACKEND, _pg_admin, _pg_url_for, run_sync


@pytest.fixture
def blank_url(tmp_path: Path) -> Iterator[str]:
    if BACKEND == "postgres":
        name = f"openmaze_mig_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        yield _pg_url_for(name)
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'blank.sqlite3'}"


def test_upgrade_fills_channel_countries_from_the_stored_objects(blank_url: str) -> None:
    migrate.upgrade(blank_url, "0004")

    async def held_before(conn: Conn) -> None:
        rows = [
            (1, '{"id":1,"name":"A","country":{"name":"United States","code":"US","timezone":"America/New_York"}}'),
            (2, '{"id":2,"name":"B","country":null}'),
        ]
        for table in ("networks", "webchannels"):
            await conn.execute_many(
                f"INSERT INTO {table} (id, name, data) VALUES (:id, 'x', :data)",
                [{"id": i, "data": d} for i, d in rows],
            )

    run_sync(blank_url, held_before)
    migrate.upgrade(blank_url)

    async def codes(conn: Conn) -> Any:
        return [
            [tuple(r) for r in await conn.fetch_all(f"SELECT id, country_code FROM {t} ORDER BY id")]
            for t in ("networks", "webchannels")
        ]

    assert run_sync(blank_url, codes) == [[(1, "US"), (2, None)], [(1, "US"), (2, None)]]
