"""The app's /openapi.json covers the spec: every path and method of
src/openmaze/spec/tvmaze-premium-openapi.yml (under /v1), and for /v1/user it documents the
item shapes, the TVmaze error body, the embeds and the request bodies."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from tests.user.conftest import OPERATIONS

# Paths other branches implement. The lead empties this set when merging them; the test
# below fails as soon as one of them is served, as a reminder to remove it from here.
PENDING_ON_OTHER_BRANCHES: set[tuple[str, str]] = set()
METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


def _spec() -> dict[str, Any]:
    text = files("openmaze").joinpath("spec/tvmaze-premium-openapi.yml").read_text()
    spec: dict[str, Any] = yaml.safe_load(text)
    return spec


def _operations(doc: dict[str, Any], prefix: str = "") -> set[tuple[str, str]]:
    return {(m.upper(), prefix + p) for p, item in doc["paths"].items() for m in item if m in METHODS}


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    from openmaze.app import create_app
    from openmaze.settings import Settings

    app = create_app(Settings(database_url="sqlite:///unused.sqlite3", secret_key="x"))
    doc: dict[str, Any] = app.openapi()
    return doc


def test_every_spec_operation_is_served(openapi: dict[str, Any]) -> None:
    spec_ops = _operations(_spec(), "/v1")
    served = _operations(openapi)
    missing = spec_ops - served - PENDING_ON_OTHER_BRANCHES
    assert not missing, f"spec operations missing from /openapi.json: {sorted(missing)}"
    done = PENDING_ON_OTHER_BRANCHES & served
    assert not done, f"now served, remove from PENDING_ON_OTHER_BRANCHES: {sorted(done)}"


def test_openapi_json_is_served(client: TestClient) -> None:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    assert {("GET", "/v1/user/follows/shows"), ("PATCH", "/v1/user/tags/{tag_id}")} <= _operations(r.json())


def test_the_user_operations_list_matches_the_spec() -> None:
    assert set(OPERATIONS) == {op for op in _operations(_spec(), "/v1") if op[1].startswith("/v1/user")}
    assert len(OPERATIONS) == len(set(OPERATIONS)) == 35


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_user_operation_is_documented_like_the_spec(openapi: dict[str, Any], method: str, path: str) -> None:
    spec = _spec()
    spec_path = spec["paths"][path.removeprefix("/v1")]
    spec_op = spec_path[method.lower()]
    op = openapi["paths"][path][method.lower()]
    responses = op["responses"]

    assert op["summary"] == spec_op["summary"]
    assert op["tags"] == spec_op["tags"]
    # Every status the spec names is documented; errors carry the TVmaze body.
    for status in spec_op["responses"]:
        assert status in responses, status
    for status in ("401", "403", "default", *(s for s in responses if s[0] in "45")):
        error = _resolve(openapi, responses[status]["content"]["application/json"]["schema"])
        assert {"name", "message", "code", "status"} <= set(error["required"]), status
        if status == "422":
            assert "errors" in error["required"]
    # The 200 body: the spec's item shape (an array of it for lists); DELETE has none.
    spec_ok = spec_op["responses"]["200"].get("content")
    if spec_ok is None:
        assert "content" not in responses["200"]
    else:
        want = spec_ok["application/json"]["schema"]
        got = responses["200"]["content"]["application/json"]["schema"]
        if want.get("type") == "array":
            assert got["type"] == "array"
            want, got = want["items"], got["items"]
        want_props = set(_resolve(spec, want)["properties"])
        got_props = set(_resolve(openapi, got)["properties"])
        assert want_props <= got_props, (want_props, got_props)
    # Query parameters, embed enums included, and path parameters under the spec's names.
    spec_params = {(p["in"], p["name"]): p for p in spec_path.get("parameters", []) + spec_op.get("parameters", [])}
    params = {(p["in"], p["name"]): p for p in op.get("parameters", [])}
    for key, spec_param in spec_params.items():
        assert key in params, key
        if "enum" in spec_param["schema"]:
            assert params[key]["schema"]["enum"] == spec_param["schema"]["enum"]
    # Request bodies: where the spec has one, so does the app, as JSON and as a form.
    if "requestBody" in spec_op:
        content = op["requestBody"]["content"]
        assert {"application/json", "application/x-www-form-urlencoded"} <= set(content)
        assert content["application/json"]["schema"]["properties"]


def test_error_schema_is_the_tvmaze_body(openapi: dict[str, Any]) -> None:
    error = openapi["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"name", "message", "code", "status"}
    assert "HTTPValidationError" not in openapi["components"]["schemas"]
