"""`openmaze.db.pgpool`'s rules, without PostgreSQL: connections are fakes that answer the
four questions the pool asks (`is_closed`, `is_in_transaction`, `terminate`, `close`), so
every path through acquire/release/close runs in the SQLite pass too. The same pool
against the real server: tests/ops/test_pg_pool.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import TypeVar

import asyncpg
import pytest

from openmaze.db.pgpool import PgPool, PoolClosed

T = TypeVar("T")


class FakeConnection:
    def __init__(self, number: int) -> None:
        self.number = number
        self.closed = False
        self.terminated = False
        self.in_transaction = False
        self.close_fails = False

    def is_closed(self) -> bool:
        return self.closed

    def is_in_transaction(self) -> bool:
        return self.in_transaction

    def terminate(self) -> None:
        self.closed = self.terminated = True

    async def close(self, timeout: float | None = None) -> None:
        if self.close_fails:
            raise OSError("the server went away (test)")
        self.closed = True


class FakeConnect:
    """The pool's `connect`: numbered fake connections, failing on demand."""

    def __init__(self) -> None:
        self.opened: list[FakeConnection] = []
        self.failures = 0  # the next this many calls fail

    async def __call__(self) -> FakeConnection:
        await asyncio.sleep(0)  # a real connect suspends
        if self.failures:
            self.failures -= 1
            raise OSError("connection refused (test)")
        conn = FakeConnection(len(self.opened) + 1)
        self.opened.append(conn)
        return conn


@pytest.fixture
def connect() -> FakeConnect:
    return FakeConnect()


async def _pool(connect: FakeConnect, min_size: int, max_size: int) -> PgPool:
    pool = PgPool(connect, min_size=min_size, max_size=max_size)  # type: ignore[arg-type]
    await pool.open()
    return pool


@pytest.fixture
async def single(connect: FakeConnect) -> AsyncIterator[PgPool]:
    """One connection: every second lease waits."""
    pool = await _pool(connect, 1, 1)
    yield pool
    await pool.close()


@pytest.fixture
async def pool(connect: FakeConnect) -> AsyncIterator[PgPool]:
    pool = await _pool(connect, 1, 3)
    yield pool
    await pool.close()


async def _done(awaitable: Awaitable[T]) -> T:
    """`awaitable`'s result, or a failure instead of a test that hangs on a lost wakeup."""
    return await asyncio.wait_for(awaitable, 5)


async def _settle() -> None:
    for _ in range(5):  # let every task that can run, run
        await asyncio.sleep(0)


async def _waiting(pool: PgPool, name: str, served: list[tuple[str, int]]) -> asyncio.Task[None]:
    async def wait() -> None:
        async with pool.lease() as conn:
            served.append((name, conn.number))

    task = asyncio.create_task(wait())
    await _settle()
    return task


# --- sizes ---------------------------------------------------------------------------------


async def test_open_makes_min_size_and_acquire_opens_up_to_max_size(connect: FakeConnect) -> None:
    pool = await _pool(connect, 2, 3)
    assert (pool.size, pool.idle, len(connect.opened)) == (2, 2, 2)
    held = [await pool.acquire() for _ in range(3)]
    assert (pool.size, pool.idle, len(connect.opened)) == (3, 0, 3)
    for conn in held:
        pool.release(conn)
    assert (pool.size, pool.idle) == (3, 3)
    await pool.close()
    assert all(c.closed and not c.terminated for c in connect.opened)


async def test_a_failed_open_closes_what_it_opened(connect: FakeConnect) -> None:
    connect.failures = 1
    pool = PgPool(connect, min_size=3, max_size=3)  # type: ignore[arg-type]
    with pytest.raises(OSError):
        await pool.open()
    assert pool.size == 0 and len(connect.opened) == 2 and all(c.closed for c in connect.opened)
    with pytest.raises(PoolClosed):
        await pool.acquire()


