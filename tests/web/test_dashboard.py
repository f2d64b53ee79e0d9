"""The dashboard: account facts, keys (create once-shown, revoke at once), password change."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from starlette.testclient import TestClient

from tests.conftest import ApiUser, run_sync
from tests.pairing.support import PASSWORD, csrf_of, login


@pytest.fixture
def carol(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("carol", premium=2, password=PASSWORD)


@pytest.fixture
def web(pclient: TestClient, carol: ApiUser) -> TestClient:
    assert login(pclient, "carol").status_code == 303
    return pclient


def _key_ids(database_url: str, user_id: int) -> list[int]:
    rows = run_sync(
        database_url,
        lambda conn: conn.fetch_all(
            "SELECT id FROM api_keys WHERE user_id = :u AND revoked_at IS NULL ORDER BY id", {"u": user_id}
        ),
    )
    return [r["id"] for r in rows]


def test_dashboard_needs_a_login(pclient: TestClient) -> None:
    r = pclient.get("/account", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/account"


def test_dashboard_shows_the_account_and_its_keys(web: TestClient, carol: ApiUser) -> None:
    web.get("/v1/auth/validate", auth=carol.auth)  # sets last used
    page = web.get("/account")
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    text = page.text
    assert "carol@example.com" in text
    assert "2 (Silver)" in text
    assert "<td>test</td>" in text
    assert carol.key[:8] in text and carol.key not in text
    assert text.count(" UTC</td>") == 2  # created and last used
    assert "never" not in text


def test_created_key_is_shown_once_and_works(web: TestClient, carol: ApiUser, database_url: str) -> None:
    page = web.get("/account")
    r = web.post("/account/keys", data={"name": "Living-room Kodi", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    key = re.search(r'<code id="new-key">([^<]+)</code>', r.text)
    assert key is not None
    assert web.get("/v1/auth/validate", auth=("carol", key.group(1))).json() == {"premium": 2}
    again = web.get("/account").text
    assert key.group(1) not in again
    assert "Living-room Kodi" in again
    assert len(_key_ids(database_url, carol.id)) == 2


def test_revoked_key_stops_working_at_once(web: TestClient, carol: ApiUser, database_url: str) -> None:
    # The key is verified (and cached by this worker) before it is revoked.
    assert web.get("/v1/auth/validate", auth=carol.auth).status_code == 200
    (key_id,) = _key_ids(database_url, carol.id)
    page = web.get("/account")
    r = web.post(f"/account/keys/{key_id}/revoke", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?done=revoked"
    assert web.get("/v1/auth/validate", auth=carol.auth).status_code == 401
    page = web.get(r.headers["location"])
    assert "The key was revoked" in page.text
    assert "You have no active API keys." in page.text


def test_another_users_key_cannot_be_revoked(web: TestClient, alice: ApiUser, database_url: str) -> None:
    (alice_key,) = _key_ids(database_url, alice.id)
    page = web.get("/account")
    r = web.post(f"/account/keys/{alice_key}/revoke", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 404
    assert web.get("/v1/auth/validate", auth=alice.auth).status_code == 200


@pytest.mark.parametrize("key_id", ["0", str(2**31), "99999999999999999999", "9" * 5000, "abc", "%C2%B2"])
def test_a_key_number_that_cannot_be_one_is_404(
    web: TestClient, carol: ApiUser, database_url: str, key_id: str
) -> None:
    # Logged in, with a valid token: the number reaches no database (it once overflowed it: a 500).
    page = web.get("/account")
    r = web.post(f"/account/keys/{key_id}/revoke", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 404, r.text[:300]
    assert len(_key_ids(database_url, carol.id)) == 1
    assert web.get("/v1/auth/validate", auth=carol.auth).status_code == 200


def test_key_forms_need_the_csrf_token(
    web: TestClient, carol: ApiUser, database_url: str, make_client: Callable[..., TestClient]
) -> None:
    (key_id,) = _key_ids(database_url, carol.id)
    assert web.post("/account/keys", data={"name": "x"}).status_code == 403
    assert web.post(f"/account/keys/{key_id}/revoke", data={"csrf_token": "guess"}).status_code == 403
    # The anonymous-form token is no good for a logged-in form either.
    other = make_client()
    anon_token = csrf_of(other.get("/login").text)
    assert web.post(f"/account/keys/{key_id}/revoke", data={"csrf_token": anon_token}).status_code == 403
    assert _key_ids(database_url, carol.id) == [key_id]
    assert web.get("/v1/auth/validate", auth=carol.auth).status_code == 200


def test_change_password(web: TestClient, carol: ApiUser, make_client: Callable[..., TestClient]) -> None:
    other_browser = make_client()
    assert login(other_browser, "carol").status_code == 303
    token = csrf_of(web.get("/account/password").text)

    def change(current: str, new: str, repeat: str) -> httpx.Response:
        return web.post(
            "/account/password",
            data={"current": current, "password": new, "password2": repeat, "csrf_token": token},
            follow_redirects=False,
        )

    r = change("wrong", "new password 1", "new password 1")
    assert r.status_code == 403 and "current password is not right" in r.text
    r = change(PASSWORD, "new password 1", "new password 2")
    assert r.status_code == 422 and "differ" in r.text
    r = change(PASSWORD, "short", "short")
    assert r.status_code == 422 and "at least 8 characters" in r.text
    r = change(PASSWORD, "new password 1", "new password 1")
    assert r.status_code == 303 and r.headers["location"] == "/account?done=password"
    # This browser stays logged in; the other one is logged out.
    assert web.get("/account", follow_redirects=False).status_code == 200
    assert other_browser.get("/account", follow_redirects=False).status_code == 303
    fresh = make_client()
    assert login(fresh, "carol", PASSWORD).status_code == 401
    assert login(fresh, "carol", "new password 1").status_code == 303


def test_password_change_needs_the_csrf_token(web: TestClient, make_client: Callable[..., TestClient]) -> None:
    r = web.post("/account/password", data={"current": PASSWORD, "password": "abcdefgh1", "password2": "abcdefgh1"})
    assert r.status_code == 403
    assert login(make_client(), "carol", PASSWORD).status_code == 303
