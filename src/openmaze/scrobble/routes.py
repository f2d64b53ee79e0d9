"""`/v1/scrobble/*`: bulk marking, open to every user (premium 0 too). HTTP in/out only;
the rules live in `service` and `by_show`.

Each request is one transaction: items are applied exactly as the response reports them,
or, if anything fails underneath, not at all.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from starlette.responses import Response

from openmaze.auth.basic import CurrentUser
from openmaze.body import read_fields
from openmaze.errors import ApiError
from openmaze.marks import FieldErrors, is_db_id, parse_mark_type
from openmaze.responses import ok
from openmaze.scrobble import by_show, service
from openmaze.scrobble.bulk import INVALID, bulk_response, read_items
from openmaze.user.scope import Scoped

router = APIRouter(tags=["scrobbling"])

# Bodies and query parameters are read by hand (clients send shapes a typed signature would
# refuse, such as `imdb_id=tt0944947`); these entries only document them in /openapi.json.
_MARK_FIELDS = {
    "type": {"type": "integer", "enum": [0, 1, 2], "description": "0 watched (default), 1 acquired, 2 skipped"},
    "marked_at": {"type": "integer", "description": "Epoch seconds; 0 unknown; omitted or null: now"},
}


def _array_body(properties: dict[str, object]) -> dict[str, object]:
    schema = {"type": "array", "items": {"type": "object", "properties": {**properties, **_MARK_FIELDS}}}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _query(name: str, schema: dict[str, object], description: str) -> dict[str, object]:
    return {"in": "query", "name": name, "required": False, "schema": schema, "description": description}


_BULK_RESPONSES: dict[int | str, dict[str, str]] = {
    200: {"description": "All episodes were successfully marked"},
    207: {"description": "Some episodes were successfully marked, but there are errors"},
    413: {"description": "Too many items, or too large a body"},
    422: {"description": "None of the episodes were successfully marked, or the body is not a JSON array"},
}


@router.post(
    "/scrobble/episodes",
    summary="Mark Episodes Based on Their IDs",
    responses=_BULK_RESPONSES,
    openapi_extra=_array_body({"episode_id": {"type": "integer"}}),
)
async def scrobble_episodes(request: Request, user: CurrentUser) -> Response:
    items = await read_items(request, request.app.state.settings.scrobble_max_items)
    if not items:
        return ok([])
    now = int(time.time())
    async with request.app.state.db.transaction() as conn:
        results = await service.scrobble_episodes(Scoped(conn, user.id), items, now)
    return bulk_response(results)


@router.put(
    "/scrobble/episodes/{episode_id}",
    summary="Mark an Episode Based on Its ID",
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {
                media: {"schema": {"type": "object", "properties": _MARK_FIELDS}}
                for media in ("application/json", "application/x-www-form-urlencoded")
            },
        }
    },
)
async def scrobble_episode(episode_id: int, request: Request, user: CurrentUser) -> Response:
    fields = await read_fields(request)
    async with request.app.state.db.transaction() as conn:
        mark = await service.mark_episode(Scoped(conn, user.id), episode_id, fields)
    return ok(mark.as_json())


@router.post(
    "/scrobble/shows",
    summary="Mark Episodes Within a Show Based on Their Attributes",
    responses={**_BULK_RESPONSES, 404: {"description": "No show has the given id"}},
    openapi_extra={
        **_array_body(
            {
                "season": {"type": "integer"},
                "episode": {"type": "integer"},
                "airdate": {"type": "string", "format": "date"},
            }
        ),
        "parameters": [
            _query("tvmaze_id", {"type": "integer"}, "The show's TVmaze ID"),
            _query("thetvdb_id", {"type": "integer"}, "The show's TheTVDB ID"),
            _query("imdb_id", {"type": "string"}, "The show's IMDb ID: tt0944947 or 944947"),
        ],
    },
)
async def scrobble_show(request: Request, user: CurrentUser) -> Response:
    selector = by_show.parse_selector(request.query_params)
    items = await read_items(request, request.app.state.settings.scrobble_max_items)
    now = int(time.time())
    async with request.app.state.db.transaction() as conn:
        show_id = await by_show.find_show(conn, selector)
        if not items:
            return ok([])
        results = await by_show.scrobble_show(Scoped(conn, user.id), show_id, items, now)
    return bulk_response(results)


@router.get(
    "/scrobble/shows/{show_id}",
    summary="List Watched and Acquired Episodes for a Show",
    openapi_extra={
        "parameters": [
            _query("embed", {"type": "string", "enum": ["episode"]}, "Embed full episode info"),
            _query("type", {"type": "integer", "enum": [0, 1, 2]}, "Only marks of this type"),
        ]
    },
)
async def show_marks(show_id: int, request: Request, user: CurrentUser) -> Response:
    query = request.query_params
    embeds = [*query.getlist("embed"), *query.getlist("embed[]")]
    if any(e != "episode" for e in embeds):
        raise ApiError(400, "Invalid embed type")
    mark_type = None
    if query.get("type", "") != "":
        # Undocumented, sent by the Kodi scrobbler: `?type=0` lists watched episodes only.
        try:
            mark_type = parse_mark_type(query["type"])
        except FieldErrors as exc:
            raise ApiError(422, INVALID, exc.errors) from None
    if not is_db_id(show_id):
        raise ApiError(404, service.NO_SHOW)
    async with request.app.state.db.read() as conn:
        marks = await service.show_marks(Scoped(conn, user.id), show_id, mark_type, bool(embeds))
    return ok(marks)
