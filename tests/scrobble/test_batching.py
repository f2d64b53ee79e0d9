"""The number of SQL statements of a bulk request does not grow with its item count.

Counted through the app's `Conn` API (each `execute_many` is one call, however many rows),
with a wrapper around the app's real database, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.db.database import create_database
from openmaze.settings import Settings
from tests.conftest import DEMO_SHOW, UNKNOWN_ID, ApiUser
from tests.scrobble.conftest import Episode, marks_of
from tests.statements import CountingDatabase


@pytest.fixture
def counting(settings: Settings) -> Iterator[tuple[TestClient, CountingDatabase]]:
    # A long auth cache keeps key lookups out of the counts after the first request.
    settings = settings.model_copy(update={"auth_cache_seconds": 3600.0})
    db = CountingDatabase(create_database(settings.resolved_database_url()))
    with TestClient(create_app(settings, db=db)) as client:  # type: ignore[arg-type]
        yield client, db


def _statements(client: TestClient, db: CountingDatabase, user: ApiUser, path: str, body: list[object]) -> list[str]:
    db.statements.clear()
    r = client.post(path, json=body, auth=user.auth)
    assert r.status_code in (200, 207), r.text
    assert len(r.json()) == len(body)
    return list(db.statements)


def test_episode_bulk_statements_do_not_grow(
    counting: tuple[TestClient, CountingDatabase], alice: ApiUser, episodes: list[Episode], database_url: str
) -> None:
    client, db = counting
    client.get("/v1/auth/validate", auth=alice.auth)  # warm the auth cache

    def body(n: int) -> list[object]:
        items: list[object] = [{"episode_id": e.id, "type": i % 3, "marked_at": i} for i, e in enumerate(episodes[:n])]
        return [*items, {"episode_id": UNKNOWN_ID}, {"episode_id": "x"}, items[0]]

    assert len(episodes) >= 1000
    small = _statements(client, db, alice, "/v1/scrobble/episodes", body(10))
    large = _statements(client, db, alice, "/v1/scrobble/episodes", body(1000))
    assert small == large
    assert len(large) == 2  # one lookup of all episodes, one batched upsert
    assert len(marks_of(database_url, alice.id)) == 1000


def test_show_bulk_statements_do_not_grow(
    counting: tuple[TestClient, CountingDatabase], alice: ApiUser, show_episodes: list[Episode], database_url: str
) -> None:
    client, db = counting
    client.get("/v1/auth/validate", auth=alice.auth)

    def body(n: int) -> list[object]:
        items: list[object] = []
        for i in range(n):
            e = show_episodes[i % len(show_episodes)]
            items.append({"season": e.season, "episode": e.number} if i % 2 else {"airdate": e.airdate})
        return [*items, {"season": 99, "episode": 1}, {}]

    small = _statements(client, db, alice, f"/v1/scrobble/shows?tvmaze_id={DEMO_SHOW}", body(10))
    large = _statements(client, db, alice, f"/v1/scrobble/shows?tvmaze_id={DEMO_SHOW}", body(1000))
    assert small == large
    assert len(large) == 3  # find the show, load its episodes, one batched upsert
    assert len(marks_of(database_url, alice.id)) >= len(show_episodes)


def test_show_list_with_embed_statements_do_not_grow(
    counting: tuple[TestClient, CountingDatabase], alice: ApiUser, show_episodes: list[Episode]
) -> None:
    client, db = counting
    client.post("/v1/scrobble/episodes", json=[{"episode_id": show_episodes[0].id}], auth=alice.auth)
    db.statements.clear()
    client.get(f"/v1/scrobble/shows/{DEMO_SHOW}?embed=episode", auth=alice.auth)
    one = list(db.statements)
    client.post("/v1/scrobble/episodes", json=[{"episode_id": e.id} for e in show_episodes], auth=alice.auth)
    db.statements.clear()
    r = client.get(f"/v1/scrobble/shows/{DEMO_SHOW}?embed=episode", auth=alice.auth)
    assert len(r.json()) == len(show_episodes)
    assert db.statements == one
    assert len(one) == 3  # show exists, marks, episodes
