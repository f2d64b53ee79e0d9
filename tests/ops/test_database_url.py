"""Database URLs people paste: plain, driver-qualified, Heroku-style, with options."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.db import migrate
from openmaze.db.database import PostgresDatabase, create_database, dialect_of, normalize_url, sqlalchemy_url
from openmaze.settings import Settings
from tests.conftest import _pg_admin, _pg_url_for


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("postgresql://u@h:5432/db", "postgresql://u@h:5432/db"),
        ("postgres://u:p@h/db", "postgresql://u:p@h/db"),
        ("postgresql+asyncpg://u@h:5432/db", "postgresql://u@h:5432/db"),
        ("postgresql+psycopg://u@h:5432/db?sslmode=require", "postgresql://u@h:5432/db?sslmode=require"),
        ("postgresql+psycopg2://u@h/db", "postgresql://u@h/db"),
        ("sqlite:///data/openmaze.sqlite3", "sqlite:///data/openmaze.sqlite3"),
        ("sqlite:////var/lib/openmaze/db.sqlite3", "sqlite:////var/lib/openmaze/db.sqlite3"),
        ("sqlite+pysqlite:///data/x.sqlite3", "sqlite:///data/x.sqlite3"),
    ],
)
def test_normalize_url(url: str, normal: str) -> None:
    assert normalize_url(url) == normal
    assert dialect_of(url) == ("sqlite" if normal.startswith("sqlite") else "postgresql")


def test_sqlalchemy_url_uses_the_sync_drivers() -> None:
    assert sqlalchemy_url("postgresql+asyncpg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("sqlite+pysqlite:///x.sqlite3") == "sqlite:///x.sqlite3"


@pytest.mark.parametrize("url", ["mysql://u@h/db", "redis://h/0", "db.sqlite3"])
def test_unsupported_urls_are_refused_with_a_clear_message(url: str) -> None:
    with pytest.raises(ValueError, match="unsupported database URL"):
        normalize_url(url)


def _qualified(url: str, driver: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}+{driver}://{rest}"


def _drivers(database_url: str) -> list[str]:
    return ["asyncpg", "psycopg"] if dialect_of(database_url) == "postgresql" else ["pysqlite"]


def test_driver_qualified_urls_work_for_migrations_and_requests(database_url: str, settings: Settings) -> None:
    """The same database, reached through every spelling of its URL, by Alembic and by the
    request path (this runs against PostgreSQL in the PostgreSQL pass)."""
    for driver in _drivers(database_url):
        url = _qualified(database_url, driver)
        migrate.upgrade(url)  # already at head: a no-op that must still connect
        assert migrate.current_revision(url) == migrate.head_revision()

        async def count_shows(url: str = url) -> int:
            db = create_database(url)
            await db.open()
            try:
                async with db.read() as conn:
                    return int(await conn.fetch_val("SELECT COUNT(*) FROM shows"))
            finally:
                await db.close()

        assert asyncio.run(count_shows()) > 0
        with TestClient(create_app(settings.model_copy(update={"database_url": url}))) as client:
            r = client.get("/readyz")
            assert r.status_code == 200, r.text
            assert r.json()["database"] == dialect_of(database_url)


def test_concurrent_migrations_of_a_fresh_database_all_succeed(tmp_path: Path, database_url: str) -> None:
    """Several hosts starting at once (serve migrates first) must not crash each other."""
    if dialect_of(database_url) == "postgresql":
        name = f"openmaze_race_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = _pg_url_for(name)
    else:
        url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    try:
        env = {**os.environ, "OPENMAZE_DATABASE_URL": url}
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "openmaze", "migrate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(3)
        ]
        results = [(p.wait(timeout=120), p.stderr.read().decode() if p.stderr else "") for p in procs]
        assert [rc for rc, _ in results] == [0, 0, 0], results
        assert migrate.current_revision(url) == migrate.head_revision()
    finally:
        if dialect_of(database_url) == "postgresql":
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_pool_setting_picks_whose_pool_holds_postgresql_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql://u@h/db"
    assert Settings().database_pool == "own"
    monkeypatch.setenv("OPENMAZE_DATABASE_POOL", "asyncpg")
    assert Settings().database_pool == "asyncpg"
    monkeypatch.setenv("OPENMAZE_DATABASE_POOL", "pgbouncer")
    with pytest.raises(ValueError, match="database_pool"):
        Settings()
    for kind in ("own", "asyncpg"):
        db = create_database(url, 4, kind)  # nothing connects before open()
        assert isinstance(db, PostgresDatabase) and (db.pool_kind, db.min_size, db.max_size) == (kind, 2, 4)
