"""The pytest plugin of `openmaze.testing` (registered through the `pytest11` entry point;
see the package docstring for why): the `openmaze_server` and `openmaze_sandbox` fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from openmaze.testing import Sandbox, SandboxServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "openmaze_catalog",
        type="paths",
        default=[],
        help="openmaze sandbox: TVmaze-shaped show JSON files to load instead of the demo catalog",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "openmaze(premium=3): options of the openmaze_sandbox fixture's user (premium 0..3)"
    )


@pytest.fixture(scope="session")
def openmaze_server(pytestconfig: pytest.Config) -> Iterator[SandboxServer]:
    """One sandbox server for the whole session."""
    with SandboxServer(catalog=pytestconfig.getini("openmaze_catalog")) as server:
        yield server


@pytest.fixture
def openmaze_sandbox(openmaze_server: SandboxServer, request: pytest.FixtureRequest) -> Sandbox:
    """A clean sandbox (controls reset) and a fresh user with an API key, for one test."""
    marker = request.node.get_closest_marker("openmaze")
    premium = int(marker.kwargs.get("premium", 3)) if marker is not None else 3
    client = openmaze_server.client
    client.reset(data=False, controls=True)  # other tests' users stay: nothing refers to them
    return Sandbox(openmaze_server.url, client.create_user(premium=premium), client, openmaze_server)
