"""Password hashing (argon2: tens to hundreds of milliseconds of CPU) runs in a worker
thread and before the write transaction opens: while a signup or a password change is
being hashed, the same server keeps answering, writes included."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.auth import passwords
from tests.conftest import ApiUser
from tests.pairing.support import PASSWORD, csrf_of, login


@pytest.fixture
def held_hash(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Makes the next hash wait until `release` is set; `started` says it has begun."""
    started, release = threading.Event(), threading.Event()
    real = passwords._hash

    def held(password: str) -> str:
        started.set()
        assert release.wait(10), "the hash was held for good: the server could not answer meanwhile"
        return real(password)

    monkeypatch.setattr(passwords, "_hash", held)
    yield started, release
    release.set()


def _while_hashing(
    client: TestClient, writer: ApiUser, held: tuple[threading.Event, threading.Event], action: Callable[[], Any]
) -> Any:
    started, release = held
    outcome: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("response", action()))
    thread.start()
    assert started.wait(10)
    # The hash is running now. Another user's write on the same server gets through.
    r = client.post("/v1/user/tags", json={"name": "Meanwhile"}, auth=writer.auth)
    assert r.status_code == 200, r.text
    assert thread.is_alive(), "the write was answered only after the hash finished"
    release.set()
    thread.join(10)
    return outcome["response"]


def test_signup_hashes_off_the_event_loop_and_outside_the_write_transaction(
    make_client: Callable[..., TestClient], alice: ApiUser, held_hash: tuple[threading.Event, threading.Event]
) -> None:
    client = make_client(signup_enabled=True)
    token = csrf_of(client.get("/signup").text)
    form = {"username": "erin", "email": "erin@example.com", "password": PASSWORD, "password2": PASSWORD}
    r = _while_hashing(
        client,
        alice,
        held_hash,
        lambda: client.post("/signup", data={**form, "csrf_token": token}, follow_redirects=False),
    )
    assert (r.status_code, r.headers["location"]) == (303, "/account")


def test_password_change_hashes_off_the_event_loop_and_outside_the_write_transaction(
    make_client: Callable[..., TestClient],
    make_user: Callable[..., ApiUser],
    alice: ApiUser,
    held_hash: tuple[threading.Event, threading.Event],
) -> None:
    client = make_client()
    started, release = held_hash
    release.set()  # let the set-up's own hash through
    make_user("frank", password=PASSWORD)
    assert login(client, "frank").status_code == 303
    started.clear()
    release.clear()
    token = csrf_of(client.get("/account/password").text)
    new = "another horse battery"
    form = {"current": PASSWORD, "password": new, "password2": new, "csrf_token": token}
    r = _while_hashing(
        client, alice, held_hash, lambda: client.post("/account/password", data=form, follow_redirects=False)
    )
    assert (r.status_code, r.headers["location"]) == (303, "/account?done=password")
    assert login(make_client(), "frank", new).status_code == 303
