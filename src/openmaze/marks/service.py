"""Marking episodes: the rules shared by `/v1/user/episodes` and `/v1/scrobble/*`.

Semantics (shared/docs/tvmaze-fidelity.md):
- `type`: 0 watched, 1 acquired, 2 skipped; omitted or null means 0; else invalid.
- `marked_at`: omitted or null means now; 0 means unknown and is kept as 0; an epoch is
  kept; numeric strings are accepted; negative or non-numeric is invalid.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openmaze.catalog.embeds import attach
from openmaze.catalog.kinds import EPISODE
from openmaze.core.errors import ApiError
from openmaze.core.fields import ID, MARK_TYPE, MARKED_AT, FieldErrors, Nullable, parse_fields
from openmaze.core.responses import Raw
from openmaze.core.scope import Scoped
from openmaze.db.database import Conn, in_list, json_rows_sql, list_param

# The fields of a mark, in a body or a bulk item; the OpenAPI document is built from them too.
MARK_FIELDS = {
    "type": Nullable(MARK_TYPE, "0 watched (the default), 1 acquired, 2 skipped"),
    "marked_at": Nullable(MARKED_AT, "Epoch seconds; 0 for unknown; null or absent for now"),
}
_TYPE_LOW, _TYPE_HIGH = MARK_TYPE.low, MARK_TYPE.high
_AT_LOW, _AT_HIGH = MARKED_AT.low, MARKED_AT.high


def parse_mark(fields: dict[str, Any], now: int | None = None) -> tuple[int, int]:
    """(type, marked_at) from a body or bulk item, with every field's errors (`FieldErrors`)."""
    mark_type, marked_at = fields.get("type"), fields.get("marked_at")
    # Fast path for what clients almost always send (plain ints); a bulk runs this per item.
    # It accepts a subset of what the fields accept, with the same bounds.
    if (
        type(mark_type) is int
        and type(marked_at) is int
        and _TYPE_LOW <= mark_type <= _TYPE_HIGH
        and _AT_LOW <= marked_at <= _AT_HIGH
    ):
        return mark_type, marked_at
    values = parse_fields(fields, MARK_FIELDS)
    parsed_type: int = values["type"] or 0
    parsed_at: int | None = values["marked_at"]
    if parsed_at is None:
        parsed_at = int(time.time()) if now is None else now
    return parsed_type, parsed_at


@dataclass(frozen=True, slots=True)
class Mark:
    episode_id: int
    show_id: int
    type: int
    marked_at: int

    def as_json(self) -> dict[str, Any]:
        return {"episode_id": self.episode_id, "marked_at": self.marked_at, "type": self.type}


UPSERT_MARK = (
    "INSERT INTO marked_episodes (user_id, episode_id, show_id, type, marked_at) "
    "VALUES (:user_id, :episode_id, :show_id, :type, :marked_at) "
    "ON CONFLICT (user_id, episode_id) DO UPDATE SET "
    "show_id = excluded.show_id, type = excluded.type, marked_at = excluded.marked_at"
)


# PostgreSQL: the whole batch as arrays in one statement. asyncpg's executemany sends one
# execution per row (pipelined); unnest is faster on large bulks (bench/scrobble.py).
UPSERT_MARKS_ARRAYS = (
    "INSERT INTO marked_episodes (user_id, episode_id, show_id, type, marked_at) "
    "SELECT :user_id, r.episode_id, r.show_id, r.type, r.marked_at FROM unnest("
    "CAST(:episode_ids AS integer[]), CAST(:show_ids AS integer[]), "
    "CAST(:types AS smallint[]), CAST(:marked_ats AS bigint[])"
    ") AS r(episode_id, show_id, type, marked_at) "
    "ON CONFLICT (user_id, episode_id) DO UPDATE SET "
    "show_id = excluded.show_id, type = excluded.type, marked_at = excluded.marked_at"
)


# Imports: a mark already here that is as new as the imported one, or newer, is kept.
_NEWER_ONLY = " WHERE marked_episodes.marked_at < excluded.marked_at"


