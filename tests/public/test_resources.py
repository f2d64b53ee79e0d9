"""The rest of TVmaze's public catalog: seasons by id, crew, akas, images, alternate lists,
guest cast and crew, people with their credits, the people index and updates, characters,
networks and web channels. Expectations come from the demo catalog the database holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from openmaze.db.database import Conn
from tests.conftest import DEMO_SHOW, UNKNOWN_ID, run_sync
from tests.public.conftest import minimal_show
from tests.public.test_catalog import NOT_FOUND, demo_show, plain

INVALID_EMBED = {"name": "Bad Request", "message": "Invalid embed type", "code": 0, "status": 400}
ALTERNATE_SHOW = DEMO_SHOW + 1  # the demo gives every fifth show, from the second, an alternate list


def episodes_of(show: dict[str, Any]) -> list[dict[str, Any]]:
    return show["_embedded"]["episodes"]


def guested(demo: list[dict[str, Any]]) -> dict[str, Any]:
    """An episode of the demo show with guests."""
    return next(e for e in episodes_of(demo_show(demo)) if "_embedded" in e)


def with_person_first(credit: dict[str, Any]) -> dict[str, Any]:
    return {"person": credit["person"], **{k: v for k, v in credit.items() if k != "person"}}


# --- seasons --------------------------------------------------------------------------


def test_seasons_have_their_own_ids_and_answer_by_id(client: TestClient, demo: list[dict[str, Any]]) -> None:
    show = demo_show(demo)
    seasons = show["_embedded"]["seasons"]
    assert client.get(f"/shows/{DEMO_SHOW}/seasons").json() == seasons
    assert all(isinstance(s["id"], int) for s in seasons)
    season = seasons[0]
    assert client.get(f"/seasons/{season['id']}").json() == season
    in_season = [plain(e) for e in episodes_of(show) if e["season"] == season["number"]]
    in_season.sort(key=lambda e: (e["airstamp"], e["number"] or 0, e["id"]))
    # Specials included, in airing order.
    assert client.get(f"/seasons/{season['id']}/episodes").json() == in_season
    body = client.get(f"/seasons/{season['id']}?embed=episodes").json()
    assert body == {**season, "_embedded": {"episodes": in_season}}
    assert client.get(f"/seasons/{season['id']}?embed[]=episodes").json() == body
    for path in (f"/seasons/{UNKNOWN_ID}", f"/seasons/{UNKNOWN_ID}/episodes", "/seasons/abc", "/seasons/0"):
        r = client.get(path)
        assert (r.status_code, r.json()) == (404, NOT_FOUND), path
    assert client.get(f"/seasons/{season['id']}?embed=show").json() == INVALID_EMBED


def test_seasons_of_a_show_without_any_are_derived_without_ids(
    client: TestClient, add_shows: Callable[..., None]
) -> None:
    episode = {"id": 77001, "season": 1, "number": 1, "airdate": "2020-01-01", "name": "Pilot"}
    add_shows([minimal_show(77, "Unseasoned", _embedded={"episodes": [episode]})])
    seasons = client.get("/shows/77/seasons").json()
    assert [(s["id"], s["number"], s["episodeOrder"]) for s in seasons] == [(None, 1, 1)]


def test_a_source_season_without_an_id_is_derived_again(client: TestClient, add_shows: Callable[..., None]) -> None:
    """Another openmaze's derived season (id null) imports: this catalog derives it too."""
    episode = {"id": 78001, "season": 2, "number": 1, "airdate": "2021-01-01", "name": "Pilot"}
    derived = {"id": None, "number": 2, "name": "", "episodeOrder": 1, "_links": {}}
    add_shows([minimal_show(78, "Derived", _embedded={"episodes": [episode], "seasons": [derived]})])
    assert [s["number"] for s in client.get("/shows/78/seasons").json()] == [2]


# --- crew, akas, images -----------------------------------------------------------------


def test_crew_akas_images_as_lists_and_as_embeds(client: TestClient, demo: list[dict[str, Any]]) -> None:
    show = demo_show(demo, ALTERNATE_SHOW)
    crew = show["_embedded"]["crew"]
    assert crew and list(crew[0]) == ["type", "person"]
    assert client.get(f"/shows/{ALTERNATE_SHOW}/crew").json() == crew
    assert client.get(f"/shows/{ALTERNATE_SHOW}/akas").json() == show["_embedded"]["akas"]
    images = client.get(f"/shows/{ALTERNATE_SHOW}/images").json()
    assert images == show["_embedded"]["images"]
    assert images[0]["resolutions"]["original"]["url"].startswith("https://openmaze.invalid/images/")
    body = client.get(f"/shows/{ALTERNATE_SHOW}?embed=crew,akas,images,seasons").json()
    assert list(body["_embedded"]) == ["crew", "akas", "images", "seasons"]
    assert body["_embedded"]["crew"] == crew
    assert body["_embedded"]["seasons"] == show["_embedded"]["seasons"]
    # A show the source gave none of these: empty lists, not 404s.
    first = demo_show(demo)
    assert first["_embedded"]["akas"] == []
    assert client.get(f"/shows/{DEMO_SHOW}/akas").json() == []
    for part in ("crew", "akas", "images", "alternatelists"):
        r = client.get(f"/shows/{UNKNOWN_ID}/{part}")
        assert (r.status_code, r.json()) == (404, NOT_FOUND), part


