"""Password hashing (argon2id). Passwords are only for the web pages; the API uses keys."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A real hash to verify against when the user does not exist, so a login for an
    unknown username costs the same time as a wrong password. Made on first use: hashing
    takes tens of milliseconds, which every CLI start would otherwise pay."""
    return _hasher.hash("openmaze-timing-equaliser")


@dataclass(frozen=True, slots=True)
class PasswordHash:
    """A password's argon2 hash, ready to store. The account functions take this rather than
    the password, so hashing (tens to hundreds of milliseconds of CPU) can never run inside
    their write transactions, where it would hold the database's write lock."""

    value: str


async def hash_password(password: str) -> PasswordHash:
    """Hash in a worker thread: argon2 on the event loop would stall every other request."""
    return PasswordHash(await asyncio.to_thread(_hash, password))


def _hash(password: str) -> str:
    return _hasher.hash(password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """In a worker thread, like `hash_password`."""
    return await asyncio.to_thread(_verify, password_hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
