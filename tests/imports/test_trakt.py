"""`openmaze import trakt`: Trakt's export ZIP against the demo catalog (and the fake upstream)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openmaze.imports.service import parse_time
from tests.conftest import DEMO_SHOW, DEMO_SHOW_2, ApiUser
from tests.imports.conftest import FakeUpstream, trakt_play, trakt_show, trakt_zip

LOST = trakt_show("The Lost Academy Files", 2016, tvdb=800000)  # demo show 900001
ORCHARD = trakt_show("The Distant Orchard", 1999, tvdb=None, imdb="tt9100001")  # 900002, by IMDb id
NOWHERE = trakt_show("Nowhere Show", 2020, tvdb=12345)


def _t(text: str) -> int:
    at = parse_time(text)
    assert at is not None
    return at


def sample() -> bytes:
    return trakt_zip(
        history=[
            [
                trakt_play(LOST, 1, 1, "2024-03-02T21:00:00.000Z", play_id=3),  # rewatched: the latest play wins
                trakt_play(LOST, 1, 2, "2024-03-01T20:30:00.000Z", play_id=2),
                trakt_play(LOST, 0, 1, "2024-02-01T10:00:00.000Z", title="Special: Little Protocol", play_id=9),
                {"id": 4, "watched_at": "2024-01-01T00:00:00.000Z", "type": "movie", "movie": {"title": "A Film"}},
            ],
            [
                trakt_play(LOST, 1, 1, "2024-01-15T19:00:00.000Z", play_id=1),
                trakt_play(ORCHARD, 1, 1, "2023-05-05T05:05:05.000Z", play_id=5),
                trakt_play(LOST, 9, 99, "2024-01-01T00:00:00.000Z", play_id=6),
                trakt_play(NOWHERE, 1, 1, "2024-01-01T00:00:00.000Z", play_id=7),
            ],
        ],
        ratings_shows=[{"rated_at": "2024-04-01T12:00:00.000Z", "rating": 9, "type": "show", "show": ORCHARD}],
        ratings_episodes=[
            {
                "rated_at": "2024-04-02T12:00:00.000Z",
                "rating": 7,
                "type": "episode",
                "episode": {"season": 1, "number": 2, "title": "Northern Avenue", "ids": {}},
                "show": LOST,
            }
        ],
        watchlist=[
            {"rank": 1, "listed_at": "2024-05-01T08:00:00.000Z", "type": "show", "show": ORCHARD},
            {"rank": 2, "listed_at": "2024-05-01T08:00:00.000Z", "type": "movie", "movie": {"title": "B"}},
        ],
    )


def test_history_ratings_and_watchlist_become_marks_votes_and_follows(
    run_import: Callable[..., Any], user_data: Callable[[int], dict[str, Any]], alice: ApiUser
) -> None:
    code, report, _ = run_import("trakt", "--no-fetch", data=sample())
    assert code == 0
    assert (report["matched"], report["created"], report["updated"], report["unchanged"]) == (8, 7, 0, 0)
    assert report["by_kind"] == {
        "marks": {"created": 4, "updated": 0, "unchanged": 0},
        "votes.shows": {"created": 1, "updated": 0, "unchanged": 0},
        "votes.episodes": {"created": 1, "updated": 0, "unchanged": 0},
        "follows.shows": {"created": 1, "updated": 0, "unchanged": 0},
    }
    assert report["unmatched"] == [
        {
            "source": "watched-history-2.json #3: The Lost Academy Files S09E99",
            "reason": "no episode S09E99 in The Lost Academy Files",
        },
        {"source": "watched-history-2.json #4: Nowhere Show S01E01", "reason": "no TVmaze show for TheTVDB 12345"},
    ]
    assert any("watchlist became follows" in note for note in report["notes"])
    assert any("1 movie plays" in note for note in report["notes"])

    data = user_data(alice.id)
    orchard_first = [m for m in data["marks"] if m[1] == DEMO_SHOW_2]
    assert data["marks"] == sorted(
        [
            (9000001, DEMO_SHOW, 0, _t("2024-03-02T21:00:00Z")),  # the latest of two plays
            (9000002, DEMO_SHOW, 0, _t("2024-03-01T20:30:00Z")),
            (9000021, DEMO_SHOW, 0, _t("2024-02-01T10:00:00Z")),  # Trakt's S00E01 = TVmaze's special, by title
            (orchard_first[0][0], DEMO_SHOW_2, 0, _t("2023-05-05T05:05:05Z")),
        ]
    )
    assert data["show_votes"] == [(DEMO_SHOW_2, 9, _t("2024-04-01T12:00:00Z"))]
    assert data["episode_votes"] == [(9000002, 7, _t("2024-04-02T12:00:00Z"))]
    assert [row[1:] for row in data["follows"]["followed_shows"]] == [(DEMO_SHOW_2, _t("2024-05-01T08:00:00Z"))]


def test_a_second_run_changes_nothing_and_a_dry_run_writes_nothing(
    run_import: Callable[..., Any], user_data: Callable[[int], dict[str, Any]], alice: ApiUser
) -> None:
    code, dry, _ = run_import("trakt", "--no-fetch", "--dry-run", data=sample())
    assert code == 0 and dry["dry_run"] is True
    assert user_data(alice.id)["marks"] == []
    _, first, _ = run_import("trakt", "--no-fetch", data=sample())
    assert {k: first[k] for k in ("matched", "created", "updated")} == {
        k: dry[k] for k in ("matched", "created", "updated")
    }
    before = user_data(alice.id)
    _, again, _ = run_import("trakt", "--no-fetch", data=sample())
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 7)
    assert user_data(alice.id) == before
    assert again["unmatched"] == first["unmatched"]


def test_newer_marks_and_votes_here_are_kept(
    run_import: Callable[..., Any], user_data: Callable[[int], dict[str, Any]], alice: ApiUser, client: Any
) -> None:
    # Marked here after the Trakt play: kept. Marked here before it: the Trakt play wins.
    later = _t("2025-01-01T00:00:00Z")
    earlier = _t("2020-01-01T00:00:00Z")
    assert (
        client.put("/v1/user/episodes/9000001", json={"type": 2, "marked_at": later}, headers=alice.headers).status_code
        == 200
    )
    assert (
        client.put(
            "/v1/user/episodes/9000002", json={"type": 1, "marked_at": earlier}, headers=alice.headers
        ).status_code
        == 200
    )
    _, report, _ = run_import("trakt", "--no-fetch", data=sample())
    assert report["by_kind"]["marks"] == {"created": 2, "updated": 1, "unchanged": 1}
    marks = {m[0]: m[2:] for m in user_data(alice.id)["marks"]}
    assert marks[9000001] == (2, later)
    assert marks[9000002] == (0, _t("2024-03-01T20:30:00Z"))


def test_missing_shows_are_fetched_from_the_upstream(
    run_import: Callable[..., Any], user_data: Callable[[int], dict[str, Any]], alice: ApiUser, upstream: FakeUpstream
) -> None:
    """A show the local catalog lacks is found through the upstream's /lookup/shows by its
    TheTVDB id (or IMDb id), stored whole, then matched; without --no-fetch only."""
    show = upstream.shows[251]
    remote = trakt_show(show["name"], tvdb=show["externals"]["thetvdb"])
    by_imdb = trakt_show(upstream.shows[3]["name"], imdb=upstream.shows[3]["externals"]["imdb"])
    export = trakt_zip(
        history=[[trakt_play(remote, 1, 2, "2024-01-01T00:00:00Z"), trakt_play(by_imdb, 1, 1, "2024-01-02T00:00:00Z")]]
    )
    _, offline, _ = run_import("trakt", "--no-fetch", data=export)
    assert offline["created"] == 0 and len(offline["unmatched"]) == 2
    code, report, _ = run_import("trakt", "--upstream", upstream.url, data=export)
    assert code == 0, report
    assert report["fetched_shows"] == [3, 251] and report["unmatched"] == []
    assert report["created"] == 2
    second = next(e for e in show["_embedded"]["episodes"] if e["season"] == 1 and e["number"] == 2)
    assert (second["id"], 251) in [m[:2] for m in user_data(alice.id)["marks"]]
    assert any(t.startswith("/lookup/shows?thetvdb=") for t in upstream.targets())


def test_the_command_prints_one_json_object_and_no_progress_off_a_terminal(
    database_url: str, alice: ApiUser, tmp_path: Any
) -> None:
    """As other tools run it: stdout is exactly one JSON object; no progress bar when stderr is
    not a terminal."""
    import subprocess
    import sys

    import orjson

    export = tmp_path / "trakt.zip"
    export.write_bytes(sample())
    argv = [sys.executable, "-m", "openmaze", "import", "trakt", str(export), "--as", "alice", "--no-fetch", "--json"]
    proc = subprocess.run([*argv, "--database-url", database_url], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    [line] = proc.stdout.splitlines()
    assert orjson.loads(line)["created"] == 7
    assert proc.stderr == ""
