"""The rules every importer shares, whatever the source.

A source module (`tvmaze`, `trakt`, `tvtime`) turns its input into `Item`s: what the user
did (watched an episode, voted, followed, tagged), when, and what the source calls the
object. `run_import` then:

1. matches every item against the catalog in one pass (`openmaze.catalog.matching`: a
   bounded number of statements for the whole list), fetching shows missing here through
   `fetch_missing` when the caller gives one;
2. folds repeats into one change per object: the latest watch or vote wins, the first
   follow is kept (re-following keeps the first `followed_at`, as the API does);
3. writes in chunks, one transaction per chunk, through the same service functions the
   API uses (`marks.service.upsert_marks`, `votes.service.record_votes`,
   `follows.service.follow_many`, `tags.service.tag_shows_by_name`), never replacing a mark
   or vote with an older one; a crash leaves whole chunks, and running again completes;
4. counts exactly what changed: each chunk first reads what the user already has for its
   ids, so a second run reports 0 created and 0 updated, and a dry run (which writes
   nothing) reports what a real run would do.

Every item that could not be matched is listed with its reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from openmaze.catalog.kinds import EPISODE, NETWORK, PERSON, SHOW, WEBCHANNEL, CatalogKind
from openmaze.catalog.matching import EpisodeRef, FetchMissing, Matcher, ShowRef
from openmaze.core.fields import timestamp_seconds
from openmaze.core.scope import Scoped
from openmaze.db.database import Database
from openmaze.follows.service import follow_many
from openmaze.imports import queries
from openmaze.marks.service import Mark, upsert_marks
from openmaze.tags.service import tag_shows_by_name
from openmaze.votes.service import record_votes

ItemKind = Literal[
    "mark", "vote_show", "vote_episode", "follow_show", "follow_person", "follow_network", "follow_webchannel", "tag"
]
# How many objects one transaction writes: small enough that a crash loses little and the
# write lock is never held long, large enough that a big history imports quickly.
CHUNK = 2000
_YIELD_EVERY = 5000

FOLLOW_KINDS: dict[str, CatalogKind] = {
    "follow_show": SHOW,
    "follow_person": PERSON,
    "follow_network": NETWORK,
    "follow_webchannel": WEBCHANNEL,
}
# Catalog objects only the TVmaze import names, by TVmaze id: (kind, upstream path).
TARGETS = {"follow_person": PERSON, "follow_network": NETWORK, "follow_webchannel": WEBCHANNEL}
FetchTarget = Callable[[CatalogKind, int], Awaitable[bool]]
Progress = Callable[[int, int], Awaitable[None]]
Step = Callable[[Scoped], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Item:
    """One thing the user did, as the source tells it. `source` names it for a person
    ("watched-history.json #12: Show S01E02"); `at` is the source's time (epoch seconds,
    0 unknown); `value` is a mark's type or a vote."""

    kind: ItemKind
    source: str
    at: int
    show: ShowRef | None = None
    episode: EpisodeRef | None = None
    target: int | None = None  # a person, network or web channel, by TVmaze id
    value: int = 0
    tag: str | None = None


