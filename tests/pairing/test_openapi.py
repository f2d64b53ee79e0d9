"""/openapi.json documents the pairing endpoints as the TVmaze spec does."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import pytest
import yaml

from openmaze.app import create_app
from openmaze.settings import Settings


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


@pytest.mark.parametrize("path", ["/auth/start", "/auth/poll"])
def test_pairing_operation_is_documented_like_the_spec(path: str, tmp_path: Any) -> None:
    spec = yaml.safe_load(files("openmaze").joinpath("spec/tvmaze-premium-openapi.yml").read_text())
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/unused.sqlite3", secret_key="x"))
    doc = app.openapi()
    spec_op = spec["paths"][path]["post"]
    op = doc["paths"]["/v1" + path]["post"]
    assert op["summary"] == spec_op["summary"]
    assert op["tags"] == spec_op["tags"]
    assert set(spec_op["responses"]) <= set(op["responses"])
    for status, response in op["responses"].items():
        schema = _resolve(doc, response["content"]["application/json"]["schema"])
        if status == "200":
            want = set(spec_op["responses"]["200"]["content"]["application/json"]["schema"]["properties"])
            assert set(schema["properties"]) == want
        else:
            assert {"name", "message", "code", "status"} <= set(schema["required"])
    content = op["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(content)
    want = set(spec_op["requestBody"]["content"]["application/json"]["schema"]["properties"])
    assert set(content["application/json"]["schema"]["properties"]) == want
