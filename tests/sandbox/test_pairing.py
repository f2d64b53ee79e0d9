"""Deciding a pairing as its user would, knowing only the device's poll token."""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient

from tests.conftest import ApiUser
from tests.sandbox.conftest import ADMIN
from tests.sandbox.test_clock import _poll, _start


def test_a_confirmed_pairing_hands_out_a_key_once(sandbox: TestClient, carol: ApiUser) -> None:
    token = _start(sandbox, carol)
    confirmed = sandbox.post("/_sandbox/pairings/confirm", headers=ADMIN, json={"token": token})
    assert confirmed.json() == {"username": "carol", "state": "confirmed", "pairings": 1}
    collected = sandbox.post("/v1/auth/poll", json={"token": token})
    assert collected.status_code == 200 and collected.json()["username"] == "carol"
    assert sandbox.get("/v1/auth/validate", auth=("carol", collected.json()["apikey"])).status_code == 200
    assert sandbox.post("/_sandbox/pairings/confirm", headers=ADMIN, json={"token": token}).status_code == 404


def test_a_denied_pairing_is_gone(sandbox: TestClient, carol: ApiUser) -> None:
    token = _start(sandbox, carol)
    denied = sandbox.post("/_sandbox/pairings/deny", headers=ADMIN, json={"token": token})
    assert denied.json() == {"username": "carol", "state": "denied", "pairings": 1}
    assert _poll(sandbox, token) == 404
    assert sandbox.post("/_sandbox/pairings/confirm", headers=ADMIN, json={"token": token}).status_code == 404


@pytest.mark.parametrize("decision", ["confirm", "deny"])
def test_an_unknown_token_is_a_404(sandbox: TestClient, decision: str) -> None:
    answer = sandbox.post(f"/_sandbox/pairings/{decision}", headers=ADMIN, json={"token": "no-such-token"})
    assert answer.status_code == 404
    assert answer.json() == {
        "name": "Not Found",
        "message": "No pending authentication request has this token",
        "code": 0,
        "status": 404,
    }


@pytest.mark.parametrize(
    "body", [{}, {"token": ""}, {"token": "x" * 201}, {"token": 5}, {"token": "t", "username": "carol"}]
)
def test_a_missing_or_bad_token_is_a_422(sandbox: TestClient, body: dict[str, object]) -> None:
    assert sandbox.post("/_sandbox/pairings/confirm", headers=ADMIN, json=body).status_code == 422


def test_the_confirm_code_of_the_link_is_not_a_poll_token(sandbox: TestClient, carol: ApiUser) -> None:
    started = sandbox.post("/v1/auth/start", json={"email": carol.email, "email_confirmation": False}).json()
    code = started["confirm_url"].rsplit("/", 1)[-1].split("=")[-1]
    assert sandbox.post("/_sandbox/pairings/confirm", headers=ADMIN, json={"token": code}).status_code == 404


def test_every_pending_pairing_of_a_user_by_username(sandbox: TestClient, carol: ApiUser) -> None:
    """For a client whose poll token the test never sees (a black-box add-on)."""
    tokens = [_start(sandbox, carol), _start(sandbox, carol)]
    confirmed = sandbox.post("/_sandbox/pairings/confirm", headers=ADMIN, json={"username": "CAROL"})
    assert confirmed.json() == {"username": "carol", "state": "confirmed", "pairings": 2}
    assert [sandbox.post("/v1/auth/poll", json={"token": t}).status_code for t in tokens] == [200, 200]
    none_left = sandbox.post("/_sandbox/pairings/deny", headers=ADMIN, json={"username": "carol"})
    assert none_left.status_code == 404
    assert none_left.json()["message"] == "This user has no pending authentication request"
    unknown = sandbox.post("/_sandbox/pairings/confirm", headers=ADMIN, json={"username": "nobody"})
    assert unknown.status_code == 404 and unknown.json()["message"] == "There is no user with this name"


def test_auto_confirmation(sandbox: TestClient, carol: ApiUser) -> None:
    assert sandbox.get("/_sandbox/pairings/auto-confirm", headers=ADMIN).json() == {"enabled": False}
    on = sandbox.put("/_sandbox/pairings/auto-confirm", headers=ADMIN, json={"enabled": True})
    assert on.json() == {"enabled": True}
    token = _start(sandbox, carol)
    collected = sandbox.post("/v1/auth/poll", json={"token": token})  # no one stepped in
    assert collected.status_code == 200 and collected.json()["username"] == "carol"
    sandbox.post("/_sandbox/reset", headers=ADMIN, json={"data": False})  # controls back to normal
    assert sandbox.get("/_sandbox/pairings/auto-confirm", headers=ADMIN).json() == {"enabled": False}
    assert _poll(sandbox, _start(sandbox, carol)) == 403


def test_auto_confirmation_sends_no_email(
    sandbox: TestClient, carol: ApiUser, caplog: pytest.LogCaptureFixture
) -> None:
    def mails_on_start() -> int:
        caplog.clear()
        assert sandbox.post("/v1/auth/start", json={"email": carol.email}).status_code == 200
        return sum("not sent" in r.getMessage() for r in caplog.records)  # no SMTP here: logged

    caplog.set_level(logging.WARNING, logger="openmaze")
    assert mails_on_start() == 1
    sandbox.put("/_sandbox/pairings/auto-confirm", headers=ADMIN, json={"enabled": True})
    assert mails_on_start() == 0
