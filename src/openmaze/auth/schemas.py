"""What /openapi.json says about `/v1/auth/start` and `/v1/auth/poll` (documentation
only: responses are written straight to bytes)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from openmaze.auth.service import POLL_FIELDS, START_FIELDS
from openmaze.core.fields import object_schema
from openmaze.core.schemas import Error, ErrorWithFields, request_body


class StartResult(BaseModel):
    token: str = Field(description="Authentication token to use in the `poll` endpoint; keep it secret")
    confirm_url: str = Field(description="URL where the user can confirm the authentication request")


class PollResult(BaseModel):
    apikey: str = Field(description="A new API key for this device (returned only once)")
    username: str = Field(description="The user's username")


START_BODY = request_body(object_schema(START_FIELDS, ("email",)), required=True)
POLL_BODY = request_body(object_schema(POLL_FIELDS, ("token",)), required=True)


def _error(description: str) -> dict[str, Any]:
    return {"model": Error, "description": description}


_COMMON: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorWithFields, "description": "A required field is missing or malformed"},
    "default": _error("Any other error, in the TVmaze error body"),
}

START_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": StartResult, "description": "The authentication request was successfully started"},
    401: _error("The email address was found, but not confirmed"),
    404: _error("The email address was not found"),
    429: _error("You are starting authentication requests too quickly, please back off (`Retry-After`)"),
    **_COMMON,
}

POLL_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": PollResult, "description": "The user confirmed the authentication request (answered once)"},
    403: _error("The authentication request was not confirmed yet"),
    404: _error("The authentication request was not found, was denied, expired, or was already collected"),
    429: _error("You are polling too quickly, please back off (`Retry-After`)"),
    **_COMMON,
}
