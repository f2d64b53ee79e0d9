"""What /openapi.json says about the scrobble routes.

The routes read bodies and query parameters by hand (real clients send shapes a typed
signature would refuse, such as `imdb_id=tt0944947` or form-encoded PUTs), so FastAPI cannot
infer them. Every field below is documented from the field object that parses it
(`openmaze.core.fields`), so the document says what the server accepts. No Pydantic model
runs per item: at 10,000 items that would cost more than the database work.
"""

from __future__ import annotations

from typing import Any

from openmaze.core.fields import ID, NUMBER, described, object_schema, query_doc
from openmaze.marks.schemas import MARK_BODY
from openmaze.marks.service import MARK_FIELDS
from openmaze.scrobble.by_show import AIRDATE, SELECTORS
from openmaze.scrobble.service import TYPE_FILTER

__all__ = ["BULK_RESPONSES", "EPISODE_BULK", "MARK_BODY", "SHOW_BULK", "SHOW_MARKS_QUERY"]

BULK_RESPONSES: dict[int | str, dict[str, str]] = {
    200: {"description": "All episodes were successfully marked"},
    207: {"description": "Some episodes were successfully marked, but there are errors"},
    413: {"description": "Too many items, or too large a body"},
    422: {"description": "None of the episodes were successfully marked, or the body is not a JSON array"},
}


def _array_body(item: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "array", "items": item}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


_NOT_NULL = {"not": {"type": "null"}}

EPISODE_BULK = _array_body(
    object_schema({"episode_id": described(ID, "The episode's TVmaze ID"), **MARK_FIELDS}, ("episode_id",))
)

# An item names its episode by `season` + `episode` (both given and not null), or else by
# `airdate`; the form not used is not read, so it may hold anything.
_BY_NUMBER = {
    "required": ["season", "episode"],
    "properties": {"season": NUMBER.schema(), "episode": NUMBER.schema()},
}
_BY_AIRDATE = {
    "required": ["airdate"],
    "properties": {"airdate": AIRDATE.schema()},
    "not": {"required": ["season", "episode"], "properties": {"season": _NOT_NULL, "episode": _NOT_NULL}},
}
SHOW_BULK = {
    **_array_body(
        {
            **object_schema(
                {
                    "season": {"description": "The season number (with `episode`)"},
                    "episode": {"description": "The episode number (with `season`)"},
                    "airdate": {"description": "The airdate, YYYY-MM-DD (without `season` and `episode`)"},
                    **MARK_FIELDS,
                }
            ),
            "anyOf": [_BY_NUMBER, _BY_AIRDATE],
        }
    ),
    **query_doc(*SELECTORS),
}
SHOW_MARKS_QUERY = {
    "parameters": [
        {
            "in": "query",
            "name": "embed",
            "required": False,
            "schema": {"type": "string", "enum": ["episode"]},
            "description": "Embed full episode info",
        },
        TYPE_FILTER.doc(),
    ]
}
