"""Users and their API keys: the rules shared by the CLI, the web pages and pairing."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from openmaze.auth.passwords import PasswordHash, hash_password
from openmaze.auth.secrets import display_prefix, keyed_hash, new_api_key
from openmaze.db.database import Conn

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")


class AccountError(ValueError):
    """A rule about accounts was broken; the message is fit to show a person."""


@dataclass(frozen=True)
class NewKey:
    id: int
    name: str
    key: str  # shown once, never stored


async def create_user(
    conn: Conn,
    username: str,
    email: str,
    *,
    premium: int = 0,
    password: PasswordHash | None = None,
    email_confirmed: bool = True,
) -> int:
    username = username.strip()
    email = email.strip()
    if not USERNAME_RE.match(username):
        raise AccountError("usernames are 2-64 letters, digits, '.', '_' or '-'")
    if not EMAIL_RE.match(email):
        raise AccountError(f"{email!r} is not an email address")
    if premium not in (0, 1, 2, 3):
        raise AccountError("premium is 0 (none), 1 (Bronze), 2 (Silver) or 3 (Gold)")
    clash = await conn.fetch_one(
        "SELECT username_lower, email_lower FROM users WHERE username_lower = :u OR email_lower = :e",
        {"u": username.lower(), "e": email.lower()},
    )
    if clash is not None:
        what = "username" if clash["username_lower"] == username.lower() else "email address"
        raise AccountError(f"that {what} is already taken")
    user_id: int = await conn.fetch_val(
        "INSERT INTO users (username, username_lower, email, email_lower, email_confirmed, password_hash, "
        "premium, created_at) VALUES (:u, :ul, :e, :el, :c, :p, :prem, :t) RETURNING id",
        {
            "u": username,
            "ul": username.lower(),
            "e": email,
            "el": email.lower(),
            "c": email_confirmed,
            "p": password.value if password is not None else None,
            "prem": premium,
            "t": int(time.time()),
        },
    )
    return user_id


async def find_user(conn: Conn, username: str) -> Any | None:
    return await conn.fetch_one(
        "SELECT id, username, email, email_confirmed, premium, password_hash, created_at "
        "FROM users WHERE username_lower = :u",
        {"u": username.strip().lower()},
    )


async def require_user(conn: Conn, username: str) -> Any:
    row = await find_user(conn, username)
    if row is None:
        raise AccountError(f"no user named {username!r}")
    return row


async def list_users(conn: Conn) -> list[Any]:
    return await conn.fetch_all(
        "SELECT u.id, u.username, u.email, u.email_confirmed, u.premium, u.created_at, "
        "(SELECT COUNT(*) FROM api_keys k WHERE k.user_id = u.id AND k.revoked_at IS NULL) AS keys "
        "FROM users u ORDER BY u.username_lower"
    )


async def set_premium(conn: Conn, username: str, premium: int) -> None:
    if premium not in (0, 1, 2, 3):
        raise AccountError("premium is 0 (none), 1 (Bronze), 2 (Silver) or 3 (Gold)")
    user = await require_user(conn, username)
    await conn.execute("UPDATE users SET premium = :p WHERE id = :id", {"p": premium, "id": user["id"]})


MIN_PASSWORD_LENGTH = 8


async def new_password(password: str) -> PasswordHash:
    """A password checked against the rules and hashed, before any transaction opens."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    return await hash_password(password)


async def set_password(conn: Conn, user_id: int, password: PasswordHash) -> None:
    await conn.execute("UPDATE users SET password_hash = :p WHERE id = :id", {"p": password.value, "id": user_id})


async def delete_user(conn: Conn, username: str) -> None:
    user = await require_user(conn, username)
    await conn.execute("DELETE FROM users WHERE id = :id", {"id": user["id"]})


async def create_key(conn: Conn, secret: bytes, user_id: int, name: str, key: str | None = None) -> NewKey:
    """`key`: a key made by `derived_key` (default: a random one)."""
    name = name.strip()[:128] or "API key"
    key = key or new_api_key()
    key_id: int = await conn.fetch_val(
        "INSERT INTO api_keys (user_id, name, key_hash, key_prefix, created_at) "
        "VALUES (:u, :n, :h, :p, :t) RETURNING id",
        {"u": user_id, "n": name, "h": keyed_hash(secret, key), "p": display_prefix(key), "t": int(time.time())},
    )
    return NewKey(id=key_id, name=name, key=key)


async def find_key(conn: Conn, secret: bytes, user_id: int, key: str) -> Any | None:
    """This user's active key that is `key` (its id and name), if any."""
    return await conn.fetch_one(
        "SELECT id, name FROM api_keys WHERE user_id = :u AND key_hash = :h AND revoked_at IS NULL",
        {"u": user_id, "h": keyed_hash(secret, key)},
    )


async def list_keys(conn: Conn, user_id: int, include_revoked: bool = False) -> list[Any]:
    sql = (
        "SELECT id, name, key_prefix, created_at, last_used_at, revoked_at FROM api_keys WHERE user_id = :u"
        + ("" if include_revoked else " AND revoked_at IS NULL")
        + " ORDER BY id"
    )
    return await conn.fetch_all(sql, {"u": user_id})


async def revoke_key(conn: Conn, user_id: int, key_id: int) -> bool:
    """Revoke one of this user's keys. False if the user has no such active key."""
    n = await conn.execute(
        "UPDATE api_keys SET revoked_at = :t WHERE id = :id AND user_id = :u AND revoked_at IS NULL",
        {"t": int(time.time()), "id": key_id, "u": user_id},
    )
    return n > 0


# --- the secret the keys are hashed with --------------------------------------------------
# A MAC of a fixed text under the secret, kept in the database (a `sync_state` row: the
# database's small key/value table), tells a process whether it hashes with the secret the
# stored keys were made with. Without it, a command run with another data folder than the
# server's generated a second secret and printed keys that could never work.
SECRET_CHECK_KEY = "secret_check"
_SECRET_CHECK_TEXT = "openmaze: the secret API keys are hashed with"


class SecretMismatch(AccountError):
    pass


def secret_fingerprint(secret: bytes) -> str:
    return keyed_hash(secret, _SECRET_CHECK_TEXT)


async def check_secret(conn: Conn, secret: bytes, *, new_secret: bool = False) -> None:
    """Refuse a secret other than the one this database's keys were made with; remember
    this one when none is recorded yet. `new_secret`: the secret was generated just now,
    so keys already in the database cannot have been made with it."""
    recorded = await conn.fetch_val("SELECT value FROM sync_state WHERE key = :k", {"k": SECRET_CHECK_KEY})
    mine = secret_fingerprint(secret)
    if recorded is None:
        if new_secret and await conn.fetch_val("SELECT COUNT(*) FROM api_keys"):
            raise SecretMismatch("this database has API keys made with another secret than the one just generated")
        await conn.execute(
            "INSERT INTO sync_state (key, value) VALUES (:k, :v) ON CONFLICT (key) DO NOTHING",
            {"k": SECRET_CHECK_KEY, "v": mine},
        )
    elif recorded != mine:
        raise SecretMismatch("this database's API keys were hashed with another secret than this one")
