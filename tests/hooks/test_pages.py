"""The media-server pages: the dashboard's webhook URLs, setup steps and household settings;
the activity page with its one-click fix. CSRF on every form, post/redirect/get."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from tests.conftest import ApiUser
from tests.hooks.conftest import SHOW_NAME, episode, marks_of
from tests.hooks.payloads import emby, jellyfin, plex
from tests.pairing.support import PASSWORD, clock, csrf_of, login, mail_settings, make_client, pclient, smtp

__all__ = ["clock", "mail_settings", "make_client", "pclient", "smtp"]


@pytest.fixture
def carol(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("carol", premium=1, password=PASSWORD)


@pytest.fixture
def web(pclient: TestClient, carol: ApiUser) -> TestClient:
    assert login(pclient, "carol").status_code == 303
    return pclient


def hook_urls(page: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in re.findall(r'id="hook-url-(\w+)">([^<]+)<', page)}


def post(client: TestClient, page_url: str, action: str, **fields: Any) -> Any:
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    return client.post(action, data={"csrf_token": csrf_of(page.text), **fields}, follow_redirects=False)


def test_dashboard_shows_each_server_url_with_setup_steps(web: TestClient, carol: ApiUser) -> None:
    page = web.get("/account").text
    urls = hook_urls(page)
    assert set(urls) == {"plex", "jellyfin", "emby"}
    for kind, url in urls.items():
        assert url.startswith(f"http://testserver/hooks/{kind}/")
        assert f"How to set up {kind.capitalize() if kind != 'jellyfin' else 'Jellyfin'}" in page
    assert "Add Webhook" in page and "Send All Properties" in page and "Mark Played" in page
    assert web.get("/account").text.count("hook-url-") == 3 and hook_urls(web.get("/account").text) == urls
    # The URLs work.
    r = web.post(urlsplit(urls["plex"]).path, **plex("media.scrobble", SHOW_NAME, 1, 1, user="carol").kwargs)
    assert r.status_code == 200 and r.json()["status"] == "applied"


def test_rotating_one_address(web: TestClient, carol: ApiUser) -> None:
    before = hook_urls(web.get("/account").text)
    r = post(web, "/account", "/account/media-servers/rotate", kind="emby")
    assert r.status_code == 303 and r.headers["location"] == "/account?done=media-rotated#media"
    page = web.get(r.headers["location"]).text
    after = hook_urls(page)
    assert after["emby"] != before["emby"] and after["plex"] == before["plex"]
    assert "The old one no longer works" in page
    assert web.post(urlsplit(before["emby"]).path, **emby("item.markplayed").kwargs).status_code == 404
    assert post(web, "/account", "/account/media-servers/rotate", kind="kodi").status_code == 404
    # No CSRF token, no rotation.
    assert web.post("/account/media-servers/rotate", data={"kind": "plex"}, follow_redirects=False).status_code == 403
    assert hook_urls(web.get("/account").text)["plex"] == before["plex"]


def test_household_settings(web: TestClient, carol: ApiUser) -> None:
    r = post(web, "/account", "/account/media-servers", server_users="Carol\ncarol-tv, carol\n\n")
    assert r.status_code == 303 and r.headers["location"] == "/account?done=media#media"
    page = web.get(r.headers["location"]).text
    assert ">Carol\ncarol-tv</textarea>" in page and "settings were saved" in page
    assert re.search(r'name="mark_acquired"\s*>', page)  # the box was not ticked: switched off
    urls = hook_urls(page)
    kid = web.post(urlsplit(urls["jellyfin"]).path, **jellyfin("ItemAdded", SHOW_NAME, 1, 1, user="kid").kwargs)
    assert kid.json()["status"] == "ignored"
    mine = web.post(urlsplit(urls["jellyfin"]).path, **jellyfin("ItemAdded", SHOW_NAME, 1, 1, user="carol-tv").kwargs)
    assert mine.json()["status"] == "ignored"  # acquired switched off: the box was not ticked
    assert mine.json()["reason"] == "acquired marks from media servers are switched off"
    post(web, "/account", "/account/media-servers", server_users="", mark_acquired="on")
    assert (
        web.post(urlsplit(urls["jellyfin"]).path, **jellyfin("ItemAdded", SHOW_NAME, 1, 1, user="kid").kwargs).json()[
            "status"
        ]
        == "applied"
    )
    too_many = "\n".join(f"user{i}" for i in range(60))
    assert post(web, "/account", "/account/media-servers", server_users=too_many).status_code == 422


def test_activity_page_newest_first_and_one_click_fix(
    web: TestClient, carol: ApiUser, client: TestClient, demo: list[dict[str, Any]]
) -> None:
    urls = hook_urls(web.get("/account").text)
    plex_path = urlsplit(urls["plex"]).path
    web.post(plex_path, **plex("media.play", SHOW_NAME, 1, 1, user="carol").kwargs)
    unmatched = web.post(plex_path, **plex("media.scrobble", "Electric Empire (UK)", 1, 1, user="carol").kwargs).json()
    page = web.get("/account/activity").text
    assert page.index("Electric Empire (UK) S01E01") < page.index(f"{SHOW_NAME} S01E01")  # newest first
    assert "no TVmaze show named &#39;Electric Empire (UK)&#39;" in page
    fix_link = f"/account/activity/{unmatched['id']}/fix"
    assert f'href="{fix_link}"' in page
    pick = web.get(fix_link)
    assert pick.status_code == 200
    assert "The Electric Empire Chronicles" in pick.text  # the title was searched for
    r = post(web, fix_link, fix_link, show_id="900005")
    assert r.status_code == 303 and r.headers["location"] == f"/account/activity?done=fixed#entry-{unmatched['id']}"
    done = web.get(r.headers["location"]).text
    assert "Fixed: the mark was applied" in done
    ep = episode(demo, 900_005, 1, 1)
    assert ep["id"] in marks_of(client, carol)
    # Remembered for the next event with that title.
    again = web.post(plex_path, **plex("media.scrobble", "Electric Empire (UK)", 1, 2, user="carol").kwargs).json()
    assert again["status"] == "applied" and again["show_id"] == 900_005
    # A fixed entry is not fixed twice; unknown ids and shows are 404 pages.
    assert post(web, fix_link, fix_link.replace(str(unmatched["id"]), "999999"), show_id="900005").status_code == 404
    assert web.get(fix_link).status_code == 200
    assert post(web, fix_link, fix_link, show_id="900005").status_code == 422


def test_pages_need_a_login_and_show_only_ones_own(
    pclient: TestClient, carol: ApiUser, make_user: Callable[..., ApiUser]
) -> None:
    r = pclient.get("/account/activity", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    make_user("dave", premium=1, password=PASSWORD)
    assert login(pclient, "carol").status_code == 303
    urls = hook_urls(pclient.get("/account").text)
    entry = pclient.post(urlsplit(urls["emby"]).path, **emby("item.markplayed", "Nope", 1, 1).kwargs).json()
    pclient.cookies.clear()
    assert login(pclient, "dave").status_code == 303
    assert "Nope" not in pclient.get("/account/activity").text
    assert pclient.get(f"/account/activity/{entry['id']}/fix").status_code == 404
    fix = f"/account/activity/{entry['id']}/fix"
    assert post(pclient, "/account", fix, show_id="900005").status_code == 404


def test_activity_pages_of_a_hundred_and_csrf_on_the_fix(web: TestClient, carol: ApiUser, database_url: str) -> None:
    from openmaze.core.scope import Scoped
    from openmaze.db.database import Conn
    from openmaze.hooks import plex as plex_parser
    from openmaze.hooks import service as hooks
    from tests.conftest import run_sync

    async def many(conn: Conn) -> None:
        for n in range(105):
            event = plex_parser.parse({"event": "media.play", "Account": {"title": "carol"},
                                       "Metadata": {"type": "episode", "grandparentTitle": f"Show {n}"}})  # fmt: skip
            await hooks.receive(Scoped(conn, carol.id), event, now=1_700_000_000 + n)

    run_sync(database_url, many)
    first = web.get("/account/activity").text
    assert first.count('<li id="entry-') == 100 and "Show 104" in first and "<strong>Show 4</strong>" not in first
    older = re.search(r'href="(/account/activity\?before=\d+)"', first)
    assert older is not None
    second = web.get(html.unescape(older[1])).text
    assert second.count('<li id="entry-') == 5 and "<strong>Show 0</strong>" in second and "Older events" not in second
    assert web.get("/account/activity?before=abc").status_code == 200  # an odd cursor is no cursor
    unmatched = web.post(
        urlsplit(hook_urls(web.get("/account").text)["plex"]).path,
        **plex("media.scrobble", "Nope", 1, 1, user="carol").kwargs,
    ).json()
    forged = web.post(f"/account/activity/{unmatched['id']}/fix", data={"show_id": "900005"}, follow_redirects=False)
    assert forged.status_code == 403
    assert web.get("/account/activity").text.count("status-unmatched") == 1
