"""The wire shapes of `/v1/user/tags`, for the OpenAPI document only."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from openmaze.core.schemas import EMBED_DOC, EmbeddedShow, Item, request_body
from openmaze.tags.service import MAX_NAME


class Tag(BaseModel):
    id: int
    name: str


class TagInstance(Item):
    show_id: int
    embedded: EmbeddedShow | SkipJsonSchema[None] = Field(None, alias="_embedded", description=EMBED_DOC)  # type: ignore[valid-type]


# A name with at least one visible character and no control characters.
_TAG_NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
_TAG_NAME = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_NAME,
    "pattern": _TAG_NAME_PATTERN,
    "description": f"Trimmed; unique among the user's tags; at most {MAX_NAME} characters",
}
TAG_CREATE_BODY = request_body(
    {"type": "object", "required": ["name"], "properties": {"name": _TAG_NAME}}, required=True
)
TAG_PATCH_BODY = request_body({"type": "object", "properties": {"name": _TAG_NAME}}, required=False)
