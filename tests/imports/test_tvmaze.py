"""`openmaze import tvmaze`: a premium account read through the (fake) TVmaze user API, with
everything the local catalog lacks fetched first through the polite client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import DEMO_SHOW, DEMO_SHOW_2, ApiUser
from tests.imports.conftest import FakeUpstream, PremiumAccount


def _account(upstream: FakeUpstream) -> PremiumAccount:
    remote_person = upstream.shows[520]["_embedded"]["cast"][0]["person"]["id"]
    remote_episode = upstream.shows[2]["_embedded"]["episodes"][0]["id"]
    return PremiumAccount(
        "someone",
        "tvmaze-secret-key",
        {
            "follows/shows": [{"show_id": DEMO_SHOW}, {"show_id": 1}],
            "follows/people": [{"person_id": remote_person}],
            "follows/networks": [{"network_id": 9001}, {"network_id": 777777}],
            "follows/webchannels": [],
            "episodes": [
                {"episode_id": 9000001, "marked_at": 1_700_000_000, "type": 0},
                {"episode_id": remote_episode, "marked_at": 1_700_000_100, "type": 1},
                {"episode_id": 9000002, "marked_at": 0, "type": 2},
            ],
            "votes/shows": [{"show_id": DEMO_SHOW_2, "vote": 8, "voted_at": 1_700_000_200}],
            "votes/episodes": [{"episode_id": 9000001, "vote": 10, "voted_at": 1_700_000_300}],
            "tags": [{"id": 5, "name": "Favourites"}],
            "tags/5/shows": [{"show_id": DEMO_SHOW}, {"show_id": 3}],
        },
    )


def test_a_premium_account_comes_along_whole(
    run_import: Callable[..., Any],
    user_data: Callable[[int], dict[str, Any]],
    alice: ApiUser,
    upstream: FakeUpstream,
) -> None:
    upstream.account = _account(upstream)
    remote_person = upstream.account.lists["follows/people"][0]["person_id"]
    remote_episode = upstream.account.lists["episodes"][1]["episode_id"]
    args = ("--tvmaze-user", "someone", "--tvmaze-key", "tvmaze-secret-key", "--upstream", upstream.url)
    code, report, err = run_import("tvmaze", *args)
    assert code == 0, err
    assert report["source"] == "TVmaze"
    assert report["fetched_shows"] == [1, 2, 3]
    assert report["unmatched"] == [{"source": "followed networks 777777", "reason": "no TVmaze network 777777"}]
    assert (report["matched"], report["created"], report["updated"]) == (11, 11, 0)

    data = user_data(alice.id)
    assert data["marks"] == [
        (remote_episode, 2, 1, 1_700_000_100),
        (9000001, DEMO_SHOW, 0, 1_700_000_000),
        (9000002, DEMO_SHOW, 2, 0),
    ]
    assert data["show_votes"] == [(DEMO_SHOW_2, 8, 1_700_000_200)]
    assert data["episode_votes"] == [(9000001, 10, 1_700_000_300)]
    assert [r[1] for r in data["follows"]["followed_shows"]] == [1, DEMO_SHOW]
    assert [r[1] for r in data["follows"]["followed_people"]] == [remote_person]
    assert [r[1] for r in data["follows"]["followed_networks"]] == [9001]
    assert data["tags"] == [("Favourites", 3), ("Favourites", DEMO_SHOW)]

    seen = upstream.targets()
    assert f"/episodes/{remote_episode}?embed=show" in seen  # how the show of an unknown episode is found
    _, again, _ = run_import("tvmaze", *args)
    assert (again["created"], again["updated"], again["fetched_shows"]) == (0, 0, [])
    assert user_data(alice.id) == data


def test_refused_credentials_say_so(
    run_import: Callable[..., Any], user_data: Callable[[int], dict[str, Any]], alice: ApiUser, upstream: FakeUpstream
) -> None:
    upstream.account = _account(upstream)
    code, report, err = run_import(
        "tvmaze", "--tvmaze-user", "someone", "--tvmaze-key", "wrong", "--upstream", upstream.url
    )
    assert (code, report) == (1, None)
    assert "TVmaze refused the username and API key" in err and "wrong" not in err
    upstream.account.premium = False
    code, _, err = run_import(
        "tvmaze", "--tvmaze-user", "someone", "--tvmaze-key", "tvmaze-secret-key", "--upstream", upstream.url
    )
    assert code == 1 and "premium account" in err
    assert user_data(alice.id)["marks"] == []


def test_the_key_can_come_from_stdin(
    run_import: Callable[..., Any], alice: ApiUser, upstream: FakeUpstream, monkeypatch: Any
) -> None:
    import io

    upstream.account = PremiumAccount("someone", "from-stdin", {"follows/shows": [{"show_id": DEMO_SHOW}]})
    monkeypatch.setattr("sys.stdin", io.StringIO("from-stdin\n"))
    code, report, err = run_import(
        "tvmaze", "--tvmaze-user", "someone", "--tvmaze-key", "-", "--upstream", upstream.url
    )
    assert code == 0, err
    assert report["created"] == 1
