"""Email-address confirmation: a one-time link proves the person reads that mailbox.

Pairing by email (`/v1/auth/start`) only works for confirmed addresses, so a mistyped
or someone else's address cannot be used to send pairing requests on your behalf.
"""

from __future__ import annotations

from typing import Any

from openmaze.auth.secrets import keyed_hash, random_token
from openmaze.db.database import Conn

TOKEN_TTL_SECONDS = 48 * 3600


def _hash(secret: bytes, token: str) -> str:
    return keyed_hash(secret, "email:" + token)


async def new_token(conn: Conn, secret: bytes, user_id: int, now: float) -> str:
    token = random_token(40)
    t = int(now)
    await conn.execute("DELETE FROM email_confirmations WHERE expires_at <= :t", {"t": t})
    await conn.execute(
        "INSERT INTO email_confirmations (token_hash, user_id, created_at, expires_at) VALUES (:h, :u, :t, :exp)",
        {"h": _hash(secret, token), "u": user_id, "t": t, "exp": t + TOKEN_TTL_SECONDS},
    )
    return token


async def find(conn: Conn, secret: bytes, token: str, now: float) -> Any | None:
    """The user an unexpired token belongs to, or None."""
    return await conn.fetch_one(
        "SELECT u.id, u.username, u.email, u.email_confirmed FROM email_confirmations c "
        "JOIN users u ON u.id = c.user_id WHERE c.token_hash = :h AND c.expires_at > :t",
        {"h": _hash(secret, token), "t": int(now)},
    )


async def confirm(conn: Conn, secret: bytes, token: str, now: float) -> Any | None:
    """Mark the address confirmed and retire every token of that user. None if invalid."""
    user = await find(conn, secret, token, now)
    if user is None:
        return None
    await conn.execute("UPDATE users SET email_confirmed = :c WHERE id = :u", {"c": True, "u": user["id"]})
    await conn.execute("DELETE FROM email_confirmations WHERE user_id = :u", {"u": user["id"]})
    return user
