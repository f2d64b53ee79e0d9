"""The public catalog API at the root (`/shows/1`, `/lookup/shows?thetvdb=81189`), in
TVmaze's shapes and status conventions. HTTP in and out only; the rules live in
`service` and `search`. No authentication; an optional per-address rate limit."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from openmaze.core.errors import VALIDATION_FAILED, ApiError
from openmaze.core.fastpath import DirectRoute
from openmaze.core.fields import (
    ID,
    IMDB_ID,
    MAX_ID,
    NUMBER,
    AnyText,
    Date,
    FieldError,
    Int,
    Names,
    QueryParam,
    query_doc,
)
from openmaze.core.services import services
from openmaze.public import people, schedules, schemas, service
from openmaze.public.caching import PUBLIC_ERRORS, cache_headers, public_json, public_rate_limit, public_stream
from openmaze.public.search import SINGLE_THRESHOLD, SearchTable, search

router = APIRouter(
    tags=["public catalog"],
    dependencies=[Depends(public_rate_limit)],
    responses=PUBLIC_ERRORS,
    route_class=DirectRoute,
)

# Bounds from openmaze.core.fields.ID: an id that cannot exist is a 404 before the route runs.
ShowId = Annotated[int, ID.path(description="TVmaze show id")]
EpisodeId = Annotated[int, ID.path(description="TVmaze episode id")]
PersonId = Annotated[int, ID.path(description="TVmaze person id")]
SeasonId = Annotated[int, ID.path(description="TVmaze season id")]
AlternateListId = Annotated[int, ID.path(description="TVmaze alternate list id")]
CharacterId = Annotated[int, ID.path(description="TVmaze character id")]
NetworkId = Annotated[int, ID.path(description="TVmaze network id")]
WebChannelId = Annotated[int, ID.path(description="TVmaze web channel id")]
# Statuses a route answers beyond those `openmaze.core.openapi` derives from its signature; the
# fuzz test (tests/hardening/test_fuzz.py) holds every route to its listed statuses.
MISSING_Q: dict[int | str, dict[str, Any]] = {400: {"description": "Missing required parameters: q"}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Nothing matches"}}
_LIST_DOC = "Embeds as a list: embed[]=a&embed[]=b"
ShowEmbed = Annotated[str | None, Query(json_schema_extra=service.SHOW_EMBEDS.schema())]
ShowEmbedList = Annotated[
    list[str], Query(alias="embed[]", description=_LIST_DOC, json_schema_extra={"items": service.SHOW_EMBEDS.schema()})
]
EpisodeEmbed = Annotated[str | None, Query(json_schema_extra=service.EPISODE_EMBEDS.schema())]
EpisodeEmbedList = Annotated[
    list[str],
    Query(alias="embed[]", description=_LIST_DOC, json_schema_extra={"items": service.EPISODE_EMBEDS.schema()}),
]

SeasonEmbed = Annotated[str | None, Query(json_schema_extra=service.SEASON_EMBEDS.schema())]
SeasonEmbedList = Annotated[
    list[str],
    Query(alias="embed[]", description=_LIST_DOC, json_schema_extra={"items": service.SEASON_EMBEDS.schema()}),
]
AlternateListEmbed = Annotated[str | None, Query(json_schema_extra=service.ALTERNATE_LIST_EMBEDS.schema())]
AlternateListEmbedList = Annotated[
    list[str],
    Query(alias="embed[]", description=_LIST_DOC, json_schema_extra={"items": service.ALTERNATE_LIST_EMBEDS.schema()}),
]
AlternateEpisodeEmbed = Annotated[str | None, Query(json_schema_extra=service.ALTERNATE_EPISODE_EMBEDS.schema())]
AlternateEpisodeEmbedList = Annotated[
    list[str],
    Query(
        alias="embed[]", description=_LIST_DOC, json_schema_extra={"items": service.ALTERNATE_EPISODE_EMBEDS.schema()}
    ),
]
PersonEmbed = Annotated[str | None, Query(json_schema_extra=people.PERSON_EMBEDS.schema())]
PersonEmbedList = Annotated[
    list[str], Query(alias="embed[]", description=_LIST_DOC, json_schema_extra={"items": people.PERSON_EMBEDS.schema()})
]
CastCreditEmbed = Annotated[str | None, Query(json_schema_extra=people.CREDIT_EMBEDS["castcredits"].schema())]
CastCreditEmbedList = Annotated[
    list[str],
    Query(
        alias="embed[]",
        description=_LIST_DOC,
        json_schema_extra={"items": people.CREDIT_EMBEDS["castcredits"].schema()},
    ),
]
CrewCreditEmbed = Annotated[str | None, Query(json_schema_extra=people.CREDIT_EMBEDS["crewcredits"].schema())]
CrewCreditEmbedList = Annotated[
    list[str],
    Query(
        alias="embed[]",
        description=_LIST_DOC,
        json_schema_extra={"items": people.CREDIT_EMBEDS["crewcredits"].schema()},
    ),
]
GuestCreditEmbed = Annotated[str | None, Query(json_schema_extra=people.CREDIT_EMBEDS["guestcastcredits"].schema())]
GuestCreditEmbedList = Annotated[
    list[str],
    Query(
        alias="embed[]",
        description=_LIST_DOC,
        json_schema_extra={"items": people.CREDIT_EMBEDS["guestcastcredits"].schema()},
    ),
]
# Read by hand: a missing `q` is TVmaze's 400 "Missing required parameters: q", not a 422.
SEARCH = QueryParam("q", AnyText(), "What to look for (case, accents and punctuation ignored)", required=True)
SEARCH_DOC: dict[str, Any] = {"responses": MISSING_Q, "openapi_extra": query_doc(SEARCH)}
AIRDATE = Date("Expected a date as YYYY-MM-DD", "YYYY-MM-DD")


def _embeds(embed: str | None, embed_list: list[str], allowed: Names) -> list[str]:
    return service.parse_embeds([*([embed] if embed is not None else []), *embed_list], allowed)


def _query(request: Request) -> str:
    q = SEARCH.read(request.query_params)
    assert q is not None  # required: read() answered the 400 for a missing one
    return q


async def _search(request: Request, table: SearchTable, key: str) -> Response:
    """Up to 10 results as {score, <key>}, best first."""
    query = _query(request)
    async with services(request).db.read() as conn:
        hits = await search(conn, table, query)
    return public_json(request, [{"score": h.score, key: h.data} for h in hits])


@router.get(
    "/shows/{show_id}",
    summary="Show main information (embed: episodes, cast, crew, seasons, images, akas, next/previousepisode)",
)
async def get_show(
    request: Request,
    show_id: ShowId,
    embed: ShowEmbed = None,
    embed_list: ShowEmbedList = [],  # noqa: B006
) -> Response:
    embeds = _embeds(embed, embed_list, service.SHOW_EMBEDS)
    async with services(request).db.read() as conn:
        return public_json(request, await service.show_object(conn, show_id, embeds, services(request).clock()))


@router.get("/shows/{show_id}/episodes", summary="Show episode list (specials with ?specials=1)")
async def get_show_episodes(
    request: Request,
    show_id: ShowId,
    specials: Annotated[int, Query(description="1: include specials, in airing order")] = 0,
) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await service.show_episodes(conn, show_id, specials=bool(specials)))


@router.get("/shows/{show_id}/episodebynumber", summary="Episode by season and number")
async def get_episode_by_number(
    request: Request,
    show_id: ShowId,
    season: Annotated[int, NUMBER.query()],
    number: Annotated[int, NUMBER.query()],
) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await service.episode_by_number(conn, show_id, season, number))


@router.get("/shows/{show_id}/episodesbydate", summary="Episodes aired on a date (404 if none)")
async def get_episodes_by_date(
    request: Request, show_id: ShowId, date_: Annotated[str, Query(alias="date", json_schema_extra=AIRDATE.schema())]
) -> Response:
    try:
        airdate = AIRDATE.parse(date_)
    except FieldError as exc:
        raise ApiError(422, VALIDATION_FAILED, {"date": [exc.message]}) from None
    async with services(request).db.read() as conn:
        return public_json(request, await service.episodes_by_date(conn, show_id, airdate))


@router.get("/shows/{show_id}/seasons", response_model=list[schemas.Season], summary="Show seasons")
async def get_show_seasons(request: Request, show_id: ShowId) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await service.show_seasons(conn, show_id, check=True))


@router.get("/shows/{show_id}/cast", response_model=list[schemas.CastCredit], summary="Show cast")
async def get_show_cast(request: Request, show_id: ShowId) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await service.show_cast(conn, show_id))


@router.get("/shows/{show_id}/crew", response_model=list[schemas.CrewCredit], summary="Show crew")
async def get_show_crew(request: Request, show_id: ShowId) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await service.show_crew(conn, show_id))


@router.get("/shows/{show_id}/akas", response_model=list[schemas.Aka], summary="Show AKAs: the show's names elsewhere")
async def get_show_akas(request: Request, show_id: ShowId) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await service.show_list(conn, show_id, "akas"))


@router.get(
    "/shows/{show_id}/images", response_model=list[schemas.Image], summary="Show images (URLs as the source gave them)"
)
async def get_show_images(request: Request, show_id: ShowId) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await service.show_list(conn, show_id, "images"))


@router.get(
    "/shows/{show_id}/alternatelists",
    response_model=list[schemas.AlternateList],
    summary="Show alternate episode lists (DVD order and others)",
)
async def get_show_alternate_lists(request: Request, show_id: ShowId) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await service.show_alternate_lists(conn, show_id))


@router.get(
    "/alternatelists/{list_id}",
    response_model=schemas.AlternateList,
    summary="Alternate list (embed: alternateepisodes)",
)
async def get_alternate_list(
    request: Request,
    list_id: AlternateListId,
    embed: AlternateListEmbed = None,
    embed_list: AlternateListEmbedList = [],  # noqa: B006
) -> Response:
    embeds = _embeds(embed, embed_list, service.ALTERNATE_LIST_EMBEDS)
    async with services(request).db.read() as conn:
        return public_json(request, await service.alternate_list(conn, list_id, embeds))


@router.get(
    "/alternatelists/{list_id}/alternateepisodes",
    response_model=list[schemas.AlternateEpisode],
    summary="Alternate list's episodes (embed: episodes)",
)
async def get_alternate_episodes(
    request: Request,
    list_id: AlternateListId,
    embed: AlternateEpisodeEmbed = None,
    embed_list: AlternateEpisodeEmbedList = [],  # noqa: B006
) -> Response:
    embeds = _embeds(embed, embed_list, service.ALTERNATE_EPISODE_EMBEDS)
    async with services(request).db.read() as conn:
        return public_json(request, await service.alternate_episodes(conn, list_id, embeds))


@router.get("/seasons/{season_id}", response_model=schemas.Season, summary="Season main information (embed: episodes)")
async def get_season(
    request: Request,
    season_id: SeasonId,
    embed: SeasonEmbed = None,
    embed_list: SeasonEmbedList = [],  # noqa: B006
) -> Response:
    embeds = _embeds(embed, embed_list, service.SEASON_EMBEDS)
    async with services(request).db.read() as conn:
        return public_json(request, await service.season_object(conn, season_id, embeds))


@router.get("/seasons/{season_id}/episodes", summary="Season episodes, specials included, in airing order")
async def get_season_episodes(request: Request, season_id: SeasonId) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await service.season_episodes(conn, season_id))


@router.get(
    "/shows",
    summary="Show index: 250 shows per page by id (page N: ids N*250..N*250+249)",
    responses={404: {"description": "A page past the last show"}},
)
async def get_shows_page(
    request: Request, page: Annotated[int, Int(0, MAX_ID // service.SHOWS_PER_PAGE - 1).query()] = 0
) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await service.shows_page(conn, page))


@router.get("/episodes/{episode_id}", summary="Episode main information (embed: show, guestcast, guestcrew)")
async def get_episode(
    request: Request,
    episode_id: EpisodeId,
    embed: EpisodeEmbed = None,
    embed_list: EpisodeEmbedList = [],  # noqa: B006
) -> Response:
    embeds = _embeds(embed, embed_list, service.EPISODE_EMBEDS)
    async with services(request).db.read() as conn:
        return public_json(request, await service.episode_object(conn, episode_id, embeds))


@router.get("/episodes/{episode_id}/guestcast", response_model=list[schemas.CastCredit], summary="Episode guest cast")
async def get_episode_guest_cast(request: Request, episode_id: EpisodeId) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await service.episode_guests(conn, episode_id, "guestcast"))


@router.get(
    "/episodes/{episode_id}/guestcrew", response_model=list[schemas.GuestCrewCredit], summary="Episode guest crew"
)
async def get_episode_guest_crew(request: Request, episode_id: EpisodeId) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await service.episode_guests(conn, episode_id, "guestcrew"))


@router.get(
    "/people/{person_id}", summary="Person main information (embed: castcredits, crewcredits, guestcastcredits)"
)
async def get_person(
    request: Request,
    person_id: PersonId,
    embed: PersonEmbed = None,
    embed_list: PersonEmbedList = [],  # noqa: B006
) -> Response:
    embeds = _embeds(embed, embed_list, people.PERSON_EMBEDS)
    async with services(request).db.read() as conn:
        return public_json(request, await people.person_object(conn, person_id, embeds))


@router.get(
    "/people/{person_id}/castcredits",
    response_model=list[schemas.PersonCredit],
    summary="Person cast credits (embed: show, character)",
)
async def get_cast_credits(
    request: Request,
    person_id: PersonId,
    embed: CastCreditEmbed = None,
    embed_list: CastCreditEmbedList = [],  # noqa: B006
) -> Response:
    embeds = _embeds(embed, embed_list, people.CREDIT_EMBEDS["castcredits"])
    async with services(request).db.read() as conn:
        return public_json(request, await people.person_credits(conn, person_id, "castcredits", embeds))


@router.get(
    "/people/{person_id}/crewcredits",
    response_model=list[schemas.PersonCredit],
    summary="Person crew credits (embed: show)",
)
async def get_crew_credits(
    request: Request,
    person_id: PersonId,
    embed: CrewCreditEmbed = None,
    embed_list: CrewCreditEmbedList = [],  # noqa: B006
) -> Response:
    embeds = _embeds(embed, embed_list, people.CREDIT_EMBEDS["crewcredits"])
    async with services(request).db.read() as conn:
        return public_json(request, await people.person_credits(conn, person_id, "crewcredits", embeds))


@router.get(
    "/people/{person_id}/guestcastcredits",
    response_model=list[schemas.PersonCredit],
    summary="Person guest cast credits (embed: episode, character)",
)
async def get_guest_cast_credits(
    request: Request,
    person_id: PersonId,
    embed: GuestCreditEmbed = None,
    embed_list: GuestCreditEmbedList = [],  # noqa: B006
) -> Response:
    embeds = _embeds(embed, embed_list, people.CREDIT_EMBEDS["guestcastcredits"])
    async with services(request).db.read() as conn:
        return public_json(request, await people.person_credits(conn, person_id, "guestcastcredits", embeds))


@router.get(
    "/people",
    summary="People index: 250 people per page by id (page N: ids N*250..N*250+249)",
    responses={404: {"description": "A page past the last person"}},
)
async def get_people_page(
    request: Request, page: Annotated[int, Int(0, MAX_ID // people.PEOPLE_PER_PAGE - 1).query()] = 0
) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await people.people_page(conn, page))


@router.get("/characters/{character_id}", response_model=schemas.Character, summary="Character main information")
async def get_character(request: Request, character_id: CharacterId) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await people.character_object(conn, character_id))


@router.get("/networks/{network_id}", response_model=schemas.Channel, summary="Network main information")
async def get_network(request: Request, network_id: NetworkId) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await people.channel_object(conn, "networks", network_id))


@router.get("/webchannels/{webchannel_id}", response_model=schemas.Channel, summary="Web channel main information")
async def get_webchannel(request: Request, webchannel_id: WebChannelId) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await people.channel_object(conn, "webchannels", webchannel_id))


# --- schedules ------------------------------------------------------------------------


def _date(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return AIRDATE.parse(raw)
    except FieldError as exc:
        raise ApiError(422, VALIDATION_FAILED, {"date": [exc.message]}) from None


ScheduleDate = Annotated[
    str | None,
    Query(alias="date", description="YYYY-MM-DD; default: today in the country", json_schema_extra=AIRDATE.schema()),
]
Country = Annotated[str | None, Query(description="ISO 3166-1 country code (US, GB, …)", max_length=8)]


@router.get(
    "/schedule",
    response_model=list[schemas.ScheduleEpisode],
    summary="Episodes airing on a day on one country's networks (default: US, today there)",
)
async def get_schedule(
    request: Request,
    country: Country = None,
    date_: ScheduleDate = None,
    filter_: Annotated[Literal["primetime"] | None, Query(alias="filter")] = None,
) -> Response:
    day = _date(date_)
    async with services(request).db.read() as conn:
        episodes = await schedules.schedule(
            conn, (country or schedules.DEFAULT_COUNTRY).upper(), day, filter_ == "primetime", services(request).clock()
        )
    return public_json(request, episodes)


@router.get(
    "/schedule/web",
    response_model=list[schemas.EmbeddedScheduleEpisode],
    summary="Episodes airing on a day on web channels (no country: all; empty country: global channels only)",
)
async def get_web_schedule(request: Request, country: Country = None, date_: ScheduleDate = None) -> Response:
    day = _date(date_)
    async with services(request).db.read() as conn:
        code = None if country is None else country.upper()
        episodes = await schedules.web_schedule(conn, code, day, services(request).clock())
    return public_json(request, episodes)


@router.get(
    "/schedule/full",
    response_model=list[schemas.EmbeddedScheduleEpisode],
    summary="Every episode from today on, with its show (large: streamed)",
)
async def get_full_schedule(request: Request) -> Response:
    app = services(request)
    now = app.clock()
    async with app.db.read() as conn:
        etag = await schedules.full_schedule_etag(conn, now)
    cache = app.settings.resolved_data_dir() / "cache"
    return public_stream(request, etag, schedules.cached_full_schedule(app.db, now, cache, etag))


@router.get("/search/shows", summary="Show search: up to 10 results as {score, show}, best first", **SEARCH_DOC)
async def search_shows(request: Request) -> Response:
    return await _search(request, "shows", "show")


@router.get(
    "/singlesearch/shows",
    summary="The single best show for a query (404 if none)",
    responses={**MISSING_Q, **NOT_FOUND},
    openapi_extra=query_doc(SEARCH),
)
async def singlesearch_shows(
    request: Request,
    embed: ShowEmbed = None,
    embed_list: ShowEmbedList = [],  # noqa: B006
) -> Response:
    query = _query(request)
    embeds = _embeds(embed, embed_list, service.SHOW_EMBEDS)
    async with services(request).db.read() as conn:
        hits = await search(conn, "shows", query, limit=1, min_score=SINGLE_THRESHOLD)
        if not hits:
            raise service.not_found()
        return public_json(request, await service.show_object(conn, hits[0].id, embeds, services(request).clock()))


@router.get(
    "/lookup/shows",
    summary="Show by external id: a 301 to /shows/{id}, or a 404 with the body null",
    responses={
        301: {"description": "Found: `Location` is the show"},
        400: {"description": "Specify one of the parameters tvrage, thetvdb or imdb"},
        404: {
            "description": "No show has that id: the body is `null`",
            "content": {"application/json": {"schema": {"type": "null"}}},
        },
    },
)
async def lookup_shows(
    request: Request,
    tvrage: Annotated[str | None, Query(description="TVRage id", json_schema_extra=ID.schema())] = None,
    thetvdb: Annotated[str | None, Query(description="TheTVDB id", json_schema_extra=ID.schema())] = None,
    imdb: Annotated[str | None, Query(description="IMDb id, tt0944947", json_schema_extra=IMDB_ID.schema())] = None,
) -> Response:
    async with services(request).db.read() as conn:
        show_id = await service.lookup_show(conn, tvrage, thetvdb, imdb)
    headers = cache_headers(request)
    if show_id is None:
        return Response(b"null", status_code=404, media_type="application/json", headers=headers)
    headers["Location"] = str(request.base_url).rstrip("/") + f"/shows/{show_id}"
    return Response(status_code=301, headers=headers)


@router.get("/search/people", summary="People search: up to 10 results as {score, person}, best first", **SEARCH_DOC)
async def search_people(request: Request) -> Response:
    return await _search(request, "people", "person")


Since = Annotated[Literal["day", "week", "month"] | None, Query()]


@router.get(
    "/updates/shows",
    response_model=dict[str, int],
    summary="Show ids with their last update time (epoch), optionally recent only",
)
async def show_updates(request: Request, since: Since = None) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await service.show_updates(conn, since, services(request).clock()))


@router.get(
    "/updates/people",
    response_model=dict[str, int],
    summary="Person ids with their last update time (epoch), optionally recent only",
)
async def people_updates(request: Request, since: Since = None) -> Response:
    async with services(request).db.read() as conn:
        return public_json(request, await people.people_updates(conn, since, services(request).clock()))
