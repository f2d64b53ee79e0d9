"""The rules of the media-server webhooks: who counts, what an event does, and the log.

For each event, in one transaction with its log entry:
1. the household rule: a user may name the media-server users whose events count; others'
   are logged as `ignored`;
2. events that mark nothing (play, pause, a movie…) are logged as `ignored` with the reason;
   `acquired` marks follow a per-user switch (on by default);
3. the episode is matched by `openmaze.catalog.matching` (a TVmaze episode id, show ids, the
   title), after the person's own fixes ("this title is that show"), which come first;
4. the mark goes through `openmaze.marks.service`, as the API's do, and keeps the event's time
   (the time of receipt when the server sends none). A repeated delivery changes nothing
   (`unchanged`): watched never goes back to acquired, a mark already there keeps its time.

Statuses: `applied` (a mark was written or removed), `unchanged`, `unmatched` (with the exact
reason, ambiguity included: the person can fix it from the activity page), `ignored`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from openmaze.catalog.kinds import SHOW
from openmaze.catalog.matching import EpisodeRef, Match, Matcher, ShowRef, title_key
from openmaze.core.errors import ApiError
from openmaze.core.scope import Scoped
from openmaze.hooks import queries
from openmaze.hooks.events import ACQUIRED, UNWATCHED, WATCHED, HookEvent
from openmaze.marks import service as marks

APPLIED = "applied"
UNCHANGED = "unchanged"
UNMATCHED = "unmatched"
IGNORED = "ignored"
STATUSES = (APPLIED, UNCHANGED, UNMATCHED, IGNORED)

SERVER_NAMES = {"plex": "Plex", "jellyfin": "Jellyfin", "emby": "Emby"}
_MARK_NAMES = {0: "watched", 1: "acquired", 2: "skipped"}
_TYPES = {WATCHED: 0, ACQUIRED: 1}
MAX_SERVER_USERS = 50
ACTIVITY_PAGE = 100
_REFIX_LIMIT = 500  # unmatched entries one fix looks through (newest first)


@dataclass(frozen=True)
class HookSettings:
    mark_acquired: bool = True
    server_users: tuple[str, ...] = ()  # as the person wrote them; empty: every user counts

    def counts(self, server_user: str | None) -> bool:
        if not self.server_users:
            return True
        return server_user is not None and server_user.casefold() in {u.casefold() for u in self.server_users}

    def as_json(self) -> dict[str, Any]:
        return {"mark_acquired": self.mark_acquired, "server_users": list(self.server_users)}


async def get_settings(scoped: Scoped) -> HookSettings:
    row = await scoped.fetch_one(queries.SETTINGS)
    if row is None:
        return HookSettings()
    return HookSettings(bool(row[0]), tuple(u for u in row[1].split("\n") if u))


def parse_server_users(raw: str) -> tuple[str, ...]:
    """Names one per line or separated by commas; blanks dropped, repeats (in any case) once."""
    names: dict[str, str] = {}
    for part in raw.replace(",", "\n").split("\n"):
        name = part.strip()
        if not name:
            continue
        if len(name) > 128 or any(ord(c) < 32 for c in name):
            raise ApiError(422, "Media-server user names are at most 128 characters, one per line.")
        names.setdefault(name.casefold(), name)
    if len(names) > MAX_SERVER_USERS:
        raise ApiError(422, f"Name at most {MAX_SERVER_USERS} media-server users.")
    return tuple(names.values())


async def save_settings(scoped: Scoped, *, mark_acquired: bool, server_users: Sequence[str]) -> HookSettings:
    await scoped.execute(queries.SAVE_SETTINGS, {"acquired": mark_acquired, "users": "\n".join(server_users)})
    return HookSettings(mark_acquired, tuple(server_users))


# --- receiving an event ------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str | None = None
    show_id: int | None = None
    episode_id: int | None = None
    missing_show: bool = False  # no show locally by any rule: an upstream may have it


def _ignored(event: HookEvent, settings: HookSettings) -> str | None:
    server = SERVER_NAMES.get(event.source, event.source)
    if not settings.counts(event.server_user):
        who = f"{server} user {event.server_user!r}" if event.server_user else f"an unnamed {server} user"
        return f"events from {who} do not count for you (your media-server users)"
    if event.action is None:
        return f"{server} event {event.event} marks nothing"
    if event.episode is None:
        return f"not an episode ({event.item_type or 'no item type'})"
    if event.action == ACQUIRED and not settings.mark_acquired:
        return "acquired marks from media servers are switched off"
    return None


async def _with_fix(scoped: Scoped, ref: EpisodeRef) -> EpisodeRef:
    """The ref with the person's remembered show for its title, when there is one."""
    show = ref.show
    if show.tvmaze is not None or not show.title:
        return ref
    key = title_key(show.title)
    if not key:
        return ref
    fixed = await scoped.fetch_val(queries.FIX, {"key": key[:255]})
    if fixed is None:
        return ref
    return dataclasses.replace(ref, show=dataclasses.replace(show, tvmaze=int(fixed)))


