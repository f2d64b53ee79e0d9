"""Sealing a short secret (a TVmaze API key) for the time a background job needs it.

The key a person types on the account page is needed once, by the job that reads their
TVmaze account, possibly in another worker after a restart; so it has to rest in the
job's row, but never in clear. It is sealed under a key derived from the server secret:
encrypted with HMAC-SHA256 as a pseudo-random function in counter mode over a random
nonce, then authenticated with HMAC-SHA256 (encrypt-then-MAC; standard library only).
The job erases its payload when it ends, however it ends (`erase_payload`), so nothing is
left to unseal afterwards; a copy of the database alone cannot unseal it either way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_NONCE = 16
_TAG = 32


def _keys(secret: bytes, purpose: str) -> tuple[bytes, bytes]:
    root = hmac.new(secret, b"openmaze-seal:" + purpose.encode(), hashlib.sha256).digest()
    return (
        hmac.new(root, b"encrypt", hashlib.sha256).digest(),
        hmac.new(root, b"authenticate", hashlib.sha256).digest(),
    )


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (hmac.new(key, nonce + n.to_bytes(8, "big"), hashlib.sha256).digest() for n in range(length // 32 + 1))
    return b"".join(blocks)[:length]


def seal(secret: bytes, purpose: str, plain: str) -> str:
    encrypt, authenticate = _keys(secret, purpose)
    data = plain.encode()
    nonce = secrets.token_bytes(_NONCE)
    body = bytes(a ^ b for a, b in zip(data, _stream(encrypt, nonce, len(data)), strict=True))
    tag = hmac.new(authenticate, nonce + body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(nonce + body + tag).decode()


def unseal(secret: bytes, purpose: str, sealed: str) -> str:
    """The sealed text; ValueError if it was not sealed with this secret and purpose."""
    encrypt, authenticate = _keys(secret, purpose)
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
    except (ValueError, TypeError):
        raise ValueError("not a sealed value") from None
    if len(raw) < _NONCE + _TAG:
        raise ValueError("not a sealed value")
    nonce, body, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    if not hmac.compare_digest(tag, hmac.new(authenticate, nonce + body, hashlib.sha256).digest()):
        raise ValueError("the sealed value was not made with this server's secret")
    return bytes(a ^ b for a, b in zip(body, _stream(encrypt, nonce, len(body)), strict=True)).decode()
