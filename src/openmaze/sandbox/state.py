"""Everything a sandbox keeps in memory, one object per app (`app.state.sandbox`), handed to
its middleware and read by its routes through `sandbox_state(request)`.

Kept in the process on purpose: a sandbox serves one test run, and `openmaze serve
--sandbox` refuses more than one worker so every request sees the same clock, rules and
journal.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from openmaze.core.ratelimit import RateLimiter
from openmaze.core.services import Services
from openmaze.sandbox.clock import SandboxClock
from openmaze.sandbox.faults import FaultRules
from openmaze.sandbox.journal import Journal

# TVmaze's own limit: "at least 20 calls every 10 seconds per IP address".
TVMAZE_CALLS = 20
TVMAZE_SECONDS = 10


@dataclass(frozen=True, slots=True)
class RateLimitRule:
    calls: int
    seconds: int

    @property
    def spec(self) -> str:
        return f"{self.calls}/{self.seconds}second"


class SandboxState:
    def __init__(self, services: Services) -> None:
        settings = services.settings
        self.services = services
        if not settings.sandbox_token:
            raise RuntimeError("sandbox mode needs OPENMAZE_SANDBOX_TOKEN (`openmaze serve --sandbox` generates one)")
        self.token = settings.sandbox_token.encode()
        self.clock = SandboxClock()
        self.journal = Journal(settings.sandbox_journal_entries, settings.sandbox_journal_body_bytes)
        self.faults = FaultRules()
        # Its own in-memory limiter, on real time (see `openmaze.sandbox.clock`), never the
        # server's configured one: turning TVmaze's limits on must not touch real limits.
        self.limiter = RateLimiter(trust_proxy=settings.trust_proxy_headers)
        self.rate_limit: RateLimitRule | None = None

    async def set_rate_limit(self, rule: RateLimitRule | None) -> None:
        self.rate_limit = rule
        await self.limiter.storage.reset()  # a changed (or new) limit starts with a clean slate

    async def reset_controls(self) -> None:
        """Back to how the sandbox started: real time, pairings confirmed by hand, no faults, no
        limits, empty journal."""
        self.clock.release()
        self.services.auto_confirm_pairings = False
        self.faults.clear()
        self.journal.clear()
        await self.set_rate_limit(None)


def sandbox_state(request: HTTPConnection) -> SandboxState:
    found: SandboxState = request.app.state.sandbox
    return found
