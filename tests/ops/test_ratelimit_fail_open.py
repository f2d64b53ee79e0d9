"""Limits fail open when Redis is unreachable: requests are served, promptly, the outage is
logged once and shows on /healthz. These need no running Redis, so they run in every pass."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.settings import Settings
from tests.conftest import ApiUser


@pytest.fixture
def refused_redis_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there any more


@pytest.fixture
def hung_redis_url() -> Iterator[str]:
    """A TCP peer that accepts connections (the kernel completes the handshake from the
    backlog) and never answers: what a wedged Redis or a black-holed route looks like."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        yield f"redis://127.0.0.1:{s.getsockname()[1]}/0"


def _bad_auth(client: TestClient, alice: ApiUser, n: int) -> list[int]:
    return [client.get("/v1/auth/validate", auth=(alice.username, "omk_wrong")).status_code for _ in range(n)]


def test_unreachable_redis_fails_open_logs_once_and_shows_on_healthz(
    settings: Settings, alice: ApiUser, refused_redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    s = settings.model_copy(update={"redis_url": refused_redis_url, "rate_limit_auth_failures": "2/minute"})
    caplog.set_level(logging.WARNING, logger="openmaze.core.ratelimit")
    with TestClient(create_app(s)) as client:
        # Over the limit three times over, yet no 429: the limit cannot be counted.
        assert _bad_auth(client, alice, 6) == [401] * 6
        assert client.get("/v1/auth/validate", auth=alice.auth).json() == {"premium": 1}
        health = client.get("/healthz")
        assert health.status_code == 200
        limits = health.json()["rate_limits"]
        assert limits["backend"] == "redis"
        assert limits["healthy"] is False
        assert "ConnectionError" in limits["error"]
    outage_logs = [r for r in caplog.records if "rate-limit store unreachable" in r.getMessage()]
    assert len(outage_logs) == 1
    assert outage_logs[0].levelno == logging.ERROR


def test_a_hung_redis_does_not_stall_requests(settings: Settings, alice: ApiUser, hung_redis_url: str) -> None:
    s = settings.model_copy(update={"redis_url": hung_redis_url, "rate_limit_auth_failures": "2/minute"})
    with TestClient(create_app(s)) as client:
        started = time.monotonic()
        assert _bad_auth(client, alice, 20) == [401] * 20
        health = client.get("/healthz").json()["rate_limits"]
        elapsed = time.monotonic() - started
    assert health["healthy"] is False
    assert "Timeout" in health["error"]
    # Without a socket timeout, the first request would wait forever. With it, one short
    # timeout per retry interval, however many requests arrive.
    assert elapsed < 5, f"20 requests + a health probe took {elapsed:.1f}s against a hung Redis"
