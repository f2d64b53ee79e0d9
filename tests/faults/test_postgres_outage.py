"""Finding 4: with no statement timeout, a hung PostgreSQL (SIGSTOP) held requests for as
long as it hung; finding 3: an outage answered bare 500s and logged two tracebacks per
request (2,590 in ten seconds).

Against a PostgreSQL of the test's own: a frozen server, a statement stuck behind a lock,
a stopped server. Each answers 503 with Retry-After within the budget, the log holds a line
per kind of fault instead of a traceback per request, and once the server is back the same
workers serve again with everything acknowledged in the database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from openmaze.auth import accounts
from openmaze.db import migrate
from openmaze.db.database import Conn
from tests.conftest import (
    DEMO_SHOW,
    DEMO_SHOW_2,
    TEST_SECRET,
    ApiUser,
    LiveServer,
    _load_demo,
    run_sync,
    start_server,
    stop_server,
)
from tests.faults.conftest import assert_fault
from tests.faults.pgserver import PgServer

pytestmark = pytest.mark.standalone

BUDGET = 1.0  # statement and connect timeout of the server under test, seconds
# A request's longest wait: the statement budget, the client-side timeout a second after it,
# and the slack of a loaded machine.
ANSWER_WITHIN = BUDGET + 1 + 1.5


@pytest.fixture
def setup(own_postgres: PgServer, tmp_path: Path) -> Iterator[tuple[PgServer, LiveServer, ApiUser]]:
    url = own_postgres.url
    migrate.upgrade(url)
    asyncio.run(_load_demo(url))

    async def create(conn: Conn) -> ApiUser:
        user_id = await accounts.create_user(conn, "alice", "alice@example.com", premium=1)
        new = await accounts.create_key(conn, TEST_SECRET.encode(), user_id, "test")
        return ApiUser(user_id, "alice", "alice@example.com", new.key, 1)

    alice: ApiUser = run_sync(url, create)
    env = {
        "OPENMAZE_DATABASE_STATEMENT_TIMEOUT_SECONDS": str(BUDGET),
        "OPENMAZE_DATABASE_CONNECT_TIMEOUT_SECONDS": str(BUDGET),
        "OPENMAZE_AUTH_CACHE_SECONDS": "0",
    }
    live = start_server(url, tmp_path, env)
    yield own_postgres, live, alice
    stop_server(live)


def followed(url: str, user_id: int) -> set[int]:
    with psycopg.connect(url.replace("postgresql://", "postgresql://", 1)) as conn:
        rows: list[Any] = conn.execute("SELECT show_id FROM followed_shows WHERE user_id = %s", (user_id,)).fetchall()
    return {r[0] for r in rows}


def timed(call: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    r = call()
    return r, time.monotonic() - started


def test_a_hung_stuck_or_stopped_postgres_answers_503_in_time_and_recovers(
    setup: tuple[PgServer, LiveServer, ApiUser],
) -> None:
    pg, server, alice = setup
    with httpx.Client(base_url=server.url, auth=alice.auth, timeout=30) as api:
        assert api.put(f"/v1/user/follows/shows/{DEMO_SHOW}").status_code == 200

        # Hung: the server takes the connection and answers nothing.
        pg.freeze()
        try:
            for _ in range(3):
                r, took = timed(lambda: api.get("/v1/user/follows/shows"))
                assert_fault(r, 503, "did not answer in time")
                assert took < ANSWER_WITHIN, took
            health, took = timed(lambda: api.get("/healthz"))
            assert health.status_code == 200 and took < 0.5
        finally:
            pg.thaw()
        assert api.get("/v1/user/follows/shows").json()[0]["show_id"] == DEMO_SHOW

        # Stuck: a statement waits behind another session's lock past statement_timeout.
        with psycopg.connect(pg.url) as locker:
            locker.execute("LOCK TABLE followed_shows IN ACCESS EXCLUSIVE MODE")
            r, took = timed(lambda: api.put(f"/v1/user/follows/shows/{DEMO_SHOW_2}"))
            assert_fault(r, 503, "did not answer in time")
            assert took < ANSWER_WITHIN, took
        assert api.put(f"/v1/user/follows/shows/{DEMO_SHOW_2}").status_code == 200

        # Stopped, then started again.
        pg.stop("immediate")
        try:
            for _ in range(20):
                r, took = timed(lambda: api.get("/v1/user/follows/shows"))
                assert_fault(r, 503, "unavailable")
                assert took < ANSWER_WITHIN, took
        finally:
            pg.start()
        deadline = time.monotonic() + 10
        while api.get("/v1/user/follows/shows").status_code != 200:
            assert time.monotonic() < deadline, "no recovery after the restart"
            time.sleep(0.2)

    assert followed(pg.url, alice.id) == {DEMO_SHOW, DEMO_SHOW_2}
    log = server.log()
    assert "Traceback" not in log, log
    faults = [line for line in log.splitlines() if " ERROR openmaze" in line]
    assert 2 <= len(faults) <= 6, faults  # a line per kind of fault, not one per request
