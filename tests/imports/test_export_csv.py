"""Leaving is as easy as arriving: `openmaze export --format csv` writes the marked episodes."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from openmaze.cli import main
from tests.conftest import DEMO_SHOW, DEMO_SHOW_2, ApiUser


def test_marked_episodes_as_csv(
    client: Any, alice: ApiUser, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for episode, body in ((9000002, {"type": 0, "marked_at": 1_700_000_000}), (9000044, {"type": 2, "marked_at": 0})):
        assert client.put(f"/v1/user/episodes/{episode}", json=body, headers=alice.headers).status_code == 200
    assert main(["export", "alice", "--format", "csv", "--database-url", database_url]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [
        [
            "show_name",
            "tvmaze_show_id",
            "thetvdb_show_id",
            "imdb_show_id",
            "season",
            "number",
            "tvmaze_episode_id",
            "type",
            "marked_at",
        ],
        ["The Distant Orchard", str(DEMO_SHOW_2), "800001", "tt9100001", "1", "1", "9000044", "skipped", ""],
        [
            "The Lost Academy Files",
            str(DEMO_SHOW),
            "800000",
            "tt9100000",
            "1",
            "2",
            "9000002",
            "watched",
            "2023-11-14T22:13:20Z",
        ],
    ]
    target = tmp_path / "marks.csv"
    assert main(["export", "alice", "--format", "csv", "-o", str(target), "--database-url", database_url]) == 0
    assert target.read_text().splitlines()[1].startswith("The Distant Orchard,")
    assert target.stat().st_mode & 0o077 == 0  # personal data: the owner's only


def test_the_json_export_reads_back(alice: ApiUser, client: Any, database_url: str, tmp_path: Path) -> None:
    assert client.put("/v1/user/follows/shows/900003", headers=alice.headers).status_code == 200
    target = tmp_path / "alice.json"
    assert main(["export", "alice", "-o", str(target), "--database-url", database_url]) == 0
    assert main(["import-user", str(target), "--database-url", database_url, "--json"]) == 0
