"""POST /v1/scrobble/episodes and PUT /v1/scrobble/episodes/{id}."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from tests.conftest import UNKNOWN_ID, ApiUser
from tests.scrobble.conftest import Episode, marks_of

INVALID = "Data validation failed."


def test_all_items_marked_is_200_with_results_in_input_order(
    client: TestClient, alice: ApiUser, episodes: list[Episode], database_url: str
) -> None:
    a, b, c = episodes[5], episodes[0], episodes[40]
    body = [
        {"episode_id": a.id, "type": 0, "marked_at": 1_600_000_000},
        {"episode_id": b.id, "type": 1, "marked_at": 0},
        {"episode_id": c.id, "type": 2, "marked_at": 1_700_000_000},
    ]
    r = client.post("/v1/scrobble/episodes", json=body, auth=alice.auth)
    assert r.status_code == 200
    assert r.json() == [
        {"code": 200, "result": {"episode_id": a.id, "marked_at": 1_600_000_000, "type": 0}},
        {"code": 200, "result": {"episode_id": b.id, "marked_at": 0, "type": 1}},
        {"code": 200, "result": {"episode_id": c.id, "marked_at": 1_700_000_000, "type": 2}},
    ]
    assert marks_of(database_url, alice.id) == {
        a.id: (a.show_id, 0, 1_600_000_000),
        b.id: (b.show_id, 1, 0),
        c.id: (c.show_id, 2, 1_700_000_000),
    }


def test_some_failed_is_207_and_only_good_items_are_written(
    client: TestClient, alice: ApiUser, episodes: list[Episode], database_url: str
) -> None:
    good = episodes[3]
    body = [
        {"episode_id": UNKNOWN_ID, "type": 0},
        {"episode_id": good.id, "type": 1, "marked_at": 1_650_000_000},
        {"episode_id": good.id + 1, "type": 7},
        {"episode_id": "abc"},
        {"type": 0},
        42,
        {"episode_id": episodes[4].id, "marked_at": -5},
        {"episode_id": 0},
        {"episode_id": 2**40},
    ]
    r = client.post("/v1/scrobble/episodes", json=body, auth=alice.auth)
    assert r.status_code == 207
    results = r.json()
    assert len(results) == len(body)
    assert results[0] == {
        "code": 404,
        "message": "This episode does not exist",
        "errors": {"episode_id": ["No episode has this ID."]},
        "input": body[0],
    }
    assert results[1] == {"code": 200, "result": {"episode_id": good.id, "marked_at": 1_650_000_000, "type": 1}}
    assert results[2]["code"] == 422
    assert results[2]["message"] == INVALID
    assert set(results[2]["errors"]) == {"type"}
    assert results[2]["input"] == body[2]
    assert results[3]["code"] == 422 and set(results[3]["errors"]) == {"episode_id"}
    assert results[4]["code"] == 422 and results[4]["errors"] == {"episode_id": ["Episode ID is required."]}
    assert results[5] == {
        "code": 422,
        "message": INVALID,
        "errors": {"item": ["Each item must be a JSON object."]},
        "input": 42,
    }
    assert results[6]["code"] == 422 and set(results[6]["errors"]) == {"marked_at"}
    # Ids no episode can have are plain "not found", never a database error.
    assert results[7]["code"] == 404 and results[8]["code"] == 404
    assert marks_of(database_url, alice.id) == {good.id: (good.show_id, 1, 1_650_000_000)}


def test_none_succeeded_is_422_bulk_response(client: TestClient, alice: ApiUser, database_url: str) -> None:
    body = [{"episode_id": UNKNOWN_ID}, {"episode_id": 1, "type": "x"}]
    r = client.post("/v1/scrobble/episodes", json=body, auth=alice.auth)
    assert r.status_code == 422
    results = r.json()
    assert [x["code"] for x in results] == [404, 422]
    assert [x["input"] for x in results] == body
    assert marks_of(database_url, alice.id) == {}


def test_empty_array_is_200_empty_list(client: TestClient, alice: ApiUser) -> None:
    r = client.post("/v1/scrobble/episodes", json=[], auth=alice.auth)
    assert r.status_code == 200
    assert r.json() == []


def test_body_that_is_not_an_array_is_plain_422(client: TestClient, alice: ApiUser) -> None:
    for content in (b'{"episode_id": 1}', b"17", b"", b"not json", b'"text"'):
        r = client.post(
            "/v1/scrobble/episodes", content=content, headers={"Content-Type": "application/json"}, auth=alice.auth
        )
        assert r.status_code == 422, content
        body = r.json()
        assert body["name"] == "Unprocessable Entity"
        assert body["code"] == 0 and body["status"] == 422
        assert body["message"] == INVALID
        assert list(body["errors"]) == ["body"]


def test_defaults_and_unknown_keys(
    client: TestClient, alice: ApiUser, episodes: list[Episode], database_url: str
) -> None:
    before = int(time.time())
    body = [
        {"episode_id": episodes[0].id, "show": "whatever", "file": "/media/x.mkv", "playcount": 3},
        {"episode_id": episodes[1].id, "type": None, "marked_at": None},
        {"episode_id": str(episodes[2].id), "type": "1", "marked_at": "1700000000"},
    ]
    r = client.post("/v1/scrobble/episodes", json=body, auth=alice.auth)
    after = int(time.time())
    assert r.status_code == 200
    first, second, third = (x["result"] for x in r.json())
    assert first["type"] == 0 and before <= first["marked_at"] <= after
    assert second["type"] == 0 and before <= second["marked_at"] <= after
    assert third == {"episode_id": episodes[2].id, "marked_at": 1_700_000_000, "type": 1}
    assert set(marks_of(database_url, alice.id)) == {episodes[0].id, episodes[1].id, episodes[2].id}


def test_rescrobbling_updates_in_place(
    client: TestClient, alice: ApiUser, episodes: list[Episode], database_url: str
) -> None:
    ep = episodes[10]
    client.post("/v1/scrobble/episodes", json=[{"episode_id": ep.id, "type": 1, "marked_at": 100}], auth=alice.auth)
    r = client.post("/v1/scrobble/episodes", json=[{"episode_id": ep.id, "type": 0, "marked_at": 200}], auth=alice.auth)
    assert r.status_code == 200
    assert marks_of(database_url, alice.id) == {ep.id: (ep.show_id, 0, 200)}


def test_same_episode_twice_gives_two_results_and_last_wins(
    client: TestClient, alice: ApiUser, episodes: list[Episode], database_url: str
) -> None:
    ep, other = episodes[7], episodes[8]
    body = [
        {"episode_id": ep.id, "type": 1, "marked_at": 100},
        {"episode_id": other.id, "type": 0, "marked_at": 150},
        {"episode_id": ep.id, "type": 2, "marked_at": 300},
    ]
    r = client.post("/v1/scrobble/episodes", json=body, auth=alice.auth)
    assert r.status_code == 200
    assert r.json() == [
        {"code": 200, "result": {"episode_id": ep.id, "marked_at": 100, "type": 1}},
        {"code": 200, "result": {"episode_id": other.id, "marked_at": 150, "type": 0}},
        {"code": 200, "result": {"episode_id": ep.id, "marked_at": 300, "type": 2}},
    ]
    assert marks_of(database_url, alice.id) == {ep.id: (ep.show_id, 2, 300), other.id: (other.show_id, 0, 150)}


def test_free_user_can_scrobble(
    client: TestClient, free_user: ApiUser, episodes: list[Episode], database_url: str
) -> None:
    ep = episodes[2]
    r = client.post("/v1/scrobble/episodes", json=[{"episode_id": ep.id}], auth=free_user.auth)
    assert r.status_code == 200
    r = client.put(f"/v1/scrobble/episodes/{episodes[3].id}", json={"type": 1}, auth=free_user.auth)
    assert r.status_code == 200
    assert set(marks_of(database_url, free_user.id)) == {ep.id, episodes[3].id}


def test_marks_belong_to_the_caller_only(
    client: TestClient, alice: ApiUser, bob: ApiUser, episodes: list[Episode], database_url: str
) -> None:
    ep = episodes[0]
    client.post("/v1/scrobble/episodes", json=[{"episode_id": ep.id, "type": 1, "marked_at": 5}], auth=bob.auth)
    client.post("/v1/scrobble/episodes", json=[{"episode_id": ep.id, "type": 0, "marked_at": 9}], auth=alice.auth)
    assert marks_of(database_url, bob.id) == {ep.id: (ep.show_id, 1, 5)}
    assert marks_of(database_url, alice.id) == {ep.id: (ep.show_id, 0, 9)}


def test_without_credentials_is_401(client: TestClient, alice: ApiUser, episodes: list[Episode]) -> None:
    for r in (
        client.post("/v1/scrobble/episodes", json=[{"episode_id": episodes[0].id}]),
        client.post("/v1/scrobble/episodes", json=[], auth=(alice.username, "wrong")),
        client.put(f"/v1/scrobble/episodes/{episodes[0].id}", json={}),
    ):
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == 'Basic realm="TVmaze"'
        assert r.json()["message"] == "Invalid username or API key"


# --- PUT /v1/scrobble/episodes/{id} ---------------------------------------------------


def test_put_json_body(client: TestClient, alice: ApiUser, episodes: list[Episode], database_url: str) -> None:
    ep = episodes[12]
    r = client.put(f"/v1/scrobble/episodes/{ep.id}", json={"type": 1, "marked_at": 1_700_000_000}, auth=alice.auth)
    assert r.status_code == 200
    assert r.json() == {"episode_id": ep.id, "marked_at": 1_700_000_000, "type": 1}
    assert marks_of(database_url, alice.id) == {ep.id: (ep.show_id, 1, 1_700_000_000)}


def test_put_path_id_wins_over_body(client: TestClient, alice: ApiUser, episodes: list[Episode]) -> None:
    ep = episodes[13]
    r = client.put(f"/v1/scrobble/episodes/{ep.id}", json={"episode_id": 0, "type": 2, "marked_at": 0}, auth=alice.auth)
    assert r.status_code == 200
    assert r.json() == {"episode_id": ep.id, "marked_at": 0, "type": 2}


def test_put_form_encoded_and_empty_bodies(client: TestClient, alice: ApiUser, episodes: list[Episode]) -> None:
    ep = episodes[14]
    r = client.put(f"/v1/scrobble/episodes/{ep.id}", data={"type": "1", "marked_at": "12345"}, auth=alice.auth)
    assert r.status_code == 200
    assert r.json() == {"episode_id": ep.id, "marked_at": 12345, "type": 1}
    before = int(time.time())
    r = client.put(
        f"/v1/scrobble/episodes/{ep.id}", content=b"", headers={"Content-Type": "application/json"}, auth=alice.auth
    )
    assert r.status_code == 200
    assert r.json()["type"] == 0 and r.json()["marked_at"] >= before
    r = client.put(f"/v1/scrobble/episodes/{ep.id}", auth=alice.auth)
    assert r.status_code == 200


def test_put_unknown_episode_is_404(client: TestClient, alice: ApiUser, database_url: str) -> None:
    r = client.put(f"/v1/scrobble/episodes/{UNKNOWN_ID}", json={"type": 0}, auth=alice.auth)
    assert r.json() == {"name": "Not Found", "message": "This episode does not exist", "code": 0, "status": 404}
    # Ids that cannot exist are refused before the route runs (openmaze.core.fields.PathId).
    for path in ("/v1/scrobble/episodes/0", f"/v1/scrobble/episodes/{2**40}"):
        r = client.put(path, json={"type": 0}, auth=alice.auth)
        assert r.json() == {"name": "Not Found", "message": "Page not found.", "code": 0, "status": 404}, path
    assert client.put("/v1/scrobble/episodes/abc", json={}, auth=alice.auth).status_code == 404
    assert marks_of(database_url, alice.id) == {}


def test_put_invalid_fields_is_422(
    client: TestClient, alice: ApiUser, episodes: list[Episode], database_url: str
) -> None:
    r = client.put(f"/v1/scrobble/episodes/{episodes[0].id}", json={"type": 3, "marked_at": "soon"}, auth=alice.auth)
    assert r.status_code == 422
    body = r.json()
    assert body["message"] == INVALID and body["status"] == 422
    assert set(body["errors"]) == {"type", "marked_at"}
    r = client.put(f"/v1/scrobble/episodes/{episodes[0].id}", content=b"[1]", auth=alice.auth)
    assert r.status_code == 422
    assert marks_of(database_url, alice.id) == {}


def test_item_field_types(client: TestClient, alice: ApiUser, episodes: list[Episode]) -> None:
    ep = episodes[30].id
    body = [
        {"episode_id": ep, "type": True},
        {"episode_id": True},
        {"episode_id": ep, "marked_at": False},
        {"episode_id": float(ep), "type": 1.0, "marked_at": 5.0},
        {"episode_id": ep, "marked_at": 2**53 + 1},
        {"episode_id": ep, "type": [0]},
    ]
    r = client.post("/v1/scrobble/episodes", json=body, auth=alice.auth)
    assert r.status_code == 207
    results = r.json()
    assert [x["code"] for x in results] == [422, 422, 422, 200, 422, 422]
    assert results[3]["result"] == {"episode_id": ep, "marked_at": 5, "type": 1}
