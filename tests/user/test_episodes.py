"""Marked episodes: every operation, the mark rules, and what real clients send."""

from __future__ import annotations

import time
from typing import Any

import jsonschema_rs
import pytest
from starlette.testclient import TestClient

from tests.conftest import UNKNOWN_ID, ApiUser
from tests.user.conftest import Ids, catalog_object

BASE = "/v1/user/episodes"


def test_mark_check_list_unmark(client: TestClient, alice: ApiUser, ids: Ids, demo: list[dict[str, Any]]) -> None:
    assert client.get(BASE, auth=alice.auth).json() == []
    r = client.get(f"{BASE}/{ids.episode}", auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == {"name": "Not Found", "message": "This episode is not marked", "code": 0, "status": 404}

    r = client.put(f"{BASE}/{ids.episode}", json={"type": 1, "marked_at": 1_600_000_000}, auth=alice.auth)
    assert r.status_code == 200
    assert r.json() == {"episode_id": ids.episode, "marked_at": 1_600_000_000, "type": 1}
    assert client.get(f"{BASE}/{ids.episode}", auth=alice.auth).json() == r.json()
    assert client.get(BASE, auth=alice.auth).json() == [r.json()]
    assert client.get(f"{BASE}?embed=episode", auth=alice.auth).json() == [
        {**r.json(), "_embedded": {"episode": catalog_object(demo, "episode", ids.episode)}}
    ]

    # Re-marking updates in place.
    r = client.put(f"{BASE}/{ids.episode}", json={"type": 2, "marked_at": 0}, auth=alice.auth)
    assert r.json() == {"episode_id": ids.episode, "marked_at": 0, "type": 2}
    assert client.get(BASE, auth=alice.auth).json() == [r.json()]

    r = client.delete(f"{BASE}/{ids.episode}", auth=alice.auth)
    assert r.status_code == 200
    assert client.get(BASE, auth=alice.auth).json() == []
    r = client.delete(f"{BASE}/{ids.episode}", auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == {"name": "Not Found", "message": "This episode was not marked", "code": 0, "status": 404}


def test_mark_unknown_episode_is_404(client: TestClient, alice: ApiUser) -> None:
    r = client.put(f"{BASE}/{UNKNOWN_ID}", json={"type": 0}, auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == {"name": "Not Found", "message": "This episode does not exist", "code": 0, "status": 404}
    # 404 wins over invalid input: the episode is looked up first.
    assert client.put(f"{BASE}/{UNKNOWN_ID}", json={"type": 9}, auth=alice.auth).status_code == 404
    assert client.get(BASE, auth=alice.auth).json() == []


@pytest.mark.parametrize(
    ("body", "expected_type", "expected_at"),
    [
        ({}, 0, None),
        ({"type": None, "marked_at": None}, 0, None),
        ({"type": 0}, 0, None),
        ({"type": 2, "marked_at": 0}, 2, 0),
        ({"type": "1", "marked_at": "1700000000"}, 1, 1_700_000_000),  # numeric strings (a C# client)
        ({"type": 1.0, "marked_at": 1_700_000_000.0}, 1, 1_700_000_000),
        ({"episode_id": 0, "type": 1, "marked_at": 0}, 1, 0),  # a Kodi add-on: the path wins
        ({"episode_id": 42, "type": 0, "marked_at": 5, "extra": "ignored"}, 0, 5),
    ],
)
def test_mark_body_rules(
    client: TestClient, alice: ApiUser, ids: Ids, body: dict[str, Any], expected_type: int, expected_at: int | None
) -> None:
    before = int(time.time())
    r = client.put(f"{BASE}/{ids.episode}", json=body, auth=alice.auth)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["episode_id"] == ids.episode
    assert got["type"] == expected_type
    if expected_at is None:
        assert before <= got["marked_at"] <= int(time.time()) + 1
    else:
        assert got["marked_at"] == expected_at
    assert client.get(BASE, auth=alice.auth).json() == [got]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"type": 3}, {"type"}),
        ({"type": -1}, {"type"}),
        ({"type": "watched"}, {"type"}),
        ({"type": True}, {"type"}),
        ({"type": 1.5}, {"type"}),
        ({"marked_at": -5}, {"marked_at"}),
        ({"marked_at": "yesterday"}, {"marked_at"}),
        ({"marked_at": "-1"}, {"marked_at"}),
        ({"marked_at": [1]}, {"marked_at"}),
        ({"type": 7, "marked_at": "x"}, {"type", "marked_at"}),
    ],
)
def test_invalid_mark_is_422_and_writes_nothing(
    client: TestClient, alice: ApiUser, ids: Ids, body: dict[str, Any], fields: set[str]
) -> None:
    r = client.put(f"{BASE}/{ids.episode}", json=body, auth=alice.auth)
    assert r.status_code == 422
    got = r.json()
    assert {k: got[k] for k in ("name", "message", "code", "status")} == {
        "name": "Unprocessable Entity",
        "message": "Data validation failed.",
        "code": 0,
        "status": 422,
    }
    assert set(got["errors"]) == fields
    assert all(isinstance(m, str) for msgs in got["errors"].values() for m in msgs)
    assert client.get(BASE, auth=alice.auth).json() == []


