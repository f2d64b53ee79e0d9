"""Rate limits on top of the `limits` library: in memory per process, or in Redis when
`OPENMAZE_REDIS_URL` is set so every worker (on every host) shares one count.

Limits fail open: if Redis is unreachable, the request is served, the failure is logged
(once per outage) and `/healthz` reports it. Refusing all traffic because the limiter's
store is down would turn a Redis outage into a full outage. A dead Redis must not slow
requests down either: connects and commands have short timeouts, and after a failure the
limiter stops asking Redis for `retry_seconds` (one probe per interval, not one per request).
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.requests import Request

from openmaze.core.errors import ApiError

log = logging.getLogger("openmaze.core.ratelimit")


def client_address(request: Request, trust_proxy: bool = False) -> str:
    """The address limits are counted against.

    Behind a trusted reverse proxy, the right-most X-Forwarded-For entry is the address the
    proxy itself saw. The left-most entries are whatever the client chose to send (nginx's
    `$proxy_add_x_forwarded_for` appends to them), so trusting those would let anyone pick
    a fresh address per request and escape every per-address limit.
    """
    if trust_proxy:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            last = forwarded.rsplit(",", 1)[-1].strip()
            if last:
                return last
    return request.client.host if request.client else "unknown"


def redis_storage(url: str, key_prefix: str, timeout: float) -> RedisStorage:
    """`limits`' async Redis storage on redis-py (the client openmaze already depends on;
    the `limits` default, coredis, is not installed)."""
    return RedisStorage(
        url if url.startswith("async+") else "async+" + url,
        implementation="redispy",
        key_prefix=key_prefix,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
    )


class RateLimiter:
    def __init__(
        self,
        redis_url: str = "",
        trust_proxy: bool = False,
        key_prefix: str = "openmaze",
        timeout: float = 0.25,
        retry_seconds: float = 2.0,
    ) -> None:
        self.backend = "redis" if redis_url else "memory"
        self.trust_proxy = trust_proxy
        self.retry_seconds = retry_seconds
        storage: Storage = redis_storage(redis_url, key_prefix, timeout) if redis_url else MemoryStorage()
        self.storage = storage
        # The redis-py client under `limits`, for health probes and shutdown.
        self._redis: Any = storage.bridge.get_connection() if isinstance(storage, RedisStorage) else None  # type: ignore[attr-defined]
        self.strategy = MovingWindowRateLimiter(storage)
        self.healthy = True
        self.last_error: str | None = None
        self._skip_until = 0.0  # while Redis is known to be down, do not wait on it
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
        if not self.healthy and time.monotonic() < self._skip_until:
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

    async def hit_auth_failure(self, request: Request, spec: str) -> None:
        await self.check(
            request,
            spec,
            "auth-failure",
            client_address(request, self.trust_proxy),
            message="Too many failed authentication attempts, please back off",
        )

    def _mark_healthy(self) -> None:
        if not self.healthy:
            log.warning("rate-limit store reachable again; limits enforced")
        self.healthy = True
        self.last_error = None

    def _mark_unhealthy(self, exc: BaseException) -> None:
        if self.healthy:
            log.error("rate-limit store unreachable, limits fail open: %s", exc)
        self.healthy = False
        self.last_error = f"{type(exc).__name__}: {exc}"
        self._skip_until = time.monotonic() + self.retry_seconds

    async def probe(self) -> dict[str, Any]:
        """Ask the store directly (for `/healthz`), so an outage shows even when no limited
        request has run since; the answer also updates what `hit` believes."""
        if self._redis is not None:
            try:
                await self._redis.ping()
            except Exception as exc:
                self._mark_unhealthy(exc)
            else:
                self._mark_healthy()
        return self.status()

    def status(self) -> dict[str, Any]:
        return {"backend": self.backend, "healthy": self.healthy, "error": self.last_error}

    async def close(self) -> None:
        if self._redis is not None:
            try:
                await self._redis.aclose()
            except Exception as exc:  # closing a dead connection: nothing left to do
                log.debug("closing the rate-limit store: %s", exc)
