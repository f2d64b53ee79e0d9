"""`DirectRoute`, the route class of openmaze's API routers: a direct request handler for
routes of the usual shape, skipping FastAPI's per-request machinery.

Every `/v1` endpoint has the same signature: the `Request`, the authenticated user from a
dependency marked by `openmaze.core.authentication` (`current_user`/`premium_user`, each a
plain `request -> User` call), integer ids in the path, at most an integer filter in the
query, and a `Response` returned (bodies are read by the endpoint itself,
`openmaze.core.body`). For that shape FastAPI still does, per request: two AsyncExitStacks, a
route-level exception wrapper, telemetry lookups, an endpoint context for error messages,
dependency solving with cache keys and pydantic validation of each parameter: most of a
cached list read (`python -m bench.inproc --framework` against `python -m bench.inproc
"follows/shows"`).

A `DirectRoute` is an ordinary FastAPI route as its router holds it. `for_app(app)` makes
the route `app` serves (`openmaze.core.routing.include_grouped`): FastAPI's handler bound to
`app.dependency_overrides`, as `include_router` would bind it, and, when the route has the
usual shape, a direct ASGI handler that parses the ids itself, calls the user dependency
and the endpoint, and sends the response. `handle()` takes the direct handler unless the
method is not the route's (FastAPI's 405) or `app.dependency_overrides` replaces one of the
route's dependencies, which FastAPI's handler honours. Anything the fast path does not
accept as plainly valid (an id that is not ASCII digits, out of range, a filter given
twice) goes to FastAPI's own handler for the route, so every error is FastAPI's and
openmaze's handlers' exactly as before. Exceptions raised by the dependency or the endpoint
reach the same exception handlers (the application's ExceptionMiddleware) as they would
from FastAPI's route wrapper.

Not built in `get_route_handler()`: what that hook returns runs inside FastAPI's
`request_response` wrappers, the per-request cost this module exists to skip; and FastAPI
calls it on the router's own route for every `include_router`, where no app is known.
The direct handler reads `route.dependant` and pydantic's field metadata, FastAPI
internals: pyproject.toml pins FastAPI and Starlette to the versions this was tested on.
"""

from __future__ import annotations

import copy
import inspect
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from annotated_types import Ge, Le
from fastapi import FastAPI
from fastapi.routing import APIRoute, request_response, wrap_app_with_body_limit
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from openmaze.core.authentication import authentication
from openmaze.core.fields import digits_in_range


@dataclass(frozen=True, slots=True)
class _IntParam:
    name: str  # the endpoint's keyword
    key: str  # the path or query key (the alias)
    low: int
    high: int
    default: Any = None  # for a query filter left out (a path id is never left out)


@dataclass(frozen=True, slots=True)
class _Plan:
    endpoint: Callable[..., Awaitable[Response]]
    request_name: str | None
    dependencies: tuple[tuple[str | None, Callable[[Request], Awaitable[Any]]], ...]
    path: tuple[_IntParam, ...]
    query: tuple[_IntParam, ...]


def _int_param(field: Any, query: bool) -> _IntParam | None:
    info = field.field_info
    if info.annotation is not int:
        return None
    low, high = -(2**63), 2**63 - 1
    for constraint in info.metadata:
        if isinstance(constraint, Ge) and isinstance(constraint.ge, int):
            low = constraint.ge
        elif isinstance(constraint, Le) and isinstance(constraint.le, int):
            high = constraint.le
        else:
            return None
    if not query:
        return _IntParam(field.name, field.alias, low, high)
    if info.is_required():
        return None  # a missing required filter is FastAPI's error to give
    return _IntParam(field.name, field.alias, low, high, info.get_default(call_default_factory=True))


