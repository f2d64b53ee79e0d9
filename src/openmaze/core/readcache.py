"""A per-process cache of `/v1/user` list responses, valid only while the database is
unchanged.

Clients poll their lists (a media-centre add-on asks for its followed shows every few
minutes, a test suite reads back what it wrote); the answer is the same until something
is written. Each entry is the response body, keyed by user and list; the whole cache
belongs to one `change_token()` of the database and is dropped the moment the token
moves - any commit by this process or by any other, catalog syncs included. So a hit is
exactly what the query would have returned: never stale, never another user's (the key
starts with the user id, which comes from authentication).

The token is read before the query, so a commit that lands in between makes the entry
belong to a token that is already out of date: it is never served. Where the database
cannot give a cheap token (PostgreSQL, see `PostgresDatabase.change_token`) nothing is
cached. Bounded by `OPENMAZE_READ_CACHE_MB` (least recently used entries go first; 0
turns the cache off).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class ReadCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        # One entry may take at most this much, so a single huge list cannot evict the rest.
        self.max_entry_bytes = max_bytes // 4
        self._token: Hashable | None = None
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0

    def get(self, token: Hashable | None, key: Hashable) -> bytes | None:
        if token is None or not self.max_bytes:
            return None
        if token != self._token:
            self._entries.clear()
            self._bytes = 0
            self._token = token
            return None
        body = self._entries.get(key)
        if body is not None:
            self._entries.move_to_end(key)
        return body

    def put(self, token: Hashable | None, key: Hashable, body: bytes) -> None:
        # Only under the token `get` saw last: a body read under an older one may be stale.
        if token is None or token != self._token or len(body) > self.max_entry_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old)
        self._entries[key] = body
        self._bytes += len(body)
        while self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted)

    def __len__(self) -> int:
        return len(self._entries)