async def upsert_marks(scoped: Scoped, marks: Sequence[Mark], *, newer_only: bool = False) -> None:
    """Write marks in one batched statement; re-marking updates in place.

    When the same episode appears twice, the last one wins. Duplicates are dropped here
    rather than left to row order: one INSERT on PostgreSQL refuses to touch a row twice,
    and no row is written twice.
    `newer_only` (imports): an existing mark changes only when the written one is newer
    (a later `marked_at`); the API's own marking always replaces.
    """
    latest = list({m.episode_id: m for m in marks}.values())
    if not latest:
        return
    tail = _NEWER_ONLY if newer_only else ""
    if scoped.conn.dialect == "postgresql":
        await scoped.execute(
            UPSERT_MARKS_ARRAYS + tail,
            {
                "episode_ids": [m.episode_id for m in latest],
                "show_ids": [m.show_id for m in latest],
                "types": [m.type for m in latest],
                "marked_ats": [m.marked_at for m in latest],
            },
        )
        return
    # SQLite: executemany is one call, with no per-row round trip to pay.
    await scoped.execute_many(
        UPSERT_MARK + tail,
        [
            {
                "episode_id": m.episode_id,
                "show_id": m.show_id,
                "type": m.type,
                "marked_at": m.marked_at,
            }
            for m in latest
        ],
    )


async def episode_shows(conn: Conn, episode_ids: Sequence[int]) -> dict[int, int]:
    """{episode_id: show_id} for the ids that exist, in one statement.

    Ids that cannot be row ids (0, negative, beyond 32 bits) are left out before the query:
    they exist nowhere, and PostgreSQL would refuse them as parameters.
    """
    wanted = [i for i in dict.fromkeys(episode_ids) if ID.contains(i)]
    if not wanted:
        return {}
    rows = await conn.fetch_all(
        f"SELECT id, show_id FROM episodes WHERE {in_list(conn, 'id', 'ids')}",
        {"ids": list_param(conn, wanted)},
    )
    return {row[0]: row[1] for row in rows}


# --- /v1/user/episodes: a user's marks, one at a time ----------------------------------


def _item(row: Any) -> dict[str, Any]:
    return {"episode_id": row["episode_id"], "marked_at": row["marked_at"], "type": row["type"]}


async def list_marks(scoped: Scoped, show_id: int | None, embed: bool) -> list[dict[str, Any]] | Raw:
    select = "SELECT episode_id, marked_at, type FROM marked_episodes WHERE user_id = :user_id"
    params = {}
    if show_id is not None:
        select += " AND show_id = :show_id"
        params["show_id"] = show_id
    select += " ORDER BY episode_id"
    if not embed:
        # Built as JSON by the database: far less server CPU on long lists (bench/).
        sql = json_rows_sql(
            scoped.conn.dialect, select, ("episode_id", "marked_at", "type"), order_by="episode_id", integers=True
        )
        return Raw(await scoped.fetch_val(sql, params))
    rows = await scoped.fetch_all(select, params)
    items = [_item(row) for row in rows]
    if embed:
        return await attach(scoped.conn, items, "episode_id", "episodes", "episode")
    return items


async def get_mark(scoped: Scoped, episode_id: int) -> dict[str, Any]:
    row = await scoped.fetch_one(
        "SELECT episode_id, marked_at, type FROM marked_episodes WHERE user_id = :user_id AND episode_id = :id",
        {"id": episode_id},
    )
    if row is None:
        raise ApiError(404, EPISODE.is_not("marked"))
    return _item(row)


async def mark(scoped: Scoped, episode_id: int, fields: dict[str, Any], *, now: int) -> dict[str, Any]:
    shows = await episode_shows(scoped.conn, [episode_id])
    if episode_id not in shows:
        raise ApiError(404, EPISODE.missing)
    try:
        mark_type, marked_at = parse_mark(fields, now)
    except FieldErrors as exc:
        raise exc.api_error() from None
    result = Mark(episode_id=episode_id, show_id=shows[episode_id], type=mark_type, marked_at=marked_at)
    await upsert_marks(scoped, [result])
    return result.as_json()


async def unmark(scoped: Scoped, episode_id: int) -> None:
    deleted = await scoped.execute(
        "DELETE FROM marked_episodes WHERE user_id = :user_id AND episode_id = :id", {"id": episode_id}
    )
    if not deleted:
        raise ApiError(404, EPISODE.was_not("marked"))
