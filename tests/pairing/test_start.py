"""POST /v1/auth/start: every status, and what the response may and may not contain."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from openmaze.auth.secrets import keyed_hash
from tests.conftest import TEST_SECRET, ApiUser, run_sync
from tests.pairing.support import SmtpServer, confirm_code, links_in, start_pairing


def test_start_returns_token_and_a_confirm_url_without_the_token(
    pclient: TestClient, alice: ApiUser, smtp: SmtpServer
) -> None:
    r = pclient.post("/v1/auth/start", json={"email": alice.email})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"token", "confirm_url"}
    token, url = body["token"], body["confirm_url"]
    assert len(token) >= 32
    assert url.startswith("http://testserver/pair/")
    assert token not in url
    assert confirm_code(url) != token
    # The email (sent by default) carries the same link, and never the poll token.
    (msg,) = smtp.mailbox.wait_for(1)
    assert url in links_in(msg)
    assert token not in msg.as_string()


def test_secrets_are_stored_only_as_hashes(pclient: TestClient, alice: ApiUser, database_url: str) -> None:
    body = start_pairing(pclient, alice.email, email_confirmation=False)
    row = run_sync(
        database_url,
        lambda conn: conn.fetch_one("SELECT poll_token_hash, confirm_code_hash, client_name, state FROM pairings"),
    )
    assert body["token"] not in row["poll_token_hash"]
    assert row["poll_token_hash"] == keyed_hash(TEST_SECRET.encode(), "poll:" + body["token"])
    assert row["confirm_code_hash"] == keyed_hash(TEST_SECRET.encode(), "confirm:" + confirm_code(body["confirm_url"]))
    assert row["client_name"] == "Kodi/21.0 TVmaze-scrobbler"
    assert row["state"] == "pending"


def test_email_is_matched_without_regard_to_case_and_spaces(pclient: TestClient, alice: ApiUser) -> None:
    r = pclient.post("/v1/auth/start", json={"email": "  " + alice.email.upper() + " "})
    assert r.status_code == 200


def test_unknown_email_is_404(pclient: TestClient, alice: ApiUser, smtp: SmtpServer) -> None:
    r = pclient.post("/v1/auth/start", json={"email": "nobody@example.com"})
    assert r.status_code == 404
    assert r.json() == {"name": "Not Found", "message": "The email address was not found", "code": 0, "status": 404}
    assert smtp.mailbox.messages == []


def test_unconfirmed_email_is_401(
    pclient: TestClient, make_user: Callable[..., ApiUser], smtp: SmtpServer, database_url: str
) -> None:
    user = make_user("unconf", confirmed=False)
    r = pclient.post("/v1/auth/start", json={"email": user.email})
    assert r.status_code == 401
    assert r.json() == {
        "name": "Unauthorized",
        "message": "The email address was found, but not confirmed",
        "code": 0,
        "status": 401,
    }
    assert smtp.mailbox.messages == []
    assert run_sync(database_url, lambda conn: conn.fetch_val("SELECT COUNT(*) FROM pairings")) == 0


def test_missing_or_malformed_fields_are_422(pclient: TestClient, alice: ApiUser) -> None:
    for body in ({}, {"email": ""}, {"email": 7}):
        r = pclient.post("/v1/auth/start", json=body)
        assert r.status_code == 422, body
        assert r.json()["errors"] == {"email": ["is required"]}
    r = pclient.post("/v1/auth/start", json={"email": "x" * 300 + "@example.com"})
    assert r.status_code == 422
    assert r.json()["errors"] == {"email": ["is not an email address"]}
    r = pclient.post("/v1/auth/start", json={"email": alice.email, "email_confirmation": "maybe"})
    assert r.status_code == 422
    assert "email_confirmation" in r.json()["errors"]
    r = pclient.post("/v1/auth/start", content=b"[1]", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    r = pclient.post("/v1/auth/start", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400


def test_null_or_blank_email_confirmation_means_true(pclient: TestClient, alice: ApiUser, smtp: SmtpServer) -> None:
    assert pclient.post("/v1/auth/start", json={"email": alice.email, "email_confirmation": None}).status_code == 200
    assert pclient.post("/v1/auth/start", data={"email": alice.email, "email_confirmation": ""}).status_code == 200
    assert len(smtp.mailbox.wait_for(2)) == 2


def test_form_encoded_start_and_email_confirmation_false_sends_no_email(
    pclient: TestClient, alice: ApiUser, smtp: SmtpServer
) -> None:
    r = pclient.post("/v1/auth/start", data={"email": alice.email, "email_confirmation": "false"})
    assert r.status_code == 200
    r = pclient.post("/v1/auth/start", json={"email": alice.email, "email_confirmation": False})
    assert r.status_code == 200
    # Background sends have finished when the TestClient returns: nothing was sent.
    assert smtp.mailbox.messages == []


def test_too_many_starts_for_one_email_is_429_with_retry_after(
    make_client: Callable[..., TestClient], alice: ApiUser, bob: ApiUser
) -> None:
    client = make_client(rate_limit_pairing_start_email="2/minute")
    for _ in range(2):
        assert (
            client.post("/v1/auth/start", json={"email": alice.email, "email_confirmation": False}).status_code == 200
        )
    r = client.post("/v1/auth/start", json={"email": alice.email.upper()})
    assert r.status_code == 429
    assert r.json() == {
        "name": "Too Many Requests",
        "message": "You are starting authentication requests too quickly, please back off",
        "code": 0,
        "status": 429,
    }
    assert 1 <= int(r.headers["retry-after"]) <= 60
    # Another address of the same client is not affected.
    assert client.post("/v1/auth/start", json={"email": bob.email}).status_code == 200


def test_unknown_emails_count_against_the_limit_too(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit_pairing_start_email="2/minute")
    assert [client.post("/v1/auth/start", json={"email": "x@example.com"}).status_code for _ in range(3)] == [
        404,
        404,
        429,
    ]


def test_too_many_starts_from_one_address_is_429(
    make_client: Callable[..., TestClient], make_user: Callable[..., ApiUser]
) -> None:
    client = make_client(rate_limit_pairing_start_address="3/hour")
    users = [make_user(f"user{i}") for i in range(4)]
    codes = [client.post("/v1/auth/start", json={"email": u.email}).status_code for u in users]
    assert codes == [200, 200, 200, 429]
