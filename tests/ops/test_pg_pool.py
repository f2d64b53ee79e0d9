"""`openmaze.db.pgpool` against the real PostgreSQL server: bounds, fairness, and that no
connection is lost or reused in a bad state (cancelled mid-statement, killed by the
server, left inside a transaction, handed to a waiter that was cancelled); and the app on
asyncpg's own pool instead (`OPENMAZE_DATABASE_POOL=asyncpg`). The same rules without a
server, on fake connections: tests/ops/test_pg_pool_rules.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.db.database import PostgresDatabase
from openmaze.db.pgpool import AsyncpgPool, PgPool, PoolClosed
from openmaze.settings import Settings
from tests.conftest import DEMO_SHOW, PG_URL, ApiUser

pytestmark = pytest.mark.postgres


class Counting:
    """asyncpg.connect for the pool, counting connections opened (and failing on demand)."""

    def __init__(self) -> None:
        self.opened = 0
        self.fail_next = False

    async def __call__(self) -> asyncpg.Connection:
        if self.fail_next:
            self.fail_next = False
            raise OSError("connection refused (test)")
        self.opened += 1
        return await asyncpg.connect(PG_URL)


@pytest.fixture
async def connect() -> Counting:
    return Counting()


@pytest.fixture
async def pool(connect: Counting) -> AsyncIterator[PgPool]:
    pool = PgPool(connect, min_size=1, max_size=3)
    await pool.open()
    yield pool
    await pool.close()


@pytest.fixture
async def single(connect: Counting) -> AsyncIterator[PgPool]:
    """A pool of one connection: every second lease waits."""
    pool = PgPool(connect, min_size=1, max_size=1)
    await pool.open()
    yield pool
    await pool.close()


async def backend_pid(pool: PgPool) -> int:
    async with pool.lease() as conn:
        pid: int = await conn.fetchval("SELECT pg_backend_pid()")
        return pid


async def test_a_returned_connection_is_reused(pool: PgPool, connect: Counting) -> None:
    first = await backend_pid(pool)
    assert [await backend_pid(pool) for _ in range(5)] == [first] * 5
    assert connect.opened == 1 and pool.size == 1 and pool.idle == 1


async def test_never_more_than_max_size_connections(pool: PgPool, connect: Counting) -> None:
    busy = 0
    most = 0

    async def work() -> int:
        nonlocal busy, most
        async with pool.lease() as conn:
            busy += 1
            most = max(most, busy)
            pid: int = await conn.fetchval("SELECT pg_backend_pid() FROM pg_sleep(0.02)")
            busy -= 1
            return pid

    pids = await asyncio.gather(*(work() for _ in range(20)))
    assert most == 3 and len(set(pids)) == 3
    assert connect.opened == 3 and pool.size == 3 and pool.idle == 3


async def test_waiters_are_served_in_arrival_order(single: PgPool, connect: Counting) -> None:
    served: list[str] = []

    async def waiter(name: str) -> None:
        async with single.lease():
            served.append(name)

    async with single.lease():
        tasks = [asyncio.create_task(waiter(n)) for n in "abc"]
        await asyncio.sleep(0.01)
        assert served == []
    await asyncio.gather(*tasks)
    assert served == ["a", "b", "c"] and connect.opened == 1


async def test_a_cancelled_waiter_does_not_lose_the_connection(single: PgPool, connect: Counting) -> None:
    async with single.lease():
        gone = asyncio.create_task(single.acquire())
        await asyncio.sleep(0.01)
        gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert await asyncio.wait_for(backend_pid(single), 5) > 0
    assert single.size == 1 and connect.opened == 1


async def test_a_waiter_cancelled_after_being_handed_a_connection_passes_it_on(single: PgPool) -> None:
    held = await single.acquire()
    gone = asyncio.create_task(single.acquire())
    await asyncio.sleep(0.01)
    single.release(held)  # hands the connection to `gone`'s future...
    gone.cancel()  # ...which is cancelled before it runs again
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert single.idle == 1 and single.size == 1
    assert await asyncio.wait_for(backend_pid(single), 5) > 0


async def test_a_block_cancelled_mid_statement_never_returns_its_connection(pool: PgPool, connect: Counting) -> None:
    started = asyncio.Event()
    pids: list[int] = []

    async def slow() -> None:
        async with pool.lease() as conn:
            pids.append(await conn.fetchval("SELECT pg_backend_pid()"))
            started.set()
            await conn.execute("SELECT pg_sleep(5)")

    task = asyncio.create_task(slow())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pool.size == 0 and pool.idle == 0
    fresh = await backend_pid(pool)
    assert fresh != pids[0] and connect.opened == 2


async def test_an_ordinary_error_after_a_query_keeps_the_connection(pool: PgPool) -> None:
    first = await backend_pid(pool)
    with pytest.raises(asyncpg.UndefinedTableError):
        async with pool.lease() as conn:
            await conn.fetch("SELECT * FROM no_such_table_here")
    with pytest.raises(LookupError):
        async with pool.lease() as conn:
            await conn.fetchval("SELECT 1")
            raise LookupError("a 404 raised inside the block")
    assert await backend_pid(pool) == first


async def test_a_connection_left_inside_a_transaction_is_not_reused(pool: PgPool) -> None:
    first = await backend_pid(pool)
    async with pool.lease() as conn:
        await conn.execute("BEGIN")
    assert await backend_pid(pool) != first
    assert pool.size == 1


async def test_a_connection_killed_while_idle_is_replaced(pool: PgPool, connect: Counting) -> None:
    async with pool.lease() as idle:
        victim = await idle.fetchval("SELECT pg_backend_pid()")
    killer = await asyncpg.connect(PG_URL)
    try:
        assert await killer.fetchval("SELECT pg_terminate_backend($1)", victim)
    finally:
        await killer.close()
    for _ in range(500):  # until the event loop has read the server's goodbye
        if idle.is_closed():
            break
        await asyncio.sleep(0.01)
    assert await backend_pid(pool) != victim
    assert pool.size == 1 and connect.opened == 2


async def test_a_failed_connect_frees_its_slot(connect: Counting) -> None:
    pool = PgPool(connect, min_size=0, max_size=1)
    await pool.open()
    try:
        connect.fail_next = True
        with pytest.raises(OSError):
            await pool.acquire()
        assert pool.size == 0
        assert await backend_pid(pool) > 0 and pool.size == 1
    finally:
        await pool.close()


async def test_close_refuses_new_leases_and_closes_what_comes_back(pool: PgPool) -> None:
    held = await pool.acquire()
    waiter = asyncio.create_task(_acquire_all(pool, 3))
    await asyncio.sleep(0.05)
    await pool.close()
    with pytest.raises(PoolClosed):
        await waiter
    with pytest.raises(PoolClosed):
        await pool.acquire()
    pool.release(held)
    assert held.is_closed() and pool.size == 0


async def _acquire_all(pool: PgPool, n: int) -> None:
    # More leases than the pool has connections left: the last one waits.
    held: list[asyncpg.Connection] = []
    try:
        for _ in range(n):
            held.append(await pool.acquire())
    finally:
        for conn in held:
            pool.release(conn)


def test_the_app_works_on_asyncpgs_own_pool(settings: Settings, alice: ApiUser) -> None:
    app = create_app(settings.model_copy(update={"database_pool": "asyncpg", "database_pool_size": 2}))
    with TestClient(app) as client:
        db = app.state.services.db
        assert isinstance(db, PostgresDatabase) and isinstance(db._opened(), AsyncpgPool)
        assert client.get("/v1/auth/validate", auth=alice.auth).json() == {"premium": 1}
        assert client.put(f"/v1/user/follows/shows/{DEMO_SHOW}", auth=alice.auth).status_code == 200
        follows = client.get("/v1/user/follows/shows", auth=alice.auth).json()
        assert [f["show_id"] for f in follows] == [DEMO_SHOW]
        episodes = client.get(f"/shows/{DEMO_SHOW}/episodes").json()
        marks = [{"episode_id": e["id"], "type": 0} for e in episodes[:3]]
        assert client.post("/v1/scrobble/episodes", json=marks, auth=alice.auth).status_code == 200
        assert len(client.get("/v1/user/episodes", auth=alice.auth).json()) == 3
        # An error inside a transaction rolls back and leaves the connection usable.
        assert client.put(f"/v1/user/follows/shows/{2**31 - 1}", auth=alice.auth).status_code == 404
        assert client.delete(f"/v1/user/follows/shows/{DEMO_SHOW}", auth=alice.auth).status_code == 200
        assert client.get("/v1/user/follows/shows", auth=alice.auth).json() == []
        assert client.get("/readyz").status_code == 200
    assert db._pool is None  # closed with the app
