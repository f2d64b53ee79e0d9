"""Scrobbling within one show: `POST /v1/scrobble/shows?tvmaze_id=|thetvdb_id=|imdb_id=`.

The show is chosen by exactly one of three ids; `imdb_id` is accepted as `tt0944947` or as
the spec's integer `944947`. Each item names an episode by `season` + `episode`, or by
`airdate`; an airdate shared by several episodes (double episodes) marks all of them, and
the item's `result` is the first of them (lowest episode id). When an item gives both
forms, `season` + `episode` is used.

Statements per request: one to find the show, one to load its episodes (a show has at most
a few thousand; matching then happens in memory), one batched upsert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openmaze.core.errors import VALIDATION_FAILED, ApiError
from openmaze.core.fields import ID, IMDB_ID, SPACE, Date, FieldError, FieldErrors, QueryParam, integer
from openmaze.core.scope import Scoped
from openmaze.db.database import Conn
from openmaze.marks.service import Mark, parse_mark, upsert_marks
from openmaze.scrobble.bulk import Result, failure, invalid, success
from openmaze.scrobble.service import NO_EPISODE, NO_SHOW, NOT_AN_OBJECT

# Read by `parse_selector`, documented from the same fields. Any integer is accepted for the
# two numeric ids: one outside the id range names no show (a 404).
BY_IMDB = QueryParam("imdb_id", IMDB_ID, "The show's IMDb ID: tt0944947 or 944947")
SELECTORS: tuple[QueryParam[Any], ...] = (
    QueryParam("tvmaze_id", ID, "The show's TVmaze ID"),
    QueryParam("thetvdb_id", ID, "The show's TheTVDB ID"),
    BY_IMDB,
)
_SELECTOR_HINT = "Give exactly one of the query parameters tvmaze_id, thetvdb_id or imdb_id."
AIRDATE = Date("Airdate must be a date as YYYY-MM-DD.", "The episode's airdate")

_FIND_SHOW = {
    "tvmaze_id": "SELECT id FROM shows WHERE id = :value",
    # External ids are not unique in TVmaze's data; the oldest show is the stable choice.
    "thetvdb_id": "SELECT id FROM shows WHERE thetvdb_id = :value ORDER BY id LIMIT 1",
    "imdb_id": "SELECT id FROM shows WHERE imdb_id = :value ORDER BY id LIMIT 1",
}


@dataclass(frozen=True, slots=True)
class ShowSelector:
    param: str
    value: int | str | None  # None: well-formed but cannot match any show


def parse_selector(query: Mapping[str, str]) -> ShowSelector:
    given = [s for s in SELECTORS if query.get(s.name, "").strip(SPACE)]
    if len(given) != 1:
        names = ", ".join(s.name for s in given)
        problem = "No show was specified." if not given else f"Several shows were specified ({names})."
        raise ApiError(422, f"{problem} {_SELECTOR_HINT}", {"show": [_SELECTOR_HINT]})
    selector = given[0]
    raw = query[selector.name]
    if selector is BY_IMDB:
        try:
            return ShowSelector(selector.name, IMDB_ID.parse(raw))
        except FieldError as exc:
            raise ApiError(422, VALIDATION_FAILED, {selector.name: [exc.message]}) from None
    number = integer(raw)
    if number is None:
        raise ApiError(422, VALIDATION_FAILED, {selector.name: ["Must be an integer."]})
    return ShowSelector(selector.name, number if ID.contains(number) else None)


async def find_show(conn: Conn, selector: ShowSelector) -> int:
    show_id = None
    if selector.value is not None:
        show_id = await conn.fetch_val(_FIND_SHOW[selector.param], {"value": selector.value})
    if show_id is None:
        raise ApiError(404, NO_SHOW)
    return int(show_id)


@dataclass(slots=True)
class _Episodes:
    by_number: dict[tuple[int, int], int]
    by_airdate: dict[str, list[int]]


async def _load_episodes(conn: Conn, show_id: int) -> _Episodes:
    rows = await conn.fetch_all(
        "SELECT id, season, number, airdate FROM episodes WHERE show_id = :show_id ORDER BY id", {"show_id": show_id}
    )
    found = _Episodes({}, {})
    for row in rows:
        episode_id, season, number, airdate = row[0], row[1], row[2], row[3]
        if season is not None and number is not None:
            found.by_number.setdefault((season, number), episode_id)
        if airdate:
            found.by_airdate.setdefault(airdate, []).append(episode_id)
    return found


def _parse_target(item: dict[str, Any], errors: dict[str, list[str]]) -> tuple[int, int] | str | None:
    """(season, number), an airdate, or None with `errors` filled in."""
    season_raw, number_raw, airdate = item.get("season"), item.get("episode"), item.get("airdate")
    if season_raw is not None and number_raw is not None:
        season, number = integer(season_raw), integer(number_raw)
        if season is None:
            errors["season"] = ["Season must be an integer."]
        if number is None:
            errors["episode"] = ["Episode must be an integer."]
        return None if season is None or number is None else (season, number)
    if airdate is not None:
        try:
            return AIRDATE.parse(airdate)
        except FieldError as exc:
            errors["airdate"] = [exc.message]
            return None
    if season_raw is not None:
        errors["episode"] = ["Episode is required together with season."]
    elif number_raw is not None:
        errors["season"] = ["Season is required together with episode."]
    else:
        errors["episode"] = ["Give season and episode, or airdate."]
    return None


def _not_found(target: tuple[int, int] | str) -> dict[str, list[str]]:
    if isinstance(target, str):
        return {"airdate": [f"No episode of this show aired on {target}."]}
    return {"episode": [f"This show has no episode {target[1]} in season {target[0]}."]}


async def scrobble_show(scoped: Scoped, show_id: int, items: Sequence[Any], now: int) -> list[Result]:
    """Mark episodes of one show named by season + episode or airdate; one result per item."""
    episodes = await _load_episodes(scoped.conn, show_id)
    results: list[Result] = []
    marks: list[Mark] = []
    for item in items:
        if not isinstance(item, dict):
            results.append(invalid(NOT_AN_OBJECT, item))
            continue
        errors: dict[str, list[str]] = {}
        target = _parse_target(item, errors)
        try:
            mark_type, marked_at = parse_mark(item, now)
        except FieldErrors as exc:
            errors.update(exc.errors)
        if errors or target is None:
            results.append(invalid(errors, item))
            continue
        if isinstance(target, str):
            ids = episodes.by_airdate.get(target, [])
        else:
            found = episodes.by_number.get(target)
            ids = [] if found is None else [found]
        if not ids:
            results.append(failure(404, NO_EPISODE, _not_found(target), item))
            continue
        item_marks = [Mark(episode_id, show_id, mark_type, marked_at) for episode_id in ids]
        marks.extend(item_marks)
        results.append(success(item_marks[0].as_json()))
    await upsert_marks(scoped, marks)
    return results
