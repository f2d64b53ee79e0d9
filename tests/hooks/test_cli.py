"""`openmaze user links` with the webhook kinds, and `openmaze user activity --json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from starlette.testclient import TestClient

from tests.conftest import TEST_SECRET, ApiUser
from tests.hooks.conftest import SHOW_NAME
from tests.hooks.payloads import emby, jellyfin, plex

KINDS = ("plex", "jellyfin", "emby")


def openmaze(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "OPENMAZE_DATABASE_URL": database_url,
        "OPENMAZE_SECRET_KEY": TEST_SECRET,
        "OPENMAZE_DATA_DIR": str(tmp_path),
        "OPENMAZE_PUBLIC_URL": "https://tv.example.net/",
    }
    return subprocess.run(
        [sys.executable, "-m", "openmaze", *args], env=env, capture_output=True, text=True, timeout=60
    )


def links(database_url: str, tmp_path: Path, *args: str) -> dict[str, str]:
    done = openmaze(database_url, tmp_path, "user", "links", "alice", "--json", *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1  # exactly one JSON object
    found: dict[str, str] = json.loads(done.stdout)
    return found


def _path(url: str) -> str:
    return urlsplit(url).path


def test_links_have_one_secret_url_per_media_server(
    client: TestClient, alice: ApiUser, database_url: str, tmp_path: Path
) -> None:
    first = links(database_url, tmp_path)
    assert {"ical", *KINDS} <= set(first)
    for kind in KINDS:
        url = urlsplit(first[kind])
        assert (url.scheme, url.netloc) == ("https", "tv.example.net")
        prefix, _, token = url.path.rpartition("/")
        assert prefix == f"/hooks/{kind}"
        assert len(token) >= 22  # base64url of at least 128 bits (these are 256)
    assert len({_path(first[k]).rpartition("/")[2] for k in KINDS}) == 3  # one token per server
    assert links(database_url, tmp_path) == first  # idempotent
    # Only a keyed hash of each token is stored.
    db = database_url.removeprefix("sqlite:///")
    if database_url.startswith("sqlite"):
        stored = Path(db).read_bytes()
        for kind in KINDS:
            assert _path(first[kind]).rpartition("/")[2].encode() not in stored
    # A URL of one server is not one of another's.
    wrong = client.post(_path(first["plex"]).replace("/plex/", "/emby/"), **emby("item.markplayed").kwargs)
    assert wrong.status_code == 404


def test_rotate_one_kind_or_all(client: TestClient, alice: ApiUser, database_url: str, tmp_path: Path) -> None:
    first = links(database_url, tmp_path)
    assert client.post(_path(first["plex"]), **plex("media.play", SHOW_NAME, 1, 1).kwargs).status_code == 200
    rotated = links(database_url, tmp_path, "--rotate", "plex")
    assert rotated["plex"] != first["plex"]
    assert {k: v for k, v in rotated.items() if k != "plex"} == {k: v for k, v in first.items() if k != "plex"}
    old = client.post(_path(first["plex"]), **plex("media.play", SHOW_NAME, 1, 1).kwargs)
    assert old.status_code == 404 and old.json()["message"] == "Unknown webhook URL"
    assert client.post(_path(rotated["plex"]), **plex("media.play", SHOW_NAME, 1, 1).kwargs).status_code == 200
    every = links(database_url, tmp_path, "--rotate", "all")
    assert all(every[k] != rotated[k] for k in ("ical", *KINDS))
    bad = openmaze(database_url, tmp_path, "user", "links", "alice", "--rotate", "kodi")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_activity_json_lists_entries_newest_first(
    client: TestClient, alice: ApiUser, database_url: str, tmp_path: Path
) -> None:
    urls = links(database_url, tmp_path)
    client.post(_path(urls["plex"]), **plex("media.scrobble", SHOW_NAME, 1, 2).kwargs)
    client.post(_path(urls["jellyfin"]), **jellyfin("PlaybackStop", "No Such Show", 1, 1, completed=True).kwargs)
    client.post(_path(urls["emby"]), **emby("item.markplayed", SHOW_NAME, 1, 3, user="kid").kwargs)
    done = openmaze(database_url, tmp_path, "user", "activity", "alice", "--json")
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    assert isinstance(entries, list) and len(entries) == 3
    assert [e["source"] for e in entries] == ["emby", "jellyfin", "plex"]
    assert [e["status"] for e in entries] == ["applied", "unmatched", "applied"]
    for e in entries:
        assert {"source", "event", "status", "episode_id", "time", "named", "reason"} <= set(e)
    assert entries[1]["episode_id"] is None and entries[1]["reason"] == "no TVmaze show named 'No Such Show'"
    plain = openmaze(database_url, tmp_path, "user", "activity", "alice")
    assert plain.returncode == 0 and "unmatched" in plain.stdout
    limited = openmaze(database_url, tmp_path, "user", "activity", "alice", "--json", "--limit", "1")
    assert len(json.loads(limited.stdout)) == 1
    assert openmaze(database_url, tmp_path, "user", "activity", "alice", "--limit", "0").returncode == 2
