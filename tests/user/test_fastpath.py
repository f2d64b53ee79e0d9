"""The fast path (`openmaze.core.fastpath`) answers exactly as FastAPI's own handlers would:
the same status, body and headers for valid requests, odd ids, odd filters, missing or
wrong credentials and wrong methods; it serves exactly the routes listed here; and
`app.dependency_overrides` works on every route, direct or not."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Body, Depends, FastAPI, Path, Query
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.auth.credentials import CurrentUser, User, current_user, premium_user
from openmaze.core.errors import ApiError
from openmaze.core.fastpath import DirectRoute
from openmaze.core.routing import expand
from openmaze.public.caching import public_rate_limit
from openmaze.settings import Settings
from tests.conftest import DEMO_SHOW, UNKNOWN_ID, ApiUser
from tests.user.conftest import OPERATIONS, Ids

# Path ids FastAPI and the fast path must treat alike: pydantic accepts some that are not
# plain digits ("+1", " 1", "1_0"), which the fast path leaves to FastAPI.
ODD_IDS = ("abc", "0", "-1", "007", "+1", "%201", "1_0", "1.0", "2147483647", "2147483648", "9" * 30, "%EF%BC%91")


def _without_fast_path(app: FastAPI) -> FastAPI:
    for route in expand(app.routes):
        if isinstance(route, DirectRoute):
            route.direct = None  # the app's own copy: the router's route is untouched
    return app


def _direct(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in expand(app.routes)
        if isinstance(route, DirectRoute) and route.direct is not None
        for method in route.methods
    }


@pytest.fixture
def pair(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    """The same database through the fast path and through FastAPI alone. The limit on
    failed authentication is off: the matrices below fail it hundreds of times, and each
    side would count its own (the limit's own tests are in tests/hardening/)."""
    settings = settings.model_copy(update={"rate_limit_auth_failures": ""})
    with TestClient(create_app(settings)) as fast, TestClient(_without_fast_path(create_app(settings))) as plain:
        yield fast, plain


def _answer(r: Any) -> tuple[int, bytes, list[tuple[str, str]]]:
    return r.status_code, r.content, sorted((k, v) for k, v in r.headers.items() if k != "date")


def _same(pair: tuple[TestClient, TestClient], method: str, url: str, **kw: Any) -> int:
    fast, plain = pair
    a, b = fast.request(method, url, **kw), plain.request(method, url, **kw)
    assert _answer(a) == _answer(b), f"{method} {url}"
    return int(a.status_code)


# Every route that takes the fast path, spelled out: a route that drops off it (a new
# dependency, a str parameter) or joins it fails here until this list says so.
DIRECT = {
    *OPERATIONS,
    ("POST", "/v1/scrobble/episodes"),
    ("PUT", "/v1/scrobble/episodes/{episode_id}"),
    ("POST", "/v1/scrobble/shows"),
    ("GET", "/v1/scrobble/shows/{show_id}"),
    ("GET", "/v1/auth/validate"),
    ("POST", "/v1/auth/poll"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
}


def test_exactly_the_listed_routes_take_the_fast_path(app: FastAPI) -> None:
    assert len(OPERATIONS) == 35  # every /v1/user operation (tests/user/test_openapi.py)
    direct = _direct(app)
    assert sorted(direct - DIRECT) == [], "new on the fast path"
    assert sorted(DIRECT - direct) == [], "no longer on the fast path"


def test_the_routers_own_routes_stay_fastapis(app: FastAPI) -> None:
    """Direct handlers belong to an app's copies; the module-level routers, shared by every
    app the process builds, keep plain FastAPI routes."""
    from openmaze.follows.routes import router

    assert all(isinstance(r, DirectRoute) and r.direct is None for r in router.routes)
    assert not {id(r) for r in router.routes} & {id(r) for r in expand(app.routes)}


def test_telemetry_keeps_fastapis_own_handlers(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"telemetry": True}))
    assert _direct(app) == set()


# Beyond /v1/user (tests/user/conftest.OPERATIONS): the other routes with an id in the path.
OTHER_OPERATIONS = (("GET", "/v1/scrobble/shows/{show_id}"), ("PUT", "/v1/scrobble/episodes/{episode_id}"))


