"""The account pages, generated from the web routes: security headers on every page, logged
in or not; every form refuses a missing, forged or other session's CSRF token and changes
nothing; session and CSRF cookies carry HttpOnly, SameSite and (over HTTPS) Secure."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.db.database import Conn
from openmaze.settings import Settings
from tests.conftest import ApiUser, run_sync
from tests.hardening.routes import WEB_OPERATIONS
from tests.hardening.test_hostile import MALFORMED_BODIES

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGES = [op for op in WEB_OPERATIONS if op.method == "GET"]
FORMS = [op for op in WEB_OPERATIONS if op.method == "POST"]


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "page has no CSRF field"
    return m.group(1)


def log_in(client: TestClient, user: ApiUser) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"username": user.username, "password": PASSWORD, "next": "/account", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def assert_secure_headers(r: Any, what: str) -> None:
    h = r.headers
    csp = h.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, (what, csp)
    assert "script-src" not in csp or "'unsafe-inline'" not in csp, (what, csp)
    assert h.get("x-frame-options") == "DENY", what
    assert h.get("x-content-type-options") == "nosniff", what
    assert h.get("referrer-policy") in ("no-referrer", "same-origin", "strict-origin-when-cross-origin"), what


def cookie_lines(r: Any) -> dict[str, str]:
    return {line.split("=", 1)[0]: line for line in r.headers.get_list("set-cookie")}


def user_state(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a form could change."""

    async def read(conn: Conn) -> dict[str, list[tuple[Any, ...]]]:
        return {
            "users": [tuple(r) for r in await conn.fetch_all("SELECT * FROM users ORDER BY id")],
            "api_keys": [tuple(r) for r in await conn.fetch_all("SELECT * FROM api_keys ORDER BY id")],
            "web_sessions": [tuple(r) for r in await conn.fetch_all("SELECT * FROM web_sessions ORDER BY token_hash")],
            "pairings": [tuple(r) for r in await conn.fetch_all("SELECT * FROM pairings ORDER BY id")],
        }

    result: dict[str, list[tuple[Any, ...]]] = run_sync(database_url, read)
    return result


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    # Signup on, so its form is exercised too; no login limit in the way of the sweep.
    return settings.model_copy(update={"signup_enabled": True, "rate_limit_login": ""})


@pytest.fixture
def web(web_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(web_settings)) as c:
        yield c


@pytest.fixture
def carol(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("carol", premium=1, password=PASSWORD)


def test_the_app_has_account_pages() -> None:
    assert PAGES and FORMS


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
def test_every_page_sends_security_headers(web: TestClient, carol: ApiUser, logged_in: bool) -> None:
    if logged_in:
        log_in(web, carol)
    for op in PAGES:
        r = web.get(op.url(code="x", token="x", key_id=1), follow_redirects=False)
        assert r.status_code < 500, (str(op), r.status_code)
        if r.headers.get("content-type", "").startswith("text/html") or 300 <= r.status_code < 400:
            assert_secure_headers(r, f"{op} ({'logged in' if logged_in else 'anonymous'})")


def test_every_form_refuses_missing_forged_and_foreign_csrf(
    web: TestClient, web_settings: Settings, carol: ApiUser, make_user: Callable[..., ApiUser], database_url: str
) -> None:
    dave = make_user("dave", premium=1, password=PASSWORD)
    with TestClient(create_app(web_settings)) as other:
        log_in(other, dave)
        foreign = csrf_of(other.get("/account").text)  # a real token, of someone else's session
    log_in(web, carol)
    real = csrf_of(web.get("/account").text)
    before = user_state(database_url)
    fields = {"name": "k", "password": "new password 123", "new_password": "new password 123", "email": "x@y.z"}
    for op in FORMS:
        url = op.url(code="x", token="x", key_id=1)
        for token in (None, "", "forged", real[:-1] + ("A" if real[-1] != "A" else "B"), foreign):
            data = {**fields, "username": "mallory"}
            if token is not None:
                data["csrf_token"] = token
            r = web.post(url, data=data, follow_redirects=False)
            assert r.status_code == 403, (str(op), token, r.status_code, r.text[:300])
            assert_secure_headers(r, str(op))
    assert user_state(database_url) == before


def test_cookies_are_httponly_samesite_and_secure_over_https(web_settings: Settings, carol: ApiUser) -> None:
    for public_url, secure in (("http://testserver", False), ("https://maze.example", True)):
        settings = web_settings.model_copy(update={"public_url": public_url})
        with TestClient(create_app(settings), base_url=public_url.replace("maze.example", "testserver")) as c:
            page = c.get("/login")
            token = csrf_of(page.text)
            r = c.post(
                "/login",
                data={"username": "carol", "password": PASSWORD, "next": "/account", "csrf_token": token},
                follow_redirects=False,
            )
            assert r.status_code == 303
            lines = {**cookie_lines(page), **cookie_lines(r)}
            assert {"openmaze_csrf", "openmaze_session"} <= set(lines)
            for name, line in lines.items():
                attrs = {a.strip().split("=")[0].lower() for a in line.split(";")[1:]}
                assert "httponly" in attrs, (name, line)
                assert re.search(r"samesite=(lax|strict)", line, re.IGNORECASE), (name, line)
                assert ("secure" in attrs) == secure, (name, line)


def test_the_access_log_names_a_logged_in_page_user(
    web: TestClient, carol: ApiUser, caplog: pytest.LogCaptureFixture
) -> None:
    log_in(web, carol)
    with caplog.at_level(logging.INFO, logger="openmaze.access"):
        assert web.get("/account").status_code == 200
    assert any(' carol "GET /account HTTP/1.1" 200 ' in r.getMessage() for r in caplog.records), caplog.text
    assert PASSWORD not in caplog.text and "openmaze_session" not in caplog.text


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
def test_malformed_form_bodies_never_500(web: TestClient, carol: ApiUser, logged_in: bool) -> None:
    """Every hostile body of the API sweep (tests/hardening/test_hostile.py), posted to every
    form of the account pages."""
    if logged_in:
        log_in(web, carol)
    for op in FORMS:
        for name, (content_type, body) in MALFORMED_BODIES.items():
            r = web.post(
                op.url(code="x", token="x", key_id=1),
                content=body,
                headers={"Content-Type": content_type},
                follow_redirects=False,
            )
            assert r.status_code < 500, (str(op), name, r.status_code, r.text[:300])
