"""Each library page costs a fixed number of SQL statements, whatever the number of follows
and marks: a user with 3 follows and 10 marks and one with 300 follows and 5,000 marks
cost exactly the same (counted on the app's real database, as tests/user does)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from bench.catalog import SHOW_BASE, synthetic_shows
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.catalog.importer import parse_document, write_batch
from openmaze.db.database import Conn, create_database
from openmaze.settings import Settings
from tests.conftest import ApiUser, run_sync
from tests.pairing.support import PASSWORD, login
from tests.statements import CountingDatabase

SHOWS, EPISODES_PER_SHOW, MARKS = 300, 20, 5_000


def _catalog_and_data(database_url: str, small: int, big: int) -> None:
    async def load(conn: Conn) -> None:
        await write_batch(conn, parse_document(list(synthetic_shows(0, SHOWS, EPISODES_PER_SHOW)), "bench"))
        shows = [r[0] for r in await conn.fetch_all("SELECT id FROM shows WHERE id > :b ORDER BY id", {"b": SHOW_BASE})]
        episodes = await conn.fetch_all(
            "SELECT id, show_id FROM episodes WHERE show_id > :b ORDER BY id", {"b": SHOW_BASE}
        )
        for user, n_shows, n_marks in ((small, 3, 10), (big, SHOWS, MARKS)):
            await conn.execute_many(
                "INSERT INTO followed_shows (user_id, show_id, followed_at) VALUES (:u, :s, 1)",
                [{"u": user, "s": s} for s in shows[:n_shows]],
            )
            await conn.execute_many(
                "INSERT INTO marked_episodes (user_id, episode_id, show_id, type, marked_at) "
                "VALUES (:u, :e, :s, 0, :t)",
                [{"u": user, "e": e, "s": s, "t": 1_600_000_000 + i} for i, (e, s) in enumerate(episodes[:n_marks])],
            )
            for table, column, ids in (
                ("followed_people", "person_id", "SELECT id FROM people ORDER BY id LIMIT :n"),
                ("followed_networks", "network_id", "SELECT id FROM networks ORDER BY id LIMIT :n"),
            ):
                targets = [r[0] for r in await conn.fetch_all(ids, {"n": 3 if user == small else 50})]
                await conn.execute_many(
                    f"INSERT INTO {table} (user_id, {column}, followed_at) VALUES (:u, :t, 1)",
                    [{"u": user, "t": t} for t in targets],
                )

    run_sync(database_url, load)


@pytest.fixture
def counted(settings: Settings) -> Iterator[tuple[TestClient, CountingDatabase]]:
    db = CountingDatabase(create_database(settings.resolved_database_url()))
    app = create_app(settings, db=db)  # type: ignore[arg-type]
    # One client (one event loop: PostgreSQL connections belong to the loop that opened
    # them); the two users take turns with their own cookies.
    with TestClient(app) as client:
        yield client, db


PAGES = [
    "/library",
    "/library?filter=watching&sort=progress",
    "/library/upnext",
    "/library/upnext?page=3",
    "/library/calendar",
    "/library/calendar?view=month&start=2000-03-01",
    f"/library/shows/{SHOW_BASE + 1}",
    "/library/search?q=bench",
    "/library/history",
    "/library/history?page=2",
    "/library/follows",
    "FEED",
]


def test_page_cost_does_not_grow_with_follows_or_marks(
    counted: tuple[TestClient, CountingDatabase],
    make_user: Callable[..., ApiUser],
    database_url: str,
) -> None:
    client, db = counted
    small, big = make_user("small", password=PASSWORD), make_user("big", password=PASSWORD)
    _catalog_and_data(database_url, small.id, big.id)
    jars: dict[str, httpx.Cookies] = {}
    feeds: dict[str, str] = {}
    for user in (small, big):
        client.cookies = httpx.Cookies()
        assert login(client, user.username).status_code == 303
        found = re.search(r'id="ical-url">http://testserver([^<]+)<', client.get("/account").text)
        assert found
        jars[user.username], feeds[user.username] = httpx.Cookies(client.cookies), found.group(1).replace("&amp;", "&")
    for page in PAGES:
        costs = {}
        for name, jar in jars.items():
            client.cookies = jar
            c = client
            url = feeds[name] if page == "FEED" else page
            assert c.get(url).status_code == 200, url  # warm: the feed records its first ETag
            db.statements.clear()
            r = c.get(url)
            assert r.status_code == 200, (url, r.text[:500])
            costs[name] = len(db.statements)
        assert costs["small"] == costs["big"], (page, costs)
        assert costs["big"] <= 8, (page, costs)
    client.cookies = jars["big"]
    big_page = client.get("/library").text
    assert big_page.count('class="card show-card"') == 50
    assert "Page 1 of 6" in big_page
