"""`/v1/auth/*`: credential validation (device pairing lives in `openmaze.auth.pairing`)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from openmaze.auth.basic import CurrentUser
from openmaze.responses import ok

router = APIRouter(prefix="/v1", tags=["auth"])


@router.get("/auth/validate", summary="Validate Your Authentication Credentials")
async def validate(user: CurrentUser) -> Response:
    return ok({"premium": user.premium})
