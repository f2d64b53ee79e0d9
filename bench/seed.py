"""Bulk seeding of a bench database, straight through openmaze's own DB layer.

Catalog rows go through the importer's `write_batch` (so they are exactly what an import
makes); users and their data are inserted with one `executemany` per table, which takes
seconds where going through the HTTP API would take minutes.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from bench.catalog import synthetic_shows
from openmaze.auth.secrets import display_prefix, keyed_hash, new_api_key
from openmaze.catalog.demo import demo_shows
from openmaze.catalog.importer import parse_document, write_batch
from openmaze.db.database import Database

EPISODES_PER_SHOW = 20
MAIN_SYNTHETIC_SHOWS = 300  # with the demo catalog: ~350 shows, ~8,000 episodes
BATCH_SHOWS = 250


@dataclass
class Account:
    id: int
    username: str
    key: str


@dataclass
class Seeded:
    heavy: Account
    scrobbler: Account
    list_users: dict[int, Account]  # marks count -> user holding exactly that many marks
    heavy_marked: list[int]
    episode_ids: list[int]
    show_ids: list[int]
    counts: dict[str, int] = field(default_factory=dict)


async def _write_shows(db: Database, shows: list[dict[str, Any]]) -> None:
    for i in range(0, len(shows), BATCH_SHOWS):
        batch = parse_document(shows[i : i + BATCH_SHOWS], "bench catalog")
        async with db.transaction() as conn:
            await write_batch(conn, batch, synced_at=int(time.time()))


async def load_catalog(db: Database, synthetic_count: int, first_synthetic: int = 0) -> None:
    """The demo catalog (once) plus synthetic shows number first_synthetic.. (20 episodes each)."""
    async with db.read() as conn:
        empty = await conn.fetch_val("SELECT COUNT(*) FROM shows") == 0
    if empty:
        await _write_shows(db, demo_shows())
    for start in range(first_synthetic, first_synthetic + synthetic_count, BATCH_SHOWS):
        n = min(BATCH_SHOWS, first_synthetic + synthetic_count - start)
        await _write_shows(db, list(synthetic_shows(start, n, EPISODES_PER_SHOW)))


async def grow_catalog_to(db: Database, episodes: int) -> int:
    """Add synthetic shows until the catalog holds at least `episodes` episodes."""
    async with db.read() as conn:
        have = await conn.fetch_val("SELECT COUNT(*) FROM episodes")
        synthetic = await conn.fetch_val("SELECT COUNT(*) FROM shows WHERE id > 2000000")
    missing = max(0, episodes - have)
    more = -(-missing // EPISODES_PER_SHOW)
    if more:
        await load_catalog(db, more, first_synthetic=synthetic)
    async with db.read() as conn:
        total: int = await conn.fetch_val("SELECT COUNT(*) FROM episodes")
    return total


async def seed_users(db: Database, secret: bytes, users: int = 1000, seed: int = 1) -> Seeded:
    rng = random.Random(seed)
    now = int(time.time())
    async with db.read() as conn:
        show_ids = [r[0] for r in await conn.fetch_all("SELECT id FROM shows ORDER BY id")]
        episodes = [(r[0], r[1]) for r in await conn.fetch_all("SELECT id, show_id FROM episodes ORDER BY id")]
    show_of = dict(episodes)
    episode_ids = [e for e, _ in episodes]

    names = ["heavy", "scrobbler", "list50", "list500"] + [f"user{i:04d}" for i in range(users - 4)]
    keys = {name: new_api_key() for name in names}
    counts: dict[str, int] = {}
    async with db.transaction() as conn:
        await conn.execute_many(
            "INSERT INTO users (username, username_lower, email, email_lower, email_confirmed, premium, created_at) "
            "VALUES (:u, :u, :e, :e, :c, :p, :t)",
            [{"u": n, "e": f"{n}@bench.invalid", "c": True, "p": 1 + i % 3, "t": now} for i, n in enumerate(names)],
        )
        ids = {r[1]: r[0] for r in await conn.fetch_all("SELECT id, username FROM users")}
        await conn.execute_many(
            "INSERT INTO api_keys (user_id, name, key_hash, key_prefix, created_at) VALUES (:u, 'bench', :h, :p, :t)",
            [{"u": ids[n], "h": keyed_hash(secret, k), "p": display_prefix(k), "t": now} for n, k in keys.items()],
        )

        follows: list[dict[str, Any]] = []
        marks: list[dict[str, Any]] = []
        show_votes: list[dict[str, Any]] = []
        episode_votes: list[dict[str, Any]] = []
        tag_rows: list[dict[str, Any]] = []

        def give(name: str, n_follows: int, n_marks: int, n_votes: int, n_tags: int) -> list[int]:
            uid = ids[name]
            for sid in rng.sample(show_ids, min(n_follows, len(show_ids))):
                follows.append({"u": uid, "s": sid, "t": now - rng.randrange(10**7)})
            marked = sorted(rng.sample(episode_ids, min(n_marks, len(episode_ids))))
            for eid in marked:
                marks.append({"u": uid, "e": eid, "s": show_of[eid], "y": rng.choice((0, 0, 0, 1, 2)), "t": now})
            for sid in rng.sample(show_ids, min(n_votes, len(show_ids))):
                show_votes.append({"u": uid, "s": sid, "v": rng.randint(1, 10), "t": now})
            for eid in rng.sample(episode_ids, min(n_votes, len(episode_ids))):
                episode_votes.append({"u": uid, "s": eid, "v": rng.randint(1, 10), "t": now})
            tag_rows.extend({"u": uid, "n": f"tag {i}"} for i in range(n_tags))
            return marked

        heavy_marked = give("heavy", 300, 5000, 200, 20)
        give("scrobbler", 0, 0, 0, 0)
        give("list50", 5, 50, 0, 0)
        give("list500", 20, 500, 0, 0)
        for name in names[4:]:
            give(name, rng.randint(0, 20), rng.randint(0, 100), rng.randint(0, 10), rng.randint(0, 3))

        await conn.execute_many(
            "INSERT INTO followed_shows (user_id, show_id, followed_at) VALUES (:u, :s, :t)", follows
        )
        await conn.execute_many(
            "INSERT INTO marked_episodes (user_id, episode_id, show_id, type, marked_at) VALUES (:u, :e, :s, :y, :t)",
            marks,
        )
        await conn.execute_many(
            "INSERT INTO show_votes (user_id, show_id, vote, voted_at) VALUES (:u, :s, :v, :t)", show_votes
        )
        await conn.execute_many(
            "INSERT INTO episode_votes (user_id, episode_id, vote, voted_at) VALUES (:u, :s, :v, :t)", episode_votes
        )
        await conn.execute_many("INSERT INTO tags (user_id, name) VALUES (:u, :n)", tag_rows)
        tag_shows = [
            {"t": tag_id, "s": sid, "u": uid}
            for tag_id, uid in [(r[0], r[1]) for r in await conn.fetch_all("SELECT id, user_id FROM tags")]
            for sid in rng.sample(show_ids, 10)
        ]
        await conn.execute_many("INSERT INTO tag_shows (tag_id, show_id, user_id) VALUES (:t, :s, :u)", tag_shows)
        counts = {
            "users": len(names),
            "followed_shows": len(follows),
            "marked_episodes": len(marks),
            "show_votes": len(show_votes),
            "episode_votes": len(episode_votes),
            "tags": len(tag_rows),
            "tag_shows": len(tag_shows),
            "shows": len(show_ids),
            "episodes": len(episode_ids),
        }

    def account(name: str) -> Account:
        return Account(ids[name], name, keys[name])

    return Seeded(
        heavy=account("heavy"),
        scrobbler=account("scrobbler"),
        list_users={50: account("list50"), 500: account("list500"), 5000: account("heavy")},
        heavy_marked=heavy_marked,
        episode_ids=episode_ids,
        show_ids=show_ids,
        counts=counts,
    )
