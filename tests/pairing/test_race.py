"""The key is handed out exactly once, however many polls race for it: in one process
(truly concurrent on PostgreSQL's pool) and across worker processes of a real server."""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from openmaze.app import create_app
from openmaze.settings import Settings
from tests.conftest import ApiUser, run_sync, start_server, stop_server
from tests.pairing.poll_helpers import allow

POLLS = 24


def _keys_of(database_url: str, user_id: int) -> int:
    count: int = run_sync(
        database_url, lambda conn: conn.fetch_val("SELECT COUNT(*) FROM api_keys WHERE user_id = :u", {"u": user_id})
    )
    return count


def test_concurrent_polls_in_one_process_get_exactly_one_key(
    settings: Settings, alice: ApiUser, database_url: str
) -> None:
    app = create_app(settings.model_copy(update={"pairing_poll_interval_seconds": 0}))

    async def race(client: httpx.AsyncClient, token: str) -> Counter[int]:
        responses = await asyncio.gather(*(client.post("/v1/auth/poll", json={"token": token}) for _ in range(POLLS)))
        return Counter(r.status_code for r in responses)

    async def run() -> None:
        await app.state.services.db.open()
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver"
            ) as client:
                for _ in range(3):
                    started = (await client.post("/v1/auth/start", json={"email": alice.email})).json()
                    # The confirmation goes through its own connection, in a thread, as a
                    # browser's request on another worker would.
                    await asyncio.to_thread(allow, database_url, started["confirm_url"], alice)
                    assert await race(client, started["token"]) == {200: 1, 404: POLLS - 1}
        finally:
            await app.state.services.db.close()

    asyncio.run(run())
    assert _keys_of(database_url, alice.id) == 1 + 3


def test_concurrent_polls_on_two_workers_get_exactly_one_key(alice: ApiUser, database_url: str, tmp_path: Path) -> None:
    server = start_server(
        database_url, tmp_path, {"OPENMAZE_PAIRING_POLL_INTERVAL_SECONDS": "0"}, ["--workers", "2", "--no-access-log"]
    )
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client, ThreadPoolExecutor(POLLS) as pool:
            for _ in range(3):
                started = client.post("/v1/auth/start", json={"email": alice.email}).json()
                allow(database_url, started["confirm_url"], alice)

                def poll(_: int, token: str = started["token"]) -> httpx.Response:
                    # A connection per poll, so the polls spread over both workers.
                    return httpx.post(server.url + "/v1/auth/poll", json={"token": token}, timeout=30)

                responses = list(pool.map(poll, range(POLLS)))
                assert Counter(r.status_code for r in responses) == {200: 1, 404: POLLS - 1}
                key = next(r.json()["apikey"] for r in responses if r.status_code == 200)
                assert client.get("/v1/auth/validate", auth=("alice", key)).status_code == 200
    finally:
        stop_server(server)
    assert _keys_of(database_url, alice.id) == 1 + 3


def test_racing_polls_with_the_default_spacing_still_yield_one_key(
    settings: Settings, alice: ApiUser, database_url: str
) -> None:
    """With the 5 s spacing, racing polls are refused with 429 rather than served twice."""
    app = create_app(settings)

    async def run() -> Counter[int]:
        await app.state.services.db.open()
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver"
            ) as client:
                started = (await client.post("/v1/auth/start", json={"email": alice.email})).json()
                await asyncio.to_thread(allow, database_url, started["confirm_url"], alice)
                responses = await asyncio.gather(
                    *(client.post("/v1/auth/poll", json={"token": started["token"]}) for _ in range(POLLS))
                )
                return Counter(r.status_code for r in responses)
        finally:
            await app.state.services.db.close()

    statuses = asyncio.run(run())
    assert statuses[200] == 1
    assert statuses[200] + statuses[429] + statuses[404] == POLLS
