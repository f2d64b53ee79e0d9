"""What every request handler may use, typed: one `Services` object per app.

`create_app` builds it once and keeps it as `app.state.services`; handlers get it with
`services(request)` instead of reading untyped
attributes off `app.state`. Nothing here is global: two apps in one process (the tests
run many) each have their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from starlette.requests import HTTPConnection

from openmaze.core.mail import Mailer
from openmaze.core.ratelimit import RateLimiter
from openmaze.core.readcache import ReadCache
from openmaze.db.database import Database
from openmaze.settings import Settings


@dataclass(frozen=True, slots=True)
class User:
    """The authenticated caller of an API request (found by `openmaze.auth.credentials`)."""

    id: int
    username: str
    premium: int
    key_id: int


class Authenticates(Protocol):
    """Finds the user an Authorization header names (`openmaze.auth.credentials.Authenticator`)."""

    async def authenticate(self, header: str | None) -> User | None: ...

    def forget_key(self, key_id: int) -> None: ...

    def forget_user(self, user_id: int) -> None: ...


@dataclass(slots=True)
class Services:
    settings: Settings
    db: Database
    secret: bytes  # the server secret keys, sessions and tokens are hashed under
    authenticator: Authenticates
    limiter: RateLimiter
    read_cache: ReadCache
    mailer: Mailer
    # Wall-clock epoch seconds for expiry rules; tests swap it to move time without sleeping.
    clock: Callable[[], float] = field(default=time.time)
    # Pairings start confirmed, as if their user had allowed them at once: a sandbox control
    # (openmaze.sandbox), for clients whose pairing a test cannot step into.
    auto_confirm_pairings: bool = False


def services(request: HTTPConnection) -> Services:
    """The app's services (one attribute read: handlers call this on every request)."""
    found: Services = request.app.state.services
    return found
