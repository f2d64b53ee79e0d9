"""The library pages through a TestClient: every write is the `/v1` service's (checked back
through the API), post-redirect-get, CSRF, HTML errors, and no access to another user's data."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import pytest
from starlette.testclient import TestClient

from tests.conftest import DEMO_SHOW, UNKNOWN_ID, ApiUser
from tests.library.conftest import current_show, post
from tests.pairing.support import csrf_of, login

PAGES = [
    "/library",
    "/library/upnext",
    "/library/calendar",
    "/library/calendar?view=month",
    f"/library/shows/{DEMO_SHOW}",
    "/library/search?q=harbor",
    "/library/history",
    "/library/follows",
    "/library/settings",
]


def _episodes(demo: list[dict[str, Any]], show_id: int) -> list[dict[str, Any]]:
    show = next(s for s in demo if s["id"] == show_id)
    return sorted(show["_embedded"]["episodes"], key=lambda e: (e["season"], e["number"] or 0, e["id"]))


def _follow(web: TestClient, show_id: int) -> None:
    page = f"/library/shows/{show_id}"
    assert post(web, page, f"{page}/follow", next=page).status_code == 303


@pytest.mark.parametrize("url", PAGES)
def test_pages_need_a_login(pclient: TestClient, url: str) -> None:
    r = pclient.get(url, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=/library")


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_for_a_new_user(web: TestClient, url: str) -> None:
    r = web.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "http://" not in re.sub(r'(href|action|value)="[^"]*"', "", r.text)  # nothing from elsewhere


def test_search_then_follow_is_the_api_follow(web: TestClient, carol: ApiUser, demo: list[dict[str, Any]]) -> None:
    name = demo[0]["name"]
    page = web.get("/library/search", params={"q": name})
    assert f'href="/library/shows/{DEMO_SHOW}"' in page.text
    r = web.post(
        f"/library/shows/{DEMO_SHOW}/follow",
        data={"csrf_token": csrf_of(page.text), "next": f"/library/search?q={name}"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and unquote(r.headers["location"]) == f"/library/search?q={name}"
    assert web.get(f"/v1/user/follows/shows/{DEMO_SHOW}", auth=carol.auth).status_code == 200
    assert f"Unfollow {name}" in web.get("/library/search", params={"q": name}).text
    # Unfollowing from the show page is the API's unfollow too.
    assert post(web, f"/library/shows/{DEMO_SHOW}", f"/library/shows/{DEMO_SHOW}/unfollow").status_code == 303
    assert web.get(f"/v1/user/follows/shows/{DEMO_SHOW}", auth=carol.auth).status_code == 404


def test_marks_from_the_show_page_are_the_api_marks(
    web: TestClient, carol: ApiUser, demo: list[dict[str, Any]]
) -> None:
    first = _episodes(demo, DEMO_SHOW)[0]
    page = f"/library/shows/{DEMO_SHOW}?season=1"
    for mark_type in (1, 2, 0):
        r = post(web, page, f"/library/episodes/{first['id']}/mark", type=str(mark_type), next=page)
        assert r.status_code == 303 and r.headers["location"] == page
        got = web.get(f"/v1/user/episodes/{first['id']}", auth=carol.auth).json()
        assert got["type"] == mark_type
    html = web.get(page).text
    assert 'aria-pressed="true"' in html and "Watched: S01E01" in html
    assert post(web, page, f"/library/episodes/{first['id']}/unmark", next=page).status_code == 303
    assert web.get(f"/v1/user/episodes/{first['id']}", auth=carol.auth).status_code == 404


def test_a_mark_made_through_the_api_shows_on_the_page(
    web: TestClient, carol: ApiUser, demo: list[dict[str, Any]]
) -> None:
    first = _episodes(demo, DEMO_SHOW)[0]
    assert web.put(f"/v1/user/episodes/{first['id']}", json={"type": 2}, auth=carol.auth).status_code == 200
    assert "Skipped: S01E01 (click to unmark)" in web.get(f"/library/shows/{DEMO_SHOW}?season=1").text


def test_up_next_moves_on_after_one_click_and_undo_brings_it_back(
    web: TestClient, carol: ApiUser, demo: list[dict[str, Any]]
) -> None:
    show = current_show(demo)
    regular = [e for e in _episodes(demo, show["id"]) if e["number"] is not None]
    _follow(web, show["id"])
    html = web.get("/library/upnext").text
    assert f"Mark {show['name']} S01E01 watched" in html
    r = post(
        web,
        "/library/upnext",
        f"/library/episodes/{regular[0]['id']}/mark",
        type="0",
        undoable="1",
        next="/library/upnext",
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/library/upnext?undo={regular[0]['id']}"
    html = web.get(r.headers["location"]).text
    assert f"Mark {show['name']} {_label(regular[1])} watched" in html
    assert web.get(f"/v1/user/episodes/{regular[0]['id']}", auth=carol.auth).json()["type"] == 0
    r = web.post(
        f"/library/episodes/{regular[0]['id']}/unmark",
        data={"csrf_token": csrf_of(html), "next": "/library/upnext"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert f"Mark {show['name']} S01E01 watched" in web.get("/library/upnext").text


def _label(episode: dict[str, Any]) -> str:
    return f"S{episode['season']:02d}E{episode['number']:02d}"


def test_mark_season_and_everything_aired_go_through_the_bulk_service(
    web: TestClient, carol: ApiUser, demo: list[dict[str, Any]]
) -> None:
    show = current_show(demo)
    _follow(web, show["id"])
    page = f"/library/shows/{show['id']}?season=1"
    season_one = [e for e in _episodes(demo, show["id"]) if e["season"] == 1 and e["number"] is not None]
    r = post(web, page, f"/library/shows/{show['id']}/watched", season="1", next=page)
    assert r.status_code == 303 and f"marked={len(season_one)}" in r.headers["location"]
    marks = web.get("/v1/user/episodes", params={"show_id": show["id"]}, auth=carol.auth).json()
    assert sorted(m["episode_id"] for m in marks) == sorted(e["id"] for e in season_one)
    r = post(web, page, f"/library/shows/{show['id']}/watched", next=page)
    assert r.status_code == 303
    marks = web.get("/v1/user/episodes", params={"show_id": show["id"]}, auth=carol.auth).json()
    aired = [e for e in _episodes(demo, show["id"]) if e["number"] is not None and e["airstamp"] <= _now_stamp()]
    unaired = [e for e in _episodes(demo, show["id"]) if e["airstamp"] > _now_stamp()]
    assert unaired  # the demo show is current: the unaired stay unmarked
    assert sorted(m["episode_id"] for m in marks) == sorted(e["id"] for e in aired)
    progress = web.get("/library?filter=up-to-date").text
    assert show["name"] in progress


def _now_stamp() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_vote_and_tags_are_the_api_vote_and_tags(web: TestClient, carol: ApiUser) -> None:
    page = f"/library/shows/{DEMO_SHOW}"
    assert post(web, page, f"{page}/vote", vote="8", next=page).status_code == 303
    assert web.get(f"/v1/user/votes/shows/{DEMO_SHOW}", auth=carol.auth).json()["vote"] == 8
    assert post(web, page, f"{page}/vote", vote="", next=page).status_code == 303
    assert web.get(f"/v1/user/votes/shows/{DEMO_SHOW}", auth=carol.auth).status_code == 404
    assert post(web, page, f"{page}/tags", name="Weekend", next=page).status_code == 303
    tags = web.get("/v1/user/tags", auth=carol.auth).json()
    assert [t["name"] for t in tags] == ["Weekend"]
    tag_id = tags[0]["id"]
    assert web.get(f"/v1/user/tags/{tag_id}/shows", auth=carol.auth).json() == [{"show_id": DEMO_SHOW}]
    assert "Tag Weekend (click to remove)" in web.get(page).text
    assert post(web, page, f"{page}/tags", tag_id=str(tag_id), remove="1", next=page).status_code == 303
    assert web.get(f"/v1/user/tags/{tag_id}/shows", auth=carol.auth).json() == []
    assert post(web, page, f"{page}/tags", tag_id=str(tag_id), next=page).status_code == 303
    assert web.get(f"/v1/user/tags/{tag_id}/shows", auth=carol.auth).json() == [{"show_id": DEMO_SHOW}]


def test_history_lists_watched_episodes_newest_first_with_undo(
    web: TestClient, carol: ApiUser, demo: list[dict[str, Any]]
) -> None:
    first, second = _episodes(demo, DEMO_SHOW)[:2]
    web.put(f"/v1/user/episodes/{first['id']}", json={"type": 0, "marked_at": 1_700_000_000}, auth=carol.auth)
    web.put(f"/v1/user/episodes/{second['id']}", json={"type": 0, "marked_at": 1_700_100_000}, auth=carol.auth)
    html = web.get("/library/history").text
    assert html.index("2023-11-16") < html.index("2023-11-14")
    r = post(web, "/library/history", f"/library/episodes/{second['id']}/unmark", announce="1", next="/library/history")
    assert r.status_code == 303 and r.headers["location"] == "/library/history?undone=1"
    assert web.get(f"/v1/user/episodes/{second['id']}", auth=carol.auth).status_code == 404
    assert "2023-11-16" not in web.get(r.headers["location"]).text


def test_people_networks_and_channels_are_listed_and_removable(
    web: TestClient, carol: ApiUser, demo: list[dict[str, Any]]
) -> None:
    person = demo[0]["_embedded"]["cast"][0]["person"]
    network = demo[0]["network"]
    assert web.put(f"/v1/user/follows/people/{person['id']}", auth=carol.auth).status_code == 200
    assert web.put(f"/v1/user/follows/networks/{network['id']}", auth=carol.auth).status_code == 200
    html = web.get("/library/follows").text
    assert f"Unfollow {person['name']}" in html and f"Unfollow {network['name']}" in html
    r = post(web, "/library/follows", f"/library/follows/people/{person['id']}/unfollow", next="/library/follows")
    assert r.status_code == 303
    assert web.get(f"/v1/user/follows/people/{person['id']}", auth=carol.auth).status_code == 404
    assert web.get(f"/v1/user/follows/networks/{network['id']}", auth=carol.auth).status_code == 200


def test_calendar_shows_followed_episodes_in_the_users_time_zone(
    web: TestClient, carol: ApiUser, demo: list[dict[str, Any]]
) -> None:
    import datetime as dt

    show = current_show(demo, with_airtime=True)
    _follow(web, show["id"])
    now = dt.datetime.now(dt.UTC)
    monday = now.date() - dt.timedelta(days=now.weekday())
    upcoming = [
        e
        for e in show["_embedded"]["episodes"]
        if e["airtime"] and monday.isoformat() <= e["airdate"] <= (monday + dt.timedelta(days=12)).isoformat()
    ]
    episode = upcoming[0]
    html = web.get("/library/calendar").text
    assert f"#episode-{episode['id']}" in html
    assert f'<span class="time">{episode["airtime"]}</span>' in html
    r = post(web, "/library/settings", "/library/settings", time_zone="Asia/Kolkata")
    assert r.status_code == 303
    local = dt.datetime.fromisoformat(episode["airstamp"]).astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30)))
    html = web.get(f"/library/calendar?start={monday.isoformat()}").text
    assert f'<span class="time">{local.strftime("%H:%M")}</span>' in html
    assert "Times in Asia/Kolkata" in html
    month = web.get(f"/library/calendar?view=month&start={local.date().isoformat()}").text
    assert f"#episode-{episode['id']}" in month


def test_time_zone_must_be_a_known_zone(web: TestClient) -> None:
    r = post(web, "/library/settings", "/library/settings", time_zone="Mars/Olympus")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert "Choose a time zone from the list." in r.text


def test_writes_need_the_csrf_token(web: TestClient, carol: ApiUser) -> None:
    r = web.post(f"/library/shows/{DEMO_SHOW}/follow", data={}, follow_redirects=False)
    assert r.status_code == 403 and "Form expired" in r.text
    assert web.get(f"/v1/user/follows/shows/{DEMO_SHOW}", auth=carol.auth).status_code == 404


def test_writes_without_a_login_go_to_the_login_page(pclient: TestClient) -> None:
    r = pclient.post(f"/library/shows/{DEMO_SHOW}/follow", data={}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


@pytest.mark.parametrize(
    ("action", "fields", "status"),
    [
        (f"/library/shows/{UNKNOWN_ID}/follow", {}, 404),
        ("/library/shows/abc/follow", {}, 404),
        ("/library/shows/99999999999999999999/follow", {}, 404),
        (f"/library/shows/{DEMO_SHOW}/unfollow", {}, 404),
        (f"/library/episodes/{UNKNOWN_ID}/mark", {"type": "0"}, 404),
        ("/library/episodes/9000001/mark", {"type": "7"}, 422),
        ("/library/episodes/9000001/unmark", {}, 404),
        (f"/library/shows/{DEMO_SHOW}/vote", {"vote": "11"}, 422),
        (f"/library/shows/{DEMO_SHOW}/vote", {"vote": "²"}, 422),
        (f"/library/shows/{DEMO_SHOW}/watched", {"season": "77"}, 404),
        (f"/library/shows/{DEMO_SHOW}/watched", {"season": "x"}, 404),
        (f"/library/shows/{DEMO_SHOW}/tags", {"tag_id": "5"}, 404),
        (f"/library/shows/{DEMO_SHOW}/tags", {"tag_id": "junk"}, 404),
        ("/library/follows/planets/1/unfollow", {}, 404),
        ("/library/follows/people/1/unfollow", {}, 404),
    ],
)
def test_client_errors_are_html_pages_with_their_status(
    web: TestClient, action: str, fields: dict[str, str], status: int
) -> None:
    r = post(web, "/library", action, **fields)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>" in r.text


@pytest.mark.parametrize(
    "url", [f"/library/shows/{UNKNOWN_ID}", "/library/shows/x", "/library/episodes/1", "/library/episodes/%C2%B2"]
)
def test_unknown_objects_are_404_pages(web: TestClient, url: str) -> None:
    r = web.get(url)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "url",
    [
        "/library?filter=nope&sort=nope",
        "/library/calendar?start=garbage",
        "/library/calendar?view=month&start=9999-12-31",
        "/library/calendar?start=0001-01-01",
        "/library/history?page=0",
        "/library/history?page=99999",
        f"/library/shows/{DEMO_SHOW}?season=-3",
        "/library/search?q=" + "x" * 5000,
    ],
)
def test_odd_query_values_still_render(web: TestClient, url: str) -> None:
    assert web.get(url).status_code == 200


def test_another_users_marks_are_not_found(
    make_client: Any, carol: ApiUser, dave: ApiUser, demo: list[dict[str, Any]]
) -> None:
    first = _episodes(demo, DEMO_SHOW)[0]
    carol_client, dave_client = make_client(), make_client()
    assert login(carol_client, "carol").status_code == 303
    assert login(dave_client, "dave").status_code == 303
    assert carol_client.put(f"/v1/user/episodes/{first['id']}", json={"type": 0}, auth=carol.auth).status_code == 200
    assert carol_client.post("/v1/user/tags", json={"name": "Mine"}, auth=carol.auth).status_code == 200
    tag_id = carol_client.get("/v1/user/tags", auth=carol.auth).json()[0]["id"]
    r = post(dave_client, "/library/history", f"/library/episodes/{first['id']}/unmark")
    assert r.status_code == 404
    r = post(dave_client, "/library", f"/library/shows/{DEMO_SHOW}/tags", tag_id=str(tag_id))
    assert r.status_code == 404
    assert carol_client.get(f"/v1/user/episodes/{first['id']}", auth=carol.auth).status_code == 200
    assert "Mine" not in dave_client.get(f"/library/shows/{DEMO_SHOW}").text
    assert first["name"] not in dave_client.get("/library/history").text


def test_refreshing_after_a_write_repeats_nothing(web: TestClient, carol: ApiUser, demo: list[dict[str, Any]]) -> None:
    first = _episodes(demo, DEMO_SHOW)[0]
    page = f"/library/shows/{DEMO_SHOW}?season=1"
    r = post(web, page, f"/library/episodes/{first['id']}/mark", type="0", next=page)
    marked_at = web.get(f"/v1/user/episodes/{first['id']}", auth=carol.auth).json()["marked_at"]
    # What the browser shows (and reloads) after the POST is a GET of the page.
    assert r.status_code == 303
    assert web.get(r.headers["location"]).status_code == 200
    assert web.get(f"/v1/user/episodes/{first['id']}", auth=carol.auth).json()["marked_at"] == marked_at


def test_the_dashboard_links_the_library(web: TestClient) -> None:
    html = web.get("/account").text
    assert 'href="/library/upnext"' in html
    assert re.search(r'id="ical-url">http://testserver/ical/followed\?token=[A-Za-z0-9_-]{43}<', html)


def test_an_announcement_is_not_repeated_by_the_next_write(web: TestClient, carol: ApiUser) -> None:
    page = f"/library/shows/{DEMO_SHOW}?season=1"
    r = post(web, page, f"/library/shows/{DEMO_SHOW}/watched", season="1", next=page)
    shown = r.headers["location"]
    assert "marked=" in shown and "Marked" in web.get(shown).text
    # The forms of the announcing page send the person back without the announcement.
    r = post(web, shown, f"/library/shows/{DEMO_SHOW}/vote", vote="7", next=page)
    assert r.headers["location"] == page
    assert 'name="next" value="/library/shows/900001?season=1"' in web.get(shown).text
