"""`/v1/user`: every route needs a premium user (`PremiumUser`); the routes of each
domain live in their own module, the rules in the service modules they call."""

from __future__ import annotations

from fastapi import APIRouter

from openmaze.user import routes_episodes, routes_follows, routes_tags, routes_votes
from openmaze.user.http import COMMON_ERRORS

router = APIRouter(responses=COMMON_ERRORS)
router.include_router(routes_follows.router)
router.include_router(routes_episodes.router)
router.include_router(routes_votes.router)
router.include_router(routes_tags.router)
