"""Finding 2: a SQLite write waiting for another process's lock froze its whole worker
(`/healthz` took as long as the lock was held) and failed after 5 s as a bare 500.

Now the wait happens off the event loop: reads and `/healthz` answer at once meanwhile, a
write whose lock comes free within the budget succeeds, and one that waits past it answers
503 with Retry-After and the TVmaze body, on a connection that stays usable. The lock is
held the way another worker or the CLI holds it: `BEGIN IMMEDIATE` on a connection of
this test's own."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from openmaze.db.database import sqlite_path
from tests.conftest import BACKEND, DEMO_SHOW, DEMO_SHOW_2, ApiUser, LiveServer, start_server, stop_server
from tests.faults.conftest import assert_fault, followed, sqlite_check

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's file lock")

BUDGET = 1.0  # OPENMAZE_DATABASE_LOCK_TIMEOUT_SECONDS for the server under test


@pytest.fixture
def server(database_url: str, tmp_path: Path, alice: ApiUser) -> Iterator[LiveServer]:
    # No cache of verified keys: every request authenticates against the database.
    env = {"OPENMAZE_DATABASE_LOCK_TIMEOUT_SECONDS": str(BUDGET), "OPENMAZE_AUTH_CACHE_SECONDS": "0"}
    live = start_server(database_url, tmp_path, env)
    yield live
    stop_server(live)


class HeldLock:
    """Another process's write transaction, held until released."""

    def __init__(self, database_url: str) -> None:
        self.conn = sqlite3.connect(sqlite_path(database_url), isolation_level=None, check_same_thread=False)

    def __enter__(self) -> HeldLock:
        self.conn.execute("BEGIN IMMEDIATE")
        return self

    def release(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.conn.close()


def test_a_write_past_the_lock_budget_is_a_503_and_the_worker_keeps_serving(
    server: LiveServer, database_url: str, alice: ApiUser
) -> None:
    with httpx.Client(base_url=server.url, auth=alice.auth, timeout=10) as api:
        assert api.get("/v1/user/follows/shows").status_code == 200  # the key's last-used time is written now
        with HeldLock(database_url):
            answers: list[httpx.Response] = []
            writer = threading.Thread(target=lambda: answers.append(api.put(f"/v1/user/follows/shows/{DEMO_SHOW}")))
            writer.start()
            time.sleep(0.2)  # the write is waiting for the lock now
            with httpx.Client(base_url=server.url, auth=alice.auth, timeout=10) as other:
                for path in ("/healthz", "/v1/user/follows/shows", f"/shows/{DEMO_SHOW}"):
                    started = time.monotonic()
                    r = other.get(path)
                    assert r.status_code == 200, (path, r.text)
                    assert time.monotonic() - started < 0.3, f"{path} waited behind the write"
            writer.join()
        (answer,) = answers
        assert_fault(answer, 503, "database is busy")
        assert answer.headers.get("connection") != "close"
        # The same connection serves the next request, and the write goes through.
        assert api.put(f"/v1/user/follows/shows/{DEMO_SHOW}").status_code == 200
    assert followed(database_url, alice.id) == {DEMO_SHOW}
    sqlite_check(database_url)
    log = server.log()
    assert log.count("database busy (answered 503)") == 1, log
    assert "Traceback" not in log


def test_a_lock_freed_within_the_budget_only_delays_the_write(
    server: LiveServer, database_url: str, alice: ApiUser
) -> None:
    with HeldLock(database_url) as lock, httpx.Client(base_url=server.url, auth=alice.auth, timeout=10) as api:
        threading.Timer(BUDGET / 2, lock.release).start()
        started = time.monotonic()
        r = api.put(f"/v1/user/follows/shows/{DEMO_SHOW_2}")
        assert r.status_code == 200, r.text
        assert BUDGET / 2 - 0.1 < time.monotonic() - started < BUDGET
    assert followed(database_url, alice.id) == {DEMO_SHOW_2}


def test_authentication_does_not_wait_for_the_lock(server: LiveServer, database_url: str, alice: ApiUser) -> None:
    """The key's first use would write its last-used time: with the lock held elsewhere the
    request is answered at once all the same, and the time is written by a later request."""
    with HeldLock(database_url), httpx.Client(base_url=server.url, auth=alice.auth, timeout=10) as api:
        started = time.monotonic()
        assert api.get("/v1/auth/validate").status_code == 200
        assert time.monotonic() - started < 0.3
    with sqlite3.connect(sqlite_path(database_url)) as conn:
        assert conn.execute("SELECT last_used_at FROM api_keys WHERE user_id = ?", (alice.id,)).fetchone()[0] is None
    with httpx.Client(base_url=server.url, auth=alice.auth, timeout=10) as api:
        assert api.get("/v1/auth/validate").status_code == 200
    with sqlite3.connect(sqlite_path(database_url)) as conn:
        assert conn.execute("SELECT last_used_at FROM api_keys WHERE user_id = ?", (alice.id,)).fetchone()[0]
