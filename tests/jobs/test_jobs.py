"""Durable jobs (`openmaze.jobs`): enqueue, claim exactly once across processes' connections,
leases that expire when a worker dies, progress, results and errors; on both databases."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from openmaze.db.database import Database, create_database, run_with_database
from openmaze.jobs import JobContext, JobFailed, JobRegistry, JobRetry, JobRunner, enqueue, get_job, run_pending
from openmaze.jobs.store import Job


def _enqueue(database_url: str, kind: str, payload: dict[str, Any], count: int = 1, now: float = 1_000) -> list[int]:
    async def go(db: Database) -> list[int]:
        async with db.transaction() as conn:
            return [await enqueue(conn, kind, payload, user_id=None, now=now) for _ in range(count)]

    return run_with_database(database_url, go)


def _job(database_url: str, job_id: int) -> Job:
    async def go(db: Database) -> Job | None:
        async with db.read() as conn:
            return await get_job(conn, job_id)

    job = run_with_database(database_url, go)
    assert job is not None
    return job


def _drain(database_url: str, registry: JobRegistry, **options: Any) -> int:
    return run_with_database(database_url, lambda db: run_pending(db, registry, **options))


def test_a_job_runs_once_with_progress_and_result(database_url: str) -> None:
    seen: list[tuple[int, dict[str, Any]]] = []

    async def handler(ctx: JobContext) -> dict[str, Any]:
        seen.append((ctx.job.id, ctx.payload))
        await ctx.progress(1, 3)
        await ctx.progress(3, 3)
        return {"imported": 3}

    registry = JobRegistry()
    registry.register("count", handler)
    [job_id] = _enqueue(database_url, "count", {"n": 3})
    assert _job(database_url, job_id).state == "queued"

    assert _drain(database_url, registry) == 1
    assert _drain(database_url, registry) == 0  # done jobs are not run again
    job = _job(database_url, job_id)
    assert seen == [(job_id, {"n": 3})]
    assert (job.state, job.result, job.error) == ("done", {"imported": 3}, None)
    assert (job.progress_done, job.progress_total, job.attempts) == (3, 3, 1)
    assert job.finished_at is not None and job.started_at is not None


def test_unregistered_kinds_are_left_for_a_worker_that_knows_them(database_url: str) -> None:
    registry = JobRegistry()
    registry.register("known", lambda ctx: asyncio.sleep(0))
    [job_id] = _enqueue(database_url, "unknown", {})
    assert _drain(database_url, registry) == 0
    assert _job(database_url, job_id).state == "queued"
    with pytest.raises(ValueError):
        registry.register("known", lambda ctx: asyncio.sleep(0))


def test_failures_are_stored_for_the_person_and_secrets_erased(database_url: str) -> None:
    async def refuses(ctx: JobContext) -> None:
        raise JobFailed("The TVmaze key was refused.")

    async def crashes(ctx: JobContext) -> None:
        raise RuntimeError("internal detail that must not reach the page")

    registry = JobRegistry()
    registry.register("refuses", refuses, erase_payload=True)
    registry.register("crashes", crashes)
    [refused] = _enqueue(database_url, "refuses", {"sealed": "secret"})
    [crashed] = _enqueue(database_url, "crashes", {"keep": 1})
    assert _drain(database_url, registry) == 2

    job = _job(database_url, refused)
    assert (job.state, job.error, job.payload) == ("failed", "The TVmaze key was refused.", {})
    job = _job(database_url, crashed)
    assert job.state == "failed" and "unexpected error" in (job.error or "")
    assert "internal detail" not in (job.error or "")
    assert job.payload == {"keep": 1}  # only kinds that ask for it lose their payload


def test_a_retry_waits_and_attempts_are_bounded(database_url: str) -> None:
    calls: list[int] = []
    clock = [1_000.0]

    async def flaky(ctx: JobContext) -> str:
        calls.append(ctx.job.attempts)
        if len(calls) < 2:
            raise JobRetry("upstream busy", delay=60)
        return "ok"

    registry = JobRegistry()
    registry.register("flaky", flaky)
    [job_id] = _enqueue(database_url, "flaky", {})
    assert _drain(database_url, registry, clock=lambda: clock[0]) == 1
    assert _job(database_url, job_id).state == "queued"
    assert _drain(database_url, registry, clock=lambda: clock[0] + 30) == 0  # not due yet
    assert _drain(database_url, registry, clock=lambda: clock[0] + 61) == 1
    job = _job(database_url, job_id)
    assert (job.state, job.result, calls) == ("done", "ok", [1, 2])


def test_a_dead_workers_job_is_claimed_again_after_its_lease(database_url: str) -> None:
    """A worker claims a job and dies (it never finishes): nobody else takes the job while
    the lease holds; once it has expired another worker does, and resumes from the
    checkpoint the first one saved. The dead worker's late outcome is dropped."""
    clock = [1_000.0]
    resumed_from: list[Any] = []

    async def handler(ctx: JobContext) -> str:
        resumed_from.append(ctx.payload.get("done"))
        return "finished"

    registry = JobRegistry()
    registry.register("long", handler)
    [job_id] = _enqueue(database_url, "long", {})

    async def scenario(db: Database) -> None:
        dead = JobRunner(db, registry, lease_seconds=60, clock=lambda: clock[0], owner="dead-worker")
        claimed = await dead.claim()
        assert claimed is not None and claimed.id == job_id
        await dead.renew(claimed, done=5, total=10, payload={"done": 5})
        alive = JobRunner(db, registry, lease_seconds=60, clock=lambda: clock[0], owner="alive-worker")
        clock[0] += 59
        assert await alive.claim() is None  # the lease still holds
        clock[0] += 2
        assert await alive.run_one()
        await dead._finish(claimed, state="failed", error="too late")  # the lease is gone: ignored

    run_with_database(database_url, scenario)
    job = _job(database_url, job_id)
    assert resumed_from == [5]
    assert (job.state, job.result, job.attempts, job.progress_done) == ("done", "finished", 2, 5)


