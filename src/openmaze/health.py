"""`/healthz` and `/readyz`, for load balancers, orchestrators and people.

- `/healthz`: the process is up and serving (always 200 while it can answer). It also shows
  the rate-limit store's state, so a Redis outage - during which limits fail open - is
  visible without failing the health check (failing it would take every worker out of the
  pool for something the workers survive).
- `/readyz`: this worker can do useful work: the database answers and its schema is at the
  head revision this code expects. 503 otherwise (with the TVmaze error body), e.g. during
  a rolling upgrade before `openmaze migrate` has run, so a proxy sends traffic elsewhere.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from starlette.responses import Response

from openmaze import __version__
from openmaze.db import migrate
from openmaze.db.database import Database
from openmaze.errors import ApiError
from openmaze.responses import ok

log = logging.getLogger("openmaze.health")
router = APIRouter(include_in_schema=False)

READY_TIMEOUT = 3.0  # seconds: a probe that hangs is as bad as one that fails


@router.get("/healthz")
async def healthz(request: Request) -> Response:
    limits = await request.app.state.limiter.probe()
    return ok({"status": "ok", "version": __version__, "rate_limits": limits})


async def _schema_revision(db: Database) -> str | None:
    async with db.read() as conn:
        value = await conn.fetch_val("SELECT version_num FROM alembic_version")
        return None if value is None else str(value)


def _head(request: Request) -> str | None:
    # Reading the migration scripts costs tens of milliseconds: once per process.
    state = request.app.state
    if not hasattr(state, "schema_head"):
        state.schema_head = migrate.head_revision()
    head: str | None = state.schema_head
    return head


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    db: Database = request.app.state.db
    head = _head(request)
    try:
        revision = await asyncio.wait_for(_schema_revision(db), READY_TIMEOUT)
    except Exception as exc:
        # A missing alembic_version table lands here too: the database was never migrated.
        log.warning("readiness: database check failed: %s: %s", type(exc).__name__, exc)
        raise ApiError(503, "The database is not reachable or not migrated") from exc
    if revision != head:
        raise ApiError(
            503, f"The database schema is at revision {revision}, this server needs {head}: run `openmaze migrate`"
        )
    return ok({"status": "ready", "database": db.dialect, "revision": revision, "version": __version__})
