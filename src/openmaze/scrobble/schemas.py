"""What /openapi.json says about the scrobble routes.

The routes read bodies and query parameters by hand (real clients send shapes a typed
signature would refuse, such as `imdb_id=tt0944947` or form-encoded PUTs), so FastAPI cannot
infer them; these entries only document them. No Pydantic model runs per item: at 10,000
items that would cost more than the database work.
"""

from __future__ import annotations

BULK_RESPONSES: dict[int | str, dict[str, str]] = {
    200: {"description": "All episodes were successfully marked"},
    207: {"description": "Some episodes were successfully marked, but there are errors"},
    413: {"description": "Too many items, or too large a body"},
    422: {"description": "None of the episodes were successfully marked, or the body is not a JSON array"},
}

_MARK_FIELDS = {
    "type": {"type": "integer", "enum": [0, 1, 2], "description": "0 watched (default), 1 acquired, 2 skipped"},
    "marked_at": {"type": "integer", "description": "Epoch seconds; 0 unknown; omitted or null: now"},
}


def _array_body(properties: dict[str, object]) -> dict[str, object]:
    schema = {"type": "array", "items": {"type": "object", "properties": {**properties, **_MARK_FIELDS}}}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _query(name: str, schema: dict[str, object], description: str) -> dict[str, object]:
    return {"in": "query", "name": name, "required": False, "schema": schema, "description": description}


EPISODE_BULK = _array_body({"episode_id": {"type": "integer"}})
SHOW_BULK = {
    **_array_body(
        {
            "season": {"type": "integer"},
            "episode": {"type": "integer"},
            "airdate": {"type": "string", "format": "date"},
        }
    ),
    "parameters": [
        _query("tvmaze_id", {"type": "integer"}, "The show's TVmaze ID"),
        _query("thetvdb_id", {"type": "integer"}, "The show's TheTVDB ID"),
        _query("imdb_id", {"type": "string"}, "The show's IMDb ID: tt0944947 or 944947"),
    ],
}
MARK_BODY = {
    "requestBody": {
        "required": False,
        "content": {
            media: {"schema": {"type": "object", "properties": _MARK_FIELDS}}
            for media in ("application/json", "application/x-www-form-urlencoded")
        },
    }
}
SHOW_MARKS_QUERY = {
    "parameters": [
        _query("embed", {"type": "string", "enum": ["episode"]}, "Embed full episode info"),
        _query("type", {"type": "integer", "enum": [0, 1, 2]}, "Only marks of this type"),
    ]
}
