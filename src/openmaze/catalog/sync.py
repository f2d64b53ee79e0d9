"""Mirroring shows from a TVmaze-compatible upstream, written through the catalog importer:
each show with its seasons, cast, crew and images (the show's embeds TVmaze offers, one
request), its episodes with specials and its akas (a request each), its alternate lists (a
request for the lists and one per list; an upstream without them answers 404: none),
and, with `guests` on, each episode's guest cast and crew (a request per episode, so off
unless asked for).

Scopes:
- `shows`: the given ids, fetched whatever their state.
- `all`: the whole upstream catalog. The first run pages `/shows?page=N` until a 404,
  fetching every show it lacks or holds in an older version; later runs are incremental.
- `local` (the default, and what the schedule runs): refresh shows already held here.
- `followed`: refresh the shows some user follows.

Incremental runs read `/updates/shows` (with the narrowest `since` window that covers the
time since this scope's last check) and fetch only the shows whose `updated` is newer than
the stored one; then `/updates/people` in the same window, refetching each person held here
whose `updated` is newer (an upstream without it answers 404: people then move with shows).
Comparing `updated` values rather than trusting the window makes a wider window merely
larger, never wrong.

Resumable: every show is written in its own transaction, the paging position is saved
after each page, and the last-check time only after a run completes. An interrupted run
leaves a consistent catalog; the next run skips what is already current.

A show the upstream answers with 404 is kept (users' marks point at it) and flagged
`missing_upstream`; so are shows absent from an upstream index page that covers their id.
Episodes that vanished upstream are pruned unless some user marked or voted on them.

Only one sync runs at a time per database (a lock row in `sync_state` with an expiry),
whether started by the CLI or by the schedule in one of several server workers.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from openmaze.catalog.importer import CatalogBatch, CatalogError, add_person, parse_document, write_batch
from openmaze.catalog.upstream import Upstream, UpstreamError
from openmaze.core.fields import ID
from openmaze.db.database import Conn, Database, in_list, list_param

log = logging.getLogger("openmaze.sync")

Scope = Literal["shows", "all", "local", "followed"]
# What the show's own request carries (the episodes embed would leave the specials out).
SHOW_EMBEDS = ("cast", "crew", "seasons", "images")
GUEST_EMBEDS = [("embed[]", "guestcast"), ("embed[]", "guestcrew")]
PAGE_SIZE = 250
LOCK_KEY = "sync.lock"
LOCK_TTL = 15 * 60
_WINDOWS = (("day", 86_400), ("week", 7 * 86_400), ("month", 30 * 86_400))
# Slack for clock differences and for shows updated while the previous check ran.
_WINDOW_SLACK = 3600

__all__ = [
    "Reporter",
    "SyncBusy",
    "SyncReport",
    "UpstreamError",
    "fetch_object",
    "fetch_shows",
    "lookup_show_upstream",
    "sync_catalog",
]


class SyncBusy(RuntimeError):
    """Another sync holds the lock."""


class Reporter(Protocol):
    def stage(self, description: str, total: int | None) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class _Silent:
    def stage(self, description: str, total: int | None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


@dataclass
class SyncReport:
    fetched: list[int] = field(default_factory=list)
    unchanged: int = 0
    missing: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    pages: int = 0
    requests: int = 0
    people: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.fetched)} show(s) fetched, {self.unchanged} unchanged, "
            f"{len(self.people)} person(s) refreshed, "
            f"{len(self.missing)} missing upstream, {len(self.failed)} malformed, "
            f"{self.pages} index page(s), {self.requests} request(s)"
        )


# --- state ----------------------------------------------------------------------------


async def get_state(conn: Conn, key: str) -> str | None:
    value: str | None = await conn.fetch_val("SELECT value FROM sync_state WHERE key = :key", {"key": key})
    return value


async def set_state(conn: Conn, key: str, value: str) -> None:
    await conn.execute(
        "INSERT INTO sync_state (key, value) VALUES (:key, :value) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        {"key": key, "value": value},
    )


async def delete_state(conn: Conn, key: str) -> None:
    await conn.execute("DELETE FROM sync_state WHERE key = :key", {"key": key})


def _lock_value(owner: str, now: int) -> str:
    # The expiry first, zero-padded, so "expired" is a plain string comparison in SQL.
    return f"{now + LOCK_TTL:012d}:{owner}"


async def claim_lock(db: Database, owner: str, force: bool = False) -> str:
    """Take the sync lock; `force` takes it over from a sync that died without releasing
    it (it would otherwise expire LOCK_TTL after that sync's last progress)."""
    now = int(time.time())
    value = _lock_value(owner, now)
    # With force, every held lock counts as expired.
    expired = "999999999999" if force else f"{now:012d}"
    async with db.transaction() as conn:
        claimed = await conn.fetch_val(
            "INSERT INTO sync_state (key, value) VALUES (:key, :value) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE sync_state.value < :expired "
            "RETURNING key",
            {"key": LOCK_KEY, "value": value, "expired": expired},
        )
    if claimed is None:
        raise SyncBusy(
            "another catalog sync is running (it holds the lock in sync_state); if it was killed, "
            f"the lock expires {LOCK_TTL // 60} minutes after its last progress, or use --force"
        )
    return value


async def renew_lock(conn: Conn, held: str) -> str:
    owner = held.split(":", 1)[1]
    value = _lock_value(owner, int(time.time()))
    if value != held:
        await conn.execute(
            "UPDATE sync_state SET value = :value WHERE key = :key AND value = :held",
            {"key": LOCK_KEY, "value": value, "held": held},
        )
    return value


async def release_lock(db: Database, held: str) -> None:
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM sync_state WHERE key = :key AND value = :held", {"key": LOCK_KEY, "held": held})


# --- the run --------------------------------------------------------------------------


class _Run:
    """`lock`: the sync lock this run holds, renewed as it goes; None for the few objects an
    import fetches (`fetch_shows`), which need no lock: every show is written whole in its
    own transaction, so a concurrent sync writing the same show changes nothing."""

    def __init__(
        self, db: Database, upstream: Upstream, reporter: Reporter, lock: str | None, guests: bool = False
    ) -> None:
        self.db = db
        self.guests = guests
        self.upstream = upstream
        self.reporter = reporter
        self.lock = lock
        self.report = SyncReport()

    async def fetch_and_store(self, show_id: int) -> None:
        """One show, complete, in one transaction; a 404 flags it."""
        show = await self.upstream.get_json(f"/shows/{show_id}", [("embed[]", e) for e in SHOW_EMBEDS])
        episodes = None
        if show is not None:
            # The episodes embed leaves specials out; the list endpoint can include them.
            episodes = await self.upstream.get_json(f"/shows/{show_id}/episodes", {"specials": "1"})
        if show is None or episodes is None:
            await self.flag_missing([show_id])
            return
        akas = await self.upstream.get_json(f"/shows/{show_id}/akas")
        alternates = await self.upstream.get_json(f"/shows/{show_id}/alternatelists") or []
        if not isinstance(show, dict) or not isinstance(episodes, list) or not isinstance(alternates, list):
            self.report.failed.append(show_id)
            log.error("upstream show %s is not an object with lists of episodes and alternate lists; skipped", show_id)
            return
        for alternate in alternates:
            list_id = ID.value(alternate.get("id")) if isinstance(alternate, dict) else None
            if list_id is not None:
                # With their episodes embedded: the episode each stands for, whatever its links say.
                items = await self.upstream.get_json(
                    f"/alternatelists/{list_id}/alternateepisodes", {"embed": "episodes"}
                )
                alternate["_embedded"] = {"alternateepisodes": items if items is not None else []}
        if self.guests:
            for episode in episodes:
                episode_id = ID.value(episode.get("id")) if isinstance(episode, dict) else None
                if episode_id is not None:
                    guests = await self.upstream.get_json(f"/episodes/{episode_id}", GUEST_EMBEDS)
                    if isinstance(guests, dict) and isinstance(guests.get("_embedded"), dict):
                        episode["_embedded"] = guests["_embedded"]
        embedded = show.get("_embedded")
        show["_embedded"] = {
            **(embedded if isinstance(embedded, dict) else {}),
            "episodes": episodes,
            "alternatelists": alternates,
            **({"akas": akas} if akas is not None else {}),
        }
        try:
            batch = parse_document(show, f"{self.upstream.base_url}/shows/{show_id}")
        except CatalogError as exc:
            self.report.failed.append(show_id)
            log.error("upstream show %s is malformed, skipped: %s", show_id, exc)
            return
        served = batch.shows[0]["id"]
        async with self.db.transaction() as conn:
            await write_batch(conn, batch, synced_at=int(time.time()))
            await _prune(conn, served, [e["id"] for e in batch.episodes], [s["id"] for s in batch.seasons])
            if self.lock is not None:
                self.lock = await renew_lock(conn, self.lock)
        self.report.fetched.append(served)
        if served != show_id:
            # The upstream answered with another show (merged into it): the one asked for
            # is gone, and its episodes are not the other show's to prune.
            await self.flag_missing([show_id])

    async def flag_missing(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        async with self.db.transaction() as conn:
            flagged = await conn.fetch_all(
                f"UPDATE shows SET missing_upstream = TRUE WHERE {in_list(conn, 'id', 'ids')} "
                "AND missing_upstream = FALSE RETURNING id",
                {"ids": list_param(conn, list(ids))},
            )
        for row in flagged:
            log.warning("show %s is gone upstream; kept here and flagged missing_upstream", row[0])
        self.report.missing.extend(int(i) for i in ids if i not in self.report.missing)

    async def fetch_many(self, ids: Sequence[int], description: str) -> None:
        self.reporter.stage(description, len(ids))
        for show_id in ids:
            await self.fetch_and_store(show_id)
            self.reporter.advance()

    # -- scopes

    async def explicit(self, ids: Sequence[int]) -> None:
        await self.fetch_many(list(dict.fromkeys(ids)), "fetching shows")

    async def page_all(self) -> bool:
        """Page through the upstream index from where the last run stopped. True once the
        index is exhausted (the full mirror is complete)."""
        async with self.db.transaction() as conn:
            page = int(await get_state(conn, "all.next_page") or 0)
            if await get_state(conn, "all.started_at") is None:
                await set_state(conn, "all.started_at", str(int(time.time())))
        self.reporter.stage("mirroring the upstream index", None)
        while True:
            listing = await self.upstream.get_json("/shows", {"page": str(page)})
            if listing is None:
                break
            if not isinstance(listing, list):
                raise UpstreamError(f"/shows?page={page}: expected an array")
            self.report.pages += 1
            upstream = {int(s["id"]): s.get("updated") for s in listing if isinstance(s, dict) and "id" in s}
            async with self.db.read() as conn:
                local = await _local_updated(conn, list(upstream))
                in_range = await conn.fetch_all(
                    "SELECT id FROM shows WHERE id >= :low AND id < :high",
                    {"low": page * PAGE_SIZE, "high": (page + 1) * PAGE_SIZE},
                )
            stale = [i for i, updated in upstream.items() if i not in local or _newer(updated, local[i])]
            self.report.unchanged += len(upstream) - len(stale)
            for show_id in stale:
                await self.fetch_and_store(show_id)
                self.reporter.advance()
            await self.flag_missing([r[0] for r in in_range if r[0] not in upstream])
            page += 1
            async with self.db.transaction() as conn:
                await set_state(conn, "all.next_page", str(page))
                if self.lock is not None:
                    self.lock = await renew_lock(conn, self.lock)
        async with self.db.transaction() as conn:
            started = await get_state(conn, "all.started_at") or str(int(time.time()))
            # Changes made upstream while paging are caught by the next incremental run.
            await set_state(conn, "updates.checked_at.all", started)
            await set_state(conn, "all.complete", str(int(time.time())))
            await delete_state(conn, "all.next_page")
            await delete_state(conn, "all.started_at")
        return True

    async def incremental(self, scope: Scope) -> None:
        started = int(time.time())
        async with self.db.read() as conn:
            checked = await get_state(conn, f"updates.checked_at.{scope}")
        since = _window(started - int(checked)) if checked else None
        self.reporter.stage(f"checking /updates/shows (since={since or 'ever'})", None)
        updates = await self.upstream.get_json("/updates/shows", {"since": since} if since else None)
        if not isinstance(updates, dict):
            raise UpstreamError("/updates/shows: expected an object of show id -> updated")
        # Keys are show ids as text; one that is not an id ("²", 2**40) is skipped, not a crash.
        changed = {show_id: v for k, v in updates.items() if (show_id := ID.value(k)) is not None}
        async with self.db.read() as conn:
            local = await _local_updated(conn, list(changed))
            if scope == "followed":
                # Across all users: which shows anyone follows (not one user's data).
                followed = {r[0] for r in await conn.fetch_all("SELECT DISTINCT show_id FROM followed_shows")}
                local = {k: v for k, v in local.items() if k in followed}
        if scope == "all":
            stale = [i for i, u in changed.items() if i not in local or _newer(u, local[i])]
        else:
            stale = [i for i, u in changed.items() if i in local and _newer(u, local[i])]
        self.report.unchanged += len(changed) - len(stale)
        await self.fetch_many(sorted(stale), "fetching changed shows")
        if since is not None:
            # Not on a first check: people then came with their shows, and the list of every
            # person's update time is large.
            await self.refresh_people(since)
        async with self.db.transaction() as conn:
            await set_state(conn, f"updates.checked_at.{scope}", str(started))

    async def refresh_people(self, since: str) -> None:
        """People held here that changed upstream within `since`, each from `/people/{id}`
        (their credits move with the shows, which carry them)."""
        updates = await self.upstream.get_json("/updates/people", {"since": since})
        if not isinstance(updates, dict):
            return  # an upstream without people updates: people move with their shows only
        changed = {person_id: v for k, v in updates.items() if (person_id := ID.value(k)) is not None}
        async with self.db.read() as conn:
            local = await _local_updated(conn, list(changed), "people")
        stale = sorted(i for i, u in changed.items() if i in local and _newer(u, local[i]))
        self.reporter.stage("fetching changed people", len(stale))
        for person_id in stale:
            person = await self.upstream.get_json(f"/people/{person_id}")
            batch = CatalogBatch()
            try:
                add_person(batch, person, f"{self.upstream.base_url}/people/{person_id}")
            except CatalogError as exc:
                log.error("upstream person %s is missing or malformed, skipped: %s", person_id, exc)
            else:
                async with self.db.transaction() as conn:
                    await write_batch(conn, batch)
                    if self.lock is not None:
                        self.lock = await renew_lock(conn, self.lock)
                self.report.people.append(person_id)
            self.reporter.advance()


def _newer(upstream: Any, local: int | None) -> bool:
    if local is None:
        return True
    return not isinstance(upstream, int) or upstream > local


def _window(elapsed: int) -> str | None:
    for name, seconds in _WINDOWS:
        if elapsed + _WINDOW_SLACK <= seconds:
            return name
    return None


async def _local_updated(
    conn: Conn, ids: Sequence[int], table: Literal["shows", "people"] = "shows"
) -> dict[int, int | None]:
    if not ids:
        return {}
    if table not in ("shows", "people"):
        raise ValueError(table)
    rows = await conn.fetch_all(
        f"SELECT id, updated FROM {table} WHERE {in_list(conn, 'id', 'ids')}", {"ids": list_param(conn, list(ids))}
    )
    return {int(r[0]): r[1] for r in rows}


async def _prune(conn: Conn, show_id: int, episode_ids: list[int], season_ids: list[int]) -> None:
    """Drop episodes and seasons the upstream no longer lists, unless users' data points
    at them (marks and votes are never lost to a sync)."""
    await conn.execute(
        f"DELETE FROM episodes WHERE show_id = :show_id AND NOT ({in_list(conn, 'id', 'keep')}) "
        "AND NOT EXISTS (SELECT 1 FROM marked_episodes m WHERE m.episode_id = episodes.id) "
        "AND NOT EXISTS (SELECT 1 FROM episode_votes v WHERE v.episode_id = episodes.id)",
        {"show_id": show_id, "keep": list_param(conn, episode_ids)},
    )
    await conn.execute(
        f"DELETE FROM seasons WHERE show_id = :show_id AND NOT ({in_list(conn, 'id', 'keep')})",
        {"show_id": show_id, "keep": list_param(conn, season_ids)},
    )


async def sync_catalog(
    db: Database,
    upstream: Upstream,
    scope: Scope = "local",
    show_ids: Iterable[int] = (),
    reporter: Reporter | None = None,
    force: bool = False,
    guests: bool = False,
) -> SyncReport:
    """Run one sync; raises SyncBusy if another holds the lock, UpstreamError if the
    upstream keeps failing (everything written before that stays written)."""
    lock = await claim_lock(db, uuid.uuid4().hex, force)
    run = _Run(db, upstream, reporter or _Silent(), lock, guests)
    try:
        if scope == "shows":
            await run.explicit(list(show_ids))
        elif scope == "all":
            async with db.read() as conn:
                complete = await get_state(conn, "all.complete") is not None
            if not complete:
                await run.page_all()
            else:
                await run.incremental("all")
        else:
            await run.incremental(scope)
    finally:
        run.report.requests = upstream.requests
        if run.lock is not None:
            await release_lock(db, run.lock)
    return run.report


# --- single objects, for importers -----------------------------------------------------

# What each `lookup_show_upstream` key is called in TVmaze's `/lookup/shows`.
LOOKUP_KEYS = ("thetvdb", "imdb", "tvrage")


async def fetch_shows(db: Database, upstream: Upstream, show_ids: Iterable[int]) -> SyncReport:
    """Fetch these shows now (with episodes, specials, seasons, cast), exactly as a sync
    does, without taking the sync lock: what an import needs from the upstream, inline."""
    run = _Run(db, upstream, _Silent(), None)
    for show_id in dict.fromkeys(show_ids):
        await run.fetch_and_store(show_id)
    run.report.requests = upstream.requests
    return run.report


async def lookup_show_upstream(upstream: Upstream, key: str, value: str | int) -> int | None:
    """The upstream's show id for an external id (`/lookup/shows?thetvdb=...`, which TVmaze
    answers with a redirect to the show), or None."""
    if key not in LOOKUP_KEYS:
        raise ValueError(f"not a /lookup/shows key: {key!r}")
    found = await upstream.get_json("/lookup/shows", {key: str(value)})
    return ID.value(found.get("id")) if isinstance(found, dict) else None


# The catalog objects an account can follow besides shows: upstream path, batch attribute.
_SINGLE_OBJECTS = {"people": "people", "networks": "networks", "webchannels": "webchannels"}


async def fetch_object(db: Database, upstream: Upstream, kind: str, object_id: int) -> bool:
    """Fetch one person, network or web channel (`kind` is its upstream path: `people`,
    `networks`, `webchannels`) into the catalog; False when the upstream has none."""
    attribute = _SINGLE_OBJECTS[kind]
    found = await upstream.get_json(f"/{kind}/{object_id}")
    if not isinstance(found, dict) or ID.value(found.get("id")) != object_id or not isinstance(found.get("name"), str):
        return False
    batch = CatalogBatch()
    getattr(batch, attribute)[object_id] = found
    async with db.transaction() as conn:
        await write_batch(conn, batch)
    return True
