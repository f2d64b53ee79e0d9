"""`/_sandbox/*`: the control API of sandbox mode (`openmaze serve --sandbox`), documented in
docs/sandbox.md and, only in sandbox mode, in the OpenAPI document under the tag `sandbox`.

Every route needs the sandbox token as a Bearer token, compared in constant time. The
token is never logged: the access log writes no headers, and the journal skips these routes.
"""

from __future__ import annotations

import hmac
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from openmaze.core.errors import ApiError
from openmaze.core.schemas import Error, ErrorWithFields
from openmaze.core.services import services
from openmaze.sandbox import schemas, service
from openmaze.sandbox.clock import MAX_EPOCH
from openmaze.sandbox.faults import TooManyRules
from openmaze.sandbox.journal import JournalFilter
from openmaze.sandbox.middleware import CONTROL_PREFIX
from openmaze.sandbox.state import RateLimitRule, SandboxState, sandbox_state

INVALID_TOKEN = "Invalid sandbox token"
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="sandboxToken",
    description="The sandbox token `openmaze serve --sandbox` prints (or OPENMAZE_SANDBOX_TOKEN)",
)


async def sandbox_admin(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> SandboxState:
    state = sandbox_state(request)
    given = credentials.credentials.encode() if credentials is not None else b""
    if not hmac.compare_digest(given, state.token):
        if credentials is not None:  # a wrong token counts towards the failed-auth lock-out
            app = services(request)
            await app.limiter.hit_auth_failure(request, app.settings.rate_limit_auth_failures)
        raise ApiError(401, INVALID_TOKEN, headers={"WWW-Authenticate": 'Bearer realm="openmaze sandbox"'})
    return state


Admin = Annotated[SandboxState, Depends(sandbox_admin)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Error, "description": "Missing or wrong sandbox token"},
    422: {"model": ErrorWithFields, "description": "Invalid body or query"},
    429: {"model": Error, "description": "Too many wrong tokens from this address (see Retry-After)"},
}
router = APIRouter(prefix=CONTROL_PREFIX, tags=["sandbox"], responses=_ERRORS)


# --- users and data ---------------------------------------------------------------------


@router.post("/users", summary="Create a user with an API key", response_model=schemas.SandboxUser)
async def create_user(
    request: Request,
    state: Admin,
    body: Annotated[schemas.NewUser, Body()] = schemas.NewUser(),  # noqa: B008
) -> Any:
    app = services(request)
    async with app.db.transaction() as conn:
        created = await service.create_user(
            conn,
            app.secret,
            username=body.username,
            email=body.email,
            premium=body.premium,
            email_confirmed=body.email_confirmed,
        )
    return schemas.SandboxUser(**asdict(created))


@router.put(
    "/users/{username}/premium",
    summary="Change a user's premium level (their keys see it at once)",
    response_model=schemas.PremiumDone,
    responses={404: {"model": Error, "description": "No such user"}},
)
async def set_premium(request: Request, state: Admin, username: str, body: schemas.PremiumSet) -> Any:
    app = services(request)
    async with app.db.transaction() as conn:
        user_id = await service.set_premium(conn, username, body.premium)
    app.authenticator.forget_user(user_id)  # a cached login would keep the old level a few seconds
    return schemas.PremiumDone(username=username, premium=body.premium)


@router.post(
    "/users/{username}/reset",
    summary="Delete one user's follows, marks, votes, tags and pairings (the account and keys stay)",
    response_model=schemas.UserResetDone,
    responses={404: {"model": Error, "description": "No such user"}},
)
async def reset_user(request: Request, state: Admin, username: str) -> Any:
    async with services(request).db.transaction() as conn:
        deleted = await service.reset_user(conn, username)
    return schemas.UserResetDone(username=username, rows_deleted=deleted)


