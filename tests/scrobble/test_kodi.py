"""The Kodi TVmaze scrobbler's request shapes (shared/docs/tvmaze-fidelity.md), sent over a
real socket to a real `openmaze serve`, by a free (premium 0) user as most Kodi users are."""

from __future__ import annotations

import time

import httpx

from tests.conftest import DEMO_SHOW, ApiUser, LiveServer
from tests.scrobble.conftest import Episode, marks_of


def test_kodi_scrobbler_session(
    live_server: LiveServer, free_user: ApiUser, show_episodes: list[Episode], database_url: str
) -> None:
    with httpx.Client(base_url=live_server.url + "/v1", auth=free_user.auth, timeout=10) as kodi:
        # Initial sync: the library's watched episodes, by TVmaze episode id.
        watched = show_episodes[:3]
        r = kodi.post(
            "/scrobble/episodes",
            json=[{"episode_id": e.id, "type": 0, "marked_at": 1_700_000_000 + i} for i, e in enumerate(watched)],
        )
        assert r.status_code == 200
        assert all(item["code"] == 200 for item in r.json())

        # Newly added to the library: acquired, by season/episode within the show.
        acquired = show_episodes[3:5]
        r = kodi.post(
            f"/scrobble/shows?tvmaze_id={DEMO_SHOW}",
            json=[
                {"season": e.season, "episode": e.number, "type": 1, "marked_at": int(time.time())} for e in acquired
            ],
        )
        assert r.status_code == 200
        assert [item["result"]["episode_id"] for item in r.json()] == [e.id for e in acquired]

        # The code path that sends extra keys and neither type nor marked_at.
        extra = show_episodes[5]
        r = kodi.post(
            f"/scrobble/shows?tvmaze_id={DEMO_SHOW}",
            json=[{"season": extra.season, "episode": extra.number, "showtitle": "x", "tvshowid": 12, "label": "y"}],
        )
        assert r.status_code == 200
        assert r.json()[0]["result"]["type"] == 0

        # One bad item: a 207, and the failure carries what Kodi shows ("name: message").
        r = kodi.post("/scrobble/episodes", json=[{"episode_id": watched[0].id}, {"episode_id": 1}])
        assert r.status_code == 207
        failures = [item for item in r.json() if item["code"] != 200]
        assert len(failures) == 1 and failures[0]["message"] and failures[0]["input"] == {"episode_id": 1}

        # Back-sync: what is watched on TVmaze, with the episode objects.
        r = kodi.get(f"/scrobble/shows/{DEMO_SHOW}?embed=episode&type=0")
        assert r.status_code == 200
        listed = r.json()
        assert [m["episode_id"] for m in listed] == sorted([e.id for e in watched] + [extra.id])
        for m in listed:
            assert m["type"] == 0
            episode = m["_embedded"]["episode"]
            assert episode["id"] == m["episode_id"]
            assert {"season", "number", "airdate"} <= set(episode)

        # Error bodies on the request level have the TVmaze shape too.
        r = kodi.post("/scrobble/shows", json=[{"season": 1, "episode": 1}])
        assert r.status_code == 422
        assert {"name", "message", "code", "status"} <= set(r.json())

    assert len(marks_of(database_url, free_user.id)) == 6
