"""Running Alembic from code (`openmaze migrate`, `serve` on start, the tests)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, pool, text

from openmaze.db.database import dialect_of, sqlalchemy_url, sqlite_path


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "openmaze.db:migrations")
    cfg.attributes["database_url"] = database_url
    return cfg


# Any fixed 64-bit number, the same in every openmaze process: the PostgreSQL advisory lock
# that lets one process at a time migrate.
MIGRATION_LOCK_ID = 0x6F70656E6D617A65  # "openmaze"


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """One migrating process at a time on a SQLite file: Alembic's DDL there is not one
    transaction, so two processes starting together would both try to create the tables."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, as before
        yield
        return
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# Seconds to open a PostgreSQL connection for migrating or reading the revision: a server
# that does not answer makes `serve` and the CLI say so instead of hanging at start.
CONNECT_TIMEOUT_SECONDS = 10


def _engine(database_url: str) -> Engine:
    options = {"connect_timeout": CONNECT_TIMEOUT_SECONDS} if dialect_of(database_url) == "postgresql" else {}
    return create_engine(sqlalchemy_url(database_url), poolclass=pool.NullPool, connect_args=options)


def upgrade(database_url: str, revision: str = "head") -> None:
    if dialect_of(database_url) == "sqlite":
        path = sqlite_path(database_url)
        if path == ":memory:":
            command.upgrade(alembic_config(database_url), revision)
            return
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with _file_lock(Path(path + ".migrate-lock")):
            # WAL is a property of the file; set it before the first schema write.
            sqlite3.connect(path).execute("PRAGMA journal_mode=WAL").close()
            command.upgrade(alembic_config(database_url), revision)
        return
    # Several hosts running `openmaze serve` (which migrates first) or `openmaze migrate`
    # at once would race to create the same tables, and all but one would crash. Each waits
    # for the lock instead, then finds the schema already at head and has nothing to do.
    engine = _engine(database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
            conn.commit()
            try:
                cfg = alembic_config(database_url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                conn.commit()
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
                conn.commit()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    script = ScriptDirectory.from_config(alembic_config(""))
    return script.get_current_head()


def known_revisions() -> set[str]:
    """Every revision this code's migration scripts know (head and its ancestors)."""
    script = ScriptDirectory.from_config(alembic_config(""))
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(database_url: str) -> str | None:
    engine = _engine(database_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
