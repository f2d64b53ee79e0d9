"""Plex webhooks: multipart with the JSON `payload` part and a JPEG `thumb` part."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import ApiUser
from tests.hooks.conftest import SHOW_ID, SHOW_NAME, Send, episode, marks_of
from tests.hooks.payloads import JPEG, plex


def test_scrobble_marks_watched_at_the_event_time(
    client: TestClient, send: Send, alice: ApiUser, demo: list[dict[str, Any]]
) -> None:
    ep = episode(demo, SHOW_ID, 1, 2)
    r = send("plex", plex("media.scrobble", SHOW_NAME, 1, 2, viewed_at=1_700_000_123))
    assert r.status_code == 200, r.text
    entry = r.json()
    assert entry["status"] == "applied" and entry["episode_id"] == ep["id"] and entry["show_id"] == SHOW_ID
    assert entry["source"] == "plex" and entry["event"] == "media.scrobble" and entry["action"] == "watched"
    assert entry["named"] == f"{SHOW_NAME} S01E02 'An Episode'"
    assert marks_of(client, alice)[ep["id"]] == {"episode_id": ep["id"], "marked_at": 1_700_000_123, "type": 0}


def test_any_part_content_type_and_no_thumbnail(client: TestClient, send: Send, alice: ApiUser) -> None:
    # Some Plex versions send the payload part without a content type; some without a thumbnail.
    r = send("plex", plex("media.scrobble", SHOW_NAME, 1, 3, payload_type=None, thumb=False))
    assert r.status_code == 200 and r.json()["status"] == "applied", r.text
    r = send("plex", plex("media.scrobble", SHOW_NAME, 1, 4, payload_type="text/plain"))
    assert r.status_code == 200 and r.json()["status"] == "applied", r.text


def test_library_new_marks_acquired_and_never_downgrades_watched(
    client: TestClient, send: Send, alice: ApiUser, demo: list[dict[str, Any]]
) -> None:
    new, seen = episode(demo, SHOW_ID, 1, 5), episode(demo, SHOW_ID, 1, 6)
    assert send("plex", plex("library.new", SHOW_NAME, 1, 5)).json()["status"] == "applied"
    assert send("plex", plex("media.scrobble", SHOW_NAME, 1, 6, viewed_at=1_700_000_000)).json()["status"] == "applied"
    again = send("plex", plex("library.new", SHOW_NAME, 1, 6)).json()
    assert again["status"] == "unchanged" and again["reason"] == "already marked watched"
    marks = marks_of(client, alice)
    assert marks[new["id"]]["type"] == 1
    assert marks[seen["id"]] == {"episode_id": seen["id"], "marked_at": 1_700_000_000, "type": 0}
    # Watching an acquired episode makes it watched.
    assert send("plex", plex("media.scrobble", SHOW_NAME, 1, 5)).json()["status"] == "applied"
    assert marks_of(client, alice)[new["id"]]["type"] == 0


def test_other_events_are_recorded_and_change_nothing(client: TestClient, send: Send, alice: ApiUser) -> None:
    for event in ("media.play", "media.pause", "media.resume", "media.stop", "media.rate", "admin.database.backup"):
        entry = send("plex", plex(event, SHOW_NAME, 1, 2)).json()
        assert entry["status"] == "ignored" and entry["episode_id"] is None, entry
        assert entry["reason"] == f"Plex event {event} marks nothing"
    assert marks_of(client, alice) == {}


def test_a_movie_is_not_an_episode(client: TestClient, send: Send, alice: ApiUser) -> None:
    entry = send("plex", plex("media.scrobble", kind="movie", title="Heat")).json()
    assert entry["status"] == "ignored" and entry["reason"] == "not an episode (movie)"
    assert entry["named"] == "movie 'Heat'"
    assert marks_of(client, alice) == {}


def test_payload_as_a_file_part_and_a_quoted_boundary(
    client: TestClient, hooks: dict[str, str], alice: ApiUser
) -> None:
    meta = {"type": "episode", "grandparentTitle": SHOW_NAME, "parentIndex": 1, "index": 1}
    payload = json.dumps({"event": "media.scrobble", "Account": {"title": "alice"}, "Metadata": meta})
    body = (
        b'--b-x\r\nContent-Disposition: form-data; name="thumb"; filename="payload.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + JPEG + b"\r\n"
        # "filename" before "name", and a content type that is not JSON's
        b'--b-x\r\nContent-Disposition: form-data; filename="p.json"; name="payload"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + payload.encode() + b"\r\n--b-x--\r\n"
    )
    r = client.post(hooks["plex"], content=body, headers={"Content-Type": 'multipart/form-data; boundary="b-x"'})
    assert r.status_code == 200 and r.json()["status"] == "applied", r.text
    assert r.json()["episode_id"] == 9_000_001