def test_sizes_must_make_sense(connect: FakeConnect) -> None:
    for low, high in ((2, 1), (-1, 1), (0, 0)):
        with pytest.raises(ValueError):
            PgPool(connect, min_size=low, max_size=high)  # type: ignore[arg-type]


async def test_never_more_than_max_size_lent(pool: PgPool, connect: FakeConnect) -> None:
    busy = most = 0

    async def work() -> None:
        nonlocal busy, most
        async with pool.lease():
            busy += 1
            most = max(most, busy)
            await asyncio.sleep(0.001)
            busy -= 1

    await asyncio.gather(*(work() for _ in range(20)))
    assert most == 3 and len(connect.opened) == 3 and (pool.size, pool.idle) == (3, 3)


# --- waiters -------------------------------------------------------------------------------


async def test_waiters_are_served_in_arrival_order(single: PgPool, connect: FakeConnect) -> None:
    served: list[tuple[str, int]] = []
    held = await single.acquire()
    tasks = [await _waiting(single, name, served) for name in "abcd"]
    assert served == []
    single.release(held)
    await _done(asyncio.gather(*tasks))
    assert served == [("a", 1), ("b", 1), ("c", 1), ("d", 1)]
    assert len(connect.opened) == 1 and (single.size, single.idle) == (1, 1)


async def test_a_cancelled_waiter_leaves_the_queue(single: PgPool) -> None:
    served: list[tuple[str, int]] = []
    held = await single.acquire()
    first = await _waiting(single, "first", served)
    gone = await _waiting(single, "gone", served)
    last = await _waiting(single, "last", served)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await _done(gone)
    assert len(single._waiters) == 2  # not left for a release to skip
    single.release(held)
    await _done(asyncio.gather(first, last))
    assert served == [("first", 1), ("last", 1)] and (single.size, single.idle) == (1, 1)


async def test_a_waiter_cancelled_after_being_handed_a_connection_passes_it_on(single: PgPool) -> None:
    served: list[tuple[str, int]] = []
    held = await single.acquire()
    gone = asyncio.create_task(single.acquire())
    await _settle()
    after = await _waiting(single, "after", served)
    single.release(held)  # resolves `gone`'s future with the connection...
    gone.cancel()  # ...and `gone` is cancelled before it runs again
    with pytest.raises(asyncio.CancelledError):
        await _done(gone)
    await _done(after)
    assert served == [("after", 1)] and (single.size, single.idle) == (1, 1)
    assert not held.terminated


async def test_a_waiter_cancelled_after_being_handed_a_slot_passes_it_on(single: PgPool, connect: FakeConnect) -> None:
    held = await single.acquire()
    gone = asyncio.create_task(single.acquire())
    await _settle()
    held.closed = True  # the server closed it while it was lent
    single.release(held)  # frees the slot and hands it to `gone`...
    gone.cancel()  # ...which is cancelled before it opens a connection
    with pytest.raises(asyncio.CancelledError):
        await _done(gone)
    assert single.size == 0
    async with single.lease() as conn:
        assert conn.number == 2
    assert single.size == 1


async def test_an_acquire_that_times_out_leaves_nothing_behind(single: PgPool, connect: FakeConnect) -> None:
    held = await single.acquire()
    for _ in range(3):
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(single.acquire(), 0.01)
    assert not single._waiters
    single.release(held)
    assert (single.size, single.idle) == (1, 1)
    assert await asyncio.wait_for(single.acquire(), 1) is held
    single.release(held)
    assert len(connect.opened) == 1


async def test_a_failed_connect_frees_its_slot_for_the_next_waiter(single: PgPool, connect: FakeConnect) -> None:
    served: list[tuple[str, int]] = []
    held = await single.acquire()
    unlucky = asyncio.create_task(single.acquire())
    await _settle()
    lucky = await _waiting(single, "lucky", served)
    connect.failures = 1
    held.closed = True
    single.release(held)  # a slot, not a connection: `unlucky` opens one, which fails
    with pytest.raises(OSError):
        await _done(unlucky)
    await _done(lucky)
    assert served == [("lucky", 2)] and (single.size, single.idle) == (1, 1)


