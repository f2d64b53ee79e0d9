"""A direct request handler for routes of openmaze's usual shape, skipping FastAPI's
per-request machinery.

Every `/v1` endpoint has the same signature: the `Request`, the authenticated user from
`current_user`/`premium_user`, marked by `openmaze.core.authentication` (each a plain
`request -> User` call), integer ids in the
path, at most an integer filter in the query, and a `Response` returned (bodies are read
by the endpoint itself, `openmaze.core.body`). For that shape FastAPI still does, per request:
two AsyncExitStacks, a route-level exception wrapper, telemetry lookups, an endpoint
context for error messages, dependency solving with cache keys and pydantic validation of
each parameter. In process that is ~50 us of a ~80 us cached list read on this machine
(`python -m bench.inproc --framework`: a bare FastAPI route costs 50 us, a raw ASGI
app 1 us).

`direct_app(route)` returns an ASGI app that parses the ids itself, calls the user
dependency and the endpoint, and sends the response; or None when the route has any
other shape, and FastAPI handles it as always. Anything the fast path does not accept as
plainly valid (an id that is not ASCII digits, out of range, a filter given twice) goes
to FastAPI's own handler for the route, so every error is FastAPI's and openmaze's
handlers' exactly as before. Exceptions raised by the dependency or the endpoint reach the
same exception handlers (the application's ExceptionMiddleware) as they would from
FastAPI's route wrapper. The route stays a FastAPI route for matching, 405s, `url_for` and
the OpenAPI document.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from annotated_types import Ge, Le
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from openmaze.core.authentication import authentication


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
    if route.dependency_overrides_provider is not None:
        return None  # overrides are looked up per request by FastAPI
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
    if raw is None or not raw.isdigit() or not raw.isascii():
        return None
    value = int(raw)
    return value if param.low <= value <= param.high else None


def direct_app(route: APIRoute) -> ASGIApp | None:
    plan = _plan(route)
    if plan is None:
        return None
    fastapi_app = route.app  # FastAPI's handler: for whatever the fast path does not accept
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
