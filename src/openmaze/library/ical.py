"""The personal iCal feed (RFC 5545), as TVmaze serves it at `/ical/followed?token=...`:
one VEVENT per episode of the followed shows, from 30 days back to 90 days ahead, times in
UTC from `airstamp` (no RRULEs, no time zones to resolve), a stable UID per episode.

The window is whole UTC days, so the feed's content changes only when the catalog, the
follows or the date do; the route answers conditional requests from a hash of the body.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from openmaze.library.service import Episode

PAST_DAYS = 30
FUTURE_DAYS = 90
DEFAULT_MINUTES = 30  # an episode without a runtime still needs an end
PRODID = "-//openmaze//openmaze library//EN"


def window(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(today - dt.timedelta(days=PAST_DAYS), dt.time(), dt.UTC)
    return start, start + dt.timedelta(days=PAST_DAYS + FUTURE_DAYS + 1)


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after CRLF + space (3.1),
    cut between characters, never inside one."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = b""
    limit = 75
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > limit:
            parts.append(current.decode())
            current = b""
            limit = 74  # the leading space of a continuation line counts
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(episodes: list[Episode], base_url: str, host: str, generated: dt.datetime) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:openmaze: followed shows",
        "X-PUBLISHED-TTL:PT6H",
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
    ]
    # DTSTAMP must be present; the start of the UTC day keeps the body (and its ETag) stable.
    stamp = _stamp(dt.datetime.combine(generated.date(), dt.time(), dt.UTC))
    for episode in episodes:
        start = episode.aired_at
        lines += ["BEGIN:VEVENT", f"UID:episode-{episode.id}@{host}", f"DTSTAMP:{stamp}"]
        if start is None:
            day = dt.date.fromisoformat(episode.airdate or generated.date().isoformat())
            lines += [
                f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
                f"DTEND;VALUE=DATE:{(day + dt.timedelta(days=1)).strftime('%Y%m%d')}",
            ]
        else:
            end = start + dt.timedelta(minutes=episode.runtime or DEFAULT_MINUTES)
            lines += [f"DTSTART:{_stamp(start)}", f"DTEND:{_stamp(end)}"]
        title = f"{episode.show_name} \u2014 {episode.label}"
        if episode.name:
            title += f" {episode.name}"
        lines += [
            f"SUMMARY:{_escape(title)}",
            f"URL:{base_url}/library/episodes/{episode.id}",  # the episode in its show page
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()


def etag_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]