# --- what comes back -----------------------------------------------------------------------


async def test_a_healthy_connection_is_reused(pool: PgPool, connect: FakeConnect) -> None:
    for _ in range(3):
        async with pool.lease() as conn:
            assert conn.number == 1
    with pytest.raises(LookupError):
        async with pool.lease():
            raise LookupError("a 404 raised inside the block")
    async with pool.lease() as conn:
        assert conn.number == 1 and not conn.terminated
    assert len(connect.opened) == 1


@pytest.mark.parametrize("state", ["closed", "in a transaction"])
async def test_a_connection_returned_closed_or_in_a_transaction_is_replaced(
    pool: PgPool, connect: FakeConnect, state: str
) -> None:
    async with pool.lease() as conn:
        if state == "closed":
            conn.closed = True
        else:
            conn.in_transaction = True
    assert conn.terminated and (pool.size, pool.idle) == (0, 0)
    async with pool.lease() as fresh:
        assert fresh.number == 2
    assert pool.size == 1


@pytest.mark.parametrize(
    "ending",
    [asyncio.CancelledError(), TimeoutError(), asyncpg.InterfaceError("mid-statement (test)")],
    ids=["cancelled", "timed out", "interface error"],
)
async def test_a_block_that_may_have_left_a_statement_running_terminates_its_connection(
    pool: PgPool, connect: FakeConnect, ending: BaseException
) -> None:
    with pytest.raises(type(ending)):
        async with pool.lease() as conn:
            raise ending
    assert conn.terminated and pool.size == 0
    async with pool.lease() as fresh:
        assert fresh.number == 2


async def test_a_block_cancelled_while_it_waits_terminates_its_connection(pool: PgPool) -> None:
    started = asyncio.Event()
    lent: list[FakeConnection] = []

    async def slow() -> None:
        async with pool.lease() as conn:
            lent.append(conn)
            started.set()
            await asyncio.sleep(10)  # a statement in flight

    task = asyncio.create_task(slow())
    await _done(started.wait())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await _done(task)
    assert lent[0].terminated and (pool.size, pool.idle) == (0, 0)


async def test_a_terminated_connection_hands_its_slot_to_a_waiter(single: PgPool, connect: FakeConnect) -> None:
    served: list[tuple[str, int]] = []
    held = await single.acquire()
    waiter = await _waiting(single, "waiter", served)
    single.release(held, reusable=False)
    await _done(waiter)
    assert held.terminated and served == [("waiter", 2)] and single.size == 1


async def test_a_connection_closed_while_idle_is_replaced(pool: PgPool, connect: FakeConnect) -> None:
    connect.opened[0].closed = True  # a server restart, say
    async with pool.lease() as conn:
        assert conn.number == 2
    assert (pool.size, pool.idle) == (1, 1)


# --- close ---------------------------------------------------------------------------------


async def test_close_with_borrowers_and_waiters(single: PgPool, connect: FakeConnect) -> None:
    held = await single.acquire()
    waiter = asyncio.create_task(single.acquire())
    await _settle()
    await single.close()
    with pytest.raises(PoolClosed):
        await _done(waiter)
    with pytest.raises(PoolClosed):
        await single.acquire()
    assert single.size == 1 and not held.closed  # still lent: its block may be mid-statement
    single.release(held)
    assert held.terminated and single.size == 0


async def test_close_closes_idle_connections_and_terminates_those_that_resist(connect: FakeConnect) -> None:
    pool = await _pool(connect, 2, 2)
    connect.opened[1].close_fails = True
    await pool.close()
    first, second = connect.opened
    assert first.closed and not first.terminated
    assert second.terminated
    assert (pool.size, pool.idle) == (0, 0)
