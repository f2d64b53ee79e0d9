"""Several real server processes over one PostgreSQL database and one Redis.

Tests marked `postgres_redis` need both services: they run in the PostgreSQL pass
(`OPENMAZE_TEST_DB=postgres`, which `.ci/run` and `make test` provide) and are deselected
in the SQLite pass, which cannot share one database across hosts anyway. Redis comes from
`OPENMAZE_TEST_REDIS_URL` (default redis://127.0.0.1:6379/15); each test gets its own key
prefix, so parallel runs never share a count, and its keys are deleted afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.conftest import LiveServer, free_port, start_server, stop_server

REDIS_URL = os.environ.get("OPENMAZE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise RuntimeError(f"these tests need Redis at {REDIS_URL} (OPENMAZE_TEST_REDIS_URL): {exc}") from exc
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"omtest-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


StartCluster = Callable[..., list[LiveServer]]


@pytest.fixture
def start_cluster(database_url: str, tmp_path: Path, redis_url: str, redis_prefix: str) -> Iterator[StartCluster]:
    """`start_cluster(n=2, **env)`: n `openmaze serve` processes on this test's database,
    sharing one Redis under this test's key prefix. Extra `OPENMAZE_*` settings as keywords
    (`rate_limit_auth_failures="5/minute"`)."""
    started: list[LiveServer] = []

    def start(n: int = 2, redis: bool = True, **settings: Any) -> list[LiveServer]:
        env = {f"OPENMAZE_{k.upper()}": str(v) for k, v in settings.items()}
        if redis:
            env |= {"OPENMAZE_REDIS_URL": redis_url, "OPENMAZE_REDIS_KEY_PREFIX": redis_prefix}
        servers = []
        for _ in range(n):
            server = start_server(database_url, tmp_path, env, ["--no-access-log"])
            started.append(server)
            servers.append(server)
        return servers

    yield start
    for server in started:
        stop_server(server)


class RedisProcess:
    """A private redis-server, so a test can stop and restart it (the shared one it must not)."""

    def __init__(self, tmp_path: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.binary = binary
        self.port = free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            while time.monotonic() < deadline:
                try:
                    client.ping()
                    return
                except redis.RedisError:
                    time.sleep(0.05)
        finally:
            client.close()
        raise RuntimeError("the private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path)
    server.start()
    yield server
    server.stop()
