"""Jellyfin: the official webhook plugin's JSON (often sent as `text/plain`), or the shape of
the community "webhooks" plugin.

Official plugin (`NotificationType`): `PlaybackStop` with `PlayedToCompletion` marks watched;
`UserDataSaved` with `SaveReason: TogglePlayed` marks watched (`Played: true`) or removes the
watched mark (`Played: false`); `ItemAdded` marks acquired. Episode fields: `ItemType`,
`SeriesName`, `SeasonNumber`, `EpisodeNumber`, `Name`, `Provider_tvmaze` (the TVmaze
*episode* id, with Jellyfin's TVmaze plugin), `NotificationUsername`, `UtcTimestamp`.
`Provider_tvdb` / `Provider_imdb` are the episode's ids, and `Year` the episode's year: neither
names the show, so they are not used.

Community plugin (`Event`, `Item`, `User`, `Series`): `Scrobble` and `MarkPlayed` mark
watched, `MarkUnplayed` removes the mark, `ItemAdded` marks acquired. `Series.ProviderIds`
are the *show's* ids (TVmaze, TheTVDB, IMDb) and `Series.ProductionYear` its first year.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    imdb,
    malformed,
    number,
    obj,
    provider,
    show_ref,
    text,
    year,
)

SOURCE = "jellyfin"
_COMMUNITY_ACTIONS = {"scrobble": WATCHED, "markplayed": WATCHED, "markunplayed": UNWATCHED, "itemadded": ACQUIRED}


def parse(doc: Any) -> HookEvent:
    payload = as_object(doc, "Jellyfin")
    if "NotificationType" in payload:
        return _official(payload)
    if "Event" in payload and isinstance(payload.get("Item"), dict):
        return _community(payload)
    raise malformed("Jellyfin")


def _official_action(event: str, payload: Mapping[str, Any]) -> str | None:
    if event == "PlaybackStop":
        return WATCHED if flag(payload.get("PlayedToCompletion")) else None
    if event == "UserDataSaved":
        if text(payload.get("SaveReason")) != "TogglePlayed":
            return None
        return WATCHED if flag(payload.get("Played")) else UNWATCHED
    if event == "ItemAdded":
        return ACQUIRED
    return None


def _official(payload: Mapping[str, Any]) -> HookEvent:
    event = text(payload.get("NotificationType"))
    if event is None:
        raise malformed("Jellyfin")
    item_type = (text(payload.get("ItemType")) or "").casefold() or None
    episode = None
    if item_type == "episode":
        episode = EpisodeRef(
            show=show_ref(payload.get("SeriesName")),
            tvmaze_episode=ident(payload.get("Provider_tvmaze")),
            season=number(payload.get("SeasonNumber")),
            number=number(payload.get("EpisodeNumber")),
            airdate=date(payload.get("PremiereDate")) or date(payload.get("AirDate")),
            title=text(payload.get("Name")),
        )
    return HookEvent(
        source=SOURCE,
        event=event,
        action=_official_action(event, payload),
        server_user=text(payload.get("NotificationUsername")),
        item_type=item_type,
        episode=episode,
        at=epoch(payload.get("UtcTimestamp")),
        item_name=text(payload.get("Name")),
    )


def _community(payload: Mapping[str, Any]) -> HookEvent:
    event = text(payload.get("Event"))
    if event is None:
        raise malformed("Jellyfin")
    item = obj(payload, "Item")
    series = obj(payload, "Series")
    item_type = (text(item.get("Type")) or "").casefold() or None
    episode = None
    if item_type == "episode":
        show_ids = obj(series, "ProviderIds")
        episode = EpisodeRef(
            show=show_ref(
                series.get("Name") or item.get("SeriesName"),
                year_=year(series.get("ProductionYear")),
                tvmaze=ident(provider(show_ids, "tvmaze")),
                thetvdb=ident(provider(show_ids, "tvdb", "thetvdb")),
                imdb=imdb(provider(show_ids, "imdb")),
                tmdb=ident(provider(show_ids, "tmdb")),
            ),
            tvmaze_episode=ident(provider(obj(item, "ProviderIds"), "tvmaze")),
            season=number(item.get("ParentIndexNumber")),
            number=number(item.get("IndexNumber")),
            airdate=date(item.get("PremiereDate")),
            title=text(item.get("Name")),
        )
    return HookEvent(
        source=SOURCE,
        event=event,
        action=_COMMUNITY_ACTIONS.get(event.casefold()),
        server_user=text(obj(payload, "User").get("Name")),
        item_type=item_type,
        episode=episode,
        at=epoch(payload.get("Date") or payload.get("Timestamp")),
        item_name=text(item.get("Name")),
    )
