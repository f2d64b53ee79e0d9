"""Fixtures for the webhooks: a user's three hook URLs (paths), and the demo catalog's facts."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.auth import links
from openmaze.db.database import Conn
from tests.conftest import BACKEND, TEST_SECRET, ApiUser, _pg_admin, _pg_url_for, run_sync
from tests.hooks.payloads import Delivery

SHOW_ID = 900_001
SHOW_NAME = "The Lost Academy Files"


def hook_paths(database_url: str, user: ApiUser) -> dict[str, str]:
    async def make(conn: Conn) -> dict[str, str]:
        urls = await links.links_for(conn, TEST_SECRET.encode(), user.id, "", 1_700_000_000)
        return {kind: url for kind, url in urls.items() if kind in links.MEDIA_SERVERS}

    found: dict[str, str] = run_sync(database_url, make)
    return found


@pytest.fixture
def hooks(database_url: str, alice: ApiUser) -> dict[str, str]:
    return hook_paths(database_url, alice)


Send = Callable[[str, Delivery], Any]


@pytest.fixture
def send(client: TestClient, hooks: dict[str, str]) -> Send:
    def post(server: str, delivery: Delivery) -> Any:
        return client.post(hooks[server], **delivery.kwargs)

    return post


def marks_of(client: TestClient, user: ApiUser) -> dict[int, dict[str, Any]]:
    r = client.get("/v1/user/episodes", headers=user.headers)
    assert r.status_code == 200, r.text
    return {m["episode_id"]: m for m in r.json()}


def episode(demo: list[dict[str, Any]], show_id: int, season: int, number: int | None, nth: int = 0) -> dict[str, Any]:
    show = next(s for s in demo if s["id"] == show_id)
    found = [e for e in show["_embedded"]["episodes"] if e["season"] == season and e["number"] == number]
    return found[nth]


@contextmanager
def private_database(template_database: str, folder: Path) -> Iterator[str]:
    """Another migrated database with the demo catalog (for a second server, or one app
    shared by many examples), on the backend under test."""
    if BACKEND == "postgres":
        name = f"openmaze_t_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        try:
            yield _pg_url_for(name)
        finally:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "openmaze.sqlite3"
        shutil.copyfile(template_database, path)
        yield f"sqlite:///{path}"
