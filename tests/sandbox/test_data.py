"""Sandbox users and data: a user with a key in one call, one user's data reset, the whole
database back to the loaded catalog."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import DEMO_SHOW, DEMO_SHOW_2, ApiUser
from tests.sandbox.conftest import ADMIN

EPISODE = 9_000_001


def _validate(client: TestClient, user: ApiUser | dict[str, Any]) -> int:
    auth = user.auth if isinstance(user, ApiUser) else (user["username"], user["apikey"])
    return client.get("/v1/auth/validate", auth=auth).status_code


def test_a_user_with_a_key_in_one_call(sandbox: TestClient) -> None:
    made = sandbox.post("/_sandbox/users", headers=ADMIN).json()
    assert made["premium"] == 3 and made["apikey"].startswith("omk_")
    assert made["email"] == f"{made['username']}@sandbox.invalid"
    answer = sandbox.get("/v1/auth/validate", auth=(made["username"], made["apikey"]))
    assert answer.json() == {"premium": 3}


@pytest.mark.parametrize("premium", [0, 1, 2, 3])
def test_the_premium_level_is_the_callers_choice(sandbox: TestClient, premium: int) -> None:
    made = sandbox.post("/_sandbox/users", headers=ADMIN, json={"premium": premium, "username": "pat"}).json()
    assert sandbox.get("/v1/auth/validate", auth=(made["username"], made["apikey"])).json() == {"premium": premium}
    expected = 403 if premium == 0 else 200
    assert sandbox.get("/v1/user/follows/shows", auth=(made["username"], made["apikey"])).status_code == expected


def test_an_unconfirmed_email_cannot_start_pairing(sandbox: TestClient) -> None:
    body = {"username": "una", "email": "una@example.com", "email_confirmed": False}
    assert sandbox.post("/_sandbox/users", headers=ADMIN, json=body).status_code == 200
    assert sandbox.post("/v1/auth/start", json={"email": "una@example.com"}).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"premium": 4}, "premium"),
        ({"premium": "gold"}, "premium"),
        ({"username": "no spaces"}, "username"),
        ({"username": "x" * 65}, "username"),
        ({"email": "not-an-email"}, "email"),
        ({"admin": True}, "admin"),
    ],
)
def test_bad_users_are_422s(sandbox: TestClient, body: dict[str, Any], field: str) -> None:
    answer = sandbox.post("/_sandbox/users", headers=ADMIN, json=body)
    assert answer.status_code == 422
    assert answer.json()["name"] == "Unprocessable Entity" and field in answer.json()["errors"]


def test_a_taken_username_is_a_422(sandbox: TestClient, carol: ApiUser) -> None:
    answer = sandbox.post("/_sandbox/users", headers=ADMIN, json={"username": "Carol"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"username": ["that username is already taken"]}


def _write_everything(client: TestClient, user: ApiUser) -> None:
    h = user.headers
    assert client.put(f"/v1/user/follows/shows/{DEMO_SHOW}", headers=h).status_code == 200
    assert client.put(f"/v1/user/episodes/{EPISODE}", headers=h, json={"type": 0}).status_code == 200
    assert client.put(f"/v1/user/votes/shows/{DEMO_SHOW}", headers=h, json={"vote": 8}).status_code == 200
    tag = client.post("/v1/user/tags", headers=h, json={"name": "Later"}).json()
    assert client.put(f"/v1/user/tags/{tag['id']}/shows/{DEMO_SHOW_2}", headers=h).status_code == 200


def _lists(client: TestClient, user: ApiUser) -> list[Any]:
    paths = ["/v1/user/follows/shows", "/v1/user/episodes", "/v1/user/votes/shows", "/v1/user/tags"]
    return [client.get(p, headers=user.headers).json() for p in paths]


def test_resetting_a_user_empties_their_data_and_keeps_their_key(sandbox: TestClient, carol: ApiUser) -> None:
    other = sandbox.post("/_sandbox/users", headers=ADMIN, json={"username": "dave"}).json()
    dave = ApiUser(other["id"], other["username"], other["email"], other["apikey"], 3)
    _write_everything(sandbox, carol)
    _write_everything(sandbox, dave)
    answer = sandbox.post("/_sandbox/users/carol/reset", headers=ADMIN)
    assert answer.json() == {"username": "carol", "rows_deleted": 5}
    assert _lists(sandbox, carol) == [[], [], [], []]
    assert _validate(sandbox, carol) == 200
    assert all(_lists(sandbox, dave))  # nobody else's


def test_resetting_an_unknown_user_is_a_404(sandbox: TestClient) -> None:
    answer = sandbox.post("/_sandbox/users/nobody/reset", headers=ADMIN)
    assert answer.status_code == 404
    assert answer.json()["message"] == "There is no user with this name"


def test_resetting_everything_leaves_the_catalog_and_no_user(sandbox: TestClient, carol: ApiUser) -> None:
    _write_everything(sandbox, carol)
    assert _validate(sandbox, carol) == 200  # its key is in the authentication cache now
    sandbox.put("/_sandbox/clock", headers=ADMIN, json={"now": 1_000_000_000})
    answer = sandbox.post("/_sandbox/reset", headers=ADMIN)
    assert answer.json() == {"users_deleted": 1, "controls_reset": True}
    assert _validate(sandbox, carol) == 401  # at once, not when the cache expires
    assert sandbox.get(f"/shows/{DEMO_SHOW}").status_code == 200
    assert sandbox.get("/_sandbox/clock", headers=ADMIN).json()["real"] is True
    again = sandbox.post("/_sandbox/users", headers=ADMIN, json={"username": "carol"})
    assert again.status_code == 200  # the name is free again


def test_a_reset_can_keep_the_data_or_the_controls(sandbox: TestClient, carol: ApiUser) -> None:
    sandbox.put("/_sandbox/clock", headers=ADMIN, json={"now": 1_000_000_000})
    assert sandbox.post("/_sandbox/reset", headers=ADMIN, json={"controls": False}).json()["users_deleted"] == 1
    assert sandbox.get("/_sandbox/clock", headers=ADMIN).json()["now"] == 1_000_000_000
    made = sandbox.post("/_sandbox/users", headers=ADMIN).json()
    assert sandbox.post("/_sandbox/reset", headers=ADMIN, json={"data": False}).json() == {
        "users_deleted": 0,
        "controls_reset": True,
    }
    assert _validate(sandbox, made) == 200
    assert sandbox.get("/_sandbox/clock", headers=ADMIN).json()["real"] is True


def test_a_premium_change_applies_at_once(sandbox: TestClient, carol: ApiUser) -> None:
    assert sandbox.get("/v1/user/follows/shows", headers=carol.headers).status_code == 200  # now cached
    changed = sandbox.put("/_sandbox/users/carol/premium", headers=ADMIN, json={"premium": 0})
    assert changed.json() == {"username": "carol", "premium": 0}
    assert sandbox.get("/v1/user/follows/shows", headers=carol.headers).status_code == 403
    assert sandbox.get("/v1/auth/validate", headers=carol.headers).json() == {"premium": 0}
    assert sandbox.put("/_sandbox/users/nobody/premium", headers=ADMIN, json={"premium": 1}).status_code == 404
    assert sandbox.put("/_sandbox/users/carol/premium", headers=ADMIN, json={"premium": 4}).status_code == 422
