"""pytvmaze 2.0.8, unchanged, on the `openmaze_sandbox` fixture (the plugin loads in this
suite as in any project where openmaze is installed): its premium calls get through
injected 429s (it retries them, honouring Retry-After) and follow the moved clock."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import pytvmaze
from pytvmaze import endpoints

from openmaze.testing import Sandbox
from tests.conftest import DEMO_SHOW, DEMO_SHOW_2
from tests.user.test_pytvmaze import PREMIUM_ENDPOINTS

EPISODE = 9_000_001
T = 1_700_000_000


@pytest.fixture
def tvm(openmaze_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytvmaze.TVMaze]:
    for name, path in PREMIUM_ENDPOINTS.items():
        monkeypatch.setattr(endpoints, name, openmaze_sandbox.base_url + path + "{0}")
    yield pytvmaze.TVMaze(openmaze_sandbox.username, openmaze_sandbox.apikey)


def test_premium_calls_get_through_injected_429s(tvm: pytvmaze.TVMaze, openmaze_sandbox: Sandbox) -> None:
    sandbox = openmaze_sandbox.client
    sandbox.add_fault("/v1/user/follows/shows/*", method="PUT", status=429, retry_after=1, times=2)
    sandbox.add_fault("/v1/user/follows/shows", method="GET", status=429, retry_after=0, times=3)
    began = time.monotonic()
    tvm.follow_show(DEMO_SHOW)
    assert time.monotonic() - began >= 2  # it waited as Retry-After said, twice
    tvm.follow_show(DEMO_SHOW_2)
    assert [f.maze_id for f in tvm.get_followed_shows()] == [DEMO_SHOW, DEMO_SHOW_2]
    seen = [(e["method"], e["status"]) for e in sandbox.journal(path="/v1/user/follows/shows*")]
    assert seen == [("PUT", 429), ("PUT", 429), ("PUT", 200), ("PUT", 200)] + [("GET", 429)] * 3 + [("GET", 200)]


def test_premium_calls_follow_the_moved_clock(tvm: pytvmaze.TVMaze, openmaze_sandbox: Sandbox) -> None:
    sandbox = openmaze_sandbox.client
    sandbox.set_clock(T)
    tvm.mark_episode(EPISODE, "acquired")
    tvm.vote_show(DEMO_SHOW, 9)
    sandbox.advance_clock(7 * 86_400)
    tvm.vote_episode(EPISODE, 6)
    marked = tvm.get_marked_episode(EPISODE)
    assert (marked.episode_id, marked.type, marked.marked_at) == (EPISODE, "acquired", T)
    assert tvm.get_voted_show(DEMO_SHOW).voted_at == T
    assert tvm.get_voted_episode(EPISODE).voted_at == T + 7 * 86_400


def test_pytvmaze_under_tvmazes_rate_limit(tvm: pytvmaze.TVMaze, openmaze_sandbox: Sandbox) -> None:
    sandbox = openmaze_sandbox.client
    sandbox.rate_limit(calls=3, seconds=1)  # TVmaze's shape, scaled down so the test is quick
    for _ in range(5):
        with pytest.raises(pytvmaze.exceptions.NoFollowedShows):
            tvm.get_followed_shows()  # an empty list: every call ends in a 200 in the end
    statuses = [e["status"] for e in sandbox.journal(path="/v1/user/*")]
    assert statuses.count(200) == 5 and 429 in statuses
