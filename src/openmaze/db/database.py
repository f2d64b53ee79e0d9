"""The request-path database layer: plain SQL on the raw drivers.

SQLAlchemy's async engine costs several times what stdlib `sqlite3` called directly in
the event loop and raw `asyncpg` connections cost per request (`shared/docs/performance-notes.md`;
our own measurements: `python -m bench.run`, see docs/performance.md). So SQLAlchemy describes
the schema and drives Alembic; requests use this module.

SQL is written once with `:name` parameters, valid on both engines (ON CONFLICT,
RETURNING, standard types). For asyncpg the statement is rewritten to `$n` once and cached.

SQLite: one connection per process, queries run synchronously in the event loop (an
indexed query takes microseconds, far less than a thread hop). A write transaction never
awaits anything that suspends, so requests cannot interleave inside it; an asyncio lock
makes that a guarantee rather than an accident. Across processes (workers, the CLI) the
write lock is tried without waiting (the connection has no `busy_timeout`) and, while
another process holds it, waited for with `asyncio.sleep` between tries: the event loop
keeps serving reads meanwhile, which WAL lets proceed beside a write. Past the budget
(`lock_timeout`, the `database_lock_timeout_seconds` setting) the write gives up with
`DatabaseBusy` (a 503 with Retry-After). SQLite's own busy handler would sleep inside the
call and freeze the whole worker.

PostgreSQL: asyncpg connections from a small pool of our own (`openmaze.db.pgpool`), or
from asyncpg's (`OPENMAZE_DATABASE_POOL=asyncpg`); each read block or transaction holds one
pooled connection.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

import orjson

from openmaze.db.faults import DatabaseBusy

if TYPE_CHECKING:
    from openmaze.db.pgpool import AsyncpgPool, PgPool

# Which pool holds the PostgreSQL connections (the `database_pool` setting).
PoolKind = Literal["own", "asyncpg"]

Params = Mapping[str, Any]
T = TypeVar("T")


class Row(Protocol):
    def __getitem__(self, key: str | int) -> Any: ...

    def keys(self) -> Iterable[str]: ...


class Conn(Protocol):
    """What a service function receives: one connection, possibly inside a transaction."""

    dialect: str

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Any]: ...

    async def fetch_one(self, sql: str, params: Params | None = None) -> Any | None: ...

    async def fetch_val(self, sql: str, params: Params | None = None) -> Any: ...

    async def execute(self, sql: str, params: Params | None = None) -> int: ...

    async def execute_many(self, sql: str, rows: Sequence[Params]) -> None: ...


def normalize_url(url: str) -> str:
    """Map user-facing URLs to the form the rest of openmaze understands.

    A plain `postgresql://` URL and driver-qualified SQLAlchemy URLs
    (`postgresql+asyncpg://`, `postgresql+psycopg://`, `sqlite+pysqlite:///`) all work.
    """
    if url.startswith(("postgres://", "postgresql://", "postgresql+")):
        return "postgresql://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        return "sqlite:///" + url.split(":///", 1)[1] if ":///" in url else url
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://...")


def dialect_of(url: str) -> str:
    return "postgresql" if normalize_url(url).startswith("postgresql") else "sqlite"


def sqlalchemy_url(url: str) -> str:
    """The URL for SQLAlchemy/Alembic (sync drivers: stdlib sqlite3, psycopg)."""
    url = normalize_url(url)
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def sqlite_path(url: str) -> str:
    return normalize_url(url).split(":///", 1)[1]


def display_url(url: str) -> str:
    """The URL with any password masked, for printing and logs."""
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    return urlunsplit(parts._replace(netloc=f"{userinfo.split(':', 1)[0]}:***@{host}"))


_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")


class _PgStatement:
    __slots__ = ("names", "sql")

    def __init__(self, sql: str, names: list[str]) -> None:
        self.sql = sql
        self.names = names


_pg_cache: dict[str, _PgStatement] = {}


def _to_pg(sql: str) -> _PgStatement:
    stmt = _pg_cache.get(sql)
    if stmt is None:
        names: list[str] = []

        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        stmt = _PgStatement(_PARAM.sub(repl, sql), names)
        _pg_cache[sql] = stmt
    return stmt


# --- SQLite ---------------------------------------------------------------------------


# The busy timeout of connections outside the server's event loop (the CLI's backups, tools):
# they may wait inside SQLite. The server's own connection has none (`SqliteDatabase.open`).
READ_BUSY_MS = 1000
_SQLITE_BUSY = 5


def _lock_pauses() -> Iterator[float]:
    """The waits between tries of a lock: short at first (most writes take well under a
    millisecond), then the last one repeated, so a waiter notices soon that it is free."""
    yield from (0.001, 0.002, 0.005, 0.01, 0.02)
    while True:
        yield 0.05


def connect_sqlite(path: str) -> sqlite3.Connection:
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA busy_timeout={READ_BUSY_MS}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _busy(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF == _SQLITE_BUSY


class SqliteConn:
    """Statements run in the event loop. The server's connection has no busy timeout (a
    wait inside SQLite would freeze the loop): a statement that finds a lock taken (rare
    for a read in WAL mode: another process recovering the WAL after a crash) is tried
    again after `asyncio.sleep`s, for at most `lock_timeout` seconds, then `DatabaseBusy`.
    The exception handlers cost nothing on the usual path."""

    dialect = "sqlite"

    def __init__(self, raw: sqlite3.Connection, lock_timeout: float = 5.0) -> None:
        self.raw = raw
        self.lock_timeout = lock_timeout

    # `async with db.read() as conn`: nothing to acquire or give back on SQLite.
    async def __aenter__(self) -> SqliteConn:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def _again(self, exc: sqlite3.OperationalError, run: Callable[[], T]) -> T:
        if not _busy(exc):
            raise exc
        deadline = time.monotonic() + self.lock_timeout
        for pause in _lock_pauses():
            left = deadline - time.monotonic()
            if left <= 0:
                raise DatabaseBusy(f"a lock on the database was held for {self.lock_timeout:g} s") from exc
            await asyncio.sleep(min(pause, left))
            try:
                return run()
            except sqlite3.OperationalError as again:
                if not _busy(again):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover - _lock_pauses() never ends

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Any]:
        try:
            return self.raw.execute(sql, params or {}).fetchall()
        except sqlite3.OperationalError as exc:
            return await self._again(exc, lambda: self.raw.execute(sql, params or {}).fetchall())

    async def fetch_one(self, sql: str, params: Params | None = None) -> Any | None:
        try:
            return self.raw.execute(sql, params or {}).fetchone()
        except sqlite3.OperationalError as exc:
            return await self._again(exc, lambda: self.raw.execute(sql, params or {}).fetchone())

    async def fetch_val(self, sql: str, params: Params | None = None) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Params | None = None) -> int:
        try:
            return self.raw.execute(sql, params or {}).rowcount
        except sqlite3.OperationalError as exc:
            return await self._again(exc, lambda: self.raw.execute(sql, params or {}).rowcount)

    async def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        if rows:
            try:
                self.raw.executemany(sql, rows)
            except sqlite3.OperationalError as exc:
                await self._again(exc, lambda: self.raw.executemany(sql, rows))


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, url: str, lock_timeout: float = 5.0) -> None:
        self.url = url
        self.path = sqlite_path(url)
        self.lock_timeout = lock_timeout
        self._raw: sqlite3.Connection | None = None
        self._version_cursor: sqlite3.Cursor | None = None
        self._write_lock = asyncio.Lock()
        self._commits = 0  # this process's commits: part of change_token()

    async def open(self) -> None:
        if self._raw is None:
            self._raw = connect_sqlite(self.path)
            self._raw.execute("PRAGMA busy_timeout=0")  # waits happen in asyncio, see SqliteConn
            self._version_cursor = self._raw.cursor()
            self._version_cursor.row_factory = None

    async def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None
            self._version_cursor = None

    def _conn(self) -> SqliteConn:
        if self._raw is None:
            raise RuntimeError("database is not open")
        return SqliteConn(self._raw, self.lock_timeout)

    def read(self) -> AbstractAsyncContextManager[Conn]:
        return self._conn()

    def change_token(self) -> tuple[int, int, int] | None:
        """A value that differs whenever the database may have changed since it was last
        taken: what a cache of query results is valid for (`openmaze.core.readcache`).

        `PRAGMA data_version` moves when any other connection (another worker, the CLI)
        commits; this connection's own writes move `total_changes` (rows it changed,
        outside transactions too) and `_commits`. Inside an open transaction the answer
        is None: what this connection reads there may yet be rolled back.
        """
        raw, cursor = self._raw, self._version_cursor
        if raw is None or cursor is None or raw.in_transaction:
            return None
        # A cursor of its own without the Row factory: measurably cheaper, and this runs on
        # every cached read (`python -m bench.inproc`, see docs/performance.md).
        version = cursor.execute("PRAGMA data_version").fetchone()[0]
        return version, raw.total_changes, self._commits

    async def _begin(self, conn: SqliteConn, lock_wait: float) -> None:
        """BEGIN IMMEDIATE: takes the write lock up front, so a transaction never fails half
        way with SQLITE_BUSY on its first write after reading. While another process holds
        the lock, it is waited for in asyncio (`SqliteConn`), at most `lock_wait` seconds."""
        try:
            conn.raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            waiting = SqliteConn(conn.raw, lock_wait)
            try:
                await waiting._again(exc, lambda: conn.raw.execute("BEGIN IMMEDIATE"))
            except DatabaseBusy:
                raise DatabaseBusy(
                    f"the write lock of {self.path} was held by another process for {lock_wait:g} s"
                ) from exc

    @asynccontextmanager
    async def transaction(self, lock_wait: float | None = None) -> AsyncIterator[Conn]:
        """A write transaction. `lock_wait`: the most seconds to wait for the write lock
        (default: `lock_timeout`); 0 gives up at once if another process holds it."""
        conn = self._conn()
        budget = self.lock_timeout if lock_wait is None else lock_wait
        started = time.monotonic()
        if not self._write_lock.locked():
            await self._write_lock.acquire()  # free: no suspension, no timer
        elif budget <= 0:
            raise DatabaseBusy("this process is writing")
        else:
            try:
                await asyncio.wait_for(self._write_lock.acquire(), budget)
            except TimeoutError:
                raise DatabaseBusy(f"waited {budget:g} s for this process's earlier writes") from None
        try:
            await self._begin(conn, max(0.0, budget - (time.monotonic() - started)))
            try:
                yield conn
                conn.raw.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (a full disk or an I/O error, at a
                # statement or at COMMIT): the transaction must not stay open either way,
                # holding the write lock for every process.
                if conn.raw.in_transaction:
                    conn.raw.execute("ROLLBACK")
                raise
            self._commits += 1
        finally:
            self._write_lock.release()


# --- PostgreSQL -----------------------------------------------------------------------


class PgConn:
    dialect = "postgresql"

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    @staticmethod
    def _args(stmt: _PgStatement, params: Params | None) -> list[Any]:
        if not stmt.names:
            return []
        assert params is not None
        return [params[n] for n in stmt.names]

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Any]:
        stmt = _to_pg(sql)
        return list(await self.raw.fetch(stmt.sql, *self._args(stmt, params)))

    async def fetch_one(self, sql: str, params: Params | None = None) -> Any | None:
        stmt = _to_pg(sql)
        return await self.raw.fetchrow(stmt.sql, *self._args(stmt, params))

    async def fetch_val(self, sql: str, params: Params | None = None) -> Any:
        stmt = _to_pg(sql)
        return await self.raw.fetchval(stmt.sql, *self._args(stmt, params))

    async def execute(self, sql: str, params: Params | None = None) -> int:
        stmt = _to_pg(sql)
        status: str = await self.raw.execute(stmt.sql, *self._args(stmt, params))
        # "UPDATE 3", "DELETE 0", "INSERT 0 1"
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    async def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        if rows:
            stmt = _to_pg(sql)
            await self.raw.executemany(stmt.sql, [self._args(stmt, r) for r in rows])


class _PgRead:
    """`async with db.read() as conn`: a pooled connection for the block. A class, not an
    @asynccontextmanager generator: every read request passes through it."""

    __slots__ = ("_lease",)

    def __init__(self, lease: AbstractAsyncContextManager[Any]) -> None:
        self._lease = lease

    async def __aenter__(self) -> PgConn:
        return PgConn(await self._lease.__aenter__())

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._lease.__aexit__(exc_type, exc, tb)


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(
        self,
        url: str,
        min_size: int = 2,
        max_size: int = 10,
        pool: PoolKind = "own",
        statement_timeout: float = 5.0,
        connect_timeout: float = 5.0,
    ) -> None:
        """`statement_timeout`: seconds a statement may run (PostgreSQL's own
        `statement_timeout`, and the client's `command_timeout` a moment later for a server
        that answers nothing at all); also the most a request waits for a pooled connection.
        `connect_timeout`: seconds to open a connection. 0: no limit."""
        self.url = normalize_url(url)
        self.min_size = min_size
        self.max_size = max_size
        self.pool_kind = pool
        self.statement_timeout = statement_timeout
        self.connect_timeout = connect_timeout
        self._pool: PgPool | AsyncpgPool | None = None

    def connect_options(self) -> dict[str, Any]:
        """asyncpg.connect's keywords for the timeouts."""
        options: dict[str, Any] = {}
        if self.connect_timeout > 0:
            options["timeout"] = self.connect_timeout
        if self.statement_timeout > 0:
            options["server_settings"] = {"statement_timeout": str(round(self.statement_timeout * 1000))}
            # The server cancels first, with an error that leaves the connection usable; the
            # client's own timeout is for a server that cannot even do that (hung, cut off).
            options["command_timeout"] = self.statement_timeout + 1
        return options

    async def open(self) -> None:
        if self._pool is None:
            import asyncpg

            from openmaze.db.pgpool import AsyncpgPool, PgPool

            acquire_timeout = self.statement_timeout or None
            options = self.connect_options()
            pool: PgPool | AsyncpgPool
            if self.pool_kind == "asyncpg":
                pool = AsyncpgPool(self.url, self.min_size, self.max_size, acquire_timeout, options)
            else:
                pool = PgPool(
                    lambda: asyncpg.connect(self.url, **options), self.min_size, self.max_size, acquire_timeout
                )
            await pool.open()
            self._pool = pool

    def _opened(self) -> PgPool | AsyncpgPool:
        if self._pool is None:
            raise RuntimeError("the database is not open")
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    def read(self) -> AbstractAsyncContextManager[Conn]:
        return _PgRead(self._opened().lease())

    def change_token(self) -> None:
        """Always None (nothing is cached): no cheap check tells one worker that another
        has committed, and a stale read after a client's own write is not acceptable."""
        return None

    @asynccontextmanager
    async def transaction(self, lock_wait: float | None = None) -> AsyncIterator[Conn]:
        """`lock_wait` is SQLite's; here the statement timeout bounds every wait."""
        async with self._opened().lease() as raw, raw.transaction():
            yield PgConn(raw)


