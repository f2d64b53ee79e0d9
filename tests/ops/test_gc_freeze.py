"""`openmaze serve`'s app (`serve_app`, `create_app(freeze_startup_objects=True)`) freezes
what is alive once it has started out of the garbage collector's view; a plain
`create_app` (tests, embedding) does not."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app, serve_app
from openmaze.settings import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the suite builds many apps: leave nothing frozen


def test_the_served_app_freezes_what_exists_once_started(unfrozen: None, settings: Settings) -> None:
    app = create_app(settings, freeze_startup_objects=True)
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        assert gc.get_freeze_count() > 50_000  # modules, models, routes
        assert client.get("/healthz").status_code == 200


def test_serve_app_is_the_freezing_app(unfrozen: None, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # uvicorn calls serve_app() with no arguments: its settings come from the environment.
    monkeypatch.setenv("OPENMAZE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("OPENMAZE_SECRET_KEY", "test-secret")
    monkeypatch.setenv("OPENMAZE_DATA_DIR", str(settings.data_dir))
    with TestClient(serve_app()) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 50_000


def test_an_app_from_create_app_freezes_nothing(unfrozen: None, settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() == 0
