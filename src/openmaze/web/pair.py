"""The confirm page a pairing link opens: "Allow <client> to use your account?".

Answering needs a login as the account the request was made for. The device itself
received `confirm_url`, so the code in the link alone must never be enough.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from openmaze.auth import service
from openmaze.core.services import services
from openmaze.web import sessions
from openmaze.web.pages import logged_in_form, login_redirect, message, render
from openmaze.web.sessions import Session

router = APIRouter(include_in_schema=False)


async def _load(request: Request, code: str) -> Any | None:
    state = services(request)
    async with state.db.read() as conn:
        return await service.find_by_code(conn, state.secret, code)


def _unavailable(request: Request, pairing: Any | None, session: Session | None) -> Response | None:
    """The page to show when this request cannot be answered (any more)."""
    now = int(services(request).clock())
    if pairing is None:
        text = "There is no such request. Check that you opened the whole link."
    elif pairing["state"] in (service.CONFIRMED, service.CLAIMED):
        text = f"You already allowed {pairing['client_name']} to use your account."
    elif pairing["state"] == service.DENIED:
        text = f"You denied this request from {pairing['client_name']}."
    elif pairing["expires_at"] <= now:
        text = "This request has expired. Start the pairing again on your device."
    else:
        return None
    return message(request, "Request not available", text, status=404, session=session)


def _wrong_account(request: Request, session: Session) -> Response:
    return message(
        request,
        "A different account",
        f"This request is for another account, not {session.username}. "
        "Log out, then open the link again and log in as the account it was sent to.",
        status=403,
        session=session,
    )


@router.get("/pair/{code}")
async def confirm_page(request: Request, code: str) -> Response:
    session = await sessions.session_of(request)
    pairing = await _load(request, code)
    gone = _unavailable(request, pairing, session)
    if gone is not None:
        return gone
    if session is None:
        return login_redirect(request)
    if pairing is None or pairing["user_id"] != session.user_id:
        return _wrong_account(request, session)
    return render(request, "pair.html", {"title": "Allow access?", "pairing": pairing, "code": code}, session=session)


@router.post("/pair/{code}")
async def answer(request: Request, code: str) -> Response:
    posted = await logged_in_form(request)
    if isinstance(posted, Response):
        return posted
    session, fields = posted
    decision = fields.get("decision")
    if decision not in ("allow", "deny"):
        return message(request, "Choose", "Please press Allow or Deny.", status=422, session=session)
    pairing = await _load(request, code)
    gone = _unavailable(request, pairing, session)
    if gone is not None:
        return gone
    if pairing is None or pairing["user_id"] != session.user_id:
        return _wrong_account(request, session)
    state = services(request)
    async with state.db.transaction() as conn:
        done = await service.decide(conn, pairing["id"], session.user_id, allow=decision == "allow", now=state.clock())
    if not done:  # answered or expired in the meantime
        return _unavailable(request, await _load(request, code), session) or message(
            request, "Request not available", "This request can no longer be answered.", status=404, session=session
        )
    if decision == "allow":
        return message(
            request,
            "Access allowed",
            f"{pairing['client_name']} can now use your account. It receives its own API key, "
            "which you can revoke on your account page at any time.",
            session=session,
        )
    return message(request, "Access denied", f"{pairing['client_name']} was not given access.", session=session)
