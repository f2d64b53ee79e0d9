"""What `openmaze serve --demo` gives the demo user, so the library pages have content on a
first run: a few followed shows in various states, written through the API's services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openmaze.catalog.kinds import SHOW
from openmaze.core.scope import Scoped
from openmaze.db.database import Conn
from openmaze.follows import service as follows
from openmaze.scrobble.service import scrobble_episodes


async def seed_demo_user(conn: Conn, user_id: int, shows: list[dict[str, Any]], today: dt.date, now: int) -> None:
    """Follow the demo catalog's current shows plus two others; mark each current show
    watched up to two episodes before its latest aired one (so up next has work), leave one
    not started, and mark one older show watched in full. Only for a user who follows nothing."""
    scoped = Scoped(conn, user_id)
    if await scoped.fetch_val("SELECT 1 FROM followed_shows WHERE user_id = :user_id LIMIT 1") is not None:
        return
    from openmaze.catalog.demo import current_show_ids

    current = current_show_ids(shows, today)
    by_id = {show["id"]: show for show in shows}
    older = [show["id"] for show in shows if show["id"] not in current][:2]
    items: list[dict[str, Any]] = []
    for position, show_id in enumerate([*current, *older]):
        await follows.follow(scoped, SHOW, show_id, now=now)
        if position == 1:
            continue  # not started
        aired = [
            e
            for e in sorted(by_id[show_id]["_embedded"]["episodes"], key=lambda e: (e["season"], e["number"] or 0))
            if e["number"] is not None and e["airdate"] <= today.isoformat()
        ]
        watched = aired if show_id in older else aired[:-2]
        # Spread over the past weeks, newest last, so history reads like a person's.
        for age, episode in enumerate(reversed(watched)):
            items.append({"episode_id": episode["id"], "type": 0, "marked_at": now - 3600 * (6 + 20 * age)})
    await scrobble_episodes(scoped, items, now)
