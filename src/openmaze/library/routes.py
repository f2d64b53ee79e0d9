"""The library pages (`/library/...`) and the iCal feed (`/ical/followed`): HTTP in and out.

Pages: post-redirect-get for every write (a refresh never repeats one), CSRF on every form
(`logged_in_form`), and every failure a client can cause answered with an HTML page of the
right status. Writes call the `/v1` services inside one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson
from fastapi import APIRouter, Request
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from openmaze.auth import links
from openmaze.catalog.kinds import SHOW
from openmaze.core.errors import ApiError
from openmaze.core.fields import MAX_ID, MIN_ID, digits_in_range, integer
from openmaze.core.links import base_url
from openmaze.core.scope import Scoped
from openmaze.core.services import services
from openmaze.follows import service as follows
from openmaze.library import ical
from openmaze.library import service as library
from openmaze.library.service import Now
from openmaze.marks import service as marks
from openmaze.public.search import search as catalog_search
from openmaze.tags import service as tags
from openmaze.votes import service as votes
from openmaze.web import account, sessions
from openmaze.web.pages import logged_in_form, login_redirect, message, redirect, render, safe_next, secure
from openmaze.web.pages import templates as web_templates
from openmaze.web.sessions import Session

router = APIRouter(include_in_schema=False)

HERE = Path(__file__).parent
# The library's templates extend the account pages' base.html: their loader comes second.
_loaders: list[BaseLoader] = [FileSystemLoader(HERE / "templates")]
if web_templates.env.loader is not None:
    _loaders.append(web_templates.env.loader)
engine = Jinja2Templates(env=web_templates.env.overlay(loader=ChoiceLoader(_loaders)))
_JS = (HERE / "static" / "library.js").read_bytes()
_CSS = (HERE / "static" / "library.css").read_bytes()
# The library pages run one script of their own (the time-zone proposal); nothing else.
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
_MARK_NAMES = {0: "watched", 1: "acquired", 2: "skipped"}
_FOLLOW_KINDS = {kind.plural: kind for kind in follows.FOLLOWABLE if kind is not SHOW}


def _when(epoch: int | None, tz: Any = None) -> str:
    if not epoch:
        return "unknown date"
    return dt.datetime.fromtimestamp(epoch, tz or dt.UTC).strftime("%Y-%m-%d %H:%M")


def _page(request: Request, session: Session, name: str, context: dict[str, Any], status: int = 200) -> Response:
    tz = library.zone(session.time_zone)
    ctx = {"tz": tz, "tz_name": session.time_zone, "path": _here(request), "local": _when, **context}
    response = render(request, name, ctx, session=session, status=status, engine=engine)
    response.headers["Content-Security-Policy"] = _CSP
    return response


_NOTICES = ("marked", "undo", "undone", "saved")  # one-time announcements after a write


def _here(request: Request) -> str:
    """This page's URL, where its forms send the person back to, without the announcement
    of the write that led here (a later write must not repeat it)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in _NOTICES]
    return request.url.path + (f"?{urlencode(kept)}" if kept else "")


def _failed(request: Request, session: Session, exc: ApiError) -> Response:
    status = exc.status if 400 <= exc.status < 500 else 400
    details = "; ".join(m for messages in (exc.errors or {}).values() for m in messages)
    text = f"{exc.message}. {details}".strip() if details else exc.message
    return message(request, "That did not work", text, status=status, session=session)


def _not_found(request: Request, session: Session | None, what: str = "page") -> Response:
    return message(request, "Not found", f"There is no such {what} here.", status=404, session=session)


def _id(text: str) -> int | None:
    """A path id; anything that cannot be one is simply not found."""
    return digits_in_range(text, MIN_ID, MAX_ID)


def _now(request: Request) -> Now:
    return Now(int(services(request).clock()))


async def _read(
    request: Request, build: Callable[[Session, Scoped], Awaitable[Response]], what: str = "page"
) -> Response:
    session = await sessions.session_of(request)
    if session is None:
        return login_redirect(request)
    try:
        async with services(request).db.read() as conn:
            return await build(session, Scoped(conn, session.user_id))
    except ApiError as exc:
        if exc.status == 404:
            return _not_found(request, session, what)
        return _failed(request, session, exc)


