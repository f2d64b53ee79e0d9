"""One openmaze mirrors another: a live server holding the demo catalog is the upstream of
`catalog sync` into an empty database, then a second live server on that database answers
the public API with the same bytes as the first, for everything the sync carries (seasons
with their ids, cast, crew, akas, images, alternate lists, guests, characters, channels)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openmaze.catalog.sync import sync_catalog
from openmaze.db import migrate
from openmaze.db.database import Database, run_with_database
from tests.conftest import BACKEND, DEMO_SHOW, LiveServer, _pg_admin, _pg_url_for, start_server, stop_server
from tests.sync.test_sync import fast_upstream, query

# The first show, one with an alternate list (n % 5 == 1), one on a web channel (n % 4 == 3).
MIRRORED = (DEMO_SHOW, DEMO_SHOW + 1, DEMO_SHOW + 3)


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A migrated database with nothing in it: the mirror's."""
    if BACKEND == "postgres":
        name = f"openmaze_m_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = _pg_url_for(name)
        migrate.upgrade(url)
        yield url
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        url = f"sqlite:///{tmp_path / 'mirror.sqlite3'}"
        migrate.upgrade(url)
        yield url


@pytest.fixture
def origin(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    (tmp_path / "origin").mkdir()
    server = start_server(database_url, tmp_path / "origin")
    yield server
    stop_server(server)


def _paths(origin: LiveServer) -> list[str]:
    """Every catalog path of the mirrored shows, found by walking the origin's answers."""
    paths: list[str] = []
    for show_id in MIRRORED:
        every_embed = "episodes,cast,crew,seasons,images,akas,nextepisode,previousepisode"
        paths += [
            f"/shows/{show_id}",
            f"/shows/{show_id}?embed={every_embed}",
            f"/shows/{show_id}/episodes",
            f"/shows/{show_id}/episodes?specials=1",
            *(f"/shows/{show_id}/{part}" for part in ("seasons", "cast", "crew", "akas", "images", "alternatelists")),
        ]
        show = httpx.get(f"{origin.url}/shows/{show_id}?embed[]=seasons&embed[]=cast&embed[]=crew").json()
        for season in show["_embedded"]["seasons"]:
            assert season["id"] is not None
            paths += [f"/seasons/{season['id']}", f"/seasons/{season['id']}?embed=episodes"]
            paths.append(f"/seasons/{season['id']}/episodes")
        for credit in show["_embedded"]["cast"]:
            paths += [f"/people/{credit['person']['id']}", f"/characters/{credit['character']['id']}"]
        channel = show["network"] or show["webChannel"]
        paths.append(f"/{'networks' if show['network'] else 'webchannels'}/{channel['id']}")
        for alternate in httpx.get(f"{origin.url}/shows/{show_id}/alternatelists").json():
            paths += [
                f"/alternatelists/{alternate['id']}",
                f"/alternatelists/{alternate['id']}?embed=alternateepisodes",
                f"/alternatelists/{alternate['id']}/alternateepisodes",
                f"/alternatelists/{alternate['id']}/alternateepisodes?embed=episodes",
            ]
        episodes = httpx.get(f"{origin.url}/shows/{show_id}/episodes?specials=1").json()
        for episode in episodes[:12]:
            paths += [
                f"/episodes/{episode['id']}?embed[]=show&embed[]=guestcast&embed[]=guestcrew",
                f"/episodes/{episode['id']}/guestcast",
                f"/episodes/{episode['id']}/guestcrew",
            ]
    return paths


def test_an_openmaze_mirrors_another_and_serves_the_same_bytes(
    origin: LiveServer, empty_database_url: str, tmp_path: Path
) -> None:
    # The command line, as an admin would run it (within the default politeness limits).
    env = {**os.environ, "OPENMAZE_DATABASE_URL": empty_database_url}
    result = subprocess.run(
        [sys.executable, "-m", "openmaze", "catalog", "sync", "--upstream", origin.url, "--shows", str(DEMO_SHOW)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "1 show(s) fetched" in result.stdout and "0 malformed" in result.stdout

    # The rest, with every episode's guests (a request per episode), on a faster pace.
    async def mirror(db: Database) -> Any:
        async with fast_upstream(origin.url, limit=200) as upstream:
            return await sync_catalog(db, upstream, "shows", MIRRORED, guests=True)

    report = run_with_database(empty_database_url, mirror)
    assert sorted(report.fetched) == sorted(MIRRORED) and not report.failed
    seasons = query(empty_database_url, "SELECT COUNT(*) FROM seasons")[0][0]
    assert seasons > 0
    assert query(empty_database_url, "SELECT COUNT(*) FROM episode_guest_cast")[0][0] > 0
    assert query(empty_database_url, "SELECT COUNT(*) FROM alternate_episodes")[0][0] > 0

    (tmp_path / "mirror").mkdir()
    mirror_server = start_server(empty_database_url, tmp_path / "mirror")
    try:
        paths = _paths(origin)
        assert len(paths) > 100
        for path in paths:
            want = httpx.get(origin.url + path)
            got = httpx.get(mirror_server.url + path)
            assert want.status_code == 200, path
            assert (got.status_code, got.content) == (want.status_code, want.content), path
            assert got.headers["etag"] == want.headers["etag"], path
    finally:
        stop_server(mirror_server)
