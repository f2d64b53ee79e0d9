"""The library in a real browser (Debian's Chromium, driven by Playwright) against a real
`openmaze serve`: log in, search, follow, mark from the show page, watch up next advance,
find the episode in the calendar and the history, undo a mark, each result checked through
the API. Every page is screenshotted at desktop and phone size (test-artifacts/), must not
scroll sideways on a 390 px phone, and must pass axe-core with no serious or critical
violations (axe-core from npm, installed into .cache/ on first use)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import DESKTOP, PHONE, axe_script, check_page, chromium
from tests.conftest import ApiUser, LiveServer, start_server, stop_server
from tests.library.conftest import current_show
from tests.pairing.support import PASSWORD

__all__ = ["axe_script"]


@pytest.fixture
def erin(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("erin", premium=1, password=PASSWORD)


@pytest.fixture
def server(database_url: str, tmp_path: Path, erin: ApiUser) -> Iterator[LiveServer]:
    live = start_server(database_url, tmp_path)
    yield live
    stop_server(live)


@pytest.fixture
def browser(server: LiveServer, axe_script: Path) -> Iterator[Browser]:
    with chromium() as b:
        yield b


def _check_page(page: Page, name: str, axe: Path) -> None:
    check_page(page, f"library-{name}", axe)


def _visit(page: Page, base: str, paths: list[str], axe: Path) -> None:
    for path in paths:
        page.goto(base + path)
        name = path.strip("/").split("?")[0].replace("/", "-").replace("library-", "") or "home"
        if "view=month" in path:
            name += "-month"
        name = "show" if name.startswith("shows-") else "shows" if name == "library" else name
        _check_page(page, name, axe)


def _login(page: Page, base: str) -> None:
    page.goto(base + "/login?next=/library/upnext")
    page.get_by_label("Username or email").fill("erin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Up next")).to_be_visible()


def test_the_library_in_a_browser(
    browser: Browser, server: LiveServer, erin: ApiUser, demo: list[dict[str, Any]], axe_script: Path
) -> None:
    api = httpx.Client(base_url=server.url, auth=erin.auth, timeout=10)
    show = current_show(demo, with_airtime=True)
    regular = sorted(
        (e for e in show["_embedded"]["episodes"] if e["number"] is not None), key=lambda e: (e["season"], e["number"])
    )
    first, second, third, fourth = regular[:4]

    # bypass_csp: axe is injected as an inline script, which the pages' policy refuses.
    context = browser.new_context(viewport=DESKTOP, timezone_id="Europe/Berlin", bypass_csp=True)
    page = context.new_page()
    _login(page, server.url)

    # The browser proposes its time zone; one click saves it.
    banner = page.locator("[data-tz-proposal]")
    expect(banner).to_contain_text("Europe/Berlin")
    banner.get_by_role("button", name="Use this time zone").click()
    expect(page.locator("[data-tz-proposal]")).to_have_count(0)

    # Search and follow.
    page.get_by_role("navigation", name="Library").get_by_role("link", name="Search").click()
    page.get_by_label("Show name").fill(show["name"])
    page.get_by_role("button", name="Search").click()
    _check_page(page, "search", axe_script)
    page.get_by_role("button", name=f"Follow {show['name']}").click()
    expect(page.get_by_role("button", name=f"Unfollow {show['name']}")).to_be_visible()
    assert api.get(f"/v1/user/follows/shows/{show['id']}").status_code == 200

    # Mark from the show page: watched, acquired, skipped.
    page.get_by_role("link", name=show["name"]).first.click()
    expect(page.get_by_role("heading", name=show["name"], exact=True)).to_be_visible()
    page.get_by_role("link", name="Season 1", exact=False).first.click()
    page.get_by_role("button", name=f"Mark S01E{first['number']:02d} watched").click()
    expect(page.get_by_role("button", name=f"Watched: S01E{first['number']:02d} (click to unmark)")).to_be_visible()
    page.get_by_role("button", name=f"Mark S01E{second['number']:02d} acquired").click()
    page.get_by_role("button", name=f"Mark S01E{third['number']:02d} skipped").click()
    expect(page.get_by_role("button", name=f"Skipped: S01E{third['number']:02d} (click to unmark)")).to_be_visible()
    _check_page(page, "show", axe_script)
    assert api.get(f"/v1/user/episodes/{first['id']}").json()["type"] == 0
    assert api.get(f"/v1/user/episodes/{second['id']}").json()["type"] == 1
    assert api.get(f"/v1/user/episodes/{third['id']}").json()["type"] == 2

    # Up next: the acquired episode is next; one click (from the keyboard) moves the row on,
    # past the skipped one.
    page.get_by_role("navigation", name="Library").get_by_role("link", name="Up next").click()
    row = page.locator(f"#show-{show['id']}")
    expect(row).to_contain_text(f"S01E{second['number']:02d}")
    _check_page(page, "upnext", axe_script)
    button = row.get_by_role("button", name=f"Mark {show['name']} S01E{second['number']:02d} watched")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#show-{show['id']}")).to_contain_text(f"S01E{fourth['number']:02d}")
    expect(page.get_by_role("status")).to_contain_text("Marked as watched")
    assert api.get(f"/v1/user/episodes/{second['id']}").json()["type"] == 0

    # The calendar has this week's episode, at its time in Berlin.
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    airing = [
        e
        for e in show["_embedded"]["episodes"]
        if monday.isoformat() <= e["airdate"] <= (monday + dt.timedelta(days=12)).isoformat()
    ]
    page.get_by_role("navigation", name="Library").get_by_role("link", name="Calendar").click()
    expect(page.get_by_text("Times in Europe/Berlin")).to_be_visible()
    expect(page.locator(f"a[href$='#episode-{airing[0]['id']}']")).to_have_count(1)
    _check_page(page, "calendar", axe_script)
    page.get_by_role("link", name="Month").click()
    _check_page(page, "calendar-month", axe_script)

    # History, and undo.
    page.get_by_role("navigation", name="Library").get_by_role("link", name="History").click()
    label = f"{show['name']} S01E{second['number']:02d}"
    page.get_by_role("button", name=f"Undo watched {label}").click()
    expect(page.get_by_role("status")).to_contain_text("The mark was removed")
    expect(page.get_by_role("button", name=f"Undo watched {label}")).to_have_count(0)
    assert api.get(f"/v1/user/episodes/{second['id']}").status_code == 404
    assert api.get(f"/v1/user/episodes/{first['id']}").json()["type"] == 0
    _check_page(page, "history", axe_script)

    # The other pages, and all of them again at phone size.
    others = ["/library", "/library/follows", "/library/settings", "/account"]
    _visit(page, server.url, others, axe_script)
    phone = browser.new_context(viewport=PHONE, timezone_id="Europe/Berlin", bypass_csp=True, is_mobile=True)
    small = phone.new_page()
    _login(small, server.url)
    every = [
        *others,
        "/library/upnext",
        f"/library/search?q={show['name']}",
        f"/library/shows/{show['id']}",
        "/library/calendar",
        "/library/calendar?view=month",
        "/library/history",
    ]
    _visit(small, server.url, every, axe_script)
    phone.close()
    context.close()
    api.close()
