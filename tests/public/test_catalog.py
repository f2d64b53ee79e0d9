"""The public catalog endpoints: hits, misses and TVmaze's status conventions."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.db.database import Conn
from tests.conftest import DEMO_SHOW, UNKNOWN_ID, run_sync
from tests.public.conftest import minimal_show

NOT_FOUND = {"name": "Not Found", "message": "Page not found.", "code": 0, "status": 404}


def demo_show(demo: list[dict[str, Any]], show_id: int = DEMO_SHOW) -> dict[str, Any]:
    return next(s for s in demo if s["id"] == show_id)


def core(show: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in show.items() if k not in ("_embedded", "_links")}


def plain(obj: dict[str, Any]) -> dict[str, Any]:
    """A source object as stored and served: its own embeds (an episode's guests) apart."""
    return {k: v for k, v in obj.items() if k != "_embedded"}


def regular(show: dict[str, Any]) -> list[dict[str, Any]]:
    episodes = [plain(e) for e in show["_embedded"]["episodes"] if e["number"] is not None]
    return sorted(episodes, key=lambda e: (e["season"], e["number"], e["id"]))


def aired_split(show: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    episodes = sorted((plain(e) for e in show["_embedded"]["episodes"]), key=lambda e: (e["airstamp"], e["id"]))
    aired = [e for e in episodes if e["airstamp"] <= now]
    coming = [e for e in episodes if e["airstamp"] > now]
    return (aired[-1] if aired else None, coming[0] if coming else None)


# --- /shows/{id} ----------------------------------------------------------------------


def test_show_hit_is_the_stored_object_with_previous_episode_link(
    client: TestClient, demo: list[dict[str, Any]]
) -> None:
    show = demo_show(demo)
    r = client.get(f"/shows/{DEMO_SHOW}")
    assert r.status_code == 200
    body = r.json()
    assert core(body) == core(show)
    assert "_embedded" not in body
    previous, upcoming = aired_split(show)
    assert previous is not None
    links = body["_links"]
    assert links["self"] == show["_links"]["self"]
    assert links["previousepisode"] == {
        "href": f"https://openmaze.invalid/episodes/{previous['id']}",
        "name": previous["name"],
    }
    assert ("nextepisode" in links) == (upcoming is not None)


def test_show_embeds_as_single_value_and_as_list(client: TestClient, demo: list[dict[str, Any]]) -> None:
    show = demo_show(demo)
    body = client.get(f"/shows/{DEMO_SHOW}?embed=episodes").json()
    assert list(body["_embedded"]) == ["episodes"]
    assert body["_embedded"]["episodes"] == regular(show)  # no specials, as on TVmaze

    body = client.get(f"/shows/{DEMO_SHOW}?embed[]=cast&embed[]=previousepisode&embed[]=nextepisode").json()
    cast = body["_embedded"]["cast"]
    assert [c["person"]["id"] for c in cast] == [c["person"]["id"] for c in show["_embedded"]["cast"]]
    assert cast[0] == show["_embedded"]["cast"][0]
    assert list(cast[0]) == ["person", "character", "self", "voice"]
    previous, upcoming = aired_split(show)
    assert previous is not None
    assert body["_embedded"]["previousepisode"] == previous
    assert body["_embedded"].get("nextepisode") == upcoming


def test_show_next_episode_link_and_embed_for_an_upcoming_episode(
    client: TestClient, database_url: str, demo: list[dict[str, Any]]
) -> None:
    show = demo_show(demo)
    last = max(show["_embedded"]["episodes"], key=lambda e: e["airstamp"])

    async def reschedule(conn: Conn) -> None:
        await conn.execute(
            "UPDATE episodes SET airstamp = '2999-01-01T20:00:00+00:00' WHERE id = :id", {"id": last["id"]}
        )

    run_sync(database_url, reschedule)
    body = client.get(f"/shows/{DEMO_SHOW}?embed=nextepisode").json()
    assert body["_links"]["nextepisode"] == {
        "href": f"https://openmaze.invalid/episodes/{last['id']}",
        "name": last["name"],
    }
    assert body["_embedded"]["nextepisode"]["id"] == last["id"]


def test_show_without_episodes_keeps_the_sources_links(client: TestClient, add_shows: Callable[..., None]) -> None:
    links = {
        "self": {"href": "https://api.tvmaze.com/shows/77"},
        "previousepisode": {"href": "https://api.tvmaze.com/episodes/5", "name": "Pilot"},
    }
    add_shows([minimal_show(77, "Linked", _links=links)])
    body = client.get("/shows/77?embed=previousepisode").json()
    assert body["_links"] == links
    assert "_embedded" not in body  # the linked episode is not held here


def test_show_misses_and_bad_input(client: TestClient) -> None:
    for path in (f"/shows/{UNKNOWN_ID}", "/shows/abc", "/shows/99999999999", "/shows/-1"):
        r = client.get(path)
        assert (r.status_code, r.json()) == (404, NOT_FOUND), path
    r = client.get(f"/shows/{DEMO_SHOW}?embed=crewmembers")
    assert r.status_code == 400
    assert r.json() == {"name": "Bad Request", "message": "Invalid embed type", "code": 0, "status": 400}
    assert client.get(f"/shows/{DEMO_SHOW}?embed[]=cast&embed[]=nope").status_code == 400


def test_no_authentication_needed_and_cors(client: TestClient) -> None:
    r = client.get(f"/shows/{DEMO_SHOW}", headers={"Authorization": "Basic bm9ib2R5Om5vcGU="})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"


# --- episodes, seasons, cast ----------------------------------------------------------


def test_show_episodes_with_and_without_specials(client: TestClient, demo: list[dict[str, Any]]) -> None:
    show = demo_show(demo)
    assert client.get(f"/shows/{DEMO_SHOW}/episodes").json() == regular(show)
    with_specials = client.get(f"/shows/{DEMO_SHOW}/episodes?specials=1").json()
    assert sorted(e["id"] for e in with_specials) == sorted(e["id"] for e in show["_embedded"]["episodes"])
    assert any(e["number"] is None for e in with_specials)
    # Each season in airing order, specials where they aired.
    keys = [(e["season"], e["airstamp"]) for e in with_specials]
    assert keys == sorted(keys)
    assert client.get(f"/shows/{UNKNOWN_ID}/episodes").json() == NOT_FOUND


def test_show_without_episodes_has_an_empty_list(client: TestClient, add_shows: Callable[..., None]) -> None:
    add_shows([minimal_show(78, "Nothing Aired")])
    assert client.get("/shows/78/episodes").json() == []
    assert client.get("/shows/78/seasons").json() == []
    assert client.get("/shows/78/cast").json() == []


def test_episode_by_number(client: TestClient, demo: list[dict[str, Any]]) -> None:
    episode = regular(demo_show(demo))[3]
    r = client.get(f"/shows/{DEMO_SHOW}/episodebynumber?season={episode['season']}&number={episode['number']}")
    assert (r.status_code, r.json()) == (200, episode)
    assert client.get(f"/shows/{DEMO_SHOW}/episodebynumber?season=99&number=1").json() == NOT_FOUND
    assert client.get(f"/shows/{UNKNOWN_ID}/episodebynumber?season=1&number=1").status_code == 404
    r = client.get(f"/shows/{DEMO_SHOW}/episodebynumber?season=1")
    assert r.status_code == 422
    assert r.json()["name"] == "Unprocessable Entity" and "number" in r.json()["errors"]
    assert client.get(f"/shows/{DEMO_SHOW}/episodebynumber?season=x&number=1").status_code == 422


def test_episodes_by_date(client: TestClient, demo: list[dict[str, Any]]) -> None:
    show = demo_show(demo)  # has two episodes on one day
    by_day: dict[str, list[int]] = {}
    for e in show["_embedded"]["episodes"]:
        by_day.setdefault(e["airdate"], []).append(e["id"])
    day, ids = next((d, i) for d, i in by_day.items() if len(i) == 2)
    r = client.get(f"/shows/{DEMO_SHOW}/episodesbydate?date={day}")
    assert r.status_code == 200
    assert sorted(e["id"] for e in r.json()) == sorted(ids)
    assert client.get(f"/shows/{DEMO_SHOW}/episodesbydate?date=1900-01-01").json() == NOT_FOUND
    assert client.get(f"/shows/{UNKNOWN_ID}/episodesbydate?date={day}").status_code == 404
    r = client.get(f"/shows/{DEMO_SHOW}/episodesbydate?date=yesterday")
    assert r.status_code == 422 and "date" in r.json()["errors"]


def test_seasons_derived_from_episodes(client: TestClient, demo: list[dict[str, Any]]) -> None:
    show = demo_show(demo)
    seasons = client.get(f"/shows/{DEMO_SHOW}/seasons").json()
    numbers = sorted({e["season"] for e in show["_embedded"]["episodes"]})
    assert [s["number"] for s in seasons] == numbers
    first = [e for e in show["_embedded"]["episodes"] if e["season"] == 1]
    assert seasons[0]["episodeOrder"] == sum(1 for e in first if e["number"] is not None)
    assert seasons[0]["premiereDate"] == min(e["airdate"] for e in first)
    assert seasons[0]["endDate"] == max(e["airdate"] for e in first)
    assert seasons[0]["network"] == show["network"]
    assert client.get(f"/shows/{UNKNOWN_ID}/seasons").json() == NOT_FOUND


def test_seasons_as_the_source_gave_them(client: TestClient, add_shows: Callable[..., None]) -> None:
    seasons = [
        {"id": 902, "url": "u2", "number": 2, "name": "Two", "episodeOrder": 8, "_links": {}},
        {"id": 901, "url": "u1", "number": 1, "name": "One", "episodeOrder": 10, "_links": {}},
    ]
    add_shows([minimal_show(79, "Seasoned", _embedded={"seasons": seasons})])
    assert client.get("/shows/79/seasons").json() == [seasons[1], seasons[0]]
    assert client.get("/shows/79?embed=seasons").json()["_embedded"]["seasons"] == [seasons[1], seasons[0]]


def test_cast(client: TestClient, demo: list[dict[str, Any]]) -> None:
    show = demo_show(demo)
    assert client.get(f"/shows/{DEMO_SHOW}/cast").json() == show["_embedded"]["cast"]
    assert client.get(f"/shows/{UNKNOWN_ID}/cast").json() == NOT_FOUND


# --- index, episodes, people, updates -------------------------------------------------


def test_show_index_pages_by_id(client: TestClient, demo: list[dict[str, Any]], add_shows: Callable[..., None]) -> None:
    add_shows([minimal_show(5, "Early"), minimal_show(249, "End Of Page Zero"), minimal_show(250, "Page One")])
    assert [s["id"] for s in client.get("/shows").json()] == [5, 249]
    assert [s["id"] for s in client.get("/shows?page=0").json()] == [5, 249]
    assert [s["id"] for s in client.get("/shows?page=1").json()] == [250]
    # A page inside the id range with no shows is empty, not missing.
    assert client.get("/shows?page=2").json() == []
    page = client.get(f"/shows?page={DEMO_SHOW // 250}").json()
    assert [s["id"] for s in page] == [s["id"] for s in demo if s["id"] // 250 == DEMO_SHOW // 250]
    assert "_embedded" not in page[0]
    last = max(s["id"] for s in demo) // 250
    r = client.get(f"/shows?page={last + 1}")
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    assert client.get("/shows?page=-1").status_code == 422


def test_episode(client: TestClient, demo: list[dict[str, Any]]) -> None:
    show = demo_show(demo)
    episode = plain(show["_embedded"]["episodes"][0])
    assert client.get(f"/episodes/{episode['id']}").json() == episode
    body = client.get(f"/episodes/{episode['id']}?embed=show").json()
    assert {k: v for k, v in body.items() if k != "_embedded"} == episode
    assert body["_embedded"]["show"] == {k: v for k, v in show.items() if k != "_embedded"}
    assert client.get(f"/episodes/{episode['id']}?embed[]=show").json() == body
    assert client.get(f"/episodes/{UNKNOWN_ID}").json() == NOT_FOUND
    assert client.get(f"/episodes/{episode['id']}?embed=guests").status_code == 400


def test_person(client: TestClient, demo: list[dict[str, Any]]) -> None:
    person = demo_show(demo)["_embedded"]["cast"][0]["person"]
    assert client.get(f"/people/{person['id']}").json() == person
    assert client.get(f"/people/{UNKNOWN_ID}").json() == NOT_FOUND


def test_updates(client: TestClient, database_url: str, demo: list[dict[str, Any]]) -> None:
    everything = client.get("/updates/shows").json()
    assert everything == {str(s["id"]): s["updated"] for s in demo}
    assert list(everything) == [str(s["id"]) for s in sorted(demo, key=lambda s: s["id"])]
    assert client.get("/updates/shows?since=day").json() == {}
    now = int(time.time())

    async def touch(conn: Conn) -> None:
        await conn.execute("UPDATE shows SET updated = :t WHERE id = :id", {"t": now - 3 * 86_400, "id": DEMO_SHOW})

    run_sync(database_url, touch)
    assert client.get("/updates/shows?since=day").json() == {}
    assert client.get("/updates/shows?since=week").json() == {str(DEMO_SHOW): now - 3 * 86_400}
    assert client.get("/updates/shows?since=month").json() == {str(DEMO_SHOW): now - 3 * 86_400}
    r = client.get("/updates/shows?since=year")
    assert r.status_code == 422 and "since" in r.json()["errors"]


# --- lookup ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["thetvdb=800000", "imdb=tt9100000", "imdb=9100000", "imdb=TT9100000", "tvrage=50001"],
)
def test_lookup_hit_redirects_to_the_show(client: TestClient, query: str) -> None:
    r = client.get(f"/lookup/shows?{query}", follow_redirects=False)
    assert r.status_code == 301
    expected = DEMO_SHOW + (1 if query.startswith("tvrage") else 0)
    assert r.headers["location"] == f"http://testserver/shows/{expected}"
    assert client.get(f"/lookup/shows?{query}").json()["id"] == expected  # a client that follows


@pytest.mark.parametrize(
    "query",
    [
        "thetvdb=1",
        "imdb=tt0000001",
        "tvrage=1",
        "thetvdb=abc",
        "imdb=nope",
        # Digits to str.isdigit(), but not to int(): these were 500s.
        "thetvdb=%C2%B2",
        "tvrage=%C2%B2",
        "imdb=tt%C2%B2",
        "thetvdb=" + "9" * 5000,
        f"tvrage={2**31}",
    ],
)
def test_lookup_miss_is_404_with_null(client: TestClient, query: str) -> None:
    r = client.get(f"/lookup/shows?{query}", follow_redirects=False)
    assert r.status_code == 404
    assert r.content == b"null"
    assert r.headers["content-type"] == "application/json"


def test_lookup_without_an_id_is_an_error(client: TestClient) -> None:
    r = client.get("/lookup/shows")
    assert r.status_code == 400
    assert r.json()["name"] == "Bad Request"


# --- HTTP conventions -----------------------------------------------------------------


def test_etag_and_conditional_get(client: TestClient) -> None:
    r = client.get(f"/shows/{DEMO_SHOW}/episodes")
    etag = r.headers["etag"]
    assert r.headers["cache-control"] == "public, max-age=300"
    again = client.get(f"/shows/{DEMO_SHOW}/episodes", headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == etag
    for header in (f'"other", {etag}', f"W/{etag}", "*"):
        assert client.get(f"/shows/{DEMO_SHOW}/episodes", headers={"If-None-Match": header}).status_code == 304
    stale = client.get(f"/shows/{DEMO_SHOW}/episodes", headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.headers["etag"] == etag
    assert client.get(f"/shows/{DEMO_SHOW}/cast").headers["etag"] != etag


def test_doubled_slashes_and_trailing_slash(client: TestClient) -> None:
    r = client.get("http://testserver//singlesearch/shows?q=the%20iron%20canyon")
    assert (r.status_code, r.json()["id"]) == (200, 900011)
    assert client.get(f"http://testserver//shows//{DEMO_SHOW}/").json()["id"] == DEMO_SHOW
    r = client.get("http://testserver//lookup/shows?thetvdb=800000", follow_redirects=False)
    assert r.status_code == 301


def test_public_rate_limit_per_address(settings: Any) -> None:
    from openmaze.app import create_app

    limited = create_app(settings.model_copy(update={"rate_limit_public": "3/minute"}))
    with TestClient(limited) as c:
        for _ in range(3):
            assert c.get(f"/shows/{DEMO_SHOW}").status_code == 200
        r = c.get("/search/shows?q=x")
        assert r.status_code == 429
        assert r.json()["status"] == 429 and r.json()["name"] == "Too Many Requests"
        assert int(r.headers["retry-after"]) >= 1


def test_no_rate_limit_by_default(client: TestClient) -> None:
    assert all(client.get(f"/people/{UNKNOWN_ID}").status_code == 404 for _ in range(50))


def test_openapi_documents_the_public_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/shows/{show_id}",
        "/shows/{show_id}/episodes",
        "/shows/{show_id}/episodebynumber",
        "/shows/{show_id}/episodesbydate",
        "/shows/{show_id}/seasons",
        "/shows/{show_id}/cast",
        "/shows",
        "/episodes/{episode_id}",
        "/people/{person_id}",
        "/search/shows",
        "/singlesearch/shows",
        "/lookup/shows",
        "/search/people",
        "/updates/shows",
    ):
        assert "get" in paths[path], path
    params = {p["name"] for p in paths["/shows/{show_id}"]["get"]["parameters"]}
    assert {"embed", "embed[]"} <= params
