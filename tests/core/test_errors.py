"""Every error is the TVmaze error body, with the right status."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.core.errors import ApiError
from openmaze.core.openapi import _error_response
from openmaze.core.routing import expand
from openmaze.settings import Settings
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


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/v1/auth/validate", "GET"),  # the fast path's routes
        ("PATCH", "/v1/user/follows/shows/1", "DELETE, GET, PUT"),  # one route per method
        ("POST", "/v1/user/follows/shows", "GET"),
        ("PUT", "/v1/user/tags/1", "DELETE, PATCH"),
        ("GET", "/v1/scrobble/episodes", "POST"),
        ("DELETE", "/shows/1", "GET"),  # the public catalog
        ("POST", "/healthz", "GET"),
        ("DELETE", "/login", "GET, POST"),  # web pages, an included router
        ("DELETE", "/openapi.json", "GET, HEAD"),  # a Starlette route serves HEAD too
    ],
)
def test_a_405_allows_every_method_of_the_path(
    client: TestClient, alice: ApiUser, method: str, path: str, allow: str
) -> None:
    for auth in (alice.auth, None):
        r = client.request(method, path, auth=auth)
        assert (r.status_code, r.headers.get("allow")) == (405, allow)
        assert r.json()["status"] == 405


def test_every_path_answers_a_foreign_method_with_its_methods(client: TestClient) -> None:
    """OPTIONS, which no route serves, on every route's path: Allow names exactly the
    methods of the routes with that path."""
    app: Any = client.app
    by_path: dict[str, set[str]] = {}
    for route in expand(app.routes):
        if getattr(route, "methods", None):
            by_path.setdefault(route.path, set()).update(route.methods)
    assert len(by_path) > 40
    for template, methods in by_path.items():
        path = re.sub(r"\{[^}]+\}", "1", template)
        r = client.options(path)
        assert (r.status_code, r.headers.get("allow")) == (405, ", ".join(sorted(methods))), path


def test_a_documented_405_documents_allow() -> None:
    """No operation documents a 405 today; one that does declares the header."""
    assert "Allow" in _error_response(405, None, None)["headers"]
    own = {"description": "Wrong method", "content": {"application/json": {"schema": {"$ref": "#/x"}}}}
    assert "Allow" in _error_response(405, own, None)["headers"]
    doc = create_app(Settings(database_url="sqlite:///:memory:", secret_key="doc-only")).openapi()
    for item in doc["paths"].values():
        for op in item.values():
            assert "Allow" in op.get("responses", {}).get("405", {"headers": {"Allow": {}}})["headers"]


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
