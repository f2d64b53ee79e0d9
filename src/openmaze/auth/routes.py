"""`/v1/auth/*`: credential validation and device pairing (`/auth/start`, `/auth/poll`).
HTTP in and out only; the pairing rules live in `openmaze.auth.service`.
"""

from __future__ import annotations

import math

from fastapi import APIRouter, BackgroundTasks, Request
from starlette.responses import Response

from openmaze.auth import service
from openmaze.auth.credentials import CurrentUser
from openmaze.auth.emails import pairing_email
from openmaze.auth.schemas import POLL_BODY, POLL_RESPONSES, START_BODY, START_RESPONSES
from openmaze.core.body import read_fields
from openmaze.core.errors import ApiError
from openmaze.core.fastpath import DirectRoute
from openmaze.core.fields import FieldErrors, parse_fields
from openmaze.core.links import pair_url
from openmaze.core.mail import send_quietly
from openmaze.core.ratelimit import client_address
from openmaze.core.responses import ok
from openmaze.core.services import services

router = APIRouter(prefix="/v1", tags=["auth"], route_class=DirectRoute)


@router.get("/auth/validate", summary="Validate Your Authentication Credentials")
async def validate(user: CurrentUser) -> Response:
    return ok({"premium": user.premium})


@router.post(
    "/auth/start",
    summary="Start an Authentication Request",
    responses=START_RESPONSES,
    openapi_extra=START_BODY,
    response_model=None,
)
async def start(request: Request, background: BackgroundTasks) -> Response:
    try:
        values = parse_fields(await read_fields(request), service.START_FIELDS)
    except FieldErrors as exc:
        raise exc.api_error() from None
    email: str = values["email"]
    # Absent, null or blank (an empty form field) all mean the documented default, true.
    email_confirmation = values["email_confirmation"] is not False
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
    try:
        token: str = parse_fields(await read_fields(request), service.POLL_FIELDS)["token"]
    except FieldErrors as exc:
        raise exc.api_error() from None
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
