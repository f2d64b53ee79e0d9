"""`POST /hooks/{plex,jellyfin,emby}/{token}`: HTTP in and out only.

The token in the path is the user's secret link of that kind (`openmaze.auth.links`): an
unknown one is a 404. Bodies are read as each server sends them: Plex's multipart `payload`
part (its JPEG `thumb` part is skipped, whatever its content type), Jellyfin's JSON whatever
the content type (its plugin often says `text/plain`), Emby's multipart `data` part or a
JSON body. A body that is not one is a 400 with the TVmaze error body; the size is capped
by `OPENMAZE_HOOKS_MAX_BODY_BYTES` (the app's body-size middleware, 413 above); deliveries
per URL by `OPENMAZE_RATE_LIMIT_HOOKS` (429). The event is settled and logged in one
transaction; an upstream fetch of a missing show runs after the answer, as a durable job.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from openmaze.auth import links
from openmaze.core.errors import ApiError
from openmaze.core.fastpath import DirectRoute
from openmaze.core.responses import ok
from openmaze.core.scope import Scoped
from openmaze.core.services import services
from openmaze.hooks import emby, fetching, jellyfin, plex
from openmaze.hooks import service as hooks
from openmaze.hooks.events import HookEvent
from openmaze.hooks.schemas import ActivityEntry

# Grouped behind its /hooks/ prefix (openmaze.core.routing): a delivery is not tried against
# every page route first. Not in the OpenAPI document: this is no TVmaze API.
router = APIRouter(include_in_schema=False, route_class=DirectRoute)

UNKNOWN_TOKEN = "Unknown webhook URL"
_TOO_FAST = "Too many webhook deliveries, please back off"


def _not_valid(what: str) -> ApiError:
    return ApiError(400, f"The request body is not {what}.")


def _json(raw: bytes | str) -> Any:
    if not raw.strip():
        raise _not_valid("a JSON document")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _not_valid("valid JSON") from None


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


_NAME = re.compile(rb'(?:^|;)\s*name\s*=\s*(?:"([^"]*)"|([^;\s]*))', re.IGNORECASE)
_BOUNDARY = re.compile(r'(?:^|;)\s*boundary\s*=\s*(?:"([^"]{1,200})"|([^;\s]{1,200}))', re.IGNORECASE)


def _form_part(body: bytes, content_type: str, name: str) -> Any:
    """The JSON in the multipart part `name` (a plain field or a file, any content type).

    Split on the boundary with bytes operations rather than a general form parser: every
    other part, Plex's JPEG poster included, is skipped without being scanned or spooled."""
    found = _BOUNDARY.search(content_type)
    if found is None:
        raise _not_valid("multipart/form-data with a boundary")
    delimiter = b"--" + (found[1] or found[2]).encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 2:
        raise _not_valid("valid multipart/form-data")
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        head, separator, content = chunk.partition(b"\r\n\r\n")
        if not separator:
            raise _not_valid("valid multipart/form-data")
        for line in head.split(b"\r\n"):
            key, colon, value = line.partition(b":")
            if colon and key.strip().lower() == b"content-disposition":
                named = _NAME.search(value)
                if named is not None and (named[1] if named[1] is not None else named[2]) == name.encode():
                    return _json(content.removesuffix(b"\r\n"))
    raise ApiError(400, f"The request body has no {name!r} part.")


async def _plex_body(request: Request) -> Any:
    raw = await request.body()
    if _content_type(request).startswith("multipart/"):
        return _form_part(raw, request.headers.get("content-type", ""), "payload")
    return _json(raw)


async def _jellyfin_body(request: Request) -> Any:
    return _json(await request.body())


async def _emby_body(request: Request) -> Any:
    kind = _content_type(request)
    raw = await request.body()
    if kind.startswith("multipart/"):
        return _form_part(raw, request.headers.get("content-type", ""), "data")
    if kind == "application/x-www-form-urlencoded":
        try:
            fields = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise _not_valid("valid UTF-8") from None
        if "data" not in fields:
            raise ApiError(400, "The request body has no 'data' field.")
        return _json(fields["data"])
    return _json(raw)


Reader = Callable[[Request], Awaitable[Any]]
Parser = Callable[[Any], HookEvent]


async def _deliver(request: Request, kind: str, token: str, read: Reader, parse: Parser) -> Response:
    state = services(request)
    async with state.db.read() as conn:
        link = await links.find_token(conn, state.secret, kind, token)
    if link is None:
        raise ApiError(404, UNKNOWN_TOKEN)
    user_id = int(link["user_id"])
    await state.limiter.check(request, state.settings.rate_limit_hooks, "hooks", kind, str(user_id), message=_TOO_FAST)
    event = parse(await read(request))
    now = int(state.clock())
    async with state.db.transaction() as conn:
        received = await hooks.receive(Scoped(conn, user_id), event, now=now, keep=state.settings.hooks_activity_keep)
        if received.missing_show is not None and fetching.enabled(state.settings):
            # Committed with the log entry; a worker's job runner fetches it after this answer.
            await fetching.enqueue_fetch(conn, user_id, received.missing_show, now=now)
    return ok(received.entry)


_RESPONSES: dict[int | str, dict[str, Any]] = {400: {}, 404: {}, 413: {}, 429: {}}


@router.post("/hooks/plex/{token}", response_model=ActivityEntry, responses=_RESPONSES)
async def plex_hook(request: Request, token: str) -> Response:
    return await _deliver(request, links.PLEX, token, _plex_body, plex.parse)


@router.post("/hooks/jellyfin/{token}", response_model=ActivityEntry, responses=_RESPONSES)
async def jellyfin_hook(request: Request, token: str) -> Response:
    return await _deliver(request, links.JELLYFIN, token, _jellyfin_body, jellyfin.parse)


@router.post("/hooks/emby/{token}", response_model=ActivityEntry, responses=_RESPONSES)
async def emby_hook(request: Request, token: str) -> Response:
    return await _deliver(request, links.EMBY, token, _emby_body, emby.parse)
