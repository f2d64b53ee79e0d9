"""Catalog sync on a schedule inside `openmaze serve` (`OPENMAZE_SYNC_INTERVAL_MINUTES`,
0 = off). Every worker runs the timer, but the sync lock row in `sync_state` lets only
one of them (or a concurrent `openmaze catalog sync`) work at a time; the others skip
that round."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from openmaze.catalog.sync import SyncBusy, sync_catalog
from openmaze.catalog.upstream import Upstream
from openmaze.db.database import Database
from openmaze.settings import Settings

log = logging.getLogger("openmaze.sync")

FIRST_RUN_DELAY = 2.0


async def run_on_schedule(db: Database, settings: Settings, first_delay: float = FIRST_RUN_DELAY) -> None:
    interval = settings.sync_interval_minutes * 60
    await asyncio.sleep(first_delay)
    while True:
        try:
            async with Upstream(settings.sync_upstream) as upstream:
                report = await sync_catalog(db, upstream, settings.sync_scope, guests=settings.sync_guests)
            log.info("scheduled catalog sync (%s): %s", settings.sync_scope, report.summary())
        except SyncBusy:
            log.info("scheduled catalog sync skipped: another sync is running")
        except asyncio.CancelledError:
            raise
        except Exception:  # keep the schedule alive; the next round resumes where this stopped
            log.exception("scheduled catalog sync failed; progress is kept, retrying next round")
        await asyncio.sleep(interval)


def start(db: Database, settings: Settings) -> asyncio.Task[None] | None:
    if settings.sync_interval_minutes <= 0:
        return None
    return asyncio.create_task(run_on_schedule(db, settings), name="openmaze-catalog-sync")


async def stop(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