def _documented_marked_at(client: TestClient) -> Any:
    doc = client.get("/openapi.json").json()
    body = doc["paths"][f"{BASE}/{{episode_id}}"]["put"]["requestBody"]["content"]["application/json"]
    return jsonschema_rs.validator_for(body["schema"]["properties"]["marked_at"])


@pytest.mark.parametrize(
    ("marked_at", "accepted"),
    [
        (" 5 ", True),  # Yii2's integer rule: ASCII spaces around the digits
        ("+5", True),
        ("0005", True),
        ("9007199254740992", True),  # MAX_EPOCH
        ("9007199254740993", False),  # one past it: the document once allowed any digits
        (9_007_199_254_740_993, False),
        ("5 5", False),
        ("\u00b2", False),
        ("\u0665", False),  # Arabic-Indic five: a digit to str.isdigit(), not here
        ("5" * 5000, False),
    ],
)
def test_marked_at_as_documented(client: TestClient, alice: ApiUser, ids: Ids, marked_at: Any, accepted: bool) -> None:
    """The document and the server agree on a value either might have got wrong."""
    assert _documented_marked_at(client).is_valid(marked_at) is accepted
    r = client.put(f"{BASE}/{ids.episode}", json={"marked_at": marked_at}, auth=alice.auth)
    assert r.status_code == (200 if accepted else 422), r.text
    if accepted:
        assert r.json()["marked_at"] == int(str(marked_at).strip())
    else:
        assert list(r.json()["errors"]) == ["marked_at"]


def test_form_encoded_and_empty_json_bodies(client: TestClient, alice: ApiUser, ids: Ids) -> None:
    # pytvmaze: form-encoded `type=1`.
    r = client.put(f"{BASE}/{ids.episode}", data={"type": "1"}, auth=alice.auth)
    assert r.status_code == 200
    assert r.json()["type"] == 1
    r = client.put(f"{BASE}/{ids.episode2}", data={"type": "2", "marked_at": "1700000001"}, auth=alice.auth)
    assert r.json() == {"episode_id": ids.episode2, "marked_at": 1_700_000_001, "type": 2}
    # Content-Type: application/json with an empty body: defaults apply.
    r = client.put(
        f"{BASE}/{ids.other_episode}", headers={"Content-Type": "application/json"}, content=b"", auth=alice.auth
    )
    assert r.status_code == 200
    assert r.json()["type"] == 0
    # Trailing slash on the list (pytvmaze).
    assert len(client.get(f"{BASE}/", auth=alice.auth).json()) == 3


def test_bad_bodies_are_client_errors(client: TestClient, alice: ApiUser, ids: Ids) -> None:
    headers = {"Content-Type": "application/json"}
    r = client.put(f"{BASE}/{ids.episode}", headers=headers, content=b"{not json", auth=alice.auth)
    assert r.status_code == 400
    assert r.json()["message"] == "The request body is not valid JSON."
    r = client.put(f"{BASE}/{ids.episode}", json=[1, 2], auth=alice.auth)
    assert r.status_code == 422
    assert client.get(BASE, auth=alice.auth).json() == []


def test_list_filters_by_show(client: TestClient, alice: ApiUser, ids: Ids) -> None:
    for episode in (ids.episode, ids.episode2, ids.other_episode):
        client.put(f"{BASE}/{episode}", json={"type": 0, "marked_at": 10}, auth=alice.auth)
    by_show = client.get(BASE, params={"show_id": ids.show}, auth=alice.auth).json()
    assert [m["episode_id"] for m in by_show] == sorted([ids.episode, ids.episode2])
    other = client.get(f"{BASE}/?show_id={ids.show2}", auth=alice.auth).json()
    assert [m["episode_id"] for m in other] == [ids.other_episode]
    assert client.get(BASE, params={"show_id": UNKNOWN_ID}, auth=alice.auth).json() == []
    assert [m["episode_id"] for m in client.get(BASE, auth=alice.auth).json()] == sorted(
        [ids.episode, ids.episode2, ids.other_episode]
    )
    embedded = client.get(BASE, params={"show_id": ids.show2, "embed": "episode"}, auth=alice.auth).json()
    assert embedded[0]["_embedded"]["episode"]["id"] == ids.other_episode


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "2147483648"])
def test_bad_show_filter_is_422(client: TestClient, alice: ApiUser, value: str) -> None:
    r = client.get(BASE, params={"show_id": value}, auth=alice.auth)
    assert r.status_code == 422
    assert r.json()["status"] == 422
    assert "show_id" in r.json()["errors"]


def test_unknown_embed_is_400(client: TestClient, alice: ApiUser) -> None:
    r = client.get(BASE, params={"embed": "show"}, auth=alice.auth)
    assert r.status_code == 400
    assert r.json() == {"name": "Bad Request", "message": "Invalid embed type", "code": 0, "status": 400}
