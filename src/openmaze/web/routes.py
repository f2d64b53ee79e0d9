"""The account pages (server-rendered, plain forms, no scripts). This module: the
stylesheet, login/logout, optional signup and email-address confirmation; the dashboard
is in `openmaze.web.account`, the device-pairing confirm page in `openmaze.web.pair`.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from starlette.responses import Response

from openmaze.auth import accounts
from openmaze.auth.emails import confirm_address_email
from openmaze.auth.passwords import verify_password
from openmaze.core.links import verify_email_url
from openmaze.core.mail import send_quietly
from openmaze.core.ratelimit import client_address
from openmaze.core.services import services
from openmaze.web import sessions
from openmaze.web.account import router as account_router
from openmaze.web.imports import router as imports_router
from openmaze.web.media import router as media_router
from openmaze.web.pages import HERE, csrf_failed, form, message, redirect, render, safe_next, secure
from openmaze.web.pair import router as pair_router
from openmaze.web.sessions import CSRF_FIELD
from openmaze.web.verification import TOKEN_TTL_SECONDS, new_token
from openmaze.web.verification import confirm as confirm_token
from openmaze.web.verification import find as find_token

router = APIRouter(include_in_schema=False)
router.include_router(account_router)
router.include_router(media_router)
router.include_router(pair_router)
router.include_router(imports_router)

_CSS = (HERE / "static" / "style.css").read_bytes()


@router.get("/static/style.css")
async def stylesheet() -> Response:
    return secure(Response(_CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}))


@router.get("/")
async def home() -> Response:
    """People who open the server's address in a browser land on their account page (or the
    login that guards it); TVmaze's API has nothing at the root, so no client expects more."""
    return redirect("/account")


# --- login / logout -----------------------------------------------------------------------


