"""The media-server pages: the webhook URLs with each server's setup steps and the household
settings (a section of the dashboard), and the activity page (`/account/activity`: every
event received, newest first, with a one-click fix for an unmatched one: pick the show, the
mark is applied and the title remembered). Every write is a CSRF-checked form answered with
a redirect (post/redirect/get)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from openmaze.auth import links
from openmaze.core.errors import ApiError
from openmaze.core.fields import MAX_ID, MIN_ID, PathId, digits_in_range
from openmaze.core.links import base_url
from openmaze.core.scope import Scoped
from openmaze.core.services import services
from openmaze.hooks import service as hooks
from openmaze.public.search import search as catalog_search
from openmaze.web import account, sessions
from openmaze.web.pages import logged_in_form, login_redirect, message, redirect, render
from openmaze.web.sessions import Session

router = APIRouter(include_in_schema=False)

ACTIVITY = "/account/activity"
_NOTICES = {
    "media": "Your media-server settings were saved.",
    "media-rotated": "A new webhook URL was made. The old one no longer works: paste the new one into the server.",
}
_ACTIVITY_NOTICES = {"fixed": "Fixed: the mark was applied, and this title will be matched to that show from now on."}


async def _media_panel(request: Request, session: Session) -> dict[str, Any]:
    state = services(request)
    now = int(state.clock())
    async with state.db.read() as conn:
        user_id = session.user_id
        tokens = {kind: await links.known_token(conn, state.secret, user_id, kind) for kind in links.MEDIA_SERVERS}
        settings = await hooks.get_settings(Scoped(conn, session.user_id))
    if any(token is None for token in tokens.values()):
        async with state.db.transaction() as conn:
            for kind in links.MEDIA_SERVERS:
                tokens[kind] = await links.ensure_token(conn, state.secret, session.user_id, kind, now)
    base = base_url(request)
    done = request.query_params.get("done", "")
    return {
        "hook_urls": {kind: links.url_of(base, kind, token or "") for kind, token in tokens.items()},
        "hook_settings": settings,
        "media_notice": _NOTICES.get(done),
    }


if _media_panel not in account.DASHBOARD_PANELS:
    account.DASHBOARD_PANELS.append(_media_panel)


def _failed(request: Request, session: Session, exc: ApiError) -> Response:
    status = exc.status if 400 <= exc.status < 500 else 400
    return message(request, "That did not work", exc.message, status=status, session=session)


@router.post("/account/media-servers")
async def save_settings(request: Request) -> Response:
    posted = await logged_in_form(request)
    if isinstance(posted, Response):
        return posted
    session, fields = posted
    try:
        users = hooks.parse_server_users(fields.get("server_users", "")[:10_000])
        async with services(request).db.transaction() as conn:
            await hooks.save_settings(
                Scoped(conn, session.user_id), mark_acquired=fields.get("mark_acquired") == "on", server_users=users
            )
    except ApiError as exc:
        return _failed(request, session, exc)
    return redirect("/account?done=media#media")


@router.post("/account/media-servers/rotate")
async def rotate(request: Request) -> Response:
    posted = await logged_in_form(request)
    if isinstance(posted, Response):
        return posted
    session, fields = posted
    kind = fields.get("kind", "")
    if kind not in links.MEDIA_SERVERS:
        return message(request, "Not found", "There is no such media server here.", status=404, session=session)
    state = services(request)
    async with state.db.transaction() as conn:
        await links.rotate_token(conn, state.secret, session.user_id, kind, int(state.clock()))
    return redirect("/account?done=media-rotated#media")


# --- the activity page ---------------------------------------------------------------------------


@router.get(ACTIVITY)
async def activity_page(request: Request) -> Response:
    session = await sessions.session_of(request)
    if session is None:
        return login_redirect(request)
    before = digits_in_range(request.query_params.get("before", ""), MIN_ID, MAX_ID)
    async with services(request).db.read() as conn:
        entries = await hooks.activity(Scoped(conn, session.user_id), limit=hooks.ACTIVITY_PAGE + 1, before=before)
    more = len(entries) > hooks.ACTIVITY_PAGE
    entries = entries[: hooks.ACTIVITY_PAGE]
    context = {
        "title": "Media-server activity",
        "entries": entries,
        "older": entries[-1]["id"] if more else None,
        "servers": hooks.SERVER_NAMES,
        "notice": _ACTIVITY_NOTICES.get(request.query_params.get("done", "")),
    }
    return render(request, "activity.html", context, session=session)


async def _entry(request: Request, session: Session, entry_id: int) -> dict[str, Any] | Response:
    try:
        async with services(request).db.read() as conn:
            return await hooks.entry(Scoped(conn, session.user_id), entry_id)
    except ApiError:
        return message(request, "Not found", "There is no such activity entry.", status=404, session=session)


@router.get(ACTIVITY + "/{entry_id}/fix")
async def fix_page(request: Request, entry_id: PathId) -> Response:
    """Pick the show an unmatched title means: the catalog's search, the title asked first."""
    session = await sessions.session_of(request)
    if session is None:
        return login_redirect(request)
    found = await _entry(request, session, entry_id)
    if isinstance(found, Response):
        return found
    query = (request.query_params.get("q") or found["title"] or "").strip()[:200]
    results: list[dict[str, Any]] = []
    if query:
        async with services(request).db.read() as conn:
            hits = await catalog_search(conn, "shows", query)
        for hit in hits:
            data = orjson.loads(orjson.dumps(hit.data)) if hit.data is not None else {}
            network = (data.get("network") or data.get("webChannel") or {}).get("name") or ""
            results.append(
                {
                    "id": hit.id,
                    "name": data.get("name") or "",
                    "premiered": (data.get("premiered") or "")[:4],
                    "network": network,
                }
            )
    context = {"title": "Which show is this?", "entry": found, "query": query, "results": results}
    return render(request, "activity_fix.html", context, session=session)


@router.post(ACTIVITY + "/{entry_id}/fix")
async def fix(request: Request, entry_id: PathId) -> Response:
    posted = await logged_in_form(request)
    if isinstance(posted, Response):
        return posted
    session, fields = posted
    show_id = digits_in_range(fields.get("show_id", ""), MIN_ID, MAX_ID)
    if show_id is None:
        return message(request, "Not found", "There is no such show here.", status=404, session=session)
    state = services(request)
    try:
        async with state.db.transaction() as conn:
            await hooks.fix(Scoped(conn, session.user_id), entry_id, show_id, now=int(state.clock()))
    except ApiError as exc:
        if exc.status == 404:
            return message(request, "Not found", f"{exc.message}.", status=404, session=session)
        return _failed(request, session, exc)
    return redirect(f"{ACTIVITY}?done=fixed#entry-{entry_id}")
