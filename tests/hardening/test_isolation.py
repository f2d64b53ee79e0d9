"""Isolation, generated from the app's routes: user A builds one of everything through the
API; user B then reads, deletes, changes and re-creates through every authenticated route,
aimed at A's objects. B sees exactly what a user with no data sees, every attempt on one of
A's own objects (tags) is a 404, and A's data does not change. A new route is attacked as
soon as it exists; a new kind of user data fails the test until A's setup creates one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from openmaze.db.tables import USER_DATA_TABLES
from tests.conftest import DEMO_SHOW, ApiUser
from tests.hardening.conftest import rows_of
from tests.hardening.routes import BODY, CATALOG_IDS, USER_OPERATIONS, build, created_param


def views(client: TestClient, user: ApiUser, ids: dict[str, Any]) -> dict[str, tuple[int, Any]]:
    """What every authenticated GET shows `user`, addressed with `ids`."""
    seen = {}
    for op in USER_OPERATIONS:
        if op.method == "GET":
            for query in ("", f"?show_id={DEMO_SHOW}", "?embed=show"):
                r = client.get(op.url(**ids) + query, headers=user.headers)
                seen[f"{op}{query}"] = (r.status_code, r.json() if r.content else None)
    return seen


def assert_not_found(r: Any, what: str) -> None:
    assert r.status_code == 404, (what, r.status_code, r.text)
    body = r.json()
    assert body["status"] == 404 and body["name"] == "Not Found" and body["code"] == 0, (what, body)


def test_user_b_can_neither_see_nor_change_user_a_objects(
    client: TestClient, database_url: str, make_user: Callable[..., ApiUser]
) -> None:
    a, b, nobody = make_user("usera", premium=3), make_user("userb", premium=3), make_user("nobody", premium=3)
    # What B sees while nobody has any data: the baseline B must still see once A has some.
    # A's own objects do not exist yet; their ids start at 1 in a fresh database.
    creatable = {created_param(op) for op in USER_OPERATIONS if op.method == "POST" and not op.params}
    placeholders = {name: 1 for name in creatable - set(CATALOG_IDS)}
    baseline = views(client, b, {**CATALOG_IDS, **placeholders})
    own = build(client, a)
    assert set(own) <= set(placeholders)
    ids = {**CATALOG_IDS, **own}
    a_rows = rows_of(database_url, a.id)
    empty = [table for table in USER_DATA_TABLES if not a_rows[table]]
    assert not empty, f"A's setup made no {empty}: build() must create every kind of user data"
    a_views = views(client, a, ids)

    # Reads: B sees what B saw before A had anything, as does a user with no data.
    assert views(client, b, ids) == baseline
    assert views(client, nobody, ids) == baseline

    private = set(own)
    # B has nothing yet, so every delete is a 404, whoever else has the object.
    for op in USER_OPERATIONS:
        if op.method == "DELETE":
            assert_not_found(client.delete(op.url(**ids), headers=b.headers), f"B: {op}")
    # Writes addressed to one of A's own objects (a tag) are a 404.
    for op in USER_OPERATIONS:
        if op.method in ("PUT", "PATCH", "POST") and private & set(op.params):
            r = client.request(op.method, op.url(**ids), json={**BODY, "name": "B was here"}, headers=b.headers)
            assert_not_found(r, f"B: {op}")
    # Writes to shared catalog ids make B's own follow, mark, vote, tag or scrobble.
    for op in USER_OPERATIONS:
        if op.method in ("PUT", "POST") and not private & set(op.params):
            r = client.request(op.method, op.url(**ids), json=BODY, headers=b.headers)
            assert r.status_code < 500, (str(op), r.text)
    # ... and then B deletes everything of B's: still nothing of A's goes.
    for op in USER_OPERATIONS:
        if op.method == "DELETE" and not private & set(op.params):
            client.delete(op.url(**ids), headers=b.headers)

    assert rows_of(database_url, a.id) == a_rows
    assert views(client, a, ids) == a_views
    assert not any(rows_of(database_url, nobody.id).values())
