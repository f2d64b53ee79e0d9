"""Shared fixtures.

Every test gets its own freshly migrated database holding the demo catalog:
- SQLite (default): a copy of a template file migrated once per session.
- PostgreSQL (`OPENMAZE_TEST_DB=postgres` with `OPENMAZE_TEST_POSTGRES_URL` set; `make test`
  does this second pass when the URL is set): `CREATE DATABASE ... TEMPLATE` from a template
  database migrated once per session, dropped after the test.

Users are made through the same account functions the CLI uses. `client` is an in-process
TestClient; `live_server` runs the real `openmaze serve` on a socket.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.auth import accounts
from openmaze.catalog.demo import demo_shows
from openmaze.catalog.importer import parse_document, write_batch
from openmaze.db import migrate
from openmaze.db.database import Conn, Database, create_database, run_with_database
from openmaze.settings import Settings
from openmaze.testing import free_port, stop_process

TEST_SECRET = "test-secret-key-not-for-production"
BACKEND = os.environ.get("OPENMAZE_TEST_DB", "sqlite")
PG_URL = os.environ.get("OPENMAZE_TEST_POSTGRES_URL", "")


def pytest_report_header(config: Any) -> str:
    return f"openmaze test database: {BACKEND}" + (f" ({PG_URL})" if BACKEND == "postgres" else "")


# Tests that need the PostgreSQL server itself (`postgres`) or several server processes on
# PostgreSQL and Redis (`postgres_redis`, tests/scale/) run in the PostgreSQL pass, which
# `.ci/run` and `make test` provide, and are deselected in the SQLite pass.
POSTGRES_ONLY = ("postgres", "postgres_redis")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if BACKEND == "postgres":
            # Tests that use no test database: once, in the SQLite pass, is enough.
            drop = item.get_closest_marker("standalone") is not None
        else:
            drop = any(item.get_closest_marker(m) for m in POSTGRES_ONLY)
        (dropped if drop else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


async def _load_demo(url: str) -> None:
    db = create_database(url)
    await db.open()
    try:
        async with db.transaction() as conn:
            await write_batch(conn, parse_document(demo_shows(), "demo"))
    finally:
        await db.close()


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _pg_url_for(name: str) -> str:
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "postgres":
        if not PG_URL:
            raise RuntimeError("OPENMAZE_TEST_DB=postgres needs OPENMAZE_TEST_POSTGRES_URL")
        name = f"openmaze_tmpl_{os.getpid()}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = _pg_url_for(name)
        migrate.upgrade(url)
        asyncio.run(_load_demo(url))
        yield name
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        asyncio.run(_load_demo(url))
        yield str(path)


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> Iterator[str]:
    """A private, migrated database with the demo catalog, for this test alone."""
    if BACKEND == "postgres":
        name = f"openmaze_t_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        yield _pg_url_for(name)
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "openmaze.sqlite3"
        shutil.copyfile(template_database, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url, secret_key=TEST_SECRET, data_dir=tmp_path, public_url="http://testserver"
    )


@pytest.fixture
def app(settings: Settings) -> Any:
    return create_app(settings)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def run_sync(database_url: str, fn: Callable[[Conn], Any]) -> Any:
    """Run `fn(conn)` in a transaction on a connection of its own (any time, any backend)."""

    async def in_transaction(db: Database) -> Any:
        async with db.transaction() as conn:
            return await fn(conn)

    return run_with_database(database_url, in_transaction)


@dataclass
class ApiUser:
    id: int
    username: str
    email: str
    key: str
    premium: int

    @property
    def auth(self) -> tuple[str, str]:
        return (self.username, self.key)

    @property
    def headers(self) -> dict[str, str]:
        token = base64.b64encode(f"{self.username}:{self.key}".encode()).decode()
        return {"Authorization": f"Basic {token}"}


@pytest.fixture
def make_user(database_url: str) -> Callable[..., ApiUser]:
    def make(
        username: str, premium: int = 1, email: str | None = None, password: str | None = None, confirmed: bool = True
    ) -> ApiUser:
        email = email or f"{username}@example.com"

        async def create(conn: Conn) -> ApiUser:
            hashed = await accounts.new_password(password) if password is not None else None
            user_id = await accounts.create_user(
                conn, username, email, premium=premium, password=hashed, email_confirmed=confirmed
            )
            new = await accounts.create_key(conn, TEST_SECRET.encode(), user_id, "test")
            return ApiUser(user_id, username, email, new.key, premium)

        result: ApiUser = run_sync(database_url, create)
        return result

    return make


@pytest.fixture
def alice(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("alice", premium=1)


@pytest.fixture
def bob(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("bob", premium=2)


@pytest.fixture
def free_user(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("freddie", premium=0)


# Demo catalog ids that tests can rely on.
DEMO_SHOW = 900_001
DEMO_SHOW_2 = 900_002
UNKNOWN_ID = 123_456_789


@pytest.fixture(scope="session")
def demo() -> list[dict[str, Any]]:
    """The demo catalog as show objects (what the test database holds)."""
    return demo_shows()


def fresh_env(home: Path) -> dict[str, str]:
    """The environment of someone with no openmaze configuration and an empty home folder:
    no OPENMAZE_* variables, no XDG_* folders, so the data folder is
    HOME/.local/share/openmaze (on Linux), as after a first install."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENMAZE_", "XDG_"))}
    env["HOME"] = str(home)
    return env


DATA_FOLDER = Path(".local", "share", "openmaze")  # in HOME, for fresh_env


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    database_url: str, tmp_path: Path, extra_env: dict[str, str] | None = None, args: list[str] | None = None
) -> LiveServer:
    port = free_port()
    env = {
        **os.environ,
        "OPENMAZE_DATABASE_URL": database_url,
        "OPENMAZE_SECRET_KEY": TEST_SECRET,
        "OPENMAZE_DATA_DIR": str(tmp_path),
        "OPENMAZE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **(extra_env or {}),
    }
    log_path = tmp_path / f"server-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "openmaze", "serve", "--port", str(port), *(args or [])],
        env=env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return LiveServer(url, process, log_path)
        except httpx.HTTPError:
            time.sleep(0.1)
    # SIGTERM, not SIGKILL: uvicorn's supervisor then stops its workers, which a killed
    # supervisor leaves running (and busy) after the test.
    stop_server(LiveServer(url, process, log_path))
    raise RuntimeError(f"server did not start:\n{log_path.read_text()}")


def stop_server(server: LiveServer) -> None:
    stop_process(server.process)


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(database_url, tmp_path)
    yield server
    stop_server(server)
