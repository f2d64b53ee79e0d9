"""The dashboard: account facts, API keys (create, shown once; revoke), password change,
and re-sending the email-address confirmation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from starlette.responses import Response

from openmaze.auth import accounts
from openmaze.auth.emails import confirm_address_email
from openmaze.auth.passwords import verify_password
from openmaze.core.fields import PathId
from openmaze.core.links import verify_email_url
from openmaze.core.mail import send_quietly
from openmaze.core.services import services
from openmaze.web import sessions
from openmaze.web.pages import logged_in_form, login_redirect, message, redirect, render
from openmaze.web.sessions import Session
from openmaze.web.verification import TOKEN_TTL_SECONDS, new_token

router = APIRouter(include_in_schema=False)

_NOTICES = {
    "revoked": "The key was revoked. Devices using it can no longer sign in.",
    "password": "Your password was changed. Other browsers logged in as you were logged out.",
    "sent": "We sent you a confirmation link. It works for 48 hours.",
}


async def _dashboard(
    request: Request, session: Session, *, new_key: accounts.NewKey | None = None, status: int = 200
) -> Response:
    async with services(request).db.read() as conn:
        keys = await accounts.list_keys(conn, session.user_id)
    notice = _NOTICES.get(request.query_params.get("done", ""))
    context: dict[str, Any] = {"title": "Your account", "keys": keys, "new_key": new_key, "notice": notice}
    return render(request, "dashboard.html", context, session=session, status=status)


@router.get("/account")
async def dashboard(request: Request) -> Response:
    session = await sessions.session_of(request)
    if session is None:
        return login_redirect(request)
    return await _dashboard(request, session)


@router.post("/account/keys")
async def create_key(request: Request) -> Response:
    posted = await logged_in_form(request)
    if isinstance(posted, Response):
        return posted
    session, fields = posted
    state = services(request)
    async with state.db.transaction() as conn:
        new = await accounts.create_key(conn, state.secret, session.user_id, fields.get("name", ""))
    # Rendered in the response to this POST, not after a redirect: the key exists in
    # clear only here, and is never stored anywhere it could be shown from again.
    return await _dashboard(request, session, new_key=new)


@router.post("/account/keys/{key_id}/revoke")
async def revoke_key(request: Request, key_id: PathId) -> Response:
    posted = await logged_in_form(request)
    if isinstance(posted, Response):
        return posted
    session, _ = posted
    async with services(request).db.transaction() as conn:
        revoked = await accounts.revoke_key(conn, session.user_id, key_id)
    if not revoked:
        return message(request, "No such key", "You have no active key with that number.", status=404, session=session)
    # Immediately on this worker; other workers' caches expire within auth_cache_seconds.
    services(request).authenticator.forget_key(key_id)
    return redirect("/account?done=revoked")


@router.get("/account/password")
async def password_page(request: Request) -> Response:
    session = await sessions.session_of(request)
    if session is None:
        return login_redirect(request)
    return render(request, "password.html", {"title": "Change your password"}, session=session)


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    posted = await logged_in_form(request)
    if isinstance(posted, Response):
        return posted
    session, fields = posted
    current, new, repeat = fields.get("current", ""), fields.get("password", ""), fields.get("password2", "")

    def fail(error: str, status: int = 422) -> Response:
        return render(
            request, "password.html", {"title": "Change your password", "error": error}, session=session, status=status
        )

    state = services(request)
    async with state.db.read() as conn:
        stored = await conn.fetch_val("SELECT password_hash FROM users WHERE id = :u", {"u": session.user_id})
    if not await verify_password(stored, current):
        return fail("Your current password is not right.", 403)
    if new != repeat:
        return fail("The two new passwords differ.")
    try:
        hashed = await accounts.new_password(new)
        async with state.db.transaction() as conn:
            await accounts.set_password(conn, session.user_id, hashed)
            await sessions.end_other_sessions(conn, session)
    except accounts.AccountError as exc:
        msg = str(exc)
        return fail(msg[:1].upper() + msg[1:] + ".")
    return redirect("/account?done=password")


@router.post("/account/confirm-email")
async def resend_confirmation(request: Request, background: BackgroundTasks) -> Response:
    posted = await logged_in_form(request)
    if isinstance(posted, Response):
        return posted
    session, _ = posted
    if session.email_confirmed:
        return redirect("/account")
    state = services(request)
    spec = state.settings.rate_limit_pairing_start_email
    retry = await state.limiter.hit(spec, "confirm-email", str(session.user_id))
    if retry is not None:
        return message(
            request, "Slow down", "We sent you several links already; try again later.", status=429, session=session
        )
    async with state.db.transaction() as conn:
        token = await new_token(conn, state.secret, session.user_id, state.clock())
    subject, text = confirm_address_email(session.username, verify_email_url(request, token), TOKEN_TTL_SECONDS)
    background.add_task(send_quietly, state.mailer, session.email, subject, text)
    return redirect("/account?done=sent")
