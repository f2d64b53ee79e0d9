"""The shared import engine (`openmaze.imports.service`): chunks, crashes, progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from openmaze.catalog.matching import EpisodeRef, ShowRef
from openmaze.catalog.sync import fetch_object
from openmaze.catalog.upstream import Upstream
from openmaze.db.database import Database, run_with_database
from openmaze.imports import service
from openmaze.imports.service import ImportReport, Item, Parsed, run_import
from tests.conftest import ApiUser
from tests.imports.conftest import FakeUpstream

LOST = ShowRef(thetvdb=800000)


def _marks(count: int) -> Parsed:
    return Parsed(
        items=[
            Item("mark", f"play {n}", 1_600_000_000 + n, episode=EpisodeRef(LOST, season=1, number=1 + n))
            for n in range(count)
        ]
    )


def _run(database_url: str, user_id: int, parsed: Parsed, **options: Any) -> ImportReport:
    return run_with_database(
        database_url, lambda db: run_import(db, user_id, parsed, source="test", chunk=2, **options)
    )


def test_a_crash_leaves_whole_chunks_and_a_rerun_completes(
    database_url: str, alice: ApiUser, user_data: Callable[[int], dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service._write_marks
    calls = []

    async def crash_on_third_chunk(scoped: Any, **kwargs: Any) -> None:
        calls.append(1)
        await real(scoped, **kwargs)
        if len(calls) == 3:
            raise RuntimeError("the power went out")

    monkeypatch.setattr(service, "_write_marks", crash_on_third_chunk)
    with pytest.raises(RuntimeError):
        _run(database_url, alice.id, _marks(7))
    assert len(user_data(alice.id)["marks"]) == 4  # two whole chunks; the third rolled back
    monkeypatch.setattr(service, "_write_marks", real)
    report = _run(database_url, alice.id, _marks(7))
    assert (report.total("created"), report.total("unchanged")) == (3, 4)
    assert len(user_data(alice.id)["marks"]) == 7


def test_progress_counts_every_object(database_url: str, alice: ApiUser) -> None:
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        seen.append((done, total))

    _run(database_url, alice.id, _marks(5), progress=progress)
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]


def test_people_networks_and_channels_are_fetched_one_by_one(database_url: str, upstream: FakeUpstream) -> None:
    person = upstream.shows[520]["_embedded"]["cast"][0]["person"]

    async def go(db: Database) -> tuple[bool, bool, Any]:
        async with Upstream(upstream.url) as client:
            found = await fetch_object(db, client, "people", person["id"])
            missing = await fetch_object(db, client, "networks", 777_777)
        async with db.read() as conn:
            name = await conn.fetch_val("SELECT name FROM people WHERE id = :id", {"id": person["id"]})
        return found, missing, name

    assert run_with_database(database_url, go) == (True, False, person["name"])
