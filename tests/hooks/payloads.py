"""Webhook deliveries written from each server's documented format, sent the way each
server sends them: Plex multipart (`payload` JSON part + a JPEG `thumb` part), Jellyfin's
official plugin (JSON as text/plain) and the community webhooks plugin (JSON), Emby
multipart (`data` part) or application/json."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import orjson

# A few bytes that start like a JPEG: Plex attaches the poster as `thumb`.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 2048 + b"\xff\xd9"


@dataclass
class Delivery:
    """What to post: httpx keyword arguments."""

    kwargs: dict[str, Any] = field(default_factory=dict)


def plex(
    event: str,
    show: str | None = None,
    season: int | None = None,
    number: int | None = None,
    *,
    user: str = "alice",
    kind: str = "episode",
    title: str | None = "An Episode",
    airdate: str | None = None,
    viewed_at: int | None = None,
    thumb: bool = True,
    payload_type: str | None = "application/json",
) -> Delivery:
    meta: dict[str, Any] = {
        "librarySectionType": "show" if kind == "episode" else "movie",
        "ratingKey": "1936545",
        "key": "/library/metadata/1936545",
        "guid": "plex://episode/5d9c1275e9d5a1001f5e8bcb",
        "type": kind,
        "title": title,
        "year": 2008,
        # Episode ids, not the show's: TVmaze cannot look shows up by them.
        "Guid": [{"id": "imdb://tt1031477"}, {"id": "tmdb://397622"}, {"id": "tvdb://343222"}],
    }
    if kind == "episode":
        meta.update(
            {"grandparentTitle": show, "parentTitle": f"Season {season}", "parentIndex": season, "index": number}
        )
    if airdate:
        meta["originallyAvailableAt"] = airdate
    if viewed_at:
        meta["lastViewedAt"] = viewed_at
    payload = {
        "event": event,
        "user": True,
        "owner": True,
        "Account": {"id": 1, "thumb": "https://plex.tv/users/x/avatar", "title": user},
        "Server": {"title": "Office", "uuid": "54664a3d8acc39983675640ec9ce00b70af9cc36"},
        "Player": {"local": True, "publicAddress": "200.200.200.200", "title": "Plex Web (Safari)"},
        "Metadata": meta,
    }
    files: list[tuple[str, Any]] = [
        ("payload", (None, json.dumps(payload).encode(), payload_type) if payload_type else (None, json.dumps(payload)))
    ]
    if thumb:
        files.append(("thumb", ("image.jpg", JPEG, "image/jpeg")))
    return Delivery({"files": files})


def jellyfin(
    event: str,
    show: str | None = None,
    season: int | str | None = None,
    number: int | str | None = None,
    *,
    user: str = "alice",
    item_type: str = "Episode",
    name: str = "An Episode",
    tvmaze_episode: int | str | None = None,
    completed: bool | str | None = None,
    played: bool | str | None = None,
    save_reason: str | None = None,
    timestamp: str | None = "2026-11-30T20:15:42.1234567Z",
    premiere: str | None = None,
    content_type: str = "text/plain",
) -> Delivery:
    """The official webhook plugin's generic template."""
    doc: dict[str, Any] = {
        "ServerId": "a6a3c3d9b5c64e9a8b1d3e6f4a2b7c90",
        "ServerName": "jellyfin",
        "ServerVersion": "10.9.11",
        "NotificationType": event,
        "Timestamp": "2026-11-30T21:15:42.1234567+01:00",
        "UtcTimestamp": timestamp,
        "Name": name,
        "ItemId": "8e21f5f8c49d4d0e9d8c7a2a1f0e9d8c",
        "ItemType": item_type,
        "Year": 2008,
        "SeriesName": show,
        "SeasonNumber": season,
        "SeasonNumber00": f"{season:02d}" if isinstance(season, int) else season,
        "EpisodeNumber": number,
        "EpisodeNumber00": f"{number:02d}" if isinstance(number, int) else number,
        "Provider_tvdb": "343222",
        "Provider_imdb": "tt1031477",
        "NotificationUsername": user,
        "UserId": "0f4e1a2b3c4d5e6f7a8b9c0d1e2f3a4b",
    }
    if tvmaze_episode is not None:
        doc["Provider_tvmaze"] = tvmaze_episode
    if completed is not None:
        doc["PlayedToCompletion"] = completed
    if played is not None:
        doc["Played"] = played
    if save_reason is not None:
        doc["SaveReason"] = save_reason
    if premiere is not None:
        doc["PremiereDate"] = premiere
    return Delivery({"content": json.dumps(doc), "headers": {"Content-Type": content_type}})


