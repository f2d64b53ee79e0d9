"""`/schedule`, `/schedule/web` and `/schedule/full`: which episodes, whose country, which
day by default, the primetime filter, and the full schedule streamed in chunks.

The shows here air in 2040, after everything in the demo catalog, so the expectations are
exact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.public import schedules
from tests.public.conftest import minimal_show

US = {"name": "United States", "code": "US", "timezone": "America/New_York"}
GB = {"name": "United Kingdom", "code": "GB", "timezone": "Europe/London"}
DE = {"name": "Germany", "code": "DE", "timezone": "Europe/Berlin"}


def channel(channel_id: int, country: dict[str, str] | None) -> dict[str, Any]:
    return {"id": channel_id, "name": f"Channel {channel_id}", "country": country, "officialSite": None}


def episode(episode_id: int, show_id: int, airdate: str, airtime: str, airstamp: str) -> dict[str, Any]:
    return {
        "id": episode_id,
        "url": f"https://api.tvmaze.com/episodes/{episode_id}",
        "name": f"Episode {episode_id}",
        "season": 1,
        "number": episode_id % 100,
        "type": "regular",
        "airdate": airdate,
        "airtime": airtime,
        "airstamp": airstamp,
        "runtime": 60,
        "_links": {"self": {"href": f"https://api.tvmaze.com/episodes/{episode_id}"}},
    }


SHOWS = [
    # On a US network: the evening of 30 April and 1 May, New York time.
    minimal_show(
        81,
        "US Network Show",
        network=channel(81, US),
        _embedded={
            "episodes": [
                episode(8101, 81, "2040-04-30", "21:00", "2040-05-01T01:00:00+00:00"),
                episode(8102, 81, "2040-05-01", "18:00", "2040-05-01T22:00:00+00:00"),
                episode(8103, 81, "2040-05-01", "20:00", "2040-05-02T00:00:00+00:00"),
            ]
        },
    ),
    minimal_show(
        82,
        "GB Network Show",
        network=channel(82, GB),
        _embedded={"episodes": [episode(8201, 82, "2040-05-01", "21:00", "2040-05-01T20:00:00+00:00")]},
    ),
    minimal_show(
        83,
        "US Web Show",
        webChannel=channel(83, US),
        _embedded={"episodes": [episode(8301, 83, "2040-05-01", "", "2040-05-01T12:00:00+00:00")]},
    ),
    minimal_show(
        84,
        "Global Web Show",
        webChannel=channel(84, None),
        _embedded={"episodes": [episode(8401, 84, "2040-05-01", "", "2040-05-01T07:00:00+00:00")]},
    ),
    minimal_show(
        85,
        "DE Web Show",
        webChannel=channel(85, DE),
        _embedded={"episodes": [episode(8501, 85, "2040-05-01", "", "2040-05-01T10:00:00+00:00")]},
    ),
]


@pytest.fixture
def scheduled(client: TestClient, add_shows: Callable[..., None]) -> TestClient:
    add_shows(SHOWS)
    return client


def set_clock(client: TestClient, when: str) -> None:
    moment = datetime.fromisoformat(when).replace(tzinfo=UTC).timestamp()
    client.app.state.services.clock = lambda: moment  # type: ignore[attr-defined]


def ids(body: list[dict[str, Any]]) -> list[int]:
    return [e["id"] for e in body]


def test_schedule_one_country_one_day_with_the_show(scheduled: TestClient) -> None:
    body = scheduled.get("/schedule?country=US&date=2040-05-01").json()
    assert ids(body) == [8102, 8103]  # in airing order; not the GB or web episodes
    assert body[0]["show"]["id"] == 81 and body[0]["show"]["name"] == "US Network Show"
    assert "_embedded" not in body[0]
    assert ids(scheduled.get("/schedule?country=GB&date=2040-05-01").json()) == [8201]
    assert ids(scheduled.get("/schedule?country=gb&date=2040-05-01").json()) == [8201]
    assert ids(scheduled.get("/schedule?date=2040-05-01").json()) == [8102, 8103]  # US by default
    assert scheduled.get("/schedule?country=ZZ&date=2040-05-01").json() == []
    assert scheduled.get("/schedule?country=US&date=2040-06-01").json() == []


def test_schedule_primetime_filter(scheduled: TestClient) -> None:
    assert ids(scheduled.get("/schedule?country=US&date=2040-05-01&filter=primetime").json()) == [8103]
    assert scheduled.get("/schedule?date=2040-05-01&filter=daytime").status_code == 422


def test_schedule_defaults_to_today_in_the_country(scheduled: TestClient) -> None:
    # 03:00 UTC on 1 May is still 30 April in New York, already 1 May in London.
    set_clock(scheduled, "2040-05-01T03:00:00")
    assert ids(scheduled.get("/schedule").json()) == [8101]
    assert ids(scheduled.get("/schedule?country=GB").json()) == [8201]


def test_schedule_refuses_a_malformed_date(scheduled: TestClient) -> None:
    for path in ("/schedule?date=2040-13-01", "/schedule/web?date=tomorrow"):
        r = scheduled.get(path)
        assert r.status_code == 422 and "date" in r.json()["errors"], path


def test_web_schedule_countries(scheduled: TestClient) -> None:
    everything = scheduled.get("/schedule/web?date=2040-05-01").json()
    assert ids(everything) == [8401, 8501, 8301]  # every channel, in airing order
    assert everything[0]["_embedded"]["show"]["id"] == 84
    assert ids(scheduled.get("/schedule/web?date=2040-05-01&country=").json()) == [8401]  # global only
    assert ids(scheduled.get("/schedule/web?date=2040-05-01&country=US").json()) == [8401, 8301]
    assert ids(scheduled.get("/schedule/web?date=2040-05-01&country=DE").json()) == [8401, 8501]
    set_clock(scheduled, "2040-05-01T12:00:00")
    assert ids(scheduled.get("/schedule/web").json()) == [8401, 8501, 8301]


def test_full_schedule_cut_short_leaves_no_file(
    scheduled: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async def broken(db: Any, now: float, chunk: int | None = None) -> Any:
        yield b"["
        raise RuntimeError("the database went away")

    monkeypatch.setattr(schedules, "full_schedule", broken)
    with pytest.raises(RuntimeError):
        scheduled.get("/schedule/full")
    assert list((tmp_path / "cache").iterdir()) == []


@pytest.mark.parametrize("chunk", [1, 2, 1000])
def test_full_schedule_from_today_streamed_in_chunks(
    scheduled: TestClient, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(schedules, "FULL_CHUNK", chunk)
    set_clock(scheduled, "2040-05-01T12:00:00")
    r = scheduled.get("/schedule/full")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    # From today (UTC) on, by airdate then id: the day before is left out.
    assert ids(body) == [8102, 8103, 8201, 8301, 8401, 8501]
    assert {e["_embedded"]["show"]["id"] for e in body} == {81, 82, 83, 84, 85}
    set_clock(scheduled, "2040-06-01T00:00:00")
    assert scheduled.get("/schedule/full").json() == []


def test_full_schedule_etag_moves_with_the_catalog_and_the_day(
    scheduled: TestClient, add_shows: Callable[..., None], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"  # the data folder's (settings.data_dir is tmp_path)
    set_clock(scheduled, "2040-05-01T12:00:00")
    r = scheduled.get("/schedule/full")
    etag = r.headers["etag"]
    assert etag.startswith('W/"') and r.headers["cache-control"].startswith("public, max-age=")
    again = scheduled.get("/schedule/full", headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    # The body was kept in one file, whole; a client without it gets the file's bytes.
    (kept,) = cache.iterdir()
    assert kept.read_bytes() == r.content
    assert scheduled.get("/schedule/full").content == r.content
    add_shows(
        [
            minimal_show(
                86,
                "Late Addition",
                network=channel(81, US),
                _embedded={"episodes": [episode(8601, 86, "2040-05-03", "20:00", "2040-05-04T00:00:00+00:00")]},
            )
        ]
    )
    changed = scheduled.get("/schedule/full", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and 8601 in ids(changed.json())
    (kept,) = cache.iterdir()  # the older version's file is gone
    assert kept.read_bytes() == changed.content
    set_clock(scheduled, "2040-05-02T12:00:00")
    assert scheduled.get("/schedule/full").headers["etag"] != changed.headers["etag"]
