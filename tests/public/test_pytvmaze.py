"""A real TVmaze client, pytvmaze 2.0.8, reads the public catalog of a real openmaze server
(its base URLs are constants in `pytvmaze.endpoints`, pointed at the server here)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import pytvmaze
from pytvmaze import endpoints
from pytvmaze import exceptions as tvm_errors

from tests.conftest import DEMO_SHOW, LiveServer


@pytest.fixture
def tvm(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytvmaze.TVMaze]:
    for name, value in vars(endpoints).items():
        if isinstance(value, str) and value.startswith("http://api.tvmaze.com"):
            monkeypatch.setattr(endpoints, name, value.replace("http://api.tvmaze.com", live_server.url))
    yield pytvmaze.TVMaze()


def test_pytvmaze_reads_shows_episodes_and_people(tvm: pytvmaze.TVMaze, demo: list[dict[str, Any]]) -> None:
    source = next(s for s in demo if s["id"] == DEMO_SHOW)
    show = tvm.get_show(maze_id=DEMO_SHOW, embed="episodes")
    assert show.name == source["name"]
    assert len(show.seasons) == len({e["season"] for e in source["_embedded"]["episodes"]})
    first = show[1][1]
    assert first.title == next(
        e["name"] for e in source["_embedded"]["episodes"] if (e["season"], e["number"]) == (1, 1)
    )
    assert show.previous_episode is not None  # follows _links.previousepisode to /episodes/{id}

    # Lookups answer with a 301 that the client follows to /shows/{id}.
    assert tvm.get_show(tvdb_id=source["externals"]["thetvdb"]).id == DEMO_SHOW
    assert tvm.get_show(imdb_id=source["externals"]["imdb"]).id == DEMO_SHOW
    with pytest.raises(tvm_errors.ShowNotFound):
        tvm.get_show(tvdb_id=1)

    assert tvm.get_show(show_name="the iron canyon").id == 900011
    assert pytvmaze.show_search("IRON CANYON")[0].id == 900011
    episode = pytvmaze.episode_by_number(DEMO_SHOW, 1, 2)
    assert episode.season_number == 1 and episode.episode_number == 2
    with pytest.raises(tvm_errors.EpisodeNotFound):
        pytvmaze.episode_by_number(DEMO_SHOW, 99, 1)
    assert pytvmaze.episodes_by_date(DEMO_SHOW, source["premiered"])[0].airdate == source["premiered"]
    cast = pytvmaze.show_cast(DEMO_SHOW)
    assert [p.name for p in cast.people] == [c["person"]["name"] for c in source["_embedded"]["cast"]]
    person = pytvmaze.person_main_info(cast.people[0].id)
    assert person.name == cast.people[0].name
    assert pytvmaze.show_updates()[DEMO_SHOW].seconds_since_epoch == source["updated"]
    with pytest.raises(tvm_errors.IDNotFound):
        pytvmaze.show_main_info(123_456_789)
