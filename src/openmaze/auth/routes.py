"""`/v1/auth/*`: credential validation and device pairing (`/auth/start`, `/auth/poll`).
HTTP in and out only; the pairing rules live in `openmaze.auth.service`.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from starlette.responses import Response

from openmaze.auth import service
from openmaze.auth.credentials import CurrentUser
from openmaze.auth.emails import pairing_email
from openmaze.auth.schemas import POLL_BODY, POLL_RESPONSES, START_BODY, START_RESPONSES
from openmaze.core.body import read_fields
from openmaze.core.errors import ApiError
from openmaze.core.links import pair_url
from openmaze.core.mail import send_quietly
from openmaze.core.ratelimit import client_address
from openmaze.core.responses import ok
from openmaze.core.services import services

router = APIRouter(prefix="/v1", tags=["auth"])


@router.get("/auth/validate", summary="Validate Your Authentication Credentials")
async def validate(user: CurrentUser) -> Response:
    return ok({"premium": user.premium})


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _flag(value: Any, field: str) -> bool:
    """A boolean from JSON (true/false) or a form ("true", "0", ...)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ApiError(422, "Data validation failed.", {field: ["must be true or false"]})


def _text(fields: dict[str, Any], field: str) -> str:
    value = fields.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, "Data validation failed.", {field: ["is required"]})
    return value.strip()


@router.post(
    "/auth/start",
    summary="Start an Authentication Request",
    responses=START_RESPONSES,
    openapi_extra=START_BODY,
    response_model=None,
)
async def start(request: Request, background: BackgroundTasks) -> Response:
    fields = await read_fields(request)
    email = _text(fields, "email")
    if len(email) > 254:  # no stored address is longer; keeps rate-limit keys small too
        raise ApiError(422, "Data validation failed.", {"email": ["is not an email address"]})
    # Absent, null or blank (an empty form field) all mean the documented default, true.
    raw_flag = fields.get("email_confirmation")
    email_confirmation = True if raw_flag is None or raw_flag == "" else _flag(raw_flag, "email_confirmation")
    state = services(request)
    settings = state.settings
    address = client_address(request, settings.trust_proxy_headers)
    # Limits come before the lookup, so they also slow down probing for addresses.
    limiter, too_fast = state.limiter, service.START_TOO_FAST
    per_address, per_email = settings.rate_limit_pairing_start_address, settings.rate_limit_pairing_start_email
    await limiter.check(request, per_address, "pairing-address", address, message=too_fast)
    await limiter.check(request, per_email, "pairing-email", email.lower(), message=too_fast)
    async with state.db.transaction() as conn:
        started = await service.start(
            conn,
            state.secret,
            email=email,
            email_confirmation=email_confirmation,
            client=service.client_name(request.headers.get("user-agent")),
            address=address,
            now=state.clock(),
            ttl_seconds=settings.pairing_ttl_seconds,
            confirmed=state.auto_confirm_pairings,
        )
    link = pair_url(request, started.confirm_code)
    if email_confirmation and not state.auto_confirm_pairings:  # nothing left for the person to do
        subject, text = pairing_email(started.username, started.client_name, link, settings.pairing_ttl_seconds)
        background.add_task(send_quietly, state.mailer, started.email, subject, text)
    return ok({"token": started.token, "confirm_url": link})


@router.post(
    "/auth/poll",
    summary="Poll Whether an Authentication Request Was Confirmed",
    responses=POLL_RESPONSES,
    openapi_extra=POLL_BODY,
    response_model=None,
)
async def poll(request: Request) -> Response:
    token = _text(await read_fields(request), "token")
    state = services(request)
    async with state.db.transaction() as conn:
        outcome = await service.poll(
            conn,
            state.secret,
            token,
            now=state.clock(),
            interval_seconds=state.settings.pairing_poll_interval_seconds,
        )
    if outcome.status == 200:
        return ok({"apikey": outcome.apikey, "username": outcome.username})
    if outcome.status == 403:
        raise ApiError(403, service.NOT_CONFIRMED_YET)
    if outcome.status == 429:
        raise ApiError(429, service.POLL_TOO_FAST, headers={"Retry-After": str(max(1, math.ceil(outcome.retry_after)))})
    raise ApiError(404, service.REQUEST_NOT_FOUND)