def test_odd_ids_and_credentials_get_the_same_answers(
    pair: tuple[TestClient, TestClient], alice: ApiUser, free_user: ApiUser, ids: Ids
) -> None:
    credentials: list[dict[str, Any]] = [
        {"auth": alice.auth},
        {"auth": free_user.auth},
        {"auth": (alice.username, "omk_wrong")},
        {},
    ]
    statuses: set[int] = set()
    for method, template in (*OPERATIONS, *OTHER_OPERATIONS):
        if "{" not in template:
            if method == "GET":  # a list: nothing to vary but the credentials
                statuses.update(_same(pair, method, template, **kw) for kw in credentials)
            continue
        # Every id in the path replaced; none of these names an object of the demo catalog,
        # so even the writes change nothing and both sides see the same database.
        values = (*ODD_IDS, str(UNKNOWN_ID))
        for value in values:
            path = re.sub(r"\{[a-z_]+\}", value, template)
            statuses.update(_same(pair, method, path, **kw) for kw in credentials)
    # The matrix reached every kind of answer.
    assert {200, 401, 403, 404} <= statuses


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?show_id=",
        "?show_id=x",
        "?show_id=0",
        "?show_id=007",
        "?show_id=%2B1",
        "?show_id=-1",
        "?show_id=2147483648",
        "?show_id=1&show_id=2",
        "?embed=episode",
        "?embed=bogus",
        "?show_id=1&embed=episode",
        "?other=1",
    ],
)
def test_query_filters_get_the_same_answers(
    pair: tuple[TestClient, TestClient], alice: ApiUser, ids: Ids, query: str
) -> None:
    fast, _ = pair
    fast.put(f"/v1/user/episodes/{ids.episode}", json={"type": 0, "marked_at": 1_700_000_000}, auth=alice.auth)
    query = query.replace("show_id=1", f"show_id={ids.show}")
    _same(pair, "GET", f"/v1/user/episodes{query}", auth=alice.auth)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/user/episodes/1"),
        ("PATCH", "/v1/user/follows/shows/1"),
        ("HEAD", "/v1/user/follows/shows"),
        ("GET", "/v1/user/follows/shows/"),
        ("GET", "/v1/user/follows/shows/1/x"),
        ("GET", "/v1/auth/validate"),
    ],
)
def test_methods_and_paths_get_the_same_answers(
    pair: tuple[TestClient, TestClient], alice: ApiUser, method: str, path: str
) -> None:
    _same(pair, method, path, auth=alice.auth)
    _same(pair, method, path)


def test_writes_through_the_fast_path_are_what_fastapi_would_write(
    pair: tuple[TestClient, TestClient], alice: ApiUser, ids: Ids
) -> None:
    fast, plain = pair
    url = f"/v1/user/episodes/{ids.episode}"
    body = {"type": 2, "marked_at": 1_650_000_000}
    a = fast.put(url, json=body, auth=alice.auth)
    b = plain.put(url, json=body, auth=alice.auth)  # the same mark again: idempotent
    assert _answer(a) == _answer(b) and a.status_code == 200
    assert fast.delete(url, auth=alice.auth).status_code == 200
    assert _answer(fast.delete(url, auth=alice.auth)) == _answer(plain.delete(url, auth=alice.auth))
    _same(pair, "PUT", url, content=b"{not json", headers={"content-type": "application/json"}, auth=alice.auth)


# --- dependency overrides ------------------------------------------------------------------


def _stand_in(premium: int, user_id: int = 999_999) -> Any:
    async def user() -> User:
        return User(id=user_id, username="stand-in", premium=premium, key_id=0)

    return user


