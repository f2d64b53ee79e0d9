"""Login and logout: sessions, cookie flags, CSRF, rate limits, security headers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from openmaze.web.sessions import ANON_COOKIE, SESSION_COOKIE
from tests.conftest import ApiUser, run_sync
from tests.pairing.support import PASSWORD, FakeClock, csrf_of, login


@pytest.fixture
def carol(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("carol", premium=2, password=PASSWORD)


def _set_cookie_headers(response: object) -> list[str]:
    return response.headers.get_list("set-cookie")  # type: ignore[attr-defined]


def _cookie_line(response: object, name: str) -> str:
    lines = [c for c in _set_cookie_headers(response) if c.startswith(name + "=")]
    assert lines, f"no {name} cookie set"
    return lines[0]


def test_pages_send_security_headers(pclient: TestClient) -> None:
    r = pclient.get("/login")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store"
    css = pclient.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_login_sets_an_httponly_samesite_session_cookie(pclient: TestClient, carol: ApiUser) -> None:
    r = login(pclient, "carol")
    assert r.status_code == 303
    assert r.headers["location"] == "/account"
    line = _cookie_line(r, SESSION_COOKIE).lower()
    assert "httponly" in line
    assert "samesite=lax" in line
    assert "path=/" in line
    assert "max-age=1209600" in line  # 14 days
    assert "secure" not in line  # plain http
    page = pclient.get("/account")
    assert page.status_code == 200
    assert "carol" in page.text


def test_cookies_are_secure_over_https(make_client: Callable[..., TestClient], carol: ApiUser) -> None:
    client = make_client()
    client.base_url = client.base_url.copy_with(scheme="https")
    page = client.get("/login")
    assert "secure" in _cookie_line(page, ANON_COOKIE).lower()
    r = login(client, "carol")
    assert r.status_code == 303
    assert "secure" in _cookie_line(r, SESSION_COOKIE).lower()


def test_cookies_are_secure_with_an_https_public_url(make_client: Callable[..., TestClient], carol: ApiUser) -> None:
    client = make_client(public_url="https://tv.example.com")
    assert "secure" in _cookie_line(client.get("/login"), ANON_COOKIE).lower()


def test_the_session_token_is_stored_only_as_a_hash(pclient: TestClient, carol: ApiUser, database_url: str) -> None:
    login(pclient, "carol")
    token = pclient.cookies[SESSION_COOKIE]
    rows = run_sync(database_url, lambda conn: conn.fetch_all("SELECT token_hash, user_id FROM web_sessions"))
    assert len(rows) == 1 and rows[0]["user_id"] == carol.id
    assert token not in rows[0]["token_hash"]


def test_login_by_email_address(pclient: TestClient, carol: ApiUser) -> None:
    assert login(pclient, carol.email.upper()).status_code == 303


def test_wrong_password_or_unknown_user_fails_alike(pclient: TestClient, carol: ApiUser) -> None:
    for user, password in (("carol", "wrong password"), ("nobody", PASSWORD)):
        r = login(pclient, user, password)
        assert r.status_code == 401
        assert "Wrong username or password." in r.text
        assert SESSION_COOKIE not in pclient.cookies


def test_a_user_without_a_password_cannot_log_in(pclient: TestClient, alice: ApiUser) -> None:
    assert login(pclient, "alice", "").status_code == 401


def test_login_without_or_with_a_wrong_csrf_token_is_refused(pclient: TestClient, carol: ApiUser) -> None:
    pclient.get("/login")
    fields = {"username": "carol", "password": PASSWORD, "next": "/account"}
    for extra in ({}, {"csrf_token": "forged"}):
        r = pclient.post("/login", data={**fields, **extra}, follow_redirects=False)
        assert r.status_code == 403
        assert "Form expired" in r.text
    # The field of one browser does not work with another browser's cookie.
    token = csrf_of(pclient.get("/login").text)
    pclient.cookies.clear()
    r = pclient.post("/login", data={**fields, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403
    assert SESSION_COOKIE not in pclient.cookies


def test_login_attempts_are_rate_limited(make_client: Callable[..., TestClient], carol: ApiUser) -> None:
    client = make_client(rate_limit_login="3/minute")
    assert [login(client, "carol", "wrong").status_code for _ in range(3)] == [401, 401, 401]
    r = login(client, "carol")  # even the right password, once over the limit
    assert r.status_code == 429
    assert "Too many login attempts" in r.text
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert SESSION_COOKIE not in client.cookies


def test_the_per_account_login_limit_holds_across_addresses(
    make_client: Callable[..., TestClient], carol: ApiUser
) -> None:
    client = make_client(rate_limit_login="2/minute", trust_proxy_headers=True)
    for i in range(2):
        client.headers["X-Forwarded-For"] = f"10.0.0.{i}"
        assert login(client, "carol", "wrong").status_code == 401
    client.headers["X-Forwarded-For"] = "10.0.0.9"
    assert login(client, "carol").status_code == 429


def test_logout_ends_the_session(pclient: TestClient, carol: ApiUser, database_url: str) -> None:
    login(pclient, "carol")
    stolen = pclient.cookies[SESSION_COOKIE]
    page = pclient.get("/account")
    r = pclient.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert run_sync(database_url, lambda conn: conn.fetch_val("SELECT COUNT(*) FROM web_sessions")) == 0
    pclient.cookies.set(SESSION_COOKIE, stolen)
    r = pclient.get("/account", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/account"


def test_logout_needs_the_csrf_token(pclient: TestClient, carol: ApiUser) -> None:
    login(pclient, "carol")
    r = pclient.post("/logout", data={}, follow_redirects=False)
    assert r.status_code == 403
    assert pclient.get("/account", follow_redirects=False).status_code == 200


def test_sessions_expire(pclient: TestClient, carol: ApiUser, clock: FakeClock) -> None:
    login(pclient, "carol")
    clock.advance(14 * 86400 - 1)
    assert pclient.get("/account", follow_redirects=False).status_code == 200
    clock.advance(1)
    assert pclient.get("/account", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_login_never_redirects_off_site(pclient: TestClient, carol: ApiUser, target: str) -> None:
    r = login(pclient, "carol", next_url=target)
    assert r.headers["location"] == "/account"


def test_logged_in_visit_to_login_goes_to_next(pclient: TestClient, carol: ApiUser) -> None:
    login(pclient, "carol")
    r = pclient.get("/login", params={"next": "/account/password"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account/password"
