"""Votes on shows and episodes: every operation, success and failure."""

from __future__ import annotations

import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import UNKNOWN_ID, ApiUser
from tests.user.conftest import Ids, catalog_object

KINDS = [("shows", "show", "show_id"), ("episodes", "episode", "episode_id")]


def _target(ids: Ids, noun: str) -> int:
    return ids.show if noun == "show" else ids.episode


@pytest.mark.parametrize(("plural", "noun", "field"), KINDS)
def test_vote_lifecycle(
    client: TestClient, alice: ApiUser, ids: Ids, demo: list[dict[str, Any]], plural: str, noun: str, field: str
) -> None:
    base = f"/v1/user/votes/{plural}"
    target = _target(ids, noun)
    assert client.get(base, auth=alice.auth).json() == []
    r = client.get(f"{base}/{target}", auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == {"name": "Not Found", "message": f"This {noun} is not voted for", "code": 0, "status": 404}

    before = int(time.time())
    r = client.put(f"{base}/{target}", json={"vote": 8, "voted_at": 5}, auth=alice.auth)
    assert r.status_code == 200
    got = r.json()
    assert set(got) == {field, "vote", "voted_at"}
    assert got[field] == target
    assert got["vote"] == 8
    assert before <= got["voted_at"] <= int(time.time()) + 1  # set by the server, never the client
    assert client.get(f"{base}/{target}", auth=alice.auth).json() == got
    assert client.get(base, auth=alice.auth).json() == [got]
    assert client.get(base, params={"embed": noun}, auth=alice.auth).json() == [
        {**got, "_embedded": {noun: catalog_object(demo, noun, target)}}
    ]

    # Voting again replaces the vote.
    r = client.put(f"{base}/{target}", data={"vote": "3"}, auth=alice.auth)  # pytvmaze's form body
    assert r.json()["vote"] == 3
    assert client.get(f"{base}/", auth=alice.auth).json() == [r.json()]

    r = client.delete(f"{base}/{target}", auth=alice.auth)
    assert r.status_code == 200
    assert client.get(base, auth=alice.auth).json() == []
    r = client.delete(f"{base}/{target}", auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == {"name": "Not Found", "message": f"This {noun} was not voted for", "code": 0, "status": 404}


@pytest.mark.parametrize(("plural", "noun", "field"), KINDS)
@pytest.mark.parametrize("vote", [0, 11, -3, 5.5, "high", "", None, True, [8], {"v": 8}])
def test_invalid_vote_is_422(
    client: TestClient, alice: ApiUser, ids: Ids, plural: str, noun: str, field: str, vote: Any
) -> None:
    base = f"/v1/user/votes/{plural}"
    r = client.put(f"{base}/{_target(ids, noun)}", json={"vote": vote}, auth=alice.auth)
    assert r.status_code == 422
    assert r.json() == {
        "name": "Unprocessable Entity",
        "message": "Invalid vote",
        "code": 0,
        "status": 422,
        "errors": {"vote": ["Vote must be an integer from 1 to 10."]},
    }
    assert client.get(base, auth=alice.auth).json() == []


@pytest.mark.parametrize(("plural", "noun", "field"), KINDS)
def test_missing_vote_and_empty_bodies_are_422(
    client: TestClient, alice: ApiUser, ids: Ids, plural: str, noun: str, field: str
) -> None:
    url = f"/v1/user/votes/{plural}/{_target(ids, noun)}"
    for kwargs in (
        {},
        {"json": {}},
        {"headers": {"Content-Type": "application/json"}, "content": b""},
        {"data": {"vote": "ten"}},
    ):
        r = client.put(url, auth=alice.auth, **kwargs)  # type: ignore[arg-type]
        assert r.status_code == 422, kwargs
        assert r.json()["message"] == "Invalid vote"


@pytest.mark.parametrize(("plural", "noun", "field"), KINDS)
@pytest.mark.parametrize("vote", [1, 10, "7", 9.0])
def test_valid_votes(
    client: TestClient, alice: ApiUser, ids: Ids, plural: str, noun: str, field: str, vote: Any
) -> None:
    r = client.put(f"/v1/user/votes/{plural}/{_target(ids, noun)}", json={"vote": vote}, auth=alice.auth)
    assert r.status_code == 200
    assert r.json()["vote"] == int(vote)


@pytest.mark.parametrize(("plural", "noun", "field"), KINDS)
def test_vote_unknown_target_is_404(client: TestClient, alice: ApiUser, plural: str, noun: str, field: str) -> None:
    base = f"/v1/user/votes/{plural}"
    for body in ({"vote": 5}, {"vote": 99}):  # 404 first: the target is looked up before the input
        r = client.put(f"{base}/{UNKNOWN_ID}", json=body, auth=alice.auth)
        assert r.status_code == 404
        assert r.json() == {"name": "Not Found", "message": f"This {noun} does not exist", "code": 0, "status": 404}
    assert client.get(base, auth=alice.auth).json() == []


@pytest.mark.parametrize("plural", ["shows", "episodes"])
def test_unknown_embed_is_400(client: TestClient, alice: ApiUser, plural: str) -> None:
    r = client.get(f"/v1/user/votes/{plural}", params={"embed": "person"}, auth=alice.auth)
    assert r.status_code == 400
    assert r.json() == {"name": "Bad Request", "message": "Invalid embed type", "code": 0, "status": 400}
