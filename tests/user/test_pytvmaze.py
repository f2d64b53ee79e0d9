"""pytvmaze 2.0.8, unchanged, against a live openmaze server on a real socket: every user
(premium) method it has, asserting the objects it returns.

pytvmaze's base URLs are constants in `pytvmaze.endpoints`, read at call time, so pointing
it at openmaze is a matter of patching them. What it sends and expects:
- list URLs end with a slash (`/v1/user/follows/shows/`), embeds as `?embed=show`;
- PUT bodies are form-encoded (`type=1`, `vote=8`); follow PUTs have no body;
- any 200 on PUT/DELETE is success (the body is not read); 404/422 become its exceptions;
- an empty list (`[]`) makes its list methods raise `No...` exceptions.

pytvmaze 2.0.8 names exception classes it never defines (NoFollowedNetworks, NetworkNotFound,
WebChannelNotFound, WebChannelNotFollowed), so on those failure paths it raises NameError.
The tests assert that it reached the failure path (openmaze answered 404/empty as TVmaze
does); nothing a server can do would make those branches raise the intended class.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import pytvmaze
from pytvmaze import endpoints, exceptions

from tests.conftest import UNKNOWN_ID, ApiUser, LiveServer
from tests.user.conftest import Ids, catalog_object

PREMIUM_ENDPOINTS = {
    "followed_shows": "/v1/user/follows/shows",
    "followed_people": "/v1/user/follows/people",
    "followed_networks": "/v1/user/follows/networks",
    "followed_web_channels": "/v1/user/follows/webchannels",
    "marked_episodes": "/v1/user/episodes",
    "voted_shows": "/v1/user/votes/shows",
    "voted_episodes": "/v1/user/votes/episodes",
}


def missing_in_pytvmaze(name: str) -> Any:
    """pytvmaze raising its own undefined exception name: it took the failure branch."""
    assert not hasattr(exceptions, name)
    return pytest.raises(NameError, match=name)


@pytest.fixture
def tvm(live_server: LiveServer, alice: ApiUser, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytvmaze.TVMaze]:
    for name, path in PREMIUM_ENDPOINTS.items():
        assert getattr(endpoints, name).startswith("http://api.tvmaze.com/v1/user/")  # what is being replaced
        monkeypatch.setattr(endpoints, name, live_server.url + path + "{0}")
    yield pytvmaze.TVMaze(alice.username, alice.key)


def scenario_follow_shows(tvm: pytvmaze.TVMaze, ids: Ids, demo: list[dict[str, Any]]) -> None:
    with pytest.raises(exceptions.NoFollowedShows):
        tvm.get_followed_shows()
    tvm.follow_show(ids.show)
    tvm.follow_show(ids.show2)
    tvm.follow_show(ids.show)  # idempotent
    followed = tvm.get_followed_shows()
    assert [f.maze_id for f in followed] == [ids.show, ids.show2]
    assert all(f.show is None for f in followed)  # no embed unless asked for
    embedded = tvm.get_followed_shows(embed="show")
    assert [f.show.id for f in embedded] == [ids.show, ids.show2]
    show = catalog_object(demo, "show", ids.show)
    first = embedded[0].show
    assert (first.name, first.status, first.genres, first.premiered) == (
        show["name"],
        show["status"],
        show["genres"],
        show["premiered"],
    )
    assert first.network is not None and first.network.name == show["network"]["name"]
    one = tvm.get_followed_show(ids.show2)
    assert one.maze_id == ids.show2
    tvm.unfollow_show(ids.show2)
    with pytest.raises(exceptions.ShowNotFollowed):
        tvm.get_followed_show(ids.show2)
    with pytest.raises(exceptions.ShowNotFollowed):
        tvm.unfollow_show(ids.show2)
    with pytest.raises(exceptions.ShowNotFound):
        tvm.follow_show(UNKNOWN_ID)
    assert [f.maze_id for f in tvm.get_followed_shows()] == [ids.show]


def scenario_follow_people(tvm: pytvmaze.TVMaze, ids: Ids, demo: list[dict[str, Any]]) -> None:
    with pytest.raises(exceptions.NoFollowedPeople):
        tvm.get_followed_people()
    tvm.follow_person(ids.person)
    assert [f.person_id for f in tvm.get_followed_people()] == [ids.person]
    assert tvm.get_followed_people()[0].person is None
    embedded = tvm.get_followed_people(embed="person")[0].person
    assert (embedded.id, embedded.name) == (ids.person, catalog_object(demo, "person", ids.person)["name"])
    assert tvm.get_followed_person(ids.person).person_id == ids.person
    tvm.unfollow_person(ids.person)
    with pytest.raises(exceptions.PersonNotFound):
        tvm.get_followed_person(ids.person)
    with pytest.raises(exceptions.PersonNotFollowed):
        tvm.unfollow_person(ids.person)
    with pytest.raises(exceptions.PersonNotFound):
        tvm.follow_person(UNKNOWN_ID)


def scenario_follow_networks(tvm: pytvmaze.TVMaze, ids: Ids, demo: list[dict[str, Any]]) -> None:
    with missing_in_pytvmaze("NoFollowedNetworks"):
        tvm.get_followed_networks()
    tvm.follow_network(ids.network)
    assert [f.network_id for f in tvm.get_followed_networks()] == [ids.network]
    assert tvm.get_followed_networks()[0].network is None
    network = tvm.get_followed_networks(embed="network")[0].network
    expected = catalog_object(demo, "network", ids.network)
    assert (network.maze_id, network.name, network.code) == (ids.network, expected["name"], expected["country"]["code"])
    assert tvm.get_followed_network(ids.network).network_id == ids.network
    tvm.unfollow_network(ids.network)
    with missing_in_pytvmaze("NetworkNotFound"):
        tvm.get_followed_network(ids.network)
    with pytest.raises(exceptions.NetworkNotFollowed):
        tvm.unfollow_network(ids.network)
    with missing_in_pytvmaze("NetworkNotFound"):
        tvm.follow_network(UNKNOWN_ID)


def scenario_follow_web_channels(tvm: pytvmaze.TVMaze, ids: Ids, demo: list[dict[str, Any]]) -> None:
    with pytest.raises(exceptions.NoFollowedWebChannels):
        tvm.get_followed_web_channels()
    tvm.follow_web_channel(ids.webchannel)
    assert [f.web_channel_id for f in tvm.get_followed_web_channels()] == [ids.webchannel]
    assert tvm.get_followed_web_channels()[0].web_channel is None
    channel = tvm.get_followed_web_channels(embed="webchannel")[0].web_channel
    assert (channel.maze_id, channel.name) == (
        ids.webchannel,
        catalog_object(demo, "webchannel", ids.webchannel)["name"],
    )
    assert tvm.get_followed_web_channel(ids.webchannel).web_channel_id == ids.webchannel
    tvm.unfollow_web_channel(ids.webchannel)
    with missing_in_pytvmaze("NetworkNotFound"):  # sic: pytvmaze means WebChannel here
        tvm.get_followed_web_channel(ids.webchannel)
    with missing_in_pytvmaze("WebChannelNotFollowed"):
        tvm.unfollow_web_channel(ids.webchannel)
    with missing_in_pytvmaze("WebChannelNotFound"):
        tvm.follow_web_channel(UNKNOWN_ID)


def scenario_marked_episodes(tvm: pytvmaze.TVMaze, ids: Ids) -> None:
    with pytest.raises(exceptions.NoMarkedEpisodes):
        tvm.get_marked_episodes()
    tvm.mark_episode(ids.episode, "watched")
    tvm.mark_episode(ids.episode2, "acquired")
    tvm.mark_episode(ids.other_episode, "skipped")
    marks = tvm.get_marked_episodes()
    assert [(m.episode_id, m.type) for m in marks] == sorted(
        [(ids.episode, "watched"), (ids.episode2, "acquired"), (ids.other_episode, "skipped")]
    )
    assert all(isinstance(m.marked_at, int) and m.marked_at > 1_600_000_000 for m in marks)
    by_show = tvm.get_marked_episodes(maze_id=ids.show2)
    assert [(m.episode_id, m.type) for m in by_show] == [(ids.other_episode, "skipped")]
    one = tvm.get_marked_episode(ids.episode2)
    assert (one.episode_id, one.type) == (ids.episode2, "acquired")
    tvm.mark_episode(ids.episode2, "skipped")  # re-marking updates
    assert tvm.get_marked_episode(ids.episode2).type == "skipped"
    tvm.unmark_episode(ids.episode2)
    with pytest.raises(exceptions.EpisodeNotMarked):
        tvm.get_marked_episode(ids.episode2)
    with pytest.raises(exceptions.EpisodeNotMarked):
        tvm.unmark_episode(ids.episode2)
    with pytest.raises(exceptions.EpisodeNotFound):
        tvm.mark_episode(UNKNOWN_ID, "watched")
    assert len(tvm.get_marked_episodes()) == 2


def scenario_show_votes(tvm: pytvmaze.TVMaze, ids: Ids, demo: list[dict[str, Any]]) -> None:
    with pytest.raises(exceptions.NoVotedShows):
        tvm.get_voted_shows()
    tvm.vote_show(ids.show, 8)
    tvm.vote_show(ids.show2, 3)
    voted = tvm.get_voted_shows()
    assert [(v.maze_id, v.vote) for v in voted] == [(ids.show, 8), (ids.show2, 3)]
    assert all(isinstance(v.voted_at, int) and v.voted_at > 1_600_000_000 for v in voted)
    assert not hasattr(voted[0], "show")  # pytvmaze sets .show only when _embedded is present
    embedded = tvm.get_voted_shows(embed="show")
    assert [v.show.name for v in embedded] == [catalog_object(demo, "show", s)["name"] for s in (ids.show, ids.show2)]
    one = tvm.get_voted_show(ids.show)
    assert (one.maze_id, one.vote) == (ids.show, 8)
    tvm.vote_show(ids.show, 10)
    assert tvm.get_voted_show(ids.show).vote == 10
    tvm.remove_show_vote(ids.show2)
    with pytest.raises(exceptions.ShowNotVotedFor):
        tvm.get_voted_show(ids.show2)
    with pytest.raises(exceptions.ShowNotVotedFor):
        tvm.remove_show_vote(ids.show2)
    with pytest.raises(exceptions.ShowNotFound):
        tvm.vote_show(UNKNOWN_ID, 5)
    with pytest.raises(exceptions.InvalidVoteValue):  # refused by pytvmaze before sending
        tvm.vote_show(ids.show, 11)


def scenario_episode_votes(tvm: pytvmaze.TVMaze, ids: Ids) -> None:
    with pytest.raises(exceptions.NoVotedEpisodes):
        tvm.get_voted_episodes()
    tvm.vote_episode(ids.episode, 7)
    tvm.vote_episode(ids.other_episode, 1)
    voted = tvm.get_voted_episodes()
    assert [(v.episode_id, v.vote) for v in voted] == sorted([(ids.episode, 7), (ids.other_episode, 1)])
    assert all(isinstance(v.voted_at, int) and v.voted_at > 1_600_000_000 for v in voted)
    one = tvm.get_voted_episode(ids.episode)
    assert (one.episode_id, one.vote) == (ids.episode, 7)
    tvm.remove_episode_vote(ids.episode)
    with pytest.raises(exceptions.EpisodeNotVotedFor):
        tvm.get_voted_episode(ids.episode)
    with pytest.raises(exceptions.EpisodeNotVotedFor):
        tvm.remove_episode_vote(ids.episode)
    with pytest.raises(exceptions.EpisodeNotFound):
        tvm.vote_episode(UNKNOWN_ID, 5)
    assert [v.episode_id for v in tvm.get_voted_episodes()] == [ids.other_episode]


def test_every_pytvmaze_user_method(tvm: pytvmaze.TVMaze, ids: Ids, demo: list[dict[str, Any]]) -> None:
    # One live server for all scenarios (each touches its own kind of object): starting a
    # server per scenario would cost more than the scenarios themselves.
    scenario_follow_shows(tvm, ids, demo)
    scenario_follow_people(tvm, ids, demo)
    scenario_follow_networks(tvm, ids, demo)
    scenario_follow_web_channels(tvm, ids, demo)
    scenario_marked_episodes(tvm, ids)
    scenario_show_votes(tvm, ids, demo)
    scenario_episode_votes(tvm, ids)
