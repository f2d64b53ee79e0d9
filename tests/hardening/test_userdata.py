"""Data safety: `openmaze export` / `openmaze import-user` round trip, through the CLI."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.cli import main
from openmaze.db.database import Conn
from openmaze.userdata.service import FORMAT, VERSION
from tests.conftest import DEMO_SHOW, DEMO_SHOW_2, UNKNOWN_ID, ApiUser, run_sync
from tests.hardening.conftest import rows_of, snapshot
from tests.hardening.routes import build

EPISODE = 9_000_001


def seed(database_url: str, user: ApiUser) -> None:
    """A bit of every kind of user data (written as the API would store it)."""

    async def write(conn: Conn) -> None:
        u = user.id
        await conn.execute("INSERT INTO followed_shows VALUES (:u, :s, 1700000001)", {"u": u, "s": DEMO_SHOW})
        await conn.execute("INSERT INTO followed_shows VALUES (:u, :s, 1700000002)", {"u": u, "s": DEMO_SHOW_2})
        await conn.execute("INSERT INTO followed_people VALUES (:u, 900105, 1700000003)", {"u": u})
        await conn.execute("INSERT INTO followed_networks VALUES (:u, 9001, 1700000004)", {"u": u})
        await conn.execute("INSERT INTO followed_webchannels VALUES (:u, 9501, 1700000005)", {"u": u})
        for i, (t, at) in enumerate([(0, 1700000100), (1, 0), (2, 1700000300)]):
            await conn.execute(
                "INSERT INTO marked_episodes VALUES (:u, :e, :s, :t, :at)",
                {"u": u, "e": EPISODE + i, "s": DEMO_SHOW, "t": t, "at": at},
            )
        await conn.execute("INSERT INTO show_votes VALUES (:u, :s, 8, 1700000400)", {"u": u, "s": DEMO_SHOW})
        await conn.execute("INSERT INTO episode_votes VALUES (:u, :e, 10, 1700000500)", {"u": u, "e": EPISODE})
        for name, shows in [("Favourites ★", [DEMO_SHOW, DEMO_SHOW_2]), ("empty", [])]:
            tag_id = await conn.fetch_val(
                "INSERT INTO tags (user_id, name) VALUES (:u, :n) RETURNING id", {"u": u, "n": name}
            )
            for s in shows:
                await conn.execute("INSERT INTO tag_shows VALUES (:t, :s, :u)", {"t": tag_id, "s": s, "u": u})

    run_sync(database_url, write)


def cli(database_url: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*argv, "--database-url", database_url])
    out, err = capsys.readouterr()
    return code, out, err


def export_doc(database_url: str, capsys: pytest.CaptureFixture[str], username: str) -> dict[str, Any]:
    code, out, err = cli(database_url, capsys, "export", username)
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def user_rows(snap: dict[str, list[tuple[Any, ...]]], user_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of one user, with user and tag ids left out so two users' data compare."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    for table, rows in snap.items():
        mine = [r for r in rows if (r[1] if table == "tags" else r[-1] if table == "tag_shows" else r[0]) == user_id]
        if table == "tags":
            result[table] = sorted((r[2],) for r in mine)
        elif table == "tag_shows":
            result[table] = sorted((r[1],) for r in mine)
        else:
            result[table] = sorted(r[1:] for r in mine)
    return result


def test_export_holds_every_kind_of_data(database_url: str, alice: ApiUser, capsys: pytest.CaptureFixture[str]) -> None:
    seed(database_url, alice)
    doc = export_doc(database_url, capsys, "alice")
    assert doc["format"] == FORMAT and doc["version"] == VERSION and doc["username"] == "alice"
    assert doc["follows"] == {
        "shows": [
            {"show_id": DEMO_SHOW, "followed_at": 1700000001},
            {"show_id": DEMO_SHOW_2, "followed_at": 1700000002},
        ],
        "people": [{"person_id": 900105, "followed_at": 1700000003}],
        "networks": [{"network_id": 9001, "followed_at": 1700000004}],
        "webchannels": [{"webchannel_id": 9501, "followed_at": 1700000005}],
    }
    assert doc["marks"] == [
        {"episode_id": EPISODE, "type": 0, "marked_at": 1700000100},
        {"episode_id": EPISODE + 1, "type": 1, "marked_at": 0},
        {"episode_id": EPISODE + 2, "type": 2, "marked_at": 1700000300},
    ]
    assert doc["votes"] == {
        "shows": [{"show_id": DEMO_SHOW, "vote": 8, "voted_at": 1700000400}],
        "episodes": [{"episode_id": EPISODE, "vote": 10, "voted_at": 1700000500}],
    }
    assert doc["tags"] == [{"name": "Favourites ★", "shows": [DEMO_SHOW, DEMO_SHOW_2]}, {"name": "empty", "shows": []}]


def test_round_trip_into_another_user_then_idempotent(
    database_url: str,
    alice: ApiUser,
    make_user: Callable[..., ApiUser],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    seed(database_url, alice)
    carol = make_user("carol")
    path = tmp_path / "alice.json"
    code, _, err = cli(database_url, capsys, "export", "alice", "--output", str(path))
    assert code == 0, err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # personal data: owner only

    code, out, err = cli(database_url, capsys, "import-user", str(path), "--username", "carol", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["missing"] == {}
    assert report["written"]["marks"] == 3 and report["written"]["tags.shows"] == 2

    after_first = snapshot(database_url)
    assert user_rows(after_first, carol.id) == user_rows(after_first, alice.id)
    # The export of the restored user is the original export, but for who and when.
    a, c = export_doc(database_url, capsys, "alice"), export_doc(database_url, capsys, "carol")
    for doc in (a, c):
        doc.pop("exported_at"), doc.pop("username")
    assert a == c

    code, _, err = cli(database_url, capsys, "import-user", str(path), "--username", "carol")
    assert code == 0, err
    assert snapshot(database_url) == after_first  # importing twice changes nothing


def test_import_restores_deleted_data_into_the_named_user(
    database_url: str, alice: ApiUser, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    seed(database_url, alice)
    before = snapshot(database_url)
    path = tmp_path / "backup.json"
    assert cli(database_url, capsys, "export", "alice", "-o", str(path))[0] == 0

    async def wipe(conn: Conn) -> None:
        for table in ("marked_episodes", "show_votes", "tags", "followed_shows"):
            await conn.execute(f"DELETE FROM {table} WHERE user_id = :u", {"u": alice.id})

    run_sync(database_url, wipe)
    assert snapshot(database_url) != before
    code, out, err = cli(database_url, capsys, "import-user", str(path))  # the user named in the file
    assert code == 0, err
    assert "imported into alice" in out
    restored = snapshot(database_url)
    assert user_rows(restored, alice.id) == user_rows(before, alice.id)


def test_unknown_catalog_ids_are_reported_not_fatal(
    database_url: str, alice: ApiUser, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "username": "alice",
        "follows": {"shows": [{"show_id": DEMO_SHOW, "followed_at": 5}, {"show_id": UNKNOWN_ID, "followed_at": 5}]},
        "marks": [{"episode_id": UNKNOWN_ID + 1, "type": 0, "marked_at": 1}, {"episode_id": EPISODE}],
        "votes": {"episodes": [{"episode_id": UNKNOWN_ID + 2, "vote": 3}]},
        "tags": [{"name": "t", "shows": [DEMO_SHOW, UNKNOWN_ID + 3]}],
    }
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(doc))
    code, out, err = cli(database_url, capsys, "import-user", str(path), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["missing"] == {
        "shows": [UNKNOWN_ID, UNKNOWN_ID + 3],
        "episodes": [UNKNOWN_ID + 1, UNKNOWN_ID + 2],
    }
    mine = user_rows(snapshot(database_url), alice.id)
    assert mine["followed_shows"] == [(DEMO_SHOW, 5)]
    assert mine["marked_episodes"] == [(EPISODE, DEMO_SHOW, 0, 0)]
    assert mine["episode_votes"] == []
    assert mine["tags"] == [("t",)] and mine["tag_shows"] == [(DEMO_SHOW,)]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"format": "something-else", "version": 1}, "not an openmaze user export"),
        ({"format": FORMAT, "version": 2}, "unsupported export version 2"),
        ({"format": FORMAT, "version": 1, "marks": [{"episode_id": 2**63}]}, "marks[0].episode_id"),
        ({"format": FORMAT, "version": 1, "marks": [{"episode_id": 1, "type": 3}]}, "marks[0].type"),
        ({"format": FORMAT, "version": 1, "votes": {"shows": [{"show_id": 1, "vote": 11}]}}, "votes.shows[0].vote"),
        ({"format": FORMAT, "version": 1, "tags": [{"name": "x" * 101}]}, "tags[0].name"),
        # Names the API refuses are refused here too, with the API's reason.
        ({"format": FORMAT, "version": 1, "tags": [{"name": "a\x01b"}]}, "must not contain control characters"),
        ({"format": FORMAT, "version": 1, "tags": [{"name": "ok"}, {"name": " \t "}]}, "tags[1].name: Name cannot"),
        ({"format": FORMAT, "version": 1, "tags": [{"name": 5}]}, "Name must be a string"),
        ({"format": FORMAT, "version": 1, "follows": {"shows": [{"show_id": "1"}]}}, "follows.shows[0].show_id"),
        ([], "document: expected an object"),
    ],
)
def test_an_invalid_file_writes_nothing(
    database_url: str,
    alice: ApiUser,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    doc: Any,
    message: str,
) -> None:
    if isinstance(doc, dict):
        # Valid data first, so a half-applied import would show.
        doc = {"follows": {"shows": [{"show_id": DEMO_SHOW, "followed_at": 1}]}, **doc}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    before = snapshot(database_url)
    code, _, err = cli(database_url, capsys, "import-user", str(path), "--username", "alice")
    assert code == 1
    assert message in err
    assert snapshot(database_url) == before


def test_tag_names_are_stored_as_the_api_would_store_them(
    client: TestClient, database_url: str, alice: ApiUser, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Trimmed, as POST /v1/user/tags trims them: " Favourites " and "Favourites" are one tag."""
    tags = [{"name": " Favourites\t", "shows": [DEMO_SHOW]}, {"name": "Favourites", "shows": [DEMO_SHOW_2]}]
    path = tmp_path / "tags.json"
    path.write_text(json.dumps({"format": FORMAT, "version": VERSION, "tags": tags}))
    code, _, err = cli(database_url, capsys, "import-user", str(path), "--username", "alice")
    assert code == 0, err
    (tag,) = client.get("/v1/user/tags", auth=alice.auth).json()
    assert tag["name"] == "Favourites"
    shows = client.get(f"/v1/user/tags/{tag['id']}/shows", auth=alice.auth).json()
    assert shows == [{"show_id": DEMO_SHOW}, {"show_id": DEMO_SHOW_2}]
    # And the API agrees that this is the name: creating it again is a duplicate.
    assert client.post("/v1/user/tags", json={"name": "Favourites "}, auth=alice.auth).status_code == 422


