"""The application alone: one endpoint's request handed straight to the ASGI app, no server.

    python -m bench.inproc "follows/shows" [--calls 3000] [--profile] [--env NAME=VALUE] [--postgres URL]
    python -m bench.inproc --framework

With no HTTP, sockets or load generator in the way, the microseconds the app itself spends
on a request come out the same to a few percent from run to run, even on a busy machine:
the tool for a small change (a dependency, a middleware, a query), where requests/s under
wrk moves by more than the change. `--profile` adds cProfile's top functions.
`--framework` times bare FastAPI routes the same way (a route returning fixed bytes, with a
dependency, with a query parameter): the floor any endpoint stands on.

The database is seeded as for `bench.ab` (SQLite in a temporary directory, or a scratch
database on the PostgreSQL server `--postgres` names). The figure is the fastest of five
rounds of `--calls` requests, after a warm-up, as wall time and as this process's CPU time:
on PostgreSQL the wall time includes the round trips, the CPU time is the app's own cost.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import uvloop
from fastapi import Depends, FastAPI, Query
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response

from bench.load import Request
from bench.run import SECRET, env_pairs, scratch_endpoint

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def _scope_factory(req: Request) -> Callable[[], dict[str, Any]]:
    path, _, query = req.path.partition("?")
    headers = [(k.lower().encode(), v.encode()) for k, v in req.headers.items()] + [(b"host", b"bench")]
    if req.body:
        headers.append((b"content-length", str(len(req.body)).encode()))

    def scope() -> dict[str, Any]:
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": req.method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
            "state": {},
        }

    return scope


async def time_app(app: App, req: Request, calls: int, profile: bool = False) -> tuple[float, float]:
    """(wall, process CPU) of the fastest of five rounds, in microseconds per request;
    raises unless every answer is 2xx."""
    scope = _scope_factory(req)
    statuses: set[int] = set()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": req.body or b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.add(message["status"])

    for _ in range(200):
        await app(scope(), receive, send)
    if any(not 200 <= s < 300 for s in statuses):
        raise RuntimeError(f"{req.method} {req.path} answered {sorted(statuses)}")
    best = (float("inf"), float("inf"))
    for _ in range(5):
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(calls):
            await app(scope(), receive, send)
        best = min(best, ((time.perf_counter() - start) / calls, (time.process_time() - cpu) / calls))
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(calls):
            await app(scope(), receive, send)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    return best[0] * 1e6, best[1] * 1e6


def _endpoint(name: str, calls: int, profile: bool, env: dict[str, str], postgres: str | None) -> None:
    # Seeded before our event loop starts: seeding runs one of its own.
    with scratch_endpoint(name, postgres, "openmaze-inproc-") as (url, endpoint, _):
        os.environ.update({"OPENMAZE_DATABASE_URL": url, "OPENMAZE_SECRET_KEY": SECRET, **env})
        from openmaze.app import create_app

        app = create_app()

        async def measure() -> tuple[float, float]:
            async with app.router.lifespan_context(app):
                return await time_app(app, endpoint.request, calls, profile)

        wall, cpu = uvloop.run(measure())
        print(f"{endpoint.name}: {wall:.1f} us per request, in process ({cpu:.1f} us of its CPU)")


async def _dependency(request: StarletteRequest) -> int:
    return 1


async def _framework(calls: int) -> None:
    # Everything the route annotations name is at module level: FastAPI resolves postponed
    # annotations against the module's globals.
    async def raw(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"[]"})

    def app_with(kind: str) -> FastAPI:
        app = FastAPI()
        body = b"[]"
        if kind == "route":

            @app.get("/x")
            async def bare() -> Response:
                return Response(body, media_type="application/json")

        elif kind == "dependency":

            @app.get("/x")
            async def with_dependency(user: Annotated[int, Depends(_dependency)]) -> Response:
                return Response(body, media_type="application/json")

        else:

            @app.get("/x")
            async def with_query(
                user: Annotated[int, Depends(_dependency)], embed: str | None = Query(None)
            ) -> Response:
                return Response(body, media_type="application/json")

        return app

    req = Request("GET", "/x", {}, b"")
    print(f"raw ASGI app: {(await time_app(raw, req, calls))[0]:.1f} us per request")
    for kind, label in (
        ("route", "FastAPI route returning the same bytes"),
        ("dependency", "... with one dependency"),
        ("query", "... and one optional query parameter"),
    ):
        print(f"{label}: {(await time_app(app_with(kind), req, calls))[0]:.1f} us per request")  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inproc")
    parser.add_argument("endpoint", nargs="?", help="part of an endpoint's name in bench/endpoints.py")
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--framework", action="store_true", help="time bare FastAPI routes instead")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--postgres", metavar="URL", help="seed a scratch database on this PostgreSQL server")
    args = parser.parse_args()
    if args.framework:
        uvloop.run(_framework(args.calls))
    elif args.endpoint:
        _endpoint(args.endpoint, args.calls, args.profile, env_pairs(args.env), args.postgres)
    else:
        parser.error("name an endpoint, or pass --framework")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
