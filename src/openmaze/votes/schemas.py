"""The wire shapes of `/v1/user/votes/*`, for the OpenAPI document only."""

from __future__ import annotations

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from openmaze.core.fields import VOTE, described, object_schema
from openmaze.core.schemas import EMBED_DOC, EmbeddedEpisode, EmbeddedShow, Item, request_body


class ShowVote(Item):
    show_id: int
    vote: int = Field(ge=VOTE.low, le=VOTE.high)
    voted_at: int = Field(description="Epoch seconds of the vote, set by the server")
    embedded: EmbeddedShow | SkipJsonSchema[None] = Field(None, alias="_embedded", description=EMBED_DOC)  # type: ignore[valid-type]


class EpisodeVote(Item):
    episode_id: int
    vote: int = Field(ge=VOTE.low, le=VOTE.high)
    voted_at: int = Field(description="Epoch seconds of the vote, set by the server")
    embedded: EmbeddedEpisode | SkipJsonSchema[None] = Field(None, alias="_embedded", description=EMBED_DOC)  # type: ignore[valid-type]


VOTE_BODY = request_body(
    object_schema({"vote": described(VOTE, "1 to 10. `voted_at` is set by the server.")}, ("vote",)),
    required=True,
)
