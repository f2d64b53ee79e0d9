"""POST /v1/scrobble/shows and GET /v1/scrobble/shows/{show_id}."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import DEMO_SHOW, DEMO_SHOW_2, UNKNOWN_ID, ApiUser
from tests.scrobble.conftest import Episode, marks_of


def _show(demo: list[dict[str, Any]], show_id: int) -> dict[str, Any]:
    return next(s for s in demo if s["id"] == show_id)


@pytest.mark.parametrize(
    "query",
    [
        f"tvmaze_id={DEMO_SHOW}",
        "thetvdb_id={thetvdb}",
        "imdb_id={imdb}",
        "imdb_id={imdb_int}",
        "imdb_id={imdb_upper}",
    ],
)
def test_each_selector_finds_the_show(
    client: TestClient,
    alice: ApiUser,
    demo: list[dict[str, Any]],
    show_episodes: list[Episode],
    database_url: str,
    query: str,
) -> None:
    externals = _show(demo, DEMO_SHOW)["externals"]
    imdb = externals["imdb"]
    query = query.format(thetvdb=externals["thetvdb"], imdb=imdb, imdb_int=int(imdb[2:]), imdb_upper=imdb.upper())
    ep = show_episodes[3]
    r = client.post(
        f"/v1/scrobble/shows?{query}",
        json=[{"season": ep.season, "episode": ep.number, "type": 1, "marked_at": 1_700_000_000}],
        auth=alice.auth,
    )
    assert r.status_code == 200, r.text
    assert r.json() == [{"code": 200, "result": {"episode_id": ep.id, "marked_at": 1_700_000_000, "type": 1}}]
    assert marks_of(database_url, alice.id) == {ep.id: (DEMO_SHOW, 1, 1_700_000_000)}


def test_imdb_integer_form_is_zero_padded(client: TestClient, alice: ApiUser, database_url: str) -> None:
    async def give_show_a_short_imdb_id(conn: Any) -> None:
        await conn.execute("UPDATE shows SET imdb_id = 'tt0944947' WHERE id = :id", {"id": DEMO_SHOW_2})

    from tests.conftest import run_sync

    run_sync(database_url, give_show_a_short_imdb_id)
    for value in ("944947", "tt0944947", "0944947"):
        r = client.post(f"/v1/scrobble/shows?imdb_id={value}", json=[{"season": 1, "episode": 1}], auth=alice.auth)
        assert r.status_code == 200, (value, r.text)
    assert {show for show, _, _ in marks_of(database_url, alice.id).values()} == {DEMO_SHOW_2}


@pytest.mark.parametrize(
    "query",
    ["", f"tvmaze_id={DEMO_SHOW}&thetvdb_id=800000", f"tvmaze_id={DEMO_SHOW}&imdb_id=tt9100000", "tvmaze_id="],
)
def test_missing_or_several_selectors_is_422_naming_the_parameters(
    client: TestClient, alice: ApiUser, query: str
) -> None:
    r = client.post(f"/v1/scrobble/shows?{query}", json=[{"season": 1, "episode": 1}], auth=alice.auth)
    assert r.status_code == 422
    body = r.json()
    assert body["status"] == 422 and body["code"] == 0 and body["name"] == "Unprocessable Entity"
    for name in ("tvmaze_id", "thetvdb_id", "imdb_id"):
        assert name in body["message"]
    assert "show" in body["errors"]


@pytest.mark.parametrize(
    ("query", "field"), [("tvmaze_id=abc", "tvmaze_id"), ("thetvdb_id=1.5", "thetvdb_id"), ("imdb_id=nm123", "imdb_id")]
)
def test_malformed_selector_is_422(client: TestClient, alice: ApiUser, query: str, field: str) -> None:
    r = client.post(f"/v1/scrobble/shows?{query}", json=[], auth=alice.auth)
    assert r.status_code == 422
    assert list(r.json()["errors"]) == [field]


@pytest.mark.parametrize(
    "query", [f"tvmaze_id={UNKNOWN_ID}", "thetvdb_id=1", "imdb_id=tt0000001", f"tvmaze_id={2**40}", "tvmaze_id=-3"]
)
def test_unknown_show_is_404_for_the_request(client: TestClient, alice: ApiUser, database_url: str, query: str) -> None:
    r = client.post(f"/v1/scrobble/shows?{query}", json=[{"season": 1, "episode": 1}], auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == {"name": "Not Found", "message": "This show does not exist", "code": 0, "status": 404}
    assert marks_of(database_url, alice.id) == {}


def test_mixed_items_give_207_in_input_order(
    client: TestClient, alice: ApiUser, show_episodes: list[Episode], database_url: str
) -> None:
    e1, e2 = show_episodes[0], show_episodes[5]
    body: list[Any] = [
        {"season": e1.season, "episode": e1.number, "type": 0, "marked_at": 10},
        {"season": 99, "episode": 1},
        {"airdate": "1900-01-01"},
        {"season": 1},
        {"episode": 2},
        {},
        {"airdate": "2020-02-30"},
        {"airdate": "yesterday"},
        {"season": "one", "episode": 1},
        {"airdate": e2.airdate, "type": 1, "marked_at": "20"},
        {"season": e1.season, "episode": e1.number, "type": 9},
        [1, 2],
    ]
    r = client.post(f"/v1/scrobble/shows?tvmaze_id={DEMO_SHOW}", json=body, auth=alice.auth)
    assert r.status_code == 207
    results = r.json()
    assert [x["code"] for x in results] == [200, 404, 404, 422, 422, 422, 422, 422, 422, 200, 422, 422]
    assert results[0]["result"] == {"episode_id": e1.id, "marked_at": 10, "type": 0}
    assert results[1] == {
        "code": 404,
        "message": "This episode does not exist",
        "errors": {"episode": ["This show has no episode 1 in season 99."]},
        "input": {"season": 99, "episode": 1},
    }
    assert list(results[2]["errors"]) == ["airdate"]
    assert list(results[3]["errors"]) == ["episode"]
    assert list(results[4]["errors"]) == ["season"]
    assert list(results[5]["errors"]) == ["episode"]
    assert list(results[6]["errors"]) == ["airdate"]
    assert list(results[8]["errors"]) == ["season"]
    assert results[9]["result"] == {"episode_id": e2.id, "marked_at": 20, "type": 1}
    assert list(results[10]["errors"]) == ["type"]
    assert [x.get("input") for x in results[1:9]] == body[1:9]
    assert marks_of(database_url, alice.id) == {e1.id: (DEMO_SHOW, 0, 10), e2.id: (DEMO_SHOW, 1, 20)}


def test_all_items_failing_is_422(client: TestClient, alice: ApiUser, database_url: str) -> None:
    r = client.post(
        f"/v1/scrobble/shows?tvmaze_id={DEMO_SHOW}", json=[{"season": 99, "episode": 99}, {}], auth=alice.auth
    )
    assert r.status_code == 422
    assert [x["code"] for x in r.json()] == [404, 422]
    assert marks_of(database_url, alice.id) == {}


def test_airdate_matching_several_episodes_marks_all(
    client: TestClient, alice: ApiUser, twin_airdate: tuple[str, list[int]], database_url: str
) -> None:
    date, ids = twin_airdate
    r = client.post(
        f"/v1/scrobble/shows?tvmaze_id={DEMO_SHOW}",
        json=[{"airdate": date, "type": 1, "marked_at": 77}],
        auth=alice.auth,
    )
    assert r.status_code == 200
    assert r.json() == [{"code": 200, "result": {"episode_id": ids[0], "marked_at": 77, "type": 1}}]
    assert marks_of(database_url, alice.id) == {i: (DEMO_SHOW, 1, 77) for i in ids}


def test_season_and_episode_win_over_airdate(
    client: TestClient, alice: ApiUser, show_episodes: list[Episode], database_url: str
) -> None:
    ep, other = show_episodes[2], show_episodes[8]
    r = client.post(
        f"/v1/scrobble/shows?tvmaze_id={DEMO_SHOW}",
        json=[{"season": ep.season, "episode": ep.number, "airdate": other.airdate}],
        auth=alice.auth,
    )
    assert r.status_code == 200
    assert set(marks_of(database_url, alice.id)) == {ep.id}


def test_duplicates_in_a_show_bulk_last_wins(
    client: TestClient, alice: ApiUser, show_episodes: list[Episode], database_url: str
) -> None:
    ep = show_episodes[1]
    body = [
        {"season": ep.season, "episode": ep.number, "type": 1, "marked_at": 1},
        {"airdate": ep.airdate, "type": 2, "marked_at": 2},
        {"season": ep.season, "episode": ep.number, "type": 0, "marked_at": 3},
    ]
    r = client.post(f"/v1/scrobble/shows?tvmaze_id={DEMO_SHOW}", json=body, auth=alice.auth)
    assert r.status_code == 200
    assert [x["code"] for x in r.json()] == [200, 200, 200]
    assert marks_of(database_url, alice.id)[ep.id] == (DEMO_SHOW, 0, 3)


def test_show_bulk_body_not_an_array_and_empty(client: TestClient, alice: ApiUser) -> None:
    r = client.post(f"/v1/scrobble/shows?tvmaze_id={DEMO_SHOW}", json={"season": 1, "episode": 1}, auth=alice.auth)
    assert r.status_code == 422 and list(r.json()["errors"]) == ["body"]
    r = client.post(f"/v1/scrobble/shows?tvmaze_id={DEMO_SHOW}", json=[], auth=alice.auth)
    assert r.status_code == 200 and r.json() == []


# --- GET /v1/scrobble/shows/{show_id} ------------------------------------------------------


@pytest.fixture
def marked(client: TestClient, alice: ApiUser, show_episodes: list[Episode]) -> list[Episode]:
    """Alice: episode 0 watched, 1 acquired, 2 skipped, 3 watched (DEMO_SHOW)."""
    eps = show_episodes[:4]
    body = [
        {"episode_id": e.id, "type": t, "marked_at": 1000 + i}
        for i, (e, t) in enumerate(zip(eps, [0, 1, 2, 0], strict=True))
    ]
    assert client.post("/v1/scrobble/episodes", json=body, auth=alice.auth).status_code == 200
    return eps


def test_list_marks_for_show(client: TestClient, alice: ApiUser, marked: list[Episode]) -> None:
    r = client.get(f"/v1/scrobble/shows/{DEMO_SHOW}", auth=alice.auth)
    assert r.status_code == 200
    assert r.json() == [
        {"episode_id": e.id, "marked_at": 1000 + i, "type": t}
        for i, (e, t) in enumerate(zip(marked, [0, 1, 2, 0], strict=True))
    ]
    assert all("_embedded" not in m for m in r.json())


def test_list_with_type_filter(client: TestClient, alice: ApiUser, marked: list[Episode]) -> None:
    for mark_type, expected in ((0, [marked[0], marked[3]]), (1, [marked[1]]), (2, [marked[2]])):
        r = client.get(f"/v1/scrobble/shows/{DEMO_SHOW}?type={mark_type}", auth=alice.auth)
        assert r.status_code == 200
        assert [m["episode_id"] for m in r.json()] == [e.id for e in expected]
        assert {m["type"] for m in r.json()} == {mark_type}
    r = client.get(f"/v1/scrobble/shows/{DEMO_SHOW}?type=5", auth=alice.auth)
    assert r.status_code == 422 and list(r.json()["errors"]) == ["type"]
    assert len(client.get(f"/v1/scrobble/shows/{DEMO_SHOW}?type=", auth=alice.auth).json()) == 4


def test_list_with_embedded_episode(
    client: TestClient, alice: ApiUser, marked: list[Episode], demo: list[dict[str, Any]]
) -> None:
    # The demo's episodes carry their guests under `_embedded`, as an import source would;
    # an embedded episode is the plain object.
    episodes = _show(demo, DEMO_SHOW)["_embedded"]["episodes"]
    by_id = {e["id"]: {k: v for k, v in e.items() if k != "_embedded"} for e in episodes}
    for query in ("embed=episode", "embed[]=episode"):
        r = client.get(f"/v1/scrobble/shows/{DEMO_SHOW}?{query}", auth=alice.auth)
        assert r.status_code == 200
        for m in r.json():
            assert m["_embedded"]["episode"] == by_id[m["episode_id"]]


def test_list_unknown_embed_is_400(client: TestClient, alice: ApiUser) -> None:
    r = client.get(f"/v1/scrobble/shows/{DEMO_SHOW}?embed=show", auth=alice.auth)
    assert r.status_code == 400
    assert r.json() == {"name": "Bad Request", "message": "Invalid embed type", "code": 0, "status": 400}


def test_list_is_per_user_and_empty_for_unmarked_show(
    client: TestClient, alice: ApiUser, bob: ApiUser, free_user: ApiUser, marked: list[Episode]
) -> None:
    assert client.get(f"/v1/scrobble/shows/{DEMO_SHOW}", auth=bob.auth).json() == []
    r = client.get(f"/v1/scrobble/shows/{DEMO_SHOW_2}", auth=free_user.auth)
    assert r.status_code == 200 and r.json() == []


def test_list_unknown_show_is_404(client: TestClient, alice: ApiUser) -> None:
    r = client.get(f"/v1/scrobble/shows/{UNKNOWN_ID}", auth=alice.auth)
    assert (r.status_code, r.json()["message"]) == (404, "This show does not exist")
    for show in (0, 2**40):  # cannot exist: refused before the route runs (openmaze.core.fields.PathId)
        r = client.get(f"/v1/scrobble/shows/{show}", auth=alice.auth)
        assert (r.status_code, r.json()["message"]) == (404, "Page not found.")
    assert client.get("/v1/scrobble/shows/abc", auth=alice.auth).status_code == 404


def test_free_user_scrobbles_by_show(
    client: TestClient, free_user: ApiUser, show_episodes: list[Episode], database_url: str
) -> None:
    ep = show_episodes[0]
    r = client.post(
        f"/v1/scrobble/shows?tvmaze_id={DEMO_SHOW}",
        json=[{"season": ep.season, "episode": ep.number}],
        auth=free_user.auth,
    )
    assert r.status_code == 200
    r = client.get(f"/v1/scrobble/shows/{DEMO_SHOW}?embed=episode&type=0", auth=free_user.auth)
    assert [m["episode_id"] for m in r.json()] == [ep.id]
