"""What a client can get wrong, or do on purpose: unknown URLs, bodies that are not the
server's payload, oversized bodies, too many deliveries. Never a 500, never a half write."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.settings import Settings
from tests.conftest import ApiUser, start_server, stop_server
from tests.hooks.conftest import SHOW_NAME, hook_paths, marks_of, private_database
from tests.hooks.payloads import JPEG, emby, jellyfin, plex


def _tvmaze_error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text)
    body: dict[str, Any] = r.json()
    assert set(body) == {"name", "message", "code", "status"} and body["status"] == status
    return body


@pytest.mark.parametrize("server", ["plex", "jellyfin", "emby"])
def test_an_unknown_token_is_a_404(client: TestClient, hooks: dict[str, str], server: str) -> None:
    for token in ("x", "A" * 43, "A" * 500, hooks[server].rpartition("/")[2][:-1] + "B"):
        body = _tvmaze_error(client.post(f"/hooks/{server}/{token}", content=b"{}"), 404)
        assert body["message"] == "Unknown webhook URL"
    _tvmaze_error(client.post("/hooks/kodi/abc", content=b"{}"), 404)
    assert client.get(hooks[server]).status_code == 405


def test_malformed_bodies_are_400(client: TestClient, hooks: dict[str, str], alice: ApiUser) -> None:
    plain = {"headers": {"Content-Type": "application/json"}}
    cases: list[tuple[str, dict[str, Any]]] = [
        ("plex", {"content": b"", **plain}),
        ("plex", {"content": b"not json", **plain}),
        ("plex", {"content": b"[1, 2]", **plain}),
        ("plex", {"content": b'{"Metadata": {}}', **plain}),  # no event
        ("plex", {"files": [("thumb", ("image.jpg", JPEG, "image/jpeg"))]}),  # no payload part
        ("plex", {"files": [("payload", (None, b"{broken", "application/json"))]}),
        ("plex", {"content": b"--x\r\nbroken", "headers": {"Content-Type": "multipart/form-data; boundary=x"}}),
        ("plex", {"content": b"abc", "headers": {"Content-Type": "multipart/form-data"}}),  # no boundary
        ("jellyfin", {"content": b"\xff\xfe", "headers": {"Content-Type": "text/plain"}}),
        ("jellyfin", {"content": b'{"Hello": "world"}', **plain}),  # neither plugin's shape
        ("jellyfin", {"content": b'"PlaybackStop"', **plain}),
        ("emby", {"content": b"{}", **plain}),
        ("emby", {"files": [("other", (None, b"{}", "application/json"))]}),
        ("emby", {"content": b"x=1", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
    ]
    for server, kwargs in cases:
        _tvmaze_error(client.post(hooks[server], **kwargs), 400)
    assert marks_of(client, alice) == {}


def test_bodies_up_to_the_hooks_limit_and_not_beyond(settings: Settings, database_url: str, alice: ApiUser) -> None:
    small = settings.model_copy(update={"max_body_bytes": 1024, "hooks_max_body_bytes": 600_000})
    paths = hook_paths(database_url, alice)
    with TestClient(create_app(small)) as client:
        big_thumb = plex("media.scrobble", SHOW_NAME, 1, 1)
        big_thumb.kwargs["files"][1] = ("thumb", ("image.jpg", JPEG * 200, "image/jpeg"))  # ~400 KB
        r = client.post(paths["plex"], **big_thumb.kwargs)
        assert r.status_code == 200 and r.json()["status"] == "applied", r.text
        huge = plex("media.scrobble", SHOW_NAME, 1, 2)
        huge.kwargs["files"][1] = ("thumb", ("image.jpg", JPEG * 400, "image/jpeg"))  # ~800 KB
        _tvmaze_error(client.post(paths["plex"], **huge.kwargs), 413)
        # Everything else keeps the app's own limit.
        _tvmaze_error(
            client.post("/v1/scrobble/episodes", content=b"[" + b" " * 2000 + b"]", headers=alice.headers), 413
        )


def test_deliveries_per_url_are_rate_limited(
    settings: Settings, database_url: str, alice: ApiUser, bob: ApiUser
) -> None:
    limited = settings.model_copy(update={"rate_limit_hooks": "3/minute"})
    alice_paths, bob_paths = hook_paths(database_url, alice), hook_paths(database_url, bob)
    with TestClient(create_app(limited)) as client:
        for _ in range(3):
            assert client.post(alice_paths["emby"], **emby("playback.start", SHOW_NAME, 1, 1).kwargs).status_code == 200
        r = client.post(alice_paths["emby"], **emby("playback.start", SHOW_NAME, 1, 1).kwargs)
        _tvmaze_error(r, 429)
        assert int(r.headers["Retry-After"]) >= 1
        # Another URL (another server, another user) has its own count.
        assert client.post(alice_paths["plex"], **plex("media.play", SHOW_NAME, 1, 1).kwargs).status_code == 200
        assert client.post(bob_paths["emby"], **emby("playback.start", SHOW_NAME, 1, 1).kwargs).status_code == 200


@pytest.fixture(scope="module")
def fuzz_client(
    tmp_path_factory: pytest.TempPathFactory, template_database: str
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """One app for the whole fuzz run (hypothesis runs many examples per test)."""
    from openmaze.auth import accounts
    from tests.conftest import TEST_SECRET, run_sync

    with private_database(template_database, tmp_path_factory.mktemp("fuzz")) as url:

        async def create(conn: Any) -> int:
            return await accounts.create_user(conn, "fuzzer", "fuzzer@example.com", premium=1)

        user_id = run_sync(url, create)
        app = create_app(Settings(database_url=url, secret_key=TEST_SECRET, data_dir=tmp_path_factory.mktemp("data")))
        paths = hook_paths(url, ApiUser(user_id, "fuzzer", "", "", 1))
        with TestClient(app) as client:
            yield client, paths


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)  # fmt: skip
_KEYS = [
    "event",
    "Metadata",
    "Account",
    "type",
    "grandparentTitle",
    "parentIndex",
    "index",
    "originallyAvailableAt",
    "lastViewedAt",
    "NotificationType",
    "ItemType",
    "SeriesName",
    "SeasonNumber",
    "EpisodeNumber",
    "Provider_tvmaze",
    "PlayedToCompletion",
    "Played",
    "SaveReason",
    "UtcTimestamp",
    "Event",
    "Item",
    "User",
    "Series",
    "ProviderIds",
    "Type",
    "IndexNumber",
    "ParentIndexNumber",
    "PremiereDate",
    "Date",
    "PlaybackInfo",
    "Name",
    "title",
]
_shaped = st.recursive(
    _json_values,
    lambda children: st.dictionaries(st.sampled_from(_KEYS), children, max_size=6),
    max_leaves=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=_shaped, server=st.sampled_from(["plex", "jellyfin", "emby"]), event=st.sampled_from(
    ["media.scrobble", "library.new", "PlaybackStop", "UserDataSaved", "ItemAdded", "MarkPlayed", "item.markplayed",
     "playback.stop", "library.new"]))  # fmt: skip
def test_any_json_is_an_answer_never_a_500(
    fuzz_client: tuple[TestClient, dict[str, str]], doc: Any, server: str, event: str
) -> None:
    client, paths = fuzz_client
    if isinstance(doc, dict):
        doc = {**doc, ("event" if server == "plex" else "NotificationType" if server == "jellyfin" else "Event"): event}
    body = json.dumps(doc).encode()
    if server == "plex":
        r = client.post(paths[server], files=[("payload", (None, body, "application/json"))])
    else:
        r = client.post(paths[server], content=body, headers={"Content-Type": "application/json"})
    assert r.status_code in (200, 400), (r.status_code, r.text)
    if r.status_code == 200:
        assert r.json()["status"] in ("applied", "unchanged", "unmatched", "ignored")


def test_jellyfin_template_types_do_not_break_matching(
    client: TestClient, hooks: dict[str, str], alice: ApiUser
) -> None:
    odd = jellyfin("PlaybackStop", SHOW_NAME, 1, 1, completed=True)
    doc = json.loads(odd.kwargs["content"])
    doc.update(
        {
            "NotificationUsername": "u" * 300,
            "SeriesName": "s" * 1000,
            "SeasonNumber": [1],
            "EpisodeNumber": {"x": 1},
            "Provider_tvmaze": "99999999999999999999999",
            "UtcTimestamp": "soon",
        }
    )
    r = client.post(hooks["jellyfin"], content=json.dumps(doc), headers={"Content-Type": "text/plain"})
    assert r.status_code == 200 and r.json()["status"] == "unmatched", r.text
    # Overlong names are cut to what the log keeps (PostgreSQL refuses longer values).
    doc["NotificationType"] = "PlaybackStop" + "!" * 100
    r = client.post(hooks["jellyfin"], content=json.dumps(doc), headers={"Content-Type": "text/plain"})
    assert r.status_code == 200 and r.json()["status"] == "ignored", r.text


def test_the_token_never_reaches_the_log(database_url: str, tmp_path: Path, alice: ApiUser) -> None:
    paths = hook_paths(database_url, alice)
    server = start_server(database_url, tmp_path)
    try:
        with httpx.Client(base_url=server.url) as http:
            assert http.post(paths["plex"], **plex("media.scrobble", SHOW_NAME, 1, 1).kwargs).status_code == 200
            assert http.post(paths["emby"] + "x", content=b"{}").status_code == 404
    finally:
        stop_server(server)
    log = server.log()
    for path in paths.values():
        assert path.rpartition("/")[2] not in log
    assert '"POST /hooks/plex/*** HTTP/1.1" 200 ' in log and '"POST /hooks/emby/*** HTTP/1.1" 404 ' in log, log


@pytest.mark.parametrize("server", ["plex", "jellyfin", "emby"])
def test_control_characters_in_names(client: TestClient, hooks: dict[str, str], alice: ApiUser, server: str) -> None:
    # PostgreSQL refuses NUL in text: names with control characters are cleaned before the log.
    odd = "Lost\x00 Academy\x1b[31m\nFiles"
    delivery = {
        "plex": plex("media.scrobble", odd, 1, 1, user="a\x00b"),
        "jellyfin": jellyfin("PlaybackStop\x00", odd, 1, 1, completed=True, user="a\x00b"),
        "emby": emby("item.markplayed", odd, 1, 1, user="a\x00b", name="x\x00y"),
    }[server]
    r = client.post(hooks[server], **delivery.kwargs)
    assert r.status_code == 200, r.text
    assert "\x00" not in r.text and "\\u0000" not in r.text


def test_a_lone_surrogate_is_malformed(client: TestClient, hooks: dict[str, str]) -> None:
    body = b'{"NotificationType": "PlaybackStop", "SeriesName": "\\ud800", "ItemType": "Episode"}'
    _tvmaze_error(client.post(hooks["jellyfin"], content=body), 400)
