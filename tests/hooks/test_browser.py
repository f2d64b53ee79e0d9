"""The media-server pages in a real browser (Debian's Chromium, Playwright) against a real
`openmaze serve`: the dashboard's webhook URLs and setup steps, a Plex delivery to the URL it
shows, the activity page and the one-click fix; each page on a phone and a desktop, without
sideways scrolling and with no serious or critical axe-core violations."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import DESKTOP, PHONE, axe_script, check_page, chromium
from tests.conftest import ApiUser, LiveServer, start_server, stop_server
from tests.hooks.conftest import SHOW_NAME, episode
from tests.hooks.payloads import plex
from tests.pairing.support import PASSWORD

__all__ = ["axe_script"]


@pytest.fixture
def frank(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("frank", premium=1, password=PASSWORD)


@pytest.fixture
def server(database_url: str, tmp_path: Path, frank: ApiUser) -> Iterator[LiveServer]:
    live = start_server(database_url, tmp_path)
    yield live
    stop_server(live)


@pytest.fixture
def browser(server: LiveServer, axe_script: Path) -> Iterator[Browser]:
    with chromium() as b:
        yield b


def _login(page: Page, base: str) -> None:
    page.goto(base + "/login?next=/account")
    page.get_by_label("Username or email").fill("frank")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()


def test_media_server_pages_in_a_browser(
    browser: Browser, server: LiveServer, frank: ApiUser, demo: list[dict[str, Any]], axe_script: Path
) -> None:
    # bypass_csp: axe is injected as an inline script, which the pages' policy refuses.
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    _login(page, server.url)
    expect(page.get_by_role("heading", name="Media servers")).to_be_visible()
    plex_url = page.locator("#hook-url-plex").inner_text()
    assert plex_url.startswith(server.url + "/hooks/plex/")
    page.get_by_text("How to set up Plex").click()
    expect(page.get_by_text("Add Webhook")).to_be_visible()
    check_page(page, "media-dashboard", axe_script)

    hooks = httpx.Client(base_url=server.url, timeout=10)
    path = urlsplit(plex_url).path
    watched = hooks.post(path, **plex("media.scrobble", SHOW_NAME, 1, 1, user="frank").kwargs).json()
    assert watched["status"] == "applied"
    unmatched = hooks.post(path, **plex("media.scrobble", "Electric Empire (UK)", 1, 1, user="frank").kwargs).json()
    assert unmatched["status"] == "unmatched"

    page.get_by_role("link", name="See what your servers sent").click()
    expect(page.get_by_role("heading", name="Media-server activity")).to_be_visible()
    expect(page.locator("ol.activity li")).to_have_count(2)
    expect(page.locator("ol.activity li").first).to_contain_text("Electric Empire (UK) S01E01")
    check_page(page, "media-activity", axe_script)
    page.get_by_role("link", name="Pick the show for “Electric Empire (UK)”").click()
    expect(page.get_by_role("heading", name="Which show is “Electric Empire (UK)”?")).to_be_visible()
    check_page(page, "media-fix", axe_script)
    # (Chromium's accessible name puts a space before the visually hidden part: "show : The…")
    page.get_by_role("button", name=re.compile(r"It is this show\W+The Electric Empire Chronicles \(2025\)")).click()
    expect(page.get_by_text("Fixed: the mark was applied")).to_be_visible()
    expect(page.locator(f"#entry-{unmatched['id']}")).to_contain_text("applied")

    marked = httpx.get(server.url + "/v1/user/episodes", auth=frank.auth, timeout=10).json()
    assert episode(demo, 900_005, 1, 1)["id"] in {m["episode_id"] for m in marked}

    # Household settings from the dashboard.
    page.goto(server.url + "/account#media")
    page.get_by_label("Your user names on the media servers").fill("frank\nfrank-tv")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your media-server settings were saved.")).to_be_visible()
    kid = hooks.post(path, **plex("media.scrobble", SHOW_NAME, 1, 2, user="kid").kwargs).json()
    assert kid["status"] == "ignored"
    context.close()

    phone = browser.new_context(viewport=PHONE, bypass_csp=True, is_mobile=True)
    page = phone.new_page()
    _login(page, server.url)
    check_page(page, "media-dashboard", axe_script)
    page.goto(server.url + "/account/activity")
    check_page(page, "media-activity", axe_script)
    hooks.close()
    phone.close()
