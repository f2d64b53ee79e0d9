"""API keys and other bearer secrets: generation and keyed hashing.

Keys are 32 random base62 characters behind a recognisable prefix (`omk_`), so secret
scanners can spot a leaked one. They are stored only as HMAC-SHA256 under the server's
secret key: a stolen database does not yield usable keys, and the hash is cheap enough
to compute on every request (argon2 would cost tens of milliseconds per request for no gain: the keys
have 190 bits of entropy, nothing to brute-force).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

KEY_PREFIX = "omk_"
_ALPHABET = string.ascii_letters + string.digits


def random_token(length: int = 32) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_api_key() -> str:
    return KEY_PREFIX + random_token(32)


def keyed_hash(secret: bytes, value: str) -> str:
    return hmac.new(secret, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def display_prefix(key: str) -> str:
    """What the dashboard shows of a key: enough to tell keys apart, useless to an attacker."""
    return key[: len(KEY_PREFIX) + 4]
