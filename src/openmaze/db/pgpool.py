"""A small pool of asyncpg connections: a list of idle ones and a queue of waiters.

Why not `asyncpg.Pool`: around every query it builds a proxy object, re-arms an
inactivity timer, creates a future, and on release spawns a Task (`asyncio.shield`): a
large share of a cheap read's CPU on PostgreSQL (measured with `python -m bench.inproc
--postgres`, figures in docs/performance.md). This pool hands out the connection itself and
takes it back synchronously.

What it keeps from asyncpg's: at most `max_size` connections, opened on demand once the
`min_size` opened at start are busy; waiters served in arrival order; a connection that
comes back closed, inside a transaction, or from a block that ended by cancellation is
terminated, never reused (a replacement is opened when next needed); `close()` closes the
idle connections and every connection returned afterwards. What it leaves out, because
openmaze does not use it: session reset on release (no LISTEN, SET, advisory locks or
cursors outside a transaction), per-connection setup, recycling after N queries or after
idling. asyncpg's own statement cache works per connection as before.

`AsyncpgPool` puts asyncpg's Pool behind the same two calls, `lease()` and `close()`
(`OPENMAZE_DATABASE_POOL=asyncpg`): the way back, should this pool misbehave somewhere.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import asyncpg

from openmaze.db.faults import DatabaseTimeout
from openmaze.db.faults import PoolClosed as PoolClosed  # defined with the other faults

Connect = Callable[[], Awaitable[asyncpg.Connection]]


class PgPool:
    def __init__(self, connect: Connect, min_size: int, max_size: int, acquire_timeout: float | None = None) -> None:
        """`acquire_timeout`: the most seconds a request waits for a busy pool to lend it a
        connection (None: no limit); past it, `DatabaseTimeout` (a 503). Opening a
        connection is bounded by `connect` itself (asyncpg's `timeout`)."""
        if not 0 <= min_size <= max_size or max_size < 1:
            raise ValueError("a pool needs 0 <= min_size <= max_size and max_size >= 1")
        self._connect = connect
        self.min_size = min_size
        self.max_size = max_size
        self.acquire_timeout = acquire_timeout
        self._idle: list[asyncpg.Connection] = []
        self._size = 0  # connections open, being opened, or lent out
        # Each waiter's future gets a connection, or None: "a slot is free, open one".
        self._waiters: deque[asyncio.Future[asyncpg.Connection | None]] = deque()
        self._closed = False

    @property
    def size(self) -> int:
        return self._size

    @property
    def idle(self) -> int:
        return len(self._idle)

    async def open(self) -> None:
        self._size += self.min_size
        results = await asyncio.gather(*(self._connect() for _ in range(self.min_size)), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        self._idle.extend(r for r in results if not isinstance(r, BaseException))
        self._size -= len(failures)
        if failures:
            await self.close()
            raise failures[0]

    async def acquire(self) -> asyncpg.Connection:
        if self._closed:
            raise PoolClosed("the database pool is closed")
        while self._idle:
            conn = self._idle.pop()
            if not conn.is_closed():
                return conn
            self._size -= 1  # closed while idle (server restart, network): replace it
        if self._size < self.max_size:
            return await self._open_one()
        waiter: asyncio.Future[asyncpg.Connection | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            # A hung server keeps every connection busy until its statements time out; a
            # waiter gives up after the same budget instead of queueing without end.
            async with asyncio.timeout(self.acquire_timeout):
                conn = await waiter
        except TimeoutError:
            raise DatabaseTimeout(f"no database connection was free within {self.acquire_timeout:g} s") from None
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                # Handed a connection (or a free slot) just as we were cancelled: pass it on.
                handed = waiter.result()
                if handed is None:
                    self._free_slot()
                else:
                    self.release(handed)
            elif waiter in self._waiters:  # a release may already have dropped it
                self._waiters.remove(waiter)
            raise
        if conn is None:
            return await self._open_one(reserved=True)
        return conn

    async def _open_one(self, reserved: bool = False) -> asyncpg.Connection:
        if not reserved:
            self._size += 1
        try:
            return await self._connect()
        except BaseException:
            self._free_slot()
            raise

    def release(self, conn: asyncpg.Connection, reusable: bool = True) -> None:
        """Give a connection back. `reusable=False` (the block ended by cancellation or an
        error that may have left a statement running) terminates it instead."""
        if self._closed or not reusable or conn.is_closed() or conn.is_in_transaction():
            conn.terminate()
            self._free_slot()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append(conn)

    def _free_slot(self) -> None:
        self._size -= 1
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._size += 1  # reserved for the waiter, which opens it
                waiter.set_result(None)
                return

    def lease(self) -> Lease:
        """`async with pool.lease() as conn`: one connection for the block."""
        return Lease(self)

    async def close(self) -> None:
        """Close the idle connections now; connections lent out are closed as they return.
        Waiters get PoolClosed."""
        self._closed = True
        idle, self._idle = self._idle, []
        self._size -= len(idle)
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(PoolClosed("the database pool is closed"))
        self._waiters.clear()
        results = await asyncio.gather(*(c.close(timeout=5) for c in idle), return_exceptions=True)
        for conn, result in zip(idle, results, strict=True):
            if isinstance(result, BaseException):
                conn.terminate()


class Lease:
    """A class, not an @asynccontextmanager generator: every PostgreSQL request passes
    through it, and the generator machinery costs a few microseconds each time."""

    __slots__ = ("_conn", "_pool")

    def __init__(self, pool: PgPool) -> None:
        self._pool = pool
        self._conn: Any = None

    async def __aenter__(self) -> asyncpg.Connection:
        self._conn = await self._pool.acquire()
        return self._conn

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: object, tb: object) -> None:
        conn, self._conn = self._conn, None
        # An ordinary exception (a 404 raised after a query, a constraint violation) leaves
        # the connection idle; cancellation or a timeout may have interrupted a statement.
        self._pool.release(conn, reusable=exc_type is None or _leaves_connection_idle(exc_type))


def _leaves_connection_idle(exc_type: type[BaseException]) -> bool:
    return issubclass(exc_type, Exception) and not issubclass(exc_type, (TimeoutError, asyncpg.InterfaceError))


class AsyncpgPool:
    """asyncpg's own Pool (`asyncpg.create_pool`) with PgPool's `lease()` and `close()`.
    `connect_options`: asyncpg.connect's keywords (timeouts, server settings)."""

    def __init__(
        self,
        url: str,
        min_size: int,
        max_size: int,
        acquire_timeout: float | None = None,
        connect_options: dict[str, Any] | None = None,
    ) -> None:
        self._url = url
        self.min_size = min_size
        self.max_size = max_size
        self.acquire_timeout = acquire_timeout
        self._connect_options = connect_options or {}
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(
            self._url, min_size=self.min_size, max_size=self.max_size, **self._connect_options
        )

    def lease(self) -> AbstractAsyncContextManager[asyncpg.Connection]:
        if self._pool is None:
            raise PoolClosed("the database pool is not open")
        # yields a proxy of the connection
        return self._pool.acquire(timeout=self.acquire_timeout)  # type: ignore[return-value]

    async def close(self) -> None:
        """asyncpg's close waits for the connections lent out; past a bound, terminate them."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            await asyncio.wait_for(pool.close(), 5)
        except TimeoutError:
            pool.terminate()
