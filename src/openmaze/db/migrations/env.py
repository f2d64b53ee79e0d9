"""Alembic environment: SQLite (batch mode, for ALTERs SQLite lacks) and PostgreSQL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from openmaze.db.database import sqlalchemy_url
from openmaze.db.tables import metadata
from openmaze.settings import Settings

config = context.config
url = config.attributes.get("database_url") or Settings().resolved_database_url()
connectable = config.attributes.get("connection")


def _configure(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )


if connectable is not None:
    _configure(connectable)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
