"""Route groups answer exactly as the flat route list would: the same route for every path,
405 where only the method is wrong, 404 outside every route, and every route documented."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient

from openmaze.core.fastpath import DirectRoute
from openmaze.core.routing import RouteGroup, expand, include_grouped


def _app(grouped: bool = True) -> FastAPI:
    router = APIRouter(prefix="/v1")

    @router.get("/things")
    async def list_things() -> PlainTextResponse:
        return PlainTextResponse("list")

    @router.get("/things/{thing_id}")
    async def get_thing(thing_id: int) -> PlainTextResponse:
        return PlainTextResponse(f"get {thing_id}")

    @router.put("/things/{thing_id}")
    async def put_thing(thing_id: int) -> PlainTextResponse:
        return PlainTextResponse(f"put {thing_id}")

    other = APIRouter()

    @other.get("/thingsmith")
    async def smith() -> PlainTextResponse:
        return PlainTextResponse("smith")

    app = FastAPI()
    if grouped:
        app.router.routes[:] = [RouteGroup(router.routes), RouteGroup(other.routes)]
    else:
        app.router.routes[:] = [*router.routes, *other.routes]
    return app


def test_the_prefix_is_the_literal_start_every_route_shares() -> None:
    app = _app()
    assert [g.prefix for g in app.routes if isinstance(g, RouteGroup)] == ["/v1/things", "/thingsmith"]


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", "/v1/things", 200, "list"),
        ("GET", "/v1/things/7", 200, "get 7"),
        ("PUT", "/v1/things/7", 200, "put 7"),
        ("GET", "/thingsmith", 200, "smith"),
        ("DELETE", "/v1/things/7", 405, None),
        ("GET", "/v1/thing", 404, None),
        ("GET", "/v1/things/7/more", 404, None),
        ("GET", "/elsewhere", 404, None),
    ],
)
def test_requests_reach_the_same_route_as_without_groups(method: str, path: str, status: int, body: Any) -> None:
    with TestClient(_app()) as grouped, TestClient(_app(grouped=False)) as flat:
        r, expected = grouped.request(method, path), flat.request(method, path)
    assert r.status_code == status
    if body is not None:
        assert r.text == body
    assert (r.status_code, r.text, r.headers.get("allow")) == (
        expected.status_code,
        expected.text,
        expected.headers.get("allow"),
    )


def test_url_path_for_finds_grouped_routes() -> None:
    app = _app()
    assert app.url_path_for("get_thing", thing_id=3) == "/v1/things/3"
    assert app.url_path_for("smith") == "/thingsmith"


def test_expand_lists_the_members_in_order() -> None:
    app = _app()
    assert [getattr(r, "path", None) for r in expand(app.routes)] == [
        "/v1/things",
        "/v1/things/{thing_id}",
        "/v1/things/{thing_id}",
        "/thingsmith",
    ]


def test_only_api_routes_can_be_grouped() -> None:
    with pytest.raises(TypeError):
        RouteGroup([])


def test_an_app_groups_only_direct_routes() -> None:
    """A plain APIRoute included flat would never see app.dependency_overrides."""
    plain = APIRouter()

    @plain.get("/plain")
    async def plain_route() -> PlainTextResponse:
        return PlainTextResponse("plain")

    with pytest.raises(TypeError, match="route_class=DirectRoute"):
        include_grouped(FastAPI(), [plain])


def test_a_direct_router_can_also_be_included_the_usual_way() -> None:
    router = APIRouter(prefix="/v1", route_class=DirectRoute)

    @router.get("/things/{thing_id}")
    async def get_thing(thing_id: int) -> PlainTextResponse:
        return PlainTextResponse(f"get {thing_id}")

    grouped, nested = FastAPI(), FastAPI()
    include_grouped(grouped, [router])
    nested.include_router(router, prefix="/nested")
    with TestClient(grouped) as a, TestClient(nested) as b:
        assert a.get("/v1/things/3").text == "get 3"
        assert b.get("/nested/v1/things/3").text == "get 3"
        assert b.get("/v1/things/3").status_code == 404


def test_the_app_documents_every_grouped_route(client: TestClient) -> None:
    app: Any = client.app
    groups = [g for g in app.routes if isinstance(g, RouteGroup)]
    documented = {
        (route.path, method.lower())
        for group in groups
        for route in group.routes
        if route.include_in_schema
        for method in route.methods
    }
    doc = client.get("/openapi.json").json()
    listed = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert len(documented) > 50  # the API, scrobbling, auth, the catalog
    assert documented <= listed
