"""Wire models of the sandbox control API (`/_sandbox/`). Unknown fields are refused (422),
so a misspelt option (`latency` for `latency_ms`) fails loudly instead of doing nothing."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openmaze.auth.accounts import USERNAME_RE
from openmaze.sandbox.clock import MAX_EPOCH
from openmaze.sandbox.state import TVMAZE_CALLS, TVMAZE_SECONDS


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# A plain address: a subset of what accounts take (`openmaze.auth.accounts.EMAIL_RE`), so a
# body the document calls valid is one the account rules accept.
PLAIN_EMAIL = r"^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,189}$"


class NewUser(_In):
    username: str | None = Field(default=None, pattern=USERNAME_RE.pattern, description="Default: a fresh random name")
    email: str | None = Field(default=None, pattern=PLAIN_EMAIL, description="Default: USERNAME@sandbox.invalid")
    premium: int = Field(default=3, ge=0, le=3, description="0 none, 1 Bronze, 2 Silver, 3 Gold")
    email_confirmed: bool = Field(default=True, description="False: pairing starts for this email get a 401")


class PremiumSet(_In):
    premium: int = Field(ge=0, le=3, description="0 none, 1 Bronze, 2 Silver, 3 Gold")


class PremiumDone(BaseModel):
    username: str
    premium: int


class SandboxUser(BaseModel):
    id: int
    username: str
    email: str
    premium: int
    apikey: str = Field(description="The user's API key (Basic auth password); shown only here")


class Reset(_In):
    data: bool = Field(default=True, description="Delete every user and their data (the catalog stays)")
    controls: bool = Field(default=True, description="Release the clock, drop faults and limits, clear the journal")


class ResetDone(BaseModel):
    users_deleted: int
    controls_reset: bool


class UserResetDone(BaseModel):
    username: str
    rows_deleted: int = Field(description="Follows, marks, votes, tags and pairings deleted")


class ClockSet(_In):
    now: float = Field(ge=0, le=MAX_EPOCH, description="Epoch seconds")
    frozen: bool = Field(default=True, description="Stay at `now` (true) or run on from it (false)")


class ClockAdvance(_In):
    seconds: float = Field(ge=-MAX_EPOCH, le=MAX_EPOCH, description="Seconds to move (negative: back)")


class Clock(BaseModel):
    now: float = Field(description="The sandbox's time, epoch seconds")
    frozen: bool
    offset: float = Field(description="Seconds ahead of real time while running (0 when frozen or real)")
    real: bool = Field(description="True when never set or released")


class PairingDecision(_In):
    # The document says what the validator below enforces (exactly one of the two given), so
    # a body valid by the document is one the route accepts.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["token"], "properties": {"token": {"type": "string"}}},
                {"required": ["username"], "properties": {"username": {"type": "string"}}},
            ]
        },
    )

    token: str | None = Field(
        default=None, min_length=1, max_length=200, description="The poll token `/v1/auth/start` gave the device"
    )
    username: str | None = Field(
        default=None, min_length=1, max_length=64, description="Or: every pending pairing of this user"
    )

    @model_validator(mode="after")
    def _one_selector(self) -> Self:
        if (self.token is None) == (self.username is None):
            raise ValueError("name the pairing by its token or by its user's username, one of them")
        return self


class PairingDecided(BaseModel):
    username: str
    state: str = Field(description="confirmed or denied")
    pairings: int = Field(description="How many pending pairings were decided")


class AutoConfirm(_In):
    enabled: bool = Field(description="Pairings start confirmed, as if their user allowed them at once")


class AutoConfirmState(BaseModel):
    enabled: bool


class RateLimitSet(_In):
    calls: int = Field(default=TVMAZE_CALLS, ge=1, le=100_000)
    seconds: int = Field(default=TVMAZE_SECONDS, ge=1, le=86_400)


class RateLimit(BaseModel):
    enabled: bool
    calls: int | None
    seconds: int | None


class FaultIn(_In):
    # What `_one_effect` enforces, in the document too: a status, a latency or a drop, and
    # not a status and a drop together.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["status"], "properties": {"status": {"type": "integer"}}},
                {"required": ["latency_ms"], "properties": {"latency_ms": {"minimum": 1}}},
                {"required": ["drop"], "properties": {"drop": {"const": True}}},
            ],
            "not": {
                "required": ["status", "drop"],
                "properties": {"status": {"type": "integer"}, "drop": {"const": True}},
            },
        },
    )

    path: str = Field(default="*", min_length=1, max_length=512, description="Glob on the path: `/v1/user/*`")
    method: str | None = Field(default=None, pattern=r"^[A-Za-z]{1,16}$", description="Any method when absent")
    status: int | None = Field(default=None, ge=400, le=599, description="Answer with this status (TVmaze body)")
    latency_ms: int = Field(default=0, ge=0, le=120_000, description="Wait this long first")
    drop: bool = Field(default=False, description="Close the connection mid-answer")
    rate: float = Field(default=1.0, gt=0, le=1, description="Fraction of matching requests it fires for")
    times: int | None = Field(default=None, ge=1, le=1_000_000, description="Fire for the next N, then go")
    retry_after: int | None = Field(default=None, ge=0, le=86_400, description="Retry-After of a status answer")
    message: str | None = Field(default=None, max_length=500, description="Error message of a status answer")

    @model_validator(mode="after")
    def _one_effect(self) -> Self:
        if self.status is None and not self.drop and not self.latency_ms:
            raise ValueError("a fault needs a status, a latency_ms or drop")
        if self.status is not None and self.drop:
            raise ValueError("a fault answers with a status or drops the connection, not both")
        return self


class Fault(BaseModel):
    id: int
    path: str
    method: str | None
    status: int | None
    latency_ms: int
    drop: bool
    rate: float
    remaining: int | None = Field(description="Requests left to fire for; null: until removed")
    retry_after: int | None
    message: str
    fired: int = Field(description="Requests it has fired for so far")


class FaultSeed(_In):
    seed: int = Field(ge=0, le=2**63 - 1, description="Seed of the `rate` decisions, for repeatable runs")


class JournalEntry(BaseModel):
    id: int
    at: float = Field(description="Real epoch seconds the request arrived")
    method: str
    path: str
    query: str = Field(description="Query string, secret-looking values masked")
    headers: dict[str, str] = Field(description="Lower-case names; credentials masked")
    username: str | None = Field(description="The Basic-auth username sent (valid or not)")
    body: str | None = Field(description="The body as text (cut at the limit), secrets masked")
    body_bytes: int
    body_truncated: bool
    status: int | None = Field(description="Status answered; null when the connection was dropped")
    duration_ms: float
    fault: str | None = Field(description='"rate-limit", or "fault N" when fault rule N fired')
    address: str | None


class Cleared(BaseModel):
    cleared: int
