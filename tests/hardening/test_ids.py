"""Ids in paths: anything that cannot be an id is a 404 with the TVmaze body, never a 500 -
tested on every route that takes one, the account pages included (generated from the app's
routes, not from the OpenAPI document, which leaves the pages out)."""

from __future__ import annotations

import pytest
from annotated_types import Ge, Le
from starlette.testclient import TestClient

from openmaze.core.fields import MAX_ID, MIN_ID
from openmaze.core.openapi import api_routes
from tests.conftest import ApiUser
from tests.hardening.routes import WEB_OPERATIONS, WITH_PATH_IDS, Operation

BAD_IDS = [
    "0",
    "-1",
    str(MAX_ID + 1),  # PostgreSQL INTEGER overflow
    str(2**63),  # sqlite3 OverflowError
    "1" + "0" * 40,
    "9" * 5000,  # past Python's 4,300-digit limit on int()
    "0" * 5000 + "1" + "0" * 10,
    "abc",
    "1.5",
    "1e3",
    "0x10",
    "%C2%B2",  # "²": str.isdigit() says yes, int() says no
    "%D9%A1",  # Arabic-Indic one
    "%00",
    "1%00",
    "%20",
    "' OR 1=1 --",
]


def test_every_integer_path_parameter_is_bounded(app: object) -> None:
    """Ids are declared as `openmaze.core.fields.PathId` (or `ID.path(...)`), so the range is
    checked before any route runs: on the API and on the account pages alike."""
    checked = 0
    for route in api_routes(app):  # type: ignore[arg-type]
        for param in route.dependant.path_params:
            info = param.field_info
            if info.annotation is not int:
                continue
            low = next((m.ge for m in info.metadata if isinstance(m, Ge)), None)
            high = next((m.le for m in info.metadata if isinstance(m, Le)), None)
            assert low is not None and low >= MIN_ID and high is not None and high <= MAX_ID, (
                f"{route.path_format}: path parameter {param.alias} is not an openmaze.core.fields.PathId"
            )
            checked += 1
    assert checked and any(op.int_params for op in WEB_OPERATIONS)


@pytest.mark.parametrize("op", WITH_PATH_IDS, ids=str)
def test_bad_path_ids_are_404(client: TestClient, bob: ApiUser, op: Operation) -> None:
    for param in op.int_params:
        for bad in BAD_IDS:
            r = client.request(op.method, op.url(**{param: bad}), headers=bob.headers)
            assert r.status_code == 404, (op, param, bad[:50], r.text)
            body = r.json()
            assert body["name"] == "Not Found" and body["status"] == 404 and body["code"] == 0, body
            assert isinstance(body["message"], str) and body["message"]
