"""POST /v1/auth/poll: every status, the once-only key, expiry and poll spacing, all on a
clock the test moves (no sleeps)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from starlette.testclient import TestClient

from tests.conftest import ApiUser, run_sync
from tests.pairing.poll_helpers import decide
from tests.pairing.support import FakeClock, confirm_code, start_pairing


def test_pending_request_is_403(pclient: TestClient, alice: ApiUser) -> None:
    token = start_pairing(pclient, alice.email)["token"]
    r = pclient.post("/v1/auth/poll", json={"token": token})
    assert r.status_code == 403
    assert r.json() == {
        "name": "Forbidden",
        "message": "The authentication request was not confirmed yet",
        "code": 0,
        "status": 403,
    }


def test_confirmed_request_gives_a_working_key_exactly_once_then_404(
    pclient: TestClient, alice: ApiUser, clock: FakeClock, database_url: str
) -> None:
    started = start_pairing(pclient, alice.email, agent="Kodi/21.0 (Linux)")
    assert pclient.post("/v1/auth/poll", json={"token": started["token"]}).status_code == 403
    assert decide(database_url, started["confirm_url"], alice, True, clock())
    clock.advance(10)
    r = pclient.post("/v1/auth/poll", json={"token": started["token"]})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"apikey", "username"}
    assert body["username"] == "alice"
    assert body["apikey"] != alice.key
    assert pclient.get("/v1/auth/validate", auth=("alice", body["apikey"])).json() == {"premium": 1}
    clock.advance(10)
    r = pclient.post("/v1/auth/poll", json={"token": started["token"]})
    assert r.status_code == 404
    assert r.json()["message"] == "The authentication request was not found"
    # The key is a new one, named after the device and the date, next to the old ones.
    keys = run_sync(
        database_url,
        lambda conn: conn.fetch_all("SELECT name FROM api_keys WHERE user_id = :u ORDER BY id", {"u": alice.id}),
    )
    today = datetime.fromtimestamp(clock(), UTC).strftime("%Y-%m-%d")
    assert [k["name"] for k in keys] == ["test", f"Kodi/21.0 (Linux) ({today})"]


def test_each_pairing_mints_its_own_key(
    pclient: TestClient, alice: ApiUser, clock: FakeClock, database_url: str
) -> None:
    keys = []
    for agent in ("Phone app/1.0", "Kodi/20"):
        started = start_pairing(pclient, alice.email, agent=agent)
        decide(database_url, started["confirm_url"], alice, True, clock())
        keys.append(pclient.post("/v1/auth/poll", json={"token": started["token"]}).json()["apikey"])
    assert keys[0] != keys[1]
    for key in keys:
        assert pclient.get("/v1/auth/validate", auth=("alice", key)).status_code == 200


def test_unknown_token_is_404_and_missing_token_422(pclient: TestClient) -> None:
    r = pclient.post("/v1/auth/poll", json={"token": "no-such-token"})
    assert r.status_code == 404
    assert r.json() == {
        "name": "Not Found",
        "message": "The authentication request was not found",
        "code": 0,
        "status": 404,
    }
    assert pclient.post("/v1/auth/poll", json={}).status_code == 422
    assert pclient.post("/v1/auth/poll", json={"token": 5}).status_code == 422


def test_the_confirm_code_is_not_a_poll_token(
    pclient: TestClient, alice: ApiUser, clock: FakeClock, database_url: str
) -> None:
    started = start_pairing(pclient, alice.email)
    decide(database_url, started["confirm_url"], alice, True, clock())
    r = pclient.post("/v1/auth/poll", json={"token": confirm_code(started["confirm_url"])})
    assert r.status_code == 404


def test_denied_request_is_404(pclient: TestClient, alice: ApiUser, clock: FakeClock, database_url: str) -> None:
    started = start_pairing(pclient, alice.email)
    assert decide(database_url, started["confirm_url"], alice, False, clock())
    assert pclient.post("/v1/auth/poll", json={"token": started["token"]}).status_code == 404
    # A denied request cannot be allowed afterwards.
    assert not decide(database_url, started["confirm_url"], alice, True, clock())


def test_form_encoded_poll(pclient: TestClient, alice: ApiUser) -> None:
    token = start_pairing(pclient, alice.email)["token"]
    assert pclient.post("/v1/auth/poll", data={"token": token}).status_code == 403


def test_request_expires_after_its_lifetime(
    make_client: Callable[..., TestClient], alice: ApiUser, clock: FakeClock, database_url: str
) -> None:
    client = make_client(pairing_ttl_seconds=60)
    started = start_pairing(client, alice.email)
    clock.advance(59)
    assert client.post("/v1/auth/poll", json={"token": started["token"]}).status_code == 403
    clock.advance(1)
    assert client.post("/v1/auth/poll", json={"token": started["token"]}).status_code == 404
    # ...and can no longer be allowed.
    assert not decide(database_url, started["confirm_url"], alice, True, clock())


def test_default_lifetime_is_fifteen_minutes(pclient: TestClient, alice: ApiUser, clock: FakeClock) -> None:
    token = start_pairing(pclient, alice.email)["token"]
    clock.advance(899)
    assert pclient.post("/v1/auth/poll", json={"token": token}).status_code == 403
    clock.advance(1)
    assert pclient.post("/v1/auth/poll", json={"token": token}).status_code == 404


def test_confirmed_but_uncollected_request_expires_too(
    pclient: TestClient, alice: ApiUser, clock: FakeClock, database_url: str
) -> None:
    started = start_pairing(pclient, alice.email)
    decide(database_url, started["confirm_url"], alice, True, clock())
    clock.advance(900)
    assert pclient.post("/v1/auth/poll", json={"token": started["token"]}).status_code == 404
    count = run_sync(
        database_url, lambda conn: conn.fetch_val("SELECT COUNT(*) FROM api_keys WHERE user_id = :u", {"u": alice.id})
    )
    assert count == 1  # only the fixture's key: none was minted


def test_polling_too_fast_is_429_with_retry_after(pclient: TestClient, alice: ApiUser, clock: FakeClock) -> None:
    token = start_pairing(pclient, alice.email)["token"]
    assert pclient.post("/v1/auth/poll", json={"token": token}).status_code == 403
    clock.advance(1)
    r = pclient.post("/v1/auth/poll", json={"token": token})
    assert r.status_code == 429
    assert r.json() == {
        "name": "Too Many Requests",
        "message": "You are polling too quickly, please back off",
        "code": 0,
        "status": 429,
    }
    assert r.headers["retry-after"] == "4"
    clock.advance(3.9)
    assert pclient.post("/v1/auth/poll", json={"token": token}).status_code == 429
    # A refused poll does not restart the wait: 5 s after the last answered poll is fine.
    clock.advance(0.1)
    assert pclient.post("/v1/auth/poll", json={"token": token}).status_code == 403


def test_polling_every_ten_seconds_never_sees_429(
    pclient: TestClient, alice: ApiUser, clock: FakeClock, database_url: str
) -> None:
    token = start_pairing(pclient, alice.email)["token"]
    statuses = []
    # Timer jitter: some polls come early, some late.
    for i in range(40):
        statuses.append(pclient.post("/v1/auth/poll", json={"token": token}).status_code)
        clock.advance(10 - 3 * (i % 2) + 1.5 * (i % 3 == 0))
    assert set(statuses) == {403}
    started = start_pairing(pclient, alice.email)
    decide(database_url, started["confirm_url"], alice, True, clock())
    statuses = [pclient.post("/v1/auth/poll", json={"token": started["token"]}).status_code]
    for _ in range(3):
        clock.advance(10)
        statuses.append(pclient.post("/v1/auth/poll", json={"token": started["token"]}).status_code)
    assert statuses == [200, 404, 404, 404]


def test_poll_spacing_holds_across_workers(
    make_client: Callable[..., TestClient], alice: ApiUser, clock: FakeClock
) -> None:
    """Two app instances on one database stand for two workers: the spacing is in the row."""
    worker_a, worker_b = make_client(), make_client()
    token = start_pairing(worker_a, alice.email)["token"]
    assert worker_a.post("/v1/auth/poll", json={"token": token}).status_code == 403
    assert worker_b.post("/v1/auth/poll", json={"token": token}).status_code == 429
    clock.advance(5)
    assert worker_b.post("/v1/auth/poll", json={"token": token}).status_code == 403
    assert worker_a.post("/v1/auth/poll", json={"token": token}).status_code == 429


def test_poll_interval_is_configurable(
    make_client: Callable[..., TestClient], alice: ApiUser, clock: FakeClock
) -> None:
    client = make_client(pairing_poll_interval_seconds=0)
    token = start_pairing(client, alice.email)["token"]
    assert [client.post("/v1/auth/poll", json={"token": token}).status_code for _ in range(3)] == [403, 403, 403]
