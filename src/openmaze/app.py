"""The ASGI application: `create_app(settings)`."""

from __future__ import annotations

import gc
import inspect
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from openmaze import __version__
from openmaze.auth.credentials import Authenticator
from openmaze.catalog import schedule
from openmaze.core.accesslog import AccessLog
from openmaze.core.connections import LoadShedder
from openmaze.core.docs_pages import install_docs
from openmaze.core.errors import install_error_handlers
from openmaze.core.mail import Mailer
from openmaze.core.middleware import BodySizeLimit, PathNormalizer
from openmaze.core.openapi import install_openapi
from openmaze.core.ratelimit import RateLimiter
from openmaze.core.readcache import ReadCache
from openmaze.core.routing import allowed_methods, include_grouped
from openmaze.core.services import Services
from openmaze.db.database import Database, create_database
from openmaze.jobs import JobRegistry, JobRunner
from openmaze.settings import Settings
from openmaze.web.imports import IMPORT_UPLOAD_PATH
from openmaze.web.pages import error_page

log = logging.getLogger("openmaze")


def create_app(
    settings: Settings | None = None, db: Database | None = None, freeze_startup_objects: bool = False
) -> FastAPI:
    """`freeze_startup_objects`: once started, move what is alive out of the collector's view
    (`openmaze serve` does, see `_freeze_startup_objects`)."""
    settings = settings or Settings()
    database = db or database_for(settings)
    secret = settings.resolved_secret_key()
    job_runner = JobRunner(
        database,
        job_registry(settings, secret),
        poll_seconds=settings.jobs_poll_seconds,
        lease_seconds=settings.jobs_lease_seconds,
        max_attempts=settings.jobs_max_attempts,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await database.open()
        if freeze_startup_objects:
            _freeze_startup_objects()
        sync_task = schedule.start(database, settings)
        job_runner.start()
        try:
            yield
        finally:
            await job_runner.stop()
            await schedule.stop(sync_task)
            await app.state.services.limiter.close()
            await database.close()

    app = FastAPI(
        title="openmaze: TVmaze Premium User API",
        version=__version__,
        description="A self-hostable implementation of the TVmaze Premium User API.",
        lifespan=lifespan,
        redirect_slashes=False,
        docs_url=None,  # served by install_docs, with local scripts
        redoc_url=None,
        **_telemetry_options(settings),
    )
    app.state.services = Services(
        settings=settings,
        db=database,
        secret=secret,
        authenticator=Authenticator(database, secret, settings.auth_cache_seconds),
        limiter=RateLimiter(
            settings.redis_url,
            settings.trust_proxy_headers,
            key_prefix=settings.redis_key_prefix,
            timeout=settings.redis_timeout_seconds,
        ),
        read_cache=ReadCache(settings.read_cache_mb * 1024 * 1024),
        mailer=Mailer(settings.smtp_url, settings.mail_from),
    )

    install_error_handlers(app, allowed_methods, html_page=error_page)
    install_docs(app)
    _include_routers(app, direct=not settings.telemetry)
    install_openapi(app)

    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        # Webhook deliveries and export ZIPs are larger than any API body.
        larger={
            "/hooks/": settings.hooks_max_body_bytes,
            IMPORT_UPLOAD_PATH: settings.imports_max_upload_mb * 1024 * 1024,
        },
    )
    if settings.sandbox:  # never by default: `openmaze serve --sandbox` (openmaze.sandbox)
        from openmaze.sandbox import install as install_sandbox

        install_sandbox(app)
    app.add_middleware(PathNormalizer)
    app.add_middleware(LoadShedder, limit=settings.max_concurrent_requests)
    if settings.access_log:
        app.add_middleware(AccessLog)  # outermost: it sees every answer, 413s and shed 503s included
    return app


def database_for(settings: Settings) -> Database:
    """The database the settings describe, with their pool size and timeouts."""
    return create_database(
        settings.resolved_database_url(),
        settings.database_pool_size,
        settings.database_pool,
        lock_timeout=settings.database_lock_timeout_seconds,
        statement_timeout=settings.database_statement_timeout_seconds,
        connect_timeout=settings.database_connect_timeout_seconds,
    )


def job_registry(settings: Settings, secret: bytes) -> JobRegistry:
    """Every kind of background job and its handler, registered by the package that owns
    the work (`openmaze.jobs` imports none of them)."""
    from openmaze.hooks import fetching as hook_fetching
    from openmaze.imports import jobs as import_jobs

    registry = JobRegistry()
    registry.register(hook_fetching.KIND, hook_fetching.handler(settings))
    import_jobs.register(registry, settings, secret)
    return registry


def serve_app() -> FastAPI:
    """The app as `openmaze serve` runs it (uvicorn's factory, once per worker): `create_app()`
    with the startup objects frozen out of the garbage collector's view once it has started."""
    return create_app(freeze_startup_objects=True)


def _freeze_startup_objects() -> None:
    """Move everything alive after startup (modules, FastAPI's and pydantic's models, the
    routes) to the collector's permanent generation (`gc.freeze`).

    Otherwise every full collection walks all of them, and a request that allocates a lot
    triggers several: a large bulk scrobble's cost per item grew with its size until they
    were frozen (the growth exponents of `python -m bench.run`, docs/performance.md). Only
    the server does this: a process that builds many apps (the tests) would
    keep each one's cycles alive for good.
    """
    gc.collect()
    gc.freeze()


def _telemetry_options(settings: Settings) -> dict[str, Any]:
    """FastAPI's native OpenTelemetry, off unless asked for.

    With it on, every request asks the global OpenTelemetry providers whether they are
    configured (environment lookups included) before doing anything: a measurable share of
    a small request's time (`python -m bench.inproc`), spent even when no exporter exists.
    """
    if settings.telemetry or "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}}


def _include_routers(app: FastAPI, direct: bool) -> None:
    # Each domain package contributes routers. Their paths do not overlap, so the order only
    # decides which groups a request is checked against first: the user API's (most of the
    # traffic), then scrobbling, authentication, the catalog and health.
    from openmaze.auth.routes import router as auth_router
    from openmaze.follows.routes import router as follows_router
    from openmaze.health.routes import router as health_router
    from openmaze.hooks.routes import router as hooks_router
    from openmaze.library.routes import router as library_router
    from openmaze.marks.routes import router as marks_router
    from openmaze.public.routes import router as public_router
    from openmaze.scrobble.routes import router as scrobble_router
    from openmaze.tags.routes import router as tags_router
    from openmaze.votes.routes import router as votes_router
    from openmaze.web.routes import router as web_router

    # `direct`: FastAPI's per-request machinery skipped for routes of the usual shape
    # (openmaze.core.fastpath), unless FastAPI's telemetry is on, which records it.
    # Grouped rather than app.include_router'd: see openmaze.core.routing. /openapi.json
    # and /docs, rarely asked for, stay after the groups.
    include_grouped(
        app,
        [
            follows_router,
            marks_router,
            votes_router,
            tags_router,
            scrobble_router,
            auth_router,
            public_router,
            health_router,
            hooks_router,
        ],
        direct=direct,
    )
    app.include_router(web_router)  # pages: nested routers, few requests
    app.include_router(library_router)
