"""Auth hardening: malformed Basic headers, one lookup whatever is wrong, failed-auth rate
limit per client address, recognisable keys."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.auth.credentials import Authenticator
from openmaze.auth.secrets import KEY_PREFIX, display_prefix, new_api_key
from openmaze.db.database import Conn, create_database
from openmaze.settings import Settings
from tests.conftest import TEST_SECRET, ApiUser
from tests.hardening.routes import CATALOG_IDS, USER_OPERATIONS, Operation

UNAUTHORIZED = {"name": "Unauthorized", "message": "Invalid username or API key", "code": 0, "status": 401}


def basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


MALFORMED: dict[str, str | bytes] = {
    "no colon": basic(b"alicesomekey"),
    "bad base64": "Basic !!!not*base64!!!",
    "truncated base64": "Basic YWxpY2U",
    "empty username": basic(b":omk_abc"),
    "empty key": basic(b"alice:"),
    "only a colon": basic(b":"),
    "not utf-8": basic(b"alice:\xff\xfe\xfd"),
    "not ascii in header": "Basic \u00ff\u00fe".encode("latin-1"),
    "wrong scheme": "Bearer omk_abcdefgh",
    "digest scheme": 'Digest username="alice", realm="TVmaze"',
    "scheme only": "Basic",
    "scheme and space": "Basic ",
    "empty": "",
    "huge": "Basic " + "QUFB" * 50_000,
    "nul byte": basic(b"alice\x00:omk_abc"),
}


@pytest.mark.parametrize("header", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_basic_header_is_401_with_tvmaze_body(client: TestClient, alice: ApiUser, header: Any) -> None:
    r = client.get("/v1/auth/validate", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.json() == UNAUTHORIZED
    assert r.headers["www-authenticate"] == 'Basic realm="TVmaze"'


def test_missing_header_is_401(client: TestClient) -> None:
    r = client.get("/v1/auth/validate")
    assert (r.status_code, r.json()) == (401, UNAUTHORIZED)


def test_valid_header_variants_are_accepted(client: TestClient, alice: ApiUser) -> None:
    token = base64.b64encode(f"{alice.username}:{alice.key}".encode()).decode()
    for header in (f"Basic {token}", f"basic {token}", f"BASIC {token}", f"Basic {token} "):
        assert client.get("/v1/auth/validate", headers={"Authorization": header}).status_code == 200, header
    # Usernames are case-insensitive, keys are not.
    assert client.get("/v1/auth/validate", auth=(alice.username.upper(), alice.key)).status_code == 200
    assert client.get("/v1/auth/validate", auth=(alice.username, alice.key.upper())).status_code == 401


def test_keys_carry_the_scannable_prefix(alice: ApiUser, bob: ApiUser) -> None:
    for key in (alice.key, bob.key):
        assert key.startswith(KEY_PREFIX) and key.startswith("omk_")
        assert len(key) == len(KEY_PREFIX) + 32 and key[len(KEY_PREFIX) :].isalnum()


# --- one lookup, whatever is wrong ----------------------------------------------------------


class CountingConn:
    def __init__(self, conn: Conn, log: list[str]) -> None:
        self.conn = conn
        self.log = log
        self.dialect = conn.dialect

    async def fetch_one(self, sql: str, params: Any = None) -> Any:
        self.log.append(sql)
        return await self.conn.fetch_one(sql, params)

    async def execute(self, sql: str, params: Any = None) -> int:
        self.log.append(sql)
        return await self.conn.execute(sql, params)


class CountingDatabase:
    """The real database, with every statement the authenticator runs recorded."""

    def __init__(self, url: str) -> None:
        self.db = create_database(url)
        self.statements: list[str] = []

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Any]:
        async with self.db.read() as conn:
            yield CountingConn(conn, self.statements)

    @asynccontextmanager
    async def transaction(self, lock_wait: float | None = None) -> AsyncIterator[Any]:
        async with self.db.transaction(lock_wait) as conn:
            yield CountingConn(conn, self.statements)

    def lookups(self) -> int:
        return sum("key_hash" in s for s in self.statements)


@pytest.fixture
async def counting(database_url: str) -> AsyncIterator[tuple[Authenticator, CountingDatabase]]:
    counted = CountingDatabase(database_url)
    await counted.db.open()
    try:
        yield Authenticator(counted, TEST_SECRET.encode(), cache_seconds=5.0), counted  # type: ignore[arg-type]
    finally:
        await counted.db.close()


async def test_unknown_user_and_wrong_key_take_the_same_path(
    counting: tuple[Authenticator, CountingDatabase], alice: ApiUser, bob: ApiUser
) -> None:
    auth, db = counting
    cases = {
        "wrong key": (alice.username, "omk_" + "x" * 32),
        "unknown user, wrong key": ("nobody", "omk_" + "x" * 32),
        "unknown user, someone's real key": ("nobody", alice.key),
        "other user's real key": (bob.username, alice.key),
    }
    for name, (username, key) in cases.items():
        db.statements.clear()
        assert await auth.authenticate(basic(f"{username}:{key}".encode())) is None, name
        assert db.lookups() == 1, name
        assert len(db.statements) == 1, name  # nothing else happens on a failure
        # Failures are not cached: a second try costs the same single lookup.
        db.statements.clear()
        assert await auth.authenticate(basic(f"{username}:{key}".encode())) is None, name
        assert db.lookups() == 1, name

    db.statements.clear()
    user = await auth.authenticate(basic(f"{alice.username}:{alice.key}".encode()))
    assert user is not None and user.username == "alice"
    assert db.lookups() == 1
    db.statements.clear()
    assert await auth.authenticate(basic(f"{alice.username}:{alice.key}".encode())) == user
    assert db.statements == []  # served from the bounded cache


async def test_malformed_headers_cost_no_lookup(counting: tuple[Authenticator, CountingDatabase]) -> None:
    auth, db = counting
    for name, header in MALFORMED.items():
        text = header.decode("latin-1") if isinstance(header, bytes) else header
        assert await auth.authenticate(text) is None
        # A NUL in a username is well-formed Basic: it costs the one lookup every failure costs.
        assert db.lookups() == (1 if name == "nul byte" else 0), name
        db.statements.clear()


# --- failed-auth rate limit -----------------------------------------------------------------


@pytest.fixture
def limited_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"rate_limit_auth_failures": "3/minute", "trust_proxy_headers": True}))
    with TestClient(app) as c:
        yield c


def test_failed_auth_is_rate_limited_per_client_address(limited_client: TestClient, alice: ApiUser) -> None:
    bad = (alice.username, "omk_wrong")
    here = {"X-Forwarded-For": "203.0.113.7"}
    for _ in range(3):
        r = limited_client.get("/v1/auth/validate", auth=bad, headers=here)
        assert r.status_code == 401
    r = limited_client.get("/v1/auth/validate", auth=bad, headers=here)
    assert r.status_code == 429
    assert r.json() == {
        "name": "Too Many Requests",
        "message": "Too many failed authentication attempts, please back off",
        "code": 0,
        "status": 429,
    }
    assert 1 <= int(r.headers["retry-after"]) <= 60
    # Malformed credentials were presented: they count and are refused too. A request with
    # none is not a guess at anything: it gets the challenge, as every client's first try does.
    assert limited_client.get("/v1/auth/validate", headers={**here, "Authorization": "Basic !!"}).status_code == 429
    assert limited_client.get("/v1/auth/validate", headers=here).status_code == 401
    # Another address is not affected.
    other = {"X-Forwarded-For": "198.51.100.9"}
    assert limited_client.get("/v1/auth/validate", auth=bad, headers=other).status_code == 401
    # Only failures are counted: the right key from the limited address still works, so an
    # attacker cannot lock a user out by failing on purpose from their network.
    r = limited_client.get("/v1/auth/validate", auth=alice.auth, headers=here)
    assert (r.status_code, r.json()) == (200, {"premium": 1})


def test_the_documented_secret_scanner_pattern_finds_keys_and_only_keys() -> None:
    guide = (Path(__file__).parents[2] / "docs" / "security.md").read_text()
    m = re.search(r"pattern `([^`]+)`", guide)
    assert m, "docs/security.md documents a pattern for secret scanners"
    pattern = re.compile(m.group(1))
    for _ in range(100):
        key = new_api_key()
        assert pattern.fullmatch(key) and pattern.search(f"curl -u demo:{key} http://localhost:8000")
        assert not pattern.search(display_prefix(key))  # what the dashboard shows is not a secret
    assert not pattern.search("omk_" + "a" * 31) and not pattern.search("xomk_" + "a" * 32)


@pytest.mark.parametrize("op", USER_OPERATIONS, ids=str)
def test_every_authenticated_route_refuses_bad_credentials(
    client: TestClient, alice: ApiUser, free_user: ApiUser, op: Operation
) -> None:
    url = op.url(**CATALOG_IDS, tag_id=1)
    for headers in ({}, {"Authorization": basic(f"{alice.username}:omk_wrong".encode())}, {"Authorization": "Basic"}):
        r = client.request(op.method, url, headers=headers, json={})
        assert (r.status_code, r.json()) == (401, UNAUTHORIZED), (str(op), headers)
        assert r.headers["www-authenticate"] == 'Basic realm="TVmaze"'
    if op.premium:
        r = client.request(op.method, url, headers=free_user.headers, json={})
        assert r.status_code == 403 and r.json()["status"] == 403, str(op)


def test_requests_without_credentials_never_lock_an_address_out(limited_client: TestClient, alice: ApiUser) -> None:
    """HTTP clients commonly ask without credentials first and send Basic auth after the 401
    challenge: those probes are not failed logins (the limit here is 3/minute)."""
    here = {"X-Forwarded-For": "203.0.113.8"}
    for _ in range(10):
        r = limited_client.get("/v1/user/follows/shows", headers=here)
        assert (r.status_code, r.json()) == (401, UNAUTHORIZED)
    r = limited_client.get("/v1/auth/validate", auth=alice.auth, headers=here)
    assert (r.status_code, r.json()) == (200, {"premium": 1})
    # The probes used none of the address's allowance for wrong credentials.
    for _ in range(3):
        assert (
            limited_client.get("/v1/auth/validate", auth=(alice.username, "omk_wrong"), headers=here).status_code == 401
        )
    assert limited_client.get("/v1/auth/validate", auth=(alice.username, "omk_wrong"), headers=here).status_code == 429
