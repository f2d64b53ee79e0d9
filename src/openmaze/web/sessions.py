"""Web logins and CSRF tokens.

Sessions are server-side rows in `web_sessions`, found by the keyed hash of a random
token that lives only in the browser's cookie (HttpOnly, SameSite=Lax, Secure when the
page is served over HTTPS). Logging out deletes the row, so a copied cookie dies with it.

CSRF: every form carries a token that a cross-site page cannot read. Logged-in forms use
the session's own random `csrf_token`; the forms shown before login (login, signup,
email confirmation) use a keyed hash of a separate random cookie, so a site that cannot
read our cookies cannot produce the matching field either.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from openmaze.auth.secrets import keyed_hash, random_token
from openmaze.core.accesslog import note_user
from openmaze.core.services import services
from openmaze.db.database import Conn

SESSION_COOKIE = "openmaze_session"
ANON_COOKIE = "openmaze_csrf"
CSRF_FIELD = "csrf_token"
PREMIUM_NAMES = {0: "None", 1: "Bronze", 2: "Silver", 3: "Gold"}


@dataclass(frozen=True)
class Session:
    token_hash: str
    user_id: int
    username: str
    email: str
    email_confirmed: bool
    premium: int
    csrf: str
    time_zone: str | None = None  # IANA name the library pages show times in; None: UTC

    @property
    def premium_name(self) -> str:
        return PREMIUM_NAMES.get(self.premium, str(self.premium))


def is_secure(request: Request) -> bool:
    """Served over HTTPS: directly, via a trusted proxy (uvicorn rewrites the scheme), or
    as configured in the public URL that people use."""
    public_url: str = services(request).settings.public_url
    return request.url.scheme == "https" or public_url.startswith("https://")


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None) -> None:
    """A cookie the pages' scripts cannot read (there are none), Secure over HTTPS."""
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=is_secure(request)
    )


async def load(conn: Conn, request: Request) -> Session | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    row = await conn.fetch_one(
        "SELECT s.token_hash, s.user_id, s.csrf_token, u.username, u.email, u.email_confirmed, u.premium, u.time_zone "
        "FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = :h AND s.expires_at > :t",
        {"h": keyed_hash(services(request).secret, "session:" + token), "t": int(services(request).clock())},
    )
    if row is None:
        return None
    return Session(
        token_hash=row["token_hash"],
        user_id=row["user_id"],
        username=row["username"],
        email=row["email"],
        email_confirmed=bool(row["email_confirmed"]),
        premium=row["premium"],
        csrf=row["csrf_token"],
        time_zone=row["time_zone"],
    )


async def create(conn: Conn, request: Request, response: Response, user_id: int) -> None:
    """Log `user_id` in: a new session row and its cookie on `response`."""
    state = services(request)
    now = int(state.clock())
    lifetime = state.settings.web_session_days * 86400
    token = random_token(40)
    await conn.execute("DELETE FROM web_sessions WHERE expires_at <= :t", {"t": now})
    await conn.execute(
        "INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, expires_at) "
        "VALUES (:h, :u, :c, :t, :exp)",
        {
            "h": keyed_hash(state.secret, "session:" + token),
            "u": user_id,
            "c": random_token(40),
            "t": now,
            "exp": now + lifetime,
        },
    )
    set_cookie(request, response, SESSION_COOKIE, token, lifetime)


async def destroy(conn: Conn, request: Request, response: Response, session: Session) -> None:
    await conn.execute("DELETE FROM web_sessions WHERE token_hash = :h", {"h": session.token_hash})
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_secure(request))


async def end_other_sessions(conn: Conn, session: Session) -> None:
    """After a password change, every other login of this user ends."""
    await conn.execute(
        "DELETE FROM web_sessions WHERE user_id = :u AND token_hash <> :h",
        {"u": session.user_id, "h": session.token_hash},
    )


# --- CSRF ---------------------------------------------------------------------------------


def _anon_field(request: Request, cookie: str) -> str:
    return keyed_hash(services(request).secret, "csrf:" + cookie)


def anonymous_csrf(request: Request) -> tuple[str, str | None]:
    """(form field value, cookie value to set or None) for a form shown before login."""
    cookie = request.cookies.get(ANON_COOKIE)
    if cookie:
        return _anon_field(request, cookie), None
    cookie = random_token(32)
    return _anon_field(request, cookie), cookie


def set_anonymous_cookie(request: Request, response: Response, cookie: str | None) -> None:
    if cookie:
        set_cookie(request, response, ANON_COOKIE, cookie, None)


def csrf_ok(request: Request, submitted: object, session: Session | None) -> bool:
    if not isinstance(submitted, str) or not submitted:
        return False
    if session is not None:
        return hmac.compare_digest(submitted, session.csrf)
    cookie = request.cookies.get(ANON_COOKIE)
    return bool(cookie) and hmac.compare_digest(submitted, _anon_field(request, cookie or ""))


async def session_of(request: Request) -> Session | None:
    """The logged-in session of this request, if any."""
    if not request.cookies.get(SESSION_COOKIE):
        return None
    async with services(request).db.read() as conn:
        session = await load(conn, request)
    if session is not None:
        note_user(request.scope, session.username)  # the access log names page users too
    return session