def _with(url: str, **params: Any) -> str:
    """`url` with query parameters set (replacing ones of the same name), before its #fragment."""
    path, _, fragment = url.partition("#")
    if params:
        base, _, query = path.partition("?")
        kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in params]
        query = urlencode(kept + [(k, v) for k, v in params.items() if v is not None])
        path = base + (f"?{query}" if query else "")
    return path + (f"#{fragment}" if fragment else "")


async def _write(
    request: Request,
    default_next: str,
    action: Callable[[Scoped, dict[str, str]], Awaitable[dict[str, Any] | None]],
) -> Response:
    """A logged-in form post: CSRF checked, `action` run in one transaction, then a redirect
    to the page the form came from (`next`), with what the page should announce."""
    posted = await logged_in_form(request)
    if isinstance(posted, Response):
        return posted
    session, fields = posted
    try:
        async with services(request).db.transaction() as conn:
            params = await action(Scoped(conn, session.user_id), fields)
    except ApiError as exc:
        return _failed(request, session, exc)
    return redirect(_with(safe_next(fields.get("next"), default_next), **(params or {})))


# --- assets ---------------------------------------------------------------------------------


@router.get("/static/library.js")
async def script() -> Response:
    headers = {"Cache-Control": "public, max-age=3600"}
    return secure(Response(_JS, media_type="text/javascript", headers=headers))


@router.get("/static/library.css")
async def stylesheet() -> Response:
    return secure(Response(_CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}))


# --- reading pages ----------------------------------------------------------------------------


def _page_number(request: Request) -> int:
    text = request.query_params.get("page", "1")
    return max(int(text), 1) if text.isascii() and text.isdigit() and len(text) < 6 else 1


