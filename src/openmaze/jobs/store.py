"""The `jobs` table: enqueueing, claiming under a lease, progress, the outcome."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from openmaze.core.scope import Scoped
from openmaze.db.database import Conn, in_list, list_param

# A person's view of a job goes through these states, in this order (`failed` instead of
# `done` when it could not finish); `running` goes back to `queued` when its worker stops.
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"

_COLUMNS = (
    "id, kind, user_id, state, payload, result, error, progress_done, progress_total, attempts, "
    "created_at, started_at, finished_at"
)


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    user_id: int | None
    state: str
    payload: dict[str, Any]
    result: Any
    error: str | None
    progress_done: int
    progress_total: int | None
    attempts: int
    created_at: int
    started_at: int | None
    finished_at: int | None

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)


def _job(row: Any) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        user_id=row["user_id"],
        state=row["state"],
        payload=orjson.loads(row["payload"]),
        result=None if row["result"] is None else orjson.loads(row["result"]),
        error=row["error"],
        progress_done=row["progress_done"],
        progress_total=row["progress_total"],
        attempts=row["attempts"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


async def enqueue(
    conn: Conn,
    kind: str,
    payload: dict[str, Any],
    *,
    user_id: int | None,
    now: float | None = None,
    delay: float = 0,
) -> int:
    """A new queued job; its id. Runs in the caller's transaction: the job exists exactly
    when the caller's own writes commit. `now`: the app clock's time (default: the system's);
    `delay`: seconds before any worker may claim it."""
    if now is None:
        now = time.time()
    job_id: int = await conn.fetch_val(
        "INSERT INTO jobs (kind, user_id, state, payload, progress_done, attempts, run_at, created_at) "
        "VALUES (:kind, :user_id, 'queued', :payload, 0, 0, :run_at, :now) RETURNING id",
        {"kind": kind, "user_id": user_id, "payload": dumps(payload), "run_at": int(now + delay), "now": int(now)},
    )
    return job_id


async def get_job(conn: Conn, job_id: int) -> Job | None:
    row = await conn.fetch_one(f"SELECT {_COLUMNS} FROM jobs WHERE id = :id", {"id": job_id})
    return None if row is None else _job(row)


# The columns a person's view of a job needs: its payload (an upload may be large) is left
# out, and comes back as {}.
_VIEW_COLUMNS = _COLUMNS.replace("payload", "'{}' AS payload")


async def latest_job(scoped: Scoped, kinds: Sequence[str]) -> Job | None:
    """The user's most recent job of one of `kinds`, whatever its state, without its payload."""
    row = await scoped.fetch_one(
        f"SELECT {_VIEW_COLUMNS} FROM jobs WHERE user_id = :user_id AND {in_list(scoped.conn, 'kind', 'kinds')} "
        "ORDER BY id DESC LIMIT 1",
        {"kinds": list_param(scoped.conn, list(kinds))},
    )
    return None if row is None else _job(row)


# Claimable: queued and due, or running under a lease that has expired (its worker died).
_CLAIMABLE = "((state = 'queued' AND run_at <= :now) OR (state = 'running' AND lease_expires_at < :now))"


async def any_claimable(conn: Conn, kinds: Sequence[str], now: int) -> bool:
    """Whether `claim` would find a job: a read, so that an idle runner's polls take no write
    lock (on SQLite every write transaction also ends the worker's read cache's validity)."""
    found = await conn.fetch_val(
        f"SELECT 1 FROM jobs WHERE {in_list(conn, 'kind', 'kinds')} AND {_CLAIMABLE} LIMIT 1",
        {"kinds": list_param(conn, list(kinds)), "now": now},
    )
    return found is not None


async def claim(conn: Conn, kinds: Sequence[str], owner: str, now: int, lease_seconds: int) -> Job | None:
    """Take the next claimable job of `kinds` under a lease for `owner`, or None.

    Call it in a write transaction. PostgreSQL: the candidate row is locked `FOR UPDATE
    SKIP LOCKED`, so concurrent claimers pass over it to the next one, and the outer
    condition is checked again against the row as committed. SQLite: the transaction holds
    the database's only write lock (BEGIN IMMEDIATE), so a concurrent claim runs after this
    one has committed and finds the row no longer claimable.
    """
    lock = " FOR UPDATE SKIP LOCKED" if conn.dialect == "postgresql" else ""
    row = await conn.fetch_one(
        "UPDATE jobs SET state = 'running', lease_owner = :owner, lease_expires_at = :expires, "
        "attempts = attempts + 1, started_at = COALESCE(started_at, :now) "
        f"WHERE id = (SELECT id FROM jobs WHERE {in_list(conn, 'kind', 'kinds')} AND {_CLAIMABLE} "
        f"ORDER BY run_at, id LIMIT 1{lock}) AND {_CLAIMABLE} "
        f"RETURNING {_COLUMNS}",
        {"kinds": list_param(conn, list(kinds)), "owner": owner, "now": now, "expires": now + lease_seconds},
    )
    return None if row is None else _job(row)


async def renew(
    conn: Conn,
    job_id: int,
    owner: str,
    expires: int,
    *,
    done: int | None = None,
    total: int | None = None,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Extend the lease (and record progress, or a new payload); False if it is no longer held."""
    changed = await conn.execute(
        "UPDATE jobs SET lease_expires_at = :expires, progress_done = COALESCE(:done, progress_done), "
        "progress_total = COALESCE(:total, progress_total), payload = COALESCE(:payload, payload) "
        "WHERE id = :id AND lease_owner = :owner AND state = 'running'",
        {
            "id": job_id,
            "owner": owner,
            "expires": expires,
            "done": done,
            "total": total,
            "payload": None if payload is None else dumps(payload),
        },
    )
    return changed > 0


async def finish(
    conn: Conn,
    job_id: int,
    owner: str,
    now: int,
    *,
    state: str,
    result: Any = None,
    error: str | None = None,
    erase_payload: bool = False,
) -> bool:
    """Record the outcome; False when the lease was lost (another worker took the job over)."""
    changed = await conn.execute(
        "UPDATE jobs SET state = :state, result = :result, error = :error, finished_at = :now, "
        "lease_owner = NULL, lease_expires_at = NULL, payload = COALESCE(:payload, payload) "
        "WHERE id = :id AND lease_owner = :owner AND state = 'running'",
        {
            "id": job_id,
            "owner": owner,
            "now": now,
            "state": state,
            "result": None if result is None else dumps(result),
            "error": error,
            "payload": "{}" if erase_payload else None,
        },
    )
    return changed > 0


async def requeue(conn: Conn, job_id: int, owner: str, run_at: int, *, count_attempt: bool) -> bool:
    """Give the job back to the queue (a retry later, or this worker stopping)."""
    changed = await conn.execute(
        "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, run_at = :run_at, "
        "attempts = attempts - :uncount WHERE id = :id AND lease_owner = :owner AND state = 'running'",
        {"id": job_id, "owner": owner, "run_at": run_at, "uncount": 0 if count_attempt else 1},
    )
    return changed > 0
