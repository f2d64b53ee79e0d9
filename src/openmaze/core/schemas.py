"""Wire shapes every API package shares, for the OpenAPI document only: the TVmaze error
body, catalog objects in `_embedded`, and request bodies accepted as JSON or as a form.

Responses are written straight to bytes (`openmaze.core.responses.ok`); these models describe
them to clients and to the schema fuzzer, and are never used to validate on the request
path. Catalog objects in `_embedded` are the public API's objects, described loosely
(`object`), as in the spec.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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


EMBED_DOC = _EMBED_DOC
Item = _Item


def request_body(schema: dict[str, Any], required: bool) -> dict[str, Any]:
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
