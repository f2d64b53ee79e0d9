"""Without sandbox mode nothing of it exists: every /_sandbox/ route is a TVmaze 404, no
answer carries the sandbox header, the OpenAPI document does not mention it, and no
sandbox middleware runs. In sandbox mode, every answer carries the header."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.sandbox.middleware import SandboxMiddleware
from openmaze.sandbox.routes import router
from openmaze.settings import Settings
from tests.conftest import DEMO_SHOW, ApiUser
from tests.sandbox.conftest import ADMIN

SANDBOX_OPERATIONS = sorted(
    (method, route.path.replace("{username}", "alice").replace("{fault_id}", "1"))
    for route in router.routes
    for method in getattr(route, "methods", ())
)
HEADER = "x-openmaze-sandbox"


def test_the_operation_list_is_the_whole_api() -> None:
    assert len(SANDBOX_OPERATIONS) >= 19


@pytest.mark.parametrize(("method", "path"), SANDBOX_OPERATIONS)
def test_no_sandbox_route_exists_without_sandbox_mode(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, headers=ADMIN, json={})
    assert response.status_code == 404
    assert response.json() == {"name": "Not Found", "message": "Page not found.", "code": 0, "status": 404}
    assert HEADER not in response.headers


def test_no_answer_carries_the_sandbox_header_without_sandbox_mode(client: TestClient, alice: ApiUser) -> None:
    answers = [
        client.get("/v1/auth/validate", headers=alice.headers),
        client.get("/v1/user/follows/shows", headers=alice.headers),
        client.get("/v1/auth/validate"),
        client.get(f"/shows/{DEMO_SHOW}"),
        client.get("/healthz"),
        client.get("/_sandbox"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 401, 200, 200, 404]
    assert not [a for a in answers if HEADER in a.headers]


def test_the_openapi_document_has_no_sandbox_without_sandbox_mode(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert not [p for p in doc["paths"] if p.startswith("/_sandbox")]
    assert "sandboxToken" not in doc["components"].get("securitySchemes", {})


def test_no_sandbox_middleware_without_sandbox_mode(settings: Settings) -> None:
    assert not [m for m in create_app(settings).user_middleware if m.cls is SandboxMiddleware]


def test_sandbox_mode_needs_a_token(settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="OPENMAZE_SANDBOX_TOKEN"):
        create_app(settings.model_copy(update={"sandbox": True}))


def test_the_sandbox_api_is_documented_under_its_own_tag(sandbox: TestClient) -> None:
    doc = sandbox.get("/openapi.json").json()
    operations = [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        if path.startswith("/_sandbox")
        for method, op in item.items()
    ]
    assert len(operations) == len(SANDBOX_OPERATIONS)
    assert {tuple(op["tags"]) for _, _, op in operations} == {("sandbox",)}
    assert all("401" in op["responses"] for _, _, op in operations)
    assert all(op["security"] == [{"sandboxToken": []}] for _, _, op in operations)
    assert doc["components"]["securitySchemes"]["sandboxToken"]["scheme"] == "bearer"
    # and not on anything else
    assert not [
        op
        for path, item in doc["paths"].items()
        if not path.startswith("/_sandbox")
        for op in item.values()
        if "sandbox" in op.get("tags", [])
    ]


def test_every_answer_carries_the_sandbox_header_in_sandbox_mode(sandbox: TestClient, carol: ApiUser) -> None:
    answers = [
        sandbox.get("/v1/auth/validate", headers=carol.headers),
        sandbox.get("/v1/user/follows/shows/", headers=carol.headers),  # fast path, trailing slash
        sandbox.get("/v1/auth/validate"),
        sandbox.get(f"/shows/{DEMO_SHOW}"),
        sandbox.get("/nowhere"),
        sandbox.get("/_sandbox/clock"),
        sandbox.get("/_sandbox/clock", headers=ADMIN),
        sandbox.put(f"/v1/user/follows/shows/{DEMO_SHOW}", headers=carol.headers, content=b"x" * (3 * 1024 * 1024)),
    ]
    assert [a.status_code for a in answers] == [200, 200, 401, 200, 404, 401, 200, 413]
    assert [a.headers.get(HEADER) for a in answers] == ["1"] * len(answers)
