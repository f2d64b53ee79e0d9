"""Route groups: one router's routes behind their common path prefix, included flat.

Starlette finds a request's route by asking every route in turn, each try costing about as
much as a small handler's own work with FastAPI's wrappers (`python -m bench.inproc`): a
route near the end of a long list paid for all the others before its own work began. A
`RouteGroup` holds a router's routes and answers "no" for all of them with one
`str.startswith` when the path is outside their common literal prefix.
The routes keep their full paths and are matched and handled exactly as before, so 405s,
`url_path_for` and the OpenAPI document (built from `expand(app.routes)`) are unchanged.

`include_grouped` puts routers into an app as groups instead of `app.include_router`:
FastAPI 0.16x keeps an included router as one nested route that is matched twice per
request and re-checks a version of the whole router tree each time, which costs a small
request a large share of its time the further down the route list it sits (compare
`python -m bench.inproc "auth/validate"` with the routers included the usual way). What
`include_router` would give the routes, their binding to `app.dependency_overrides`, each
route gets from `DirectRoute.for_app`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette._utils import get_route_path  # what Starlette's own routes match against
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from openmaze.core.fastpath import DirectRoute


class RouteGroup(BaseRoute):
    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        if not routes or not all(isinstance(r, APIRoute) for r in routes):
            raise TypeError("a route group holds one or more API routes")
        self.routes: list[APIRoute] = list(routes)  # type: ignore[arg-type]
        # Up to the first path parameter, every path is literal: no match can lie outside
        # it. A character prefix on purpose ("/v1/user/episodes" covers ".../episodes/{id}").
        self.prefix = os.path.commonprefix([r.path.partition("{")[0] for r in self.routes])  # noqa: RUF071

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or not get_route_path(scope).startswith(self.prefix):
            return Match.NONE, {}
        partial: Scope | None = None
        for route in self.routes:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return match, child_scope
            if match is Match.PARTIAL and partial is None:
                partial = child_scope  # the path matched, the method did not: a 405 if nothing else does
        if partial is not None:
            return Match.PARTIAL, partial
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The matching route put itself in the scope (APIRoute.matches does).
        route: APIRoute = scope["route"]
        if isinstance(route, DirectRoute):
            await route.handler(scope)(scope, receive, send)  # what route.handle would await
        else:
            await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, path_params)


def expand(routes: Iterable[BaseRoute]) -> list[BaseRoute]:
    """The routes with every group replaced by its members, in order (for documents)."""
    out: list[BaseRoute] = []
    for route in routes:
        out.extend(route.routes if isinstance(route, RouteGroup) else [route])
    return out


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """The methods some route serves at the request's path, sorted: a 405's `Allow` header
    (RFC 9110). Starlette's names only the first route that matched the path, and a path
    such as /v1/user/follows/shows/{id} has one route per method. Only asked on a 405, so
    it simply tries every route, inside groups and included routers too."""
    path = get_route_path(scope)
    methods: set[str] = set()
    for route in iter_route_contexts(expand(routes)):
        regex = getattr(route, "path_regex", None)
        if route.methods and regex is not None and regex.match(path):
            methods |= route.methods
    return sorted(methods)


def include_grouped(app: FastAPI, routers: Sequence[APIRouter], direct: bool = True) -> None:
    """Put `routers` into `app` ahead of its other routes, one `RouteGroup` each, in order;
    their routes are `DirectRoute`s and `direct` lets them take the fast path.

    What `app.include_router(router)` does that matters here is done for each route:
    `app.dependency_overrides` applies to it. Include-time options (prefix, tags, extra
    dependencies) are not offered: openmaze's routers carry their own."""
    groups: list[BaseRoute] = []
    for router in routers:
        routes: list[BaseRoute] = []
        for route in router.routes:
            if not isinstance(route, DirectRoute):
                # A plain route here would silently ignore app.dependency_overrides.
                raise TypeError(f"{route!r}: a grouped router needs APIRouter(route_class=DirectRoute)")
            routes.append(route.for_app(app, direct))
        groups.append(RouteGroup(routes))
    app.router.routes[:0] = groups
