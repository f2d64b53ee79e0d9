"""Infrastructure faults: what a failure of the database or the disk means to a client.

The drivers say it in their own words (`sqlite3.OperationalError("database is locked")`,
asyncpg's `QueryCanceledError`, `ConnectionRefusedError`, `OSError(ENOSPC)`); `classify`
turns those into a `Fault`: the HTTP status (503 with `Retry-After` for "try again shortly",
507 for a full disk), a message naming the cause, and a short `kind` for the log. Anything it
does not recognise is a bug, not a fault, and stays a 500.

`DatabaseBusy` and `DatabaseTimeout` are raised by this package itself when a wait
(the SQLite write lock, a PostgreSQL connection from the pool) runs past its budget.
"""

from __future__ import annotations

import errno
import sqlite3
from dataclasses import dataclass

RETRY_AFTER_SECONDS = 2  # what a 503 asks the client to wait; outages shorter than this are the usual case


class DatabaseBusy(Exception):
    """The SQLite write lock was not free within the budget (another process holds it)."""


class DatabaseTimeout(TimeoutError):
    """A PostgreSQL connection or statement did not answer within the budget."""


class PoolClosed(RuntimeError):
    """The PostgreSQL pool (`openmaze.db.pgpool`) is closed: the worker is shutting down."""


@dataclass(frozen=True, slots=True)
class Fault:
    status: int
    kind: str  # "database busy", "database timeout", "database unavailable", "disk full"
    message: str  # what the client reads
    retry_after: int | None

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


DISK_FULL = Fault(507, "disk full", "The server's disk is full: nothing was saved. Try again later.", None)
BUSY = Fault(
    503, "database busy", "The database is busy (another write holds its lock). Try again shortly.", RETRY_AFTER_SECONDS
)
TIMEOUT = Fault(503, "database timeout", "The database did not answer in time. Try again shortly.", RETRY_AFTER_SECONDS)
UNAVAILABLE = Fault(503, "database unavailable", "The database is unavailable. Try again shortly.", RETRY_AFTER_SECONDS)

# SQLite's primary result codes (sqlite3.h); Python 3.11 exposes them as `sqlite_errorcode`.
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_IOERR = 10
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14

# PostgreSQL SQLSTATEs: 53100 disk_full, 57014 query_canceled (statement_timeout),
# 55P03 lock_not_available (lock_timeout), class 08 connection exceptions, 57P01-57P03 the
# server shutting down or starting, 53300 too many connections.
_PG_UNAVAILABLE = ("57P01", "57P02", "57P03", "53300")


def classify(exc: BaseException) -> Fault | None:
    """The fault `exc` stands for, or None when it is not an infrastructure failure."""
    if isinstance(exc, DatabaseBusy):
        return BUSY
    if isinstance(exc, DatabaseTimeout):
        return TIMEOUT
    if isinstance(exc, PoolClosed):
        return UNAVAILABLE
    if isinstance(exc, sqlite3.Error):
        return _sqlite(exc)
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and type(exc).__module__.startswith("asyncpg"):
        return _postgres(sqlstate)
    if _connection_lost(exc):
        return UNAVAILABLE
    if isinstance(exc, TimeoutError):  # an OSError too
        # asyncpg's command and connect timeouts are plain TimeoutErrors: only those raised
        # in the database's code are the database's (another wait timing out is a bug).
        return TIMEOUT if _raised_in_database_code(exc) else None
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return DISK_FULL
        if isinstance(exc, ConnectionError) or exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH):
            return UNAVAILABLE
        return None
    return None


def _raised_in_database_code(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__", "").startswith(("asyncpg", "openmaze.db")):
            return True
        tb = tb.tb_next
    return False


def _connection_lost(exc: BaseException) -> bool:
    """asyncpg's InterfaceError family (ConnectionDoesNotExistError, "connection is closed");
    asyncpg's DataError is an InterfaceError too, but it is a bad
    argument (a bug), so ValueErrors are left out. By name: importing asyncpg here would load
    it for SQLite deployments."""
    if isinstance(exc, ValueError):
        return False
    names = {cls.__name__ for cls in type(exc).__mro__ if cls.__module__.startswith("asyncpg")}
    return bool(names & {"InterfaceError", "ConnectionDoesNotExistError"})


def fault_types() -> tuple[type[Exception], ...]:
    """The exception classes `classify` may recognise, for registering handlers by class."""
    types: list[type[Exception]] = [sqlite3.Error, OSError, DatabaseBusy]
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - a dependency, but PostgreSQL support is optional in spirit
        pass
    else:
        types += [asyncpg.PostgresError, asyncpg.InterfaceError]
    types.append(PoolClosed)
    return tuple(types)


def _sqlite(exc: sqlite3.Error) -> Fault | None:
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if primary == _SQLITE_FULL or "disk is full" in text:
        return DISK_FULL
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in text:
        return BUSY
    if primary in (_SQLITE_IOERR, _SQLITE_CANTOPEN) or "unable to open" in text or "disk i/o" in text:
        return UNAVAILABLE
    return None


def _postgres(sqlstate: str) -> Fault | None:
    if sqlstate == "53100":
        return DISK_FULL
    if sqlstate in ("57014", "55P03"):
        return TIMEOUT
    if sqlstate.startswith("08") or sqlstate in _PG_UNAVAILABLE:
        return UNAVAILABLE
    return None