def test_not_json_and_unknown_user_fail_cleanly(
    database_url: str, alice: ApiUser, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b"{not json")
    code, _, err = cli(database_url, capsys, "import-user", str(path))
    assert code == 1 and "is not JSON" in err
    path.write_text(json.dumps({"format": FORMAT, "version": VERSION, "username": "nobody"}))
    code, _, err = cli(database_url, capsys, "import-user", str(path))
    assert code == 1 and "no user named 'nobody'" in err
    code, _, err = cli(database_url, capsys, "export", "nobody")
    assert code == 1 and "no user named 'nobody'" in err


def test_round_trip_of_data_made_through_the_api(
    client: TestClient,
    database_url: str,
    make_user: Callable[..., ApiUser],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Whatever the API can create, an export carries: every kind of user data, made by
    every route that writes, survives export and import into another user."""
    a, c = make_user("apiuser", premium=3), make_user("restored", premium=3)
    build(client, a)
    before = rows_of(database_url, a.id)
    assert all(before.values()), "the API made every kind of user data"
    path = tmp_path / "apiuser.json"
    assert cli(database_url, capsys, "export", "apiuser", "-o", str(path))[0] == 0
    code, _, err = cli(database_url, capsys, "import-user", str(path), "--username", "restored")
    assert code == 0, err
    snap = snapshot(database_url)
    assert user_rows(snap, c.id) == user_rows(snap, a.id)
    # And the API shows the restored user the same lists.
    for url in ("/v1/user/follows/shows", "/v1/user/episodes", "/v1/user/votes/shows", "/v1/user/votes/episodes"):
        assert client.get(url, headers=c.headers).json() == client.get(url, headers=a.headers).json(), url
    names = [t["name"] for t in client.get("/v1/user/tags", headers=c.headers).json()]
    assert names == [t["name"] for t in client.get("/v1/user/tags", headers=a.headers).json()]