async def _apply(scoped: Scoped, action: str, match: Match, at: int) -> Outcome:
    assert match.episode_id is not None and match.show_id is not None
    episode_id, show_id = match.episode_id, match.show_id
    current = await scoped.fetch_val(queries.CURRENT_MARK, {"episode_id": episode_id})
    done = Outcome(APPLIED, None, show_id, episode_id)
    if action == UNWATCHED:
        if current != 0:
            said = "not marked" if current is None else f"marked {_MARK_NAMES.get(current, current)}, not watched"
            return Outcome(UNCHANGED, said, show_id, episode_id)
        await marks.unmark(scoped, episode_id)
        return done
    if current == 0 or (action == ACQUIRED and current is not None):
        # Watched stays watched (and keeps its time); acquired never overrides a mark.
        return Outcome(UNCHANGED, f"already marked {_MARK_NAMES.get(current, current)}", show_id, episode_id)
    await marks.upsert_marks(scoped, [marks.Mark(episode_id, show_id, _TYPES[action], at)])
    return done


async def _settle(scoped: Scoped, matcher: Matcher, event: HookEvent, now: int) -> Outcome:
    settings = await get_settings(scoped)
    ignored = _ignored(event, settings)
    if ignored is not None:
        return Outcome(IGNORED, ignored)
    assert event.episode is not None and event.action is not None
    ref = await _with_fix(scoped, event.episode)
    (match,) = await matcher.episodes([ref])
    if match.episode_id is None:
        missing = match.show_id is None and not match.ambiguous
        return Outcome(UNMATCHED, match.reason or "no episode found", match.show_id, None, missing)
    return await _apply(scoped, event.action, match, event.at or now)


def _ref_json(ref: EpisodeRef | None) -> str | None:
    if ref is None:
        return None
    show = ref.show
    data = {
        "show": {"tvmaze": show.tvmaze, "thetvdb": show.thetvdb, "imdb": show.imdb, "tmdb": show.tmdb,
                 "title": show.title, "year": show.year},
        "tvmaze_episode": ref.tvmaze_episode,
        "season": ref.season,
        "number": ref.number,
        "airdate": ref.airdate.isoformat() if ref.airdate is not None else None,
        "title": ref.title,
    }  # fmt: skip
    return orjson.dumps(data).decode()


def _ref_of(text: str | None) -> EpisodeRef | None:
    if not text:
        return None
    data = orjson.loads(text)
    airdate = data.get("airdate")
    return EpisodeRef(
        show=ShowRef(**data["show"]),
        tvmaze_episode=data.get("tvmaze_episode"),
        season=data.get("season"),
        number=data.get("number"),
        airdate=dt.date.fromisoformat(airdate) if airdate else None,
        title=data.get("title"),
    )


def entry_json(row: Any) -> dict[str, Any]:
    """A log entry as the CLI and the hook's answer give it."""
    return {
        "id": row["id"],
        "time": row["received_at"],
        "event_at": row["event_at"],
        "source": row["source"],
        "event": row["event"],
        "action": row["action"],
        "status": row["status"],
        "server_user": row["server_user"],
        "named": row["named"],
        "title": row["title"],
        "show_id": row["show_id"],
        "episode_id": row["episode_id"],
        "reason": row["reason"],
    }


@dataclass(frozen=True)
class Received:
    entry: dict[str, Any]
    missing_show: ShowRef | None  # a show to look for upstream (after answering)


PRUNE_EVERY = 100  # log entries (by id) between two prunings of the user's log