Database = SqliteDatabase | PostgresDatabase


def create_database(
    url: str,
    pool_size: int = 10,
    pool: PoolKind = "own",
    lock_timeout: float = 5.0,
    statement_timeout: float = 5.0,
    connect_timeout: float = 5.0,
) -> Database:
    """`pool_size`: most PostgreSQL connections this process opens (SQLite uses one);
    `pool`: whose pool holds them. The timeouts (seconds) are the `database_*_seconds`
    settings: `lock_timeout` for SQLite's write lock, the other two for PostgreSQL."""
    if dialect_of(url) == "postgresql":
        return PostgresDatabase(
            url,
            min_size=min(2, pool_size),
            max_size=pool_size,
            pool=pool,
            statement_timeout=statement_timeout,
            connect_timeout=connect_timeout,
        )
    return SqliteDatabase(url, lock_timeout=lock_timeout)


def run_with_database(url: str, fn: Callable[[Database], Awaitable[T]]) -> T:
    """Open a database, run `fn(db)` to completion, close it: for synchronous callers (the
    CLI, benchmarks, tests) outside any event loop."""

    async def runner() -> T:
        db = create_database(url)
        await db.open()
        try:
            return await fn(db)
        finally:
            await db.close()

    return asyncio.run(runner())


def in_list(conn: Conn, column: str, param: str) -> str:
    """A `column IN (<list parameter>)` condition whose SQL text does not depend on the
    list's length, so batched lookups are one statement (and one cached prepared
    statement) whatever the item count. Pass the list through `list_param`.
    """
    if conn.dialect == "postgresql":
        return f"{column} = ANY(:{param})"
    return f"{column} IN (SELECT value FROM json_each(:{param}))"


