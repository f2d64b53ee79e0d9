"""Backups: `openmaze backup FILE`, `openmaze restore FILE`, and the copy `serve` (any
command that migrates) keeps before it upgrades a SQLite schema.

SQLite: `VACUUM INTO` writes a consistent, compacted copy from one read transaction. In WAL
mode a reader never blocks writers, so the server keeps writing meanwhile, and the copy
takes about as long as reading the file once. (The sqlite3 shell's `.backup` restarts
whenever another connection writes, and under a steady trickle of writes it never finished.)
The copy is written to a temporary name beside the target, synced, then renamed: a backup
interrupted part way never looks like a complete one.

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean`, run with the password in
the environment (PGPASSWORD), never on their command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from openmaze.db.database import READ_BUSY_MS, dialect_of, display_url, normalize_url, sqlite_path

UPGRADE_BACKUPS_KEPT = 3  # the copies made before schema upgrades kept per database, newest first
BACKUP_FOLDER = "backups"  # beside the database file


class BackupError(RuntimeError):
    pass


def backup(database_url: str, target: Path) -> None:
    if dialect_of(database_url) == "postgresql":
        _pg_tool("pg_dump", database_url, ["--format=custom", "--no-owner", "--file", str(target)])
        return
    path = sqlite_path(database_url)
    if path == ":memory:" or not Path(path).is_file():
        raise BackupError(f"no database at {display_url(database_url)}")
    vacuum_into(Path(path), target)


def vacuum_into(source: Path, target: Path) -> None:
    """A consistent copy of the SQLite database `source` at `target` (replaced if present)."""
    target = target.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        with _connect(source) as conn:
            conn.execute("VACUUM INTO ?", (str(tmp),))
        conn.close()
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def restore(database_url: str, source: Path) -> Path | None:
    """Replace the database's contents with the backup `source`. SQLite: the current
    contents are first copied to the backup folder (returned)."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if dialect_of(database_url) == "postgresql":
        _pg_tool("pg_restore", database_url, ["--clean", "--if-exists", "--no-owner", "--single-transaction"], source)
        return None
    _check_sqlite_backup(source)
    path = Path(sqlite_path(database_url))
    saved = None
    if path.is_file():
        saved = path.parent / BACKUP_FOLDER / f"{path.stem}-before-restore-{_stamp()}.sqlite3"
        vacuum_into(path, saved)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The backup API writes into the live file under SQLite's own locks: a server still
    # running sees the old contents or the new ones, never a torn file.
    with _connect(source) as src, _connect(path) as dst:
        dst.execute("PRAGMA journal_mode=WAL")
        src.backup(dst)
    src.close()
    dst.close()
    return saved


def backup_before_upgrade(database_url: str, current: str | None, head: str | None) -> Path | None:
    """Before a SQLite schema moves from `current` to `head`: a copy in the backup folder
    beside the database, keeping the newest `UPGRADE_BACKUPS_KEPT`. None when there is
    nothing to upgrade (a new database, or one at head or newer)."""
    if dialect_of(database_url) != "sqlite" or current is None or current == head:
        return None
    path = Path(sqlite_path(database_url))
    if not path.is_file():
        return None
    folder = path.parent / BACKUP_FOLDER
    target = folder / f"{path.stem}-{current}-{_stamp()}.sqlite3"
    vacuum_into(path, target)
    made = sorted(folder.glob(f"{path.stem}-[0-9]*-*.sqlite3"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in made[UPGRADE_BACKUPS_KEPT:]:
        old.unlink(missing_ok=True)
    return target


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={READ_BUSY_MS * 10}")
    return conn


def _check_sqlite_backup(source: Path) -> None:
    try:
        with _connect(source) as conn:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} is damaged (PRAGMA quick_check failed)")
            if conn.execute("SELECT version_num FROM alembic_version").fetchone() is None:
                raise BackupError(f"{source} is not an openmaze database")
        conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not an openmaze SQLite database: {exc}") from exc


def _pg_tool(tool: str, database_url: str, args: list[str], source: Path | None = None) -> None:
    url = normalize_url(database_url)
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        host = parts.netloc.rpartition("@")[2]
        user = parts.username or ""
        url = urlunsplit(parts._replace(netloc=f"{user}@{host}" if user else host))
    command = [tool, *args, "--dbname", url, *([str(source)] if source else [])]
    if shutil.which(tool) is None:
        shown = " ".join(command).replace(url, display_url(database_url))
        raise BackupError(
            f"{tool} is not installed (PostgreSQL's client tools, e.g. the postgresql-client package). "
            f"With it, run: {shown}"
        )
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"{tool} failed: {result.stderr.strip()}")
