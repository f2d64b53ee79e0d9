"""The app's routes as test data: tests generated from these cover new routes automatically."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.core.openapi import api_routes
from openmaze.settings import Settings
from tests.conftest import DEMO_SHOW, ApiUser

PARAM = re.compile(r"\{([^}]+)\}")
METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # with {params}
    authenticated: bool
    premium: bool
    web: bool  # an HTML account page (cookies and forms), not the JSON API
    int_params: tuple[str, ...] = ()  # path parameters declared as integers (ids)

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.path)

    def url(self, **values: Any) -> str:
        return PARAM.sub(lambda m: str(values.get(m.group(1), 1)), self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _depends_on(dependant: Any, name: str) -> bool:
    return any(getattr(d.call, "__name__", "") == name or _depends_on(d, name) for d in dependant.dependencies)


def _int_params(dependant: Any) -> tuple[str, ...]:
    return tuple(p.alias for p in dependant.path_params if p.field_info.annotation is int)


def operations() -> list[Operation]:
    """Every method of every route, account pages included: the app's routes are read
    directly, not the OpenAPI document (which leaves the pages out)."""
    app = create_app(Settings(database_url="sqlite:///:memory:", secret_key="collect-only"))
    found = []
    for route in api_routes(app):
        for method in sorted(route.methods or ()):
            if method in METHODS:
                found.append(
                    Operation(
                        method,
                        route.path_format,
                        _depends_on(route.dependant, "current_user") or _depends_on(route.dependant, "premium_user"),
                        _depends_on(route.dependant, "premium_user"),
                        route.endpoint.__module__.startswith("openmaze.web"),
                        _int_params(route.dependant),
                    )
                )
    return found


OPERATIONS = operations()
API_OPERATIONS = [op for op in OPERATIONS if not op.web]
WEB_OPERATIONS = [op for op in OPERATIONS if op.web]
WITH_PATH_IDS = [op for op in OPERATIONS if op.int_params]  # the account pages' too
USER_OPERATIONS = [op for op in API_OPERATIONS if op.authenticated]


CATALOG_IDS = {
    "show_id": DEMO_SHOW,
    "episode_id": 9_000_001,
    "person_id": 900_105,
    "network_id": 9001,
    "webchannel_id": 9501,
}
# One body that every write route accepts: a vote, a mark, a tag name.
BODY = {"vote": 8, "type": 1, "marked_at": 1_700_000_000, "name": "A's tag"}


def created_param(op: Operation) -> str:
    """The path parameter naming what a POST creates: POST /v1/user/tags -> tag_id."""
    return op.path.rstrip("/").rsplit("/", 1)[-1].removesuffix("s") + "_id"


def build(client: TestClient, user: ApiUser) -> dict[str, Any]:
    """One of everything for `user`, through the API. Returns the ids of their own objects."""
    own: dict[str, Any] = {}
    for op in USER_OPERATIONS:
        if op.method == "POST" and not op.params:
            r = client.post(op.path, json=BODY, headers=user.headers)
            if r.status_code == 200 and isinstance(r.json(), dict) and "id" in r.json():
                own[created_param(op)] = r.json()["id"]
    for op in USER_OPERATIONS:
        if op.method == "PUT" and op.params:
            missing = set(op.params) - set(CATALOG_IDS) - set(own)
            assert not missing, f"{op}: no id to use for {missing}; add it to CATALOG_IDS or create it in build()"
            r = client.put(op.url(**CATALOG_IDS, **own), json=BODY, headers=user.headers)
            assert r.status_code == 200, (str(op), r.text)
    return own
