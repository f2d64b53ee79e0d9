"""A show no local rule found, fetched from the upstream after the webhook was answered: a
durable job (`openmaze.jobs`), enqueued in the delivery's own transaction when mirroring is
configured (`OPENMAZE_SYNC_INTERVAL_MINUTES` above 0: the catalog follows an upstream) or
asked for (`OPENMAZE_HOOKS_FETCH_MISSING`).

The upstream is asked with the event's own facts and the same rules as locally: its TVmaze
show id; its `/lookup/shows` for a TheTVDB or IMDb show id; else its `/search/shows` for
the title, keeping only shows whose folded title is the event's (`catalog.matching.title_key`)
and, among several, the one premiered in the event's year: never a guess. The show is then
stored complete through `catalog sync` (the polite client: paced, backing off on 429),
and the user's unmatched entries with that title are matched again and applied.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from openmaze.catalog.matching import ShowRef, title_key
from openmaze.catalog.sync import SyncBusy, sync_catalog
from openmaze.catalog.upstream import Upstream, UpstreamError
from openmaze.core.scope import Scoped
from openmaze.db.database import Conn
from openmaze.hooks import service
from openmaze.jobs import JobContext, JobFailed, JobRetry, enqueue
from openmaze.jobs.runner import Handler
from openmaze.jobs.store import dumps
from openmaze.settings import Settings

log = logging.getLogger("openmaze.hooks")

KIND = "hooks.fetch_show"
_BUSY_RETRY_SECONDS = 60.0  # a catalog sync holds the lock: it is usually done within minutes
_UPSTREAM_RETRY_SECONDS = 600.0


def enabled(settings: Settings) -> bool:
    return settings.hooks_fetch_missing or settings.sync_interval_minutes > 0


async def enqueue_fetch(conn: Conn, user_id: int, show: ShowRef, *, now: float) -> int | None:
    """A job for this show, unless one for the same show is already waiting (a library scan
    sends one event per episode)."""
    payload = {"show": {k: v for k, v in dataclasses.asdict(show).items() if v is not None}}
    if not show.title and show.tvmaze is None and show.thetvdb is None and show.imdb is None:
        return None
    waiting = await Scoped(conn, user_id).fetch_val(
        "SELECT id FROM jobs WHERE user_id = :user_id AND kind = :kind AND state IN ('queued', 'running') "
        "AND payload = :payload",
        {"kind": KIND, "payload": dumps(payload)},
    )
    if waiting is not None:
        return None
    return await enqueue(conn, KIND, payload, user_id=user_id, now=now)


def _premiere_year(show: dict[str, Any]) -> int | None:
    premiered = show.get("premiered")
    return int(premiered[:4]) if isinstance(premiered, str) and premiered[:4].isdigit() else None


async def upstream_show_id(upstream: Upstream, ref: ShowRef) -> int | None:
    if ref.tvmaze is not None:
        return ref.tvmaze
    for param, value in (("thetvdb", ref.thetvdb), ("imdb", ref.imdb)):
        if value is not None:
            found = await upstream.get_json("/lookup/shows", {param: str(value)})
            if isinstance(found, dict) and isinstance(found.get("id"), int):
                return int(found["id"])
    if not ref.title:
        return None
    key = title_key(ref.title)
    hits = await upstream.get_json("/search/shows", {"q": ref.title})
    shows = [h["show"] for h in hits or [] if isinstance(h, dict) and isinstance(h.get("show"), dict)]
    same = [s for s in shows if isinstance(s.get("name"), str) and isinstance(s.get("id"), int)]
    same = [s for s in same if title_key(s["name"]) == key]
    if ref.year is not None:
        dated = [s for s in same if _premiere_year(s) == ref.year]
        same = dated if dated else [s for s in same if _premiere_year(s) is None]
    return int(same[0]["id"]) if len(same) == 1 else None


def handler(settings: Settings) -> Handler:
    async def fetch_show(ctx: JobContext) -> dict[str, Any]:
        user_id = ctx.job.user_id
        if user_id is None:
            raise JobFailed("the job names no user")
        ref = ShowRef(**ctx.payload.get("show", {}))
        try:
            async with Upstream(settings.sync_upstream) as upstream:
                show_id = await upstream_show_id(upstream, ref)
                if show_id is None:
                    return {"show_id": None, "applied": 0, "reason": "no single upstream show has that name or id"}
                report = await sync_catalog(ctx.db, upstream, "shows", [show_id])
        except SyncBusy:
            raise JobRetry("a catalog sync is running", _BUSY_RETRY_SECONDS) from None
        except UpstreamError as exc:
            raise JobRetry(str(exc), _UPSTREAM_RETRY_SECONDS) from None
        if show_id not in report.fetched:
            return {
                "show_id": show_id,
                "applied": 0,
                "reason": f"the upstream did not serve the show: {report.summary()}",
            }
        applied = 0
        if ref.title:
            async with ctx.db.transaction() as conn:
                applied = await service.rematch(Scoped(conn, user_id), ref.title)
        log.info("webhook follow-up: fetched show %s, applied %s waiting events", show_id, applied)
        return {"show_id": show_id, "applied": applied}

    return fetch_show