@router.get("/login")
async def login_page(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if await sessions.session_of(request) is not None:
        return redirect(next_url)
    return render(request, "login.html", {"next": next_url, "title": "Log in"})


async def _find_login(request: Request, name: str) -> Any | None:
    async with services(request).db.read() as conn:
        if "@" in name:
            return await conn.fetch_one(
                "SELECT id, username, password_hash FROM users WHERE email_lower = :e", {"e": name.lower()}
            )
        return await accounts.find_user(conn, name)


@router.post("/login")
async def login(request: Request) -> Response:
    fields = await form(request)
    name = fields.get("username", "").strip()
    password = fields.get("password", "")
    next_url = safe_next(fields.get("next"))
    ctx = {"next": next_url, "title": "Log in", "username": name}
    if not sessions.csrf_ok(request, fields.get(CSRF_FIELD), None):
        return csrf_failed(request, None)
    state = services(request)
    spec = state.settings.rate_limit_login
    # Both limits count every attempt: per address slows a guesser trying many accounts,
    # per account slows many addresses guessing one password.
    retry = await state.limiter.hit(spec, "login-address", client_address(request, state.limiter.trust_proxy))
    if retry is None and name:
        retry = await state.limiter.hit(spec, "login-user", name.lower())
    if retry is not None:
        wait = math.ceil(retry)
        error = f"Too many login attempts. Try again in {wait} seconds."
        return render(request, "login.html", {**ctx, "error": error}, status=429, headers={"Retry-After": str(wait)})
    user = await _find_login(request, name) if name else None
    # argon2 takes tens of milliseconds: keep it off the event loop.
    valid = await verify_password(user["password_hash"] if user else None, password)
    if user is None or not valid:
        return render(request, "login.html", {**ctx, "error": "Wrong username or password."}, status=401)
    response = redirect(next_url)
    async with state.db.transaction() as conn:
        await sessions.create(conn, request, response, user["id"])
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    session = await sessions.session_of(request)
    fields = await form(request)
    if session is None:
        return redirect("/login")
    if not sessions.csrf_ok(request, fields.get(CSRF_FIELD), session):
        return csrf_failed(request, session)
    response = redirect("/login")
    async with services(request).db.transaction() as conn:
        await sessions.destroy(conn, request, response, session)
    return response


# --- signup (off unless OPENMAZE_SIGNUP_ENABLED) ------------------------------------------


def _signup_off(request: Request) -> Response:
    return message(request, "Not found", "Signing up is not enabled on this server.", status=404)


@router.get("/signup")
async def signup_page(request: Request) -> Response:
    if not services(request).settings.signup_enabled:
        return _signup_off(request)
    return render(request, "signup.html", {"title": "Sign up"})


@router.post("/signup")
async def signup(request: Request, background: BackgroundTasks) -> Response:
    state = services(request)
    if not state.settings.signup_enabled:
        return _signup_off(request)
    fields = await form(request)
    if not sessions.csrf_ok(request, fields.get(CSRF_FIELD), None):
        return csrf_failed(request, None)
    username = fields.get("username", "").strip()
    email = fields.get("email", "").strip()
    password = fields.get("password", "")
    ctx = {"title": "Sign up", "username": username, "email": email}
    retry = await state.limiter.hit(
        state.settings.rate_limit_login, "signup-address", client_address(request, state.limiter.trust_proxy)
    )
    if retry is not None:
        wait = math.ceil(retry)
        error = f"Too many attempts. Try again in {wait} seconds."
        return render(request, "signup.html", {**ctx, "error": error}, status=429, headers={"Retry-After": str(wait)})
    if password != fields.get("password2", ""):
        return render(request, "signup.html", {**ctx, "error": "The two passwords differ."}, status=422)
    response = redirect("/account")
    try:
        hashed = await accounts.new_password(password)
        async with state.db.transaction() as conn:
            user_id = await accounts.create_user(conn, username, email, password=hashed, email_confirmed=False)
            token = await new_token(conn, state.secret, user_id, state.clock())
            await sessions.create(conn, request, response, user_id)
    except accounts.AccountError as exc:
        msg = str(exc)
        return render(request, "signup.html", {**ctx, "error": msg[:1].upper() + msg[1:] + "."}, status=422)
    subject, text = confirm_address_email(username, verify_email_url(request, token), TOKEN_TTL_SECONDS)
    background.add_task(send_quietly, state.mailer, email, subject, text)
    return response


# --- email-address confirmation -----------------------------------------------------------
# The link opens a page with a button rather than confirming on GET: mail scanners and
# link previews fetch links, and must not confirm an address on the reader's behalf.


def _bad_link(request: Request, session: sessions.Session | None) -> Response:
    return message(
        request,
        "Link not valid",
        "This confirmation link is not valid or has expired. Log in to ask for a new one.",
        status=404,
        session=session,
    )


@router.get("/verify-email/{token}")
async def verify_email_page(request: Request, token: str) -> Response:
    session = await sessions.session_of(request)
    state = services(request)
    async with state.db.read() as conn:
        user = await find_token(conn, state.secret, token, state.clock())
    if user is None:
        return _bad_link(request, session)
    return render(
        request,
        "verify_email.html",
        {"title": "Confirm your email address", "user": user, "token": token},
        session=session,
    )


@router.post("/verify-email/{token}")
async def verify_email(request: Request, token: str) -> Response:
    session = await sessions.session_of(request)
    fields = await form(request)
    submitted = fields.get(CSRF_FIELD)
    if not (sessions.csrf_ok(request, submitted, session) or sessions.csrf_ok(request, submitted, None)):
        return csrf_failed(request, session)
    state = services(request)
    async with state.db.transaction() as conn:
        user = await confirm_token(conn, state.secret, token, state.clock())
    if user is None:
        return _bad_link(request, session)
    return message(
        request,
        "Email address confirmed",
        f"Thank you: {user['email']} is confirmed. Devices can now ask for access with it.",
        session=session,
    )
