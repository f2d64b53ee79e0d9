"""Shared helpers of the fault suite (`make faults`): checks of what a server answered and
of what the database holds after a fault."""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx

from openmaze.db.database import sqlite_path
from tests.faults.pgserver import own_postgres

__all__ = ["own_postgres"]  # a fixture for the tests of this folder


def assert_fault(response: httpx.Response, status: int, words: str) -> None:
    """The TVmaze error body with `status`, a message naming the cause, and Retry-After on a 503."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and body["code"] == 0, body
    assert words in body["message"].lower(), body
    if status == 503:
        assert int(response.headers["retry-after"]) >= 1


def sqlite_check(database_url: str) -> None:
    """The file passes SQLite's own integrity and foreign-key checks."""
    with sqlite3.connect(sqlite_path(database_url)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def followed(database_url: str, user_id: int) -> set[int]:
    with sqlite3.connect(sqlite_path(database_url)) as conn:
        rows: list[Any] = conn.execute("SELECT show_id FROM followed_shows WHERE user_id = ?", (user_id,)).fetchall()
    return {r[0] for r in rows}
