"""the rest of the public catalog: crew, akas and images, characters, guest cast and crew,
alternate lists; channel countries and an airdate index for the schedules

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "characters",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_characters")),
    )
    op.create_table(
        "alternate_lists",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["show_id"], ["shows.id"], name=op.f("fk_alternate_lists_show_id_shows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alternate_lists")),
    )
    with op.batch_alter_table("alternate_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alternate_lists_show_id"), ["show_id"], unique=False)

    op.create_table(
        "show_crew",
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_show_crew_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], name=op.f("fk_show_crew_show_id_shows"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("show_id", "position", name=op.f("pk_show_crew")),
    )
    with op.batch_alter_table("show_crew", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_show_crew_person_id"), ["person_id"], unique=False)

    op.create_table(
        "show_lists",
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["show_id"], ["shows.id"], name=op.f("fk_show_lists_show_id_shows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("show_id", "kind", name=op.f("pk_show_lists")),
    )
    op.create_table(
        "alternate_episodes",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["alternate_lists.id"],
            name=op.f("fk_alternate_episodes_list_id_alternate_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alternate_episodes")),
    )
    with op.batch_alter_table("alternate_episodes", schema=None) as batch_op:
        batch_op.create_index("ix_alternate_episodes_list_position", ["list_id", "position"], unique=False)

    op.create_table(
        "episode_guest_cast",
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_episode_guest_cast_episode_id_episodes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_episode_guest_cast_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("episode_id", "position", name=op.f("pk_episode_guest_cast")),
    )
    with op.batch_alter_table("episode_guest_cast", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_episode_guest_cast_person_id"), ["person_id"], unique=False)

    op.create_table(
        "episode_guest_crew",
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_episode_guest_crew_episode_id_episodes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_episode_guest_crew_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("episode_id", "position", name=op.f("pk_episode_guest_crew")),
    )
    with op.batch_alter_table("episode_guest_crew", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_episode_guest_crew_person_id"), ["person_id"], unique=False)

    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.create_index("ix_episodes_airdate", ["airdate"], unique=False)

    with op.batch_alter_table("networks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country_code", sa.String(length=8), nullable=True))

    with op.batch_alter_table("webchannels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country_code", sa.String(length=8), nullable=True))

    # Channels already held get their country code from their stored object.
    if op.get_bind().dialect.name == "postgresql":
        code = "(data::json -> 'country' ->> 'code')"
    else:
        code = "json_extract(data, '$.country.code')"
    for table in ("networks", "webchannels"):
        op.execute(f"UPDATE {table} SET country_code = {code}")


def downgrade() -> None:
    with op.batch_alter_table("webchannels", schema=None) as batch_op:
        batch_op.drop_column("country_code")

    with op.batch_alter_table("networks", schema=None) as batch_op:
        batch_op.drop_column("country_code")

    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_index("ix_episodes_airdate")

    with op.batch_alter_table("episode_guest_crew", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_episode_guest_crew_person_id"))

    op.drop_table("episode_guest_crew")
    with op.batch_alter_table("episode_guest_cast", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_episode_guest_cast_person_id"))

    op.drop_table("episode_guest_cast")
    with op.batch_alter_table("alternate_episodes", schema=None) as batch_op:
        batch_op.drop_index("ix_alternate_episodes_list_position")

    op.drop_table("alternate_episodes")
    op.drop_table("show_lists")
    with op.batch_alter_table("show_crew", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_show_crew_person_id"))

    op.drop_table("show_crew")
    with op.batch_alter_table("alternate_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alternate_lists_show_id"))

    op.drop_table("alternate_lists")
    op.drop_table("characters")
