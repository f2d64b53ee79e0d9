"""The "Moving in" page (`/account/import`): upload a Trakt or TV Time export ZIP, or start
a TVmaze import with a TVmaze username and API key. Each runs as a durable background job
(`openmaze.imports.jobs`); the page shows its progress (it reloads itself while the job
runs; the pages have no scripts) and then the report, with every unmatched item, until the
next import. Forms carry the session's CSRF token like every other account form; writes
answer with a redirect (post/redirect/get).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from openmaze.core.scope import Scoped
from openmaze.core.services import services
from openmaze.imports.archive import ImportFileError, Limits
from openmaze.imports.jobs import KINDS, check_file, start_file_import, start_tvmaze_import
from openmaze.imports.sources import NAMES
from openmaze.jobs import latest_job
from openmaze.web import sessions
from openmaze.web.pages import csrf_failed, logged_in_form, login_redirect, redirect, render
from openmaze.web.sessions import CSRF_FIELD, Session

router = APIRouter(include_in_schema=False)

IMPORT_PAGE = "/account/import"
IMPORT_UPLOAD_PATH = "/account/import/file"
# The report's unmatched items shown on the page; the rest are counted (all are in the job).
SHOWN_UNMATCHED = 1000
_MiB = 1024 * 1024


async def _page(request: Request, session: Session, *, error: str | None = None, status: int = 200) -> Response:
    state = services(request)
    async with state.db.read() as conn:
        job = await latest_job(Scoped(conn, session.user_id), KINDS)
    context: dict[str, Any] = {
        "title": "Moving in",
        "job": job,
        "source_name": NAMES.get(job.kind.removeprefix("import."), "") if job else "",
        "error": error,
        "max_upload_mb": state.settings.imports_max_upload_mb,
        "shown_unmatched": SHOWN_UNMATCHED,
        "running": job is not None and not job.finished,
    }
    headers = {"Refresh": "3"} if context["running"] else None
    return render(request, "import.html", context, session=session, status=status, headers=headers)


@router.get(IMPORT_PAGE)
async def import_page(request: Request) -> Response:
    session = await sessions.session_of(request)
    if session is None:
        return login_redirect(request)
    return await _page(request, session)


async def _busy(request: Request, session: Session) -> Response | None:
    async with services(request).db.read() as conn:
        job = await latest_job(Scoped(conn, session.user_id), KINDS)
    if job is not None and not job.finished:
        return await _page(request, session, error="An import is already running; wait for its report.", status=409)
    return None


@router.post(IMPORT_UPLOAD_PATH)
async def upload(request: Request) -> Response:
    session = await sessions.session_of(request)
    if session is None:
        return login_redirect(request)
    state = services(request)
    try:
        fields = await request.form(max_files=1, max_fields=8)
    except Exception:  # a malformed multipart body: the person gets the page back
        return await _page(request, session, error="The upload did not arrive whole; try again.", status=400)
    token = fields.get(CSRF_FIELD)
    if not sessions.csrf_ok(request, token if isinstance(token, str) else None, session):
        return csrf_failed(request, session)
    source = fields.get("source")
    upload = fields.get("file")
    if source not in ("trakt", "tvtime"):
        return await _page(request, session, error="Choose Trakt or TV Time.", status=422)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _page(request, session, error="Choose the export ZIP to upload.", status=422)
    busy = await _busy(request, session)
    if busy is not None:
        return busy
    data = await upload.read()
    label = upload.filename.rsplit("/", 1)[-1][:200]
    try:
        await check_file(source, data, label, Limits(max_bytes=state.settings.imports_max_unpacked_mb * _MiB))
    except ImportFileError as exc:
        return await _page(request, session, error=str(exc), status=422)
    async with state.db.transaction() as conn:
        await start_file_import(conn, session.user_id, source, data, label, now=state.clock())
    return redirect(IMPORT_PAGE)


@router.post("/account/import/tvmaze")
async def start_tvmaze(request: Request) -> Response:
    posted = await logged_in_form(request)
    if isinstance(posted, Response):
        return posted
    session, fields = posted
    username, key = fields.get("tvmaze_user", "").strip(), fields.get("tvmaze_key", "").strip()
    if not username or not key:
        return await _page(request, session, error="Give your TVmaze username and API key.", status=422)
    busy = await _busy(request, session)
    if busy is not None:
        return busy
    state = services(request)
    async with state.db.transaction() as conn:
        await start_tvmaze_import(conn, state.secret, session.user_id, username, key, now=state.clock())
    return redirect(IMPORT_PAGE)
