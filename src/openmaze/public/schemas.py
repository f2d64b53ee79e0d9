"""Wire shapes of the public catalog API, for the OpenAPI document only (responses are the
stored JSON spliced into bytes, never validated through these).

Catalog objects carry every field their source gave, so each model names the fields TVmaze
documents and allows any others; nested catalog objects are described loosely (`object`),
as in `openmaze.core.schemas`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from openmaze.core.schemas import CatalogObject


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Link(_Open):
    href: str | None = None
    name: str | None = None


class Season(_Open):
    """A season, with TVmaze's own id (null only for a season derived from episodes)."""

    id: int | None = None
    url: str | None = None
    number: int | None = None
    name: str | None = None
    episodeOrder: int | None = None
    premiereDate: str | None = None
    endDate: str | None = None
    network: CatalogObject | None = None
    webChannel: CatalogObject | None = None
    image: CatalogObject | None = None
    summary: str | None = None
    embedded: dict[str, list[CatalogObject]] | None = Field(
        None, alias="_embedded", description="`episodes`, with `?embed=episodes`"
    )


class CastCredit(_Open):
    person: CatalogObject
    character: CatalogObject | None = None
    self: bool | None = None
    voice: bool | None = None


class CrewCredit(_Open):
    type: str | None = None
    person: CatalogObject


class GuestCrewCredit(_Open):
    guestCrewType: str | None = None
    person: CatalogObject


class Aka(_Open):
    name: str | None = None
    country: CatalogObject | None = None


class Image(_Open):
    id: int | None = None
    type: str | None = None
    main: bool | None = None
    resolutions: dict[str, Any] | None = Field(None, description="`original`, `medium`: {url, width, height}")


class AlternateList(_Open):
    id: int
    url: str | None = None
    embedded: dict[str, list[CatalogObject]] | None = Field(
        None, alias="_embedded", description="`alternateepisodes`, with `?embed=alternateepisodes`"
    )


class AlternateEpisode(_Open):
    id: int
    url: str | None = None
    season: int | None = None
    number: int | None = None
    embedded: dict[str, list[CatalogObject]] | None = Field(
        None, alias="_embedded", description="`episodes`, with `?embed=episodes`"
    )


class PersonCredit(_Open):
    """A person's credit: `self`/`voice` (cast, guest cast) or `type` (crew), and links to
    the show or episode and the character; with `?embed=`, those objects in `_embedded`."""

    self: bool | None = None
    voice: bool | None = None
    type: str | None = None
    links: dict[str, Link] = Field(alias="_links")
    embedded: dict[str, CatalogObject] | None = Field(None, alias="_embedded")


class Character(_Open):
    id: int
    url: str | None = None
    name: str | None = None
    image: CatalogObject | None = None


class Channel(_Open):
    """A network or web channel; `country` null is a global web channel."""

    id: int
    name: str
    country: CatalogObject | None = None
    officialSite: str | None = None


class ScheduleEpisode(_Open):
    """An episode of `/schedule`, with its show as `show`."""

    id: int
    airdate: str | None = None
    airtime: str | None = None
    airstamp: str | None = None
    show: CatalogObject


class EmbeddedScheduleEpisode(_Open):
    """An episode of `/schedule/web` and `/schedule/full`, with its show in `_embedded`."""

    id: int
    airdate: str | None = None
    airtime: str | None = None
    airstamp: str | None = None
    embedded: dict[str, CatalogObject] | None = Field(None, alias="_embedded")
