"""(a) One confirmed pairing token, polled by many devices' worth of concurrent requests
spread over two server processes: exactly one poll receives the key.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
import pytest

from openmaze.db.database import Conn
from tests.conftest import ApiUser, LiveServer, run_sync
from tests.scale.conftest import StartCluster

pytestmark = pytest.mark.postgres_redis

POLLS = 40


def _start_and_confirm(server: LiveServer, user: ApiUser, database_url: str, throttled: bool) -> str:
    r = httpx.post(server.url + "/v1/auth/start", json={"email": user.email, "email_confirmation": False})
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    if not throttled:  # (a poll now would make the whole burst below "too soon")
        assert httpx.post(server.url + "/v1/auth/poll", json={"token": token}).status_code == 403

    # Confirming is a person clicking Allow on a web page; the race under test starts after it.
    async def confirm(conn: Conn) -> int:
        return await conn.execute(
            "UPDATE pairings SET state = 'confirmed', confirmed_at = :now WHERE user_id = :uid AND state = 'pending'",
            {"now": int(time.time()), "uid": user.id},
        )

    assert run_sync(database_url, confirm) == 1
    return token


async def _poll_burst(servers: list[LiveServer], token: str) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=30) as http:
        return await asyncio.gather(
            *(http.post(servers[i % 2].url + "/v1/auth/poll", json={"token": token}) for i in range(POLLS))
        )


@pytest.mark.parametrize("poll_interval", ["5", "0"], ids=["throttled", "unthrottled"])
def test_concurrent_polls_across_processes_yield_one_key(
    start_cluster: StartCluster, alice: ApiUser, database_url: str, poll_interval: str
) -> None:
    servers = start_cluster(pairing_poll_interval_seconds=poll_interval)
    token = _start_and_confirm(servers[0], alice, database_url, throttled=poll_interval != "0")

    responses = asyncio.run(_poll_burst(servers, token))
    statuses = Counter(r.status_code for r in responses)
    assert statuses[200] == 1, statuses
    assert set(statuses) <= {200, 404, 429}, statuses  # the rest: claimed already, or too fast
    (winner,) = [r for r in responses if r.status_code == 200]
    body = winner.json()
    assert set(body) == {"apikey", "username"}
    assert body["username"] == alice.username
    for r in responses:
        if r.status_code != 200:
            assert r.json()["status"] == r.status_code
            assert "apikey" not in r.text
    for server in servers:
        validate = httpx.get(server.url + "/v1/auth/validate", auth=(alice.username, body["apikey"]))
        assert validate.json() == {"premium": alice.premium}

    async def keys_from_pairing(conn: Conn) -> int:
        return int(
            await conn.fetch_val(
                "SELECT COUNT(*) FROM pairings WHERE user_id = :uid AND api_key_id IS NOT NULL", {"uid": alice.id}
            )
        )

    assert run_sync(database_url, keys_from_pairing) <= 1