async def receive(
    scoped: Scoped, event: HookEvent, *, now: int, keep: int = 2000, matcher: Matcher | None = None
) -> Received:
    """Settle one event and log it; returns the log entry. The user's log keeps their newest
    `keep` entries (pruned now and then, not on every delivery)."""
    outcome = await _settle(scoped, matcher or Matcher(scoped.conn), event, now)
    ref = event.episode
    values = {
        "received_at": now,
        "source": event.source,
        "event": event.event[:64],
        "action": event.action,
        "status": outcome.status,
        "server_user": event.server_user[:128] if event.server_user else None,  # the column's width
        "title": ref.show.title if ref is not None else None,
        "named": event.named(),
        "ref": _ref_json(ref),
        "event_at": event.at,
        "show_id": outcome.show_id,
        "episode_id": outcome.episode_id,
        "reason": outcome.reason,
    }
    entry_id = await scoped.fetch_val(queries.LOG, values)
    if entry_id % PRUNE_EVERY == 0:
        await scoped.execute(queries.PRUNE, {"keep": keep - 1})
    entry = entry_json({"id": int(entry_id), **values})
    missing = ref.show if outcome.missing_show and ref is not None else None
    return Received(entry, missing)


# --- the log ---------------------------------------------------------------------------------


async def activity(scoped: Scoped, *, limit: int = ACTIVITY_PAGE, before: int | None = None) -> list[dict[str, Any]]:
    """The newest entries first (`before`: older than that entry id)."""
    if before is None:
        rows = await scoped.fetch_all(queries.RECENT, {"limit": limit})
    else:
        rows = await scoped.fetch_all(queries.RECENT_BEFORE, {"limit": limit, "before": before})
    return [entry_json(row) for row in rows]


async def entry(scoped: Scoped, entry_id: int) -> dict[str, Any]:
    row = await scoped.fetch_one(queries.ENTRY, {"id": entry_id})
    if row is None:
        raise ApiError(404, "There is no such activity entry")
    return entry_json(row)


async def fix(scoped: Scoped, entry_id: int, show_id: int, *, now: int) -> dict[str, Any]:
    """ "This entry's title is that show": remembered for the title, and every unmatched entry
    with the same title is matched again and applied, oldest first. Returns the entry."""
    row = await scoped.fetch_one(queries.ENTRY, {"id": entry_id})
    if row is None:
        raise ApiError(404, "There is no such activity entry")
    if row["status"] != UNMATCHED or not row["title"]:
        raise ApiError(422, "Only an unmatched episode can be fixed")
    if await scoped.conn.fetch_val("SELECT id FROM shows WHERE id = :id", {"id": show_id}) is None:
        raise ApiError(404, SHOW.missing)
    key = title_key(row["title"])[:255]
    if not key:
        raise ApiError(422, "This entry names no show title to remember")
    await scoped.execute(queries.SAVE_FIX, {"key": key, "show_id": show_id, "now": now})
    await rematch(scoped, row["title"], show_id=show_id)
    return await entry(scoped, entry_id)


async def rematch(scoped: Scoped, title: str, *, show_id: int | None = None) -> int:
    """Match the unmatched entries with this show title again (as `show_id`, when given; else
    by the usual rules, after a missing show was fetched) and apply them, oldest first, so a
    watched-then-unwatched pair ends as it did on the server. The number now applied."""
    key = title_key(title)[:255]
    pending = await scoped.fetch_all(queries.UNMATCHED, {"limit": _REFIX_LIMIT})
    same = [r for r in reversed(pending) if title_key(r["title"])[:255] == key]
    matcher = Matcher(scoped.conn)
    applied = 0
    for found in same:
        ref = _ref_of(found["ref"])
        if ref is None or found["action"] is None:
            continue
        if show_id is not None:
            ref = dataclasses.replace(ref, show=dataclasses.replace(ref.show, tvmaze=show_id))
        else:
            ref = await _with_fix(scoped, ref)
        (match,) = await matcher.episodes([ref])
        if match.episode_id is None:
            outcome = Outcome(UNMATCHED, match.reason or "no episode found", match.show_id)
        else:
            outcome = await _apply(scoped, found["action"], match, found["event_at"] or found["received_at"])
        applied += outcome.status == APPLIED
        await scoped.execute(
            queries.SETTLE,
            {
                "id": found["id"],
                "status": outcome.status,
                "show_id": outcome.show_id,
                "episode_id": outcome.episode_id,
                "reason": outcome.reason,
            },
        )
    return applied