@dataclass
class Parsed:
    """What a source module read: the items, and what it has to say about the file."""

    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Entries the source module could not read as an item (a row without a date...).
    unmatched: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_json(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class ImportReport:
    source: str
    dry_run: bool
    matched: int = 0  # items of the source that found their object (repeats included)
    unmatched: list[dict[str, str]] = field(default_factory=list)
    kinds: dict[str, Counts] = field(default_factory=dict)  # changes by kind of object
    notes: list[str] = field(default_factory=list)
    fetched_shows: list[int] = field(default_factory=list)

    def counts(self, kind: str) -> Counts:
        return self.kinds.setdefault(kind, Counts())

    def total(self, attribute: str) -> int:
        return sum(getattr(c, attribute) for c in self.kinds.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "matched": self.matched,
            "created": self.total("created"),
            "updated": self.total("updated"),
            "unchanged": self.total("unchanged"),
            "unmatched": self.unmatched,
            "by_kind": {k: c.as_json() for k, c in sorted(self.kinds.items())},
            "fetched_shows": sorted(self.fetched_shows),
            "notes": self.notes,
        }


@dataclass
class _Changes:
    """One change per object, after repeats are folded."""

    marks: dict[int, Mark] = field(default_factory=dict)
    show_votes: dict[int, tuple[int, int]] = field(default_factory=dict)
    episode_votes: dict[int, tuple[int, int]] = field(default_factory=dict)
    follows: dict[str, dict[int, int]] = field(default_factory=dict)
    tags: dict[tuple[str, int], None] = field(default_factory=dict)  # ordered set of (name, show id)

    def size(self) -> int:
        return (
            len(self.marks)
            + len(self.show_votes)
            + len(self.episode_votes)
            + sum(len(f) for f in self.follows.values())
            + len(self.tags)
        )


def parse_time(value: Any) -> int | None:
    """Epoch seconds from the times exports write: ISO 8601 (`2024-03-01T20:15:00.000Z`,
    with any offset), or `2024-03-01 20:15:00` (UTC, as TV Time writes it). None if it is
    none of those (the rule is `openmaze.core.fields.timestamp_seconds`, which the webhooks
    read their times with too)."""
    return timestamp_seconds(value)


def _latest(current: tuple[int, int] | None, value: int, at: int) -> tuple[int, int]:
    return (value, at) if current is None or at >= current[1] else current


async def _match(
    db: Database,
    parsed: Parsed,
    report: ImportReport,
    fetch_missing: FetchMissing | None,
    fetch_target: FetchTarget | None,
) -> _Changes:
    changes = _Changes()
    items = parsed.items
    episode_items = [i for i in items if i.episode is not None]
    show_items = [i for i in items if i.episode is None and i.show is not None]
    target_items = [i for i in items if i.kind in TARGETS]
    async with db.read() as conn:
        matcher = Matcher(conn, fetch_missing=fetch_missing)
        episode_matches = await matcher.episodes([i.episode for i in episode_items if i.episode is not None])
        show_matches = await matcher.shows([i.show for i in show_items if i.show is not None])
        present: dict[str, set[int]] = {}
        for kind, catalog in TARGETS.items():
            wanted = sorted({i.target for i in target_items if i.kind == kind and i.target is not None})
            found = await queries.catalog_ids(conn, catalog.table, wanted)
            if fetch_target is not None:
                for target in wanted:
                    if target not in found and await fetch_target(catalog, target):
                        found.add(target)
            present[kind] = found

    def unmatched(item: Item, reason: str) -> None:
        report.unmatched.append({"source": item.source, "reason": reason})

    for n, (item, match) in enumerate(zip(episode_items, episode_matches, strict=True)):
        if n % _YIELD_EVERY == 0:
            await asyncio.sleep(0)  # let the worker's requests through during a long import
        if match.episode_id is None or match.show_id is None:
            unmatched(item, match.reason or "no episode")
            continue
        report.matched += 1
        if item.kind == "mark":
            current = changes.marks.get(match.episode_id)
            if current is None or item.at >= current.marked_at:
                changes.marks[match.episode_id] = Mark(match.episode_id, match.show_id, item.value, item.at)
        else:  # vote_episode
            changes.episode_votes[match.episode_id] = _latest(
                changes.episode_votes.get(match.episode_id), item.value, item.at
            )
    for item, match in zip(show_items, show_matches, strict=True):
        if match.show_id is None:
            unmatched(item, match.reason or "no show")
            continue
        report.matched += 1
        if item.kind == "vote_show":
            changes.show_votes[match.show_id] = _latest(changes.show_votes.get(match.show_id), item.value, item.at)
        elif item.kind == "tag" and item.tag is not None:
            changes.tags[(item.tag, match.show_id)] = None
        elif item.kind == "follow_show":
            _follow(changes, item.kind, match.show_id, item.at)
    for item in target_items:
        catalog = TARGETS[item.kind]
        if item.target is None or item.target not in present[item.kind]:
            unmatched(item, f"no TVmaze {catalog.noun} {item.target}")
            continue
        report.matched += 1
        _follow(changes, item.kind, item.target, item.at)
    return changes


def _follow(changes: _Changes, kind: str, target: int, at: int) -> None:
    follows = changes.follows.setdefault(kind, {})
    # The first follow is kept, as re-following keeps the first followed_at.
    follows[target] = min(at, follows.get(target, at)) if at else follows.get(target, at)


def _chunks(values: list[Any], size: int) -> list[list[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


async def _write_marks(scoped: Scoped, marks: list[Mark], report: ImportReport, dry_run: bool) -> None:
    counts = report.counts("marks")
    have = await queries.existing_marks(scoped, [m.episode_id for m in marks])
    write: list[Mark] = []
    for mark in marks:
        old = have.get(mark.episode_id)
        if old is None:
            counts.created += 1
        elif old[1] < mark.marked_at:
            counts.updated += 1
        else:
            counts.unchanged += 1  # as new or newer here: kept
            continue
        write.append(mark)
    if write and not dry_run:
        await upsert_marks(scoped, write, newer_only=True)


async def _write_votes(
    scoped: Scoped, kind: CatalogKind, votes: dict[int, tuple[int, int]], report: ImportReport, dry_run: bool
) -> None:
    counts = report.counts(f"votes.{kind.plural}")
    have = await queries.existing_votes(scoped, f"{kind.noun}_votes", kind.column, list(votes))
    write: dict[int, tuple[int, int]] = {}
    for target, (value, at) in votes.items():
        old = have.get(target)
        if old is None:
            counts.created += 1
        elif old[1] < at and old[0] != value:
            counts.updated += 1
        else:
            counts.unchanged += 1
            continue
        write[target] = (value, at)
    if write and not dry_run:
        await record_votes(scoped, kind, write)


async def _write_follows(
    scoped: Scoped, kind: CatalogKind, follows: dict[int, int], report: ImportReport, dry_run: bool
) -> None:
    counts = report.counts(f"follows.{kind.plural}")
    have = await queries.existing_follows(scoped, f"followed_{kind.plural}", kind.column, list(follows))
    write = {target: at for target, at in follows.items() if target not in have}
    counts.created += len(write)
    counts.unchanged += len(follows) - len(write)
    if write and not dry_run:
        await follow_many(scoped, kind, write)


async def _write_tags(scoped: Scoped, tags: list[tuple[str, int]], report: ImportReport, dry_run: bool) -> None:
    counts = report.counts("tags")
    have = await queries.existing_tagged(scoped)
    write: dict[str, list[int]] = {}
    for name, show_id in tags:
        if (name, show_id) in have:
            counts.unchanged += 1
        else:
            counts.created += 1
            write.setdefault(name, []).append(show_id)
    if write and not dry_run:
        await tag_shows_by_name(scoped, write)


async def run_import(
    db: Database,
    user_id: int,
    parsed: Parsed,
    *,
    source: str,
    dry_run: bool = False,
    fetch_missing: FetchMissing | None = None,
    fetch_target: FetchTarget | None = None,
    progress: Progress | None = None,
    chunk: int = CHUNK,
) -> ImportReport:
    """Match, fold and write `parsed` into the user's data (see the module's docstring)."""
    report = ImportReport(source=source, dry_run=dry_run, notes=list(parsed.notes), unmatched=list(parsed.unmatched))
    changes = await _match(db, parsed, report, fetch_missing, fetch_target)
    total = changes.size()
    done = 0
    if progress is not None:
        await progress(0, total)

    # Each step writes one chunk of one kind in its own transaction (a dry run only reads).
    steps: list[tuple[Step, int]] = []
    for part in _chunks(list(changes.marks.values()), chunk):
        steps.append((partial(_write_marks, marks=part, report=report, dry_run=dry_run), len(part)))
    for kind, votes in ((SHOW, changes.show_votes), (EPISODE, changes.episode_votes)):
        for part in _chunks(list(votes.items()), chunk):
            steps.append(
                (partial(_write_votes, kind=kind, votes=dict(part), report=report, dry_run=dry_run), len(part))
            )
    for follow_kind, follows in changes.follows.items():
        catalog = FOLLOW_KINDS[follow_kind]
        for part in _chunks(list(follows.items()), chunk):
            follow_step = partial(_write_follows, kind=catalog, follows=dict(part), report=report, dry_run=dry_run)
            steps.append((follow_step, len(part)))
    for part in _chunks(list(changes.tags), chunk):
        steps.append((partial(_write_tags, tags=part, report=report, dry_run=dry_run), len(part)))

    for step, size in steps:
        if dry_run:
            async with db.read() as conn:
                await step(Scoped(conn, user_id))
        else:
            async with db.transaction() as conn:
                await step(Scoped(conn, user_id))
        done += size
        if progress is not None:
            await progress(done, total)
    return report
