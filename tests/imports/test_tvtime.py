"""`openmaze import tvtime`: both layouts of TV Time's GDPR export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openmaze.imports.service import parse_time
from tests.conftest import DEMO_SHOW, DEMO_SHOW_2, ApiUser
from tests.imports.conftest import csv_text, zip_bytes

V2_COLUMNS = ["user_id", "s_id", "series_name", "season_number", "episode_number", "episode_id", "created_at", "type"]
FOLLOW_COLUMNS = ["user_id", "tv_show_id", "tv_show_name", "created_at", "active"]


def _t(text: str) -> int:
    at = parse_time(text)
    assert at is not None
    return at


def recent_layout() -> bytes:
    return zip_bytes(
        {
            "gdpr-export/tracking-prod-records-v2.csv": csv_text(
                V2_COLUMNS,
                [
                    [7, 800000, "The Lost Academy Files", 1, 1, 5550001, "2023-05-01 20:15:00", "watch"],
                    [7, 800000, "The Lost Academy Files", 1, 1, 5550001, "2023-06-01 20:15:00", "watch"],  # rewatch
                    [7, 800000, "The Lost Academy Files", 1, 2, 5550002, "2023-05-02 20:15:00", "watch"],
                    [7, 12345, "Gone Show", 1, 1, 5550003, "2023-05-03 20:15:00", "watch"],
                    [7, 800001, "The Distant Orchard", "one", 1, 5550004, "2023-05-03 20:15:00", "watch"],
                ],
            ),
            # The older tracking file of a recent export: movies only.
            "gdpr-export/tracking-prod-records.csv": csv_text(
                ["movie_name", "type", "created_at"], [["A Film", "watch", "2022-01-01 00:00:00"]]
            ),
            "gdpr-export/followed_tv_show.csv": csv_text(
                FOLLOW_COLUMNS, [[7, 800001, "The Distant Orchard", "2021-01-01 10:00:00", 1]]
            ),
        }
    )


def older_layout() -> bytes:
    """seen_episode.csv: names only, a year written into the name where TV Time disambiguated."""
    return zip_bytes(
        {
            "seen_episode.csv": csv_text(
                ["tv_show_name", "episode_season_number", "episode_number", "episode_id", "updated_at"],
                [
                    ["The Lost Academy Files (2016)", 1, 3, 1, "2019-02-03 04:05:06"],
                    ["the distant orchard", 1, 1, 2, "2019-02-04 04:05:06"],
                    ["Unheard Of", 2, 2, 3, "2019-02-04 04:05:06"],
                    ["The Lost Academy Files", "", "", 4, "2019-02-04 04:05:06"],
                ],
            ),
            "followed_tv_show.csv": csv_text(["tv_show_name"], [["The Lost Academy Files"]]),
        }
    )


def test_recent_layout(
    run_import: Callable[..., Any], user_data: Callable[[int], dict[str, Any]], alice: ApiUser
) -> None:
    code, report, _ = run_import("tvtime", "--no-fetch", data=recent_layout())
    assert code == 0
    assert (report["matched"], report["created"], report["source"]) == (4, 3, "TV Time")
    assert report["unmatched"] == [
        {
            "source": "tracking-prod-records-v2.csv row 6: The Distant Orchard",
            "reason": "the season or episode number is not a number",
        },
        {
            "source": "tracking-prod-records-v2.csv row 5: Gone Show S01E01",
            "reason": "no TVmaze show for TheTVDB 12345",
        },
    ]
    assert any("tracking-prod-records.csv, which holds no episodes" in n for n in report["notes"])
    data = user_data(alice.id)
    assert data["marks"] == [
        (9000001, DEMO_SHOW, 0, _t("2023-06-01 20:15:00")),
        (9000002, DEMO_SHOW, 0, _t("2023-05-02 20:15:00")),
    ]
    assert [r[1:] for r in data["follows"]["followed_shows"]] == [(DEMO_SHOW_2, _t("2021-01-01 10:00:00"))]
    _, again, _ = run_import("tvtime", "--no-fetch", data=recent_layout())
    assert (again["created"], again["updated"]) == (0, 0)
    assert user_data(alice.id) == data


def test_older_layout_matches_by_name(
    run_import: Callable[..., Any], user_data: Callable[[int], dict[str, Any]], alice: ApiUser
) -> None:
    code, report, _ = run_import("tvtime", "--no-fetch", data=older_layout())
    assert code == 0
    assert report["created"] == 3  # two marks and a follow
    assert report["unmatched"] == [
        {"source": "seen_episode.csv row 4: Unheard Of S02E02", "reason": "no TVmaze show named 'Unheard Of'"}
    ]
    assert any("1 rows without an episode number" in n for n in report["notes"])
    data = user_data(alice.id)
    assert data["marks"][0][:2] == (9000003, DEMO_SHOW)
    assert {m[1] for m in data["marks"]} == {DEMO_SHOW, DEMO_SHOW_2}
    assert [r[1] for r in data["follows"]["followed_shows"]] == [DEMO_SHOW]