def list_param(conn: Conn, values: Sequence[Any]) -> Any:
    if conn.dialect == "postgresql":
        return list(values)
    return orjson.dumps(list(values)).decode()


_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def json_rows_sql(
    dialect: str, select: str, columns: Sequence[str], order_by: str | None = None, integers: bool = False
) -> str:
    """A statement whose one value is the JSON array `[{column: value, ...}, ...]` of
    `select`'s rows, in `select`'s order, built inside the database, compact (no spaces)
    and byte for byte the same on both backends.

    For lists of many small objects this is the fast path: the database's C functions
    replace a Python row object, a dict and orjson's walk per item, which dominate a long
    list (measured with `python -m bench.inproc`, see docs/performance.md). A list of one
    integer column is cheaper still as `id_list_sql` text. Pass the text to the response as
    `orjson.Fragment` (`responses.Raw`).
    Values: numbers, strings and NULLs come out as JSON numbers, strings and null; SQLite
    has no booleans (0/1 come out as numbers), so do not use it for boolean columns.
    `integers=True` promises every column is an integer (or NULL): PostgreSQL then writes
    each value as `::text` instead of `to_json()`, which is cheaper (json_agg of
    json_build_object, the obvious way, is slower still and puts spaces after every colon;
    see docs/performance.md).
    `select` must name exactly `columns` (aliases allowed) and may use `ORDER BY`: SQLite
    never flattens an ordered subquery into an aggregate, and PostgreSQL aggregates a
    sorted subquery in its order; the aggregate is ordered explicitly on PostgreSQL anyway
    when `order_by` (a column of `columns`) is given.
    """
    for column in (*columns, *([order_by] if order_by else [])):
        if not _COLUMN.match(column):
            raise ValueError(f"not a plain column name: {column!r}")
    if dialect == "postgresql":
        as_text = "t.{}::text" if integers else "to_json(t.{})::text"
        fields = " || ',' || ".join(f"""'"{c}":' || COALESCE({as_text.format(c)}, 'null')""" for c in columns)
        order = f" ORDER BY t.{order_by}" if order_by else ""
        objects = f"string_agg('{{' || {fields} || '}}', ','{order})"
        return f"SELECT COALESCE('[' || {objects} || ']', '[]') FROM ({select}) AS t"
    pairs = ", ".join(f"'{c}', t.{c}" for c in columns)
    return f"SELECT json_group_array(json_object({pairs})) FROM ({select}) AS t"


