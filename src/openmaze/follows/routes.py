"""`/v1/user/follows/{shows,people,networks,webchannels}`: HTTP in and out only.

The four kinds share one set of rules (`openmaze.follows.service`); their routes are made by
one function, with each kind's path parameter name (`show_id`, `person_id`, ...) taken
from the spec. (No `from __future__ import annotations` here: the endpoint annotations
are built per kind and must be real objects when FastAPI reads them.)
"""

from typing import Annotated

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from openmaze.auth.credentials import PremiumUser
from openmaze.catalog.embeds import INVALID_EMBED, wants_embed
from openmaze.catalog.kinds import NETWORK, PERSON, SHOW, WEBCHANNEL, CatalogKind
from openmaze.core.fields import ID
from openmaze.core.responses import empty_ok, ok
from openmaze.core.services import services
from openmaze.core.user_api import deletion, embed_doc, errors, listing, reading, user_router, writing
from openmaze.follows import service as follows
from openmaze.follows.schemas import NetworkFollow, PersonFollow, ShowFollow, WebchannelFollow

router = user_router()

# Each followable kind and its wire model.
_ROUTES: tuple[tuple[CatalogKind, type[BaseModel]], ...] = (
    (SHOW, ShowFollow),
    (PERSON, PersonFollow),
    (NETWORK, NetworkFollow),
    (WEBCHANNEL, WebchannelFollow),
)


def _add_routes(kind: CatalogKind, model: type[BaseModel]) -> None:
    plural, title, plural_title = kind.plural, kind.title, kind.plural_title
    base = f"/user/follows/{plural}"
    item = f"{base}/{{{kind.column}}}"
    tag = f"followed {plural}"
    TargetId = Annotated[int, ID.path(alias=kind.column)]

    @router.get(
        base,
        summary=f"List the Followed {plural_title}",
        response_description=f"An array of followed {plural}",
        tags=[tag],
        name=f"list_followed_{plural}",
        response_model=list[model],  # type: ignore[valid-type]
        responses=errors(_400=INVALID_EMBED),
        openapi_extra=embed_doc(kind.embed, kind.noun),
    )
    async def list_follows(request: Request, user: PremiumUser) -> Response:
        with_embed = wants_embed(request, kind.embed)
        return await listing(
            request,
            user,
            ("follows", kind.plural, with_embed),
            lambda scoped: follows.list_follows(scoped, kind, with_embed),
        )

    @router.get(
        item,
        summary=f"Check if a {title} is Followed",
        response_description=f"The followed {kind.noun}",
        tags=[tag],
        name=f"get_followed_{kind.noun}",
        response_model=model,
        responses=errors(_404=kind.is_not("followed")),
    )
    async def get_follow(request: Request, user: PremiumUser, target_id: TargetId) -> Response:
        async with reading(request, user) as scoped:
            return ok(await follows.get_follow(scoped, kind, target_id))

    @router.put(
        item,
        summary=f"Follow a {title}",
        response_description=f"This {kind.noun} is now followed",
        tags=[tag],
        name=f"follow_{kind.noun}",
        response_model=model,
        responses=errors(_404=kind.missing),
    )
    async def follow(request: Request, user: PremiumUser, target_id: TargetId) -> Response:
        async with writing(request, user) as scoped:
            return ok(await follows.follow(scoped, kind, target_id, now=int(services(request).clock())))

    @router.delete(
        item,
        summary=f"Unfollow a {title}",
        tags=[tag],
        name=f"unfollow_{kind.noun}",
        response_model=None,
        response_class=Response,
        responses=deletion(f"The {kind.noun} is now unfollowed", kind.was_not("followed")),
    )
    async def unfollow(request: Request, user: PremiumUser, target_id: TargetId) -> Response:
        async with writing(request, user) as scoped:
            await follows.unfollow(scoped, kind, target_id)
        return empty_ok()


for _kind, _model in _ROUTES:
    _add_routes(_kind, _model)
