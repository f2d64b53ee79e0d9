"""The wire shapes of `/v1/user/episodes`, for the OpenAPI document only."""

from __future__ import annotations

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from openmaze.core.fields import object_schema
from openmaze.core.schemas import EMBED_DOC, EmbeddedEpisode, Item, request_body
from openmaze.marks.service import MARK_FIELDS


class MarkedEpisode(Item):
    episode_id: int
    marked_at: int = Field(description="Epoch seconds when the user watched the episode, or 0 for unknown")
    type: int = Field(description="0 watched, 1 acquired, 2 skipped", json_schema_extra={"enum": [0, 1, 2]})
    embedded: EmbeddedEpisode | SkipJsonSchema[None] = Field(None, alias="_embedded", description=EMBED_DOC)  # type: ignore[valid-type]


MARK_BODY = request_body(
    object_schema({"episode_id": {"description": "Ignored: the episode in the path is marked"}, **MARK_FIELDS}),
    required=False,
)
