"""Jellyfin: the official webhook plugin (JSON sent as text/plain) and the community plugin."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.conftest import ApiUser
from tests.hooks.conftest import SHOW_ID, SHOW_NAME, Send, episode, marks_of
from tests.hooks.payloads import jellyfin, jellyfin_community

EVENT_TIME = 1_796_069_742  # 2026-11-30T20:15:42Z, the payloads' UtcTimestamp


def test_playback_stop_played_to_completion_marks_watched(
    client: TestClient, send: Send, alice: ApiUser, demo: list[dict[str, Any]]
) -> None:
    ep = episode(demo, SHOW_ID, 2, 1)
    stopped_early = send("jellyfin", jellyfin("PlaybackStop", SHOW_NAME, 2, 1, completed=False)).json()
    assert (
        stopped_early["status"] == "ignored" and stopped_early["reason"] == "Jellyfin event PlaybackStop marks nothing"
    )
    entry = send("jellyfin", jellyfin("PlaybackStop", SHOW_NAME, 2, 1, completed=True)).json()
    assert entry["status"] == "applied" and entry["episode_id"] == ep["id"] and entry["event_at"] == EVENT_TIME
    assert marks_of(client, alice)[ep["id"]] == {"episode_id": ep["id"], "marked_at": EVENT_TIME, "type": 0}


def test_template_values_as_text(client: TestClient, send: Send, alice: ApiUser, demo: list[dict[str, Any]]) -> None:
    # Templates often render numbers zero-padded and booleans as "True".
    ep = episode(demo, SHOW_ID, 2, 3)
    entry = send(
        "jellyfin", jellyfin("PlaybackStop", SHOW_NAME, "02", "03", completed="True", content_type="application/json")
    ).json()
    assert entry["status"] == "applied" and entry["episode_id"] == ep["id"]


def test_toggle_played_marks_and_unmarks(
    client: TestClient, send: Send, alice: ApiUser, demo: list[dict[str, Any]]
) -> None:
    ep = episode(demo, SHOW_ID, 2, 2)
    on = jellyfin("UserDataSaved", SHOW_NAME, 2, 2, played=True, save_reason="TogglePlayed")
    off = jellyfin("UserDataSaved", SHOW_NAME, 2, 2, played=False, save_reason="TogglePlayed")
    assert send("jellyfin", on).json()["status"] == "applied"
    assert ep["id"] in marks_of(client, alice)
    assert send("jellyfin", off).json()["status"] == "applied"
    assert ep["id"] not in marks_of(client, alice)
    again = send("jellyfin", off).json()
    assert again["status"] == "unchanged" and again["reason"] == "not marked"
    rating = send("jellyfin", jellyfin("UserDataSaved", SHOW_NAME, 2, 2, played=True, save_reason="UpdateUserRating"))
    assert rating.json()["status"] == "ignored"
    assert marks_of(client, alice) == {}


def test_unmark_leaves_an_acquired_mark(
    client: TestClient, send: Send, alice: ApiUser, demo: list[dict[str, Any]]
) -> None:
    ep = episode(demo, SHOW_ID, 2, 4)
    assert send("jellyfin", jellyfin("ItemAdded", SHOW_NAME, 2, 4)).json()["status"] == "applied"
    off = send("jellyfin", jellyfin("UserDataSaved", SHOW_NAME, 2, 4, played=False, save_reason="TogglePlayed")).json()
    assert off["status"] == "unchanged" and off["reason"] == "marked acquired, not watched"
    assert marks_of(client, alice)[ep["id"]]["type"] == 1


def test_tvmaze_episode_id_comes_first(
    client: TestClient, send: Send, alice: ApiUser, demo: list[dict[str, Any]]
) -> None:
    # The Jellyfin TVmaze plugin's Provider_tvmaze is the episode's id: no title needed.
    ep = episode(demo, 900_002, 1, 1)
    entry = send("jellyfin", jellyfin("PlaybackStop", "Whatever Jellyfin Calls It", 9, 9, tvmaze_episode=str(ep["id"]),
                                      completed=True)).json()  # fmt: skip
    assert entry["status"] == "applied" and entry["episode_id"] == ep["id"] and entry["show_id"] == 900_002


def test_community_plugin_by_show_ids(
    client: TestClient, send: Send, alice: ApiUser, demo: list[dict[str, Any]]
) -> None:
    show = next(s for s in demo if s["id"] == 900_003)
    ep = episode(demo, 900_003, 1, 2)
    for ids in ({"TvMaze": "900003"}, {"Tvdb": str(show["externals"]["thetvdb"])}, {"Imdb": show["externals"]["imdb"]}):
        entry = send(
            "jellyfin", jellyfin_community("MarkPlayed", "A Title Jellyfin Made Up", 1, 2, show_ids=ids)
        ).json()
        assert entry["status"] in ("applied", "unchanged") and entry["episode_id"] == ep["id"], (ids, entry)
    assert (
        send("jellyfin", jellyfin_community("MarkUnplayed", "x", 1, 2, show_ids={"Tvdb": "800002"})).json()["status"]
        == "applied"
    )
    assert ep["id"] not in marks_of(client, alice)
    scrobble = send("jellyfin", jellyfin_community("Scrobble", "x", 1, 2, show_ids={"Tvdb": "800002"})).json()
    assert scrobble["status"] == "applied" and scrobble["action"] == "watched"
    added = send("jellyfin", jellyfin_community("ItemAdded", "x", 1, 3, show_ids={"Tvdb": "800002"})).json()
    assert added["status"] == "applied" and added["action"] == "acquired"
    assert (
        send("jellyfin", jellyfin_community("Pause", "x", 1, 2, show_ids={"Tvdb": "800002"})).json()["status"]
        == "ignored"
    )


def test_community_plugin_unknown_show_id_says_which(client: TestClient, send: Send, alice: ApiUser) -> None:
    entry = send("jellyfin", jellyfin_community("MarkPlayed", None, 1, 2, show_ids={"Tvdb": "12345"})).json()
    assert entry["status"] == "unmatched" and entry["reason"] == "no TVmaze show for TheTVDB 12345"
