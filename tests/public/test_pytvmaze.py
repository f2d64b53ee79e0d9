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


def test_pytvmaze_reads_schedules_seasons_crew_akas_and_credits(
    tvm: pytvmaze.TVMaze, demo: list[dict[str, Any]]
) -> None:
    us_networks = {s["network"]["id"] for s in demo if s["network"] and s["network"]["country"]["code"] == "US"}
    us_episode = next(
        e for s in demo if s["network"] and s["network"]["id"] in us_networks for e in s["_embedded"]["episodes"]
    )
    day = pytvmaze.get_schedule("US", us_episode["airdate"])
    assert us_episode["id"] in [e.maze_id for e in day]
    assert all(e.show is not None for e in day)  # each with its show
    with pytest.raises(tvm_errors.ScheduleNotFound):
        pytvmaze.get_schedule("US", "1900-01-01")
    future = pytvmaze.get_full_schedule()
    assert future and all(e.show is not None for e in future)

    alternate = next(s for s in demo if s["_embedded"]["akas"] and len(s["_embedded"]["crew"]) > 1)
    crew = pytvmaze.get_show_crew(alternate["id"])
    assert [(c.type, c.person.name) for c in crew] == [
        (c["type"], c["person"]["name"]) for c in alternate["_embedded"]["crew"]
    ]
    assert [a.name for a in pytvmaze.show_akas(alternate["id"])] == [a["name"] for a in alternate["_embedded"]["akas"]]
    seasons = pytvmaze.show_seasons(alternate["id"])
    first = alternate["_embedded"]["seasons"][0]
    assert seasons[1].id == first["id"]
    assert pytvmaze.season_by_id(first["id"]).episode_order == first["episodeOrder"]

    person_id = crew[0].person.id
    credits = pytvmaze.person_crew_credits(person_id, embed="show")
    assert alternate["id"] in [c.show.id for c in credits]
    cast_person = alternate["_embedded"]["cast"][0]["person"]["id"]
    cast = pytvmaze.person_cast_credits(cast_person, embed="show")
    assert alternate["id"] in [c.show.id for c in cast]
    assert pytvmaze.person_main_info(cast_person, embed="castcredits").name
