"""Rendering the account pages: templates, security headers, redirects, form helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from openmaze.core.services import services
from openmaze.web.sessions import CSRF_FIELD, Session, anonymous_csrf, csrf_ok, session_of, set_anonymous_cookie

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")

# The pages need nothing but their own stylesheet: no scripts, no frames, no foreign forms.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Pairing and confirmation links carry secrets in their paths: never pass them on.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _when(epoch: int | None) -> str:
    if not epoch:
        return "never"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


templates.env.filters["when"] = _when


def secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    session: Session | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    engine: Jinja2Templates | None = None,
) -> Response:
    """A page. Anonymous pages get a CSRF field (and its cookie) of their own. `engine`: a
    package's own templates (which may extend these), instead of the account pages'."""
    ctx: dict[str, Any] = {"session": session, "signup_enabled": services(request).settings.signup_enabled}
    new_cookie = None
    if session is not None:
        ctx["csrf_token"] = session.csrf
    else:
        ctx["csrf_token"], new_cookie = anonymous_csrf(request)
    ctx.update(context or {})
    response = (engine or templates).TemplateResponse(request, name, ctx, status_code=status, headers=headers)
    set_anonymous_cookie(request, response, new_cookie)
    return secure(response)


def message(request: Request, title: str, text: str, *, status: int = 200, session: Session | None = None) -> Response:
    return render(request, "message.html", {"title": title, "text": text}, session=session, status=status)


_ERROR_TEXT = {
    404: "There is nothing at this address. Check the link, or go to your account.",
    405: "This address does not answer that kind of request. Go back and try again from the page.",
    500: "Something went wrong on the server. Try again in a moment; if it keeps happening, "
    "tell whoever runs this openmaze (the details are in its log).",
}


async def error_page(request: Request, status: int, api_message: str) -> Response:
    """The HTML page a browser gets instead of the TVmaze error body (`install_error_handlers`).
    No session lookup: after an unexpected error the database may be what failed."""
    title = {404: "Page not found", 405: "Not allowed here", 500: "Server error"}.get(status, "Error")
    return message(request, title, _ERROR_TEXT.get(status, api_message), status=status)


def csrf_failed(request: Request, session: Session | None) -> Response:
    return message(
        request,
        "Form expired",
        "This form has expired or did not come from this site. Go back, reload the page and try again.",
        status=403,
        session=session,
    )


def redirect(url: str) -> Response:
    return secure(RedirectResponse(url, status_code=303))


def safe_next(target: str | None, default: str = "/account") -> str:
    """Only local paths: a login link must not send people to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def login_redirect(request: Request) -> Response:
    return redirect("/login?next=" + quote(request.url.path, safe="/"))


async def form(request: Request) -> dict[str, str]:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


async def logged_in_form(request: Request) -> tuple[Session, dict[str, str]] | Response:
    """The session and fields of a form posted by a logged-in person with a valid CSRF
    token; otherwise the response to send instead (the login page, or the CSRF refusal).
    Every logged-in form handler starts here, so none can forget either check."""
    session = await session_of(request)
    if session is None:
        return login_redirect(request)
    fields = await form(request)
    if not csrf_ok(request, fields.get(CSRF_FIELD), session):
        return csrf_failed(request, session)
    return session, fields
