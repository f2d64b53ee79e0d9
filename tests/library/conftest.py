"""Fixtures for the library pages: a logged-in browser-like client over the demo catalog,
whose current shows air around the real today (the calendar and feed windows use it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import ApiUser
from tests.pairing.support import PASSWORD, clock, csrf_of, login, mail_settings, make_client, pclient, smtp

__all__ = ["clock", "mail_settings", "make_client", "pclient", "smtp"]


@pytest.fixture
def carol(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("carol", premium=1, password=PASSWORD)


@pytest.fixture
def dave(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("dave", premium=1, password=PASSWORD)


@pytest.fixture
def web(pclient: TestClient, carol: ApiUser) -> TestClient:
    assert login(pclient, "carol").status_code == 303
    return pclient


def post(client: TestClient, page_url: str, action: str, **fields: Any) -> Any:
    """Submit a form the way a browser would: the CSRF token from the page it is on."""
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    return client.post(action, data={"csrf_token": csrf_of(page.text), **fields}, follow_redirects=False)


def current_show(demo: list[dict[str, Any]], with_airtime: bool = False) -> dict[str, Any]:
    """A demo show with episodes aired in the last days and more to come (with a known time
    of day, if asked)."""
    from openmaze.catalog.demo import current_show_ids

    ids = current_show_ids(demo, dt.datetime.now(dt.UTC).date(), days=3)
    shows = [show for show in demo if show["id"] in ids]
    return next(show for show in shows if show["schedule"]["time"] or not with_airtime)
