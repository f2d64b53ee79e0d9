"""`/v1/user/tags`: tags and tagged shows, HTTP in and out only (rules: `openmaze.tags.service`)."""

from starlette.requests import Request
from starlette.responses import Response

from openmaze.auth.credentials import PremiumUser
from openmaze.catalog.embeds import wants_embed
from openmaze.core.body import read_fields
from openmaze.core.fields import TAG_NAME_MAX, PathId
from openmaze.core.responses import empty_ok, ok
from openmaze.core.user_api import deletion, embed_doc, errors, listing, user_router, writing
from openmaze.tags import service as tags
from openmaze.tags.schemas import TAG_CREATE_BODY, TAG_PATCH_BODY, Tag, TagInstance

router = user_router(tags=["tagged shows"])


@router.get("/user/tags", summary="List All Tags", response_description="An array of tags", response_model=list[Tag])
async def list_tags(request: Request, user: PremiumUser) -> Response:
    return await listing(request, user, "tags", tags.list_tags)


@router.post(
    "/user/tags",
    summary="Create a New Tag",
    response_description="The newly created tag",
    description=f"`name` is required, trimmed, unique among the user's tags, at most {TAG_NAME_MAX} characters.",
    response_model=Tag,
    responses=errors(_422="The name is missing, blank, too long or already taken"),
    openapi_extra=TAG_CREATE_BODY,
)
async def create_tag(request: Request, user: PremiumUser) -> Response:
    fields = await read_fields(request)
    async with writing(request, user) as scoped:
        return ok(await tags.create_tag(scoped, fields))


@router.patch(
    "/user/tags/{tag_id}",
    summary="Update a Specific Tag",
    response_description="The tag was updated",
    description="Renames the tag. Without a `name`, nothing changes.",
    response_model=Tag,
    responses=errors(_404="This tag does not exist", _422="The name is blank, too long or already taken"),
    openapi_extra=TAG_PATCH_BODY,
)
async def rename_tag(request: Request, user: PremiumUser, tag_id: PathId) -> Response:
    fields = await read_fields(request)
    async with writing(request, user) as scoped:
        return ok(await tags.rename_tag(scoped, tag_id, fields))


@router.delete(
    "/user/tags/{tag_id}",
    summary="Delete a Specific Tag",
    description="Also removes the tag from every show it was on.",
    response_model=None,
    response_class=Response,
    responses=deletion("The tag was deleted", "This tag does not exist"),
)
async def delete_tag(request: Request, user: PremiumUser, tag_id: PathId) -> Response:
    async with writing(request, user) as scoped:
        await tags.delete_tag(scoped, tag_id)
    return empty_ok()


@router.get(
    "/user/tags/{tag_id}/shows",
    summary="List All Shows Under This Tag",
    response_description="A list of tagged shows",
    response_model=list[TagInstance],
    responses=errors(_400="Invalid embed type", _404="This tag does not exist"),
    openapi_extra=embed_doc("show", "show"),
)
async def list_tagged(request: Request, user: PremiumUser, tag_id: PathId) -> Response:
    with_embed = wants_embed(request, "show")
    return await listing(
        request, user, ("tagged", tag_id, with_embed), lambda scoped: tags.list_tagged(scoped, tag_id, with_embed)
    )


@router.put(
    "/user/tags/{tag_id}/shows/{show_id}",
    summary="Tag a Show",
    response_description="The show was tagged",
    response_model=TagInstance,
    responses=errors(_404="The show or tag does not exist"),
)
async def tag_show(request: Request, user: PremiumUser, tag_id: PathId, show_id: PathId) -> Response:
    async with writing(request, user) as scoped:
        return ok(await tags.tag_show(scoped, tag_id, show_id))


@router.delete(
    "/user/tags/{tag_id}/shows/{show_id}",
    summary="Untag a Show",
    response_model=None,
    response_class=Response,
    responses=deletion("The show was untagged", "This show was not tagged"),
)
async def untag_show(request: Request, user: PremiumUser, tag_id: PathId, show_id: PathId) -> Response:
    async with writing(request, user) as scoped:
        await tags.untag_show(scoped, tag_id, show_id)
    return empty_ok()