@router.post(
    "/reset",
    summary="Back to the loaded catalog: every user deleted, and the sandbox controls reset",
    response_model=schemas.ResetDone,
)
async def reset(request: Request, state: Admin, body: Annotated[schemas.Reset, Body()] = schemas.Reset()) -> Any:  # noqa: B008
    app = services(request)
    deleted: list[int] = []
    if body.data:
        async with app.db.transaction() as conn:
            deleted = await service.reset_all(conn)
        for user_id in deleted:  # their keys must stop working now, not when the cache expires
            app.authenticator.forget_user(user_id)
    if body.controls:
        await state.reset_controls()
    return schemas.ResetDone(users_deleted=len(deleted), controls_reset=body.controls)


# --- clock ------------------------------------------------------------------------------


def _clock(state: SandboxState) -> schemas.Clock:
    return schemas.Clock(**asdict(state.clock.state()))


@router.get("/clock", summary="The sandbox's time", response_model=schemas.Clock)
async def get_clock(state: Admin) -> Any:
    return _clock(state)


@router.put("/clock", summary="Set the time (frozen there by default)", response_model=schemas.Clock)
async def set_clock(state: Admin, body: schemas.ClockSet) -> Any:
    state.clock.set(body.now, frozen=body.frozen)
    return _clock(state)


@router.post("/clock/advance", summary="Move the time forward (or back)", response_model=schemas.Clock)
async def advance_clock(state: Admin, body: schemas.ClockAdvance) -> Any:
    # Kept within the epochs a time can be set to: dates far outside them cannot be written
    # as the ISO timestamps some answers carry.
    if not 0 <= state.clock() + body.seconds <= MAX_EPOCH:
        raise ApiError(422, "Data validation failed.", {"seconds": [f"would move the clock outside 0..{MAX_EPOCH}"]})
    state.clock.advance(body.seconds)
    return _clock(state)


@router.delete("/clock", summary="Release the clock: real time again", response_model=schemas.Clock)
async def release_clock(state: Admin) -> Any:
    state.clock.release()
    return _clock(state)


# --- pairing ----------------------------------------------------------------------------


_NO_PAIRING: dict[int | str, dict[str, Any]] = {
    404: {"model": Error, "description": "No pending, unexpired pairing has this token (or user)"}
}


def _pairing_route(decision: str, allow: bool) -> None:
    @router.post(
        f"/pairings/{decision}",
        summary=f"{decision.capitalize()} a pending pairing, as its user would (by the device's poll token)",
        response_model=schemas.PairingDecided,
        responses=_NO_PAIRING,
        name=f"{decision}_pairing",
    )
    async def decide(request: Request, state: Admin, body: schemas.PairingDecision) -> Any:
        app = services(request)
        now = app.clock()
        async with app.db.transaction() as conn:
            if body.token is not None:
                username, count = await service.decide_pairing(conn, app.secret, body.token, allow=allow, now=now)
            else:
                username, count = await service.decide_pairings_of(conn, body.username or "", allow=allow, now=now)
        return schemas.PairingDecided(username=username, state="confirmed" if allow else "denied", pairings=count)


_pairing_route("confirm", allow=True)
_pairing_route("deny", allow=False)


@router.get(
    "/pairings/auto-confirm", summary="Whether pairings start confirmed", response_model=schemas.AutoConfirmState
)
async def get_auto_confirm(request: Request, state: Admin) -> Any:
    return schemas.AutoConfirmState(enabled=services(request).auto_confirm_pairings)


@router.put(
    "/pairings/auto-confirm",
    summary="Make every new pairing start confirmed, as if its user allowed it at once (no email is sent)",
    response_model=schemas.AutoConfirmState,
)
async def set_auto_confirm(request: Request, state: Admin, body: schemas.AutoConfirm) -> Any:
    services(request).auto_confirm_pairings = body.enabled
    return schemas.AutoConfirmState(enabled=body.enabled)


# --- rate limits ------------------------------------------------------------------------


def _rate_limit(state: SandboxState) -> schemas.RateLimit:
    rule = state.rate_limit
    return schemas.RateLimit(
        enabled=rule is not None, calls=rule.calls if rule else None, seconds=rule.seconds if rule else None
    )


