"""The body-size limit on a real socket: declared lengths and chunked bodies alike.

`BodySizeLimit` only counts bytes for chunked bodies (a declared Content-Length is checked
up front, and the HTTP parser never delivers more than it declares), so both paths are
exercised: declared lengths against `openmaze serve`, chunked bodies at the ASGI level.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from openmaze.core.middleware import BodySizeLimit
from tests.conftest import ApiUser, LiveServer, start_server, stop_server

LIMIT = 1000


@pytest.fixture
def small_limit_server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(database_url, tmp_path, {"OPENMAZE_MAX_BODY_BYTES": str(LIMIT)})
    yield server
    stop_server(server)


def _chunks(total: int, size: int = 100) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


def test_declared_length_over_limit_is_413(small_limit_server: LiveServer, alice: ApiUser) -> None:
    r = httpx.post(small_limit_server.url + "/v1/auth/validate", content=b"x" * (LIMIT + 1), auth=alice.auth)
    assert r.status_code == 413
    assert r.json() == {
        "name": "Request Entity Too Large",
        "message": f"The request body is larger than the limit of {LIMIT} bytes.",
        "code": 0,
        "status": 413,
    }


async def _body_reader(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that reads the whole body, as any route with a body does."""
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


async def _call(headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> list[Message]:
    """Run a request through BodySizeLimit (in front of `_body_reader`) at the ASGI level;
    on a real socket, routes that read bodies belong to other modules."""
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers, "query_string": b""}
    incoming = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    await BodySizeLimit(_body_reader, max_bytes=LIMIT)(scope, receive, send)
    return sent


async def test_chunked_body_over_limit_is_413() -> None:
    sent = await _call([(b"transfer-encoding", b"chunked")], [b"x" * 600, b"x" * 600, b"x" * 600])
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["status"] == 413


async def test_chunked_body_within_limit_is_read_whole() -> None:
    sent = await _call([(b"transfer-encoding", b"chunked")], [b"x" * 500, b"x" * 500])
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"1000"


async def test_declared_body_within_limit_is_passed_through() -> None:
    sent = await _call([(b"content-length", b"1000")], [b"x" * 1000])
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"1000"


def test_bodies_within_limit_pass(small_limit_server: LiveServer, alice: ApiUser) -> None:
    url = small_limit_server.url + "/v1/auth/validate"
    assert httpx.get(url, auth=alice.auth).json() == {"premium": 1}
    # A GET carrying a body within the limit, declared and chunked: served as usual.
    assert httpx.request("GET", url, content=b"x" * LIMIT, auth=alice.auth).json() == {"premium": 1}
    assert httpx.request("GET", url, content=_chunks(LIMIT), auth=alice.auth).json() == {"premium": 1}
