"""Finding 3: every infrastructure failure was a bare 500 with two tracebacks, and the
connection was closed without `Connection: close`.

Which status each driver error maps to, the throttled log, the browser page, and the
unexpected 500 (which the server does close) saying `Connection: close`, logged once."""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from openmaze.core.errors import AlreadyLogged, FaultLog
from openmaze.db.database import sqlite_path
from openmaze.db.faults import BUSY, DISK_FULL, TIMEOUT, UNAVAILABLE, DatabaseBusy, DatabaseTimeout, classify
from openmaze.db.pgpool import PoolClosed
from tests.conftest import BACKEND, ApiUser, start_server, stop_server


def _sqlite_error(code: int, message: str) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError(message)
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    return exc


@pytest.mark.standalone
@pytest.mark.parametrize(
    ("exc", "fault"),
    [
        (_sqlite_error(13, "database or disk is full"), DISK_FULL),
        (_sqlite_error(5, "database is locked"), BUSY),
        (_sqlite_error(14, "unable to open database file"), UNAVAILABLE),
        (_sqlite_error(778, "disk I/O error"), UNAVAILABLE),  # SQLITE_IOERR_WRITE
        (OSError(errno.ENOSPC, "No space left on device"), DISK_FULL),
        (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), UNAVAILABLE),
        (TimeoutError(), None),  # not raised in the database's code: see the test below
        (DatabaseBusy("held"), BUSY),
        (DatabaseTimeout("slow"), TIMEOUT),
        (PoolClosed("closed"), UNAVAILABLE),
        (asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"), TIMEOUT),
        (asyncpg.exceptions.DiskFullError("could not extend file"), DISK_FULL),
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), UNAVAILABLE),
        (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), UNAVAILABLE),
        (asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"), UNAVAILABLE),
        # Bugs stay bugs (500s): a constraint, a bad argument, a missing table.
        (asyncpg.exceptions.UniqueViolationError("duplicate key"), None),
        (asyncpg.exceptions.DataError("invalid input for query argument"), None),
        (sqlite3.OperationalError("no such table: nothing"), None),
        (sqlite3.IntegrityError("UNIQUE constraint failed"), None),
        (FileNotFoundError(errno.ENOENT, "missing"), None),
        (RuntimeError("boom"), None),
    ],
)
def test_classify(exc: BaseException, fault: Any) -> None:
    assert classify(exc) == fault


@pytest.mark.standalone
async def test_a_timeout_is_the_database_s_only_when_raised_in_its_code() -> None:
    # A "server" that accepts connections and never answers: asyncpg's connect times out
    # with a plain TimeoutError.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        with pytest.raises(TimeoutError) as raised:
            await asyncpg.connect(f"postgresql://nobody@127.0.0.1:{port}/x", timeout=0.2)
    assert classify(raised.value) == TIMEOUT
    try:
        await asyncio.wait_for(asyncio.sleep(1), 0.01)
    except TimeoutError as exc:
        assert classify(exc) is None


@pytest.mark.standalone
def test_the_fault_log_keeps_one_line_per_kind_and_window(caplog: pytest.LogCaptureFixture) -> None:
    log = FaultLog(logging.getLogger("test.faults"), window=10)
    with caplog.at_level(logging.ERROR, "test.faults"):
        for i in range(1000):  # a 10 s outage at 100 failures a second
            log.record(UNAVAILABLE, ConnectionRefusedError("refused"), "GET /x", now=100 + i / 100)
        log.record(DISK_FULL, OSError(errno.ENOSPC, "full"), "PUT /y", now=105)
        log.record(UNAVAILABLE, ConnectionRefusedError("refused"), "GET /x", now=111)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3, lines
    assert lines[0].startswith("database unavailable (answered 503) on GET /x: ConnectionRefusedError")
    assert lines[1].startswith("disk full (answered 507) on PUT /y")
    assert lines[2].endswith("(999 more in the last 11 s not logged)")


def _failing_app(app: FastAPI, exc: Exception) -> TestClient:
    @app.get("/fails")
    async def fails() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


def test_a_fault_is_a_503_with_retry_after_on_a_connection_that_stays_open(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with _failing_app(app, _sqlite_error(5, "database is locked")) as c, caplog.at_level(logging.ERROR):
        r = c.get("/fails")
        page = c.get("/fails", headers={"Accept": "text/html,*/*;q=0.8"})
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert r.json() == {"name": "Service Unavailable", "message": BUSY.message, "code": 0, "status": 503}
    assert "connection" not in r.headers
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert page.headers["retry-after"] == "2" and "database is busy" in page.text
    assert not any(r.exc_info for r in caplog.records), "a fault is logged without a traceback"


def test_an_unexpected_error_says_the_connection_closes_and_is_logged_once(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with _failing_app(app, RuntimeError("a bug")) as c, caplog.at_level(logging.ERROR):
        r = c.get("/fails")
    assert r.status_code == 500 and r.headers["connection"] == "close"
    (logged,) = [rec for rec in caplog.records if rec.exc_info]
    # The server's own report of the same exception is dropped by the filter on its logger.
    server_report = logging.LogRecord("uvicorn.error", logging.ERROR, "", 0, "Exception in ASGI application", (), None)
    server_report.exc_info = logged.exc_info
    assert not AlreadyLogged().filter(server_report)
    other = logging.LogRecord("uvicorn.error", logging.ERROR, "", 0, "x", (), (ValueError, ValueError(), None))
    assert AlreadyLogged().filter(other)


@pytest.mark.skipif(BACKEND != "sqlite", reason="breaks the SQLite file's schema")
def test_a_live_500_is_logged_once_and_says_the_connection_closes(
    database_url: str, tmp_path: Path, alice: ApiUser
) -> None:
    """A bug, not a fault (a table missing): the server's answer says `Connection: close`,
    as the server then closes it, and the log holds one traceback, not two."""
    server = start_server(database_url, tmp_path)
    try:
        with sqlite3.connect(sqlite_path(database_url)) as conn:
            conn.execute("DROP TABLE followed_shows")
        with httpx.Client(base_url=server.url, auth=alice.auth, timeout=10) as api:
            r = api.get("/v1/user/follows/shows")
            assert r.status_code == 500 and r.headers["connection"] == "close"
            assert api.get("/v1/auth/validate").status_code == 200  # a new connection, opened as told
    finally:
        stop_server(server)
    log = server.log()
    assert log.count("Traceback") == 1, log
    assert "no such table: followed_shows" in log
