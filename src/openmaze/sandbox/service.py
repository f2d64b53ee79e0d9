"""Sandbox operations on the database: users made in one call, data wiped per user or for
everyone, pairings decided as the person would. Account and pairing rules stay where they
live (`openmaze.auth.accounts`, `openmaze.auth.service`); this only calls them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from openmaze.auth import accounts
from openmaze.auth import service as pairing
from openmaze.auth.accounts import AccountError
from openmaze.core.errors import ApiError
from openmaze.db.database import Conn
from openmaze.db.tables import USER_DATA_TABLES

NO_PENDING_PAIRING = "No pending authentication request has this token"
NO_SUCH_USER = "There is no user with this name"
NO_PENDING_PAIRING_OF_USER = "This user has no pending authentication request"
# Tables holding a user's account itself (USER_DATA_TABLES hold what the user API writes),
# in an order that deletes what refers to a row before the row.
_ACCOUNT_TABLES = ("pairings", "web_sessions", "email_confirmations", "api_keys")


@dataclass(frozen=True)
class CreatedUser:
    id: int
    username: str
    email: str
    premium: int
    apikey: str


async def create_user(
    conn: Conn, secret: bytes, *, username: str | None, email: str | None, premium: int, email_confirmed: bool
) -> CreatedUser:
    name = username.strip() if username else f"sandbox-{secrets.token_hex(5)}"
    address = email.strip() if email else f"{name}@sandbox.invalid"
    try:
        user_id = await accounts.create_user(conn, name, address, premium=premium, email_confirmed=email_confirmed)
    except AccountError as exc:
        field = "email" if "email" in str(exc) else "username"
        raise ApiError(422, "Data validation failed.", {field: [str(exc)]}) from None
    key = await accounts.create_key(conn, secret, user_id, "sandbox")
    return CreatedUser(user_id, name, address, premium, key.key)


async def set_premium(conn: Conn, username: str, premium: int) -> int:
    """A user's new premium level; their id (so their cached credentials can be dropped)."""
    user = await accounts.find_user(conn, username)
    if user is None:
        raise ApiError(404, NO_SUCH_USER)
    await accounts.set_premium(conn, user["username"], premium)
    user_id: int = user["id"]
    return user_id


async def _delete_user_rows(conn: Conn, tables: tuple[str, ...], user_id: int | None) -> int:
    """Delete from each table the rows of one user (or of every user, `user_id` None)."""
    where, params = (" WHERE user_id = :u", {"u": user_id}) if user_id is not None else ("", {})
    return sum([await conn.execute(f"DELETE FROM {table}{where}", params) for table in tables])


async def reset_user(conn: Conn, username: str) -> int:
    """Delete a user's follows, marks, votes, tags and pairings; keep the account and its
    keys. Returns the number of rows deleted."""
    user = await accounts.find_user(conn, username)
    if user is None:
        raise ApiError(404, NO_SUCH_USER)
    return await _delete_user_rows(conn, (*USER_DATA_TABLES, "pairings"), user["id"])


async def reset_all(conn: Conn) -> list[int]:
    """Every user and everything they own deleted; the catalog stays. Returns their ids."""
    ids: list[int] = [row[0] for row in await conn.fetch_all("SELECT id FROM users")]
    await _delete_user_rows(conn, (*USER_DATA_TABLES, *_ACCOUNT_TABLES), None)
    await conn.execute("DELETE FROM users")
    return ids


async def decide_pairing(conn: Conn, secret: bytes, token: str, *, allow: bool, now: float) -> tuple[str, int]:
    """Confirm or deny the pending pairing this poll token belongs to; (its user's name, 1)."""
    found = await pairing.find_by_token(conn, secret, token)
    if found is None or not await pairing.decide(conn, found["id"], found["user_id"], allow=allow, now=now):
        raise ApiError(404, NO_PENDING_PAIRING)
    username: str = found["username"]
    return username, 1


async def decide_pairings_of(conn: Conn, username: str, *, allow: bool, now: float) -> tuple[str, int]:
    """Confirm or deny every pending pairing of a user, as they would on their dashboard (for
    clients whose poll token a test never sees); (their name, how many)."""
    user = await accounts.find_user(conn, username)
    if user is None:
        raise ApiError(404, NO_SUCH_USER)
    rows = await conn.fetch_all(
        "SELECT id FROM pairings WHERE user_id = :u AND state = :pending", {"u": user["id"], "pending": pairing.PENDING}
    )
    decided = [await pairing.decide(conn, row[0], user["id"], allow=allow, now=now) for row in rows]
    if not any(decided):
        raise ApiError(404, NO_PENDING_PAIRING_OF_USER)
    return user["username"], sum(decided)
