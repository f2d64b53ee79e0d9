"""Synthetic catalog objects in TVmaze's public shape, for catalogs bigger than the demo.

Ids live in their own ranges (shows from 2,000,001, episodes from 20,000,001, networks from
8,001), clear of the demo catalog's and of any real TVmaze id the bench could meet, so a
bench database can hold the demo catalog and any number of synthetic shows side by side.
The objects are the size of real ones (summaries, links, ratings), because the bytes a
response carries are part of what is measured.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

SHOW_BASE = 2_000_000
EPISODE_BASE = 20_000_000
NETWORK_BASE = 8_000
_HOST = "https://openmaze.invalid"
_WORDS = ["Harbor", "Signal", "Orchard", "Circuit", "Witness", "Avenue", "Verdict", "Canyon", "Meridian", "Ember"]
_GENRES = ["Drama", "Comedy", "Crime", "Science-Fiction", "Thriller", "Mystery"]


def _network(i: int) -> dict[str, Any]:
    return {
        "id": NETWORK_BASE + i,
        "name": f"Bench Network {i}",
        "country": {"name": "United States", "code": "US", "timezone": "America/New_York"},
        "officialSite": None,
    }


def _episode(rng: random.Random, eid: int, sid: int, show_name: str, season: int, number: int, day: dt.date) -> dict:
    return {
        "id": eid,
        "url": f"{_HOST}/episodes/{eid}",
        "name": f"{rng.choice(_WORDS)} {rng.choice(_WORDS)}",
        "season": season,
        "number": number,
        "type": "regular",
        "airdate": day.isoformat(),
        "airtime": "21:00",
        "airstamp": f"{day.isoformat()}T21:00:00+00:00",
        "runtime": 45,
        "rating": {"average": round(rng.uniform(5.0, 9.8), 1)},
        "image": None,
        "summary": f"<p>Season {season}, episode {number} of {show_name}.</p>",
        "_links": {
            "self": {"href": f"{_HOST}/episodes/{eid}"},
            "show": {"href": f"{_HOST}/shows/{sid}", "name": show_name},
        },
    }


def synthetic_shows(first: int, count: int, episodes_per_show: int, seed: int = 8) -> Iterator[dict[str, Any]]:
    """Shows number `first`..`first+count-1` (0-based), each with its episodes embedded.

    Deterministic: show n always has the same id and episode ids, whatever batch makes it.
    """
    for n in range(first, first + count):
        rng = random.Random(seed * 1_000_003 + n)
        sid = SHOW_BASE + n + 1
        name = f"Bench {rng.choice(_WORDS)} {n}"
        premiered = dt.date(2000, 1, 3) + dt.timedelta(days=n % 7000)
        per_season = 10
        episodes = []
        for i in range(episodes_per_show):
            day = premiered + dt.timedelta(days=7 * i)
            eid = EPISODE_BASE + n * episodes_per_show + i + 1
            episodes.append(_episode(rng, eid, sid, name, i // per_season + 1, i % per_season + 1, day))
        yield {
            "id": sid,
            "url": f"{_HOST}/shows/{sid}",
            "name": name,
            "type": "Scripted",
            "language": "English",
            "genres": rng.sample(_GENRES, 2),
            "status": "Running",
            "runtime": 45,
            "averageRuntime": 45,
            "premiered": premiered.isoformat(),
            "ended": None,
            "officialSite": f"https://show{sid}.invalid",
            "schedule": {"time": "21:00", "days": ["Monday"]},
            "rating": {"average": round(rng.uniform(5.0, 9.5), 1)},
            "weight": rng.randint(40, 100),
            "network": _network(n % 20 + 1),
            "webChannel": None,
            "dvdCountry": None,
            "externals": {"tvrage": None, "thetvdb": 5_000_000 + n, "imdb": f"tt{50_000_000 + n}"},
            "image": None,
            "summary": f"<p><b>{name}</b> is a synthetic show from openmaze's benchmark catalog.</p>",
            "updated": 1_700_000_000 + n,
            "_links": {"self": {"href": f"{_HOST}/shows/{sid}"}},
            "_embedded": {"episodes": episodes},
        }
