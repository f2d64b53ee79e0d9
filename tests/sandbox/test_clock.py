"""The sandbox clock: set, advanced and released, and followed by everything that reads the
app clock - `marked_at` and `voted_at` defaults, follow times, scrobbles, pairing expiry and
poll spacing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.sandbox.clock import SandboxClock
from tests.conftest import DEMO_SHOW, ApiUser
from tests.sandbox.conftest import ADMIN, is_fast_path

EPISODE = 9_000_001
T = 1_700_000_000


def _set(client: TestClient, now: float, frozen: bool = True) -> dict[str, Any]:
    answer = client.put("/_sandbox/clock", headers=ADMIN, json={"now": now, "frozen": frozen})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_the_clock_is_real_until_set(sandbox: TestClient) -> None:
    state = sandbox.get("/_sandbox/clock", headers=ADMIN).json()
    assert state["real"] is True and state["frozen"] is False
    assert abs(state["now"] - time.time()) < 5


def test_set_advance_and_release(sandbox: TestClient) -> None:
    assert _set(sandbox, T) == {"now": T, "frozen": True, "offset": 0.0, "real": False}
    advanced = sandbox.post("/_sandbox/clock/advance", headers=ADMIN, json={"seconds": 90.5}).json()
    assert advanced["now"] == T + 90.5 and advanced["frozen"] is True
    back = sandbox.post("/_sandbox/clock/advance", headers=ADMIN, json={"seconds": -3600}).json()
    assert back["now"] == T + 90.5 - 3600
    released = sandbox.delete("/_sandbox/clock", headers=ADMIN).json()
    assert released["real"] is True and abs(released["now"] - time.time()) < 5


def test_a_running_clock_moves_on_from_the_time_set() -> None:
    real = [1000.0]
    clock = SandboxClock(lambda: real[0])
    clock.set(T, frozen=False)
    real[0] += 7
    assert clock() == T + 7
    clock.advance(60)
    assert clock() == T + 67 and clock.state().offset == T + 60 - 1000
    clock.release()
    assert clock() == real[0]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_sandbox/clock", {"now": -1}),
        ("/_sandbox/clock", {"now": 10**12}),
        ("/_sandbox/clock", {"now": "soon"}),
        ("/_sandbox/clock", {}),
        ("/_sandbox/clock/advance", {"seconds": 1e300}),
        ("/_sandbox/clock/advance", {"minutes": 1}),
        ("/_sandbox/clock/advance", {"seconds": -1e10}),  # before 1970
    ],
)
def test_bad_clock_settings_are_422s(sandbox: TestClient, path: str, body: dict[str, Any]) -> None:
    method = "PUT" if path == "/_sandbox/clock" else "POST"
    answer = sandbox.request(method, path, headers=ADMIN, json=body)
    assert answer.status_code == 422 and answer.json()["status"] == 422


def test_the_clock_stays_within_the_epochs_it_can_be_set_to(sandbox: TestClient) -> None:
    _set(sandbox, 4_000_000_000)
    for _ in range(2):  # each step is allowed on its own; together they would pass 2100
        answer = sandbox.post("/_sandbox/clock/advance", headers=ADMIN, json={"seconds": 100_000_000})
    assert answer.status_code == 422 and "seconds" in answer.json()["errors"]
    assert sandbox.get("/_sandbox/clock", headers=ADMIN).json()["now"] == 4_100_000_000
    assert sandbox.get(f"/shows/{DEMO_SHOW}").status_code == 200


def test_user_api_times_follow_the_clock(sandbox: TestClient, carol: ApiUser) -> None:
    h = carol.headers
    for method, path in [("PUT", "/v1/user/episodes/{episode_id}"), ("PUT", "/v1/user/votes/shows/{show_id}")]:
        assert is_fast_path(sandbox, method, path)  # the clock reaches the fast path too
    _set(sandbox, T)
    assert sandbox.put(f"/v1/user/episodes/{EPISODE}", headers=h, json={"type": 1}).json()["marked_at"] == T
    assert sandbox.put(f"/v1/user/votes/shows/{DEMO_SHOW}", headers=h, data={"vote": "8"}).json()["voted_at"] == T
    sandbox.post("/_sandbox/clock/advance", headers=ADMIN, json={"seconds": 86_400})
    assert sandbox.put(f"/v1/user/votes/episodes/{EPISODE}", headers=h, json={"vote": 5}).json()["voted_at"] == (
        T + 86_400
    )
    scrobbled = sandbox.post("/v1/scrobble/episodes", headers=h, json=[{"episode_id": EPISODE}]).json()
    assert scrobbled[0]["result"]["marked_at"] == T + 86_400
    by_show = sandbox.post(f"/v1/scrobble/shows?tvmaze_id={DEMO_SHOW}", headers=h, json=[{"season": 1, "episode": 1}])
    assert by_show.json()[0]["result"]["marked_at"] == T + 86_400
    # an explicit marked_at is kept as sent
    explicit = sandbox.put(f"/v1/user/episodes/{EPISODE}", headers=h, json={"marked_at": 5})
    assert explicit.json()["marked_at"] == 5


def _start(client: TestClient, user: ApiUser) -> str:
    answer = client.post("/v1/auth/start", json={"email": user.email, "email_confirmation": False})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    return token


def _poll(client: TestClient, token: str) -> int:
    return client.post("/v1/auth/poll", json={"token": token}).status_code


def test_pairing_expiry_follows_the_clock(sandbox: TestClient, carol: ApiUser) -> None:
    _set(sandbox, T)
    token = _start(sandbox, carol)
    sandbox.post("/_sandbox/clock/advance", headers=ADMIN, json={"seconds": 899})
    assert _poll(sandbox, token) == 403  # still pending, 1 s before the 900 s expiry
    sandbox.post("/_sandbox/clock/advance", headers=ADMIN, json={"seconds": 1})
    assert _poll(sandbox, token) == 404
    assert sandbox.post("/_sandbox/pairings/confirm", headers=ADMIN, json={"token": token}).status_code == 404


def test_poll_spacing_follows_the_clock(sandbox: TestClient, carol: ApiUser) -> None:
    _set(sandbox, T)
    token = _start(sandbox, carol)
    assert _poll(sandbox, token) == 403
    assert _poll(sandbox, token) == 429  # the frozen clock has not moved: too soon
    sandbox.post("/_sandbox/clock/advance", headers=ADMIN, json={"seconds": 5})
    assert _poll(sandbox, token) == 403


def test_the_catalogs_now_follows_the_clock(sandbox: TestClient) -> None:
    """A show's previous/next episode links and `/updates/shows?since=` are "now" relative."""
    before, after = 1_477_958_400, 4_000_000_000  # 2016-11-01 (before its first airing), 2096
    _set(sandbox, before)
    links = sandbox.get(f"/shows/{DEMO_SHOW}").json()["_links"]
    assert "previousepisode" not in links and links["nextepisode"]["href"].endswith("/episodes/9000001")
    _set(sandbox, after)
    links = sandbox.get(f"/shows/{DEMO_SHOW}").json()["_links"]
    assert "nextepisode" not in links and "previousepisode" in links
    _set(sandbox, 1_700_000_000 + 3600)  # an hour after the demo shows' `updated`
    assert str(DEMO_SHOW) in sandbox.get("/updates/shows?since=day").json()
    _set(sandbox, 1_700_000_000 + 2 * 86_400)
    assert str(DEMO_SHOW) not in sandbox.get("/updates/shows?since=day").json()
