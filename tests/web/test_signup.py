"""Self-signup (off by default) and email-address confirmation."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from tests.conftest import ApiUser
from tests.pairing.support import PASSWORD, FakeClock, SmtpServer, csrf_of, links_in, login


def _signup(
    client: TestClient, username: str, email: str, password: str = PASSWORD, repeat: str | None = None
) -> object:
    token = csrf_of(client.get("/signup").text)
    return client.post(
        "/signup",
        data={
            "username": username,
            "email": email,
            "password": password,
            "password2": password if repeat is None else repeat,
            "csrf_token": token,
        },
        follow_redirects=False,
    )


def test_signup_is_off_by_default(pclient: TestClient) -> None:
    assert pclient.get("/signup").status_code == 404
    assert pclient.post("/signup", data={"username": "x"}).status_code == 404
    assert "/signup" not in pclient.get("/login").text


def test_signup_confirm_address_then_pair(make_client: Callable[..., TestClient], smtp: SmtpServer) -> None:
    client = make_client(signup_enabled=True)
    assert 'href="/signup"' in client.get("/login").text
    r = _signup(client, "dana", "dana@example.com")
    assert r.status_code == 303 and r.headers["location"] == "/account"
    page = client.get("/account")
    assert "dana" in page.text and "not confirmed" in page.text and "0 (None)" in page.text
    # Not confirmed yet: pairing by email is refused.
    assert client.post("/v1/auth/start", json={"email": "dana@example.com"}).status_code == 401
    (msg,) = smtp.mailbox.wait_for(1)
    assert msg["To"] == "dana@example.com"
    assert msg["Subject"] == "Confirm your email address for openmaze"
    (link,) = links_in(msg)
    assert link.startswith("http://testserver/verify-email/")
    path = link.replace("http://testserver", "")
    # Opening the link (as a mail scanner would) changes nothing; the button does.
    confirm_page = client.get(path)
    assert confirm_page.status_code == 200 and "dana@example.com" in confirm_page.text
    assert client.post("/v1/auth/start", json={"email": "dana@example.com"}).status_code == 401
    done = client.post(path, data={"csrf_token": csrf_of(confirm_page.text)})
    assert done.status_code == 200 and "is confirmed" in done.text
    assert "not confirmed" not in client.get("/account").text
    assert client.post("/v1/auth/start", json={"email": "dana@example.com"}).status_code == 200
    # The link is single-use.
    assert client.get(path).status_code == 404


def test_confirmation_link_works_without_a_login_but_needs_csrf(
    make_client: Callable[..., TestClient], smtp: SmtpServer
) -> None:
    client = make_client(signup_enabled=True)
    _signup(client, "erin", "erin@example.com")
    path = links_in(smtp.mailbox.wait_for(1)[0])[0].replace("http://testserver", "")
    other = make_client(signup_enabled=True)  # another browser, not logged in
    assert other.post(path, data={}).status_code == 403
    page = other.get(path)
    assert other.post(path, data={"csrf_token": csrf_of(page.text)}).status_code == 200


def test_confirmation_links_expire(make_client: Callable[..., TestClient], smtp: SmtpServer, clock: FakeClock) -> None:
    client = make_client(signup_enabled=True)
    _signup(client, "fay", "fay@example.com")
    path = links_in(smtp.mailbox.wait_for(1)[0])[0].replace("http://testserver", "")
    clock.advance(48 * 3600)
    assert client.get(path).status_code == 404


def test_resend_confirmation_from_the_dashboard(
    pclient: TestClient, make_user: Callable[..., ApiUser], smtp: SmtpServer
) -> None:
    make_user("gus", password=PASSWORD, confirmed=False)
    login(pclient, "gus")
    page = pclient.get("/account")
    r = pclient.post("/account/confirm-email", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?done=sent"
    (msg,) = smtp.mailbox.wait_for(1)
    assert msg["To"] == "gus@example.com"
    assert "/verify-email/" in links_in(msg)[0]
    assert pclient.post("/account/confirm-email", data={}).status_code == 403


def test_signup_errors(make_client: Callable[..., TestClient], alice: ApiUser) -> None:
    client = make_client(signup_enabled=True)
    r = _signup(client, "alice", "other@example.com")
    assert r.status_code == 422 and "username is already taken" in r.text
    r = _signup(client, "newbie", alice.email)
    assert r.status_code == 422 and "email address is already taken" in r.text
    r = _signup(client, "newbie", "newbie@example.com", repeat="something else")
    assert r.status_code == 422 and "differ" in r.text
    r = _signup(client, "newbie", "newbie@example.com", password="short")
    assert r.status_code == 422 and "8 characters" in r.text
    r = _signup(client, "x", "newbie@example.com")
    assert r.status_code == 422
    r = client.post("/signup", data={"username": "newbie", "email": "n@example.com", "password": PASSWORD})
    assert r.status_code == 403


def test_root_leads_to_the_account_pages(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 303)
    assert r.headers["location"].endswith("/account")
