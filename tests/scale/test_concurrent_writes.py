"""(b) A few hundred concurrent follow/unfollow/mark/unmark/vote/tag requests from two users,
spread over two server processes on one PostgreSQL database: no 5xx, the statuses each
request should get, one row per object, and both processes agree on the final state.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from openmaze.db.database import Conn
from tests.conftest import ApiUser, LiveServer, run_sync
from tests.scale.conftest import StartCluster

pytestmark = pytest.mark.postgres_redis


@dataclass
class Op:
    user: ApiUser
    method: str
    path: str
    json: Any = None
    group: str = ""  # requests in one group race for the same object


@dataclass
class Plan:
    ops: list[Op] = field(default_factory=list)

    def add(self, times: int, op: Op) -> None:
        self.ops.extend(
            Op(op.user, op.method, op.path, op.json, op.group or f"{op.method} {op.path}") for _ in range(times)
        )


def _episodes(demo: list[dict[str, Any]], show_index: int, n: int) -> list[int]:
    return [e["id"] for e in demo[show_index]["_embedded"]["episodes"][:n]]


async def _run(servers: list[LiveServer], ops: list[Op]) -> list[httpx.Response]:
    gate = asyncio.Semaphore(48)
    async with httpx.AsyncClient(timeout=60) as http:

        async def one(i: int, op: Op) -> httpx.Response:
            async with gate:
                url = servers[i % len(servers)].url + op.path
                return await http.request(op.method, url, json=op.json, auth=op.user.auth)

        return await asyncio.gather(*(one(i, op) for i, op in enumerate(ops)))


def _get(server: LiveServer, user: ApiUser, path: str) -> Any:
    r = httpx.get(server.url + path, auth=user.auth)
    assert r.status_code == 200, r.text
    return r.json()


def test_concurrent_user_writes_across_processes_stay_consistent(
    start_cluster: StartCluster, alice: ApiUser, bob: ApiUser, demo: list[dict[str, Any]], database_url: str
) -> None:
    servers = start_cluster()
    show_ids = [s["id"] for s in demo]
    follow, unfollow, voted = show_ids[0:10], show_ids[10:15], show_ids[15:23]
    tagged = show_ids[23:29]
    marked, unmarked, ep_voted = _episodes(demo, 0, 10), _episodes(demo, 1, 5), _episodes(demo, 2, 5)

    # Set-up, one request at a time: things the race will delete, and two tags.
    for show in unfollow:
        assert httpx.put(f"{servers[0].url}/v1/user/follows/shows/{show}", auth=alice.auth).status_code == 200
    for ep in unmarked:
        r = httpx.put(f"{servers[1].url}/v1/user/episodes/{ep}", json={"type": 0}, auth=alice.auth)
        assert r.status_code == 200
    tag_ids = []
    for name in ("race-a", "race-b"):
        r = httpx.post(f"{servers[0].url}/v1/user/tags", json={"name": name}, auth=alice.auth)
        assert r.status_code == 200, r.text
        tag_ids.append(r.json()["id"])

    plan = Plan()
    for show in follow:
        plan.add(5, Op(alice, "PUT", f"/v1/user/follows/shows/{show}"))
    for show in unfollow:
        plan.add(4, Op(alice, "DELETE", f"/v1/user/follows/shows/{show}"))
    for ep in marked:
        for t in (0, 1, 2):
            plan.ops.append(Op(alice, "PUT", f"/v1/user/episodes/{ep}", {"type": t, "marked_at": 0}, f"mark {ep}"))
    for ep in unmarked:
        plan.add(3, Op(alice, "DELETE", f"/v1/user/episodes/{ep}"))
    for show in voted:
        for v in (1, 3, 5, 7, 9):
            plan.ops.append(Op(alice, "PUT", f"/v1/user/votes/shows/{show}", {"vote": v}, f"vote {show}"))
    for ep in ep_voted:
        for v in (2, 4, 6):
            plan.ops.append(Op(alice, "PUT", f"/v1/user/votes/episodes/{ep}", {"vote": v}, f"epvote {ep}"))
    for show in tagged:
        for tag in tag_ids:
            plan.add(3, Op(alice, "PUT", f"/v1/user/tags/{tag}/shows/{show}"))
    for i in range(10):
        plan.ops.append(Op(alice, "POST", "/v1/user/tags", {"name": f"burst-{i}"}, f"tag {i}"))
    # Bob works on the same objects at the same time: none of it may show up in Alice's data.
    for show in follow + unfollow:
        plan.add(3, Op(bob, "PUT", f"/v1/user/follows/shows/{show}"))
    for ep in marked:
        plan.add(2, Op(bob, "PUT", f"/v1/user/episodes/{ep}", {"type": 1, "marked_at": 1_700_000_000}))

    random.Random(7).shuffle(plan.ops)
    assert len(plan.ops) >= 250
    responses = asyncio.run(_run(servers, plan.ops))

    by_group: dict[str, Counter[int]] = defaultdict(Counter)
    for op, r in zip(plan.ops, responses, strict=True):
        assert r.status_code < 500, f"{op.method} {op.path}: {r.status_code} {r.text}"
        by_group[f"{op.user.username} {op.group}"][r.status_code] += 1
    for group, statuses in by_group.items():
        if " DELETE " in f" {group} ":
            # Exactly one delete finds the object; the others find it gone.
            assert set(statuses) <= {200, 404} and statuses[200] == 1, (group, statuses)
        else:
            assert set(statuses) == {200}, (group, statuses)

    # Final state, read from each process: the same, with one entry per object.
    for server in servers:
        follows = [f["show_id"] for f in _get(server, alice, "/v1/user/follows/shows")]
        assert sorted(follows) == sorted(follow)
        marks = {m["episode_id"]: m for m in _get(server, alice, "/v1/user/episodes")}
        assert sorted(marks) == sorted(marked)
        assert all(m["type"] in (0, 1, 2) and m["marked_at"] == 0 for m in marks.values())
        votes = {v["show_id"]: v["vote"] for v in _get(server, alice, "/v1/user/votes/shows")}
        assert sorted(votes) == sorted(voted) and set(votes.values()) <= {1, 3, 5, 7, 9}
        ep_votes = {v["episode_id"]: v["vote"] for v in _get(server, alice, "/v1/user/votes/episodes")}
        assert sorted(ep_votes) == sorted(ep_voted) and set(ep_votes.values()) <= {2, 4, 6}
        tags = _get(server, alice, "/v1/user/tags")
        assert sorted(t["name"] for t in tags) == sorted(["race-a", "race-b"] + [f"burst-{i}" for i in range(10)])
        for tag in tag_ids:
            assert sorted(i["show_id"] for i in _get(server, alice, f"/v1/user/tags/{tag}/shows")) == sorted(tagged)
        bob_follows = [f["show_id"] for f in _get(server, bob, "/v1/user/follows/shows")]
        assert sorted(bob_follows) == sorted(follow + unfollow)
        bob_marks = _get(server, bob, "/v1/user/episodes")
        assert sorted(m["episode_id"] for m in bob_marks) == sorted(marked)
        assert {(m["type"], m["marked_at"]) for m in bob_marks} == {(1, 1_700_000_000)}

    # And in the database itself: no duplicate rows anywhere (whatever the constraints say).
    async def duplicates(conn: Conn) -> dict[str, int]:
        keys = {
            "followed_shows": "user_id, show_id",
            "marked_episodes": "user_id, episode_id",
            "show_votes": "user_id, show_id",
            "episode_votes": "user_id, episode_id",
            "tags": "user_id, name",
            "tag_shows": "tag_id, show_id",
        }
        out = {}
        for table, cols in keys.items():
            out[table] = int(
                await conn.fetch_val(
                    f"SELECT COUNT(*) FROM (SELECT {cols} FROM {table} GROUP BY {cols} HAVING COUNT(*) > 1) d"
                )
            )
        return out

    assert run_sync(database_url, duplicates) == dict.fromkeys(
        ["followed_shows", "marked_episodes", "show_votes", "episode_votes", "tags", "tag_shows"], 0
    )
