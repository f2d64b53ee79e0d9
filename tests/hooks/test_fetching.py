"""A show the catalog lacks, fetched from the upstream after the webhook was answered, as a
durable job; the waiting events are then applied. The upstream is a second openmaze (as
`catalog sync --upstream http://other-openmaze:8000` allows) holding one show more."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.catalog.importer import parse_document, write_batch
from openmaze.catalog.matching import ShowRef
from openmaze.db.database import Conn
from openmaze.hooks import fetching
from openmaze.settings import Settings
from tests.conftest import ApiUser, LiveServer, run_sync, start_server, stop_server
from tests.hooks.conftest import hook_paths, marks_of, private_database
from tests.hooks.payloads import emby, plex

NEW_SHOW = 990_100
NEW_NAME = "The Midnight Lantern"


@pytest.fixture
def other_openmaze(
    template_database: str, tmp_path: Path, demo: list[dict[str, Any]]
) -> Iterator[tuple[LiveServer, dict[str, Any]]]:
    with private_database(template_database, tmp_path / "upstream") as url:
        show = copy.deepcopy(next(s for s in demo if s["id"] == 900_010))
        show.update({"id": NEW_SHOW, "name": NEW_NAME, "externals": {"tvrage": None, "thetvdb": 555_001, "imdb": None}})
        for n, ep in enumerate(show["_embedded"]["episodes"]):
            ep["id"] = NEW_SHOW * 100 + n
        show["_embedded"].pop("cast", None)

        async def add(conn: Conn) -> None:
            await write_batch(conn, parse_document([show], "test"))

        run_sync(url, add)
        (tmp_path / "upstream-data").mkdir()
        server = start_server(url, tmp_path / "upstream-data")
        yield server, show
        stop_server(server)


def _wait_for_job(database_url: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:

        async def read(conn: Conn) -> Any:
            return await conn.fetch_one(
                "SELECT state, result, error FROM jobs WHERE kind = :k ORDER BY id DESC LIMIT 1", {"k": fetching.KIND}
            )

        row = run_sync(database_url, read)
        if row is not None and row["state"] in ("done", "failed"):
            return row
        assert time.monotonic() < deadline, f"job not finished: {row}"
        time.sleep(0.2)


def test_a_missing_show_is_fetched_after_answering_and_the_event_applied(
    settings: Settings,
    database_url: str,
    alice: ApiUser,
    other_openmaze: tuple[LiveServer, dict[str, Any]],
) -> None:
    upstream, show = other_openmaze
    mirrored = settings.model_copy(
        update={"hooks_fetch_missing": True, "sync_upstream": upstream.url, "jobs_poll_seconds": 0.1}
    )
    paths = hook_paths(database_url, alice)
    with TestClient(create_app(mirrored)) as client:
        started = time.monotonic()
        r = client.post(paths["plex"], **plex("media.scrobble", NEW_NAME, 1, 2, viewed_at=1_700_000_042).kwargs)
        answered = time.monotonic() - started
        assert r.status_code == 200 and r.json()["status"] == "unmatched", r.text
        assert r.json()["reason"] == f"no TVmaze show named {NEW_NAME!r}"
        assert answered < 2  # the answer does not wait for the upstream
        job = _wait_for_job(database_url)
        assert job["state"] == "done", job["error"]
        assert '"show_id":990100' in job["result"].replace(" ", "") and '"applied":1' in job["result"].replace(" ", "")
        ep = next(e for e in show["_embedded"]["episodes"] if e["season"] == 1 and e["number"] == 2)
        assert marks_of(client, alice)[ep["id"]] == {"episode_id": ep["id"], "marked_at": 1_700_000_042, "type": 0}
        # Now local: the next event matches at once, and no job is queued for it.
        again = client.post(paths["emby"], **emby("item.markplayed", NEW_NAME, 1, 3).kwargs).json()
        assert again["status"] == "applied"


def test_no_job_without_mirroring_and_one_job_per_waiting_show(
    client: TestClient, database_url: str, alice: ApiUser
) -> None:
    paths = hook_paths(database_url, alice)
    r = client.post(paths["plex"], **plex("media.scrobble", NEW_NAME, 1, 2).kwargs)
    assert r.json()["status"] == "unmatched"

    async def count(conn: Conn) -> int:
        found: int = await conn.fetch_val("SELECT COUNT(*) FROM jobs")
        return found

    assert run_sync(database_url, count) == 0

    async def twice(conn: Conn) -> list[int | None]:
        ref = ShowRef(title=NEW_NAME)
        return [await fetching.enqueue_fetch(conn, alice.id, ref, now=1) for _ in range(2)]

    first, second = run_sync(database_url, twice)
    assert first is not None and second is None
    assert run_sync(database_url, count) == 1


def test_upstream_title_rule_never_guesses() -> None:
    class FakeUpstream:
        def __init__(self, hits: list[dict[str, Any]]) -> None:
            self.hits = hits

        async def get_json(self, path: str, params: Any = None) -> Any:
            return [{"score": 1, "show": s} for s in self.hits] if path == "/search/shows" else None

    def pick(hits: list[dict[str, Any]], ref: ShowRef) -> int | None:
        return asyncio.run(fetching.upstream_show_id(FakeUpstream(hits), ref))  # type: ignore[arg-type]

    ghosts = [
        {"id": 1, "name": "Ghosts", "premiered": "2019-04-15"},
        {"id": 2, "name": "Ghosts", "premiered": "2021-10-07"},
    ]
    assert pick(ghosts, ShowRef(title="Ghosts")) is None
    assert pick(ghosts, ShowRef(title="Ghosts", year=2021)) == 2
    assert pick(ghosts, ShowRef(title="Ghosts", year=2000)) is None
    assert pick([{"id": 3, "name": "Ghost Hunters"}], ShowRef(title="Ghosts")) is None
    assert pick([{"id": 4, "name": "The Office"}], ShowRef(title="office")) == 4
