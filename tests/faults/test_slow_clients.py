"""Finding 1: with the usual 1,024 open files, 1,100 sockets sending a header line every
5 s locked every new client out for as long as they stayed, and nothing was logged.

Now `serve` raises its open-file limit to the hard maximum, closes connections whose
headers (or body) do not arrive in time, sheds requests past a cap with 503 instead of
queueing them, and logs a line for each - not one per socket."""

from __future__ import annotations

import base64
import contextlib
import resource
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ApiUser, LiveServer, start_server, stop_server
from tests.faults.conftest import assert_fault

SLOW_SOCKETS = 1100
HEADER_TIMEOUT = 4.0


@pytest.fixture
def low_file_limit() -> Iterator[None]:
    """A server started inside runs with the usual soft limit of 1,024 open files."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < SLOW_SOCKETS + 200:
        pytest.skip(f"the hard open-file limit ({hard}) is too low for {SLOW_SOCKETS} sockets")
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.fixture
def server(database_url: str, tmp_path: Path, alice: ApiUser, low_file_limit: None) -> Iterator[LiveServer]:
    env = {
        "OPENMAZE_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
        "OPENMAZE_BODY_TIMEOUT_SECONDS": "3",
        "OPENMAZE_MAX_CONCURRENT_REQUESTS": "2",
    }
    live = start_server(database_url, tmp_path, env)
    try:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this process needs the sockets
        yield live
    finally:
        stop_server(live)


def _port(server: LiveServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def test_slow_sockets_do_not_lock_out_a_new_client(server: LiveServer) -> None:
    assert "open-file limit raised from 1024" in server.log()
    sockets = []
    for _ in range(SLOW_SOCKETS):
        s = socket.create_connection(("127.0.0.1", _port(server)))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        sockets.append(s)
    stop = threading.Event()

    def trickle() -> None:  # a header line on each socket every 2 s, never the end of the headers
        while not stop.wait(2):
            for s in sockets:
                with contextlib.suppress(OSError):
                    s.sendall(b"X-Slow: 1\r\n")

    trickler = threading.Thread(target=trickle)
    trickler.start()
    try:
        for _ in range(3):
            started = time.monotonic()
            assert httpx.get(server.url + "/healthz", timeout=5).status_code == 200
            assert time.monotonic() - started < 1.0
            time.sleep(1)
        time.sleep(HEADER_TIMEOUT + 1 - 3)
        closed = 0
        for s in sockets:
            s.settimeout(2)
            try:
                closed += s.recv(1) == b""
            except OSError:
                closed += 1
        assert closed == SLOW_SOCKETS
    finally:
        stop.set()
        trickler.join()
        for s in sockets:
            s.close()
    lines = [line for line in server.log().splitlines() if "sent no complete request headers in time" in line]
    assert 1 <= len(lines) <= 2, lines


def test_requests_past_the_cap_are_shed_with_503_and_slow_bodies_closed(server: LiveServer, alice: ApiUser) -> None:
    auth = base64.b64encode(f"{alice.username}:{alice.key}".encode())
    stalled = []
    for episode in (1, 2):  # two requests in flight, each waiting for a body that never comes
        s = socket.create_connection(("127.0.0.1", _port(server)))
        s.sendall(
            f"PUT /v1/user/episodes/{episode} HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n".encode()
            + b"Content-Type: application/json\r\nAuthorization: Basic "
            + auth
            + b"\r\n\r\n"
        )
        stalled.append(s)
    time.sleep(0.5)
    shed = httpx.get(server.url + "/v1/user/follows/shows", auth=alice.auth, timeout=5)
    assert_fault(shed, 503, "busy")
    time.sleep(3)  # the body timeout closes the stalled ones
    for s in stalled:
        s.settimeout(2)
        assert s.recv(65536) == b""
        s.close()
    assert httpx.get(server.url + "/v1/user/follows/shows", auth=alice.auth, timeout=5).status_code == 200
    log = server.log()
    assert "shed 1 request(s) with 503" in log
    assert "whose request body did not arrive in time" in log
