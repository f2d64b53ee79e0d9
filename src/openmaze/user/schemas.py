"""The wire shapes of `/v1/user`, for the OpenAPI document only.

Responses are written straight to bytes (`openmaze.responses.ok`); these models describe
them to clients and to the schema fuzzer, and are never used to validate on the request
path. Catalog objects in `_embedded` are the public API's objects, described loosely
(`object`), as in the spec.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from openmaze.marks import MAX_EPOCH
from openmaze.user.tags import MAX_NAME

CatalogObject = dict[str, Any]


class Error(BaseModel):
    """The TVmaze error body."""

    name: str = Field(description="The HTTP reason phrase", examples=["Not Found"])
    message: str = Field(examples=["This show is not followed"])
    code: int = Field(examples=[0])
    status: int = Field(description="The HTTP status", examples=[404])


class ErrorWithFields(Error):
    """The TVmaze error body of a 422, with what is wrong per field."""

    errors: dict[str, list[str]]


def _embedded(name: str, description: str) -> type[BaseModel]:
    model = type(
        f"Embedded{name.capitalize()}",
        (BaseModel,),
        {"__annotations__": {name: CatalogObject}, "__doc__": description},
    )
    return model


EmbeddedShow = _embedded("show", "The full show, as the public API's /shows/{id} returns it")
EmbeddedPerson = _embedded("person", "The full person, as /people/{id} returns it")
EmbeddedNetwork = _embedded("network", "The full network, as /networks/{id} returns it")
EmbeddedWebchannel = _embedded("webchannel", "The full web channel, as /webchannels/{id} returns it")
EmbeddedEpisode = _embedded("episode", "The full episode, as /episodes/{id} returns it")

_EMBED_DOC = "Present only when `?embed=` asks for it"


class _Item(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class ShowFollow(_Item):
    show_id: int
    embedded: EmbeddedShow | SkipJsonSchema[None] = Field(None, alias="_embedded", description=_EMBED_DOC)  # type: ignore[valid-type]


class PersonFollow(_Item):
    person_id: int
    embedded: EmbeddedPerson | SkipJsonSchema[None] = Field(None, alias="_embedded", description=_EMBED_DOC)  # type: ignore[valid-type]


class NetworkFollow(_Item):
    network_id: int
    embedded: EmbeddedNetwork | SkipJsonSchema[None] = Field(None, alias="_embedded", description=_EMBED_DOC)  # type: ignore[valid-type]


class WebchannelFollow(_Item):
    webchannel_id: int
    embedded: EmbeddedWebchannel | SkipJsonSchema[None] = Field(None, alias="_embedded", description=_EMBED_DOC)  # type: ignore[valid-type]


class MarkedEpisode(_Item):
    episode_id: int
    marked_at: int = Field(description="Epoch seconds when the user watched the episode, or 0 for unknown")
    type: int = Field(description="0 watched, 1 acquired, 2 skipped", json_schema_extra={"enum": [0, 1, 2]})
    embedded: EmbeddedEpisode | SkipJsonSchema[None] = Field(None, alias="_embedded", description=_EMBED_DOC)  # type: ignore[valid-type]


class ShowVote(_Item):
    show_id: int
    vote: int = Field(ge=1, le=10)
    voted_at: int = Field(description="Epoch seconds of the vote, set by the server")
    embedded: EmbeddedShow | SkipJsonSchema[None] = Field(None, alias="_embedded", description=_EMBED_DOC)  # type: ignore[valid-type]


class EpisodeVote(_Item):
    episode_id: int
    vote: int = Field(ge=1, le=10)
    voted_at: int = Field(description="Epoch seconds of the vote, set by the server")
    embedded: EmbeddedEpisode | SkipJsonSchema[None] = Field(None, alias="_embedded", description=_EMBED_DOC)  # type: ignore[valid-type]


class Tag(BaseModel):
    id: int
    name: str


class TagInstance(_Item):
    show_id: int
    embedded: EmbeddedShow | SkipJsonSchema[None] = Field(None, alias="_embedded", description=_EMBED_DOC)  # type: ignore[valid-type]


# --- request bodies (JSON, form-encoded, or empty where the field is optional) ----------

_NUMERIC_STRING = {"type": "string", "pattern": "^[0-9]+$"}


def _body(schema: dict[str, Any], required: bool) -> dict[str, Any]:
    """An `openapi_extra` request body accepted as JSON and as a form (pytvmaze sends forms)."""
    return {
        "requestBody": {
            "required": required,
            "content": {
                "application/json": {"schema": schema},
                "application/x-www-form-urlencoded": {"schema": schema},
            },
        }
    }


MARK_BODY = _body(
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
                "anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_EPOCH}, _NUMERIC_STRING, {"type": "null"}],
                "description": "Epoch seconds; 0 for unknown; null or absent for now",
            },
        },
    },
    required=False,
)

VOTE_BODY = _body(
    {
        "type": "object",
        "required": ["vote"],
        "properties": {
            "vote": {
                "anyOf": [
                    {"type": "integer", "minimum": 1, "maximum": 10},
                    {"type": "string", "enum": [str(n) for n in range(1, 11)]},
                ],
                "description": "1 to 10. `voted_at` is set by the server.",
            }
        },
    },
    required=True,
)

# A name with at least one visible character and no control characters.
_TAG_NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
_TAG_NAME = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_NAME,
    "pattern": _TAG_NAME_PATTERN,
    "description": f"Trimmed; unique among the user's tags; at most {MAX_NAME} characters",
}
TAG_CREATE_BODY = _body({"type": "object", "required": ["name"], "properties": {"name": _TAG_NAME}}, required=True)
TAG_PATCH_BODY = _body({"type": "object", "properties": {"name": _TAG_NAME}}, required=False)
