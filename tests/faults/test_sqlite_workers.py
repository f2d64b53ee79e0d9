"""Finding 2 under load: four workers on one SQLite file taking bulk scrobbles from many
clients at once answered 2 of 640 requests "database is locked" (a 500) in the survey, when
a worker's write waited past SQLite's busy timeout while the others took turns. (This
lighter load passes on the old code too; it holds the new one to the same promise.)

Each worker now waits for the write lock in asyncio within the budget: every request is
answered 200 (or, past the budget, 503 with Retry-After, never a 500), and each request's
marks are in the database entirely or not at all."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import httpx
import orjson
import pytest

from openmaze.db.database import sqlite_path
from tests.conftest import BACKEND, ApiUser, start_server, stop_server
from tests.faults.conftest import sqlite_check

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's file lock across worker processes")

CLIENTS = 8
REQUESTS_EACH = 12
ITEMS = 150


def test_bulk_writes_from_four_workers_are_all_answered_and_kept(
    database_url: str, tmp_path: Path, alice: ApiUser
) -> None:
    with sqlite3.connect(sqlite_path(database_url)) as conn:
        episodes = [r[0] for r in conn.execute("SELECT id FROM episodes ORDER BY id LIMIT ?", (ITEMS,))]
    server = start_server(database_url, tmp_path, args=["--workers", "4"])
    statuses: list[int] = []
    acknowledged: set[int] = set()  # marked_at values of the requests answered 200
    lock = threading.Lock()

    def client(n: int) -> None:
        with httpx.Client(base_url=server.url, auth=alice.auth, timeout=30) as api:
            for i in range(REQUESTS_EACH):
                marker = 1_000_000 + n * 1000 + i
                body = orjson.dumps([{"episode_id": e, "type": 0, "marked_at": marker} for e in episodes])
                r = api.post("/v1/scrobble/episodes", content=body, headers={"Content-Type": "application/json"})
                with lock:
                    statuses.append(r.status_code)
                    if r.status_code == 200:
                        acknowledged.add(marker)
                    elif r.status_code == 503:
                        assert r.headers["retry-after"]

    try:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        stop_server(server)
    assert len(statuses) == CLIENTS * REQUESTS_EACH
    assert set(statuses) <= {200, 503}, sorted(set(statuses))
    assert statuses.count(200) >= len(statuses) * 0.9
    # Every episode carries the mark of the last request that was applied, one of those
    # acknowledged: all of one request or none of it.
    with sqlite3.connect(sqlite_path(database_url)) as conn:
        rows = conn.execute("SELECT marked_at, COUNT(*) FROM marked_episodes WHERE user_id = ? GROUP BY marked_at",
                            (alice.id,)).fetchall()  # fmt: skip
    assert len(rows) == 1 and rows[0][0] in acknowledged and rows[0][1] == len(episodes), rows
    sqlite_check(database_url)
    assert "Traceback" not in server.log()
