"""TVmaze's rate limit on demand: 20 calls every 10 seconds per address, then a 429 in the
TVmaze error body with Retry-After; fast-path routes and the public API included, the
control API never."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from tests.conftest import DEMO_SHOW, ApiUser
from tests.sandbox.conftest import ADMIN, is_fast_path

FOLLOWS = "/v1/user/follows/shows"


def _statuses(client: TestClient, user: ApiUser, n: int, path: str = FOLLOWS) -> list[int]:
    return [client.get(path, headers=user.headers).status_code for _ in range(n)]


def test_off_until_turned_on(sandbox: TestClient, carol: ApiUser) -> None:
    assert sandbox.get("/_sandbox/ratelimit", headers=ADMIN).json() == {
        "enabled": False,
        "calls": None,
        "seconds": None,
    }
    assert set(_statuses(sandbox, carol, 30)) == {200}


def test_tvmazes_limit_on_a_fast_path_route(sandbox: TestClient, carol: ApiUser) -> None:
    assert is_fast_path(sandbox, "GET", FOLLOWS)
    on = sandbox.put("/_sandbox/ratelimit", headers=ADMIN)
    assert on.json() == {"enabled": True, "calls": 20, "seconds": 10}
    assert _statuses(sandbox, carol, 20) == [200] * 20
    refused = sandbox.get(FOLLOWS, headers=carol.headers)
    assert refused.status_code == 429
    assert refused.json() == {
        "name": "Too Many Requests",
        "message": "Rate limit exceeded: at most 20 calls every 10 seconds, please back off",
        "code": 0,
        "status": 429,
    }
    assert 1 <= int(refused.headers["retry-after"]) <= 10
    # every route counts, the public API and unknown paths too
    assert sandbox.get(f"/shows/{DEMO_SHOW}").status_code == 429
    assert sandbox.get("/nowhere").status_code == 429


def test_per_address(make_sandbox: Callable[..., TestClient], carol: ApiUser) -> None:
    sandbox = make_sandbox()
    sandbox.put("/_sandbox/ratelimit", headers=ADMIN, json={"calls": 2, "seconds": 60})
    assert _statuses(sandbox, carol, 3, "/healthz") == [200, 200, 429]
    elsewhere = TestClient(sandbox.app, client=("192.0.2.7", 40000))
    assert [elsewhere.get("/healthz").status_code for _ in range(3)] == [200, 200, 429]


def test_the_control_api_is_never_limited(sandbox: TestClient, carol: ApiUser) -> None:
    sandbox.put("/_sandbox/ratelimit", headers=ADMIN, json={"calls": 1, "seconds": 60})
    assert {sandbox.get("/_sandbox/ratelimit", headers=ADMIN).status_code for _ in range(5)} == {200}


def test_turning_it_off_or_changing_it_starts_afresh(sandbox: TestClient, carol: ApiUser) -> None:
    sandbox.put("/_sandbox/ratelimit", headers=ADMIN, json={"calls": 1, "seconds": 60})
    assert _statuses(sandbox, carol, 2) == [200, 429]
    sandbox.put("/_sandbox/ratelimit", headers=ADMIN, json={"calls": 2, "seconds": 60})
    assert _statuses(sandbox, carol, 3) == [200, 200, 429]
    off = sandbox.delete("/_sandbox/ratelimit", headers=ADMIN).json()
    assert off["enabled"] is False
    assert set(_statuses(sandbox, carol, 5)) == {200}


def test_bad_limits_are_422s(sandbox: TestClient) -> None:
    for body in ({"calls": 0}, {"seconds": 0}, {"calls": "many"}, {"per": "minute"}):
        answer = sandbox.put("/_sandbox/ratelimit", headers=ADMIN, json=body)
        assert answer.status_code == 422, body
        assert answer.json()["status"] == 422
