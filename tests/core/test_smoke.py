from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import ApiUser


def test_validate_returns_premium_level(client: TestClient, alice: ApiUser, free_user: ApiUser) -> None:
    assert client.get("/v1/auth/validate", auth=alice.auth).json() == {"premium": 1}
    assert client.get("/v1/auth/validate", auth=free_user.auth).json() == {"premium": 0}


def test_wrong_key_is_401_with_challenge(client: TestClient, alice: ApiUser) -> None:
    r = client.get("/v1/auth/validate", auth=(alice.username, "omk_wrong"))
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Basic realm="TVmaze"'
    assert r.json() == {"name": "Unauthorized", "message": "Invalid username or API key", "code": 0, "status": 401}
