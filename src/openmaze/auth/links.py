"""Personal links: URLs that carry a per-user secret token: the iCal feed and the
media-server webhooks (Plex, Jellyfin, Emby), one mechanism for all of them.

The token is derived, never stored: HMAC-SHA256(server secret, "link:KIND:USER:ROTATION"),
256 bits, base64url. So `openmaze user links` can print the same URL as often as it is asked
(it is idempotent), while the database keeps only the token's keyed hash (the same keyed
hash as API keys), to find the user a request names; a stolen database yields no feed.
Rotating bumps the counter: the old URL stops working at once, a new one is derived.
Changing the server secret retires every link, as it retires every API key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from openmaze.auth.secrets import keyed_hash
from openmaze.db.database import Conn

ICAL = "ical"
PLEX = "plex"
JELLYFIN = "jellyfin"
EMBY = "emby"
MEDIA_SERVERS = (PLEX, JELLYFIN, EMBY)


def _path_ical(token: str) -> str:
    return f"/ical/followed?token={token}"


def _path_hook(kind: str) -> Callable[[str], str]:
    return lambda token: f"/hooks/{kind}/{token}"


# kind -> path of its URL; `links_for` (the CLI's `user links --json` object) has them all.
# Each media server gets a token of its own, so one can be rotated without the others.
KINDS: dict[str, Callable[[str], str]] = {ICAL: _path_ical, **{kind: _path_hook(kind) for kind in MEDIA_SERVERS}}


def derive_token(secret: bytes, kind: str, user_id: int, rotation: int) -> str:
    mac = hmac.new(secret, f"link:{kind}:{user_id}:{rotation}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def token_hash(secret: bytes, token: str) -> str:
    return keyed_hash(secret, "link:" + token)


async def ensure_token(conn: Conn, secret: bytes, user_id: int, kind: str, now: int) -> str:
    """The user's current token of `kind`, registering rotation 0 on first use (in `conn`'s
    transaction; idempotent: the same token every time until rotated)."""
    known = await known_token(conn, secret, user_id, kind)
    if known is not None:
        return known
    # DO NOTHING if a concurrent request registered it first: never undo a rotation.
    await _store(conn, secret, user_id, kind, 0, now, "DO NOTHING")
    return await known_token(conn, secret, user_id, kind) or derive_token(secret, kind, user_id, 0)


async def known_token(conn: Conn, secret: bytes, user_id: int, kind: str) -> str | None:
    """The current token if one was ever issued (a read; `ensure_token` issues)."""
    rotation = await _rotation(conn, user_id, kind)
    return None if rotation is None else derive_token(secret, kind, user_id, rotation)


async def rotate_token(conn: Conn, secret: bytes, user_id: int, kind: str, now: int) -> str:
    """A new token; the old one stops working when this transaction commits."""
    rotation = (await _rotation(conn, user_id, kind) or 0) + 1
    replace = "DO UPDATE SET rotation = excluded.rotation, token_hash = excluded.token_hash, "
    replace += "created_at = excluded.created_at, etag = NULL, changed_at = NULL"
    await _store(conn, secret, user_id, kind, rotation, now, replace)
    return derive_token(secret, kind, user_id, rotation)


async def _rotation(conn: Conn, user_id: int, kind: str) -> int | None:
    found = await conn.fetch_val(
        "SELECT rotation FROM link_tokens WHERE user_id = :u AND kind = :k", {"u": user_id, "k": kind}
    )
    return None if found is None else int(found)


async def _store(conn: Conn, secret: bytes, user_id: int, kind: str, rotation: int, now: int, on_conflict: str) -> None:
    token = derive_token(secret, kind, user_id, rotation)
    await conn.execute(
        "INSERT INTO link_tokens (user_id, kind, rotation, token_hash, created_at) VALUES (:u, :k, :r, :h, :t) "
        f"ON CONFLICT (user_id, kind) {on_conflict}",
        {"u": user_id, "k": kind, "r": rotation, "h": token_hash(secret, token), "t": now},
    )


async def find_token(conn: Conn, secret: bytes, kind: str, token: str) -> Any | None:
    """(user_id, etag, changed_at) of the link `token` names, or None."""
    if not token or len(token) > 100:
        return None
    return await conn.fetch_one(
        "SELECT user_id, etag, changed_at FROM link_tokens WHERE token_hash = :h AND kind = :k",
        {"h": token_hash(secret, token), "k": kind},
    )


def url_of(base: str, kind: str, token: str) -> str:
    return base.rstrip("/") + KINDS[kind](token)


async def links_for(conn: Conn, secret: bytes, user_id: int, base: str, now: int) -> dict[str, str]:
    """{kind: absolute URL} for every kind of link, issuing tokens not issued yet."""
    return {kind: url_of(base, kind, await ensure_token(conn, secret, user_id, kind, now)) for kind in KINDS}