def jellyfin_community(
    event: str,
    show: str | None = None,
    season: int | None = None,
    number: int | None = None,
    *,
    user: str = "alice",
    show_ids: dict[str, str] | None = None,
    show_year: int | None = None,
    name: str = "An Episode",
    item_type: str = "Episode",
) -> Delivery:
    """The community "webhooks" plugin: Event, Item, User, Series (with the show's ids)."""
    doc = {
        "Event": event,
        "Item": {
            "Name": name,
            "Id": "8e21f5f8c49d4d0e9d8c7a2a1f0e9d8c",
            "Type": item_type,
            "SeriesName": show,
            "IndexNumber": number,
            "ParentIndexNumber": season,
            "ProviderIds": {"Tvdb": "343222", "Imdb": "tt1031477"},
        },
        "User": {"Name": user, "Id": "0f4e1a2b3c4d5e6f7a8b9c0d1e2f3a4b"},
        "Series": {"Name": show, "ProductionYear": show_year, "ProviderIds": show_ids or {}},
        "Server": {"Id": "a6a3c3d9b5c64e9a8b1d3e6f4a2b7c90", "Name": "jellyfin", "Version": "10.9.11"},
    }
    return Delivery({"content": orjson.dumps(doc), "headers": {"Content-Type": "application/json"}})


def emby(
    event: str,
    show: str | None = None,
    season: int | None = None,
    number: int | None = None,
    *,
    user: str = "alice",
    item_type: str = "Episode",
    name: str = "An Episode",
    completed: bool | None = None,
    provider_ids: dict[str, str] | None = None,
    premiere: str | None = None,
    date: str = "2026-11-30T20:15:42.0000000Z",
    multipart: bool = True,
) -> Delivery:
    item: dict[str, Any] = {
        "Name": name,
        "ServerId": "5c0f5d1e0e8e4b1f9d3c2b1a0f9e8d7c",
        "Id": "123456",
        "Type": item_type,
        "SeriesName": show,
        "SeriesId": "1200",
        "SeasonName": f"Season {season}",
        "IndexNumber": number,
        "ParentIndexNumber": season,
        "ProductionYear": 2008,
        "ProviderIds": provider_ids or {"Tvdb": "343222", "Imdb": "tt1031477"},
    }
    if premiere:
        item["PremiereDate"] = premiere
    doc: dict[str, Any] = {
        "Title": f"{user} has finished playing {name}",
        "Date": date,
        "Event": event,
        "Severity": "Info",
        "User": {"Name": user, "Id": "e0b3bd7e3fbd4e0d8bbdd1e10b5e0e2f"},
        "Item": item,
        "Server": {"Name": "emby", "Id": "5c0f5d1e0e8e4b1f9d3c2b1a0f9e8d7c", "Version": "4.8.10.0"},
    }
    if completed is not None:
        doc["PlaybackInfo"] = {"PlayedToCompletion": completed, "PositionTicks": 13000000000}
    if multipart:
        return Delivery({"files": [("data", (None, json.dumps(doc).encode(), "application/json"))]})
    return Delivery({"content": json.dumps(doc), "headers": {"Content-Type": "application/json"}})