def test_a_show_imported_without_lists_has_empty_ones(client: TestClient, add_shows: Callable[..., None]) -> None:
    add_shows([minimal_show(79, "Bare")])
    for part in ("crew", "akas", "images", "alternatelists", "cast", "seasons"):
        assert client.get(f"/shows/79/{part}").json() == [], part
    assert client.get("/shows/79?embed=akas,images,crew").json()["_embedded"] == {"akas": [], "images": [], "crew": []}


# --- alternate lists ----------------------------------------------------------------------


def test_alternate_lists_and_their_episodes(client: TestClient, demo: list[dict[str, Any]]) -> None:
    show = demo_show(demo, ALTERNATE_SHOW)
    (alternate,) = show["_embedded"]["alternatelists"]
    listed = plain(alternate)
    items = alternate["_embedded"]["alternateepisodes"]
    assert client.get(f"/shows/{ALTERNATE_SHOW}/alternatelists").json() == [listed]
    assert client.get(f"/alternatelists/{alternate['id']}").json() == listed
    assert client.get(f"/alternatelists/{alternate['id']}?embed=alternateepisodes").json() == alternate
    assert client.get(f"/alternatelists/{alternate['id']}/alternateepisodes").json() == items
    by_id = {e["id"]: plain(e) for e in episodes_of(show)}
    with_episodes = client.get(f"/alternatelists/{alternate['id']}/alternateepisodes?embed=episodes").json()
    for item, served in zip(items, with_episodes, strict=True):
        episode_id = int(item["_links"]["episodes"][0]["href"].rsplit("/", 1)[1])
        assert served == {**item, "_embedded": {"episodes": [by_id[episode_id]]}}
    assert client.get(f"/shows/{DEMO_SHOW}/alternatelists").json() == []
    for path in (f"/alternatelists/{UNKNOWN_ID}", f"/alternatelists/{UNKNOWN_ID}/alternateepisodes"):
        assert client.get(path).json() == NOT_FOUND
    assert client.get(f"/alternatelists/{alternate['id']}?embed=episodes").json() == INVALID_EMBED
    assert client.get(f"/alternatelists/{alternate['id']}/alternateepisodes?embed=show").json() == INVALID_EMBED


# --- episodes: guests -------------------------------------------------------------------


def test_guest_cast_and_crew(client: TestClient, demo: list[dict[str, Any]]) -> None:
    episode = guested(demo)
    guests = episode["_embedded"]
    cast = [with_person_first(c) for c in guests["guestcast"]]
    assert list(cast[0]) == ["person", "character", "self", "voice"]
    assert client.get(f"/episodes/{episode['id']}/guestcast").json() == cast
    crew = guests["guestcrew"]
    assert list(crew[0]) == ["guestCrewType", "person"]
    assert client.get(f"/episodes/{episode['id']}/guestcrew").json() == crew
    body = client.get(f"/episodes/{episode['id']}?embed[]=guestcast&embed[]=guestcrew&embed[]=show").json()
    assert list(body["_embedded"]) == ["guestcast", "guestcrew", "show"]
    assert body["_embedded"]["guestcast"] == cast and body["_embedded"]["guestcrew"] == crew
    # An episode without guests: empty lists.
    quiet = next(e for e in episodes_of(demo_show(demo)) if "_embedded" not in e)
    assert client.get(f"/episodes/{quiet['id']}/guestcast").json() == []
    assert client.get(f"/episodes/{quiet['id']}?embed=guestcrew").json()["_embedded"] == {"guestcrew": []}
    for path in (f"/episodes/{UNKNOWN_ID}/guestcast", f"/episodes/{UNKNOWN_ID}/guestcrew"):
        assert client.get(path).json() == NOT_FOUND


# --- people -----------------------------------------------------------------------------


def _credits_of(demo: list[dict[str, Any]], person_id: int) -> dict[str, list[Any]]:
    cast, crew, guest = [], [], []
    for show in sorted(demo, key=lambda s: s["id"]):
        cast += [(show, c) for c in show["_embedded"]["cast"] if c["person"]["id"] == person_id]
        crew += [(show, c) for c in show["_embedded"]["crew"] if c["person"]["id"] == person_id]
    episodes = sorted((e for s in demo for e in episodes_of(s)), key=lambda e: e["id"])
    for e in episodes:
        guest += [(e, c) for c in e.get("_embedded", {}).get("guestcast", []) if c["person"]["id"] == person_id]
    return {"castcredits": cast, "crewcredits": crew, "guestcastcredits": guest}


def _link(obj: dict[str, Any]) -> dict[str, Any]:
    return {"href": obj["_links"]["self"]["href"], "name": obj["name"]}


