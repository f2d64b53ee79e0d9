"""Rate limits on top of the `limits` library: in memory per process, or in Redis when
`OPENMAZE_REDIS_URL` is set so every worker shares one count.

Limits fail open: if Redis is unreachable, the request is served, the failure is logged
(once per outage) and `/healthz` reports it. Refusing all traffic because the limiter's
store is down would turn a Redis outage into a full outage.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.requests import Request

from openmaze.errors import ApiError

log = logging.getLogger("openmaze.ratelimit")


def client_address(request: Request, trust_proxy: bool = False) -> str:
    if trust_proxy:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


class RateLimiter:
    def __init__(self, redis_url: str = "", trust_proxy: bool = False) -> None:
        self.backend = "redis" if redis_url else "memory"
        self.trust_proxy = trust_proxy
        storage: Storage
        if redis_url:
            storage = storage_from_string(redis_url if redis_url.startswith("async+") else "async+" + redis_url)  # type: ignore[assignment]
        else:
            storage = MemoryStorage()
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)
        self.healthy = True
        self.last_error: str | None = None
        self._parsed: dict[str, RateLimitItem] = {}

    def _item(self, spec: str) -> RateLimitItem:
        item = self._parsed.get(spec)
        if item is None:
            item = self._parsed[spec] = parse(spec)
        return item

    async def hit(self, spec: str, *identifiers: str) -> float | None:
        """Count one hit. None if allowed; else the seconds until a retry can succeed."""
        if not spec:
            return None
        item = self._item(spec)
        try:
            allowed = await self.strategy.hit(item, *identifiers)
            if allowed:
                self._mark_healthy()
                return None
            stats = await self.strategy.get_window_stats(item, *identifiers)
            self._mark_healthy()
            return max(1.0, stats.reset_time - time.time())
        except Exception as exc:  # the store is down: serve the request (fail open)
            self._mark_unhealthy(exc)
            return None

    async def check(self, request: Request, spec: str, *identifiers: str, message: str) -> None:
        """Raise a 429 (with Retry-After) when over the limit."""
        retry = await self.hit(spec, *identifiers)
        if retry is not None:
            raise ApiError(429, message, headers={"Retry-After": str(math.ceil(retry))})

    async def hit_auth_failure(self, request: Request, spec: str = "30/minute") -> None:
        spec = getattr(request.app.state.settings, "rate_limit_auth_failures", spec)
        await self.check(
            request,
            spec,
            "auth-failure",
            client_address(request, self.trust_proxy),
            message="Too many failed authentication attempts, please back off",
        )

    def _mark_healthy(self) -> None:
        if not self.healthy:
            log.warning("rate-limit store reachable again")
        self.healthy = True
        self.last_error = None

    def _mark_unhealthy(self, exc: Exception) -> None:
        if self.healthy:
            log.error("rate-limit store unreachable, limits fail open: %s", exc)
        self.healthy = False
        self.last_error = str(exc)

    def status(self) -> dict[str, Any]:
        return {"backend": self.backend, "healthy": self.healthy, "error": self.last_error}
