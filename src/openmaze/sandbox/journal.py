"""The sandbox's request journal: what each client really sent, and what it got back.

Bounded in memory on purpose: at most `OPENMAZE_SANDBOX_JOURNAL_ENTRIES` requests (the
oldest go first), each keeping at most `OPENMAZE_SANDBOX_JOURNAL_BODY_BYTES` of its body,
at most `MAX_HEADERS` headers and `MAX_TEXT` characters per header value, path or query.
Credentials never enter it: the Authorization header keeps only the username a client sent
(`Basic alice:***`), cookies and any header, query parameter or JSON/form field whose name
suggests a secret (`token`, `apikey`, `password`, ...) are written as `***` - the same names
the access log masks (`openmaze.core.accesslog`).
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from typing import Any

import orjson

from openmaze.auth.credentials import parse_basic
from openmaze.core.accesslog import SECRET_NAME, redact_query

MASK = "***"
MAX_HEADERS = 64
MAX_TEXT = 2048


@dataclass(slots=True)
class Entry:
    id: int
    at: float  # real epoch seconds the request arrived (not the sandbox clock: this is the network)
    method: str
    path: str
    query: str
    headers: dict[str, str]
    username: str | None  # as the client sent it in Basic auth, whether or not it was valid
    body: str | None
    body_bytes: int
    body_truncated: bool
    status: int | None = None  # None: no complete answer (a dropped connection)
    duration_ms: float = 0.0
    fault: str | None = None  # "rate-limit", or "fault <id>" when a fault rule answered
    address: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def mask_authorization(value: str) -> str:
    creds = parse_basic(value)
    if creds is not None:
        return f"Basic {creds[0]}:{MASK}"
    scheme = value.split(" ", 1)[0]
    return f"{scheme} {MASK}" if " " in value else MASK


def masked_headers(raw: Iterable[tuple[bytes, bytes]]) -> tuple[dict[str, str], str | None]:
    """The request headers with credentials masked, and the Basic-auth username if any."""
    headers: dict[str, str] = {}
    username = None
    for name_b, value_b in raw:
        name = name_b.decode("latin-1").lower()
        value = value_b.decode("latin-1")
        if name == "authorization":
            creds = parse_basic(value)
            username = creds[0] if creds is not None else None
            value = mask_authorization(value)
        elif SECRET_NAME.search(name):
            value = MASK
        if name in headers:
            headers[name] = _clip(headers[name] + ", " + value)
        elif len(headers) < MAX_HEADERS:
            headers[name] = _clip(value)
    return headers, username


# orjson parses JSON nested 1024 deep, past Python's recursion limit; no client sends more
# than a few levels, so deeper parts are not written out (nor searched for secrets).
MAX_DEPTH = 32


def _mask_json(value: Any, depth: int = 0) -> Any:
    if depth >= MAX_DEPTH and isinstance(value, dict | list):
        return "…"
    if isinstance(value, dict):
        return {
            k: MASK if isinstance(k, str) and SECRET_NAME.search(k) else _mask_json(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask_json(v, depth + 1) for v in value]
    return value


def masked_body(body: bytes, content_type: str) -> str:
    """The body as text, secrets masked where its format names them (JSON, forms)."""
    text = body.decode("utf-8", errors="replace")
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return redact_query(text)
    if text.lstrip()[:1] in ("{", "["):
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            return text  # not JSON after all (or cut short): as sent
        return orjson.dumps(_mask_json(doc)).decode()
    return text


@dataclass
class JournalFilter:
    method: str | None = None
    path: str | None = None  # a glob: "/v1/user/*"
    status: int | None = None
    username: str | None = None
    after_id: int | None = None
    limit: int = 100

    def matches(self, entry: Entry) -> bool:
        return (
            (self.method is None or entry.method == self.method.upper())
            and (self.path is None or fnmatchcase(entry.path, self.path))
            and (self.status is None or entry.status == self.status)
            and (self.username is None or (entry.username or "").lower() == self.username.lower())
            and (self.after_id is None or entry.id > self.after_id)
        )


class Journal:
    def __init__(self, max_entries: int, max_body_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_body_bytes = max_body_bytes
        self._entries: deque[Entry] = deque(maxlen=max_entries)
        self._ids = itertools.count(1)

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0

    def start(self, method: str, path: str, query: str, raw_headers: Iterable[tuple[bytes, bytes]]) -> Entry:
        """A new entry, already in the journal (its answer is filled in as it happens)."""
        headers, username = masked_headers(raw_headers)
        entry = Entry(
            id=next(self._ids),
            at=time.time(),
            method=method,
            path=_clip(path),
            query=_clip(redact_query(query)),
            headers=headers,
            username=username,
            body=None,
            body_bytes=0,
            body_truncated=False,
        )
        self._entries.append(entry)
        return entry

    def record_body(self, entry: Entry, body: bytes, total: int) -> None:
        """`body`: the first bytes read (at most the limit); `total`: how many were sent."""
        entry.body_bytes = total
        entry.body_truncated = total > len(body)
        if body:
            entry.body = masked_body(body, entry.headers.get("content-type", ""))

    def entries(self, query: JournalFilter) -> list[Entry]:
        """Matching entries, oldest first; the newest `limit` of them."""
        found = [e for e in self._entries if query.matches(e)]
        return found[-query.limit :] if query.limit > 0 else []

    def clear(self) -> int:
        n = len(self._entries)
        self._entries.clear()
        return n

    def __len__(self) -> int:
        return len(self._entries)