@router.get("/ratelimit", summary="The rate limit in force", response_model=schemas.RateLimit)
async def get_rate_limit(state: Admin) -> Any:
    return _rate_limit(state)


@router.put(
    "/ratelimit",
    summary="Turn on TVmaze's rate limit (20 calls / 10 s per address unless given)",
    response_model=schemas.RateLimit,
)
async def set_rate_limit(
    state: Admin,
    body: Annotated[schemas.RateLimitSet, Body()] = schemas.RateLimitSet(),  # noqa: B008
) -> Any:
    await state.set_rate_limit(RateLimitRule(body.calls, body.seconds))
    return _rate_limit(state)


@router.delete("/ratelimit", summary="Turn the rate limit off", response_model=schemas.RateLimit)
async def clear_rate_limit(state: Admin) -> Any:
    await state.set_rate_limit(None)
    return _rate_limit(state)


# --- faults -----------------------------------------------------------------------------


@router.get("/faults", summary="The fault rules, in the order they are tried", response_model=list[schemas.Fault])
async def list_faults(state: Admin) -> Any:
    return [rule.as_json() for rule in state.faults]


@router.post("/faults", summary="Add a fault rule", response_model=schemas.Fault)
async def add_fault(state: Admin, body: schemas.FaultIn) -> Any:
    status = body.status
    try:
        rule = state.faults.add(
            path=body.path,
            method=body.method,
            status=status,
            latency_ms=body.latency_ms,
            drop=body.drop,
            rate=body.rate,
            times=body.times,
            retry_after=body.retry_after,
            message=body.message or (f"Sandbox fault: injected {status}" if status else "Sandbox fault"),
        )
    except TooManyRules as exc:
        raise ApiError(422, "Data validation failed.", {"faults": [str(exc)]}) from None
    return rule.as_json()


@router.post("/faults/seed", summary="Seed the random choices of `rate`, for repeatable runs", response_model=None)
async def seed_faults(state: Admin, body: schemas.FaultSeed) -> dict[str, int]:
    state.faults.seed(body.seed)
    return {"seed": body.seed}


@router.delete("/faults", summary="Remove every fault rule", response_model=schemas.Cleared)
async def clear_faults(state: Admin) -> Any:
    return schemas.Cleared(cleared=state.faults.clear())


@router.delete(
    "/faults/{fault_id}",
    summary="Remove one fault rule",
    response_model=schemas.Cleared,
    responses={404: {"model": Error, "description": "No such fault rule"}},
)
async def remove_fault(state: Admin, fault_id: int) -> Any:
    if not state.faults.remove(fault_id):
        raise ApiError(404, "There is no fault rule with this id")
    return schemas.Cleared(cleared=1)


# --- journal ----------------------------------------------------------------------------


@router.get(
    "/journal",
    summary="Requests received (oldest first; credentials masked), filtered",
    response_model=list[schemas.JournalEntry],
)
async def read_journal(
    request: Request,
    state: Admin,
    method: Annotated[str | None, Query(max_length=16)] = None,
    path: Annotated[str | None, Query(max_length=512, description="Glob: /v1/user/*")] = None,
    status: Annotated[int | None, Query(ge=100, le=599)] = None,
    username: Annotated[str | None, Query(max_length=64)] = None,
    after_id: Annotated[int | None, Query(ge=0, description="Only entries newer than this id")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000, description="The newest this many")] = 100,
) -> Any:
    # FastAPI would take the last of a repeated filter; a filter means one value.
    repeated = {
        k: ["is given more than once"] for k in set(request.query_params) if len(request.query_params.getlist(k)) > 1
    }
    if repeated:
        raise ApiError(422, "Data validation failed.", repeated)
    query = JournalFilter(method, path, status, username, after_id, limit)
    return [entry.as_json() for entry in state.journal.entries(query)]


@router.delete("/journal", summary="Clear the journal", response_model=schemas.Cleared)
async def clear_journal(state: Admin) -> Any:
    return schemas.Cleared(cleared=state.journal.clear())