def _paged(request: Request, items: list[Any]) -> tuple[list[Any], dict[str, Any]]:
    """One page of a long list (a household's 300 follows are too many cards for a phone,
    and rendering them all would cost most of the page's time)."""
    page = _page_number(request)
    start = (page - 1) * library.PAGE_SIZE
    pages = max(1, -(-len(items) // library.PAGE_SIZE))
    return items[start : start + library.PAGE_SIZE], {"page": page, "pages": pages}


@router.get("/library")
async def my_shows(request: Request) -> Response:
    which = request.query_params.get("filter", "all")
    sort = request.query_params.get("sort", "recent")
    which = which if which in library.FILTERS else "all"
    sort = sort if sort in library.SORTS else "recent"

    async def build(session: Session, scoped: Scoped) -> Response:
        shows = await library.progress(scoped, _now(request))
        counts = {f: len(library.choose(shows, f, "name")) for f in library.FILTERS}
        chosen, pager = _paged(request, library.choose(shows, which, sort))
        context = {"title": "My shows", "shows": chosen, "filter": which, "sort": sort, "counts": counts, **pager}
        return _page(request, session, "library_shows.html", context)

    return await _read(request, build)


@router.get("/library/upnext")
async def up_next(request: Request) -> Response:
    async def build(session: Session, scoped: Scoped) -> Response:
        shows, pager = _paged(request, library.up_next(await library.progress(scoped, _now(request))))
        undo = _id(request.query_params.get("undo", ""))
        context = {"title": "Up next", "shows": shows, "undo": undo, **pager}
        return _page(request, session, "library_upnext.html", context)

    return await _read(request, build)


@router.get("/library/calendar")
async def calendar(request: Request) -> Response:
    view = "month" if request.query_params.get("view") == "month" else "week"

    async def build(session: Session, scoped: Scoped) -> Response:
        tz = library.zone(session.time_zone)
        today = dt.datetime.fromtimestamp(_now(request).epoch, tz).date()
        try:
            start = dt.date.fromisoformat(request.query_params.get("start", ""))
        except ValueError:
            start = today
        if not 1900 <= start.year <= 2200:  # also keeps every date computed below in range
            start = today
        if view == "month":
            first = start.replace(day=1)
            last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            previous, following = (first - dt.timedelta(days=1)).replace(day=1), last + dt.timedelta(days=1)
        else:  # this week and the next, from Monday
            first = start - dt.timedelta(days=start.weekday())
            last = first + dt.timedelta(days=13)
            previous, following = first - dt.timedelta(days=14), first + dt.timedelta(days=14)
        episodes = await library.airing(
            scoped, library.local_midnight(first, tz), library.local_midnight(last + dt.timedelta(days=1), tz)
        )
        days = library.by_day(episodes, tz, first, last, keep_empty=view == "week")
        context = {
            "title": "Calendar",
            "view": view,
            "days": days,
            "first": first,
            "last": last,
            "today": today,
            "previous": previous,
            "following": following,
        }
        return _page(request, session, "library_calendar.html", context)

    return await _read(request, build)


@router.get("/library/shows/{show_id}")
async def show_page(request: Request, show_id: str) -> Response:
    found = _id(show_id)
    season_text = request.query_params.get("season", "")
    season = int(season_text) if season_text.isascii() and season_text.isdigit() and len(season_text) < 6 else None

    async def build(session: Session, scoped: Scoped) -> Response:
        if found is None:
            raise ApiError(404, "This show does not exist")
        page = await library.show_page(scoped, found, season, _now(request))
        context = {"title": page.data.get("name") or "Show", "show": page, "marks": _MARK_NAMES}
        return _page(request, session, "library_show.html", context)

    return await _read(request, build, "show")


@router.get("/library/episodes/{episode_id}")
async def episode_link(request: Request, episode_id: str) -> Response:
    """Where the iCal feed's event links lead: the episode in its show's page."""
    found = _id(episode_id)

    async def build(session: Session, scoped: Scoped) -> Response:
        row = None
        if found is not None:
            row = await scoped.conn.fetch_one("SELECT show_id, season FROM episodes WHERE id = :id", {"id": found})
        if row is None:
            raise ApiError(404, "This episode does not exist")
        season = "" if row["season"] is None else f"?season={row['season']}"
        return redirect(f"/library/shows/{row['show_id']}{season}#episode-{found}")

    return await _read(request, build, "episode")


@router.get("/library/search")
async def search_page(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()[:200]

    async def build(session: Session, scoped: Scoped) -> Response:
        results: list[dict[str, Any]] = []
        if query:
            hits = await catalog_search(scoped.conn, "shows", query)
            followed = await library.followed_among(scoped, [h.id for h in hits])
            for hit in hits:
                # The search hands catalog JSON on as a Fragment, for splicing; read it back here.
                data = orjson.loads(orjson.dumps(hit.data)) if hit.data is not None else {}
                results.append(
                    {
                        "id": hit.id,
                        "name": data.get("name") or "",
                        "premiered": (data.get("premiered") or "")[:4],
                        "status": data.get("status") or "",
                        "channel": library.channel(data),
                        "summary": library.plain_text(data.get("summary"))[:200],
                        "followed": hit.id in followed,
                    }
                )
        return _page(request, session, "library_search.html", {"title": "Search", "q": query, "results": results})

    return await _read(request, build)


@router.get("/library/history")
async def history_page(request: Request) -> Response:
    page = _page_number(request)

    async def build(session: Session, scoped: Scoped) -> Response:
        episodes, more = await library.history(scoped, page)
        tz = library.zone(session.time_zone)
        groups: list[tuple[str, list[library.Episode]]] = []
        for episode in episodes:
            day = _when(episode.marked_at, tz)[:10] if episode.marked_at else "Unknown date"
            if not groups or groups[-1][0] != day:
                groups.append((day, []))
            groups[-1][1].append(episode)
        undone = request.query_params.get("undone") == "1"
        context = {"title": "History", "groups": groups, "page": page, "more": more, "undone": undone}
        return _page(request, session, "library_history.html", context)

    return await _read(request, build)


@router.get("/library/follows")
async def follows_page(request: Request) -> Response:
    async def build(session: Session, scoped: Scoped) -> Response:
        found = await library.other_follows(scoped)
        return _page(request, session, "library_follows.html", {"title": "People, networks and channels", **found})

    return await _read(request, build)


@router.get("/library/settings")
async def settings_page(request: Request) -> Response:
    session = await sessions.session_of(request)
    if session is None:
        return login_redirect(request)
    context = {
        "title": "Library settings",
        "zones": library.zone_names(),
        "saved": "saved" in request.query_params,
        "hide_tz_banner": True,
    }
    return _page(request, session, "library_settings.html", context)


# --- writes ---------------------------------------------------------------------------------


def _path_id(text: str, noun: str) -> int:
    found = _id(text)
    if found is None:
        raise ApiError(404, f"This {noun} does not exist")
    return found


@router.post("/library/settings")
async def save_settings(request: Request) -> Response:
    async def action(scoped: Scoped, fields: dict[str, str]) -> dict[str, Any]:
        await library.set_time_zone(scoped.conn, scoped.user_id, fields.get("time_zone", ""))
        return {"saved": 1} if not fields.get("next") else {}

    return await _write(request, "/library/settings", action)


@router.post("/library/shows/{show_id}/follow")
async def follow_show(request: Request, show_id: str) -> Response:
    async def action(scoped: Scoped, fields: dict[str, str]) -> None:
        await follows.follow(scoped, SHOW, _path_id(show_id, "show"), now=_now(request).epoch)

    return await _write(request, f"/library/shows/{show_id}", action)


@router.post("/library/shows/{show_id}/unfollow")
async def unfollow_show(request: Request, show_id: str) -> Response:
    async def action(scoped: Scoped, fields: dict[str, str]) -> None:
        await follows.unfollow(scoped, SHOW, _path_id(show_id, "show"))

    return await _write(request, f"/library/shows/{show_id}", action)


@router.post("/library/shows/{show_id}/watched")
async def mark_show_watched(request: Request, show_id: str) -> Response:
    """ "Mark season watched" (with `season`) and "mark everything aired watched" (without)."""

    async def action(scoped: Scoped, fields: dict[str, str]) -> dict[str, Any]:
        season_text = fields.get("season", "")
        season = integer(season_text) if season_text else None
        if season_text and season is None:
            raise ApiError(404, "This show has no such season")
        count = await library.mark_aired_watched(scoped, _path_id(show_id, "show"), season, _now(request))
        return {"marked": count}

    return await _write(request, f"/library/shows/{show_id}", action)


@router.post("/library/shows/{show_id}/vote")
async def vote_show(request: Request, show_id: str) -> Response:
    async def action(scoped: Scoped, fields: dict[str, str]) -> None:
        target = _path_id(show_id, "show")
        if fields.get("vote", "") == "":
            try:
                await votes.unvote(scoped, SHOW, target)
            except ApiError as exc:  # nothing to remove is what was asked for
                if exc.status != 404:
                    raise
            return
        await votes.vote(scoped, SHOW, target, {"vote": fields.get("vote")}, now=_now(request).epoch)

    return await _write(request, f"/library/shows/{show_id}", action)


@router.post("/library/shows/{show_id}/tags")
async def tag_show(request: Request, show_id: str) -> Response:
    """Add the show to a tag (`tag_id`, or a new tag `name`), or take it off one (`remove`)."""

    async def action(scoped: Scoped, fields: dict[str, str]) -> None:
        target = _path_id(show_id, "show")
        if fields.get("name", "").strip():
            created = await tags.create_tag(scoped, {"name": fields["name"]})
            await tags.tag_show(scoped, created["id"], target)
            return
        tag_id = _path_id(fields.get("tag_id", ""), "tag")
        if fields.get("remove"):
            await tags.untag_show(scoped, tag_id, target)
        else:
            await tags.tag_show(scoped, tag_id, target)

    return await _write(request, f"/library/shows/{show_id}", action)


@router.post("/library/episodes/{episode_id}/mark")
async def mark_episode(request: Request, episode_id: str) -> Response:
    async def action(scoped: Scoped, fields: dict[str, str]) -> dict[str, Any]:
        target = _path_id(episode_id, "episode")
        await marks.mark(scoped, target, {"type": fields.get("type", "0")}, now=_now(request).epoch)
        return {"undo": target} if fields.get("undoable") else {}

    return await _write(request, "/library/upnext", action)


@router.post("/library/episodes/{episode_id}/unmark")
async def unmark_episode(request: Request, episode_id: str) -> Response:
    async def action(scoped: Scoped, fields: dict[str, str]) -> dict[str, Any]:
        await marks.unmark(scoped, _path_id(episode_id, "episode"))
        return {"undone": 1} if fields.get("announce") else {}

    return await _write(request, "/library/history", action)


@router.post("/library/follows/{kind}/{target_id}/unfollow")
async def unfollow_other(request: Request, kind: str, target_id: str) -> Response:
    async def action(scoped: Scoped, fields: dict[str, str]) -> None:
        found = _FOLLOW_KINDS.get(kind)
        if found is None:
            raise ApiError(404, "There is nothing to unfollow here")
        await follows.unfollow(scoped, found, _path_id(target_id, found.noun))

    return await _write(request, "/library/follows", action)


@router.post("/library/ical/rotate")
async def rotate_ical(request: Request) -> Response:
    state = services(request)

    async def action(scoped: Scoped, fields: dict[str, str]) -> None:
        await links.rotate_token(scoped.conn, state.secret, scoped.user_id, links.ICAL, int(state.clock()))

    return await _write(request, "/account?done=ical", action)


# --- the iCal feed ----------------------------------------------------------------------------


@router.api_route("/ical/followed", methods=["GET", "HEAD"])
async def ical_feed(request: Request) -> Response:
    state = services(request)
    now = dt.datetime.fromtimestamp(state.clock(), dt.UTC)
    token = request.query_params.get("token", "")
    async with state.db.read() as conn:
        link = await links.find_token(conn, state.secret, links.ICAL, token)
        if link is None:
            raise ApiError(404, "Unknown calendar token")
        start, end = ical.window(now.date())
        episodes = await library.airing(Scoped(conn, link["user_id"]), start, end)
    base = base_url(request)
    body = ical.calendar(episodes, base, urlsplit(base).hostname or "openmaze", now)
    etag = ical.etag_of(body)
    changed_at = link["changed_at"]
    if etag != link["etag"] or changed_at is None:
        changed_at = int(now.timestamp())
        async with state.db.transaction() as conn:
            await conn.execute(
                "UPDATE link_tokens SET etag = :e, changed_at = :t WHERE user_id = :u AND kind = :k",
                {"e": etag, "t": changed_at, "u": link["user_id"], "k": links.ICAL},
            )
    headers = {
        "ETag": f'"{etag}"',
        "Last-Modified": _http_date(changed_at),
        "Cache-Control": "private, max-age=0, must-revalidate",
    }
    if _not_modified(request, etag, changed_at):
        return Response(status_code=304, headers=headers)
    return Response(
        b"" if request.method == "HEAD" else body,
        media_type="text/calendar; charset=utf-8",
        headers={**headers, "Content-Length": str(len(body))},
    )


def _http_date(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def _not_modified(request: Request, etag: str, changed_at: int) -> bool:
    # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.2.2).
    match = request.headers.get("if-none-match")
    if match is not None:
        return match.strip() == "*" or f'"{etag}"' in [t.strip().removeprefix("W/") for t in match.split(",")]
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return changed_at <= int(
                dt.datetime.strptime(since, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=dt.UTC).timestamp()
            )
        except ValueError:
            return False
    return False


# --- the dashboard's part -----------------------------------------------------------------------


async def _dashboard_links(request: Request, session: Session) -> dict[str, Any]:
    state = services(request)
    async with state.db.read() as conn:
        token = await links.known_token(conn, state.secret, session.user_id, links.ICAL)
    if token is None:
        async with state.db.transaction() as conn:
            token = await links.ensure_token(conn, state.secret, session.user_id, links.ICAL, int(state.clock()))
    return {
        "ical_url": links.url_of(base_url(request), links.ICAL, token),
        "ical_rotated": request.query_params.get("done") == "ical",
    }


if _dashboard_links not in account.DASHBOARD_PANELS:
    account.DASHBOARD_PANELS.append(_dashboard_links)
