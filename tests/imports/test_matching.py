"""`openmaze.catalog.matching`: each rule, its reasons, ambiguity, and a bounded number of
statements for a whole list; against the demo catalog plus a few look-alike shows."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from openmaze.catalog.importer import parse_document, write_batch
from openmaze.catalog.matching import (
    EpisodeRef,
    Match,
    Matcher,
    ShowRef,
    show_ids_by_external,
    split_year,
    title_key,
)
from openmaze.db.database import Conn, Database, run_with_database
from tests.conftest import DEMO_SHOW, DEMO_SHOW_2
from tests.statements import CountingConn

# Demo catalog facts (tests/conftest.py `demo`): show 900001 'The Lost Academy Files',
# TheTVDB 800000, IMDb tt9100000; its first episode 9000001 is S01E01; special 9000021
# (season 2, no number) aired 2017-11-06.
LOOKALIKES: list[dict[str, Any]] = [
    {"id": 950001, "name": "Ghosts", "premiered": "2019-04-15", "externals": {"thetvdb": 700001}},
    {"id": 950002, "name": "Ghosts", "premiered": "2021-10-07", "externals": {"thetvdb": 700002}},
    {"id": 950003, "name": "Twin Peaks", "premiered": "1990-04-08", "externals": {}},
    {"id": 950004, "name": "Twin Peaks", "premiered": "1990-09-30", "externals": {}},
    {"id": 950005, "name": "Office", "premiered": "2010-01-01", "externals": {"thetvdb": 800000}},
    {"id": 950007, "name": "Lonely Name", "premiered": "2012-01-01", "externals": {}},
    {
        "id": 950006,
        "name": "Specials Galore",
        "premiered": "2001-01-01",
        "externals": {},
        "_embedded": {
            "episodes": [
                {"id": 9500061, "name": "Pilot", "season": 1, "number": 1, "airdate": "2001-01-01"},
                {"id": 9500062, "name": "Christmas Special", "season": 1, "number": None, "airdate": "2001-12-24"},
                {"id": 9500063, "name": "New Year's Eve", "season": 1, "number": None, "airdate": "2001-12-31"},
                {"id": 9500064, "name": "New Year: Part 2", "season": 1, "number": None, "airdate": "2001-12-31"},
            ]
        },
    },
]


def _run(database_url: str, fn: Any) -> Any:
    async def go(db: Database) -> Any:
        async with db.transaction() as conn:
            for show in LOOKALIKES:
                await write_batch(conn, parse_document(show, "test"))
        async with db.read() as conn:
            return await fn(conn)

    return run_with_database(database_url, go)


def _shows(database_url: str, refs: list[ShowRef]) -> list[Match]:
    return _run(database_url, lambda conn: Matcher(conn).shows(refs))


def _episodes(database_url: str, refs: list[EpisodeRef]) -> list[Match]:
    return _run(database_url, lambda conn: Matcher(conn).episodes(refs))


def test_show_ids_in_the_order_of_the_rules(database_url: str) -> None:
    refs = [
        ShowRef(tvmaze=DEMO_SHOW_2, thetvdb=800000),  # the TVmaze id wins
        ShowRef(thetvdb=800001, imdb="tt9100000"),  # then TheTVDB
        ShowRef(thetvdb=1, imdb="tt9100002"),  # an unknown TheTVDB id falls through to IMDb
        ShowRef(title="Lost Academy Files, The"),  # not an article at the front: no match
        ShowRef(title="lost academy files"),  # article and case folded
        ShowRef(title="The Hidden Circuit Cafe"),  # accents folded (Café)
        ShowRef(thetvdb=800000),  # two shows carry it: the lowest id, as /lookup/shows
    ]
    got = [m.show_id for m in _shows(database_url, refs)]
    assert got == [DEMO_SHOW_2, DEMO_SHOW_2, 900003, None, DEMO_SHOW, 900004, DEMO_SHOW]


def test_titles_use_the_premiere_year_and_never_guess(database_url: str) -> None:
    got = _shows(
        database_url,
        [
            ShowRef(title="Ghosts", year=2021),
            ShowRef(title="Ghosts (2019)"),
            ShowRef(title="Ghosts"),
            ShowRef(title="Twin Peaks", year=1990),
            ShowRef(title="Ghosts", year=2005),
            ShowRef(title="Office"),
            ShowRef(title="The Office", year=1990),
        ],
    )
    assert [m.show_id for m in got[:2]] == [950002, 950001]
    assert got[2] == Match(None, None, "2 shows named 'Ghosts' and no year to choose", ambiguous=True)
    assert got[3] == Match(None, None, "2 shows named 'Twin Peaks' premiered 1990", ambiguous=True)
    assert got[4] == Match(None, None, "2 shows named 'Ghosts', none premiered 2005", ambiguous=True)
    assert got[5].show_id == 950005
    assert got[6].reason == "no TVmaze show named 'The Office' premiered 1990 (one premiered 2010)"


def test_show_reasons_name_what_the_source_gave(database_url: str) -> None:
    got = _shows(
        database_url,
        [
            ShowRef(tvmaze=123456789),
            ShowRef(thetvdb=12345, title="Nowhere"),
            ShowRef(imdb="tt0000001"),
            ShowRef(title="Nowhere", year=2001),
            ShowRef(tmdb=77),
            ShowRef(),
        ],
    )
    assert [m.reason for m in got] == [
        "no TVmaze show 123456789",
        "no TVmaze show for TheTVDB 12345",
        "no TVmaze show for IMDb tt0000001",
        "no TVmaze show named 'Nowhere' premiered 2001",
        "no TVmaze show for TMDB 77 (TVmaze has no TMDB ids)",
        "no show id or title to match",
    ]


def test_episodes_by_id_number_airdate_and_title(database_url: str) -> None:
    lost = ShowRef(thetvdb=800000)
    galore = ShowRef(title="Specials Galore")
    refs = [
        EpisodeRef(ShowRef(), tvmaze_episode=9000001),
        EpisodeRef(lost, season=1, number=1),
        EpisodeRef(lost, season=0, number=3, airdate=datetime.date(2017, 11, 6)),  # TVmaze's special by airdate
        EpisodeRef(galore, season=0, number=1, title="christmas special!"),  # by title
        EpisodeRef(galore, season=0, number=2, airdate=datetime.date(2001, 12, 31), title="New Year: Part 2"),
        EpisodeRef(lost, season=3, number=99),
        EpisodeRef(galore, season=0, number=9, airdate=datetime.date(2001, 12, 31)),
        EpisodeRef(galore, season=0, number=8, airdate=datetime.date(2002, 1, 1), title="Easter"),
        EpisodeRef(ShowRef(thetvdb=999), season=1, number=1),
        EpisodeRef(ShowRef(), tvmaze_episode=123456789),
        EpisodeRef(galore),
    ]
    got = _episodes(database_url, refs)
    assert [(m.show_id, m.episode_id) for m in got[:5]] == [
        (DEMO_SHOW, 9000001),
        (DEMO_SHOW, 9000001),
        (DEMO_SHOW, 9000021),
        (950006, 9500062),
        (950006, 9500064),
    ]
    assert [m.reason for m in got[5:]] == [
        "no episode S03E99 in The Lost Academy Files",
        "2 specials aired 2001-12-31 in Specials Galore",
        "no special S00E08 aired 2002-01-01 or titled 'Easter' in Specials Galore",
        "no TVmaze show for TheTVDB 999",
        "no TVmaze episode 123456789",
        "no season and number to find the episode in Specials Galore",
    ]
    assert got[6].ambiguous and not got[5].ambiguous


@pytest.mark.parametrize("size", [10, 300])
def test_a_whole_list_takes_a_bounded_number_of_statements(database_url: str, size: int) -> None:
    refs = [
        EpisodeRef(ShowRef(thetvdb=800000 + n % 50, title=f"Show {n}"), season=1, number=1 + n % 5) for n in range(size)
    ]
    refs += [EpisodeRef(ShowRef(title=f"Unknown {n}")) for n in range(size)]
    log: list[str] = []

    async def count(conn: Conn) -> list[Match]:
        return await Matcher(CountingConn(conn, log)).episodes(refs)  # type: ignore[arg-type]

    got = _run(database_url, count)
    assert all(m.episode_id is not None for m in got[:size])
    assert len(log) <= 7


def test_fetch_missing_is_asked_once_per_unknown_show(database_url: str) -> None:
    asked: list[ShowRef] = []

    async def fetch(ref: ShowRef) -> int | None:
        asked.append(ref)
        return DEMO_SHOW_2 if ref.thetvdb == 4242 else None

    async def go(conn: Conn) -> list[Match]:
        matcher = Matcher(conn, fetch_missing=fetch)
        refs = [ShowRef(thetvdb=4242), ShowRef(thetvdb=4242), ShowRef(thetvdb=4343), ShowRef(thetvdb=800001)]
        first = await matcher.shows(refs)
        again = await matcher.shows(refs)  # cached: nobody is asked twice
        assert first == again
        return first

    got = _run(database_url, go)
    assert [m.show_id for m in got] == [DEMO_SHOW_2, DEMO_SHOW_2, None, DEMO_SHOW_2]
    assert asked == [ShowRef(thetvdb=4242), ShowRef(thetvdb=4343)]


def test_lookup_rule_is_shared_with_the_lookup_endpoint(database_url: str) -> None:
    got = _run(database_url, lambda conn: show_ids_by_external(conn, "imdb_id", ["tt9100001", "tt0", None]))
    assert got == {"tt9100001": DEMO_SHOW_2}
    assert title_key("The  Amélie's Café!") == "amelie s cafe"


def test_a_show_with_other_ids_is_not_a_title_match_and_ids_are_fetched_first(database_url: str) -> None:
    asked: list[ShowRef] = []

    async def fetch(ref: ShowRef) -> int | None:
        asked.append(ref)
        return DEMO_SHOW_2 if ref.thetvdb == 4242 else None

    refs = [
        ShowRef(thetvdb=999_999, title="The Lost Academy Files"),  # 900001 is TheTVDB 800000: another show
        ShowRef(thetvdb=4242, title="Lonely Name"),  # fetched by id before the title is tried
        ShowRef(thetvdb=4343, title="Lonely Name"),  # not upstream either: the title, with no conflicting id
        ShowRef(title="Nobody Knows"),  # no id: offered to fetch_missing last
    ]
    got = _run(database_url, lambda conn: Matcher(conn, fetch_missing=fetch).shows(refs))
    assert got[0] == Match(None, None, "no TVmaze show for TheTVDB 999999")
    assert [m.show_id for m in got[1:]] == [DEMO_SHOW_2, 950007, None]
    assert asked == [refs[0], refs[1], refs[2], refs[3]]


def test_a_year_in_brackets_ends_a_title_and_is_the_premiere_year() -> None:
    """One rule for every source: the importers' titles and the media servers' series names."""
    assert split_year("Ghosts (2021)") == ("Ghosts", 2021)
    assert split_year("Ghosts  (2021) ") == ("Ghosts", 2021)
    assert split_year("Ghosts") == ("Ghosts", None)
    assert split_year("(2021)") == ("(2021)", None)  # nothing but a year: kept whole
    assert split_year("Class of (09) Stories") == ("Class of (09) Stories", None)
