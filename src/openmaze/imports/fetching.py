"""Fetching what an import names but the local catalog lacks, inline, through the polite
client `openmaze catalog sync` uses (`catalog.upstream.Upstream`: at most 20 requests in
10 s, backing off on 429). A show is found upstream by its TVmaze id, or through the
upstream's `/lookup/shows` by TheTVDB or IMDb id, and stored complete (episodes, specials,
seasons, cast) exactly as a sync stores it; what was stored stays, so a run that stops
half way resumes with less to fetch."""

from __future__ import annotations

from openmaze.catalog.kinds import CatalogKind
from openmaze.catalog.matching import ShowRef
from openmaze.catalog.sync import fetch_object, fetch_shows, lookup_show_upstream
from openmaze.catalog.upstream import Upstream
from openmaze.db.database import Database


class CatalogFetcher:
    def __init__(self, db: Database, upstream: Upstream) -> None:
        self.db = db
        self.upstream = upstream
        self.fetched: list[int] = []

    async def show_id(self, ref: ShowRef) -> int | None:
        """The upstream's id for the show `ref` names, by id only (a title is never guessed)."""
        if ref.tvmaze is not None:
            return ref.tvmaze
        if ref.thetvdb is not None:
            found = await lookup_show_upstream(self.upstream, "thetvdb", ref.thetvdb)
            if found is not None:
                return found
        if ref.imdb is not None:
            return await lookup_show_upstream(self.upstream, "imdb", ref.imdb)
        return None

    async def show(self, ref: ShowRef) -> int | None:
        """`Matcher`'s `fetch_missing`: the show stored here, or None."""
        show_id = await self.show_id(ref)
        if show_id is None:
            return None
        return show_id if await self.shows([show_id]) else None

    async def shows(self, show_ids: list[int]) -> list[int]:
        """Fetch and store these shows; the ids stored."""
        report = await fetch_shows(self.db, self.upstream, show_ids)
        self.fetched.extend(report.fetched)
        return report.fetched

    async def target(self, kind: CatalogKind, object_id: int) -> bool:
        """A person, network or web channel, fetched into the catalog."""
        return await fetch_object(self.db, self.upstream, kind.plural, object_id)
