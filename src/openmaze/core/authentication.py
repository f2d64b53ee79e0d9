"""How core recognises the dependencies that authenticate a request, without importing
the package that defines them (core imports no domain package).

`openmaze.auth.credentials` marks `current_user` and `premium_user` with `authenticates()`.
Two readers in core rely on the mark: the OpenAPI document (401, 429 and Basic security for
a route that authenticates, 403 for one that needs premium) and the fast path, which calls
a marked dependency itself instead of through FastAPI's dependency solving.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.requests import Request

_MARK = "__openmaze_authentication__"

Authenticate = TypeVar("Authenticate", bound=Callable[[Request], Awaitable[Any]])


@dataclass(frozen=True, slots=True)
class Authentication:
    premium: bool  # a user without premium is refused with a 403


def authenticates(*, premium: bool) -> Callable[[Authenticate], Authenticate]:
    """Mark a dependency that authenticates the request. Its contract, which the fast path
    relies on: a coroutine function taking the request alone (no dependencies of its own),
    returning the user or raising the 401 (and, with `premium`, the 403) itself."""

    def mark(call: Authenticate) -> Authenticate:
        setattr(call, _MARK, Authentication(premium))
        return call

    return mark


def authentication(call: object) -> Authentication | None:
    """The mark `authenticates()` put on `call`, if any."""
    mark = getattr(call, _MARK, None)
    return mark if isinstance(mark, Authentication) else None
