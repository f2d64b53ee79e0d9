"""The read cache of `/v1/user` lists: never stale, never another user's, bounded."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.core.readcache import ReadCache
from openmaze.db.database import Conn, create_database, sqlite_path
from tests.conftest import BACKEND, DEMO_SHOW, ApiUser, run_sync
from tests.user.conftest import Ids

MARK = {"type": 0, "marked_at": 1_700_000_000}


def _follow_ids(client: TestClient, user: ApiUser) -> list[int]:
    response = client.get("/v1/user/follows/shows", headers=user.headers)
    assert response.status_code == 200
    return [item["show_id"] for item in response.json()]


# --- the cache itself ------------------------------------------------------------------


def test_a_new_token_drops_every_entry() -> None:
    cache = ReadCache(1024)
    assert cache.get("t1", "a") is None
    cache.put("t1", "a", b"[1]")
    assert cache.get("t1", "a") == b"[1]"
    assert cache.get("t2", "a") is None
    assert len(cache) == 0


def test_an_answer_read_under_an_old_token_is_not_kept() -> None:
    cache = ReadCache(1024)
    cache.get("t1", "a")
    cache.get("t2", "b")  # the database moved on while "a" was being read
    cache.put("t1", "a", b"[1]")
    assert cache.get("t2", "a") is None


def test_no_token_means_no_caching() -> None:
    cache = ReadCache(1024)
    assert cache.get(None, "a") is None
    cache.put(None, "a", b"[1]")
    assert len(cache) == 0


def test_least_recently_used_entries_go_first_when_full() -> None:
    cache = ReadCache(100)
    cache.get("t", "a")
    for key in "abcd":
        cache.put("t", key, b"x" * 25)
    assert cache.get("t", "a") == b"x" * 25  # a is now the most recent
    cache.put("t", "e", b"x" * 25)
    assert cache.get("t", "b") is None
    assert [cache.get("t", k) is not None for k in "acde"] == [True] * 4


def test_an_entry_larger_than_a_quarter_of_the_cache_is_not_kept() -> None:
    cache = ReadCache(100)
    cache.get("t", "a")
    cache.put("t", "a", b"x" * 26)
    assert len(cache) == 0


def test_size_zero_turns_the_cache_off() -> None:
    cache = ReadCache(0)
    cache.get("t", "a")
    cache.put("t", "a", b"[]")
    assert cache.get("t", "a") is None


# --- the database's change token ---------------------------------------------------------


async def test_the_change_token_moves_on_every_commit_from_any_connection(database_url: str) -> None:
    db = create_database(database_url)
    await db.open()
    try:
        if BACKEND != "sqlite":
            # No cheap token on PostgreSQL: None, so nothing is ever cached there.
            assert db.change_token() is None
            return
        first = db.change_token()
        assert first is not None and db.change_token() == first
        async with db.transaction() as conn:
            await conn.execute("UPDATE shows SET name = name WHERE id = :id", {"id": DEMO_SHOW})
            assert db.change_token() is None  # uncommitted: nothing may be cached from here
        own = db.change_token()
        assert own not in (None, first)
        other = sqlite3.connect(sqlite_path(database_url))
        # A real change: SQLite writes nothing (and data_version stays) when the bytes are the same.
        other.execute("UPDATE shows SET name = name || '!' WHERE id = ?", (DEMO_SHOW,))
        other.commit()
        other.close()
        assert db.change_token() not in (None, own)
    finally:
        await db.close()


# --- through the API ------------------------------------------------------------------------


def test_a_repeated_list_read_is_cached_on_sqlite_only(client: TestClient, alice: ApiUser, ids: Ids, app: Any) -> None:
    client.put(f"/v1/user/follows/shows/{ids.show}", headers=alice.headers)
    assert _follow_ids(client, alice) == [ids.show]
    assert _follow_ids(client, alice) == [ids.show]
    assert len(app.state.services.read_cache) == (1 if BACKEND == "sqlite" else 0)  # PostgreSQL: never cached


def test_own_writes_show_at_once(client: TestClient, alice: ApiUser, ids: Ids) -> None:
    assert _follow_ids(client, alice) == []
    client.put(f"/v1/user/follows/shows/{ids.show}", headers=alice.headers)
    assert _follow_ids(client, alice) == [ids.show]
    client.put(f"/v1/user/follows/shows/{ids.show2}", headers=alice.headers)
    assert _follow_ids(client, alice) == sorted([ids.show, ids.show2])
    client.delete(f"/v1/user/follows/shows/{ids.show}", headers=alice.headers)
    assert _follow_ids(client, alice) == [ids.show2]


def test_a_write_by_another_process_shows_at_once(
    client: TestClient, alice: ApiUser, ids: Ids, database_url: str
) -> None:
    """Another worker or the CLI commits on its own connection: the next read sees it."""
    assert _follow_ids(client, alice) == []
    assert _follow_ids(client, alice) == []

    async def follow(conn: Conn) -> None:
        await conn.execute(
            "INSERT INTO followed_shows (user_id, show_id, followed_at) VALUES (:u, :s, :t)",
            {"u": alice.id, "s": ids.show, "t": int(time.time())},
        )

    run_sync(database_url, follow)
    assert _follow_ids(client, alice) == [ids.show]


def test_each_user_gets_their_own_list(client: TestClient, alice: ApiUser, bob: ApiUser, ids: Ids) -> None:
    client.put(f"/v1/user/follows/shows/{ids.show}", headers=alice.headers)
    client.put(f"/v1/user/follows/shows/{ids.show2}", headers=bob.headers)
    for _ in range(2):
        assert _follow_ids(client, alice) == [ids.show]
        assert _follow_ids(client, bob) == [ids.show2]


@pytest.mark.parametrize(
    ("path", "write"),
    [
        ("/v1/user/episodes", ("PUT", "/v1/user/episodes/{episode}", MARK)),
        ("/v1/user/episodes?show_id={show}", ("PUT", "/v1/user/episodes/{episode}", MARK)),
        ("/v1/user/episodes?embed=episode", ("PUT", "/v1/user/episodes/{episode}", MARK)),
        ("/v1/user/votes/shows", ("PUT", "/v1/user/votes/shows/{show}", {"vote": 7})),
        ("/v1/user/votes/episodes", ("PUT", "/v1/user/votes/episodes/{episode}", {"vote": 7})),
        ("/v1/user/follows/people?embed=person", ("PUT", "/v1/user/follows/people/{person}", None)),
        ("/v1/user/tags", ("POST", "/v1/user/tags", {"name": "later"})),
    ],
)
def test_every_cached_list_follows_its_writes(
    client: TestClient, alice: ApiUser, ids: Ids, path: str, write: tuple[str, str, Any]
) -> None:
    values = {"show": ids.show, "episode": ids.episode, "person": ids.person}
    url = path.format(**values)
    before = client.get(url, headers=alice.headers)
    assert before.status_code == 200 and before.json() == []
    assert client.get(url, headers=alice.headers).json() == []
    method, write_path, body = write
    done = client.request(method, write_path.format(**values), headers=alice.headers, json=body)
    assert done.status_code == 200, done.text
    after = client.get(url, headers=alice.headers)
    assert len(after.json()) == 1


def test_tagged_shows_follow_tagging(client: TestClient, alice: ApiUser, ids: Ids) -> None:
    tag = client.post("/v1/user/tags", headers=alice.headers, json={"name": "weekend"}).json()
    url = f"/v1/user/tags/{tag['id']}/shows"
    assert client.get(url, headers=alice.headers).json() == []
    assert client.get(url, headers=alice.headers).json() == []
    assert client.put(f"{url}/{ids.show}", headers=alice.headers).status_code == 200
    assert [item["show_id"] for item in client.get(url, headers=alice.headers).json()] == [ids.show]
    assert client.delete(f"/v1/user/tags/{tag['id']}", headers=alice.headers).status_code == 200
    assert client.get(url, headers=alice.headers).status_code == 404
