"""HTTP Basic authentication of API requests: username + any active API key.

The hot path of every `/v1` request. A verified key is cached per process for
`auth_cache_seconds` (5 s by default; docs/security.md states this bound): revoking a key
clears it from this process's cache at once, and from other workers' within the bound.
The cache is keyed by a MAC of the whole Authorization header, never the key itself.

Unknown user and wrong key take the same path: one indexed lookup by the key's hash,
then a constant-time comparison of the username.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import sqlite3
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from openmaze.auth.secrets import keyed_hash
from openmaze.core.accesslog import note_user
from openmaze.core.authentication import INVALID_CREDENTIALS, PREMIUM_REQUIRED, authenticates
from openmaze.core.errors import BASIC_CHALLENGE, ApiError, fault_log
from openmaze.core.services import User, services
from openmaze.db.database import Database
from openmaze.db.faults import classify

LAST_USED_RESOLUTION = 60  # seconds: last-used times are written at most once a minute
# "Basic " + base64 of a 64-character username, ":" and a key: ~200 bytes. Anything far longer
# is refused before it is hashed or decoded, so a huge header costs nothing.
MAX_HEADER_LENGTH = 1024


@dataclass(slots=True)
class _CacheEntry:
    user: User
    expires: float


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """(username, key) from an Authorization header, or None if it is not valid Basic."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    username, sep, key = decoded.partition(":")
    if not sep or not username or not key:
        return None
    return username, key


class Authenticator:
    def __init__(self, db: Database, secret: bytes, cache_seconds: float) -> None:
        self.db = db
        self.secret = secret
        self.cache_seconds = cache_seconds
        # Keyed BLAKE2b of the whole header, under a key derived from the secret: a MAC like
        # the stored keys' HMAC-SHA256, at a third of its cost on every request.
        self._cache_key = hashlib.sha256(b"openmaze auth cache\0" + secret).digest()
        self._cache: dict[bytes, _CacheEntry] = {}
        self._last_used_written: dict[int, float] = {}

    def forget_key(self, key_id: int) -> None:
        """Drop a revoked key from this process's cache."""
        for k in [k for k, e in self._cache.items() if e.user.key_id == key_id]:
            del self._cache[k]

    def forget_user(self, user_id: int) -> None:
        for k in [k for k, e in self._cache.items() if e.user.id == user_id]:
            del self._cache[k]

    async def authenticate(self, header: str | None) -> User | None:
        if not header or len(header) > MAX_HEADER_LENGTH:
            return None
        now = time.monotonic()
        cache_key = hashlib.blake2b(header.encode(), key=self._cache_key, digest_size=16).digest()
        entry = self._cache.get(cache_key)
        if entry is not None and entry.expires > now:
            return entry.user
        creds = parse_basic(header)
        if creds is None:
            return None
        username, key = creds
        async with self.db.read() as conn:
            row = await conn.fetch_one(
                "SELECT k.id AS key_id, u.id AS user_id, u.username, u.username_lower, u.premium "
                "FROM api_keys k JOIN users u ON u.id = k.user_id "
                "WHERE k.key_hash = :h AND k.revoked_at IS NULL",
                {"h": keyed_hash(self.secret, key)},
            )
        expected = row["username_lower"] if row is not None else "\x00"
        if not hmac.compare_digest(username.lower().encode(), expected.encode()) or row is None:
            return None
        user = User(id=row["user_id"], username=row["username"], premium=row["premium"], key_id=row["key_id"])
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[cache_key] = _CacheEntry(user, now + self.cache_seconds)
        await self._touch(user.key_id)
        return user

    async def _touch(self, key_id: int) -> None:
        """Record the key's last use, at most once a minute. Bookkeeping, not the request's
        purpose: it never waits for another process's write lock, and when it cannot be
        written (the lock is held, the disk is full, the database is read-only) the request
        goes on and a later one writes it."""
        now = time.time()
        if now - self._last_used_written.get(key_id, 0.0) < LAST_USED_RESOLUTION:
            return
        self._last_used_written[key_id] = now
        try:
            async with self.db.transaction(lock_wait=0) as conn:
                await conn.execute(
                    "UPDATE api_keys SET last_used_at = :t WHERE id = :id", {"t": int(now), "id": key_id}
                )
        except Exception as exc:
            fault = classify(exc)
            read_only = isinstance(exc, sqlite3.OperationalError) and getattr(exc, "sqlite_errorcode", 0) & 0xFF == 8
            if fault is None and not read_only:  # a bug: not bookkeeping's to hide
                raise
            self._last_used_written.pop(key_id, None)
            if fault is not None:
                fault_log.record(
                    fault, exc, "writing an API key's last-used time (the request went on)", answered=False
                )


@authenticates(premium=False)
async def current_user(request: Request) -> User:
    state = services(request)
    header = request.headers.get("authorization")
    user = await state.authenticator.authenticate(header)
    if user is None:
        # Only credentials that were presented and wrong count towards the lock-out: HTTP
        # clients commonly ask without credentials first and send Basic auth after the
        # 401 challenge, and those probes must not lock an address out.
        if header:
            await state.limiter.hit_auth_failure(request, state.settings.rate_limit_auth_failures)
        raise ApiError(401, INVALID_CREDENTIALS, headers=BASIC_CHALLENGE)
    note_user(request.scope, user.username)
    spec = state.settings.rate_limit_api
    if spec:  # off by default: a household server has no one to ration
        await state.limiter.check(request, spec, "api", str(user.id), message="Too many requests, please back off")
    return user


@authenticates(premium=True)
async def premium_user(request: Request) -> User:
    # Calls current_user rather than depending on it: FastAPI re-inspects every level of
    # dependencies on every request, and this one level cost a noticeable share of a cached
    # list read (`python -m bench.inproc`). So an override of current_user in
    # app.dependency_overrides does not reach premium routes: override premium_user too.
    user = await current_user(request)
    if user.premium < 1:
        raise ApiError(403, PREMIUM_REQUIRED)
    return user


CurrentUser = Annotated[User, Depends(current_user)]
PremiumUser = Annotated[User, Depends(premium_user)]
