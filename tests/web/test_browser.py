"""The whole pairing flow in a real browser (Debian's Chromium, driven by Playwright)
against a real `openmaze serve`: the device pairs over the API, the person logs in and
clicks Allow, the device's key works; the person revokes it and it stops working. And every
page fits a phone's width."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser import ARTIFACTS, chromium
from tests.conftest import ApiUser, LiveServer, start_server, stop_server
from tests.pairing.support import PASSWORD

DEVICE = "Kodi/21.0 (Linux) TVmaze scrobbler/1.3"


@pytest.fixture
def carol(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("carol", premium=1, password=PASSWORD)


@pytest.fixture
def browser(server: LiveServer, carol: ApiUser) -> Iterator[Browser]:
    # Playwright's sync API keeps an event loop running on this thread while it is open,
    # so everything that uses asyncio.run (database set-up) must happen before it starts.
    with chromium() as b:
        yield b


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    # A short poll spacing so the device may poll right after the click.
    live = start_server(database_url, tmp_path, {"OPENMAZE_PAIRING_POLL_INTERVAL_SECONDS": "0.2"})
    yield live
    stop_server(live)


def test_pair_a_device_in_the_browser_then_revoke_it(browser: Browser, server: LiveServer, carol: ApiUser) -> None:
    device = httpx.Client(base_url=server.url, headers={"User-Agent": DEVICE}, timeout=10)
    started = device.post("/v1/auth/start", json={"email": carol.email, "email_confirmation": False}).json()
    assert device.post("/v1/auth/poll", json={"token": started["token"]}).status_code == 403

    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.goto(started["confirm_url"])
    # Not logged in: the link leads to the login form first, then back.
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "login.png"), full_page=True)
    page.get_by_label("Username or email").fill("carol")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=f"Allow {DEVICE} to use your account?")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "pair-confirm.png"), full_page=True)
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("heading", name="Access allowed")).to_be_visible()

    polled = device.post("/v1/auth/poll", json={"token": started["token"]})
    assert polled.status_code == 200, polled.text
    key = polled.json()["apikey"]
    assert polled.json()["username"] == "carol"
    assert device.get("/v1/auth/validate", auth=("carol", key)).json() == {"premium": 1}
    assert device.post("/v1/auth/poll", json={"token": started["token"]}).status_code == 404

    page.goto(server.url + "/account")
    key_name = f"{DEVICE} ({datetime.now(UTC).strftime('%Y-%m-%d')})"
    row = page.get_by_role("row").filter(has_text=key_name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(key[:8])
    expect(page.get_by_text("1 (Bronze)")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.get_by_role("link", name=f"Revoke {key_name}").click()
    expect(page.get_by_role("heading", name=f"Revoke the key {key_name}?")).to_be_visible()
    page.get_by_role("button", name="Revoke the key").click()
    expect(page.get_by_text("The key was revoked")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=key_name)).to_have_count(0)
    assert device.get("/v1/auth/validate", auth=("carol", key)).status_code == 401
    # The other key of the account is untouched.
    assert device.get("/v1/auth/validate", auth=carol.auth).status_code == 200
    context.close()
    device.close()


PHONE = {"width": 390, "height": 844}


def _fits(page: Page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} scrolls sideways on a phone: {width} px wide"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{what}.png"), full_page=True)


def test_every_page_fits_a_phone(browser: Browser, server: LiveServer, carol: ApiUser) -> None:
    device = httpx.Client(base_url=server.url, headers={"User-Agent": DEVICE + " with a long name"}, timeout=10)
    started = device.post("/v1/auth/start", json={"email": carol.email, "email_confirmation": False}).json()
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(server.url + "/login")
    _fits(page, "login")
    page.get_by_label("Username or email").fill("carol")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.get_by_label("Name for a new key").fill("Living-room Kodi on the big television by the window")
    page.get_by_role("button", name="Create key").click()
    expect(page.locator("#new-key")).to_be_visible()
    _fits(page, "new-key")
    page.goto(server.url + "/account")
    _fits(page, "dashboard")
    page.get_by_role("link", name="Revoke test").click()
    expect(page.get_by_role("button", name="Revoke the key")).to_be_visible()
    _fits(page, "confirm-revoke")
    page.goto(server.url + "/account/password")
    _fits(page, "password")
    page.goto(started["confirm_url"])
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
    _fits(page, "pair")
    page.goto(server.url + "/no/such/page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    _fits(page, "not-found")
    context.close()
    device.close()


# Requests the pages may make to other hosts without needing them (checked: each fails quietly).
COSMETIC = {
    # ReDoc's "API docs by Redocly" logo in its sidebar; the <img> removes itself on error.
    "https://cdn.redoc.ly/redoc/logo-mini.svg",
}


@pytest.mark.parametrize(("page_path", "rendered"), [("/docs", ".swagger-ui .info .title"), ("/redoc", "h1")])
def test_the_api_documentation_renders_without_internet(
    browser: Browser, server: LiveServer, page_path: str, rendered: str
) -> None:
    context = browser.new_context()
    elsewhere: list[str] = []

    def only_this_server(route: Route) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_server)
    page = context.new_page()
    page.goto(server.url + page_path)
    expect(page.locator(rendered).first).to_contain_text("openmaze", timeout=20_000)
    assert [url for url in elsewhere if url not in COSMETIC] == []
    context.close()
