"""Finding 5: a SQLite migration interrupted part way (the disk filled during 0002) left a
half-made schema, and every later start failed ("table seasons already exists").

Now each migration is one transaction: a failure part way leaves the previous revision
intact, with nothing of the failed one, and the next upgrade completes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from openmaze.db import migrate

pytestmark = pytest.mark.standalone


class DiskFullAt:
    """Fail the first statement containing `marker`, as a full disk would."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.failed = False

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.marker in statement and not self.failed:
            self.failed = True
            raise sqlite3.OperationalError("database or disk is full")


@pytest.fixture
def fail_at() -> Iterator[Any]:
    hooks: list[DiskFullAt] = []

    def install(marker: str) -> DiskFullAt:
        hook = DiskFullAt(marker)
        event.listen(Engine, "before_cursor_execute", hook)
        hooks.append(hook)
        return hook

    yield install
    for hook in hooks:
        event.remove(Engine, "before_cursor_execute", hook)


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_a_migration_failing_part_way_leaves_the_previous_revision(tmp_path: Path, fail_at: Any) -> None:
    path = tmp_path / "openmaze.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url, "0001")
    # 0002 creates the seasons table, then its index: the disk fills in between.
    hook = fail_at("CREATE INDEX ix_seasons_show_number")
    with pytest.raises(Exception, match="disk is full"):
        migrate.upgrade(url)
    assert hook.failed
    assert migrate.current_revision(url) == "0001"
    assert "seasons" not in tables(path)
    migrate.upgrade(url)  # the next start
    assert migrate.current_revision(url) == migrate.head_revision()
    assert "seasons" in tables(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_later_migration_failing_keeps_the_ones_before_it(tmp_path: Path, fail_at: Any) -> None:
    path = tmp_path / "openmaze.sqlite3"
    url = f"sqlite:///{path}"
    fail_at("CREATE INDEX ix_seasons_show_number")
    with pytest.raises(Exception, match="disk is full"):
        migrate.upgrade(url)  # a new database: 0001 completes, 0002 fails
    assert migrate.current_revision(url) == "0001"
    assert "users" in tables(path) and "seasons" not in tables(path)
