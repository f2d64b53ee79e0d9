"""A TVmaze premium account, read through TVmaze's user API (the API openmaze implements):
follows of shows, people, networks and web channels; marked episodes with their type and
`marked_at`; show and episode votes with `voted_at`; tags and their shows.

The username and API key are used for these reads only, as Basic credentials of each
request (`Upstream.get_json(auth=...)`), and never stored or logged. Everything the
account names that the local catalog lacks is fetched first through the polite client
(`fetching.CatalogFetcher`): shows by id; an episode's show found through
`/episodes/{id}?embed=show`; people, networks and web channels by id. TVmaze's follows
carry no time: they are followed as of the import.
"""

from __future__ import annotations

from typing import Any

from openmaze.catalog.matching import EpisodeRef, ShowRef
from openmaze.catalog.upstream import Upstream, UpstreamRefused
from openmaze.core.fields import EPOCH, ID, MARK_TYPE, TAG_NAME, VOTE, FieldError, Int
from openmaze.db.database import Conn, Database, in_list, list_param
from openmaze.imports.archive import ImportFileError
from openmaze.imports.fetching import CatalogFetcher
from openmaze.imports.service import Item, ItemKind, Parsed

FOLLOWS: tuple[tuple[str, ItemKind, str], ...] = (
    ("shows", "follow_show", "show_id"),
    ("people", "follow_person", "person_id"),
    ("networks", "follow_network", "network_id"),
    ("webchannels", "follow_webchannel", "webchannel_id"),
)


class _Account:
    def __init__(self, upstream: Upstream, username: str, key: str) -> None:
        self.upstream = upstream
        self.auth = (username, key)

    async def list(self, path: str) -> list[dict[str, Any]]:
        try:
            found = await self.upstream.get_json(f"/v1/user/{path}", auth=self.auth)
        except UpstreamRefused as exc:
            if exc.status == 401:
                raise ImportFileError(
                    "TVmaze refused the username and API key (check both on your TVmaze dashboard)"
                ) from None
            raise ImportFileError("TVmaze refused the request: the user API needs a premium account") from None
        if found is None:
            return []
        if not isinstance(found, list) or not all(isinstance(i, dict) for i in found):
            raise ImportFileError(f"/v1/user/{path}: expected a list of objects from TVmaze")
        return found


def _id(item: dict[str, Any], key: str, where: str) -> int:
    value = ID.value(item.get(key))
    if value is None:
        raise ImportFileError(f"{where}: {key} is not an id ({item.get(key)!r})")
    return value


def _int(item: dict[str, Any], key: str, field: Int, default: int | None, where: str) -> int:
    raw = item.get(key)
    if raw is None and default is not None:
        return default
    try:
        value: int = field.parse(raw)
    except FieldError:
        raise ImportFileError(f"{where}: {key} {raw!r} is not valid") from None
    return value


async def read_account(upstream: Upstream, username: str, key: str, *, now: int) -> Parsed:
    account = _Account(upstream, username, key)
    parsed = Parsed()
    for plural, kind, column in FOLLOWS:
        for n, item in enumerate(await account.list(f"follows/{plural}")):
            where = f"follows/{plural}[{n}]"
            target = _id(item, column, where)
            if kind == "follow_show":
                parsed.items.append(Item(kind, f"followed show {target}", now, show=ShowRef(tvmaze=target)))
            else:
                parsed.items.append(Item(kind, f"followed {plural} {target}", now, target=target))
    for n, item in enumerate(await account.list("episodes")):
        where = f"episodes[{n}]"
        episode_id = _id(item, "episode_id", where)
        mark_type = _int(item, "type", MARK_TYPE, 0, where)
        marked_at = _int(item, "marked_at", EPOCH, 0, where)
        episode = EpisodeRef(ShowRef(), tvmaze_episode=episode_id)
        parsed.items.append(Item("mark", f"marked episode {episode_id}", marked_at, episode=episode, value=mark_type))
    for n, item in enumerate(await account.list("votes/shows")):
        where = f"votes/shows[{n}]"
        show_id = _id(item, "show_id", where)
        vote = _int(item, "vote", VOTE, None, where)
        at = _int(item, "voted_at", EPOCH, 0, where)
        parsed.items.append(Item("vote_show", f"vote for show {show_id}", at, show=ShowRef(tvmaze=show_id), value=vote))
    for n, item in enumerate(await account.list("votes/episodes")):
        where = f"votes/episodes[{n}]"
        episode_id = _id(item, "episode_id", where)
        vote = _int(item, "vote", VOTE, None, where)
        at = _int(item, "voted_at", EPOCH, 0, where)
        episode = EpisodeRef(ShowRef(), tvmaze_episode=episode_id)
        parsed.items.append(Item("vote_episode", f"vote for episode {episode_id}", at, episode=episode, value=vote))
    for n, tag in enumerate(await account.list("tags")):
        where = f"tags[{n}]"
        tag_id = _id(tag, "id", where)
        try:
            name = TAG_NAME.parse(tag.get("name"))
        except FieldError as exc:
            parsed.unmatched.append({"source": f"tag {tag.get('name')!r}", "reason": exc.message})
            continue
        for m, instance in enumerate(await account.list(f"tags/{tag_id}/shows")):
            show_id = _id(instance, "show_id", f"tags/{tag_id}/shows[{m}]")
            parsed.items.append(
                Item("tag", f"tag {name!r}: show {show_id}", now, show=ShowRef(tvmaze=show_id), tag=name)
            )
    return parsed


async def complete_catalog(db: Database, fetcher: CatalogFetcher, parsed: Parsed) -> None:
    """Fetch the shows the account's items name that the catalog lacks, before matching:
    shows by id, and the show of every episode not held here (one request finds it, and
    fetching that show brings its other episodes along)."""
    show_ids = {i.show.tvmaze for i in parsed.items if i.show is not None and i.show.tvmaze is not None}
    episode_ids = {i.episode.tvmaze_episode for i in parsed.items if i.episode and i.episode.tvmaze_episode}
    async with db.read() as conn:
        have_shows = await _present(conn, "shows", show_ids)
    missing = sorted(show_ids - have_shows)
    if missing:
        await fetcher.shows(missing)
    async with db.read() as conn:
        pending = sorted(episode_ids - await _present(conn, "episodes", episode_ids))
    tried: set[int] = set()
    while pending:
        episode_id = pending.pop(0)
        found = await fetcher.upstream.get_json(f"/episodes/{episode_id}", {"embed": "show"})
        show = (found or {}).get("_embedded", {}).get("show") if isinstance(found, dict) else None
        show_id = ID.value(show.get("id")) if isinstance(show, dict) else None
        if show_id is None or show_id in tried:
            continue
        tried.add(show_id)
        await fetcher.shows([show_id])
        async with db.read() as conn:
            now_present = await _present(conn, "episodes", set(pending))
        pending = [e for e in pending if e not in now_present]


async def _present(conn: Conn, table: str, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    rows = await conn.fetch_all(
        f"SELECT id FROM {table} WHERE {in_list(conn, 'id', 'ids')}", {"ids": list_param(conn, sorted(ids))}
    )
    return {int(r[0]) for r in rows}
