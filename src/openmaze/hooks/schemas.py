"""The wire shape of a webhook's answer (and of `openmaze user activity --json` items): the
activity-log entry the delivery made. Media servers ignore it; people debugging a setup with
curl read it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ActivityEntry(BaseModel):
    id: int
    time: int = Field(description="Epoch seconds when openmaze received the event")
    event_at: int | None = Field(description="When it happened, if the server said (the mark keeps this time)")
    source: Literal["plex", "jellyfin", "emby"]
    event: str = Field(description="The server's own event name: media.scrobble, PlaybackStop, item.markplayed…")
    action: Literal["watched", "acquired", "unwatched"] | None = Field(description="What the event asks for")
    status: Literal["applied", "unchanged", "unmatched", "ignored"]
    server_user: str | None = Field(description="The media server's user name")
    named: str = Field(description="What the event named, for a person")
    title: str | None = Field(description="The show title the event gave")
    show_id: int | None
    episode_id: int | None = Field(description="The TVmaze episode matched; null when none")
    reason: str | None = Field(description="Why it was not applied (or what was already there)")
