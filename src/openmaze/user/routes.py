"""`/v1/user`: every route needs a premium user (`PremiumUser`); the routes of each
domain live in their own module, the rules in the service modules they call."""

from __future__ import annotations

from fastapi import APIRouter

from openmaze.user import routes_episodes, routes_follows, routes_tags, routes_votes

routers: tuple[APIRouter, ...] = (
    routes_follows.router,
    routes_episodes.router,
    routes_votes.router,
    routes_tags.router,
)
