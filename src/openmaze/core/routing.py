"""Route groups: one router's routes behind their common path prefix.

Starlette finds a request's route by asking every route in turn (~1 us each with FastAPI's
wrappers, measured in `bench/`): with ~60 routes, one near the end of the list paid ~25 us
before its own work began. A `RouteGroup` holds a router's routes and answers "no" for all
of them with one `str.startswith` when the path is outside their common literal prefix.
The routes keep their full paths and are matched and handled exactly as before, so 405s,
`url_path_for` and the OpenAPI document (built from `expand(app.routes)`) are unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi.routing import APIRoute
from starlette._utils import get_route_path  # what Starlette's own routes match against
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import ASGIApp, Receive, Scope, Send

from openmaze.core.fastpath import direct_app


class RouteGroup(BaseRoute):
    def __init__(self, routes: Sequence[BaseRoute], direct: bool = False) -> None:
        """`direct`: serve the routes that fit it through `openmaze.core.fastpath` (the same
        answers without FastAPI's per-request machinery)."""
        if not routes or not all(isinstance(r, APIRoute) for r in routes):
            raise TypeError("a route group holds one or more API routes")
        self.routes: list[APIRoute] = list(routes)  # type: ignore[arg-type]
        # By identity: Starlette routes compare by value and are not hashable.
        self._direct: dict[int, ASGIApp] = {}
        if direct:
            for route in self.routes:
                app = direct_app(route)
                if app is not None:
                    self._direct[id(route)] = app
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

    def is_direct(self, route: APIRoute) -> bool:
        """Whether `route` is served through `openmaze.core.fastpath`."""
        return id(route) in self._direct

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The matching route put itself in the scope (APIRoute.matches does).
        route: APIRoute = scope["route"]
        app = self._direct.get(id(route))
        if app is not None and scope["method"] in (route.methods or ()):  # else the route's 405
            await app(scope, receive, send)
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
