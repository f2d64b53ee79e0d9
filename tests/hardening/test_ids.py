"""Ids in paths: anything that cannot be an id is a 404 with the TVmaze body, never a 500 -
tested on every route that takes one (generated from the app's routes)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from openmaze.core.ids import MAX_ID, as_id
from openmaze.core.openapi import api_routes
from tests.conftest import ApiUser
from tests.hardening.routes import WITH_PATH_IDS, Operation

BAD_IDS = [
    "0",
    "-1",
    str(MAX_ID + 1),  # PostgreSQL INTEGER overflow
    str(2**63),  # sqlite3 OverflowError
    "1" + "0" * 40,
    "abc",
    "1.5",
    "1e3",
    "0x10",
    "%00",
    "1%00",
    "%20",
    "' OR 1=1 --",
]


def test_every_integer_path_parameter_is_bounded(app: object) -> None:
    """Ids are declared as `openmaze.ids.PathId`, so the range check happens before any route runs."""
    doc = app.openapi()  # type: ignore[attr-defined]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for param in [*item.get("parameters", []), *op.get("parameters", [])] if isinstance(op, dict) else []:
                schema = param.get("schema", {})
                if param["in"] == "path" and schema.get("type") == "integer":
                    assert schema.get("minimum", 0) >= 1 and schema.get("maximum", 2**64) <= MAX_ID, (
                        f"{method.upper()} {path}: path parameter {param['name']} is not an openmaze.ids.PathId"
                    )
    assert api_routes(app)  # type: ignore[arg-type]


@pytest.mark.parametrize("op", WITH_PATH_IDS, ids=str)
def test_bad_path_ids_are_404(client: TestClient, bob: ApiUser, op: Operation) -> None:
    for param in op.params:
        for bad in BAD_IDS:
            r = client.request(op.method, op.url(**{param: bad}), headers=bob.headers)
            assert r.status_code == 404, (op, param, bad, r.text)
            body = r.json()
            assert body["name"] == "Not Found" and body["status"] == 404 and body["code"] == 0, body
            assert isinstance(body["message"], str) and body["message"]


def test_as_id() -> None:
    assert [as_id(v) for v in (1, "1", 1.0, " 7 ", MAX_ID, str(MAX_ID))] == [1, 1, 1, 7, MAX_ID, MAX_ID]
    for bad in (0, -1, MAX_ID + 1, 2**64, "0", "-1", "1.5", 1.5, "²", "\u0661", "1e3", "", None, True, [], {}):
        assert as_id(bad) is None, bad
