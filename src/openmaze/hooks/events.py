"""The one event type every server's payload becomes, and lenient readers for its fields.

Media servers send what their templates or plugins produce: numbers as numbers or as text
("01"), booleans as `true` or "True", ids under keys in any case. The readers accept each
value in the forms the typed field parsers (`openmaze.core.fields`) accept and give None
for anything else, so an odd field makes an event unmatched (with its reason in the log),
never a 500. What is not a JSON object at all is malformed: a 400.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openmaze.catalog.matching import EpisodeRef, ShowRef, split_year
from openmaze.core.errors import ApiError
from openmaze.core.fields import ID, IMDB_ID, MAX_EPOCH, NUMBER, FieldError, Flag, integer, timestamp_seconds

# What an event asks for.
WATCHED = "watched"
ACQUIRED = "acquired"
UNWATCHED = "unwatched"

_FLAG = Flag()
_TEXT_MAX = 255  # tables.hook_activity.title is at most this long
# Control characters (Unicode category Cc): PostgreSQL refuses NUL in text, and none belongs in
# a name a person reads. Runs of them, and of spaces, become one space.
_CONTROL_OR_SPACES = re.compile(r"[\x00-\x1f\x7f-\x9f\s]+")


@dataclass(frozen=True)
class HookEvent:
    source: str  # plex | jellyfin | emby
    event: str  # the server's own name for it: media.scrobble, PlaybackStop, item.markplayed…
    action: str | None  # WATCHED, ACQUIRED, UNWATCHED, or None: recorded, changes nothing
    server_user: str | None  # the media server's user name, for the household rule
    item_type: str | None  # episode, movie, … (lower case) as the server names it
    episode: EpisodeRef | None  # what it says about the episode; None when not an episode
    at: int | None = None  # when it happened, if the server says (epoch seconds)
    item_name: str | None = None  # the item's own title, for the log when it is no episode

    def named(self) -> str:
        """What the event named, for a person reading the log."""
        ref = self.episode
        if ref is None:
            kind = self.item_type or "item"
            return f"{kind} {self.item_name!r}" if self.item_name else f"an unnamed {kind}"
        parts = [ref.show.title or "an unnamed show"]
        if ref.show.year is not None:
            parts[0] += f" ({ref.show.year})"
        if ref.season is not None and ref.number is not None:
            parts.append(f"S{ref.season:02d}E{ref.number:02d}")
        elif ref.season is not None:
            parts.append(f"season {ref.season}")
        if ref.airdate is not None and ref.number is None:
            parts.append(ref.airdate.isoformat())
        if ref.title:
            parts.append(repr(ref.title))
        return " ".join(parts)[:512]


def malformed(what: str) -> ApiError:
    return ApiError(400, f"The webhook body is not a {what} payload.")


def as_object(doc: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(doc, dict):
        raise malformed(what)
    return doc


def obj(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A nested object, or an empty one when absent or of another type."""
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str | None:
    """A non-blank string without control characters (cut to what the log stores), or None."""
    if type(value) is not str:
        return None
    cleaned = _CONTROL_OR_SPACES.sub(" ", value[: _TEXT_MAX * 4]).strip()
    return cleaned[:_TEXT_MAX] if cleaned else None


def number(value: Any) -> int | None:
    """A season or episode number (0 included), from an int or a numeric string ("01")."""
    return NUMBER.value(value)


def ident(value: Any) -> int | None:
    """A positive 32-bit id, from an int or a numeric string."""
    return ID.value(value)


def imdb(value: Any) -> str | None:
    return IMDB_ID.value(value) if isinstance(value, str) and value.strip() else None


def flag(value: Any) -> bool:
    """True only for a clear yes (true, "True", 1, "yes"); anything else is no."""
    try:
        return _FLAG.parse(value)
    except FieldError:
        return False


def year(value: Any) -> int | None:
    found = integer(value)
    return found if found is not None and 1800 <= found <= 2200 else None


def date(value: Any) -> dt.date | None:
    """The calendar date of "2008-04-10" or an ISO timestamp ("2008-04-10T00:00:00.0000000Z")."""
    if type(value) is not str or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def epoch(value: Any) -> int | None:
    """Epoch seconds from an integer or an ISO 8601 timestamp (.NET's seven-digit fractions
    and a `Z` included); None when there is none or it is not one."""
    found = integer(value) if type(value) is not str or value.strip().isdigit() else None
    if found is not None:
        return found if 0 < found <= MAX_EPOCH else None
    return timestamp_seconds(value)


def provider(ids: Mapping[str, Any], *names: str) -> Any:
    """The value of the first of `names` among provider ids, in any letter case
    (Jellyfin writes `Tvdb`, Emby `Tvdb` or `TheTVDB`, templates `tvdb`)."""
    folded = {k.casefold(): v for k, v in ids.items() if isinstance(k, str)}
    for name in names:
        if name in folded:
            return folded[name]
    return None


def show_title(raw: Any) -> tuple[str | None, int | None]:
    """A series title, and the premiere year when the title ends in one ("Ghosts (2021)",
    how media servers tell same-named shows apart)."""
    title = text(raw)
    if title is None:
        return None, None
    return split_year(title)


def show_ref(title: Any, *, year_: int | None = None, **ids: Any) -> ShowRef:
    name, title_year = show_title(title)
    return ShowRef(title=name, year=year_ if year_ is not None else title_year, **ids)
