"""HTTP conventions shared by the public catalog routes: cache headers, ETags and
conditional GETs, CORS, and the optional per-address rate limit."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import Request
from starlette.responses import Response, StreamingResponse

from openmaze.core.ratelimit import client_address
from openmaze.core.schemas import Error
from openmaze.core.services import services

# Documented on every public route: the TVmaze error body for whatever goes wrong (404,
# 400 `Invalid embed type`, 422, 429). Declaring `default` also keeps FastAPI from
# documenting its own 422 shape, which this API never sends.
PUBLIC_ERRORS: dict[int | str, dict[str, Any]] = {
    "default": {"model": Error, "description": "Any error, in the TVmaze error body"},
}


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(header: str, etag: str) -> bool:
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*":
            return True
        if candidate.startswith("W/"):  # weak comparison, as RFC 9110 asks for If-None-Match
            candidate = candidate[2:]
        if candidate == etag:
            return True
    return False


def cache_headers(request: Request) -> dict[str, str]:
    max_age = services(request).settings.public_cache_seconds
    return {"Cache-Control": f"public, max-age={max_age}", "Access-Control-Allow-Origin": "*"}


def public_json(request: Request, content: Any) -> Response:
    """A 200 with Cache-Control and an ETag over the exact body; a 304 (no body) when the
    client's If-None-Match already names it."""
    body = orjson.dumps(content)
    headers = cache_headers(request)
    headers["ETag"] = _etag(body)
    condition = request.headers.get("if-none-match")
    if condition is not None and _matches(condition, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=200, media_type="application/json", headers=headers)


def public_stream(request: Request, etag: str, chunks: AsyncIterator[bytes]) -> Response:
    """A streamed 200 with Cache-Control and an ETag computed before the body (so the body
    is never held whole); a 304 when the client's If-None-Match names it."""
    headers = cache_headers(request)
    headers["ETag"] = etag
    condition = request.headers.get("if-none-match")
    if condition is not None and _matches(condition, etag.removeprefix("W/")):
        return Response(status_code=304, headers=headers)
    return StreamingResponse(chunks, status_code=200, media_type="application/json", headers=headers)


async def public_rate_limit(request: Request) -> None:
    """Per-address limit on the public API (`OPENMAZE_RATE_LIMIT_PUBLIC`; off when empty)."""
    spec = services(request).settings.rate_limit_public
    if spec:
        limiter = services(request).limiter
        await limiter.check(
            request,
            spec,
            "public",
            client_address(request, limiter.trust_proxy),
            message="Rate limit exceeded, please slow down",
        )
