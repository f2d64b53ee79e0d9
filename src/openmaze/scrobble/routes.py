"""`/v1/scrobble/*`: bulk marking, open to every user (premium 0 too). HTTP in/out only;
the rules live in `service` and `by_show`.

Each request is one transaction: items are applied exactly as the response reports them,
or, if anything fails underneath, not at all.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from openmaze.auth.credentials import CurrentUser
from openmaze.catalog.embeds import INVALID_EMBED
from openmaze.core.body import read_fields
from openmaze.core.errors import ApiError
from openmaze.core.fastpath import DirectRoute
from openmaze.core.fields import PathId
from openmaze.core.responses import ok
from openmaze.core.scope import Scoped
from openmaze.core.services import services
from openmaze.scrobble import by_show, schemas, service
from openmaze.scrobble.bulk import bulk_response, read_items

router = APIRouter(prefix="/v1", tags=["scrobbling"], route_class=DirectRoute)


@router.post(
    "/scrobble/episodes",
    summary="Mark Episodes Based on Their IDs",
    responses=schemas.BULK_RESPONSES,
    openapi_extra=schemas.EPISODE_BULK,
)
async def scrobble_episodes(request: Request, user: CurrentUser) -> Response:
    items = await read_items(request, services(request).settings.scrobble_max_items)
    if not items:
        return ok([])
    now = int(services(request).clock())
    async with services(request).db.transaction() as conn:
        results = await service.scrobble_episodes(Scoped(conn, user.id), items, now)
    return bulk_response(results)


@router.put(
    "/scrobble/episodes/{episode_id}",
    summary="Mark an Episode Based on Its ID",
    openapi_extra=schemas.MARK_BODY,
)
async def scrobble_episode(episode_id: PathId, request: Request, user: CurrentUser) -> Response:
    fields = await read_fields(request)
    async with services(request).db.transaction() as conn:
        mark = await service.mark_episode(Scoped(conn, user.id), episode_id, fields)
    return ok(mark.as_json())


@router.post(
    "/scrobble/shows",
    summary="Mark Episodes Within a Show Based on Their Attributes",
    responses={**schemas.BULK_RESPONSES, 404: {"description": "No show has the given id"}},
    openapi_extra=schemas.SHOW_BULK,
)
async def scrobble_show(request: Request, user: CurrentUser) -> Response:
    selector = by_show.parse_selector(request.query_params)
    items = await read_items(request, services(request).settings.scrobble_max_items)
    now = int(services(request).clock())
    async with services(request).db.transaction() as conn:
        show_id = await by_show.find_show(conn, selector)
        if not items:
            return ok([])
        results = await by_show.scrobble_show(Scoped(conn, user.id), show_id, items, now)
    return bulk_response(results)


@router.get(
    "/scrobble/shows/{show_id}",
    summary="List Watched and Acquired Episodes for a Show",
    openapi_extra=schemas.SHOW_MARKS_QUERY,
)
async def show_marks(show_id: PathId, request: Request, user: CurrentUser) -> Response:
    query = request.query_params
    embeds = [*query.getlist("embed"), *query.getlist("embed[]")]
    if any(e != "episode" for e in embeds):
        raise ApiError(400, INVALID_EMBED)
    mark_type = service.TYPE_FILTER.read(query)
    async with services(request).db.read() as conn:
        marks = await service.show_marks(Scoped(conn, user.id), show_id, mark_type, bool(embeds))
    return ok(marks)
