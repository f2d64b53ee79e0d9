"""Finding 5, backups: the documented `sqlite3 .backup` never finished on a database taking
writes, and `serve` upgraded the schema with no copy to go back to.

`openmaze backup FILE` finishes while the server keeps writing and holds everything
acknowledged before it started; `openmaze restore FILE` brings it back; an upgrade keeps a
copy of the database as it was (the newest few)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from openmaze.db import migrate
from openmaze.db.backup import UPGRADE_BACKUPS_KEPT, backup_before_upgrade
from openmaze.db.database import sqlite_path
from tests.conftest import BACKEND, TEST_SECRET, ApiUser, LiveServer, start_server, stop_server
from tests.faults.conftest import sqlite_check

sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite file")


def openmaze(*args: str, database_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "OPENMAZE_DATABASE_URL": database_url,
        "OPENMAZE_SECRET_KEY": TEST_SECRET,
        "OPENMAZE_DATA_DIR": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "openmaze", *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )


def marked(database_url: str, user_id: int) -> set[int]:
    with sqlite3.connect(sqlite_path(database_url)) as conn:
        rows = conn.execute("SELECT episode_id FROM marked_episodes WHERE user_id = ?", (user_id,)).fetchall()
    return {r[0] for r in rows}


@sqlite_only
def test_backup_while_the_server_writes_then_restore(database_url: str, tmp_path: Path, alice: ApiUser) -> None:
    server: LiveServer = start_server(database_url, tmp_path)
    with sqlite3.connect(sqlite_path(database_url)) as conn:
        episodes = [r[0] for r in conn.execute("SELECT id FROM episodes ORDER BY id")]
    acknowledged: list[int] = []  # episode ids whose mark was answered 200, in order
    stop = threading.Event()

    def write() -> None:
        with httpx.Client(base_url=server.url, auth=alice.auth, timeout=10) as api:
            for episode in episodes:
                if stop.is_set():
                    return
                if api.put(f"/v1/user/episodes/{episode}", json={"type": 0}).status_code == 200:
                    acknowledged.append(episode)

    writer = threading.Thread(target=write)
    try:
        writer.start()
        time.sleep(0.5)
        before = len(acknowledged)
        target = tmp_path / "copy.sqlite3"
        started = time.monotonic()
        result = openmaze("backup", str(target), database_url=database_url, tmp_path=tmp_path)
        took = time.monotonic() - started
        during = len(acknowledged) - before
    finally:
        stop.set()
        writer.join()
        stop_server(server)
    assert result.returncode == 0, result.stderr
    assert took < 20
    assert during > 0, "the server kept writing during the backup"
    sqlite_check(f"sqlite:///{target}")
    # One moment's state: the first N marks acknowledged, N at least all those before the backup began.
    in_backup = marked(f"sqlite:///{target}", alice.id)
    assert len(in_backup) >= before
    assert in_backup == set(acknowledged[: len(in_backup)])

    result = openmaze("restore", str(target), database_url=database_url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert marked(database_url, alice.id) == in_backup
    sqlite_check(database_url)
    saved = list((Path(sqlite_path(database_url)).parent / "backups").glob("*-before-restore-*.sqlite3"))
    assert len(saved) == 1, "the replaced contents are kept"
    assert marked(f"sqlite:///{saved[0]}", alice.id) == set(acknowledged)


@sqlite_only
def test_restore_refuses_a_file_that_is_not_a_backup(database_url: str, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database")
    result = openmaze("restore", str(bogus), database_url=database_url, tmp_path=tmp_path)
    assert result.returncode == 1
    assert "not an openmaze SQLite database" in result.stderr and "Traceback" not in result.stderr
    sqlite_check(database_url)


@pytest.mark.standalone
def test_an_upgrade_keeps_a_copy_of_the_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "openmaze.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url, "0003")
    result = openmaze("migrate", database_url=url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    (copy,) = (tmp_path / "backups").glob("openmaze-0003-*.sqlite3")
    assert f"a copy of the database is in {copy}" in result.stdout
    assert migrate.current_revision(f"sqlite:///{copy}") == "0003"
    assert migrate.current_revision(url) == migrate.head_revision()
    # At head: nothing to upgrade, no copy.
    assert openmaze("migrate", database_url=url, tmp_path=tmp_path).returncode == 0
    assert len(list((tmp_path / "backups").glob("*.sqlite3"))) == 1
    for _ in range(UPGRADE_BACKUPS_KEPT + 2):
        backup_before_upgrade(url, "0003", migrate.head_revision())
        time.sleep(0.01)
    assert len(list((tmp_path / "backups").glob("openmaze-0003-*.sqlite3"))) == UPGRADE_BACKUPS_KEPT


@pytest.mark.postgres
def test_postgres_backup_and_restore_with_pg_dump(database_url: str, tmp_path: Path, alice: ApiUser) -> None:
    target = tmp_path / "openmaze.dump"
    result = openmaze("backup", str(target), database_url=database_url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    result = openmaze("user", "delete", "alice", "--yes", database_url=database_url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    result = openmaze("restore", str(target), database_url=database_url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    listed = openmaze("user", "list", "--json", database_url=database_url, tmp_path=tmp_path)
    assert '"alice"' in listed.stdout
