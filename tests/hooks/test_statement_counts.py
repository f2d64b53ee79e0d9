"""A delivery costs a fixed number of SQL statements, whatever the user's log, marks and
fixes hold and whichever server sent it (counted on the app's real database)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.db.database import create_database
from openmaze.settings import Settings
from tests.conftest import ApiUser
from tests.hooks.conftest import SHOW_NAME, hook_paths
from tests.hooks.payloads import Delivery, emby, jellyfin, plex
from tests.statements import CountingDatabase

MAX_STATEMENTS = 11  # token, settings, fix, matcher (title, show, episodes), mark, write, log: with room


@pytest.fixture
def counted(settings: Settings) -> Iterator[tuple[TestClient, CountingDatabase]]:
    db = CountingDatabase(create_database(settings.resolved_database_url()))
    app = create_app(settings, db=db)  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield client, db


def _cost(client: TestClient, db: CountingDatabase, path: str, delivery: Delivery) -> tuple[int, dict[str, Any]]:
    db.statements.clear()
    r = client.post(path, **delivery.kwargs)
    assert r.status_code == 200, r.text
    return len(db.statements), r.json()


def test_a_delivery_costs_the_same_however_much_the_user_has(
    counted: tuple[TestClient, CountingDatabase], database_url: str, alice: ApiUser
) -> None:
    client, db = counted
    paths = hook_paths(database_url, alice)
    # Each server marks episodes of its own season of the show, so every delivery applies.
    cases = {
        "plex": lambda n: plex("media.scrobble", SHOW_NAME, 1, n),
        "jellyfin": lambda n: jellyfin("PlaybackStop", SHOW_NAME, 2, n, completed=True),
        "emby": lambda n: emby("item.markplayed", SHOW_NAME, 3, n),
    }
    first = {kind: _cost(client, db, paths[kind], make(1)) for kind, make in cases.items()}
    for n in range(2, 10):  # marks and log entries pile up
        for kind, make in cases.items():
            assert client.post(paths[kind], **make(n).kwargs).json()["status"] == "applied"
    for kind, make in cases.items():
        count, entry = _cost(client, db, paths[kind], make(10))
        assert entry["status"] == first[kind][1]["status"] == "applied"
        assert count == first[kind][0] <= MAX_STATEMENTS, (kind, count, first[kind][0], db.statements)
        repeat, entry = _cost(client, db, paths[kind], make(10))
        assert entry["status"] == "unchanged" and repeat < count
