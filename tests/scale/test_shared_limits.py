"""(c) A rate limit is one count across every server process when Redis holds it."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.settings import Settings
from tests.conftest import ApiUser, LiveServer
from tests.scale.conftest import RedisProcess, StartCluster

pytestmark = pytest.mark.postgres_redis

LIMIT = 6


def _bad_auth_round_robin(servers: list[LiveServer], user: ApiUser, n: int) -> list[httpx.Response]:
    out = []
    with httpx.Client(timeout=10) as http:
        for i in range(n):
            server = servers[i % len(servers)]
            out.append(http.get(server.url + "/v1/auth/validate", auth=(user.username, "omk_wrong")))
    return out


def test_failed_auth_limit_is_shared_by_two_processes(start_cluster: StartCluster, alice: ApiUser) -> None:
    servers = start_cluster(rate_limit_auth_failures=f"{LIMIT}/minute")
    responses = _bad_auth_round_robin(servers, alice, 2 * LIMIT)
    assert [r.status_code for r in responses] == [401] * LIMIT + [429] * LIMIT
    over = responses[-1]
    assert over.json() == {
        "name": "Too Many Requests",
        "message": "Too many failed authentication attempts, please back off",
        "code": 0,
        "status": 429,
    }
    assert 0 < int(over.headers["retry-after"]) <= 60
    # The limit is on failures: the right key still works on both processes.
    for server in servers:
        assert httpx.get(server.url + "/v1/auth/validate", auth=alice.auth).json() == {"premium": 1}
        health = httpx.get(server.url + "/healthz").json()["rate_limits"]
        assert health == {"backend": "redis", "healthy": True, "error": None}


def test_without_redis_each_process_counts_alone(start_cluster: StartCluster, alice: ApiUser) -> None:
    """The control for the test above: it would notice per-process counting."""
    servers = start_cluster(redis=False, rate_limit_auth_failures=f"{LIMIT}/minute")
    responses = _bad_auth_round_robin(servers, alice, 2 * LIMIT)
    assert [r.status_code for r in responses] == [401] * (2 * LIMIT)


def test_concurrent_failures_across_processes_are_counted_exactly(start_cluster: StartCluster, alice: ApiUser) -> None:
    servers = start_cluster(rate_limit_auth_failures=f"{LIMIT}/minute")

    async def burst() -> list[int]:
        async with httpx.AsyncClient(timeout=20) as http:
            requests = [
                http.get(servers[i % 2].url + "/v1/auth/validate", auth=(alice.username, "omk_wrong"))
                for i in range(40)
            ]
            return [r.status_code for r in await asyncio.gather(*requests)]

    statuses = asyncio.run(burst())
    assert statuses.count(401) == LIMIT
    assert statuses.count(429) == 40 - LIMIT


def test_limits_survive_a_redis_restart(
    settings: Settings, alice: ApiUser, private_redis: RedisProcess, caplog: pytest.LogCaptureFixture
) -> None:
    """Enforced while Redis is up; served (fail open) and reported while it is down;
    enforced again once it is back, with the recovery logged."""
    caplog.set_level(logging.WARNING, logger="openmaze.core.ratelimit")
    s = settings.model_copy(update={"redis_url": private_redis.url, "rate_limit_auth_failures": "3/minute"})
    app = create_app(s)
    app.state.services.limiter.retry_seconds = 0.0  # probe Redis on every request: no waiting in a test

    def bad(client: TestClient, n: int) -> list[int]:
        return [client.get("/v1/auth/validate", auth=(alice.username, "x")).status_code for _ in range(n)]

    with TestClient(app) as client:
        assert bad(client, 4) == [401, 401, 401, 429]
        private_redis.stop()
        assert bad(client, 4) == [401] * 4
        assert client.get("/healthz").json()["rate_limits"]["healthy"] is False
        private_redis.start()  # empty: it kept nothing on disk
        assert bad(client, 4) == [401, 401, 401, 429]
        assert client.get("/healthz").json()["rate_limits"] == {"backend": "redis", "healthy": True, "error": None}
    messages = [r.getMessage() for r in caplog.records]
    assert sum("rate-limit store unreachable" in m for m in messages) == 1
    assert sum("rate-limit store reachable again" in m for m in messages) == 1
