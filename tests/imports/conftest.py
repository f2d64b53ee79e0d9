"""Fixtures of the importers' tests: sample exports written here from the formats' descriptions
(docs/moving-in.md), the fake TVmaze upstream of tests/sync (with a premium account), and
helpers to run `openmaze import` and read what a user has."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from openmaze.cli import main
from openmaze.db.database import Conn
from tests.conftest import run_sync
from tests.pairing.support import clock, mail_settings, make_client, smtp
from tests.sync.conftest import FakeUpstream, PremiumAccount, upstream

# Fixtures of other areas used here: the fake upstream (tests/sync), the pages' clients (tests/pairing).
__all__ = ["FakeUpstream", "PremiumAccount", "clock", "mail_settings", "make_client", "smtp", "upstream"]


def zip_bytes(files: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


def trakt_show(title: str, year: int | None = None, tvdb: int | None = None, imdb: str | None = None) -> dict[str, Any]:
    return {
        "title": title,
        "year": year,
        "ids": {
            "trakt": 1000 + (tvdb or 0),
            "slug": title.lower().replace(" ", "-"),
            "tvdb": tvdb,
            "imdb": imdb,
            "tmdb": 4242,
        },
    }


def trakt_play(
    show: dict[str, Any], season: int, number: int, watched_at: str, title: str | None = None, play_id: int = 1
) -> dict[str, Any]:
    return {
        "id": play_id,
        "watched_at": watched_at,
        "action": "watch",
        "type": "episode",
        "episode": {"season": season, "number": number, "title": title, "ids": {"trakt": 5, "tvdb": 6, "imdb": None}},
        "show": show,
    }


def trakt_zip(
    history: list[list[dict[str, Any]]] | None = None,
    ratings_shows: list[dict[str, Any]] | None = None,
    ratings_episodes: list[dict[str, Any]] | None = None,
    watchlist: list[dict[str, Any]] | None = None,
    folder: str = "trakt-export/",
) -> bytes:
    """Trakt's export: the history in numbered pages, ratings, the watchlist, other files beside."""
    files: dict[str, bytes | str] = {}
    for n, page in enumerate(history or []):
        files[f"{folder}watched-history-{n + 1}.json"] = json.dumps(page)
    if ratings_shows is not None:
        files[f"{folder}ratings-shows.json"] = json.dumps(ratings_shows)
    if ratings_episodes is not None:
        files[f"{folder}ratings-episodes.json"] = json.dumps(ratings_episodes)
    if watchlist is not None:
        files[f"{folder}lists-watchlist.json"] = json.dumps(watchlist)
    files[f"{folder}user-profile.json"] = json.dumps({"username": "someone"})
    files[f"{folder}ratings-movies.json"] = "[]"
    return zip_bytes(files)


def csv_text(columns: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()  # TV Time's files start with a byte-order mark


@pytest.fixture
def run_import(tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]) -> Callable[..., Any]:
    """Run `openmaze import SOURCE ... --json` in process: (exit code, the JSON object or None, stderr)."""

    def run(source: str, *args: str, data: bytes | None = None, as_user: str = "alice") -> tuple[int, Any, str]:
        argv = ["import", source]
        if data is not None:
            path = tmp_path / f"{source}-export.zip"
            path.write_bytes(data)
            argv.append(str(path))
        argv += ["--as", as_user, "--database-url", database_url, "--json", *args]
        capsys.readouterr()
        code = main(argv)
        out, err = capsys.readouterr()
        lines = out.splitlines()
        assert len(lines) <= 1, out  # exactly one JSON object, or nothing on a refusal
        return code, orjson.loads(lines[0]) if lines else None, err

    return run


@pytest.fixture
def user_data(database_url: str) -> Callable[[int], dict[str, Any]]:
    """Everything a user has, as plain values, to compare before and after."""

    def read(user_id: int) -> dict[str, Any]:
        async def go(conn: Conn) -> dict[str, Any]:
            p = {"u": user_id}
            marks = await conn.fetch_all(
                "SELECT episode_id, show_id, type, marked_at FROM marked_episodes WHERE user_id = :u ORDER BY 1", p
            )
            show_votes = await conn.fetch_all(
                "SELECT show_id, vote, voted_at FROM show_votes WHERE user_id = :u ORDER BY 1", p
            )
            episode_votes = await conn.fetch_all(
                "SELECT episode_id, vote, voted_at FROM episode_votes WHERE user_id = :u ORDER BY 1", p
            )
            follows = {
                table: [
                    tuple(r) for r in await conn.fetch_all(f"SELECT * FROM {table} WHERE user_id = :u ORDER BY 2", p)
                ]
                for table in ("followed_shows", "followed_people", "followed_networks", "followed_webchannels")
            }
            tags = await conn.fetch_all(
                "SELECT t.name, s.show_id FROM tags t JOIN tag_shows s ON s.tag_id = t.id "
                "WHERE t.user_id = :u ORDER BY 1, 2",
                p,
            )
            return {
                "marks": [tuple(r) for r in marks],
                "show_votes": [tuple(r) for r in show_votes],
                "episode_votes": [tuple(r) for r in episode_votes],
                "follows": follows,
                "tags": [tuple(r) for r in tags],
            }

        result: dict[str, Any] = run_sync(database_url, go)
        return result

    return read