def test_person_credits_with_their_embeds(client: TestClient, demo: list[dict[str, Any]]) -> None:
    credits = {}
    person_id = 0
    for person_id in range(900_001, 900_121):  # one with every kind of credit
        credits = _credits_of(demo, person_id)
        if all(credits.values()):
            break
    assert all(credits.values())
    cast = client.get(f"/people/{person_id}/castcredits").json()
    assert cast == [
        {"self": c["self"], "voice": c["voice"], "_links": {"show": _link(s), "character": _link(c["character"])}}
        for s, c in credits["castcredits"]
    ]
    embedded = client.get(f"/people/{person_id}/castcredits?embed=show,character").json()
    assert [c["_embedded"]["show"]["id"] for c in embedded] == [s["id"] for s, _ in credits["castcredits"]]
    assert [c["_embedded"]["character"] for c in embedded] == [c["character"] for _, c in credits["castcredits"]]
    crew = client.get(f"/people/{person_id}/crewcredits?embed=show").json()
    assert [(c["type"], c["_links"]["show"], c["_embedded"]["show"]["id"]) for c in crew] == [
        (c["type"], _link(s), s["id"]) for s, c in credits["crewcredits"]
    ]
    guest = client.get(f"/people/{person_id}/guestcastcredits?embed[]=episode").json()
    assert [(c["_links"]["episode"], c["_embedded"]["episode"]) for c in guest] == [
        (_link(e), plain(e)) for e, _ in credits["guestcastcredits"]
    ]
    person = client.get(f"/people/{person_id}?embed=castcredits,crewcredits,guestcastcredits").json()
    assert person["_embedded"] == {
        "castcredits": cast,
        "crewcredits": [{k: v for k, v in c.items() if k != "_embedded"} for c in crew],
        "guestcastcredits": [{k: v for k, v in c.items() if k != "_embedded"} for c in guest],
    }
    assert "_embedded" not in client.get(f"/people/{person_id}").json()
    assert client.get(f"/people/{person_id}/castcredits?embed=episode").json() == INVALID_EMBED
    assert client.get(f"/people/{person_id}/crewcredits?embed=character").json() == INVALID_EMBED
    assert client.get(f"/people/{person_id}?embed=cast").json() == INVALID_EMBED
    for part in ("", "/castcredits", "/crewcredits", "/guestcastcredits"):
        assert client.get(f"/people/{UNKNOWN_ID}{part}").json() == NOT_FOUND, part


def test_people_index_pages_by_id_and_updates(client: TestClient, database_url: str) -> None:
    page = 900_001 // 250
    people = client.get(f"/people?page={page}").json()
    assert [p["id"] for p in people] == list(range(900_001, 900_121))
    assert client.get("/people").json() == []  # inside the id range, nobody there: empty
    r = client.get(f"/people?page={page + 1}")
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    assert client.get("/people?page=-1").status_code == 422

    updates = client.get("/updates/people").json()
    assert updates[str(900_001)] == people[0]["updated"] and len(updates) == 120
    assert client.get("/updates/people?since=day").json() == {}

    async def touch(conn: Conn) -> None:
        await conn.execute("UPDATE people SET updated = :now WHERE id = 900002", {"now": 2**31})

    run_sync(database_url, touch)
    assert client.get("/updates/people?since=week").json() == {"900002": 2**31}
    assert client.get("/updates/people?since=year").status_code == 422


def test_characters_networks_webchannels(client: TestClient, demo: list[dict[str, Any]]) -> None:
    show = demo_show(demo)
    character = show["_embedded"]["cast"][0]["character"]
    assert client.get(f"/characters/{character['id']}").json() == character
    guest = guested(demo)["_embedded"]["guestcast"][0]["character"]
    assert client.get(f"/characters/{guest['id']}").json() == guest
    network = show["network"] or show["webChannel"]
    kind = "networks" if show["network"] else "webchannels"
    assert client.get(f"/{kind}/{network['id']}").json() == network
    web = next(s["webChannel"] for s in demo if s["webChannel"])
    assert client.get(f"/webchannels/{web['id']}").json() == web
    for kind in ("characters", "networks", "webchannels"):
        r = client.get(f"/{kind}/{UNKNOWN_ID}")
        assert (r.status_code, r.json()) == (404, NOT_FOUND), kind


def test_new_endpoints_cache_like_the_others(client: TestClient, demo: list[dict[str, Any]]) -> None:
    season = demo_show(demo)["_embedded"]["seasons"][0]["id"]
    for path in (f"/seasons/{season}", f"/shows/{DEMO_SHOW}/crew", "/people/900001/castcredits", "/networks/9001"):
        r = client.get(path)
        assert r.headers["cache-control"].startswith("public, max-age=")
        assert r.headers["access-control-allow-origin"] == "*"
        again = client.get(path, headers={"If-None-Match": r.headers["etag"]})
        assert (again.status_code, again.content) == (304, b""), path