def _plan(route: APIRoute) -> _Plan | None:
    dependant = route.dependant
    endpoint = dependant.call
    if endpoint is None or not inspect.iscoroutinefunction(endpoint):
        return None
    others = (
        dependant.websocket_param_name,
        dependant.http_connection_param_name,
        dependant.response_param_name,
        dependant.background_tasks_param_name,
        dependant.security_scopes_param_name,
    )
    if any(others) or dependant.header_params or dependant.cookie_params or dependant.body_params:
        return None
    try:
        returns = typing.get_type_hints(endpoint).get("return")
    except Exception:  # an annotation that does not resolve: leave the route to FastAPI
        return None
    if not (isinstance(returns, type) and issubclass(returns, Response)):
        return None
    dependencies: list[tuple[str | None, Callable[[Request], Awaitable[Any]]]] = []
    for sub in dependant.dependencies:
        # Only the authentication calls: each takes the request alone and nothing else.
        call = sub.call
        if call is None or authentication(call) is None or sub.dependencies:
            return None
        dependencies.append((sub.name, call))
    path: list[_IntParam] = []
    query: list[_IntParam] = []
    for fields, into, is_query in ((dependant.path_params, path, False), (dependant.query_params, query, True)):
        for field in fields:
            param = _int_param(field, is_query)
            if param is None:
                return None
            into.append(param)
    return _Plan(endpoint, dependant.request_param_name, tuple(dependencies), tuple(path), tuple(query))


def _parse(raw: str | None, param: _IntParam) -> int | None:
    """The id if `raw` is plainly valid (ASCII digits within the bounds), else None."""
    return None if raw is None else digits_in_range(raw, param.low, param.high)


def _direct_app(plan: _Plan, fastapi_app: ASGIApp) -> ASGIApp:
    """The direct handler of `plan`'s route; `fastapi_app`, FastAPI's handler, answers
    whatever it does not accept."""
    endpoint, request_name, dependencies = plan.endpoint, plan.request_name, plan.dependencies
    path_params, query_params = plan.path, plan.query

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        kwargs: dict[str, Any] = {}
        if path_params:
            values = scope["path_params"]
            for param in path_params:
                value = _parse(values.get(param.key), param)
                if value is None:
                    return await fastapi_app(scope, receive, send)
                kwargs[param.name] = value
        request = Request(scope, receive, send)
        if query_params:
            query = request.query_params if scope.get("query_string") else None
            for param in query_params:
                given = query.getlist(param.key) if query is not None else []
                if not given:
                    kwargs[param.name] = param.default
                    continue
                value = _parse(given[0], param) if len(given) == 1 else None
                if value is None:
                    return await fastapi_app(scope, receive, send)
                kwargs[param.name] = value
        if request_name is not None:
            kwargs[request_name] = request
        for name, call in dependencies:
            result = await call(request)
            if name is not None:
                kwargs[name] = result
        response = await endpoint(**kwargs)
        await response(scope, receive, send)
        return None

    return app


class DirectRoute(APIRoute):
    """`APIRouter(route_class=DirectRoute)`: the routers' own routes are FastAPI's, shared by
    every app the process builds; the copies `for_app` makes are the ones an app serves."""

    # Set on an app's copy of a route of the usual shape; None: FastAPI's handler only.
    direct: ASGIApp | None = None
    _direct_methods: frozenset[str] = frozenset()
    _served_by: FastAPI | None = None
    # The dependencies the direct handler calls: an override of any of them in
    # app.dependency_overrides sends the request to FastAPI's handler, which applies it.
    _direct_calls: frozenset[Callable[..., Any]] = frozenset()

    def for_app(self, app: FastAPI, direct: bool = True) -> DirectRoute:
        """This route as `app` serves it, with the direct handler if `direct` and the route
        has the usual shape. The router's own route is left as it was."""
        route = copy.copy(self)
        # What include_router gives each route it includes: FastAPI's handler looks up
        # `app.dependency_overrides` on every request through the provider it was built with,
        # so the handler is built again, as APIRoute.__init__ builds it.
        route.dependency_overrides_provider = app
        route.app = wrap_app_with_body_limit(request_response(route.get_route_handler()), route.max_body_size)
        route._served_by = app
        plan = _plan(route) if direct else None
        route.direct = None if plan is None else _direct_app(plan, route.app)
        route._direct_methods = frozenset(route.methods or ())
        route._direct_calls = frozenset(call for _, call in plan.dependencies) if plan else frozenset()
        return route

    def handler(self, scope: Scope) -> ASGIApp:
        """What answers this request: the direct handler, or FastAPI's route handling (its
        handler, or its 405). A plain call, so that a RouteGroup asks it without awaiting
        one more coroutine on every request."""
        direct, app = self.direct, self._served_by
        if direct is not None and app is not None and scope["method"] in self._direct_methods:
            overrides = app.dependency_overrides
            if not overrides or self._direct_calls.isdisjoint(overrides):
                return direct
        return super().handle

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.handler(scope)(scope, receive, send)
