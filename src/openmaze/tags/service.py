"""Tags: a user's named groups of shows.

A tag name (`openmaze.core.fields.TAG_NAME`) is required, trimmed, at most 100 characters
(the column's length), free of control characters, and unique per user; duplicates are a
422. Deleting a tag removes its instances. Tag ids are global, so every statement is scoped
to the user: another user's tag is a 404.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from openmaze.catalog.embeds import attach
from openmaze.catalog.kinds import SHOW
from openmaze.catalog.objects import exists
from openmaze.core.errors import VALIDATION_FAILED, ApiError
from openmaze.core.fields import TAG_NAME, FieldError
from openmaze.core.scope import Scoped

TAG_NOT_FOUND = "This tag does not exist"


def _invalid(message: str) -> ApiError:
    return ApiError(422, VALIDATION_FAILED, {"name": [message]})


def parse_name(value: Any) -> str:
    try:
        return TAG_NAME.parse(value)
    except FieldError as exc:
        raise _invalid(exc.message) from None


def _taken(name: str) -> ApiError:
    return _invalid(f'Name "{name}" has already been taken.')


def is_integrity_error(exc: BaseException) -> bool:
    """A unique or foreign-key violation from either driver (a race lost to another request)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return True
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    return isinstance(exc, asyncpg.IntegrityConstraintViolationError)


def _tag(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"]}


async def list_tags(scoped: Scoped) -> list[dict[str, Any]]:
    rows = await scoped.fetch_all("SELECT id, name FROM tags WHERE user_id = :user_id ORDER BY id")
    return [_tag(row) for row in rows]


async def create_tag(scoped: Scoped, fields: dict[str, Any]) -> dict[str, Any]:
    name = parse_name(fields.get("name"))
    tag_id = await scoped.fetch_val(
        "INSERT INTO tags (user_id, name) VALUES (:user_id, :name) ON CONFLICT (user_id, name) DO NOTHING RETURNING id",
        {"name": name},
    )
    if tag_id is None:
        raise _taken(name)
    return {"id": tag_id, "name": name}


async def _require_tag(scoped: Scoped, tag_id: int) -> dict[str, Any]:
    row = await scoped.fetch_one("SELECT id, name FROM tags WHERE user_id = :user_id AND id = :id", {"id": tag_id})
    if row is None:
        raise ApiError(404, TAG_NOT_FOUND)
    return _tag(row)


async def rename_tag(scoped: Scoped, tag_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    tag = await _require_tag(scoped, tag_id)
    if "name" not in fields:
        return tag  # PATCH changes only what it names
    name = parse_name(fields["name"])
    if name == tag["name"]:
        return tag
    clash = await scoped.fetch_val(
        "SELECT id FROM tags WHERE user_id = :user_id AND name = :name AND id <> :id", {"name": name, "id": tag_id}
    )
    if clash is not None:
        raise _taken(name)
    try:
        await scoped.execute(
            "UPDATE tags SET name = :name WHERE user_id = :user_id AND id = :id", {"name": name, "id": tag_id}
        )
    except Exception as exc:
        if is_integrity_error(exc):
            raise _taken(name) from None
        raise
    return {"id": tag_id, "name": name}


async def delete_tag(scoped: Scoped, tag_id: int) -> None:
    await scoped.execute("DELETE FROM tag_shows WHERE user_id = :user_id AND tag_id = :id", {"id": tag_id})
    if not await scoped.execute("DELETE FROM tags WHERE user_id = :user_id AND id = :id", {"id": tag_id}):
        raise ApiError(404, TAG_NOT_FOUND)


async def list_tagged(scoped: Scoped, tag_id: int, embed: bool) -> list[dict[str, Any]]:
    await _require_tag(scoped, tag_id)
    rows = await scoped.fetch_all(
        "SELECT show_id FROM tag_shows WHERE user_id = :user_id AND tag_id = :id ORDER BY show_id", {"id": tag_id}
    )
    items = [{"show_id": row[0]} for row in rows]
    if embed:
        return await attach(scoped.conn, items, "show_id", "shows", "show")
    return items


async def tag_show(scoped: Scoped, tag_id: int, show_id: int) -> dict[str, Any]:
    await _require_tag(scoped, tag_id)
    if not await exists(scoped.conn, "shows", show_id):
        raise ApiError(404, SHOW.missing)
    try:
        await scoped.execute(
            "INSERT INTO tag_shows (tag_id, show_id, user_id) VALUES (:tag_id, :show_id, :user_id) "
            "ON CONFLICT (tag_id, show_id) DO NOTHING",
            {"tag_id": tag_id, "show_id": show_id},
        )
    except Exception as exc:
        if is_integrity_error(exc):  # the tag was deleted by a concurrent request
            raise ApiError(404, TAG_NOT_FOUND) from None
        raise
    return {"show_id": show_id}


async def tag_shows_by_name(scoped: Scoped, tagged: dict[str, list[int]]) -> None:
    """Imports: tag shows by tag name, making the tags that do not exist yet; nothing is
    untagged. Names must be valid (`TAG_NAME`), the shows must exist."""
    names = {parse_name(name): shows for name, shows in tagged.items()}
    if not names:
        return
    await scoped.execute_many(
        "INSERT INTO tags (user_id, name) VALUES (:user_id, :name) ON CONFLICT (user_id, name) DO NOTHING",
        [{"name": name} for name in names],
    )
    ids = {row[1]: row[0] for row in await scoped.fetch_all("SELECT id, name FROM tags WHERE user_id = :user_id")}
    await scoped.execute_many(
        "INSERT INTO tag_shows (tag_id, show_id, user_id) VALUES (:tag_id, :show_id, :user_id) "
        "ON CONFLICT (tag_id, show_id) DO NOTHING",
        [{"tag_id": ids[name], "show_id": show_id} for name, shows in names.items() for show_id in shows],
    )


async def untag_show(scoped: Scoped, tag_id: int, show_id: int) -> None:
    deleted = await scoped.execute(
        "DELETE FROM tag_shows WHERE user_id = :user_id AND tag_id = :tag_id AND show_id = :show_id",
        {"tag_id": tag_id, "show_id": show_id},
    )
    if not deleted:
        raise ApiError(404, SHOW.was_not("tagged"))
