"""Emby: JSON in the `data` part of a multipart body, or an `application/json` body.

`playback.stop` with `PlaybackInfo.PlayedToCompletion` and `item.markplayed` mark watched;
`item.markunplayed` removes the watched mark; `library.new` marks acquired; other events
are recorded and change nothing. Episode fields: `Item.Type`, `Item.SeriesName`,
`Item.ParentIndexNumber` (season), `Item.IndexNumber`, `Item.Name`, `Item.PremiereDate`,
`User.Name`, `Date`. `Item.ProviderIds` are the *episode's* ids: a TVmaze one is used (Emby's
TVmaze provider), TheTVDB and IMDb ones name no show and are not.
"""

from __future__ import annotations

from typing import Any

from openmaze.catalog.matching import EpisodeRef
from openmaze.hooks.events import (
    ACQUIRED,
    UNWATCHED,
    WATCHED,
    HookEvent,
    as_object,
    date,
    epoch,
    flag,
    ident,
    malformed,
    number,
    obj,
    provider,
    show_ref,
    text,
)

SOURCE = "emby"
_ACTIONS = {"item.markplayed": WATCHED, "item.markunplayed": UNWATCHED, "library.new": ACQUIRED}


def parse(doc: Any) -> HookEvent:
    payload = as_object(doc, "Emby")
    event = text(payload.get("Event"))
    if event is None:
        raise malformed("Emby")
    item = obj(payload, "Item")
    item_type = (text(item.get("Type")) or "").casefold() or None
    episode = None
    if item_type == "episode":
        episode = EpisodeRef(
            show=show_ref(item.get("SeriesName")),
            tvmaze_episode=ident(provider(obj(item, "ProviderIds"), "tvmaze")),
            season=number(item.get("ParentIndexNumber")),
            number=number(item.get("IndexNumber")),
            airdate=date(item.get("PremiereDate")),
            title=text(item.get("Name")),
        )
    action = _ACTIONS.get(event.casefold())
    if event.casefold() == "playback.stop" and flag(obj(payload, "PlaybackInfo").get("PlayedToCompletion")):
        action = WATCHED
    return HookEvent(
        source=SOURCE,
        event=event,
        action=action,
        server_user=text(obj(payload, "User").get("Name")),
        item_type=item_type,
        episode=episode,
        at=epoch(payload.get("Date")),
        item_name=text(item.get("Name")),
    )
