"""Password hashing (argon2id). Passwords are only for the web pages; the API uses keys."""

from __future__ import annotations

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


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
