"""A polite HTTP client for a TVmaze-compatible catalog upstream.

TVmaze asks for "at least 20 calls every 10 seconds" per address and answers 429 above
that. This client never sends more than `limit` requests in any `window` seconds (a
sliding window over its own send times, retries included), backs off on 429 and on
server or network errors with growing delays (honouring `Retry-After`), and names
itself in the User-Agent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import Any, cast

import httpx
import orjson

from openmaze import __version__

log = logging.getLogger("openmaze.sync")

USER_AGENT = f"openmaze/{__version__} (self-hosted TVmaze catalog mirror; python-httpx)"
QueryParams = Mapping[str, str] | Sequence[tuple[str, str]]


class UpstreamError(Exception):
    """The upstream kept failing (after retries) or answered something unusable."""


class UpstreamRefused(UpstreamError):
    """The upstream refused the request (401, 403): retrying cannot help."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RequestPacer:
    """At most `limit` requests in any `window` seconds, as the upstream sees them.

    A request is counted from when it may be sent until its response is in (`completed`
    moves its time to then): the server saw it somewhere in between, so spacing requests
    by that time keeps the server's own count under the limit whatever the network
    delays. Requests through one pacer are sequential."""

    def __init__(
        self,
        limit: int = 20,
        window: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("the request limit needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._sent: deque[float] = deque()
        self._clock = clock
        self._sleep = sleep

    async def wait(self) -> None:
        while True:
            now = self._clock()
            while self._sent and self._sent[0] <= now - self.window:
                self._sent.popleft()
            if len(self._sent) < self.limit:
                self._sent.append(now)
                return
            # (A floor on the wait: float rounding must not leave a zero-length wait loop.)
            await self._sleep(max(0.001, self._sent[0] + self.window - now))

    def completed(self) -> None:
        """The latest request's response is in."""
        if self._sent:
            self._sent[-1] = max(self._sent[-1], self._clock())


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class Upstream:
    def __init__(
        self,
        base_url: str,
        *,
        limit: int = 20,
        window: float = 10.0,
        max_attempts: int = 6,
        backoff_base: float = 2.0,
        backoff_cap: float = 300.0,
        timeout: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.pacer = RequestPacer(limit, window, sleep=sleep)
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.requests = 0
        self._sleep = sleep
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=timeout,
            follow_redirects=True,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Upstream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _delay(self, attempt: int, retry_after: float | None = None) -> float:
        growing = min(self.backoff_cap, self.backoff_base * 2**attempt)
        return max(growing, retry_after or 0.0)

    async def get_json(
        self, path: str, params: QueryParams | None = None, *, auth: tuple[str, str] | None = None
    ) -> Any | None:
        """The decoded JSON at `path`, or None for a 404. Raises UpstreamError when the
        upstream still fails after `max_attempts` tries, UpstreamRefused on a 401 or 403.
        `auth`: Basic credentials for this request only (a user API read), never kept."""
        problem = ""
        for attempt in range(self.max_attempts):
            await self.pacer.wait()
            self.requests += 1
            try:
                # (httpx's own parameter type is a union mypy cannot match a Sequence to.)
                response = await self._client.get(path, params=cast(Any, params), auth=auth or httpx.USE_CLIENT_DEFAULT)
            except httpx.HTTPError as exc:
                response = None
                problem = f"{type(exc).__name__}: {exc}"
            finally:
                self.pacer.completed()
            retry_after: float | None = None
            if response is not None:
                if response.status_code == 404:
                    return None
                if response.status_code == 200:
                    try:
                        return orjson.loads(response.content)
                    except orjson.JSONDecodeError:
                        problem = "the response is not valid JSON (cut off?)"
                elif response.status_code == 429 or response.status_code >= 500:
                    problem = f"HTTP {response.status_code}"
                    retry_after = retry_after_seconds(response.headers.get("retry-after"))
                elif response.status_code in (401, 403):
                    raise UpstreamRefused(
                        f"GET {self.base_url}{path}: HTTP {response.status_code}", response.status_code
                    )
                else:
                    raise UpstreamError(f"GET {self.base_url}{path}: unexpected HTTP {response.status_code}")
            if attempt + 1 < self.max_attempts:
                delay = self._delay(attempt, retry_after)
                log.warning("GET %s%s: %s; retrying in %.1f s", self.base_url, path, problem, delay)
                await self._sleep(delay)
        raise UpstreamError(f"GET {self.base_url}{path}: {problem} (gave up after {self.max_attempts} attempts)")
