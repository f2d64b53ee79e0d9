"""Follows of shows, people, networks and web channels: every operation, success and failure."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import UNKNOWN_ID, ApiUser
from tests.user.conftest import Ids, catalog_object

KINDS = [
    ("shows", "show", "show_id", "show"),
    ("people", "person", "person_id", "person"),
    ("networks", "network", "network_id", "network"),
    ("webchannels", "webchannel", "webchannel_id", "webchannel"),
]


def _target(ids: Ids, noun: str) -> int:
    return int(getattr(ids, noun))


def _error(status: int, message: str) -> dict[str, Any]:
    names = {400: "Bad Request", 404: "Not Found"}
    return {"name": names[status], "message": message, "code": 0, "status": status}


@pytest.mark.parametrize(("plural", "noun", "field", "embed"), KINDS)
def test_follow_lifecycle(
    client: TestClient,
    alice: ApiUser,
    ids: Ids,
    demo: list[dict[str, Any]],
    plural: str,
    noun: str,
    field: str,
    embed: str,
) -> None:
    base = f"/v1/user/follows/{plural}"
    target = _target(ids, noun)

    assert client.get(base, auth=alice.auth).json() == []
    r = client.get(f"{base}/{target}", auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == _error(404, f"This {noun} is not followed")

    r = client.put(f"{base}/{target}", auth=alice.auth)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {field: target}
    # Following twice is idempotent: still one entry.
    assert client.put(f"{base}/{target}", auth=alice.auth).json() == {field: target}

    assert client.get(f"{base}/{target}", auth=alice.auth).json() == {field: target}
    listed = client.get(base, auth=alice.auth).json()
    assert listed == [{field: target}]  # no `_embedded` unless asked for

    embedded = client.get(base, params={"embed": embed}, auth=alice.auth).json()
    assert embedded == [{field: target, "_embedded": {embed: catalog_object(demo, noun, target)}}]

    r = client.delete(f"{base}/{target}", auth=alice.auth)
    assert r.status_code == 200
    assert client.get(base, auth=alice.auth).json() == []

    r = client.delete(f"{base}/{target}", auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == _error(404, f"This {noun} was not followed")


@pytest.mark.parametrize(("plural", "noun", "field", "embed"), KINDS)
def test_follow_unknown_target_is_404_and_writes_nothing(
    client: TestClient, alice: ApiUser, plural: str, noun: str, field: str, embed: str
) -> None:
    base = f"/v1/user/follows/{plural}"
    r = client.put(f"{base}/{UNKNOWN_ID}", auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == _error(404, f"This {noun} does not exist")
    assert client.get(base, auth=alice.auth).json() == []


@pytest.mark.parametrize(("plural", "noun", "field", "embed"), KINDS)
def test_unknown_embed_is_400(
    client: TestClient, alice: ApiUser, plural: str, noun: str, field: str, embed: str
) -> None:
    for value in ("episodes", "shows", "cast", embed.upper(), "", f"{embed},{embed}"):
        r = client.get(f"/v1/user/follows/{plural}", params={"embed": value}, auth=alice.auth)
        assert r.status_code == 400
        assert r.json() == _error(400, "Invalid embed type")


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "2147483648", "99999999999999999999", "1.5"])
def test_malformed_or_out_of_range_ids_are_404(client: TestClient, alice: ApiUser, bad: str) -> None:
    for method in ("GET", "PUT", "DELETE"):
        r = client.request(method, f"/v1/user/follows/shows/{bad}", auth=alice.auth)
        assert r.status_code == 404, (method, bad)
        assert r.json()["status"] == 404


def test_list_is_ordered_by_id_and_embeds_each(client: TestClient, alice: ApiUser, demo: list[dict[str, Any]]) -> None:
    show_ids = [s["id"] for s in demo[:5]]
    for show_id in reversed(show_ids):
        assert client.put(f"/v1/user/follows/shows/{show_id}", auth=alice.auth).status_code == 200
    listed = client.get("/v1/user/follows/shows?embed=show", auth=alice.auth).json()
    assert [item["show_id"] for item in listed] == sorted(show_ids)
    assert [item["_embedded"]["show"]["id"] for item in listed] == sorted(show_ids)


def test_real_client_shapes(client: TestClient, alice: ApiUser, ids: Ids) -> None:
    # pytvmaze: list URL with a trailing slash.
    client.put(f"/v1/user/follows/shows/{ids.show}", auth=alice.auth)
    r = client.get("/v1/user/follows/shows/", auth=alice.auth)
    assert r.status_code == 200
    assert r.json() == [{"show_id": ids.show}]
    # A Kodi add-on: PUT/DELETE/GET with Content-Type: application/json and an empty body.
    json_empty = {"Content-Type": "application/json"}
    r = client.put(f"/v1/user/follows/shows/{ids.show2}", headers=json_empty, content=b"", auth=alice.auth)
    assert r.status_code == 200
    assert r.json() == {"show_id": ids.show2}
    r = client.request("GET", "/v1/user/follows/shows", headers=json_empty, content=b"", auth=alice.auth)
    assert r.json() == [{"show_id": ids.show}, {"show_id": ids.show2}]
    r = client.request(
        "DELETE", f"/v1/user/follows/shows/{ids.show2}", headers=json_empty, content=b"", auth=alice.auth
    )
    assert r.status_code == 200
    # A follow PUT that carries a body anyway (JSON or form) still just follows.
    r = client.put(f"/v1/user/follows/people/{ids.person}", json={"person_id": 1}, auth=alice.auth)
    assert r.json() == {"person_id": ids.person}
    r = client.put(f"/v1/user/follows/networks/{ids.network}", data={"x": "1"}, auth=alice.auth)
    assert r.json() == {"network_id": ids.network}
