"""Device pairing rules: a device asks for a key by email, the person allows it on the web,
the device collects a fresh API key exactly once.

A pairing is `pending -> confirmed -> claimed`, or `pending -> denied`. Two secrets:
the poll token (the device's, needed to collect the key) and the confirm code (in the
link a person opens). Both are stored only as keyed hashes. Seeing the link therefore
does not let anyone collect the key, and a stolen database yields neither secret.

Concurrency: collecting is one conditional `UPDATE ... WHERE state = 'confirmed'
RETURNING`, and the key is minted in that same transaction, so of any number of racing
polls on any number of workers exactly one gets the key (on PostgreSQL the losers wait
for the winner's row lock and then match no row; on SQLite writes are serialised).
The poll-spacing rule keeps its state in the row (`last_poll_ms`) for the same reason.

Functions here return outcomes rather than raising for the states a poll can report,
because a 403 poll must still commit its `last_poll_ms`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from openmaze.auth import accounts
from openmaze.auth.secrets import keyed_hash, random_token
from openmaze.core.errors import ApiError
from openmaze.core.fields import Field, Flag, Nullable, Text
from openmaze.db.database import Conn

PENDING = "pending"
CONFIRMED = "confirmed"
CLAIMED = "claimed"
DENIED = "denied"

# Wording from the TVmaze API description of these endpoints.
EMAIL_NOT_FOUND = "The email address was not found"
EMAIL_NOT_CONFIRMED = "The email address was found, but not confirmed"
START_TOO_FAST = "You are starting authentication requests too quickly, please back off"
NOT_CONFIRMED_YET = "The authentication request was not confirmed yet"
REQUEST_NOT_FOUND = "The authentication request was not found"
POLL_TOO_FAST = "You are polling too quickly, please back off"

CLIENT_NAME_MAX = 100
EMAIL_MAX = 254  # no stored address is longer; keeps rate-limit keys small too

# The bodies of start and poll (JSON or form), parsed and documented from these fields.
START_FIELDS: dict[str, Field[Any]] = {
    # No control characters: PostgreSQL refuses NUL in text (a 500 before this rule).
    "email": Text(
        "is required",
        "is required",
        EMAIL_MAX,
        "is not an email address",
        controls=False,
        control="is not an email address",
        description="The user's email address",
    ),
    "email_confirmation": Nullable(
        Flag(), "Whether to email the user a confirmation link (absent, null or blank: true)"
    ),
}
POLL_FIELDS: dict[str, Field[Any]] = {
    "token": Text("is required", "is required", description="The token `start` returned"),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def client_name(user_agent: str | None) -> str:
    """A printable name for the device, from its User-Agent."""
    name = " ".join(_CONTROL.sub(" ", user_agent or "").split())
    return name[:CLIENT_NAME_MAX] or "Unknown device"


def key_name(client: str, now: float) -> str:
    return f"{client[:CLIENT_NAME_MAX]} ({datetime.fromtimestamp(now, UTC).strftime('%Y-%m-%d')})"


def _poll_hash(secret: bytes, token: str) -> str:
    return keyed_hash(secret, "poll:" + token)


@dataclass(frozen=True)
class Started:
    token: str  # the device's secret: never put in a link
    confirm_code: str  # goes into the link a person opens
    user_id: int
    username: str
    email: str
    client_name: str
    expires_at: int


async def start(
    conn: Conn,
    secret: bytes,
    *,
    email: str,
    email_confirmation: bool,
    client: str,
    address: str | None,
    now: float,
    ttl_seconds: int,
    confirmed: bool = False,
) -> Started:
    """Open a pairing for the account with this email. 404 unknown, 401 unconfirmed.
    `confirmed`: as if its user had allowed it at once (a sandbox's auto-confirmation)."""
    user = await conn.fetch_one(
        "SELECT id, username, email, email_confirmed FROM users WHERE email_lower = :e",
        {"e": email.strip().lower()},
    )
    if user is None:
        raise ApiError(404, EMAIL_NOT_FOUND)
    if not user["email_confirmed"]:
        raise ApiError(401, EMAIL_NOT_CONFIRMED)
    t = int(now)
    # Expired requests are useless; sweeping them here keeps the table to the live ones.
    await conn.execute("DELETE FROM pairings WHERE expires_at <= :t", {"t": t})
    token = random_token(40)
    code = random_token(32)
    await conn.execute(
        "INSERT INTO pairings (user_id, poll_token_hash, confirm_code_hash, client_name, client_address, "
        "state, email_confirmation, created_at, expires_at, confirmed_at) "
        "VALUES (:u, :ph, :ch, :name, :addr, :state, :ec, :t, :exp, :confirmed_at)",
        {
            "u": user["id"],
            "ph": _poll_hash(secret, token),
            "ch": keyed_hash(secret, "confirm:" + code),
            "name": client,
            "addr": (address or "")[:64] or None,
            "state": CONFIRMED if confirmed else PENDING,
            "ec": email_confirmation,
            "t": t,
            "exp": t + ttl_seconds,
            "confirmed_at": t if confirmed else None,
        },
    )
    return Started(token, code, user["id"], user["username"], user["email"], client, t + ttl_seconds)


@dataclass(frozen=True)
class PollOutcome:
    status: int  # 200, 403, 404 or 429
    apikey: str | None = None
    username: str | None = None
    retry_after: float = 0.0


async def poll(conn: Conn, secret: bytes, token: str, *, now: float, interval_seconds: float) -> PollOutcome:
    """Run inside a transaction. See the module docstring for the race rules."""
    row = await conn.fetch_one(
        "SELECT id, state, expires_at, last_poll_ms FROM pairings WHERE poll_token_hash = :h",
        {"h": _poll_hash(secret, token)},
    )
    t = int(now)
    if row is None or row["state"] in (CLAIMED, DENIED) or row["expires_at"] <= t:
        return PollOutcome(404)
    now_ms = int(now * 1000)
    interval_ms = int(interval_seconds * 1000)
    # Conditional, so two workers racing on one token cannot both pass the spacing rule.
    # An interval of 0 switches the rule off (racing polls could otherwise see each
    # other's slightly later clock readings as "too soon").
    spacing = " AND (last_poll_ms IS NULL OR last_poll_ms <= :cutoff)" if interval_ms > 0 else ""
    spaced = await conn.execute(
        "UPDATE pairings SET last_poll_ms = :now WHERE id = :id" + spacing,
        {"now": now_ms, "id": row["id"], "cutoff": now_ms - interval_ms}
        if interval_ms > 0
        else {"now": now_ms, "id": row["id"]},
    )
    if not spaced:
        last = row["last_poll_ms"] if row["last_poll_ms"] is not None else now_ms
        return PollOutcome(429, retry_after=max(0.0, (last + interval_ms - now_ms) / 1000))
    if row["state"] == PENDING:
        return PollOutcome(403)
    claimed = await conn.fetch_one(
        "UPDATE pairings SET state = :claimed WHERE id = :id AND state = :confirmed AND expires_at > :t "
        "RETURNING user_id, client_name",
        {"claimed": CLAIMED, "confirmed": CONFIRMED, "id": row["id"], "t": t},
    )
    if claimed is None:  # another poll collected it a moment ago
        return PollOutcome(404)
    username: str = await conn.fetch_val("SELECT username FROM users WHERE id = :u", {"u": claimed["user_id"]})
    new = await accounts.create_key(conn, secret, claimed["user_id"], key_name(claimed["client_name"], now))
    await conn.execute("UPDATE pairings SET api_key_id = :k WHERE id = :id", {"k": new.id, "id": row["id"]})
    return PollOutcome(200, apikey=new.key, username=username)


_FIND = (
    "SELECT p.id, p.user_id, p.client_name, p.client_address, p.state, p.created_at, p.expires_at, "
    "u.username FROM pairings p JOIN users u ON u.id = p.user_id WHERE p.{column} = :h"
)


async def find_by_code(conn: Conn, secret: bytes, code: str) -> Any | None:
    """The pairing a confirm link names (any state), with its user's name."""
    return await conn.fetch_one(_FIND.format(column="confirm_code_hash"), {"h": keyed_hash(secret, "confirm:" + code)})


async def find_by_token(conn: Conn, secret: bytes, token: str) -> Any | None:
    """The pairing a device's poll token names (any state), with its user's name: for the
    sandbox, which decides a pairing as the person would, knowing only what the device knows."""
    return await conn.fetch_one(_FIND.format(column="poll_token_hash"), {"h": _poll_hash(secret, token)})


async def decide(conn: Conn, pairing_id: int, user_id: int, *, allow: bool, now: float) -> bool:
    """Allow or deny a pending, unexpired pairing of this user. False if it no longer is one."""
    t = int(now)
    n = await conn.execute(
        "UPDATE pairings SET state = :state, confirmed_at = :confirmed_at "
        "WHERE id = :id AND user_id = :u AND state = :pending AND expires_at > :t",
        {
            "state": CONFIRMED if allow else DENIED,
            "confirmed_at": t if allow else None,
            "t": t,
            "id": pairing_id,
            "u": user_id,
            "pending": PENDING,
        },
    )
    return n > 0
