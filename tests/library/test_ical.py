"""The iCal feed (`/ical/followed?token=`): parsed with the `icalendar` library, times in UTC
from `airstamp`, conditional requests, and the token's life (derived, hashed, rotatable),
from the dashboard and from `openmaze user links`."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import icalendar
import pytest
from starlette.testclient import TestClient

from tests.conftest import DEMO_SHOW, TEST_SECRET, ApiUser, run_sync
from tests.library.conftest import current_show, post

FEED_URL = re.compile(r'id="ical-url">(http://testserver(/ical/followed\?token=[A-Za-z0-9_-]+))<')


def _feed_path(web: TestClient) -> str:
    found = FEED_URL.search(web.get("/account").text)
    assert found, "the dashboard shows no feed link"
    return found.group(2)


def _events(body: bytes) -> dict[int, Any]:
    calendar = icalendar.Calendar.from_ical(body)
    events = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        episode_id = int(re.fullmatch(r"episode-(\d+)@testserver", uid).group(1))  # type: ignore[union-attr]
        events[episode_id] = event
    return events


def _follow(web: TestClient, show_id: int) -> None:
    page = f"/library/shows/{show_id}"
    assert post(web, page, f"{page}/follow", next=page).status_code == 303


def test_the_feed_holds_the_followed_episodes_of_the_window_in_utc(
    web: TestClient, carol: ApiUser, demo: list[dict[str, Any]]
) -> None:
    show = current_show(demo)
    _follow(web, show["id"])
    _follow(web, DEMO_SHOW)  # aired long ago: nothing of it is in the window
    r = web.get(_feed_path(web))
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert b"\r\n" in r.content and b"\n\n" not in r.content
    events = _events(r.content)
    today = dt.datetime.now(dt.UTC).date()
    low, high = today - dt.timedelta(days=30), today + dt.timedelta(days=90)
    expected = {e["id"]: e for e in show["_embedded"]["episodes"] if low <= dt.date.fromisoformat(e["airdate"]) <= high}
    assert expected and set(events) == set(expected)
    for episode_id, event in events.items():
        source = expected[episode_id]
        start = event.decoded("DTSTART")
        assert start == dt.datetime.fromisoformat(source["airstamp"])
        assert start.utcoffset() == dt.timedelta(0)
        assert event.decoded("DTEND") - start == dt.timedelta(minutes=source["runtime"])
        label = f"S{source['season']:02d}" + (f"E{source['number']:02d}" if source["number"] else " Special")
        assert str(event["SUMMARY"]) == f"{show['name']} \u2014 {label} {source['name']}"
        assert str(event["URL"]) == f"http://testserver/library/episodes/{episode_id}"
    # The event link leads to the episode in its show's page.
    some = next(iter(events))
    link = web.get(f"/library/episodes/{some}", follow_redirects=False)
    assert link.status_code == 303 and link.headers["location"].startswith(f"/library/shows/{show['id']}?season=")
    # Stable: the same UIDs and the same bytes on the next poll.
    again = web.get(_feed_path(web))
    assert again.content == r.content


def test_head_and_conditional_requests(web: TestClient, demo: list[dict[str, Any]]) -> None:
    _follow(web, current_show(demo)["id"])
    path = _feed_path(web)
    full = web.get(path)
    etag, modified = full.headers["etag"], full.headers["last-modified"]
    head = web.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == etag and head.headers["content-length"] == str(len(full.content))
    assert web.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert web.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert web.get(path, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}).status_code == 200
    # A new follow changes the content: a new ETag, and the old one no longer matches.
    other = [s for s in demo if s["id"] != current_show(demo)["id"]]
    from openmaze.catalog.demo import current_show_ids

    ids = current_show_ids(demo, dt.datetime.now(dt.UTC).date())
    _follow(web, next(s["id"] for s in other if s["id"] in ids))
    changed = web.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


@pytest.mark.parametrize("query", ["", "?token=", "?token=nope", "?token=" + "a" * 43, "?token=" + "x" * 5000])
def test_unknown_tokens_are_404(client: TestClient, query: str) -> None:
    r = client.get("/ical/followed" + query)
    assert r.status_code == 404
    assert client.head("/ical/followed" + query).status_code == 404


def test_rotating_retires_the_old_link_and_the_token_is_never_stored(
    web: TestClient, carol: ApiUser, database_url: str
) -> None:
    old = _feed_path(web)
    assert web.get(old).status_code == 200
    assert _feed_path(web) == old  # showing the link again does not change it
    r = post(web, "/account", "/library/ical/rotate")
    assert r.status_code == 303 and r.headers["location"] == "/account?done=ical"
    assert "The old one no longer works" in web.get(r.headers["location"]).text
    new = _feed_path(web)
    assert new != old
    assert web.get(old).status_code == 404
    assert web.get(new).status_code == 200
    token = new.rsplit("=", 1)[1]
    assert len(token) >= 22  # >= 128 bits of base64url
    rows = run_sync(database_url, lambda conn: conn.fetch_all("SELECT * FROM link_tokens"))
    assert all(token not in " ".join(map(str, tuple(row))) for row in rows)


def _cli(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "OPENMAZE_DATABASE_URL": database_url,
        "OPENMAZE_SECRET_KEY": TEST_SECRET,
        "OPENMAZE_DATA_DIR": str(tmp_path),
        "OPENMAZE_PUBLIC_URL": "https://tv.example.net/",
    }
    return subprocess.run(
        [sys.executable, "-m", "openmaze", "user", "links", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_links_is_one_json_object_idempotent_and_rotatable(
    web: TestClient, carol: ApiUser, database_url: str, tmp_path: Path
) -> None:
    first = _cli(database_url, tmp_path, "carol", "--json")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("\n") == 1
    links = json.loads(first.stdout)
    assert set(links) == {"ical", "plex", "jellyfin", "emby"}  # the webhooks: tests/hooks
    url = urlsplit(links["ical"])
    assert (url.scheme, url.netloc, url.path) == ("https", "tv.example.net", "/ical/followed")
    assert f"{url.path}?{url.query}" == _feed_path(web)  # the dashboard shows the same link
    assert json.loads(_cli(database_url, tmp_path, "carol", "--json").stdout) == links
    rotated = _cli(database_url, tmp_path, "carol", "--json", "--rotate", "ical")
    assert rotated.returncode == 0, rotated.stderr
    new = json.loads(rotated.stdout)["ical"]
    assert new != links["ical"]
    assert web.get(f"{url.path}?{url.query}").status_code == 404
    assert web.get(urlsplit(new).path + "?" + urlsplit(new).query).status_code == 200
    missing = _cli(database_url, tmp_path, "nobody", "--json")
    assert missing.returncode == 1 and missing.stdout == "" and "nobody" in missing.stderr
