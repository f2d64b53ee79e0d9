"""HTTP Basic authentication on /v1: good keys, revoked keys, wrong users, bad headers."""

from __future__ import annotations

import base64

import pytest
from starlette.testclient import TestClient

from openmaze.auth import accounts
from openmaze.db.database import Conn
from tests.conftest import TEST_SECRET, ApiUser, run_sync

UNAUTHORIZED = {"name": "Unauthorized", "message": "Invalid username or API key", "code": 0, "status": 401}


def _basic(raw: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def test_any_active_key_of_the_user_works(client: TestClient, alice: ApiUser, database_url: str) -> None:
    async def second_key(conn: Conn) -> str:
        return (await accounts.create_key(conn, TEST_SECRET.encode(), alice.id, "phone")).key

    other = run_sync(database_url, second_key)
    assert client.get("/v1/auth/validate", auth=(alice.username, other)).json() == {"premium": 1}
    assert client.get("/v1/auth/validate", auth=(alice.username.upper(), alice.key)).status_code == 200


def test_revoked_key_stops_working(client: TestClient, alice: ApiUser, database_url: str) -> None:
    assert client.get("/v1/auth/validate", auth=alice.auth).status_code == 200

    async def revoke(conn: Conn) -> None:
        keys = await accounts.list_keys(conn, alice.id)
        assert await accounts.revoke_key(conn, alice.id, keys[0]["id"])

    run_sync(database_url, revoke)
    client.app.state.services.authenticator.forget_user(alice.id)  # type: ignore[attr-defined]
    r = client.get("/v1/auth/validate", auth=alice.auth)
    assert r.status_code == 401 and r.json() == UNAUTHORIZED


def test_revocation_reaches_other_workers_within_the_cache_bound(
    client: TestClient, alice: ApiUser, database_url: str
) -> None:
    """Without an explicit forget (another process revoked it), the cached entry expires."""
    auth = client.app.state.services.authenticator  # type: ignore[attr-defined]
    auth.cache_seconds = 0.0
    assert client.get("/v1/auth/validate", auth=alice.auth).status_code == 200

    async def revoke(conn: Conn) -> None:
        keys = await accounts.list_keys(conn, alice.id)
        await accounts.revoke_key(conn, alice.id, keys[0]["id"])

    run_sync(database_url, revoke)
    assert client.get("/v1/auth/validate", auth=alice.auth).status_code == 401


def test_key_of_another_user_is_refused(client: TestClient, alice: ApiUser, bob: ApiUser) -> None:
    r = client.get("/v1/auth/validate", auth=(alice.username, bob.key))
    assert r.status_code == 401 and r.json() == UNAUTHORIZED


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Basic"},
        {"Authorization": "Basic !!!not-base64!!!"},
        {"Authorization": "Bearer abc"},
        _basic(b"no-colon-here"),
        _basic(b":omk_keywithoutuser"),
        _basic(b"alice:"),
        _basic(b"\xff\xfe:\xff"),
        _basic(b"alice:" + b"k" * 10_000),
        {"Authorization": "Basic " + "A" * 20_000},
    ],
    ids=[
        "none",
        "empty",
        "no-value",
        "bad-base64",
        "bearer",
        "no-colon",
        "empty-user",
        "empty-key",
        "non-utf8",
        "huge-key",
        "huge-header",
    ],
)
def test_malformed_credentials_are_401_never_500(client: TestClient, alice: ApiUser, headers: dict[str, str]) -> None:
    r = client.get("/v1/auth/validate", headers=headers)
    assert r.status_code == 401
    assert r.json() == UNAUTHORIZED
    assert r.headers["www-authenticate"] == 'Basic realm="TVmaze"'


def test_keys_are_stored_only_as_hashes(database_url: str, alice: ApiUser) -> None:
    async def dump(conn: Conn) -> str:
        rows = await conn.fetch_all("SELECT * FROM api_keys")
        return repr([tuple(r) for r in rows])

    stored = run_sync(database_url, dump)
    assert alice.key not in stored
    assert alice.key[4:] not in stored
