"""`/v1/user/votes/{shows,episodes}`: HTTP in and out only (rules: `openmaze.votes.service`)."""

from typing import Annotated

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from openmaze.auth.credentials import PremiumUser
from openmaze.catalog.embeds import INVALID_EMBED, wants_embed
from openmaze.catalog.kinds import EPISODE, SHOW, CatalogKind
from openmaze.core.body import read_fields
from openmaze.core.fields import ID
from openmaze.core.responses import empty_ok, ok
from openmaze.core.services import services
from openmaze.core.user_api import deletion, embed_doc, errors, listing, reading, user_router, writing
from openmaze.votes import service as votes
from openmaze.votes.schemas import VOTE_BODY, EpisodeVote, ShowVote

router = user_router()


def _add_routes(kind: CatalogKind, model: type[BaseModel]) -> None:
    plural, title = kind.plural, kind.title
    base = f"/user/votes/{plural}"
    item = f"{base}/{{{kind.column}}}"
    tag = f"voted {plural}"
    TargetId = Annotated[int, ID.path(alias=kind.column)]

    @router.get(
        base,
        summary=f"List the {title}s Voted For",
        response_description=f"An array of {kind.noun} votes",
        tags=[tag],
        name=f"list_voted_{plural}",
        response_model=list[model],  # type: ignore[valid-type]
        responses=errors(_400=INVALID_EMBED),
        openapi_extra=embed_doc(kind.embed, kind.noun),
    )
    async def list_votes(request: Request, user: PremiumUser) -> Response:
        with_embed = wants_embed(request, kind.embed)
        return await listing(
            request, user, ("votes", kind.plural, with_embed), lambda scoped: votes.list_votes(scoped, kind, with_embed)
        )

    @router.get(
        item,
        summary=f"Check if {kind.a_title} is Voted For",
        response_description=f"The {kind.noun} vote",
        tags=[tag],
        name=f"get_{kind.noun}_vote",
        response_model=model,
        responses=errors(_404=kind.is_not("voted for")),
    )
    async def get_vote(request: Request, user: PremiumUser, target_id: TargetId) -> Response:
        async with reading(request, user) as scoped:
            return ok(await votes.get_vote(scoped, kind, target_id))

    @router.put(
        item,
        summary=f"Vote for {kind.a_title}",
        response_description=f"This {kind.noun} is now voted for",
        description="`vote` is an integer from 1 to 10 (JSON or form-encoded, `vote=8`); "
        "`voted_at` is set by the server.",
        tags=[tag],
        name=f"vote_{kind.noun}",
        response_model=model,
        responses=errors(_404=kind.missing, _422=votes.INVALID_VOTE),
        openapi_extra=VOTE_BODY,
    )
    async def vote(request: Request, user: PremiumUser, target_id: TargetId) -> Response:
        fields = await read_fields(request)
        async with writing(request, user) as scoped:
            return ok(await votes.vote(scoped, kind, target_id, fields, now=int(services(request).clock())))

    @router.delete(
        item,
        summary=f"Remove {kind.a_title} Vote",
        tags=[tag],
        name=f"remove_{kind.noun}_vote",
        response_model=None,
        response_class=Response,
        responses=deletion(f"The {kind.noun} vote is now removed", kind.was_not("voted for")),
    )
    async def unvote(request: Request, user: PremiumUser, target_id: TargetId) -> Response:
        async with writing(request, user) as scoped:
            await votes.unvote(scoped, kind, target_id)
        return empty_ok()


_add_routes(SHOW, ShowVote)
_add_routes(EPISODE, EpisodeVote)
