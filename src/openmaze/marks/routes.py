"""`/v1/user/episodes`: marked episodes, HTTP in and out only (rules: `openmaze.marks.service`)."""

from typing import Annotated

from starlette.requests import Request
from starlette.responses import Response

from openmaze.auth.credentials import PremiumUser
from openmaze.catalog.embeds import INVALID_EMBED, wants_embed
from openmaze.catalog.kinds import EPISODE
from openmaze.core.body import read_fields
from openmaze.core.fields import MAX_ID, Int, PathId
from openmaze.core.responses import empty_ok, ok
from openmaze.core.services import services
from openmaze.core.user_api import deletion, embed_doc, errors, listing, reading, user_router, writing
from openmaze.marks import service as episodes
from openmaze.marks.schemas import MARK_BODY, MarkedEpisode

router = user_router(tags=["marked episodes"])

EpisodeId = PathId
# Typed `int` with a None default (not `int | None`): the OpenAPI schema is a plain integer
# and a bad value's error names `show_id` alone, not one entry per union member.
ShowFilter = Annotated[int, Int(0, MAX_ID).query(description="Only return episodes from this specific show")]


@router.get(
    "/user/episodes",
    summary="List the Marked Episodes",
    response_description="An array of marked episodes",
    response_model=list[MarkedEpisode],
    responses=errors(_400=INVALID_EMBED, _422="`show_id` is not an integer id"),
    openapi_extra=embed_doc("episode", "episode"),
)
async def list_marked(
    request: Request,
    user: PremiumUser,
    show_id: ShowFilter = None,  # type: ignore[assignment]
) -> Response:
    with_embed = wants_embed(request, "episode")
    return await listing(
        request, user, ("marks", show_id, with_embed), lambda scoped: episodes.list_marks(scoped, show_id, with_embed)
    )


@router.get(
    "/user/episodes/{episode_id}",
    summary="Check if an Episode is Marked",
    response_description="The marked episode",
    response_model=MarkedEpisode,
    responses=errors(_404=EPISODE.is_not("marked")),
)
async def get_marked(request: Request, user: PremiumUser, episode_id: EpisodeId) -> Response:
    async with reading(request, user) as scoped:
        return ok(await episodes.get_mark(scoped, episode_id))


@router.put(
    "/user/episodes/{episode_id}",
    summary="Mark an Episode",
    response_description="This episode is now marked",
    description="Set `marked_at` to `NULL` or leave it out to use the current time; 0 means unknown. "
    "Form-encoded bodies (`type=1`) and empty bodies are accepted; a body `episode_id` is ignored.",
    response_model=MarkedEpisode,
    responses=errors(_404=EPISODE.missing, _422="Invalid `type` or `marked_at`"),
    openapi_extra=MARK_BODY,
)
async def mark(request: Request, user: PremiumUser, episode_id: EpisodeId) -> Response:
    fields = await read_fields(request)
    async with writing(request, user) as scoped:
        # "now" from the app clock, which a sandbox can set (`openmaze.sandbox`).
        return ok(await episodes.mark(scoped, episode_id, fields, now=int(services(request).clock())))


@router.delete(
    "/user/episodes/{episode_id}",
    summary="Unmark an Episode",
    response_model=None,
    response_class=Response,
    responses=deletion("The episode is now unmarked", EPISODE.was_not("marked")),
)
async def unmark(request: Request, user: PremiumUser, episode_id: EpisodeId) -> Response:
    async with writing(request, user) as scoped:
        await episodes.unmark(scoped, episode_id)
    return empty_ok()
