"""Lists with embeds cost a constant number of SQL statements, whatever their length.

The app runs on a Database wrapper that counts every statement any request issues (on both
backends); on SQLite the raw connection's trace callback counts what the engine actually
executed as well. A user with 10 items and a user with 500 follows / 5,000 marks must cost
exactly the same.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.catalog.importer import parse_document, write_batch
from openmaze.db.database import Conn, create_database
from openmaze.settings import Settings
from tests.conftest import ApiUser, run_sync
from tests.statements import CountingDatabase

BIG = 500
BIG_EPISODES = 5_000
SHOW0, NET0, WEB0, PERSON0, EP0 = 7_000_000, 700_000, 800_000, 7_000_000, 70_000_000


def _big_catalog() -> list[dict[str, Any]]:
    """500 shows on networks, 500 on web channels, one cast member each, and one show with
    5,000 episodes."""
    shows: list[dict[str, Any]] = []
    for i in range(1, 2 * BIG + 1):
        on_web = i > BIG
        channel = {"id": (WEB0 if on_web else NET0) + i, "name": f"Channel {i}", "country": None, "officialSite": None}
        shows.append(
            {
                "id": SHOW0 + i,
                "name": f"Synthetic {i}",
                "network": None if on_web else channel,
                "webChannel": channel if on_web else None,
                "externals": {},
                "_embedded": {
                    "cast": [
                        {"person": {"id": PERSON0 + i, "name": f"Person {i}"}, "character": {"id": i, "name": "c"}}
                    ]
                },
            }
        )
    shows[0]["_embedded"]["episodes"] = [
        {"id": EP0 + n, "name": f"Episode {n}", "season": 1 + n // 100, "number": n % 100, "airdate": "2020-01-01"}
        for n in range(1, BIG_EPISODES + 1)
    ]
    return shows


def _load_catalog(database_url: str) -> None:
    async def load(conn: Conn) -> None:
        await write_batch(conn, parse_document(_big_catalog(), "synthetic"))

    run_sync(database_url, load)


def _give(database_url: str, user_id: int, follows: int, marks: int) -> None:
    """`follows` items in every per-show/-person/-channel list and `marks` episode items."""

    async def insert(conn: Conn) -> None:
        for table, column, base in (
            ("followed_shows", "show_id", SHOW0),
            ("followed_networks", "network_id", NET0),
            ("followed_people", "person_id", PERSON0),
            ("followed_webchannels", "webchannel_id", WEB0 + BIG),
        ):
            await conn.execute_many(
                f"INSERT INTO {table} (user_id, {column}, followed_at) VALUES (:u, :t, 1)",
                [{"u": user_id, "t": base + i} for i in range(1, follows + 1)],
            )
        await conn.execute_many(
            "INSERT INTO show_votes (user_id, show_id, vote, voted_at) VALUES (:u, :t, 5, 1)",
            [{"u": user_id, "t": SHOW0 + i} for i in range(1, follows + 1)],
        )
        await conn.execute_many(
            "INSERT INTO marked_episodes (user_id, episode_id, show_id, type, marked_at) VALUES (:u, :e, :s, 0, 1)",
            [{"u": user_id, "e": EP0 + n, "s": SHOW0 + 1} for n in range(1, marks + 1)],
        )
        await conn.execute_many(
            "INSERT INTO episode_votes (user_id, episode_id, vote, voted_at) VALUES (:u, :e, 5, 1)",
            [{"u": user_id, "e": EP0 + n} for n in range(1, marks + 1)],
        )
        tag_id = await conn.fetch_val(
            "INSERT INTO tags (user_id, name) VALUES (:u, 'tag') RETURNING id", {"u": user_id}
        )
        await conn.execute_many(
            "INSERT INTO tag_shows (tag_id, show_id, user_id) VALUES (:tag, :s, :u)",
            [{"tag": tag_id, "s": SHOW0 + i, "u": user_id} for i in range(1, follows + 1)],
        )

    run_sync(database_url, insert)


LISTS = [
    ("/v1/user/follows/shows?embed=show", "show", BIG),
    ("/v1/user/follows/people?embed=person", "person", BIG),
    ("/v1/user/follows/networks?embed=network", "network", BIG),
    ("/v1/user/follows/webchannels?embed=webchannel", "webchannel", BIG),
    ("/v1/user/votes/shows?embed=show", "show", BIG),
    ("/v1/user/episodes?embed=episode", "episode", BIG_EPISODES),
    ("/v1/user/episodes?embed=episode&show_id=7000001", "episode", BIG_EPISODES),
    ("/v1/user/votes/episodes?embed=episode", "episode", BIG_EPISODES),
    ("/v1/user/tags/{tag}/shows?embed=show", "show", BIG),
    ("/v1/user/follows/shows", None, BIG),
    ("/v1/user/episodes", None, BIG_EPISODES),
]


@pytest.fixture
def counted(settings: Settings) -> Iterator[tuple[TestClient, CountingDatabase, list[str]]]:
    db = CountingDatabase(create_database(settings.resolved_database_url()))
    # Verified keys stay cached for the whole test, so every measured request costs only its own work.
    app = create_app(settings.model_copy(update={"auth_cache_seconds": 3600.0}), db=db)  # type: ignore[arg-type]
    traced: list[str] = []
    with TestClient(app) as client:
        raw = getattr(db.inner, "_raw", None)
        if isinstance(raw, sqlite3.Connection):
            raw.set_trace_callback(traced.append)
        yield client, db, traced


def _measure(
    client: TestClient, db: CountingDatabase, traced: list[str], user: ApiUser, url: str
) -> tuple[int, int, Any]:
    db.statements.clear()
    traced.clear()
    r = client.get(url, auth=user.auth)
    assert r.status_code == 200, r.text
    return len(db.statements), len(traced), r.json()


def test_list_cost_does_not_grow_with_length(
    counted: tuple[TestClient, CountingDatabase, list[str]],
    make_user: Callable[..., ApiUser],
    database_url: str,
) -> None:
    client, db, traced = counted
    small, big = make_user("small"), make_user("big")
    _load_catalog(database_url)
    _give(database_url, small.id, 10, 10)
    _give(database_url, big.id, BIG, BIG_EPISODES)
    tags = {
        user.id: client.get("/v1/user/tags", auth=user.auth).json()[0]["id"] for user in (small, big)
    }  # also warms both users' credentials into the auth cache

    for template, embed, big_count in LISTS:
        costs = {}
        for user, count in ((small, 10), (big, big_count)):
            url = template.format(tag=tags[user.id])
            statements, executed, body = _measure(client, db, traced, user, url)
            assert len(body) == count, url
            if embed:
                assert all(item["_embedded"][embed]["id"] for item in body), url
            else:
                assert all("_embedded" not in item for item in body), url
            costs[count] = (statements, executed)
        small_cost, big_cost = costs[10], costs[big_count]
        assert small_cost == big_cost, (template, costs)
        if db.dialect == "sqlite":
            assert small_cost[1] >= small_cost[0], (template, costs)  # the engine-level count is live
        assert small_cost[0] <= (3 if "tags" in template else 2), (template, costs)
