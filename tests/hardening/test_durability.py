"""Durability against a live server: a bulk scrobble of 10,000 items interrupted by SIGKILL
leaves all of it or none of it; SIGTERM lets in-flight requests finish before the process exits."""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from openmaze.db.database import Conn, sqlite_path
from tests.conftest import DEMO_SHOW, ApiUser, LiveServer, run_sync, start_server, stop_server

ITEMS = 10_000
FIRST_EPISODE = 50_000_001  # far from the demo catalog's ids


@pytest.fixture
def many_episodes(database_url: str) -> list[int]:
    """10,000 extra episodes of one demo show, so every bulk item is its own row."""
    ids = list(range(FIRST_EPISODE, FIRST_EPISODE + ITEMS))

    async def insert(conn: Conn) -> None:
        await conn.execute_many(
            "INSERT INTO episodes (id, show_id, season, number, airdate, airstamp, type, data) "
            "VALUES (:id, :show, 99, :n, NULL, NULL, 'regular', :data)",
            [
                {"id": i, "show": DEMO_SHOW, "n": n, "data": orjson.dumps({"id": i}).decode()}
                for n, i in enumerate(ids, 1)
            ],
        )

    run_sync(database_url, insert)
    return ids


def bulk_body(episode_ids: list[int], marker: int) -> bytes:
    # `marked_at` identifies the request, so its rows can be counted exactly.
    return orjson.dumps([{"episode_id": i, "type": 1, "marked_at": marker} for i in episode_ids])


def rows_with(database_url: str, user: ApiUser, marker: int) -> int:
    async def count(conn: Conn) -> int:
        n: int = await conn.fetch_val(
            "SELECT COUNT(*) FROM marked_episodes WHERE user_id = :u AND marked_at = :m", {"u": user.id, "m": marker}
        )
        return n

    result: int = run_sync(database_url, count)
    return result


@pytest.fixture
def server_factory(database_url: str, tmp_path: Path) -> Iterator[Any]:
    started: list[LiveServer] = []

    def start(*args: str) -> LiveServer:
        server = start_server(database_url, tmp_path, args=list(args))
        started.append(server)
        return server

    yield start
    for server in started:
        stop_server(server)


def post_bulk(server: LiveServer, user: ApiUser, body: bytes, result: dict[str, Any]) -> None:
    try:
        r = httpx.post(
            server.url + "/v1/scrobble/episodes",
            content=body,
            headers={**user.headers, "Content-Type": "application/json"},
            timeout=60,
        )
        result["status"] = r.status_code
        result["body"] = r.content
    except httpx.HTTPError as exc:
        result["error"] = exc


def write_in_progress(database_url: str) -> Callable[[], bool]:
    """A probe that is true while some other connection holds an open write transaction on
    marked_episodes: the moment a kill proves something."""
    if database_url.startswith("sqlite"):
        probe = sqlite3.connect(sqlite_path(database_url), timeout=0, isolation_level=None)

        def sqlite_probe() -> bool:
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:  # "database is locked": the server is writing
                return True
            probe.execute("ROLLBACK")
            return False

        return sqlite_probe
    import psycopg

    pg = psycopg.connect(database_url, autocommit=True)

    def pg_probe() -> bool:
        row = pg.execute(
            "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'marked_episodes' AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()"
        ).fetchone()
        return row is not None

    return pg_probe


def test_sigkill_during_a_bulk_scrobble_leaves_all_or_nothing(
    database_url: str, alice: ApiUser, many_episodes: list[int], server_factory: Any
) -> None:
    writing = write_in_progress(database_url)
    mid_write = 0
    for marker in (1, 2):
        server = server_factory()
        result: dict[str, Any] = {}
        thread = threading.Thread(target=post_bulk, args=(server, alice, bulk_body(many_episodes, marker), result))
        thread.start()
        deadline = time.monotonic() + 30
        while not writing() and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.0005)
        if thread.is_alive():
            server.process.send_signal(signal.SIGKILL)
            mid_write += 1
        server.process.wait(timeout=10)
        thread.join(timeout=30)
        written = rows_with(database_url, alice, marker)
        if "status" in result:  # the response beat the kill: then all of it is there
            assert result["status"] == 200 and written == ITEMS, (marker, result, written)
        else:
            assert written in (0, ITEMS), f"SIGKILL during the write left {written} of {ITEMS} rows"
    assert mid_write >= 1, "no kill landed while the write transaction was open; the test proved nothing"

    # The database is sound after the kills, and the same request succeeds in full.
    server = server_factory()
    result = {}
    post_bulk(server, alice, bulk_body(many_episodes, 9), result)
    assert result.get("status") == 200, result
    assert rows_with(database_url, alice, 9) == ITEMS


def test_sigterm_drains_an_in_flight_request(
    database_url: str, alice: ApiUser, many_episodes: list[int], server_factory: Any
) -> None:
    server = server_factory("--graceful-timeout", "20")
    body = bulk_body(many_episodes, 7)
    half = len(body) // 2
    first_half_sent = threading.Event()
    terminated = threading.Event()

    def slow_upload() -> Iterator[bytes]:
        # The request is provably in flight when SIGTERM arrives: half its body is still to come.
        yield body[:half]
        first_half_sent.set()
        assert terminated.wait(timeout=20)
        time.sleep(0.3)  # let the server begin its shutdown
        yield body[half:]

    result: dict[str, Any] = {}

    def send() -> None:
        try:
            r = httpx.post(
                server.url + "/v1/scrobble/episodes",
                content=slow_upload(),
                headers={**alice.headers, "Content-Type": "application/json", "Content-Length": str(len(body))},
                timeout=60,
            )
            result["status"] = r.status_code
            result["body"] = r.content
        except httpx.HTTPError as exc:
            result["error"] = exc

    thread = threading.Thread(target=send)
    thread.start()
    assert first_half_sent.wait(timeout=20)
    time.sleep(0.2)
    server.process.send_signal(signal.SIGTERM)
    terminated.set()
    thread.join(timeout=60)
    assert result.get("status") == 200, result
    items = orjson.loads(result["body"])
    assert len(items) == ITEMS and all(item["code"] == 200 for item in items)
    # uvicorn re-raises the signal once shut down, so the exit status says "terminated by
    # SIGTERM"; the log shows it was the graceful path, not a kill.
    assert server.process.wait(timeout=30) in (0, -signal.SIGTERM)
    log = server.log()
    assert "Waiting for application shutdown" in log and "Application shutdown complete" in log, log
    assert rows_with(database_url, alice, 7) == ITEMS
    # And it no longer accepts new work.
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/healthz", timeout=2)
