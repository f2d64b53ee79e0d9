"""One import from start to end, for the CLI and for the background job: read the source,
fetch what the catalog lacks (unless told not to), then `service.run_import`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

from openmaze.catalog.upstream import Upstream, UpstreamError
from openmaze.db.database import Database
from openmaze.imports import trakt, tvmaze, tvtime
from openmaze.imports.archive import Archive, Limits
from openmaze.imports.fetching import CatalogFetcher
from openmaze.imports.service import ImportReport, Parsed, Progress, run_import

FileSource = Literal["trakt", "tvtime"]
SOURCES = ("tvmaze", "trakt", "tvtime")
NAMES = {"tvmaze": "TVmaze", "trakt": "Trakt", "tvtime": "TV Time"}
_PARSERS: dict[str, Callable[..., Parsed]] = {"trakt": trakt.parse, "tvtime": tvtime.parse}


def read_file(source: str, data: bytes, label: str, *, now: int, limits: Limits | None = None) -> Parsed:
    """Unpack and read an export (ImportFileError if it is unusable). Pure CPU work: the
    server runs it in a thread (`asyncio.to_thread`), so a large export does not hold up the
    requests its worker serves meanwhile."""
    return _PARSERS[source](Archive(data, label, limits), now=now)


class UpstreamFailed(RuntimeError):
    """The upstream kept failing part way; what was fetched or written is kept."""


async def import_file(
    db: Database,
    user_id: int,
    source: FileSource,
    data: bytes,
    label: str,
    *,
    now: int,
    upstream_url: str | None,
    dry_run: bool = False,
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> ImportReport:
    """A Trakt or TV Time export ZIP. `upstream_url` None: match against the local catalog only."""
    parsed = await asyncio.to_thread(read_file, source, data, label, now=now, limits=limits)
    return await _run(db, user_id, parsed, NAMES[source], upstream_url, dry_run, progress, None)


async def import_tvmaze(
    db: Database,
    user_id: int,
    username: str,
    key: str,
    *,
    now: int,
    upstream_url: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    async def prepare(upstream: Upstream, fetcher: CatalogFetcher) -> Parsed:
        parsed = await tvmaze.read_account(upstream, username, key, now=now)
        await tvmaze.complete_catalog(db, fetcher, parsed)
        return parsed

    return await _run(db, user_id, Parsed(), NAMES["tvmaze"], upstream_url, dry_run, progress, prepare)


async def _run(
    db: Database,
    user_id: int,
    parsed: Parsed,
    source: str,
    upstream_url: str | None,
    dry_run: bool,
    progress: Progress | None,
    prepare: Callable[[Upstream, CatalogFetcher], Awaitable[Parsed]] | None,
) -> ImportReport:
    if upstream_url is None:
        return await run_import(db, user_id, parsed, source=source, dry_run=dry_run, progress=progress)
    try:
        async with Upstream(upstream_url) as upstream:
            fetcher = CatalogFetcher(db, upstream)
            if prepare is not None:
                parsed = await prepare(upstream, fetcher)
            report = await run_import(
                db,
                user_id,
                parsed,
                source=source,
                dry_run=dry_run,
                fetch_missing=fetcher.show,
                fetch_target=fetcher.target,
                progress=progress,
            )
    except UpstreamError as exc:
        raise UpstreamFailed(f"{exc}; what was fetched is kept: run the import again to resume") from exc
    report.fetched_shows = sorted(set(fetcher.fetched))
    return report
