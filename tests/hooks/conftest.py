"""Fixtures for the webhooks: a user's three hook URLs (paths), and the demo catalog's facts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.auth import links
from openmaze.db.database import Conn
from tests.conftest import TEST_SECRET, ApiUser, run_sync
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
