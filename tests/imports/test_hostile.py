"""Hostile and broken input: refused fast, with a clear message, before anything is written."""

from __future__ import annotations

import json
import struct
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from openmaze.cli import main
from openmaze.imports.archive import Archive, ImportFileError, Limits
from tests.conftest import ApiUser
from tests.imports.conftest import csv_text, trakt_play, trakt_show, trakt_zip, zip_bytes

GOOD_PLAY = trakt_play(trakt_show("The Lost Academy Files", tvdb=800000), 1, 1, "2024-01-01T00:00:00Z")


def _million_entries() -> bytes:
    """The end records of a ZIP64 archive that lists 10^6 entries (what a real one ends
    with; its entries need not be there, since the count is refused before they are read)."""
    count = 10**6
    record = b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, count, count, 0, 0)
    locator = b"PK\x06\x07" + struct.pack("<IQI", 0, 0, 1)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return record + locator + end


def _encrypted() -> bytes:
    data = bytearray(zip_bytes({"watched-history-1.json": json.dumps([GOOD_PLAY])}))
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 0x1  # the "encrypted" flag, as TV Time's password-protected ZIPs have
    return bytes(data)


HOSTILE: dict[str, tuple[str, bytes, str]] = {
    "not a zip": ("trakt", b"this is not a zip file\n" * 10, "is not a ZIP file"),
    "truncated zip": ("trakt", trakt_zip(history=[[GOOD_PLAY]])[:-30], "not a readable ZIP"),
    "million entries": ("trakt", _million_entries(), "lists 1000000 files"),
    "zip bomb": ("trakt", zip_bytes({"watched-history-1.json": b"[" + b" " * 40_000_000 + b"]"}), "ZIP bomb"),
    "password": ("tvtime", _encrypted(), "password-protected"),
    "no export files": ("trakt", zip_bytes({"photo.jpg": b"\xff\xd8"}), "none of the files of a Trakt export"),
    "not json": ("trakt", zip_bytes({"watched-history-1.json": "[{"}), "watched-history-1.json is not valid JSON"),
    "not a list": ("trakt", zip_bytes({"watched-history-1.json": "{}"}), "expected a JSON array"),
    "no show": (
        "trakt",
        trakt_zip(history=[[GOOD_PLAY, {**GOOD_PLAY, "show": None}]]),
        "watched-history-1.json[1].show: expected an object",
    ),
    "bad rating": (
        "trakt",
        trakt_zip(history=[[GOOD_PLAY]], ratings_shows=[{"rated_at": "2024-01-01T00:00:00Z", "rating": 11}]),
        "rating: expected a whole number from 1 to 10",
    ),
    "bad time": (
        "trakt",
        trakt_zip(history=[[{**GOOD_PLAY, "watched_at": "yesterday"}]]),
        "watched_at: expected a date and time",
    ),
    "missing columns": (
        "tvtime",
        zip_bytes({"tracking-prod-records-v2.csv": csv_text(["s_id", "series_name", "created_at"], [[1, "A", "x"]])}),
        "lacks the column(s) season_number or episode_season_number, episode_number",
    ),
    "not utf-8": ("tvtime", zip_bytes({"seen_episode.csv": b"\xff\xfe\x00bad"}), "is not UTF-8 text"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_files_are_refused_and_nothing_is_written(
    case: str, run_import: Callable[..., Any], user_data: Callable[[int], dict[str, Any]], alice: ApiUser
) -> None:
    source, data, message = HOSTILE[case]
    empty = user_data(alice.id)
    started = time.monotonic()
    code, report, err = run_import(source, "--no-fetch", data=data)
    assert code == 1 and report is None
    assert message in err, err
    assert err.startswith("error: ") and "Traceback" not in err
    assert time.monotonic() - started < 5  # fast, whatever the file claims
    assert user_data(alice.id) == empty


def test_unpacked_size_is_bounded_while_reading() -> None:
    """Headers can lie: the limit is counted on the bytes as they unpack, too."""
    data = zip_bytes({"a.json": b"x" * 3000, "b.json": b"y" * 3000}, compression=zipfile.ZIP_STORED)
    with pytest.raises(ImportFileError, match="would unpack to 0 MiB"):
        Archive(data, "small.zip", Limits(max_bytes=5000))
    archive = Archive(data, "small.zip", Limits(max_bytes=10_000))
    archive.limits = Limits(max_bytes=4000)  # as if the header had understated a member's size
    archive.read(archive.find("a.json")[0])
    with pytest.raises(ImportFileError, match="unpacks to more than"):
        archive.read(archive.find("b.json")[0])


def test_unknown_user_and_unreadable_file(
    run_import: Callable[..., Any],
    tmp_path: Path,
    database_url: str,
    alice: ApiUser,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_import("trakt", "--no-fetch", data=trakt_zip(history=[[GOOD_PLAY]]), as_user="nobody")
    assert code == 1 and "nobody" in err
    missing = tmp_path / "missing.zip"
    assert main(["import", "trakt", str(missing), "--as", "alice", "--database-url", database_url]) == 1
    assert f"error: cannot read {missing}" in capsys.readouterr().err
