"""Sandbox tests: in-process apps in sandbox mode on the suite's per-test database (both
backends), and `project/`, a client's own test project, which test_project.py runs in a
pytest of its own (as an outside project would): never collected here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.core.fastpath import DirectRoute
from openmaze.core.routing import expand
from openmaze.settings import Settings
from tests.conftest import ApiUser

collect_ignore = ["project"]

TOKEN = "sandbox-test-token-0123456789"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


def is_fast_path(client: TestClient, method: str, path: str) -> bool:
    """Whether the app serves this route through `openmaze.core.fastpath`: the sandbox's
    controls must reach those routes as they reach every other."""
    return any(
        isinstance(route, DirectRoute) and route.direct is not None and method in (route.methods or ())
        for route in expand(client.app.routes)  # type: ignore[attr-defined]
        if getattr(route, "path", None) == path
    )


@pytest.fixture
def sandbox_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"sandbox": True, "sandbox_token": TOKEN})


@pytest.fixture
def make_sandbox(sandbox_settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """An in-process sandbox app (settings overridable), started; closed after the test."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        client = TestClient(create_app(sandbox_settings.model_copy(update=overrides)))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def sandbox(make_sandbox: Callable[..., TestClient]) -> TestClient:
    return make_sandbox()


@pytest.fixture
def carol(sandbox: TestClient) -> ApiUser:
    """A premium user made through the sandbox API itself."""
    made = sandbox.post("/_sandbox/users", headers=ADMIN, json={"username": "carol"}).json()
    return ApiUser(made["id"], made["username"], made["email"], made["apikey"], made["premium"])
