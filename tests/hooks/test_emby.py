"""Emby: multipart with JSON in `data`, or an application/json body."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import ApiUser
from tests.hooks.conftest import SHOW_ID, SHOW_NAME, Send, episode, marks_of
from tests.hooks.payloads import emby

EVENT_TIME = 1_796_069_742  # the payloads' Date, 2026-11-30T20:15:42Z


@pytest.mark.parametrize("multipart", [True, False], ids=["multipart", "json"])
def test_events(client: TestClient, send: Send, alice: ApiUser, demo: list[dict[str, Any]], multipart: bool) -> None:
    first, second = episode(demo, SHOW_ID, 3, 1), episode(demo, SHOW_ID, 3, 2)
    stop = send("emby", emby("playback.stop", SHOW_NAME, 3, 1, completed=False, multipart=multipart)).json()
    assert stop["status"] == "ignored" and stop["reason"] == "Emby event playback.stop marks nothing"
    done = send("emby", emby("playback.stop", SHOW_NAME, 3, 1, completed=True, multipart=multipart)).json()
    assert done["status"] == "applied" and done["episode_id"] == first["id"] and done["action"] == "watched"
    assert marks_of(client, alice)[first["id"]]["marked_at"] == EVENT_TIME
    assert send("emby", emby("item.markplayed", SHOW_NAME, 3, 2, multipart=multipart)).json()["status"] == "applied"
    assert send("emby", emby("item.markunplayed", SHOW_NAME, 3, 2, multipart=multipart)).json()["status"] == "applied"
    assert second["id"] not in marks_of(client, alice)
    added = send("emby", emby("library.new", SHOW_NAME, 3, 2, multipart=multipart)).json()
    assert added["status"] == "applied" and added["action"] == "acquired"
    assert marks_of(client, alice)[second["id"]]["type"] == 1
    for other in ("playback.start", "playback.pause", "item.rate", "system.notificationtest"):
        assert send("emby", emby(other, SHOW_NAME, 3, 2, multipart=multipart)).json()["status"] == "ignored"


def test_tvmaze_provider_id_on_the_episode(
    client: TestClient, send: Send, alice: ApiUser, demo: list[dict[str, Any]]
) -> None:
    ep = episode(demo, 900_004, 1, 1)
    entry = send(
        "emby", emby("item.markplayed", "Emby's Own Title", 1, 1, provider_ids={"Tvmaze": str(ep["id"])})
    ).json()
    assert entry["status"] == "applied" and entry["episode_id"] == ep["id"]


def test_a_form_encoded_data_field(client: TestClient, hooks: dict[str, str], alice: ApiUser) -> None:
    import json
    from urllib.parse import urlencode

    body = json.loads(emby("item.markplayed", SHOW_NAME, 3, 3, multipart=False).kwargs["content"])
    r = client.post(hooks["emby"], content=urlencode({"data": json.dumps(body)}),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "applied", r.text
