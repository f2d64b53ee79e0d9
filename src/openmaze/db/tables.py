"""The schema, as SQLAlchemy Core metadata.

This module is the single source of truth for the tables: Alembic migrations are checked
against it (`alembic check`), and tests build databases only through the migrations.
The request path does not go through SQLAlchemy (see `openmaze.db.database`), so nothing
here may rely on ORM behaviour; every default that matters is set by the SQL that writes.

Portability rules (SQLite and PostgreSQL alike): no JSON column types (catalog objects are
stored as the exact JSON text the source gave, so embeds can be spliced into responses
without re-serialising), timestamps as BIGINT epoch seconds, booleans as Boolean.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# --- accounts -------------------------------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    # Usernames are unique case-insensitively; a stored lower-case copy keeps that
    # portable (no functional indexes, no CITEXT) and makes the login lookup an index hit.
    Column("username_lower", String(64), nullable=False, unique=True),
    Column("email", String(254), nullable=False),
    Column("email_lower", String(254), nullable=False, unique=True),
    Column("email_confirmed", Boolean, nullable=False, server_default="0"),
    Column("password_hash", String(255), nullable=True),
    Column("premium", SmallInteger, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    # IANA name ("Europe/Berlin") the library pages show times in; NULL: not chosen yet (UTC).
    Column("time_zone", String(64), nullable=True),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(128), nullable=False),
    # HMAC-SHA256 of the key under the server secret, hex. The key itself is never stored.
    Column("key_hash", String(64), nullable=False, unique=True),
    # The first characters of the key, kept so a person can tell their keys apart.
    Column("key_prefix", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_used_at", BigInteger, nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
)

link_tokens = Table(
    "link_tokens",
    metadata,
    # One personal link per user and kind ("ical"; media-server webhooks later). The token is
    # derived, never stored: HMAC(server secret, kind, user id, rotation), so the same link can
    # be shown again; only its keyed hash is kept, to find the user a request names.
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("rotation", Integer, nullable=False, server_default="0"),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
    # What the link last served (a content hash) and since when, so a feed can answer
    # conditional requests with a Last-Modified that changes only when its content does.
    Column("etag", String(64), nullable=True),
    Column("changed_at", BigInteger, nullable=True),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

email_confirmations = Table(
    "email_confirmations",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

pairings = Table(
    "pairings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    # The device's poll token and the person's confirm code are different secrets: seeing
    # the confirm link must not let anyone collect the key. Both stored only as hashes.
    Column("poll_token_hash", String(64), nullable=False, unique=True),
    Column("confirm_code_hash", String(64), nullable=False, unique=True),
    Column("client_name", String(128), nullable=False),
    Column("client_address", String(64), nullable=True),
    # pending -> confirmed -> claimed, or pending -> denied
    Column("state", String(16), nullable=False, server_default="pending"),
    Column("email_confirmation", Boolean, nullable=False, server_default="1"),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("confirmed_at", BigInteger, nullable=True),
    Column("api_key_id", Integer, ForeignKey("api_keys.id", ondelete="SET NULL"), nullable=True),
    # Epoch milliseconds of the last poll that was answered, so the poll-rate rule holds
    # across workers (seconds would be too coarse for a 5 s minimum spacing).
    Column("last_poll_ms", BigInteger, nullable=True),
)

# --- catalog --------------------------------------------------------------------------
# Ids are TVmaze's own ids (never generated here), so marks made against openmaze line up
# with the real TVmaze. `data` is the full public-API object as JSON text.

networks = Table(
    "networks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(255), nullable=False),
    Column("data", Text, nullable=False),
    # `country.code` of the object ("US"), copied out so the schedules filter by it in SQL.
    Column("country_code", String(8), nullable=True),
)

webchannels = Table(
    "webchannels",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(255), nullable=False),
    Column("data", Text, nullable=False),
    # NULL: a global channel (TVmaze's `country: null`), in every web schedule.
    Column("country_code", String(8), nullable=True),
)

shows = Table(
    "shows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(255), nullable=False),
    # Lower-cased, accent- and punctuation-folded name for search.
    Column("search_name", String(255), nullable=False, index=True),
    Column("thetvdb_id", Integer, nullable=True, index=True),
    Column("imdb_id", String(16), nullable=True, index=True),
    Column("tvrage_id", Integer, nullable=True, index=True),
    Column("network_id", Integer, nullable=True),
    Column("webchannel_id", Integer, nullable=True),
    Column("updated", BigInteger, nullable=True, index=True),
    Column("weight", Integer, nullable=True),
    Column("data", Text, nullable=False),
    # Set when a sync finds the show gone upstream; kept because users' marks point at it.
    Column("missing_upstream", Boolean, nullable=False, server_default="0"),
    Column("synced_at", BigInteger, nullable=True),
)

episodes = Table(
    "episodes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("show_id", Integer, ForeignKey("shows.id", ondelete="CASCADE"), nullable=False),
    Column("season", Integer, nullable=True),
    Column("number", Integer, nullable=True),
    Column("airdate", String(10), nullable=True),
    Column("airstamp", String(32), nullable=True),
    Column("type", String(32), nullable=True),
    Column("data", Text, nullable=False),
    Index("ix_episodes_show_season_number", "show_id", "season", "number"),
    Index("ix_episodes_show_airdate", "show_id", "airdate"),
    # The schedules read one day, or every day from today on, across all shows.
    Index("ix_episodes_airdate", "airdate"),
)

seasons = Table(
    "seasons",
    metadata,
    # TVmaze's own season ids, as the source gave them (`/shows/{id}/seasons`).
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("show_id", Integer, ForeignKey("shows.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=True),
    Column("data", Text, nullable=False),
    Index("ix_seasons_show_number", "show_id", "number"),
)

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(255), nullable=False),
    Column("search_name", String(255), nullable=False, index=True),
    Column("updated", BigInteger, nullable=True),
    Column("data", Text, nullable=False),
)

show_cast = Table(
    "show_cast",
    metadata,
    Column("show_id", Integer, ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
    # The cast-credit object minus its person: {"character": ..., "self": ..., "voice": ...}
    Column("data", Text, nullable=False),
)

show_crew = Table(
    "show_crew",
    metadata,
    Column("show_id", Integer, ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
    # The crew-credit object minus its person: {"type": "Creator"}
    Column("data", Text, nullable=False),
)

show_lists = Table(
    "show_lists",
    metadata,
    # Lists a show carries whole, as the source gave them: "akas", "images".
    Column("show_id", Integer, ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("data", Text, nullable=False),
)

characters = Table(
    "characters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("data", Text, nullable=False),
)

episode_guest_cast = Table(
    "episode_guest_cast",
    metadata,
    Column("episode_id", Integer, ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
    # The credit minus its person: {"character": ..., "self": ..., "voice": ...}
    Column("data", Text, nullable=False),
)

episode_guest_crew = Table(
    "episode_guest_crew",
    metadata,
    Column("episode_id", Integer, ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
    # The credit minus its person: {"guestCrewType": "Director"}
    Column("data", Text, nullable=False),
)

alternate_lists = Table(
    "alternate_lists",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("show_id", Integer, ForeignKey("shows.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("data", Text, nullable=False),
)

alternate_episodes = Table(
    "alternate_episodes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("list_id", Integer, ForeignKey("alternate_lists.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    # The regular episode it stands for (from its `_links.episode`), for `embed=episodes`.
    Column("episode_id", Integer, nullable=True),
    Column("data", Text, nullable=False),
    Index("ix_alternate_episodes_list_position", "list_id", "position"),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# --- user data ------------------------------------------------------------------------
# Every table carries user_id first in its primary key: each user's rows are one index
# range, and every query is scoped by it (see `openmaze.core.scope`).


def _follow_table(name: str, target_column: str, target_table: str) -> Table:
    return Table(
        name,
        metadata,
        Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        Column(
            target_column,
            Integer,
            ForeignKey(f"{target_table}.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        Column("followed_at", BigInteger, nullable=False),
    )


followed_shows = _follow_table("followed_shows", "show_id", "shows")
followed_people = _follow_table("followed_people", "person_id", "people")
followed_networks = _follow_table("followed_networks", "network_id", "networks")
followed_webchannels = _follow_table("followed_webchannels", "webchannel_id", "webchannels")

marked_episodes = Table(
    "marked_episodes",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "episode_id",
        Integer,
        ForeignKey("episodes.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    # Denormalised from episodes so "this user's marks for show N" is one index range.
    Column("show_id", Integer, nullable=False),
    Column("type", SmallInteger, nullable=False),
    Column("marked_at", BigInteger, nullable=False),
    Index("ix_marked_episodes_user_show", "user_id", "show_id"),
)

show_votes = Table(
    "show_votes",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("show_id", Integer, ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True, autoincrement=False),
    Column("vote", SmallInteger, nullable=False),
    Column("voted_at", BigInteger, nullable=False),
)

episode_votes = Table(
    "episode_votes",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("episode_id", Integer, ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True, autoincrement=False),
    Column("vote", SmallInteger, nullable=False),
    Column("voted_at", BigInteger, nullable=False),
)

tags = Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    UniqueConstraint("user_id", "name", name="uq_tags_user_id_name"),
)

tag_shows = Table(
    "tag_shows",
    metadata,
    Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Column("show_id", Integer, ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True, autoincrement=False),
    # Denormalised owner, so the ownership choke point can scope tag instances directly.
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
)

# --- media-server webhooks (openmaze.hooks) ----------------------------------------------

hook_settings = Table(
    "hook_settings",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    # library.new / ItemAdded mark episodes acquired unless switched off.
    Column("mark_acquired", Boolean, nullable=False, server_default="1"),
    # The media-server user names whose events count, one per line (casefolded); empty: all.
    Column("server_users", Text, nullable=False, server_default=""),
)

hook_show_fixes = Table(
    "hook_show_fixes",
    metadata,
    # A person's own answer to "which show is this title": used before title matching.
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("title_key", String(255), primary_key=True),
    Column("show_id", Integer, ForeignKey("shows.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

hook_activity = Table(
    "hook_activity",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Column("source", String(16), nullable=False),
    Column("event", String(64), nullable=False),
    Column("action", String(16), nullable=True),
    Column("status", String(16), nullable=False),
    Column("server_user", String(128), nullable=True),
    Column("title", String(255), nullable=True),
    Column("named", String(512), nullable=False),
    # What the event said about the episode (an EpisodeRef as JSON), to match it again on a fix.
    Column("ref", Text, nullable=True),
    Column("event_at", BigInteger, nullable=True),
    Column("show_id", Integer, nullable=True),
    Column("episode_id", Integer, nullable=True),
    Column("reason", Text, nullable=True),
    Index("ix_hook_activity_user_id_id", "user_id", "id"),
)

# --- background jobs ------------------------------------------------------------------
# Durable work (`openmaze.jobs`): imports started from the pages, webhook follow-ups. A job is
# claimed by one worker at a time through a lease; a job whose worker died is claimed again
# once its lease expires.

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    # The user the job works for (its data is theirs); NULL for work that belongs to no one.
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    # queued -> running -> done | failed (running -> queued again when a lease expires)
    Column("state", String(16), nullable=False, server_default="queued"),
    Column("payload", Text, nullable=False),  # JSON
    Column("result", Text, nullable=True),  # JSON, once done
    Column("error", Text, nullable=True),  # what a person is told when it failed
    Column("progress_done", Integer, nullable=False, server_default="0"),
    Column("progress_total", Integer, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_expires_at", BigInteger, nullable=True),
    Column("run_at", BigInteger, nullable=False),  # not claimed before this time
    Column("created_at", BigInteger, nullable=False),
    Column("started_at", BigInteger, nullable=True),
    Column("finished_at", BigInteger, nullable=True),
    Index("ix_jobs_state_run_at", "state", "run_at"),
    Index("ix_jobs_user_kind", "user_id", "kind"),
)

USER_DATA_TABLES = (
    "followed_shows",
    "followed_people",
    "followed_networks",
    "followed_webchannels",
    "marked_episodes",
    "show_votes",
    "episode_votes",
    "tag_shows",
    "tags",
)