def test_overrides_reach_fast_path_routes(app: FastAPI, alice: ApiUser) -> None:
    with TestClient(app) as client:
        assert client.get("/v1/auth/validate").status_code == 401
        assert client.get("/v1/user/follows/shows").status_code == 401
        # alice, as far as her id goes, with a premium level of her own
        app.dependency_overrides[current_user] = _stand_in(premium=7, user_id=alice.id)
        app.dependency_overrides[premium_user] = _stand_in(premium=7, user_id=alice.id)
        # No credentials: the stand-in is who asks.
        r = client.get("/v1/auth/validate")
        assert (r.status_code, r.json()) == (200, {"premium": 7})
        assert client.put(f"/v1/user/follows/shows/{DEMO_SHOW}").status_code == 200
        assert [f["show_id"] for f in client.get("/v1/user/follows/shows").json()] == [DEMO_SHOW]
        app.dependency_overrides.clear()
        assert client.get("/v1/auth/validate").status_code == 401
        assert client.get("/v1/auth/validate", auth=alice.auth).json() == {"premium": 1}
        assert [f["show_id"] for f in client.get("/v1/user/follows/shows", auth=alice.auth).json()] == [DEMO_SHOW]


def test_an_override_of_another_dependency_keeps_the_fast_path(app: FastAPI, alice: ApiUser) -> None:
    app.dependency_overrides[public_rate_limit] = _stand_in(premium=0)
    route = next(r for r in expand(app.routes) if getattr(r, "path", "") == "/v1/auth/validate")
    calls: list[str] = []
    direct = route.direct

    async def spy(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        await direct(scope, receive, send)

    route.direct = spy
    with TestClient(app) as client:
        assert client.get("/v1/auth/validate", auth=alice.auth).status_code == 200
        app.dependency_overrides[current_user] = _stand_in(premium=0)
        assert client.get("/v1/auth/validate").status_code == 200
    assert calls == ["/v1/auth/validate"]  # the second request went to FastAPI's handler


def test_overrides_reach_routes_off_the_fast_path(app: FastAPI) -> None:
    async def limited() -> None:
        raise ApiError(429, "overridden")

    with TestClient(app) as client:
        assert client.get(f"/shows/{DEMO_SHOW}").status_code == 200
        app.dependency_overrides[public_rate_limit] = limited
        r = client.get(f"/shows/{DEMO_SHOW}")
        assert (r.status_code, r.json()["message"]) == (429, "overridden")


def test_overrides_stay_with_their_app(settings: Settings) -> None:
    """Two apps in one process share the routers; an override in one is not in the other."""
    first, second = create_app(settings), create_app(settings)
    first.dependency_overrides[current_user] = _stand_in(premium=1)
    with TestClient(first) as a, TestClient(second) as b:
        assert a.get("/v1/auth/validate").status_code == 200
        assert b.get("/v1/auth/validate").status_code == 401


# --- which routes qualify ------------------------------------------------------------------


async def _user(request: Request) -> int:
    return 1


def test_only_routes_of_the_usual_shape_qualify() -> None:
    router = APIRouter(route_class=DirectRoute)

    @router.get("/usual/{thing_id}")
    async def usual(request: Request, user: CurrentUser, thing_id: Annotated[int, Path(ge=1)]) -> Response:
        return PlainTextResponse(str(thing_id))

    @router.get("/text-filter")
    async def text_filter(user: CurrentUser, q: str | None = Query(None)) -> Response:
        return PlainTextResponse("")

    @router.post("/model-body")
    async def model_body(user: CurrentUser, name: Annotated[str, Body(embed=True)]) -> Response:
        return PlainTextResponse(name)

    @router.get("/other-dependency")
    async def other_dependency(user: Annotated[int, Depends(_user)]) -> Response:
        return PlainTextResponse("")

    @router.get("/returns-a-dict")
    async def returns_a_dict(user: CurrentUser) -> dict[str, int]:
        return {}

    @router.get("/sync")
    def sync(user: CurrentUser) -> Response:
        return PlainTextResponse("")

    app = FastAPI()
    served = [r.for_app(app) for r in router.routes if isinstance(r, DirectRoute)]
    assert {r.path: r.direct is not None for r in served} == {
        "/usual/{thing_id}": True,
        "/text-filter": False,
        "/model-body": False,
        "/other-dependency": False,
        "/returns-a-dict": False,
        "/sync": False,
    }
    assert not any(r.for_app(app, direct=False).direct for r in served)
