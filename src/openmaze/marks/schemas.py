"""The wire shapes of `/v1/user/episodes`, for the OpenAPI document only."""

from __future__ import annotations

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from openmaze.core.schemas import EMBED_DOC, NUMERIC_STRING, EmbeddedEpisode, Item, request_body
from openmaze.marks.service import MAX_EPOCH


class MarkedEpisode(Item):
    episode_id: int
    marked_at: int = Field(description="Epoch seconds when the user watched the episode, or 0 for unknown")
    type: int = Field(description="0 watched, 1 acquired, 2 skipped", json_schema_extra={"enum": [0, 1, 2]})
    embedded: EmbeddedEpisode | SkipJsonSchema[None] = Field(None, alias="_embedded", description=EMBED_DOC)  # type: ignore[valid-type]


MARK_BODY = request_body(
    {
        "type": "object",
        "properties": {
            "episode_id": {"type": "integer", "description": "Ignored: the episode in the path is marked"},
            "type": {
                "anyOf": [
                    {"type": "integer", "enum": [0, 1, 2]},
                    {"type": "string", "enum": ["0", "1", "2"]},
                    {"type": "null"},
                ],
                "description": "0 watched (the default), 1 acquired, 2 skipped",
            },
            "marked_at": {
                "anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_EPOCH}, NUMERIC_STRING, {"type": "null"}],
                "description": "Epoch seconds; 0 for unknown; null or absent for now",
            },
        },
    },
    required=False,
)
