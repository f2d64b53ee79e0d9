"""The sandbox API needs its token (Bearer), compared in constant time and never logged."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

import httpx
import pytest
from starlette.testclient import TestClient

from openmaze.sandbox import routes
from tests.conftest import ApiUser
from tests.sandbox.conftest import ADMIN, TOKEN
from tests.sandbox.test_off import SANDBOX_OPERATIONS

WRONG = [
    {},
    {"Authorization": "Bearer wrong"},
    {"Authorization": f"Bearer {TOKEN}x"},
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": TOKEN},
    {"X-Sandbox-Token": TOKEN},
]


def _refused(answer: httpx.Response) -> bool:
    return (
        answer.status_code == 401
        and answer.json() == {"name": "Unauthorized", "message": "Invalid sandbox token", "code": 0, "status": 401}
        and answer.headers["www-authenticate"] == 'Bearer realm="openmaze sandbox"'
    )


def test_every_route_needs_the_token(sandbox: TestClient) -> None:
    for method, path in SANDBOX_OPERATIONS:
        for headers in WRONG[:2]:
            assert _refused(sandbox.request(method, path, headers=headers, json={})), (method, path, headers)


@pytest.mark.parametrize("headers", WRONG, ids=["none", "wrong", "longer", "basic", "bare", "other-header"])
def test_only_the_bearer_token_opens_it(sandbox: TestClient, headers: dict[str, str]) -> None:
    assert _refused(sandbox.post("/_sandbox/reset", headers=headers))
    assert sandbox.get("/_sandbox/clock", headers=ADMIN).json()["real"] is True


def test_the_token_is_compared_in_constant_time(sandbox: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real: Callable[[bytes, bytes], bool] = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(routes.hmac, "compare_digest", spy)
    assert sandbox.get("/_sandbox/clock", headers=ADMIN).status_code == 200
    assert compared == [(TOKEN.encode(), TOKEN.encode())]


def test_wrong_tokens_count_towards_the_failed_auth_lockout(make_sandbox: Callable[..., TestClient]) -> None:
    sandbox = make_sandbox(rate_limit_auth_failures="3/minute")
    statuses = [sandbox.get("/_sandbox/clock", headers={"Authorization": "Bearer no"}).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_the_token_is_never_logged(sandbox: TestClient, carol: ApiUser, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox.get("/_sandbox/clock", headers=ADMIN)
    sandbox.get("/_sandbox/clock", headers={"Authorization": f"Bearer {TOKEN}-wrong"})
    sandbox.post("/_sandbox/users", headers=ADMIN, json={"username": "x y"})  # a 422
    sandbox.get("/v1/auth/validate", headers=carol.headers)
    assert caplog.records  # the access log wrote its lines
    assert TOKEN not in caplog.text
    journal = sandbox.get("/_sandbox/journal", headers=ADMIN).text
    assert TOKEN not in journal  # its own routes are never journaled; the header was masked


def test_control_bodies_are_small(sandbox: TestClient) -> None:
    answer = sandbox.post("/_sandbox/faults", headers=ADMIN, content=b'{"status": 500, "message": "' + b"x" * 70_000)
    assert answer.status_code == 413 and answer.json()["status"] == 413
    assert answer.headers["x-openmaze-sandbox"] == "1"
