"""Every catalog endpoint answers with a number of SQL statements that does not depend on
the size of what it returns: a small and a big show, episode, person, season and list
cost the same statements (no query per item), and the full schedule costs two per chunk."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.db.database import create_database
from openmaze.public import schedules
from openmaze.settings import Settings
from tests.public.conftest import minimal_show
from tests.statements import CountingDatabase

BIG, SMALL = 91, 92


def person(person_id: int) -> dict[str, Any]:
    return {"id": person_id, "name": f"Person {person_id}", "updated": 1_600_000_000}


def character(character_id: int) -> dict[str, Any]:
    return {"id": character_id, "name": f"Character {character_id}", "_links": {"self": {"href": f"c/{character_id}"}}}


def sized_show(show_id: int, size: int) -> dict[str, Any]:
    """A show with `size` of everything: episodes (each with `size` guests), cast, crew,
    seasons, alternate episodes; person `show_id * 1000` is in every credit list."""
    base = show_id * 1000
    people = [person(base + i) for i in range(size)]
    episodes = [
        {
            "id": base + i,
            "season": 1 + i % 3,
            "number": i,
            "airdate": "2040-05-01",
            "airtime": "20:00",
            "airstamp": f"2040-05-01T{i % 24:02d}:00:00+00:00",
            "name": f"Episode {i}",
            "_links": {"self": {"href": f"e/{base + i}"}},
            "_embedded": {
                "guestcast": [
                    {"person": p, "character": character(base + i * size + j), "self": False, "voice": False}
                    for j, p in enumerate(people)
                ],
                "guestcrew": [{"guestCrewType": "Director", "person": p} for p in people],
            },
        }
        for i in range(size)
    ]
    return minimal_show(
        show_id,
        f"Show of size {size}",
        network={"id": show_id, "name": "Net", "country": {"code": "US", "timezone": "America/New_York"}},
        _embedded={
            "episodes": episodes,
            "cast": [
                {"person": p, "character": character(base + 900 + i), "self": False, "voice": False}
                for i, p in enumerate(people)
            ],
            "crew": [{"type": "Producer", "person": p} for p in people],
            "seasons": [{"id": base + s, "number": s} for s in (1, 2, 3)],
            "akas": [{"name": f"Aka {i}", "country": None} for i in range(size)],
            "images": [{"id": base + i, "type": "poster", "main": i == 0} for i in range(size)],
            "alternatelists": [
                {
                    "id": show_id,
                    "_embedded": {
                        "alternateepisodes": [
                            {"id": base + i, "_links": {"episodes": [{"href": f"e/{base + i}"}]}} for i in range(size)
                        ]
                    },
                }
            ],
        },
    )


@pytest.fixture
def counted(settings: Settings, add_shows: Callable[..., None]) -> Iterator[tuple[TestClient, CountingDatabase]]:
    add_shows([sized_show(BIG, 40), sized_show(SMALL, 1)])
    db = CountingDatabase(create_database(settings.resolved_database_url()))
    with TestClient(create_app(settings, db=db)) as client:  # type: ignore[arg-type]
        yield client, db


EVERY_SHOW_EMBED = "episodes,cast,crew,seasons,images,akas,nextepisode,previousepisode"
PATHS = [
    "/shows/{show}?embed=" + EVERY_SHOW_EMBED,
    "/shows/{show}/episodes?specials=1",
    "/shows/{show}/seasons",
    "/shows/{show}/cast",
    "/shows/{show}/crew",
    "/shows/{show}/akas",
    "/shows/{show}/images",
    "/shows/{show}/alternatelists",
    "/alternatelists/{show}?embed=alternateepisodes",
    "/alternatelists/{show}/alternateepisodes?embed=episodes",
    "/seasons/{season}?embed=episodes",
    "/seasons/{season}/episodes",
    "/episodes/{episode}?embed[]=show&embed[]=guestcast&embed[]=guestcrew",
    "/episodes/{episode}/guestcast",
    "/episodes/{episode}/guestcrew",
    "/people/{person}?embed=castcredits,crewcredits,guestcastcredits",
    "/people/{person}/castcredits?embed=show,character",
    "/people/{person}/crewcredits?embed=show",
    "/people/{person}/guestcastcredits?embed=episode,character",
    "/characters/{character}",
    "/networks/{show}",
]


def _ids(show: int) -> dict[str, int]:
    return {"show": show, "season": show * 1000 + 1, "episode": show * 1000, "person": show * 1000}


def test_statements_do_not_grow_with_the_answer(counted: tuple[TestClient, CountingDatabase]) -> None:
    client, db = counted
    for template in PATHS:
        costs = []
        for show in (SMALL, BIG):
            ids = _ids(show) | {"character": show * 1000 + 900}
            db.statements.clear()
            r = client.get(template.format(**ids))
            assert r.status_code == 200, (template, r.text[:300])
            costs.append(len(db.statements))
        assert costs[0] == costs[1], (template, costs)
        # At most one per embed asked for, plus the object and its previous/next episode.
        assert costs[1] <= 3 + template.count(",") + template.count("embed"), (template, costs)
    big = client.get(f"/people/{BIG * 1000}/guestcastcredits").json()
    assert len(big) == 40  # the big person's credits are many: the count above means something


def test_a_days_schedule_is_one_statement(counted: tuple[TestClient, CountingDatabase]) -> None:
    client, db = counted
    for path in ("/schedule?date=2040-05-01", "/schedule/web?date=2040-05-01", "/schedule/web?country=US"):
        db.statements.clear()
        assert client.get(path).status_code == 200
        # Without a date, one more: the country's time zone, for its today.
        assert len(db.statements) == (1 if "date=" in path else 2), path
    db.statements.clear()
    assert len(client.get("/schedule?date=2040-05-01").json()) == 41


def test_the_full_schedule_costs_two_statements_per_chunk_then_one(
    counted: tuple[TestClient, CountingDatabase], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, db = counted
    client.app.state.services.clock = lambda: 2_219_000_000.0  # type: ignore[attr-defined]  # 2040-04-26
    monkeypatch.setattr(schedules, "FULL_CHUNK", 10)
    db.statements.clear()
    first = client.get("/schedule/full")
    assert len(first.json()) == 41
    # One for the ETag (the catalog version), then per chunk of 10: the episodes and their
    # shows (5 chunks).
    assert len(db.statements) == 1 + 2 * 5
    # Then from the file it was written to: the ETag's statement only.
    db.statements.clear()
    assert client.get("/schedule/full").content == first.content
    assert len(db.statements) == 1
