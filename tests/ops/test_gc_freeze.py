"""`openmaze serve`'s app freezes its startup objects out of the garbage collector's view
(`openmaze.app.serve_app`); an app built by `create_app` (tests, embedding) does not."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from openmaze import app as app_module
from openmaze.settings import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the suite builds many apps: leave nothing frozen


def test_the_served_app_freezes_what_exists_once_started(
    unfrozen: None, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "create_app", lambda: _plain(settings))
    served = app_module.serve_app()
    assert gc.get_freeze_count() == 0
    with TestClient(served) as client:
        assert gc.get_freeze_count() > 50_000  # modules, models, routes
        assert client.get("/healthz").status_code == 200


def test_an_app_from_create_app_freezes_nothing(unfrozen: None, settings: Settings) -> None:
    with TestClient(_plain(settings)) as client:
        assert client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() == 0


_create_app = app_module.create_app


def _plain(settings: Settings) -> FastAPI:
    return _create_app(settings)
