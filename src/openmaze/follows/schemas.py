"""The wire shapes of `/v1/user/follows/*`, for the OpenAPI document only."""

from __future__ import annotations

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from openmaze.core.schemas import EMBED_DOC, EmbeddedNetwork, EmbeddedPerson, EmbeddedShow, EmbeddedWebchannel, Item


class ShowFollow(Item):
    show_id: int
    embedded: EmbeddedShow | SkipJsonSchema[None] = Field(None, alias="_embedded", description=EMBED_DOC)  # type: ignore[valid-type]


class PersonFollow(Item):
    person_id: int
    embedded: EmbeddedPerson | SkipJsonSchema[None] = Field(None, alias="_embedded", description=EMBED_DOC)  # type: ignore[valid-type]


class NetworkFollow(Item):
    network_id: int
    embedded: EmbeddedNetwork | SkipJsonSchema[None] = Field(None, alias="_embedded", description=EMBED_DOC)  # type: ignore[valid-type]


class WebchannelFollow(Item):
    webchannel_id: int
    embedded: EmbeddedWebchannel | SkipJsonSchema[None] = Field(None, alias="_embedded", description=EMBED_DOC)  # type: ignore[valid-type]
