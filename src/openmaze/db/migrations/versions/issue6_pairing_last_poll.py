"""pairings.last_poll_ms: poll spacing enforced across workers

Revision ID: issue6_pairing_last_poll
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "issue6_pairing_last_poll"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_poll_ms", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.drop_column("last_poll_ms")
