"""A bulk request is one transaction: when the database fails part way through the batched
upsert, nothing of the request stays written (earlier rows of the same batch included, and
marks it was updating keep their old values), and the server keeps working."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.db.database import Conn
from openmaze.settings import Settings
from tests.conftest import DEMO_SHOW, ApiUser, run_sync
from tests.scrobble.conftest import Episode, marks_of


def _fail_on_insert_of(database_url: str, episode_id: int) -> None:
    """A real database failure on one row, in the middle of the batch."""

    async def install(conn: Conn) -> None:
        if conn.dialect == "sqlite":
            await conn.execute(
                "CREATE TRIGGER fail_mark BEFORE INSERT ON marked_episodes "
                f"WHEN NEW.episode_id = {episode_id} BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
            )
        else:
            await conn.execute(
                "CREATE FUNCTION fail_mark() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.episode_id = {episode_id} THEN RAISE EXCEPTION 'disk on fire'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            await conn.execute(
                "CREATE TRIGGER fail_mark BEFORE INSERT ON marked_episodes FOR EACH ROW EXECUTE FUNCTION fail_mark()"
            )

    run_sync(database_url, install)


@pytest.fixture
def server(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_failing_episode_bulk_leaves_nothing_half_written(
    server: TestClient, alice: ApiUser, episodes: list[Episode], database_url: str
) -> None:
    a, b, c, d = episodes[20:24]
    assert server.post("/v1/scrobble/episodes", json=[{"episode_id": a.id, "type": 1, "marked_at": 5}], auth=alice.auth)
    _fail_on_insert_of(database_url, c.id)
    body: list[Any] = [
        {"episode_id": a.id, "type": 0, "marked_at": 6},
        {"episode_id": b.id, "type": 0, "marked_at": 7},
        {"episode_id": c.id, "type": 0, "marked_at": 8},
        {"episode_id": d.id, "type": 0, "marked_at": 9},
    ]
    r = server.post("/v1/scrobble/episodes", json=body, auth=alice.auth)
    assert r.status_code == 500
    assert r.json()["status"] == 500 and r.json()["code"] == 0
    assert marks_of(database_url, alice.id) == {a.id: (a.show_id, 1, 5)}

    # The write lock / pooled connection was released: the next bulk goes through.
    r = server.post("/v1/scrobble/episodes", json=[body[1], body[3]], auth=alice.auth)
    assert r.status_code == 200
    assert set(marks_of(database_url, alice.id)) == {a.id, b.id, d.id}


def test_failing_show_bulk_leaves_nothing_half_written(
    server: TestClient, alice: ApiUser, show_episodes: list[Episode], database_url: str
) -> None:
    first, bad, last = show_episodes[0], show_episodes[1], show_episodes[2]
    _fail_on_insert_of(database_url, bad.id)
    body = [{"season": e.season, "episode": e.number} for e in (first, bad, last)]
    r = server.post(f"/v1/scrobble/shows?tvmaze_id={DEMO_SHOW}", json=body, auth=alice.auth)
    assert r.status_code == 500
    assert marks_of(database_url, alice.id) == {}
