"""`/healthz` and `/readyz`, for load balancers, orchestrators and people.

- `/healthz`: the process is up and serving (always 200 while it can answer). It also shows
  the rate-limit store's state, so a Redis outage - during which limits fail open - is
  visible without failing the health check (failing it would take every worker out of the
  pool for something the workers survive).
- `/readyz`: this worker can do useful work: the database answers and its schema is at the
  head revision this code expects. 503 otherwise (with the TVmaze error body): no schema,
  or a schema behind this code (a new release started before `openmaze migrate` ran), so a
  proxy sends traffic elsewhere. A schema *newer* than this code (a revision its scripts do
  not know) is reported but ready: during a rolling upgrade `openmaze migrate` runs first,
  and the old workers must keep serving until they are replaced - migrations are written to
  keep the previous release working (add, then remove a release later).
"""

from __future__ import annotations

import asyncio
import functools
import logging

from fastapi import APIRouter, Request
from starlette.responses import Response

from openmaze import __version__
from openmaze.core.errors import ApiError
from openmaze.core.fastpath import DirectRoute
from openmaze.core.responses import ok
from openmaze.core.services import services
from openmaze.db import migrate
from openmaze.db.database import Database

log = logging.getLogger("openmaze.health.routes")
router = APIRouter(include_in_schema=False, route_class=DirectRoute)

READY_TIMEOUT = 3.0  # seconds: a probe that hangs is as bad as one that fails


@router.get("/healthz")
async def healthz(request: Request) -> Response:
    limits = await services(request).limiter.probe()
    return ok({"status": "ok", "version": __version__, "rate_limits": limits})


async def _schema_revision(db: Database) -> str | None:
    async with db.read() as conn:
        value = await conn.fetch_val("SELECT version_num FROM alembic_version")
        return None if value is None else str(value)


@functools.cache
def _revisions() -> tuple[str | None, frozenset[str]]:
    # The migration scripts shipped with this package: reading them costs tens of
    # milliseconds, and they cannot change while the process runs.
    return migrate.head_revision(), frozenset(migrate.known_revisions())


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    db: Database = services(request).db
    head, known = _revisions()
    try:
        revision = await asyncio.wait_for(_schema_revision(db), READY_TIMEOUT)
    except Exception as exc:
        # A missing alembic_version table lands here too: the database was never migrated.
        log.warning("readiness: database check failed: %s: %s", type(exc).__name__, exc)
        raise ApiError(503, "The database is not reachable or not migrated") from exc
    if revision == head:
        schema = "current"
    elif revision is not None and revision not in known:
        schema = "newer"
    else:
        raise ApiError(
            503, f"The database schema is at revision {revision}, this server needs {head}: run `openmaze migrate`"
        )
    return ok(
        {"status": "ready", "database": db.dialect, "revision": revision, "schema": schema, "version": __version__}
    )
