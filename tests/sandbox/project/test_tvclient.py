"""Tests of a TVmaze client against openmaze's sandbox, written as any client project would:
the only thing they take from openmaze is the `openmaze_sandbox` fixture."""

from __future__ import annotations

import httpx
import pytest
from tvclient import TVClient, TVmazeError

from openmaze.testing import Sandbox

SHOW = 900_001  # a show of the demo catalog the sandbox loads
EPISODE = 9_000_001  # one of its episodes


def test_pairing_flow(openmaze_sandbox: Sandbox) -> None:
    device = TVClient(openmaze_sandbox.base_url)
    token = device.start_pairing(openmaze_sandbox.user.email)
    assert device.poll_pairing(token) is None  # the person has not confirmed yet (403)

    openmaze_sandbox.client.confirm_pairing(token)  # as the person would, no email or browser
    openmaze_sandbox.client.advance_clock(10)  # the client's poll interval, without waiting for it
    username, apikey = device.poll_pairing(token) or ("", "")

    assert username == openmaze_sandbox.username
    assert apikey and apikey != openmaze_sandbox.apikey  # a fresh key for this device
    device.follow(SHOW)
    assert device.followed_shows() == [SHOW]
    openmaze_sandbox.client.advance_clock(10)
    with pytest.raises(TVmazeError) as collected_twice:
        device.poll_pairing(token)
    assert collected_twice.value.status == 404  # the key is handed out once


def test_a_denied_pairing_is_not_found(openmaze_sandbox: Sandbox) -> None:
    device = TVClient(openmaze_sandbox.base_url)
    token = device.start_pairing(openmaze_sandbox.user.email)
    openmaze_sandbox.client.deny_pairing(token)
    with pytest.raises(TVmazeError) as denied:
        device.poll_pairing(token)
    assert denied.value.status == 404


def test_backs_off_on_429_as_told(openmaze_sandbox: Sandbox) -> None:
    slept: list[float] = []
    app = TVClient(openmaze_sandbox.base_url, openmaze_sandbox.auth, sleep=slept.append)
    openmaze_sandbox.client.add_fault("/v1/user/follows/*", status=429, retry_after=3, times=2)

    assert app.followed_shows() == []

    assert slept == [3.0, 3.0]
    seen = openmaze_sandbox.client.journal(path="/v1/user/follows/*")
    assert [entry["status"] for entry in seen] == [429, 429, 200]


def test_backs_off_under_tvmazes_own_rate_limit(openmaze_sandbox: Sandbox) -> None:
    slept: list[float] = []
    app = TVClient(openmaze_sandbox.base_url, openmaze_sandbox.auth, sleep=slept.append, max_retries=0)
    openmaze_sandbox.client.rate_limit()  # 20 calls every 10 seconds per address
    for _ in range(20):
        app.followed_shows()
    with pytest.raises(TVmazeError) as limited:
        app.followed_shows()
    assert limited.value.status == 429
    assert len(slept) == 1 and 1 <= slept[0] <= 10  # it read Retry-After


def test_marks_follow_the_sandbox_clock(openmaze_sandbox: Sandbox) -> None:
    app = TVClient(openmaze_sandbox.base_url, openmaze_sandbox.auth)
    openmaze_sandbox.client.set_clock(1_700_000_000)
    assert app.mark_watched(EPISODE)["marked_at"] == 1_700_000_000
    openmaze_sandbox.client.advance_clock(3600)
    assert app.mark_watched(EPISODE)["marked_at"] == 1_700_003_600


def test_a_dropped_connection_reaches_the_client(openmaze_sandbox: Sandbox) -> None:
    app = TVClient(openmaze_sandbox.base_url, openmaze_sandbox.auth)
    openmaze_sandbox.client.add_fault("/v1/user/*", drop=True, times=1)
    with pytest.raises(httpx.HTTPError):
        app.followed_shows()
    assert app.followed_shows() == []  # the next request is answered


@pytest.mark.openmaze(premium=0)
def test_a_free_user_is_refused_the_premium_api(openmaze_sandbox: Sandbox) -> None:
    with pytest.raises(TVmazeError) as refused:
        TVClient(openmaze_sandbox.base_url, openmaze_sandbox.auth).followed_shows()
    assert refused.value.status == 403
