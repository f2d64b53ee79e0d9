"""Who may do what, over every /v1/user operation:
- a two-user isolation matrix: Bob can neither see nor change Alice's objects (404, with the
  same body as for an object that does not exist), and nothing of Alice's changes;
- premium 0 gets 403 and bad credentials 401, both with the TVmaze error body.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.db.tables import USER_DATA_TABLES
from tests.conftest import UNKNOWN_ID, ApiUser, run_sync
from tests.user.conftest import BODIES, OPERATIONS, Ids


def _request(client: TestClient, user: ApiUser | None, method: str, template: str, ids: Ids, tag_id: int) -> Any:
    body = BODIES.get((method, template))
    auth = user.auth if user else None
    return client.request(method, ids.path(template, tag_id), json=body, auth=auth)  # type: ignore[arg-type]


def _give_alice_everything(client: TestClient, alice: ApiUser, ids: Ids) -> int:
    for kind, target in (
        ("shows", ids.show),
        ("people", ids.person),
        ("networks", ids.network),
        ("webchannels", ids.webchannel),
    ):
        assert client.put(f"/v1/user/follows/{kind}/{target}", auth=alice.auth).status_code == 200
    assert (
        client.put(f"/v1/user/episodes/{ids.episode}", json={"type": 0, "marked_at": 1}, auth=alice.auth).status_code
        == 200
    )
    assert client.put(f"/v1/user/votes/shows/{ids.show}", json={"vote": 9}, auth=alice.auth).status_code == 200
    assert client.put(f"/v1/user/votes/episodes/{ids.episode}", json={"vote": 9}, auth=alice.auth).status_code == 200
    tag_id = int(client.post("/v1/user/tags", json={"name": "Alice's"}, auth=alice.auth).json()["id"])
    assert client.put(f"/v1/user/tags/{tag_id}/shows/{ids.show}", auth=alice.auth).status_code == 200
    return tag_id


def _rows_of(database_url: str, user_id: int) -> dict[str, list[tuple[Any, ...]]]:
    async def snapshot(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
        out = {}
        for table in USER_DATA_TABLES:
            rows = await conn.fetch_all(f"SELECT * FROM {table} WHERE user_id = :u", {"u": user_id})
            out[table] = sorted(tuple(row) for row in rows)
        return out

    result: dict[str, list[tuple[Any, ...]]] = run_sync(database_url, snapshot)
    return result


def _alice_sees(client: TestClient, alice: ApiUser, tag_id: int) -> list[Any]:
    urls = [
        *(f"/v1/user/follows/{k}" for k in ("shows", "people", "networks", "webchannels")),
        "/v1/user/episodes",
        "/v1/user/votes/shows",
        "/v1/user/votes/episodes",
        "/v1/user/tags",
        f"/v1/user/tags/{tag_id}/shows",
    ]
    return [client.get(url, auth=alice.auth).json() for url in urls]


@pytest.mark.parametrize(("method", "template"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_bob_cannot_see_or_change_alices_objects(
    client: TestClient, alice: ApiUser, bob: ApiUser, ids: Ids, database_url: str, method: str, template: str
) -> None:
    tag_id = _give_alice_everything(client, alice, ids)
    rows_before = _rows_of(database_url, alice.id)
    seen_before = _alice_sees(client, alice, tag_id)
    assert all(seen_before)  # Alice has something in every list

    r = _request(client, bob, method, template, ids, tag_id)
    item_route = "{" in template
    if "{tag_id}" in template:
        # Alice's tag id is, to Bob, exactly like a tag that does not exist.
        assert r.status_code == 404
        unknown = _request(client, bob, method, template, ids, UNKNOWN_ID)
        assert r.json() == unknown.json()
    elif method == "GET" and not item_route:
        assert r.status_code == 200
        assert r.json() == []  # Bob's own lists are empty
    elif method in ("GET", "DELETE"):
        assert r.status_code == 404  # Bob has not followed/marked/voted this
        assert r.json()["status"] == 404
    else:
        # PUT on a catalog id / POST a tag: Bob writes his own object, never Alice's.
        assert r.status_code == 200

    assert _rows_of(database_url, alice.id) == rows_before
    assert _alice_sees(client, alice, tag_id) == seen_before


def test_bob_sees_only_his_own_after_writing(client: TestClient, alice: ApiUser, bob: ApiUser, ids: Ids) -> None:
    _give_alice_everything(client, alice, ids)
    client.put(f"/v1/user/follows/shows/{ids.show2}", auth=bob.auth)
    client.put(f"/v1/user/episodes/{ids.other_episode}", auth=bob.auth)
    bob_tag = client.post("/v1/user/tags", json={"name": "Alice's"}, auth=bob.auth).json()  # same name: per user
    assert client.get("/v1/user/follows/shows", auth=bob.auth).json() == [{"show_id": ids.show2}]
    assert [m["episode_id"] for m in client.get("/v1/user/episodes", auth=bob.auth).json()] == [ids.other_episode]
    assert client.get("/v1/user/tags", auth=bob.auth).json() == [bob_tag]
    assert client.get("/v1/user/follows/shows", auth=alice.auth).json() == [{"show_id": ids.show}]


@pytest.mark.parametrize(("method", "template"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_premium_zero_is_403(
    client: TestClient, free_user: ApiUser, ids: Ids, database_url: str, method: str, template: str
) -> None:
    r = _request(client, free_user, method, template, ids, 1)
    assert r.status_code == 403
    assert r.json() == {
        "name": "Forbidden",
        "message": "This feature requires a premium subscription",
        "code": 0,
        "status": 403,
    }
    assert _rows_of(database_url, free_user.id) == {t: [] for t in USER_DATA_TABLES}


@pytest.mark.parametrize(("method", "template"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_bad_credentials_are_401(client: TestClient, alice: ApiUser, ids: Ids, method: str, template: str) -> None:
    url = ids.path(template, 1)
    for auth in (None, (alice.username, "omk_wrong"), ("nobody", alice.key)):
        r = client.request(method, url, auth=auth)  # type: ignore[arg-type]
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == 'Basic realm="TVmaze"'
        assert r.json() == {"name": "Unauthorized", "message": "Invalid username or API key", "code": 0, "status": 401}