def test_a_job_that_keeps_killing_its_worker_is_failed(database_url: str) -> None:
    clock = [1_000.0]
    registry = JobRegistry()
    registry.register("poison", lambda ctx: asyncio.sleep(0))
    [job_id] = _enqueue(database_url, "poison", {})

    async def scenario(db: Database) -> None:
        for _ in range(3):  # three workers die under it
            runner = JobRunner(db, registry, lease_seconds=10, max_attempts=3, clock=lambda: clock[0])
            assert await runner.claim() is not None
            clock[0] += 11
        assert await JobRunner(db, registry, max_attempts=3, clock=lambda: clock[0]).run_one()

    run_with_database(database_url, scenario)
    job = _job(database_url, job_id)
    assert job.state == "failed" and "stopped 3 times" in (job.error or "")


def test_a_stopping_worker_gives_its_job_back(database_url: str) -> None:
    started = asyncio.Event()

    async def slow(ctx: JobContext) -> None:
        started.set()
        await asyncio.sleep(60)

    registry = JobRegistry()
    registry.register("slow", slow)
    [job_id] = _enqueue(database_url, "slow", {})

    async def scenario(db: Database) -> None:
        runner = JobRunner(db, registry, poll_seconds=0.05)
        runner.start()
        await asyncio.wait_for(started.wait(), 10)
        await runner.stop()

    run_with_database(database_url, scenario)
    job = _job(database_url, job_id)
    assert (job.state, job.attempts) == ("queued", 0)  # claimable at once, not counted


def _in_threads(database_url: str, count: int, work: Callable[[Database, int], Any]) -> list[Any]:
    """Run `work(db, n)` in `count` threads at once, each with its own event loop and its
    own database connection(s), as separate workers would."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def thread(n: int) -> None:
        async def main() -> Any:
            db = create_database(database_url, pool_size=2)
            await db.open()
            try:
                barrier.wait()
                return await work(db, n)
            finally:
                await db.close()

        try:
            results[n] = asyncio.run(main())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=thread, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def test_racing_claimers_take_one_job_exactly_once(database_url: str) -> None:
    registry = JobRegistry()
    registry.register("one", lambda ctx: asyncio.sleep(0))
    _enqueue(database_url, "one", {})

    async def claim(db: Database, n: int) -> int | None:
        job = await JobRunner(db, registry, owner=f"worker-{n}").claim()
        return None if job is None else job.id

    claims = _in_threads(database_url, 6, claim)
    assert sum(c is not None for c in claims) == 1
    assert _in_threads(database_url, 6, claim) == [None] * 6  # its lease holds


def test_racing_workers_run_every_job_exactly_once(database_url: str) -> None:
    ran: list[int] = []
    lock = threading.Lock()

    async def handler(ctx: JobContext) -> None:
        with lock:
            ran.append(ctx.job.id)
        await asyncio.sleep(0.001)

    registry = JobRegistry()
    registry.register("many", handler)
    ids = _enqueue(database_url, "many", {}, count=40)
    counts = _in_threads(database_url, 4, lambda db, n: JobRunner(db, registry, owner=f"w{n}").run_pending())
    assert sorted(ran) == sorted(ids)
    assert sum(counts) == 40
    assert all(_job(database_url, i).state == "done" for i in ids[:3])


def test_enqueue_defaults_to_the_system_clock(database_url: str) -> None:
    registry = JobRegistry()
    registry.register("later", lambda ctx: asyncio.sleep(0))

    async def go(db: Database) -> tuple[int, int]:
        async with db.transaction() as conn:
            now_id = await enqueue(conn, "later", {}, user_id=None)
            later_id = await enqueue(conn, "later", {}, user_id=None, delay=3600)
        return now_id, later_id

    now_id, later_id = run_with_database(database_url, go)
    assert _drain(database_url, registry) == 1
    assert (_job(database_url, now_id).state, _job(database_url, later_id).state) == ("done", "queued")


def test_an_idle_poll_takes_no_write_transaction(database_url: str) -> None:
    """Polling with nothing to do only reads: no write lock, and on SQLite the worker's read
    cache stays valid (its change token does not move)."""
    registry = JobRegistry()
    registry.register("idle", lambda ctx: asyncio.sleep(0))

    async def go(db: Database) -> tuple[Any, Any]:
        before = db.change_token()
        assert await JobRunner(db, registry).run_one() is False
        return before, db.change_token()

    before, after = run_with_database(database_url, go)
    assert before == after
