"""The confirm page a pairing link opens: login first, the right account only, Allow/Deny."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from tests.conftest import ApiUser
from tests.pairing.support import PASSWORD, FakeClock, csrf_of, login, start_pairing


@pytest.fixture
def carol(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("carol", premium=1, password=PASSWORD)


def _path(confirm_url: str) -> str:
    return confirm_url.replace("http://testserver", "")


def test_link_asks_for_login_then_allow_hands_the_device_its_key(
    pclient: TestClient, carol: ApiUser, make_client: Callable[..., TestClient], clock: FakeClock
) -> None:
    device = make_client()
    started = start_pairing(device, carol.email, email_confirmation=False, agent="Kodi/21.0 (Linux)")
    path = _path(started["confirm_url"])
    r = pclient.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=" + quote(path)
    r = login(pclient, "carol", next_url=path)
    assert r.status_code == 303 and r.headers["location"] == path
    page = pclient.get(path)
    assert page.status_code == 200
    assert "Allow Kodi/21.0 (Linux) to use your account?" in page.text
    assert started["token"] not in page.text
    assert device.post("/v1/auth/poll", json={"token": started["token"]}).status_code == 403
    r = pclient.post(path, data={"decision": "allow", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 200
    assert "Access allowed" in r.text
    clock.advance(10)
    polled = device.post("/v1/auth/poll", json={"token": started["token"]})
    assert polled.status_code == 200
    assert polled.json()["username"] == "carol"
    assert device.get("/v1/auth/validate", auth=("carol", polled.json()["apikey"])).json() == {"premium": 1}
    # The link now says it was answered; it cannot be answered twice.
    again = pclient.get(path)
    assert again.status_code == 404 and "already allowed" in again.text
    # The device's key shows up on the dashboard under the device's name.
    assert "Kodi/21.0 (Linux) (" in pclient.get("/account").text


def test_deny(pclient: TestClient, carol: ApiUser) -> None:
    started = start_pairing(pclient, carol.email)
    path = _path(started["confirm_url"])
    login(pclient, "carol")
    page = pclient.get(path)
    r = pclient.post(path, data={"decision": "deny", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 200 and "Access denied" in r.text
    assert pclient.post("/v1/auth/poll", json={"token": started["token"]}).status_code == 404
    assert "You denied this request" in pclient.get(path).text


def test_another_account_cannot_answer(pclient: TestClient, carol: ApiUser, make_user: Callable[..., ApiUser]) -> None:
    make_user("mallory", password=PASSWORD)
    started = start_pairing(pclient, carol.email)
    path = _path(started["confirm_url"])
    login(pclient, "mallory")
    page = pclient.get(path)
    assert page.status_code == 403
    assert "for another account" in page.text
    token = csrf_of(pclient.get("/account").text)
    r = pclient.post(path, data={"decision": "allow", "csrf_token": token})
    assert r.status_code == 403
    assert pclient.post("/v1/auth/poll", json={"token": started["token"]}).status_code == 403


def test_answering_needs_the_csrf_token(pclient: TestClient, carol: ApiUser, clock: FakeClock) -> None:
    started = start_pairing(pclient, carol.email)
    path = _path(started["confirm_url"])
    login(pclient, "carol")
    r = pclient.post(path, data={"decision": "allow"})
    assert r.status_code == 403
    r = pclient.post(path, data={"decision": "allow", "csrf_token": "forged"})
    assert r.status_code == 403
    assert pclient.post("/v1/auth/poll", json={"token": started["token"]}).status_code == 403


def test_answering_needs_a_login(pclient: TestClient, carol: ApiUser) -> None:
    started = start_pairing(pclient, carol.email)
    path = _path(started["confirm_url"])
    r = pclient.post(path, data={"decision": "allow"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert pclient.post("/v1/auth/poll", json={"token": started["token"]}).status_code == 403


def test_expired_request(pclient: TestClient, carol: ApiUser, clock: FakeClock) -> None:
    started = start_pairing(pclient, carol.email)
    path = _path(started["confirm_url"])
    login(pclient, "carol")
    token = csrf_of(pclient.get(path).text)
    clock.advance(900)
    page = pclient.get(path)
    assert page.status_code == 404 and "expired" in page.text
    r = pclient.post(path, data={"decision": "allow", "csrf_token": token})
    assert r.status_code == 404
    assert pclient.post("/v1/auth/poll", json={"token": started["token"]}).status_code == 404


def test_unknown_code_and_bad_decision(pclient: TestClient, carol: ApiUser) -> None:
    login(pclient, "carol")
    r = pclient.get("/pair/nonsense")
    assert r.status_code == 404 and "no such request" in r.text
    started = start_pairing(pclient, carol.email)
    path = _path(started["confirm_url"])
    token = csrf_of(pclient.get(path).text)
    assert pclient.post(path, data={"decision": "maybe", "csrf_token": token}).status_code == 422


def test_device_names_are_escaped(pclient: TestClient, carol: ApiUser) -> None:
    started = start_pairing(pclient, carol.email, agent='<script>alert("x")</script>')
    login(pclient, "carol")
    page = pclient.get(_path(started["confirm_url"]))
    assert "<script>" not in page.text
    assert "&lt;script&gt;" in page.text
