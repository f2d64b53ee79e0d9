"""The demo catalog: synthetic, deterministic, in TVmaze's public shape.

About 50 shows with ~2,000 episodes (specials included), seasons, networks, web channels,
people, cast and crew, characters, akas, images, alternate lists, guest cast and crew, and
external ids. Every name is made up. A few running shows (`CURRENT_SHOWS` of them) are moved
in time so that their latest season airs around the day the catalog is made (some episodes
recent, some upcoming), so a first run has something for up next, the calendar and the iCal
feed; everything else is the same whatever the day. Ids live in ranges no real TVmaze object reaches soon
(shows from 900001, episodes from 9000001, ...) so a later mirror of the real catalog does
not overwrite demo objects that users have marked.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

SHOW_BASE = 900_000
EPISODE_BASE = 9_000_000
PERSON_BASE = 900_000
NETWORK_BASE = 9_000
WEBCHANNEL_BASE = 9_500
SEASON_BASE = 900_000  # a show's season s: SEASON_BASE + 10 * n + s (at most 7 seasons)
IMAGE_BASE = 9_000_000
GUEST_CHARACTER_BASE = 95_000_000  # a guest character per episode (cast: 10 * show id + i)
ALTERNATE_BASE = 90_000

_ADJ = [
    "Silent",
    "Crimson",
    "Hidden",
    "Broken",
    "Golden",
    "Last",
    "Northern",
    "Electric",
    "Velvet",
    "Hollow",
    "Distant",
    "Burning",
    "Paper",
    "Iron",
    "Little",
    "Savage",
    "Quiet",
    "Bright",
    "Wild",
    "Lost",
]
_NOUN = [
    "Harbor",
    "Frontier",
    "Kingdom",
    "Signal",
    "Orchard",
    "Protocol",
    "Empire",
    "Lighthouse",
    "Circuit",
    "Garden",
    "Witness",
    "Avenue",
    "Station",
    "Verdict",
    "Horizon",
    "Academy",
    "Canyon",
    "Dynasty",
]
_SUFFIX = ["", "", "", ": Origins", " Files", " Chronicles", " & Sons", " Nights", " Café", " Élan"]
_GENRES = ["Drama", "Comedy", "Crime", "Science-Fiction", "Thriller", "Romance", "Mystery", "Fantasy", "Family"]
_FIRST = ["Ava", "Liam", "Noor", "Mateo", "Zoë", "Kenji", "Freya", "Tomás", "Ines", "Oskar", "Priya", "Jonah"]
_LAST = ["Marlow", "Okafor", "Lindqvist", "Duarte", "Hale", "Ishikawa", "Brennan", "Novak", "Seidel", "Moreau"]
_COUNTRIES = [
    {"name": "United States", "code": "US", "timezone": "America/New_York"},
    {"name": "United Kingdom", "code": "GB", "timezone": "Europe/London"},
    {"name": "Canada", "code": "CA", "timezone": "America/Halifax"},
    {"name": "Germany", "code": "DE", "timezone": "Europe/Berlin"},
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_HOST = "https://openmaze.invalid"
CURRENT_SHOWS = 8


def _networks() -> list[dict[str, Any]]:
    names = ["Meridian Broadcasting", "Channel Seven North", "Lumen TV", "Atlas One", "Riverside Network"]
    return [
        {
            "id": NETWORK_BASE + i + 1,
            "name": name,
            "country": _COUNTRIES[i % len(_COUNTRIES)],
            "officialSite": f"https://{name.lower().replace(' ', '')}.invalid",
        }
        for i, name in enumerate(names)
    ]


def _webchannels() -> list[dict[str, Any]]:
    names = ["Streamly", "Nimbus+", "Kiosk Video"]
    return [
        {
            "id": WEBCHANNEL_BASE + i + 1,
            "name": name,
            "country": None if i == 0 else _COUNTRIES[i],
            "officialSite": f"https://{name.lower().replace('+', 'plus').replace(' ', '')}.invalid",
        }
        for i, name in enumerate(names)
    ]


def _person(rng: random.Random, pid: int) -> dict[str, Any]:
    name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 50))
    return {
        "id": pid,
        "url": f"{_HOST}/people/{pid}",
        "name": name,
        "country": rng.choice(_COUNTRIES),
        "birthday": born.isoformat(),
        "deathday": None,
        "gender": rng.choice(["Female", "Male"]),
        "image": None,
        "updated": 1_700_000_000 + pid % 100_000,
        "_links": {"self": {"href": f"{_HOST}/people/{pid}"}},
    }


def demo_shows(count: int = 50, seed: int = 2026, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The demo catalog as a list of show objects with embedded episodes and cast.

    `today` (default: the current UTC date) is the day the current shows' seasons air around.
    """
    rng = random.Random(seed)
    networks = _networks()
    webchannels = _webchannels()
    people = [_person(rng, PERSON_BASE + i + 1) for i in range(120)]
    shows: list[dict[str, Any]] = []
    episode_id = EPISODE_BASE
    used_names: set[str] = set()
    for n in range(count):
        show_id = SHOW_BASE + n + 1
        while True:
            name = f"The {rng.choice(_ADJ)} {rng.choice(_NOUN)}{rng.choice(_SUFFIX)}"
            if name not in used_names:
                used_names.add(name)
                break
        on_web = n % 4 == 3
        network = None if on_web else networks[n % len(networks)]
        webchannel = webchannels[n % len(webchannels)] if on_web else None
        premiered = dt.date(1995, 1, 2) + dt.timedelta(days=rng.randrange(0, 365 * 28))
        seasons = rng.randint(2, 7)
        per_season = rng.choice([6, 8, 10, 12, 13])
        runtime = rng.choice([30, 45, 60])
        ended_flag = rng.random() < 0.5
        airtime = rng.choice(["20:00", "21:00", "22:00", ""])
        day = rng.choice(_DAYS)
        episodes: list[dict[str, Any]] = []
        airdate = premiered
        for season in range(1, seasons + 1):
            for number in range(1, per_season + 1):
                episode_id += 1
                episodes.append(_episode(rng, episode_id, show_id, name, season, number, airdate, airtime, runtime))
                airdate += dt.timedelta(days=7)
            if rng.random() < 0.4:
                episode_id += 1
                episodes.append(_episode(rng, episode_id, show_id, name, season, None, airdate, airtime, runtime))
            airdate += dt.timedelta(days=rng.randrange(150, 300))
        if n % 10 == 0 and len(episodes) > 2:
            # Two episodes on one day: scrobbling by that airdate marks both.
            twin = dict(episodes[1])
            episode_id += 1
            twin.update(id=episode_id, number=episodes[1]["number"] + 100, name=episodes[1]["name"] + " (Part 2)")
            twin["url"] = f"{_HOST}/episodes/{episode_id}"
            twin["_links"] = {
                "self": {"href": f"{_HOST}/episodes/{episode_id}"},
                "show": {"href": f"{_HOST}/shows/{show_id}", "name": name},
            }
            episodes.append(twin)
        last_airdate = dt.date.fromisoformat(episodes[-1]["airdate"])
        status = "Ended" if ended_flag else "Running"
        cast = [
            {
                "person": p,
                "character": _character(show_id * 10 + i, f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"),
                "self": False,
                "voice": False,
            }
            for i, p in enumerate(rng.sample(people, rng.randint(3, 7)))
        ]
        shows.append(
            {
                "id": show_id,
                "url": f"{_HOST}/shows/{show_id}",
                "name": name,
                "type": rng.choice(["Scripted", "Scripted", "Animation", "Documentary", "Reality"]),
                "language": rng.choice(["English", "English", "German", "French"]),
                "genres": rng.sample(_GENRES, rng.randint(1, 3)),
                "status": status,
                "runtime": runtime,
                "averageRuntime": runtime,
                "premiered": premiered.isoformat(),
                "ended": last_airdate.isoformat() if ended_flag else None,
                "officialSite": None if n % 5 == 0 else f"https://show{show_id}.invalid",
                "schedule": {"time": airtime, "days": [day]},
                "rating": {"average": round(rng.uniform(5.0, 9.5), 1)},
                "weight": rng.randint(40, 100),
                "network": network,
                "webChannel": webchannel,
                "dvdCountry": None,
                "externals": {
                    "tvrage": None if n % 3 == 0 else 50_000 + n,
                    "thetvdb": 800_000 + n,
                    "imdb": f"tt{9_100_000 + n:07d}",
                },
                "image": None,
                "summary": f"<p><b>{name}</b> is a made-up show from openmaze's demo catalog.</p>",
                "updated": 1_700_000_000 + n * 3600,
                "_links": {"self": {"href": f"{_HOST}/shows/{show_id}"}},
                "_embedded": {"episodes": episodes, "cast": cast},
            }
        )
    # After every random draw, so the rest of the catalog does not depend on the day.
    _move_to(shows, today or dt.datetime.now(dt.UTC).date())
    # From a generator of their own, so adding them left the rest of the catalog as it was.
    extra = random.Random(seed + 1)
    for n, show in enumerate(shows):
        _add_extras(extra, n, show, people)
    return shows


def _character(character_id: int, name: str) -> dict[str, Any]:
    return {
        "id": character_id,
        "url": f"{_HOST}/characters/{character_id}",
        "name": name,
        "image": None,
        "_links": {"self": {"href": f"{_HOST}/characters/{character_id}"}},
    }


def _add_extras(rng: random.Random, n: int, show: dict[str, Any], people: list[dict[str, Any]]) -> None:
    """Seasons (with ids of their own), crew, akas, images, alternate lists and guests."""
    show_id, embedded = show["id"], show["_embedded"]
    episodes = embedded["episodes"]
    embedded["seasons"] = []
    for season in sorted({e["season"] for e in episodes}):
        in_season = [e for e in episodes if e["season"] == season]
        season_id = SEASON_BASE + 10 * n + season
        embedded["seasons"].append(
            {
                "id": season_id,
                "url": f"{_HOST}/seasons/{season_id}",
                "number": season,
                "name": "",
                "episodeOrder": sum(1 for e in in_season if e["number"] is not None),
                "premiereDate": min(e["airdate"] for e in in_season),
                "endDate": max(e["airdate"] for e in in_season),
                "network": show["network"],
                "webChannel": show["webChannel"],
                "image": None,
                "summary": None,
                "_links": {"self": {"href": f"{_HOST}/seasons/{season_id}"}},
            }
        )
    embedded["crew"] = [
        {"type": kind, "person": person}
        for kind, person in zip(
            ["Creator", "Executive Producer", "Composer"], rng.sample(people, rng.randint(1, 3)), strict=False
        )
    ]
    country = _COUNTRIES[n % len(_COUNTRIES)]
    embedded["akas"] = [] if n % 3 == 0 else [{"name": f"{show['name']} ({country['code']})", "country": country}]
    embedded["images"] = [
        {
            "id": IMAGE_BASE + 10 * n + i,
            "type": kind,
            "main": i == 0,
            "resolutions": {
                size: {"url": f"{_HOST}/images/{show_id}/{kind}-{size}.jpg", "width": width, "height": width * 3 // 2}
                for size, width in (("original", 680), ("medium", 210))
            },
        }
        for i, kind in enumerate(["poster", "background"][: 1 + n % 2])
    ]
    if n % 5 == 1:
        list_id = ALTERNATE_BASE + n
        regular = [e for e in episodes if e["number"] is not None]
        embedded["alternatelists"] = [
            {
                "id": list_id,
                "url": f"{_HOST}/alternatelists/{list_id}",
                "dvd_release": True,
                "verbatim_order": False,
                "country_premiere": False,
                "streaming_premiere": False,
                "broadcast_premiere": False,
                "language_premiere": False,
                "language": None,
                "network": None,
                "webChannel": None,
                "_links": {
                    "self": {"href": f"{_HOST}/alternatelists/{list_id}"},
                    "show": {"href": f"{_HOST}/shows/{show_id}", "name": show["name"]},
                },
                "_embedded": {
                    "alternateepisodes": [
                        {
                            "id": list_id * 100 + i + 1,
                            "url": f"{_HOST}/alternateepisodes/{list_id * 100 + i + 1}",
                            "season": 1,
                            "number": i + 1,
                            "_links": {
                                "self": {"href": f"{_HOST}/alternateepisodes/{list_id * 100 + i + 1}"},
                                "alternatelist": {"href": f"{_HOST}/alternatelists/{list_id}"},
                                "episodes": [{"href": f"{_HOST}/episodes/{e['id']}"}],
                            },
                        }
                        # The first season's episodes, in reverse: a DVD order of its own.
                        for i, e in enumerate(reversed([e for e in regular if e["season"] == 1]))
                    ]
                },
            }
        ]
    for i, episode in enumerate(episodes):
        if i % 4 != 1:
            continue
        guests = rng.sample(people, 2)
        episode["_embedded"] = {
            "guestcast": [
                {
                    "person": guests[0],
                    "character": _character(
                        GUEST_CHARACTER_BASE + episode["id"] - EPISODE_BASE, f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
                    ),
                    "self": False,
                    "voice": False,
                }
            ],
            "guestcrew": [{"guestCrewType": rng.choice(["Director", "Writer"]), "person": guests[1]}],
        }


def _move_to(shows: list[dict[str, Any]], today: dt.date) -> None:
    """Shift whole running shows (every episode by the same number of days, so their order
    and spacing stay as made) until the middle of their last season airs within three days
    of `today`. The first two shows stay put: tests name them."""
    running = [show for show in shows[2:] if show["status"] == "Running"][:CURRENT_SHOWS]
    for j, show in enumerate(running):
        episodes = show["_embedded"]["episodes"]
        last_season = max(e["season"] for e in episodes)
        regular = [e for e in episodes if e["season"] == last_season and e["number"] is not None]
        middle = dt.date.fromisoformat(regular[len(regular) // 2]["airdate"])
        shift = (today - middle) + dt.timedelta(days=j % 7 - 3)
        for episode in episodes:
            day = dt.date.fromisoformat(episode["airdate"]) + shift
            episode["airdate"] = day.isoformat()
            episode["airstamp"] = f"{day.isoformat()}T{episode['airtime'] or '00:00'}:00+00:00"
        show["premiered"] = (dt.date.fromisoformat(show["premiered"]) + shift).isoformat()
        show["schedule"]["days"] = [_DAYS[(middle + shift).weekday()]]


def current_show_ids(shows: list[dict[str, Any]], today: dt.date, days: int = 10) -> list[int]:
    """The shows with an episode airing within `days` of `today` (the demo user follows them)."""
    low, high = (today - dt.timedelta(days=days)).isoformat(), (today + dt.timedelta(days=days)).isoformat()
    return [show["id"] for show in shows if any(low <= e["airdate"] <= high for e in show["_embedded"]["episodes"])]


def _episode(
    rng: random.Random,
    episode_id: int,
    show_id: int,
    show_name: str,
    season: int,
    number: int | None,
    airdate: dt.date,
    airtime: str,
    runtime: int,
) -> dict[str, Any]:
    special = number is None
    stamp_time = airtime or "00:00"
    return {
        "id": episode_id,
        "url": f"{_HOST}/episodes/{episode_id}",
        "name": f"{'Special: ' if special else ''}{rng.choice(_ADJ)} {rng.choice(_NOUN)}",
        "season": season,
        "number": number,
        "type": rng.choice(["significant_special", "insignificant_special"]) if special else "regular",
        "airdate": airdate.isoformat(),
        "airtime": airtime,
        "airstamp": f"{airdate.isoformat()}T{stamp_time}:00+00:00",
        "runtime": runtime,
        "rating": {"average": round(rng.uniform(5.0, 9.8), 1) if rng.random() < 0.8 else None},
        "image": None,
        "summary": None if special else f"<p>Season {season}, episode {number} of {show_name}.</p>",
        "_links": {
            "self": {"href": f"{_HOST}/episodes/{episode_id}"},
            "show": {"href": f"{_HOST}/shows/{show_id}", "name": show_name},
        },
    }
