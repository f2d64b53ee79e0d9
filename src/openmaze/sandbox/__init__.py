"""Sandbox mode, for developers of TVmaze apps (docs/sandbox.md): `openmaze serve --sandbox`.

`install(app)` turns a `create_app` app into a sandbox: the control API under `/_sandbox/`,
the app clock replaced by one tests can set, and the middleware that marks every answer
and journals, rate-limits and faults requests. Nothing of it exists, or costs anything,
in an app built without `OPENMAZE_SANDBOX`.
"""

from __future__ import annotations

from fastapi import FastAPI

from openmaze.core.services import Services
from openmaze.sandbox.middleware import SandboxMiddleware
from openmaze.sandbox.state import SandboxState


def install(app: FastAPI) -> SandboxState:
    """Call after the routes are included and before the path normaliser is added (its
    middleware must see normalised paths and sit outside the body-size limit)."""
    from openmaze.sandbox.routes import router

    services: Services = app.state.services
    state = SandboxState(services)
    app.state.sandbox = state
    services.clock = state.clock
    app.include_router(router)
    app.add_middleware(SandboxMiddleware, state=state, max_body_bytes=services.settings.max_body_bytes)
    return state