def id_list_sql(dialect: str, table: str, column: str, where: str) -> str:
    """A statement whose one value is `table`'s integer `column`, ascending, as one
    comma-separated text (NULL when no row matches): the cheapest way out of either
    database for a list of ids. Expand it with `id_objects_json`.

    Cheaper on both backends than json_agg / json_group_array, even with the str.replace
    that expands it (measured for 300 ids, see docs/performance.md).
    SQLite's group_concat follows the order of the ordered subquery it reads (as in
    `json_rows_sql`); PostgreSQL's string_agg is ordered explicitly.
    """
    for name in (table, column):
        if not _COLUMN.match(name):
            raise ValueError(f"not a plain name: {name!r}")
    if dialect == "postgresql":
        return f"SELECT string_agg({column}::text, ',' ORDER BY {column}) FROM {table} WHERE {where}"
    return f"SELECT group_concat({column}) FROM (SELECT {column} FROM {table} WHERE {where} ORDER BY {column})"


def id_objects_json(ids: str | None, field: str) -> str:
    """`"3,5"` -> `[{"field":3},{"field":5}]`. Exact for integers: the text holds only
    digits, minus signs and commas."""
    if not ids:
        return "[]"
    head = f'{{"{field}":'
    return "[" + head + ids.replace(",", "}," + head) + "}]"
