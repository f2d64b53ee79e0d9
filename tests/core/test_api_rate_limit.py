"""The optional per-user limit on /v1 (`OPENMAZE_RATE_LIMIT_API`)."""

from __future__ import annotations

from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.settings import Settings
from tests.conftest import ApiUser


def test_per_user_api_limit_is_429_with_retry_after(settings: Settings, alice: ApiUser, bob: ApiUser) -> None:
    app = create_app(settings.model_copy(update={"rate_limit_api": "3/minute"}))
    with TestClient(app) as client:
        for _ in range(3):
            assert client.get("/v1/auth/validate", auth=alice.auth).status_code == 200
        r = client.get("/v1/auth/validate", auth=alice.auth)
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert r.json() == {
            "name": "Too Many Requests",
            "message": "Too many requests, please back off",
            "code": 0,
            "status": 429,
        }
        # Counted per user: bob is not held back by alice's requests.
        assert client.get("/v1/auth/validate", auth=bob.auth).status_code == 200


def test_no_api_limit_by_default(client: TestClient, alice: ApiUser) -> None:
    assert all(client.get("/v1/auth/validate", auth=alice.auth).status_code == 200 for _ in range(50))
