"""Scrobbling by episode id, and a user's marks for one show.

Every bulk costs the same few statements whatever its length: one lookup of all the
named episodes, one batched upsert. The caller runs it inside one transaction, so items
are applied exactly as the results report, or (on a crash) not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from openmaze.catalog.objects import exists, load_many
from openmaze.core.errors import ApiError
from openmaze.core.fields import ID, MARK_TYPE, FieldErrors, Nullable, QueryParam, integer
from openmaze.core.scope import Scoped
from openmaze.marks.service import Mark, episode_shows, parse_mark, upsert_marks
from openmaze.scrobble.bulk import Result, failure, invalid, success

NO_EPISODE = "This episode does not exist"
NO_SHOW = "This show does not exist"
NOT_AN_OBJECT = {"item": ["Each item must be a JSON object."]}
# Undocumented by TVmaze, sent by the Kodi scrobbler: `?type=0` lists watched episodes only.
TYPE_FILTER = QueryParam("type", Nullable(MARK_TYPE), "Only marks of this type")


def _episode_id(item: dict[str, Any], errors: dict[str, list[str]]) -> int | None:
    # Any integer: one outside the id range names no episode, a 404 for this item.
    value = item.get("episode_id")
    episode_id = integer(value)
    if episode_id is None:
        errors["episode_id"] = ["Episode ID is required." if value is None else "Episode ID must be an integer."]
    return episode_id


async def scrobble_episodes(scoped: Scoped, items: Sequence[Any], now: int) -> list[Result]:
    """Mark `[{episode_id, type, marked_at}, ...]`; one result per item, in order."""
    results: list[Result] = [{}] * len(items)  # every slot is filled below, in one of three ways
    valid: list[tuple[int, int, int, int]] = []  # (index, episode_id, type, marked_at)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            results[index] = invalid(NOT_AN_OBJECT, item)
            continue
        errors: dict[str, list[str]] = {}
        episode_id = _episode_id(item, errors)
        try:
            mark_type, marked_at = parse_mark(item, now)
        except FieldErrors as exc:
            errors.update(exc.errors)
        if errors or episode_id is None:
            results[index] = invalid(errors, item)
            continue
        valid.append((index, episode_id, mark_type, marked_at))

    shows = await episode_shows(scoped.conn, [v[1] for v in valid])
    marks: list[Mark] = []
    for index, episode_id, mark_type, marked_at in valid:
        show_id = shows.get(episode_id)
        if show_id is None:
            results[index] = failure(404, NO_EPISODE, {"episode_id": ["No episode has this ID."]}, items[index])
            continue
        mark = Mark(episode_id, show_id, mark_type, marked_at)
        marks.append(mark)
        results[index] = success(mark.as_json())
    await upsert_marks(scoped, marks)
    return results


async def mark_episode(scoped: Scoped, episode_id: int, fields: dict[str, Any], now: int | None = None) -> Mark:
    """`PUT /v1/scrobble/episodes/{id}`: the path's id wins over any `episode_id` in the body."""
    shows = await episode_shows(scoped.conn, [episode_id])
    if episode_id not in shows:
        raise ApiError(404, NO_EPISODE)
    try:
        mark_type, marked_at = parse_mark(fields, now)
    except FieldErrors as exc:
        raise exc.api_error() from None
    mark = Mark(episode_id, shows[episode_id], mark_type, marked_at)
    await upsert_marks(scoped, [mark])
    return mark


async def show_marks(
    scoped: Scoped, show_id: int, mark_type: int | None = None, embed_episode: bool = False
) -> list[dict[str, Any]]:
    """The user's marks for one show (optionally of one type), in episode id order."""
    if not ID.contains(show_id) or not await exists(scoped.conn, "shows", show_id):
        raise ApiError(404, NO_SHOW)
    sql = "SELECT episode_id, type, marked_at FROM marked_episodes WHERE user_id = :user_id AND show_id = :show_id"
    params: dict[str, Any] = {"show_id": show_id}
    if mark_type is not None:
        sql += " AND type = :type"
        params["type"] = mark_type
    rows = await scoped.fetch_all(sql + " ORDER BY episode_id", params)
    marks = [{"episode_id": r[0], "marked_at": r[2], "type": r[1]} for r in rows]
    if embed_episode and marks:
        episodes: dict[int, orjson.Fragment] = await load_many(
            scoped.conn, "episodes", [m["episode_id"] for m in marks]
        )
        for m in marks:
            m["_embedded"] = {"episode": episodes.get(m["episode_id"])}
    return marks
