"""media-server webhooks: per-user settings, remembered title fixes, the activity log

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hook_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("mark_acquired", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("server_users", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_hook_settings_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_hook_settings")),
    )
    op.create_table(
        "hook_show_fixes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title_key", sa.String(length=255), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["show_id"], ["shows.id"], name=op.f("fk_hook_show_fixes_show_id_shows"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_hook_show_fixes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "title_key", name=op.f("pk_hook_show_fixes")),
    )
    op.create_table(
        "hook_activity",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("server_user", sa.String(length=128), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("named", sa.String(length=512), nullable=False),
        sa.Column("ref", sa.Text(), nullable=True),
        sa.Column("event_at", sa.BigInteger(), nullable=True),
        sa.Column("show_id", sa.Integer(), nullable=True),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_hook_activity_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hook_activity")),
    )
    with op.batch_alter_table("hook_activity", schema=None) as batch_op:
        batch_op.create_index("ix_hook_activity_user_id_id", ["user_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hook_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_hook_activity_user_id_id")
    op.drop_table("hook_activity")
    op.drop_table("hook_show_fixes")
    op.drop_table("hook_settings")
