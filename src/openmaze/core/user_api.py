"""HTTP helpers shared by the `/v1/user` route modules: the embed
parameter, database access scoped to the user, and the documented error responses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager
from typing import Any

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from openmaze.core.fastpath import DirectRoute
from openmaze.core.readcache import ReadCache
from openmaze.core.schemas import Error, ErrorWithFields
from openmaze.core.scope import Scoped
from openmaze.core.services import User, services
from openmaze.db.database import Conn


class _ScopedSession:
    """A database session (`db.read()` or `db.transaction()`) whose connection comes out
    bound to the user. A class rather than an @asynccontextmanager generator: it wraps
    every /v1/user request, and each generator layer costs a few microseconds."""

    __slots__ = ("_session", "_user_id")

    def __init__(self, session: AbstractAsyncContextManager[Conn], user_id: int) -> None:
        self._session = session
        self._user_id = user_id

    async def __aenter__(self) -> Scoped:
        return Scoped(await self._session.__aenter__(), self._user_id)

    async def __aexit__(self, *exc: Any) -> bool | None:
        return await self._session.__aexit__(*exc)


def reading(request: Request, user: User) -> AbstractAsyncContextManager[Scoped]:
    return _ScopedSession(services(request).db.read(), user.id)


def writing(request: Request, user: User) -> AbstractAsyncContextManager[Scoped]:
    """One transaction: commits when the block ends, rolls back on any error."""
    return _ScopedSession(services(request).db.transaction(), user.id)


async def listing(request: Request, user: User, key: Hashable, produce: Callable[[Scoped], Awaitable[Any]]) -> Response:
    """A list read: `produce(scoped)`'s answer, from the read cache while the database is
    unchanged (`openmaze.core.readcache`). `key` names the list and its parameters."""
    state = services(request)
    cache: ReadCache = state.read_cache
    token = state.db.change_token()
    full_key = (user.id, key)
    body = cache.get(token, full_key)
    if body is None:
        async with reading(request, user) as scoped:
            body = orjson.dumps(await produce(scoped))
        cache.put(token, full_key, body)
    return Response(body, media_type="application/json")


def embed_doc(value: str, what: str) -> dict[str, Any]:
    """`openapi_extra` documenting `?embed=` with its one allowed value (others are a 400).

    The route reads the parameter itself (`wants_embed(request, value)`): as a FastAPI query
    parameter, one optional string was a measurable share of a list request (measured with
    `python -m bench.inproc`, see docs/performance.md).
    """
    description = f"Embed the full {what} in `_embedded.{value}`. Any other value is a 400 `Invalid embed type`."
    parameter = {
        "name": "embed",
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", "enum": [value]},
    }
    return {"parameters": [parameter]}


def _error(description: str) -> dict[str, Any]:
    return {"model": Error, "description": description}


def errors(**by_status: str) -> dict[int | str, dict[str, Any]]:
    """Documented error responses: errors(_404="This show is not followed", _422="Invalid vote")."""
    out: dict[int | str, dict[str, Any]] = {}
    for key, description in by_status.items():
        status = int(key.lstrip("_"))
        out[status] = {"model": ErrorWithFields if status == 422 else Error, "description": description}
    return out


# Every /v1/user route: credentials, premium, and the TVmaze body on whatever else may go
# wrong (413 body too large, 429 rate limited, 500); declaring `default` also keeps
# FastAPI from documenting its own 422 shape, which this API never sends.
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error('Missing or invalid credentials (`WWW-Authenticate: Basic realm="TVmaze"`)'),
    403: _error("The user has no premium subscription"),
    "default": _error("Any other error, in the TVmaze error body"),
}


def user_router(**options: Any) -> APIRouter:
    """A router for `/v1/user/...` routes: the prefix and every route's documented errors."""
    return APIRouter(prefix="/v1", responses=COMMON_ERRORS, route_class=DirectRoute, **options)


def deletion(done: str, not_found: str) -> dict[int | str, dict[str, Any]]:
    """A DELETE's documented responses: 200 with an empty body, or a 404."""
    return {200: {"description": f"{done} (empty body)"}, **errors(_404=not_found)}
