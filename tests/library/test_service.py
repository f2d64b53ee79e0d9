"""The library's rules without HTTP: progress and its filters, the calendar's days in a time
zone, the demo catalog's dates around the day it is made, and the demo user's data."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from openmaze.catalog.demo import CURRENT_SHOWS, current_show_ids, demo_shows
from openmaze.core.errors import ApiError
from openmaze.core.scope import Scoped
from openmaze.db.database import Conn
from openmaze.library import service
from openmaze.library.demo import seed_demo_user
from openmaze.library.service import Episode, Now, ShowProgress
from tests.conftest import DEMO_SHOW, ApiUser, run_sync


def _without_dates(shows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for show in shows:
        copy = {k: v for k, v in show.items() if k not in ("premiered", "schedule", "_embedded", "ended")}
        copy["episodes"] = [
            {k: v for k, v in e.items() if k not in ("airdate", "airstamp")} for e in show["_embedded"]["episodes"]
        ]
        out.append(copy)
    return out


def test_demo_catalog_airs_around_the_day_it_is_made_and_is_otherwise_fixed() -> None:
    one, two = dt.date(2026, 3, 1), dt.date(2031, 8, 17)
    a, b = demo_shows(today=one), demo_shows(today=two)
    assert _without_dates(a) == _without_dates(b)
    for shows, today in ((a, one), (b, two)):
        current = current_show_ids(shows, today)
        assert len(current) == CURRENT_SHOWS
        for show in (s for s in shows if s["id"] in current):
            days = sorted(dt.date.fromisoformat(e["airdate"]) for e in show["_embedded"]["episodes"])
            assert any(today - dt.timedelta(days=14) <= d < today for d in days)  # recent
            assert any(today < d <= today + dt.timedelta(days=14) for d in days)  # upcoming
            assert show["status"] == "Running"
            assert show["premiered"] == days[0].isoformat() or show["premiered"] <= days[0].isoformat()
    # The shows tests name are the same whatever the day.
    assert a[0] == b[0] and a[1] == b[1]
    assert demo_shows(today=one) == a  # deterministic


def test_demo_user_follows_current_shows_with_some_watched(database_url: str, alice: ApiUser) -> None:
    today = dt.datetime.now(dt.UTC).date()
    shows = demo_shows(today=today)
    now = int(dt.datetime.now(dt.UTC).timestamp())

    async def seed_and_read(conn: Conn) -> list[ShowProgress]:
        await seed_demo_user(conn, alice.id, shows, today, now)
        await seed_demo_user(conn, alice.id, shows, today, now)  # a second start adds nothing
        return await service.progress(Scoped(conn, alice.id), Now(now))

    progress = run_sync(database_url, seed_and_read)
    states = {p.state for p in progress}
    assert {"watching", "not-started", "up-to-date"} <= states
    assert len(service.up_next(progress)) >= CURRENT_SHOWS - 1
    assert len(progress) == CURRENT_SHOWS + 2


def _show(**kw: Any) -> ShowProgress:
    base: dict[str, Any] = {"id": 1, "name": "A", "status": "Running", "channel": "", "followed_at": 0}
    return ShowProgress(**{**base, **kw})


def test_filters_and_sorting() -> None:
    shows = [
        _show(id=1, name="Beta", aired=10, watched=10, remaining=0, last_at=50),
        _show(id=2, name="alpha", aired=10, watched=3, remaining=7, last_at=90),
        _show(id=3, name="Gamma", aired=5, watched=0, remaining=5, status="Ended"),
    ]
    assert [s.id for s in service.choose(shows, "up-to-date", "name")] == [1]
    assert [s.id for s in service.choose(shows, "watching", "name")] == [2]
    assert [s.id for s in service.choose(shows, "not-started", "name")] == [3]
    assert [s.id for s in service.choose(shows, "ended", "name")] == [3]
    assert [s.id for s in service.choose(shows, "all", "name")] == [2, 1, 3]
    assert [s.id for s in service.choose(shows, "all", "recent")] == [2, 1, 3]
    assert [s.id for s in service.choose(shows, "all", "progress")] == [1, 2, 3]
    assert [s.id for s in service.choose(shows, "all", "remaining")] == [2, 3, 1]


def test_days_are_the_users_local_days() -> None:
    late = Episode(1, 1, 1, 1, "x", "2026-03-01T23:30:00+00:00", "2026-03-01")
    undated_time = Episode(2, 1, 1, 2, "y", None, "2026-03-02")
    first, last = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
    utc = service.by_day([late, undated_time], ZoneInfo("UTC"), first, last, keep_empty=True)
    assert [(d.date.day, [(t, e.id) for t, e in d.episodes]) for d in utc] == [(1, [("23:30", 1)]), (2, [("", 2)])]
    berlin = service.by_day([late], ZoneInfo("Europe/Berlin"), first, last, keep_empty=False)
    assert [(d.date.day, [(t, e.id) for t, e in d.episodes]) for d in berlin] == [(2, [("00:30", 1)])]


def test_episode_labels() -> None:
    assert Episode(1, 1, 3, 7, "", None, None).label == "S03E07"
    assert Episode(1, 1, 2, None, "", None, None).label == "S02 Special"


def test_time_zones() -> None:
    assert service.parse_time_zone(" Europe/Berlin ") == "Europe/Berlin"
    assert service.zone("Not/AZone").key == "UTC"
    assert service.zone(None).key == "UTC"
    for bad in ("", "Mars/Olympus", "../etc/passwd", "Europe/Berlin\x00"):
        with pytest.raises(ApiError) as err:
            service.parse_time_zone(bad)
        assert err.value.status == 422


def test_summaries_are_text_never_markup() -> None:
    assert service.plain_text("<p><b>Hi</b> &amp; <script>x</script></p>") == "Hi  &amp;  x".replace("&amp;", "&")
    assert service.plain_text(None) == ""


def test_mark_everything_aired_skips_watched_and_unaired(database_url: str, alice: ApiUser) -> None:
    now = Now(int(dt.datetime.now(dt.UTC).timestamp()))

    async def run(conn: Conn) -> tuple[int, int]:
        scoped = Scoped(conn, alice.id)
        first = await service.mark_aired_watched(scoped, DEMO_SHOW, 1, now)
        again = await service.mark_aired_watched(scoped, DEMO_SHOW, 1, now)
        return first, again

    first, again = run_sync(database_url, run)
    assert first > 0 and again == 0
