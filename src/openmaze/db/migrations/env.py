"""Alembic environment: SQLite (batch mode, for ALTERs SQLite lacks) and PostgreSQL.

Each migration is one transaction with its `alembic_version` update, so one that fails part
way (a full disk, a kill) leaves the previous revision intact and the next start simply
runs it again. PostgreSQL's DDL is transactional as it is (and `openmaze.db.migrate` runs
the whole upgrade in one). Python's sqlite3 commits before DDL on its own, so for SQLite
the driver is told to leave transactions alone and SQLAlchemy emits BEGIN itself.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine, create_engine, event, pool

from openmaze.db.database import dialect_of, sqlalchemy_url
from openmaze.db.tables import metadata
from openmaze.settings import Settings

config = context.config
url = config.attributes.get("database_url") or Settings().resolved_database_url()
connectable = config.attributes.get("connection")


def _configure(connection: object, atomic: bool = False) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        transactional_ddl=True if atomic else None,
        transaction_per_migration=atomic,
    )


def _sqlite_transactions(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: object, record: object) -> None:
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


if connectable is not None:
    _configure(connectable)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    sqlite = dialect_of(url) == "sqlite"
    if sqlite:
        _sqlite_transactions(engine)
    with engine.connect() as connection:
        _configure(connection, atomic=sqlite)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
