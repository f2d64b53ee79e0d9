"""Plex (Plex Pass webhooks): one JSON document in the `payload` part of a multipart body.

`media.scrobble` (played past 90 %) marks watched; `library.new` marks acquired; every
other event (play, pause, resume, stop, rate…) is recorded and changes nothing.

What an episode's metadata says: `grandparentTitle` (the show), `parentIndex` (season),
`index` (episode), `originallyAvailableAt` (air date), `title` (the episode's). Its `Guid`
ids (`tvdb://…`, `imdb://…`, `tmdb://…`) are the *episode's* ids, which TVmaze does not
look shows up by, so Plex events are matched by the show's title. Its `year` is the
episode's year, not the show's premiere year: it is not used to choose between same-named
shows, where it would be a guess.
"""

from __future__ import annotations

from typing import Any

from openmaze.catalog.matching import EpisodeRef
from openmaze.hooks.events import (
    ACQUIRED,
    WATCHED,
    HookEvent,
    as_object,
    date,
    epoch,
    malformed,
    number,
    obj,
    show_ref,
    text,
)

SOURCE = "plex"
ACTIONS = {"media.scrobble": WATCHED, "library.new": ACQUIRED}


def parse(doc: Any) -> HookEvent:
    payload = as_object(doc, "Plex")
    event = text(payload.get("event"))
    if event is None:
        raise malformed("Plex")
    meta = obj(payload, "Metadata")
    item_type = (text(meta.get("type")) or "").casefold() or None
    episode = None
    if item_type == "episode":
        episode = EpisodeRef(
            show=show_ref(meta.get("grandparentTitle")),
            season=number(meta.get("parentIndex")),
            number=number(meta.get("index")),
            airdate=date(meta.get("originallyAvailableAt")),
            title=text(meta.get("title")),
        )
    at = epoch(meta.get("lastViewedAt")) if event == "media.scrobble" else None
    return HookEvent(
        source=SOURCE,
        event=event,
        action=ACTIONS.get(event),
        server_user=text(obj(payload, "Account").get("title")),
        item_type=item_type,
        episode=episode,
        at=at,
        item_name=text(meta.get("title")),
    )
