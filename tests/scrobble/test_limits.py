"""Request limits: item count (`scrobble_max_items`) and body size (`max_body_bytes`) -> 413."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.core.errors import reason
from openmaze.settings import Settings
from tests.conftest import DEMO_SHOW, ApiUser
from tests.scrobble.conftest import Episode, marks_of


@pytest.fixture
def small(settings: Settings) -> Iterator[TestClient]:
    limited = settings.model_copy(update={"scrobble_max_items": 5, "max_body_bytes": 4096})
    with TestClient(create_app(limited)) as client:
        yield client


def test_too_many_items_is_413_and_writes_nothing(
    small: TestClient, alice: ApiUser, episodes: list[Episode], database_url: str
) -> None:
    body = [{"episode_id": e.id} for e in episodes[:6]]
    r = small.post("/v1/scrobble/episodes", json=body, auth=alice.auth)
    assert r.status_code == 413
    assert r.json() == {
        "name": reason(413),
        "message": "Too many items: at most 5 can be scrobbled in one request.",
        "code": 0,
        "status": 413,
    }
    r = small.post(f"/v1/scrobble/shows?tvmaze_id={DEMO_SHOW}", json=[{"season": 1, "episode": 1}] * 6, auth=alice.auth)
    assert r.status_code == 413
    assert marks_of(database_url, alice.id) == {}
    # At the limit is fine.
    assert small.post("/v1/scrobble/episodes", json=body[:5], auth=alice.auth).status_code == 200


def test_body_over_size_limit_is_413(small: TestClient, alice: ApiUser, database_url: str) -> None:
    content = orjson.dumps([{"episode_id": 9_000_001, "padding": "x" * 5000}])
    r = small.post(
        "/v1/scrobble/episodes", content=content, headers={"Content-Type": "application/json"}, auth=alice.auth
    )
    assert r.status_code == 413
    body = r.json()
    assert body["status"] == 413 and body["code"] == 0
    assert "4096 bytes" in body["message"]

    # A chunked body (no Content-Length) is cut off at the limit too.
    def chunks() -> Iterator[bytes]:
        yield content[:3000]
        yield content[3000:]

    r = small.post(
        "/v1/scrobble/episodes", content=chunks(), headers={"Content-Type": "application/json"}, auth=alice.auth
    )
    assert r.status_code == 413
    assert marks_of(database_url, alice.id) == {}


def test_default_limits_take_ten_thousand_kodi_items(settings: Settings) -> None:
    # The documented defaults must fit the documented maximum of Kodi-shaped items.
    items = [{"episode_id": 2_000_000_000, "type": 0, "marked_at": 1_700_000_000}] * settings.scrobble_max_items
    assert settings.scrobble_max_items == 10_000
    assert len(orjson.dumps(items)) < settings.max_body_bytes
