"""The sandbox's one piece of middleware (pure ASGI, added only in sandbox mode, so a normal
server pays nothing for any of it). For every request:

1. the response carries `X-Openmaze-Sandbox: 1`, so nobody mistakes a sandbox for a real server;
2. outside the control API (`/_sandbox/`), the request is journaled, TVmaze's rate limit is
   applied when turned on, and the first fault rule that fires answers or delays it.

It sits inside the path normaliser (rules and the journal see `/v1/user/follows/shows`, not
pytvmaze's trailing slash) and outside the body-size limit (a refused body is journaled
too), and around the routes themselves, so fast-path routes (`openmaze.core.fastpath`)
are covered like every other.
"""

from __future__ import annotations

import asyncio
import math
import time

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openmaze.core.errors import error_response
from openmaze.core.middleware import BodySizeLimit
from openmaze.core.ratelimit import client_address
from openmaze.sandbox.faults import FaultRule
from openmaze.sandbox.journal import Entry
from openmaze.sandbox.state import SandboxState

CONTROL_PREFIX = "/_sandbox"
# Every control body is a small JSON object; anything near this is a mistake, refused with a
# 413 before it is read (the server's own limit, OPENMAZE_MAX_BODY_BYTES, is far larger).
CONTROL_MAX_BODY_BYTES = 64 * 1024
HEADER = (b"x-openmaze-sandbox", b"1")
RATE_LIMITED = "Rate limit exceeded: at most {calls} calls every {seconds} seconds, please back off"
# What a dropped connection promises before it dies: a body that never comes.
_DROP_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"1024")]


def is_control_path(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


class SandboxMiddleware:
    def __init__(self, app: ASGIApp, state: SandboxState, max_body_bytes: int) -> None:
        self.app = app
        self.control = BodySizeLimit(app, max_bytes=CONTROL_MAX_BODY_BYTES)
        self.state = state
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def marked_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), HEADER]}
            await send(message)

        if is_control_path(scope["path"]):
            await self.control(scope, receive, marked_send)
        else:
            await self._observed(scope, receive, marked_send)

    async def _observed(self, scope: Scope, receive: Receive, send: Send) -> None:
        journal = self.state.journal
        if not journal.enabled:
            await self._answer(scope, receive, send, None)
            return
        entry = journal.start(
            scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"), scope["headers"]
        )
        client = scope.get("client")
        entry.address = client[0] if client else None
        receive = await self._capture(scope, receive, entry)
        started = time.perf_counter()
        status: int | None = None
        complete = False

        async def recording_send(message: Message) -> None:
            nonlocal status, complete
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                complete = True
            await send(message)

        try:
            await self._answer(scope, receive, recording_send, entry)
        finally:
            entry.status = status if complete else None
            entry.duration_ms = round((time.perf_counter() - started) * 1000, 3)

    async def _capture(self, scope: Scope, receive: Receive, entry: Entry) -> Receive:
        """A `receive` that records the body into the journal entry."""
        journal = self.state.journal
        length = _content_length(scope)
        if length is not None and 0 < length <= self.max_body_bytes:
            # Read it all now (it is within the server's limit, and the app would read it
            # anyway), so the journal has it even when a 429 or a fault answers unread.
            chunks: list[bytes] = []
            tail: list[Message] = []
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    tail.append(message)
                    break
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            journal.record_body(entry, body[: journal.max_body_bytes], len(body))
            replay: list[Message] = [{"type": "http.request", "body": body, "more_body": bool(tail)}, *tail]

            async def replayed() -> Message:
                return replay.pop(0) if replay else await receive()

            return replayed
        # No length (chunked) or over the limit (the body-size limit answers 413): keep what
        # the app reads, as it reads it.
        kept = bytearray()
        total = 0
        if length is not None:
            entry.body_bytes = max(0, length)

        async def capturing() -> Message:
            nonlocal total
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                total += len(chunk)
                kept.extend(chunk[: max(0, journal.max_body_bytes - len(kept))])
                journal.record_body(entry, bytes(kept), total)
            return message

        return capturing

    async def _answer(self, scope: Scope, receive: Receive, send: Send, entry: Entry | None) -> None:
        state = self.state
        limit = state.rate_limit
        if limit is not None:
            address = client_address(Request(scope), state.limiter.trust_proxy)
            retry = await state.limiter.hit(limit.spec, "sandbox-tvmaze", address)
            if retry is not None:
                if entry is not None:
                    entry.fault = "rate-limit"
                message = RATE_LIMITED.format(calls=limit.calls, seconds=limit.seconds)
                response = error_response(429, message, headers={"Retry-After": str(math.ceil(retry))})
                await response(scope, receive, send)
                return
        rule = state.faults.pick(scope["method"], scope["path"]) if state.faults else None
        if rule is None:
            await self.app(scope, receive, send)
            return
        if entry is not None:
            entry.fault = f"fault {rule.id}"
        await _fault(rule, scope, receive, send, self.app)


async def _fault(rule: FaultRule, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
    if rule.latency_ms:
        await asyncio.sleep(rule.latency_ms / 1000)
    if rule.drop:
        # Headers, then nothing: returning without the promised body makes the server close
        # the connection, which the client sees as a connection broken mid-answer (uvicorn
        # logs "ASGI callable returned without completing response").
        await send({"type": "http.response.start", "status": 200, "headers": _DROP_HEADERS})
        return
    if rule.status is not None:
        headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else None
        await error_response(rule.status, rule.message, headers=headers)(scope, receive, send)
        return
    await app(scope, receive, send)  # latency only: then the real answer


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
