"""The app's routes as test data: tests generated from these cover new routes automatically."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from openmaze.app import create_app
from openmaze.openapi import api_routes
from openmaze.settings import Settings

PARAM = re.compile(r"\{([^}]+)\}")
METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # with {params}
    authenticated: bool
    premium: bool
    web: bool  # an HTML account page (cookies and forms), not the JSON API

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.path)

    def url(self, **values: Any) -> str:
        return PARAM.sub(lambda m: str(values.get(m.group(1), 1)), self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _depends_on(dependant: Any, name: str) -> bool:
    return any(getattr(d.call, "__name__", "") == name or _depends_on(d, name) for d in dependant.dependencies)


def operations() -> list[Operation]:
    """Every method of every API route (the document is not needed: routes are read directly)."""
    app = create_app(Settings(database_url="sqlite:///:memory:", secret_key="collect-only"))
    found = []
    for route in api_routes(app):
        for method in sorted(route.methods or ()):
            if method in METHODS:
                found.append(
                    Operation(
                        method,
                        route.path_format,
                        _depends_on(route.dependant, "current_user"),
                        _depends_on(route.dependant, "premium_user"),
                        route.endpoint.__module__.startswith("openmaze.web"),
                    )
                )
    return found


OPERATIONS = operations()
API_OPERATIONS = [op for op in OPERATIONS if not op.web]
WEB_OPERATIONS = [op for op in OPERATIONS if op.web]
WITH_PATH_IDS = [op for op in API_OPERATIONS if op.params]
USER_OPERATIONS = [op for op in API_OPERATIONS if op.authenticated]
