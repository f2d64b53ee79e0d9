"""/healthz (the process is up) and /readyz (database reachable, schema at head)."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from openmaze.db import migrate
from openmaze.db.database import Conn
from tests.conftest import _pg_admin, run_sync

TVMAZE_ERROR_KEYS = {"name", "message", "code", "status"}


def test_healthz_reports_the_process_and_the_limit_store(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["rate_limits"] == {"backend": "memory", "healthy": True, "error": None}


def test_readyz_when_migrated(client: TestClient, database_url: str) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ready"
    assert body["revision"] == migrate.head_revision()
    assert body["schema"] == "current"
    assert body["database"] == ("postgresql" if database_url.startswith("postgresql") else "sqlite")


def _set_revision(database_url: str, revision: str | None) -> None:
    async def set_it(conn: Conn) -> None:
        await conn.execute("DELETE FROM alembic_version")
        if revision is not None:
            await conn.execute("INSERT INTO alembic_version (version_num) VALUES (:r)", {"r": revision})

    run_sync(database_url, set_it)


def _older_revision() -> str | None:
    """A revision before head, or None (the empty schema) while there is only one."""
    older = migrate.known_revisions() - {migrate.head_revision()}
    return sorted(older)[0] if older else None


def test_readyz_is_503_while_the_schema_is_behind(client: TestClient, database_url: str) -> None:
    older = _older_revision()
    _set_revision(database_url, older)
    r = client.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert set(body) == TVMAZE_ERROR_KEYS
    assert body["name"] == "Service Unavailable"
    assert body["status"] == 503
    assert f"at revision {older}, this server needs {migrate.head_revision()}" in body["message"]
    assert "openmaze migrate" in body["message"]
    assert client.get("/healthz").status_code == 200  # up, just not ready


def test_readyz_stays_ready_on_a_newer_schema(client: TestClient, database_url: str) -> None:
    """A rolling upgrade: the new release has migrated; this older worker keeps serving."""
    _set_revision(database_url, "9999_from_a_newer_release")
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["schema"] == "newer"
    assert r.json()["revision"] == "9999_from_a_newer_release"


def test_readyz_is_503_on_a_database_that_was_never_migrated(client: TestClient, database_url: str) -> None:
    async def unmigrated(conn: Conn) -> None:
        await conn.execute("DROP TABLE alembic_version")

    run_sync(database_url, unmigrated)
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json() == {
        "name": "Service Unavailable",
        "message": "The database is not reachable or not migrated",
        "code": 0,
        "status": 503,
    }


def test_readyz_is_503_when_the_database_goes_away(client: TestClient, database_url: str, app: Any) -> None:
    assert client.get("/readyz").status_code == 200
    if database_url.startswith("postgresql"):
        # The server's pooled connections die with the database; reconnecting fails.
        name = database_url.rsplit("/", 1)[1]
        _pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)')
    else:
        # SQLite cannot be made unreachable under an open connection; closing it is the
        # nearest real state (the connection is gone).
        client.portal.call(app.state.services.db.close)  # type: ignore[union-attr]
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["message"] == "The database is not reachable or not migrated"
    assert client.get("/healthz").status_code == 200
