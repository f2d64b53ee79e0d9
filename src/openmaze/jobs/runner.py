"""Running jobs: the registry of handlers, the context a handler gets, the runner."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from openmaze.core.errors import fault_log
from openmaze.db.database import Database
from openmaze.db.faults import classify
from openmaze.jobs import store
from openmaze.jobs.store import Job

log = logging.getLogger("openmaze.jobs")

Handler = Callable[["JobContext"], Awaitable[Any]]


class JobFailed(Exception):
    """Raised by a handler: the job cannot succeed. The message is shown to the person."""


class JobRetry(Exception):
    """Raised by a handler: try again after `delay` seconds (a transient failure)."""

    def __init__(self, message: str, delay: float) -> None:
        super().__init__(message)
        self.delay = delay


@dataclass(frozen=True)
class _Registration:
    handler: Handler
    erase_payload: bool


class JobRegistry:
    """Which handler runs each kind of job. Built by `create_app` (or a test, or the CLI)
    from the packages that own the work, so this package imports none of them."""

    def __init__(self) -> None:
        self._handlers: dict[str, _Registration] = {}

    def register(self, kind: str, handler: Handler, *, erase_payload: bool = False) -> None:
        """`erase_payload`: the payload holds something only the running job may read (a
        sealed credential): it is replaced by `{}` when the job ends, however it ends."""
        if kind in self._handlers:
            raise ValueError(f"a handler for job kind {kind!r} is already registered")
        self._handlers[kind] = _Registration(handler, erase_payload)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)

    def get(self, kind: str) -> _Registration:
        return self._handlers[kind]


def new_owner() -> str:
    """A name for one runner, unique across hosts and processes, short enough to store."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


class LeaseLost(Exception):
    """Another worker took the job over (this one's lease expired)."""


class JobContext:
    """What a handler gets: the job, the database, and ways to report progress.

    Call `progress` and `checkpoint` between the handler's transactions, never inside one
    (on SQLite they would wait for the very write lock the handler holds)."""

    def __init__(self, job: Job, db: Database, runner: JobRunner) -> None:
        self.job = job
        self.db = db
        self._runner = runner

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    async def progress(self, done: int, total: int | None = None) -> None:
        await self._runner.renew(self.job, done=done, total=total)

    async def checkpoint(self, payload: dict[str, Any]) -> None:
        """Store a new payload (how far the work got), so a resumed job continues from it."""
        await self._runner.renew(self.job, payload=payload)


class JobRunner:
    """Claims and runs jobs, one at a time per runner. `start()` polls in the background
    (the app's lifespan); `run_pending()` drains the queue in the caller's task."""

    def __init__(
        self,
        db: Database,
        registry: JobRegistry,
        *,
        poll_seconds: float = 2.0,
        lease_seconds: int = 120,
        max_attempts: int = 3,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.registry = registry
        self.poll_seconds = poll_seconds
        self.lease_seconds = max(1, lease_seconds)
        self.max_attempts = max_attempts
        self.owner = owner or new_owner()
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    def _now(self) -> int:
        return int(self.clock())

    async def claim(self) -> Job | None:
        kinds = self.registry.kinds
        if not kinds:
            return None
        async with self.db.read() as conn:
            if not await store.any_claimable(conn, kinds, self._now()):
                return None
        async with self.db.transaction() as conn:
            return await store.claim(conn, kinds, self.owner, self._now(), self.lease_seconds)

    async def renew(
        self, job: Job, *, done: int | None = None, total: int | None = None, payload: dict[str, Any] | None = None
    ) -> None:
        async with self.db.transaction() as conn:
            held = await store.renew(
                conn, job.id, self.owner, self._now() + self.lease_seconds, done=done, total=total, payload=payload
            )
        if not held:
            raise LeaseLost(f"job {job.id}: its lease was taken over by another worker")

    async def _finish(self, job: Job, **outcome: Any) -> None:
        erase = self.registry.get(job.kind).erase_payload
        async with self.db.transaction() as conn:
            held = await store.finish(conn, job.id, self.owner, self._now(), erase_payload=erase, **outcome)
        if not held:
            log.warning("job %s (%s) finished after another worker took it over; outcome dropped", job.id, job.kind)

    async def _heartbeat(self, job: Job) -> None:
        """Keep the lease while the handler works, whatever it does between progress calls."""
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                await self.renew(job)
            except LeaseLost:
                return
            except Exception:  # a failed renewal is retried at the next beat
                log.warning("job %s: could not renew its lease", job.id, exc_info=True)

    async def run_one(self) -> bool:
        """Claim one job and run it to its end; False if there was nothing to claim."""
        job = await self.claim()
        if job is None:
            return False
        if job.attempts > self.max_attempts:
            await self._finish(
                job, state=store.FAILED, error=f"Gave up: its worker stopped {job.attempts - 1} times while running it."
            )
            return True
        registration = self.registry.get(job.kind)
        heartbeat = asyncio.create_task(self._heartbeat(job), name=f"openmaze-job-{job.id}-lease")
        try:
            result = await registration.handler(JobContext(job, self.db, self))
        except asyncio.CancelledError:
            # This worker is stopping: give the job back at once (not counted as an attempt)
            # rather than leave it until its lease expires.
            with contextlib.suppress(Exception):
                async with self.db.transaction() as conn:
                    await store.requeue(conn, job.id, self.owner, self._now(), count_attempt=False)
            raise
        except LeaseLost:
            log.warning("job %s (%s): lease lost to another worker; stopped here", job.id, job.kind)
        except JobRetry as exc:
            log.info("job %s (%s): %s; retrying in %.0f s", job.id, job.kind, exc, exc.delay)
            async with self.db.transaction() as conn:
                await store.requeue(conn, job.id, self.owner, self._now() + int(exc.delay), count_attempt=True)
        except JobFailed as exc:
            await self._finish(job, state=store.FAILED, error=str(exc))
        except Exception:
            log.exception("job %s (%s) failed", job.id, job.kind)
            await self._finish(job, state=store.FAILED, error="It stopped on an unexpected error (see the server log).")
        else:
            await self._finish(job, state=store.DONE, result=result)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        return True

    async def run_pending(self, max_jobs: int | None = None) -> int:
        """Run claimable jobs until none is left (or `max_jobs` ran); how many ran."""
        ran = 0
        while max_jobs is None or ran < max_jobs:
            if not await self.run_one():
                break
            ran += 1
        return ran

    async def _loop(self) -> None:
        while True:
            try:
                ran = await self.run_one()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database was away: keep polling
                fault = classify(exc)
                if fault is None:
                    log.exception("job runner: claiming a job failed; retrying")
                else:  # an outage: one line, throttled like the requests' own, no traceback
                    fault_log.record(fault, exc, "the job runner", answered=False)
                ran = False
            if not ran:
                await asyncio.sleep(self.poll_seconds)

    def start(self) -> None:
        if self._task is None and self.registry.kinds:
            self._task = asyncio.create_task(self._loop(), name="openmaze-jobs")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def run_pending(
    db: Database,
    registry: JobRegistry,
    *,
    lease_seconds: int = 120,
    max_attempts: int = 3,
    max_jobs: int | None = None,
    clock: Callable[[], float] = time.time,
) -> int:
    """Drain the queue in the caller's task (the CLI, tests); how many jobs ran."""
    runner = JobRunner(db, registry, lease_seconds=lease_seconds, max_attempts=max_attempts, clock=clock)
    return await runner.run_pending(max_jobs)
