"""`openmaze serve --workers N`: several processes behind one port, on either database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.conftest import ApiUser, start_server, stop_server


def test_several_workers_serve_concurrent_requests(
    database_url: str, tmp_path: Path, make_user: Callable[..., ApiUser]
) -> None:
    # Each user's first request writes its key's last-used time: concurrent writes from
    # both workers (on SQLite, two processes contending for one file's write lock).
    users = [make_user(f"worker{i}", premium=1 + i % 3) for i in range(40)]
    server = start_server(database_url, tmp_path, args=["--workers", "2", "--no-access-log"])
    try:

        async def burst() -> list[httpx.Response]:
            limits = httpx.Limits(max_keepalive_connections=0)  # new connection each: spread over workers
            async with httpx.AsyncClient(timeout=30, limits=limits) as http:
                return await asyncio.gather(
                    *(http.get(server.url + "/v1/auth/validate", auth=u.auth) for u in users for _ in range(3))
                )

        responses = asyncio.run(burst())
        assert [r.status_code for r in responses] == [200] * len(responses)
        assert [r.json()["premium"] for r in responses] == [u.premium for u in users for _ in range(3)]
        assert httpx.get(server.url + "/readyz").status_code == 200
    finally:
        stop_server(server)
    log = server.log()
    assert log.count("Started server process") == 2, log
    assert "Traceback" not in log, log
    if database_url.startswith("sqlite"):
        assert "2 workers on SQLite: safe" in log
    assert "2 workers without OPENMAZE_REDIS_URL" in log
