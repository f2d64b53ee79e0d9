"""The wire shapes of `/v1/user/tags`, for the OpenAPI document only."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from openmaze.core.fields import TAG_NAME, object_schema
from openmaze.core.schemas import EMBED_DOC, EmbeddedShow, Item, request_body


class Tag(BaseModel):
    id: int
    name: str


class TagInstance(Item):
    show_id: int
    embedded: EmbeddedShow | SkipJsonSchema[None] = Field(None, alias="_embedded", description=EMBED_DOC)  # type: ignore[valid-type]


TAG_CREATE_BODY = request_body(object_schema({"name": TAG_NAME}, ("name",)), required=True)
TAG_PATCH_BODY = request_body(object_schema({"name": TAG_NAME}), required=False)
