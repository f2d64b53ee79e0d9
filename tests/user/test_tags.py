"""Tags and tagged shows: every operation, success and failure."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import UNKNOWN_ID, ApiUser
from tests.user.conftest import Ids, catalog_object

BASE = "/v1/user/tags"
NOT_FOUND_TAG = {"name": "Not Found", "message": "This tag does not exist", "code": 0, "status": 404}


def _create(client: TestClient, user: ApiUser, name: str) -> dict[str, Any]:
    r = client.post(BASE, json={"name": name}, auth=user.auth)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _invalid(message: str) -> dict[str, Any]:
    return {
        "name": "Unprocessable Entity",
        "message": "Data validation failed.",
        "code": 0,
        "status": 422,
        "errors": {"name": [message]},
    }


def test_create_list_rename_delete(client: TestClient, alice: ApiUser) -> None:
    assert client.get(BASE, auth=alice.auth).json() == []
    drama = _create(client, alice, "  Drama  ")
    assert drama == {"id": drama["id"], "name": "Drama"}  # trimmed
    r = client.post(BASE, data={"name": "Weekend"}, auth=alice.auth)  # form-encoded works too
    weekend = r.json()
    assert client.get(BASE, auth=alice.auth).json() == [drama, weekend]
    assert client.get(f"{BASE}/", auth=alice.auth).json() == [drama, weekend]

    r = client.patch(f"{BASE}/{drama['id']}", json={"name": " Crime "}, auth=alice.auth)
    assert r.status_code == 200
    assert r.json() == {"id": drama["id"], "name": "Crime"}
    # Renaming to its own name is fine; PATCH without a name changes nothing.
    assert client.patch(f"{BASE}/{drama['id']}", json={"name": "Crime"}, auth=alice.auth).json()["name"] == "Crime"
    assert client.patch(f"{BASE}/{drama['id']}", json={}, auth=alice.auth).json() == {
        "id": drama["id"],
        "name": "Crime",
    }

    r = client.delete(f"{BASE}/{drama['id']}", auth=alice.auth)
    assert r.status_code == 200
    assert client.get(BASE, auth=alice.auth).json() == [weekend]
    r = client.delete(f"{BASE}/{drama['id']}", auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == NOT_FOUND_TAG
    r = client.patch(f"{BASE}/{drama['id']}", json={"name": "x"}, auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == NOT_FOUND_TAG


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Name cannot be blank."),
        ({"name": None}, "Name cannot be blank."),
        ({"name": ""}, "Name cannot be blank."),
        ({"name": "   \t "}, "Name cannot be blank."),
        ({"name": 5}, "Name must be a string."),
        ({"name": ["a"]}, "Name must be a string."),
        ({"name": "x" * 101}, "Name should contain at most 100 characters."),
        ({"name": "bad\x00name"}, "Name must not contain control characters."),
        ({"name": "two\nlines"}, "Name must not contain control characters."),
    ],
)
def test_invalid_names_are_422(client: TestClient, alice: ApiUser, body: dict[str, Any], message: str) -> None:
    r = client.post(BASE, json=body, auth=alice.auth)
    assert r.status_code == 422
    assert r.json() == _invalid(message)
    assert client.get(BASE, auth=alice.auth).json() == []
    tag = _create(client, alice, "Keep")
    if body:  # PATCH without a name is a no-op, not an error
        r = client.patch(f"{BASE}/{tag['id']}", json=body, auth=alice.auth)
        assert r.status_code == 422
        assert r.json() == _invalid(message)
    assert client.get(BASE, auth=alice.auth).json() == [tag]


def test_longest_name_and_empty_body(client: TestClient, alice: ApiUser) -> None:
    assert _create(client, alice, "é" * 100)["name"] == "é" * 100
    r = client.post(BASE, headers={"Content-Type": "application/json"}, content=b"", auth=alice.auth)
    assert r.status_code == 422
    assert r.json() == _invalid("Name cannot be blank.")


def test_names_are_unique_per_user(client: TestClient, alice: ApiUser, bob: ApiUser) -> None:
    drama = _create(client, alice, "Drama")
    r = client.post(BASE, json={"name": " Drama"}, auth=alice.auth)
    assert r.status_code == 422
    assert r.json() == _invalid('Name "Drama" has already been taken.')
    other = _create(client, alice, "Other")
    r = client.patch(f"{BASE}/{other['id']}", json={"name": "Drama"}, auth=alice.auth)
    assert r.status_code == 422
    assert r.json() == _invalid('Name "Drama" has already been taken.')
    assert client.get(BASE, auth=alice.auth).json() == [drama, other]
    # Another user may use the same name.
    assert _create(client, bob, "Drama")["name"] == "Drama"


def test_tag_untag_and_list_shows(client: TestClient, alice: ApiUser, ids: Ids, demo: list[dict[str, Any]]) -> None:
    tag = _create(client, alice, "Favourites")
    shows_url = f"{BASE}/{tag['id']}/shows"
    assert client.get(shows_url, auth=alice.auth).json() == []

    for show in (ids.show2, ids.show):
        r = client.put(f"{shows_url}/{show}", auth=alice.auth)
        assert r.status_code == 200
        assert r.json() == {"show_id": show}
    assert client.put(f"{shows_url}/{ids.show}", auth=alice.auth).status_code == 200  # idempotent
    assert client.get(shows_url, auth=alice.auth).json() == [{"show_id": ids.show}, {"show_id": ids.show2}]
    assert client.get(f"{shows_url}/", params={"embed": "show"}, auth=alice.auth).json() == [
        {"show_id": s, "_embedded": {"show": catalog_object(demo, "show", s)}} for s in (ids.show, ids.show2)
    ]
    r = client.get(shows_url, params={"embed": "episode"}, auth=alice.auth)
    assert r.status_code == 400
    assert r.json()["message"] == "Invalid embed type"

    r = client.delete(f"{shows_url}/{ids.show}", auth=alice.auth)
    assert r.status_code == 200
    assert client.get(shows_url, auth=alice.auth).json() == [{"show_id": ids.show2}]
    r = client.delete(f"{shows_url}/{ids.show}", auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == {"name": "Not Found", "message": "This show was not tagged", "code": 0, "status": 404}


def test_tag_instance_failures(client: TestClient, alice: ApiUser, ids: Ids) -> None:
    tag = _create(client, alice, "T")
    r = client.put(f"{BASE}/{tag['id']}/shows/{UNKNOWN_ID}", auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == {"name": "Not Found", "message": "This show does not exist", "code": 0, "status": 404}
    r = client.put(f"{BASE}/{UNKNOWN_ID}/shows/{ids.show}", auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == NOT_FOUND_TAG
    r = client.get(f"{BASE}/{UNKNOWN_ID}/shows", auth=alice.auth)
    assert r.status_code == 404
    assert r.json() == NOT_FOUND_TAG
    r = client.delete(f"{BASE}/{UNKNOWN_ID}/shows/{ids.show}", auth=alice.auth)
    assert r.status_code == 404
    assert client.get(f"{BASE}/{tag['id']}/shows", auth=alice.auth).json() == []


def test_deleting_a_tag_removes_its_instances(client: TestClient, alice: ApiUser, ids: Ids, database_url: str) -> None:
    from tests.conftest import run_sync

    doomed = _create(client, alice, "Doomed")
    kept = _create(client, alice, "Kept")
    for tag in (doomed, kept):
        client.put(f"{BASE}/{tag['id']}/shows/{ids.show}", auth=alice.auth)
    assert client.delete(f"{BASE}/{doomed['id']}", auth=alice.auth).status_code == 200

    async def instances(conn: Any) -> list[tuple[int, int]]:
        rows = await conn.fetch_all("SELECT tag_id, show_id FROM tag_shows ORDER BY tag_id")
        return [(row[0], row[1]) for row in rows]

    assert run_sync(database_url, instances) == [(kept["id"], ids.show)]
    assert client.get(f"{BASE}/{kept['id']}/shows", auth=alice.auth).json() == [{"show_id": ids.show}]


def test_integrity_errors_of_this_backend_are_recognised(database_url: str, alice: ApiUser) -> None:
    """A rename or tagging that loses a race to another request hits the unique or foreign
    key constraint inside the driver; that must become a 422/404, never a 500."""
    from openmaze.tags.service import is_integrity_error
    from tests.conftest import run_sync

    async def duplicate(conn: Any) -> BaseException | None:
        await conn.execute("INSERT INTO tags (user_id, name) VALUES (:u, 'same')", {"u": alice.id})
        try:
            await conn.execute("INSERT INTO tags (user_id, name) VALUES (:u, 'same')", {"u": alice.id})
        except Exception as exc:
            return exc
        return None

    async def dangling(conn: Any) -> BaseException | None:
        try:
            await conn.execute(
                "INSERT INTO tag_shows (tag_id, show_id, user_id) VALUES (:t, 900001, :u)",
                {"t": UNKNOWN_ID, "u": alice.id},
            )
        except Exception as exc:
            return exc
        return None

    for fn in (duplicate, dangling):
        error = run_sync(database_url, fn)
        assert error is not None, fn.__name__
        assert is_integrity_error(error), repr(error)
    assert not is_integrity_error(ValueError("not a database error"))
