"""Connection hygiene: slow or idle clients cannot lock others out, and overload is shed.

uvicorn closes a keep-alive connection idle between requests (`timeout_keep_alive`, the
`keep_alive_seconds` setting) but sets no deadline on a request's headers or body: a socket
that sends a header line every few seconds stays open for good, and with the usual limit of
1,024 open files a thousand of them keep every new client out. `GuardedHttpTools` (uvicorn's
httptools protocol, given to uvicorn by import path) adds both deadlines:

- `header_timeout_seconds`: from a connection's start, or a keep-alive request's first
  byte, until its headers are complete;
- `body_timeout_seconds`: from the headers until the whole body has arrived.

Past either (checked about once a second) the connection is closed (the app, if it is reading the body, sees the client
disconnect). The closings are counted and logged as one line per `SUMMARY_SECONDS`, not one
line per socket.

`LoadShedder`, ASGI middleware, caps the requests one worker handles at once
(`max_concurrent_requests`): past it a request is answered at once with 503, Retry-After
and the TVmaze body, instead of queueing until clients time out; it logs one line per
`SUMMARY_SECONDS` while shedding. It counts requests, not connections: sockets waiting to
send their headers hold no request, and a cap on connections would let them shed everyone
else. `raise_open_file_limit` lifts the soft limit on open files to the hard one at start,
so that waiting sockets do not exhaust it either.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from functools import cache
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from openmaze.core.errors import error_response

if TYPE_CHECKING:
    from openmaze.settings import Settings

log = logging.getLogger("openmaze.connections")

SUMMARY_SECONDS = 10.0  # at most one log line per this many seconds for each kind of event
SHED_RETRY_AFTER = "1"
UNLIMITED_TARGET = 1_048_576  # the soft limit to ask for when the hard one is "unlimited"


class _Tally:
    """Counts events and logs them at most once per SUMMARY_SECONDS."""

    def __init__(self, text: str) -> None:
        self.text = text  # with {n} and {seconds}
        self.count = 0
        self.last = 0.0

    def add(self) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self.last >= SUMMARY_SECONDS:
            log.warning(self.text.format(n=self.count, seconds=f"{now - self.last:.0f}" if self.last else "few"))
            self.count = 0
            self.last = now


_slow_headers = _Tally("closed {n} connection(s) that sent no complete request headers in time (last {seconds} s)")
_slow_bodies = _Tally("closed {n} connection(s) whose request body did not arrive in time (last {seconds} s)")


@cache
def _timeouts() -> tuple[float, float]:
    """(header, body) deadlines in seconds, 0 for none: from the settings, which each worker
    process builds from the environment (`openmaze serve` puts them there)."""
    from openmaze.settings import Settings

    settings = Settings()
    return settings.header_timeout_seconds, settings.body_timeout_seconds


def guarded_protocol(settings: Settings) -> str:
    """The uvicorn `http` protocol `openmaze serve` runs: with deadlines, or uvicorn's own."""
    if settings.header_timeout_seconds > 0 or settings.body_timeout_seconds > 0:
        return "openmaze.core.connections:GuardedHttpTools"
    return "httptools"


class _Watch:
    """The guarded connections of one event loop, checked every `_sweep_seconds()`. A deadline
    then costs a request two stores of the loop's time instead of a timer armed and cancelled
    twice (the cost is compared with `python -m bench.ab "auth/validate"`, one side with both
    deadlines set to 0, which runs uvicorn's own protocol)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.connections: set[GuardedHttpTools] = set()
        self.handle: asyncio.TimerHandle | None = None

    def add(self, connection: GuardedHttpTools) -> None:
        self.connections.add(connection)
        if self.handle is None:
            self.handle = self.loop.call_later(_sweep_seconds(), self.sweep)

    def sweep(self) -> None:
        self.handle = None
        now = self.loop.time()
        for connection in list(self.connections):
            connection.check(now)
        if self.connections:
            self.handle = self.loop.call_later(_sweep_seconds(), self.sweep)


_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Watch] = weakref.WeakKeyDictionary()


@cache
def _sweep_seconds() -> float:
    """Deadlines are kept to within this: a second, or a quarter of a shorter deadline."""
    deadlines = [seconds for seconds in _timeouts() if seconds > 0]
    return min([1.0, *(seconds / 4 for seconds in deadlines)])


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with deadlines for a request's headers and body."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout, self._body_timeout = _timeouts()
        self._deadline: float | None = None  # the loop's time past which the connection is closed
        self._tally = _slow_headers
        watch = _watches.get(self.loop)
        if watch is None:
            watch = _watches[self.loop] = _Watch(self.loop)
        self._watch = watch

    def _arm(self, seconds: float, tally: _Tally) -> None:
        self._deadline = self.loop.time() + seconds if seconds > 0 else None
        self._tally = tally

    def check(self, now: float) -> None:
        if self._deadline is not None and now >= self._deadline:
            self._deadline = None
            if not self.transport.is_closing():
                self._tally.add()
                self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self._header_timeout, _slow_headers)
        self._watch.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._deadline = None
        self._watch.connections.discard(self)
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # a keep-alive connection's next request: its first byte
            self._arm(self._header_timeout, _slow_headers)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(0 if self.parser.should_upgrade() else self._body_timeout, _slow_bodies)

    def on_message_complete(self) -> None:
        self._deadline = None
        super().on_message_complete()


class LoadShedder:
    """At most `limit` requests at once in this worker; the rest are answered 503 at once."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.active = 0
        self._tally = _Tally(
            f"shed {{n}} request(s) with 503: more than {limit} at once in this worker (last {{seconds}} s)"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            self._tally.add()
            response = error_response(
                503, "The server is busy. Try again shortly.", headers={"Retry-After": SHED_RETRY_AFTER}
            )
            await response(scope, receive, send)
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


def raise_open_file_limit() -> tuple[int, int] | None:
    """Lift the soft limit on open files to the hard one; (before, after), or None when
    there is no such limit here (not POSIX) or it cannot be changed."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, UNLIMITED_TARGET)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return None
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):  # macOS refuses more than its per-process maximum
        return None
    return soft, target
