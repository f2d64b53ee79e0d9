"""Every error is the TVmaze error body, with the right status."""

from __future__ import annotations

from starlette.testclient import TestClient

from openmaze.core.errors import ApiError
from tests.conftest import ApiUser


def test_unknown_route_is_tvmaze_404(client: TestClient) -> None:
    r = client.get("/v1/no/such/thing")
    assert r.status_code == 404
    assert r.json() == {"name": "Not Found", "message": "Page not found.", "code": 0, "status": 404}


def test_wrong_method_is_tvmaze_405(client: TestClient, alice: ApiUser) -> None:
    r = client.delete("/v1/auth/validate", auth=alice.auth)
    assert r.status_code == 405
    body = r.json()
    assert body["name"] == "Method Not Allowed" and body["status"] == 405 and body["code"] == 0


def test_unexpected_exception_is_a_bare_500(app: object) -> None:
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    assert r.json() == {
        "name": "Internal Server Error",
        "message": "An internal server error occurred.",
        "code": 0,
        "status": 500,
    }
    assert "secret internals" not in r.text


def test_request_validation_uses_tvmaze_422_with_errors(app: object) -> None:
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)

    @app.get("/needs-int")
    async def needs_int(n: int) -> dict[str, int]:
        return {"n": n}

    with TestClient(app) as c:
        r = c.get("/needs-int?n=abc")
    assert r.status_code == 422
    body = r.json()
    assert body["name"] == "Unprocessable Entity" and body["status"] == 422
    assert "n" in body["errors"]


def test_api_error_carries_field_errors() -> None:
    from openmaze.core.errors import error_body

    err = ApiError(422, "Invalid vote", {"vote": ["must be 1-10"]})
    assert error_body(err.status, err.message, err.errors) == {
        "name": "Unprocessable Entity",
        "message": "Invalid vote",
        "code": 0,
        "status": 422,
        "errors": {"vote": ["must be 1-10"]},
    }


def test_paths_with_doubled_and_trailing_slashes_route(client: TestClient, alice: ApiUser) -> None:
    for path in ("//v1/auth/validate", "/v1//auth/validate/", "/v1/auth/validate///"):
        # A full URL: a bare "//v1/..." would be read as a scheme-relative URL by the client.
        assert client.get("http://testserver" + path, auth=alice.auth).json() == {"premium": 1}, path


def test_body_over_limit_is_413(client: TestClient, alice: ApiUser) -> None:
    limit = client.app.state.services.settings.max_body_bytes  # type: ignore[attr-defined]
    r = client.post("/v1/auth/validate", content=b"x" * (limit + 1), auth=alice.auth)
    assert r.status_code == 413
    assert r.json()["name"] == "Request Entity Too Large" and r.json()["status"] == 413
