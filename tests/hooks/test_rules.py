"""The rules every server shares: matching order, specials, duplicates, the household rule,
the acquired switch, and a person's fix for an unmatched title."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.catalog.importer import parse_document, write_batch
from openmaze.core.errors import ApiError
from openmaze.core.scope import Scoped
from openmaze.db.database import Conn
from openmaze.hooks import service as hooks
from tests.conftest import ApiUser, run_sync
from tests.hooks.conftest import SHOW_ID, SHOW_NAME, Send, episode, marks_of
from tests.hooks.payloads import emby, jellyfin, jellyfin_community, plex


def _save_settings(database_url: str, user: ApiUser, *, acquired: bool = True, users: tuple[str, ...] = ()) -> None:
    async def save(conn: Conn) -> None:
        await hooks.save_settings(Scoped(conn, user.id), mark_acquired=acquired, server_users=users)

    run_sync(database_url, save)


def _add_namesake(
    database_url: str, demo: list[dict[str, Any]], of: int, new_id: int, premiered: str
) -> dict[str, Any]:
    """A second show with the same name as `of`, premiered on another date (with its own episodes)."""
    show = copy.deepcopy(next(s for s in demo if s["id"] == of))
    show["id"], show["premiered"] = new_id, premiered
    show["externals"] = {"tvrage": None, "thetvdb": None, "imdb": None}
    for n, ep in enumerate(show["_embedded"]["episodes"]):
        ep["id"] = new_id * 100 + n
    show["_embedded"].pop("cast", None)

    async def add(conn: Conn) -> None:
        await write_batch(conn, parse_document([show], "test"))

    run_sync(database_url, add)
    return show


def test_title_matching_is_folded(client: TestClient, send: Send, alice: ApiUser, demo: list[dict[str, Any]]) -> None:
    ep = episode(demo, 900_008, 1, 1)  # "The Hollow Signal Élan"
    for title in ("the hollow signal elan", "Hollow Signal Élan", "THE HOLLOW SIGNAL: ÉLAN"):
        entry = send("plex", plex("media.scrobble", title, 1, 1)).json()
        assert entry["episode_id"] == ep["id"], (title, entry)


def test_a_missing_episode_says_which(send: Send, alice: ApiUser) -> None:
    entry = send("plex", plex("media.scrobble", SHOW_NAME, 9, 14)).json()
    assert entry["status"] == "unmatched" and entry["show_id"] == SHOW_ID and entry["episode_id"] is None
    assert entry["reason"] == f"no episode S09E14 in {SHOW_NAME}"


def test_specials_by_airdate_then_title(
    client: TestClient, send: Send, alice: ApiUser, demo: list[dict[str, Any]]
) -> None:
    # TVmaze's specials have no number; media servers put them in season 0.
    special = episode(demo, SHOW_ID, 2, None)  # 'Special: Little Protocol', 2017-11-06
    by_date = send("plex", plex("media.scrobble", SHOW_NAME, 0, 1, airdate=special["airdate"], title="Anything")).json()
    assert by_date["status"] == "applied" and by_date["episode_id"] == special["id"]
    other = episode(demo, SHOW_ID, 3, None)  # 'Special: Hollow Horizon'
    by_title = send("jellyfin", jellyfin("PlaybackStop", SHOW_NAME, 0, 2, name=other["name"], completed=True)).json()
    assert by_title["status"] == "applied" and by_title["episode_id"] == other["id"]
    neither = send("emby", emby("item.markplayed", SHOW_NAME, 0, 3, name="Not A Special")).json()
    assert neither["status"] == "unmatched"
    assert neither["reason"] == f"no special S00E03 titled 'Not A Special' in {SHOW_NAME}"


def test_a_repeated_delivery_never_duplicates_and_keeps_the_first_time(
    client: TestClient, send: Send, alice: ApiUser, demo: list[dict[str, Any]]
) -> None:
    ep = episode(demo, SHOW_ID, 1, 7)
    first = send("plex", plex("media.scrobble", SHOW_NAME, 1, 7, viewed_at=1_700_000_000)).json()
    again = send("plex", plex("media.scrobble", SHOW_NAME, 1, 7, viewed_at=1_700_000_000)).json()
    later = send("emby", emby("item.markplayed", SHOW_NAME, 1, 7)).json()
    assert [first["status"], again["status"], later["status"]] == ["applied", "unchanged", "unchanged"]
    assert again["reason"] == "already marked watched"
    marks = marks_of(client, alice)
    assert len(marks) == 1 and marks[ep["id"]]["marked_at"] == 1_700_000_000


def test_household_rule_counts_only_named_server_users(
    client: TestClient, send: Send, alice: ApiUser, database_url: str, demo: list[dict[str, Any]]
) -> None:
    _save_settings(database_url, alice, users=("Alice", "alice-tv"))
    kid = send("plex", plex("media.scrobble", SHOW_NAME, 1, 8, user="kid")).json()
    assert kid["status"] == "ignored" and kid["server_user"] == "kid"
    assert kid["reason"] == "events from Plex user 'kid' do not count for you (your media-server users)"
    assert send("emby", emby("item.markplayed", SHOW_NAME, 1, 8, user="ALICE")).json()["status"] == "applied"
    assert send("jellyfin", jellyfin("ItemAdded", SHOW_NAME, 1, 9, user="alice-tv")).json()["status"] == "applied"
    assert set(marks_of(client, alice)) == {episode(demo, SHOW_ID, 1, 8)["id"], episode(demo, SHOW_ID, 1, 9)["id"]}


def test_acquired_can_be_switched_off(client: TestClient, send: Send, alice: ApiUser, database_url: str) -> None:
    _save_settings(database_url, alice, acquired=False)
    entry = send("plex", plex("library.new", SHOW_NAME, 1, 10)).json()
    assert entry["status"] == "ignored" and entry["reason"] == "acquired marks from media servers are switched off"
    assert marks_of(client, alice) == {}
    assert send("plex", plex("media.scrobble", SHOW_NAME, 1, 10)).json()["status"] == "applied"


def test_namesakes_premiere_year_decides_and_equal_candidates_are_never_guessed(
    client: TestClient, send: Send, alice: ApiUser, database_url: str, demo: list[dict[str, Any]]
) -> None:
    _add_namesake(database_url, demo, SHOW_ID, 990_001, "2021-01-05")  # another "The Lost Academy Files"
    unsure = send("plex", plex("media.scrobble", SHOW_NAME, 1, 2)).json()
    assert unsure["status"] == "unmatched" and "2 shows named" in unsure["reason"], unsure
    dated = send("plex", plex("media.scrobble", f"{SHOW_NAME} (2021)", 1, 2)).json()
    assert dated["status"] == "applied" and dated["show_id"] == 990_001
    by_year = send("jellyfin", jellyfin_community("MarkPlayed", SHOW_NAME, 1, 3, show_year=2016)).json()
    assert by_year["status"] == "applied" and by_year["show_id"] == SHOW_ID
    _add_namesake(database_url, demo, SHOW_ID, 990_002, "2021-06-01")  # a third, same year as the second
    tie = send("plex", plex("media.scrobble", f"{SHOW_NAME} (2021)", 1, 4)).json()
    assert tie["status"] == "unmatched" and tie["reason"] == f"2 shows named {SHOW_NAME!r} premiered 2021"


def test_unmatched_then_fixed_by_hand_is_remembered(
    client: TestClient, send: Send, alice: ApiUser, database_url: str, demo: list[dict[str, Any]]
) -> None:
    watched, added = episode(demo, 900_005, 1, 1), episode(demo, 900_005, 1, 2)
    first = send("plex", plex("media.scrobble", "Electric Empire (UK)", 1, 1, viewed_at=1_700_000_500)).json()
    second = send("emby", emby("library.new", "electric empire (uk)", 1, 2)).json()
    assert first["status"] == second["status"] == "unmatched"
    assert first["reason"] == "no TVmaze show named 'Electric Empire (UK)'"

    async def fix(conn: Conn) -> dict[str, Any]:
        return await hooks.fix(Scoped(conn, alice.id), first["id"], 900_005, now=1_800_000_000)

    fixed = run_sync(database_url, fix)
    assert fixed["status"] == "applied" and fixed["episode_id"] == watched["id"]
    marks = marks_of(client, alice)
    # Both entries of that title were applied, each with its own action and time.
    assert marks[watched["id"]] == {"episode_id": watched["id"], "marked_at": 1_700_000_500, "type": 0}
    assert marks[added["id"]]["type"] == 1
    # Remembered: the next event with that title matches at once, before title matching.
    later = send("jellyfin", jellyfin("PlaybackStop", "Electric Empire (UK)", 1, 3, completed=True)).json()
    assert later["status"] == "applied" and later["show_id"] == 900_005


def test_users_see_only_their_own_activity(
    client: TestClient, send: Send, alice: ApiUser, bob: ApiUser, database_url: str
) -> None:
    entry = send("plex", plex("media.scrobble", "Unknown Show", 1, 1)).json()

    async def as_bob(conn: Conn) -> list[dict[str, Any]]:
        scoped = Scoped(conn, bob.id)
        with pytest.raises(ApiError) as refused:
            await hooks.fix(scoped, entry["id"], SHOW_ID, now=1)
        assert refused.value.status == 404
        return await hooks.activity(scoped)

    assert run_sync(database_url, as_bob) == []
    assert marks_of(client, bob) == {}


def test_the_log_keeps_the_newest_entries(database_url: str, alice: ApiUser, bob: ApiUser) -> None:
    from openmaze.hooks import plex as plex_parser

    async def deliver(conn: Conn) -> tuple[int, int, int]:
        for n in range(300):
            user = alice if n % 3 else bob  # interleaved: each user's log is pruned on its own
            event = plex_parser.parse(
                {"event": "media.play", "Metadata": {"type": "episode", "grandparentTitle": f"S{n}"}}
            )
            await hooks.receive(Scoped(conn, user.id), event, now=1_700_000_000 + n, keep=100)
        mine = await hooks.activity(Scoped(conn, alice.id), limit=1000)
        theirs = await hooks.activity(Scoped(conn, bob.id), limit=1000)
        return len(mine), len(theirs), mine[0]["id"] - mine[-1]["id"]

    alice_count, bob_count, span = run_sync(database_url, deliver)
    assert 100 <= alice_count < 100 + hooks.PRUNE_EVERY and alice_count < 200  # 200 delivered, pruned to ~100
    assert bob_count == 100  # exactly 100 delivered: nothing dropped
    assert span >= alice_count - 1
