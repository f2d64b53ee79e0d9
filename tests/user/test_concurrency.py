"""Concurrent writes that race on the same constraint end as 200/404/422, never a 500 and never
a half-applied write. On PostgreSQL the requests really overlap (a connection pool, one
transaction each); on SQLite the write lock serialises them, and the same outcomes must hold."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import ApiUser, run_sync
from tests.user.conftest import Ids


async def _run(
    app: FastAPI, user: ApiUser, calls: list[tuple[str, str, dict[str, Any] | None]]
) -> list[httpx.Response]:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        return list(
            await asyncio.gather(
                *(client.request(method, url, json=body, headers=user.headers) for method, url, body in calls)
            )
        )


def _statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


def test_racing_creates_and_renames_to_one_name(app: FastAPI, alice: ApiUser) -> None:
    created = _run(app, alice, [("POST", "/v1/user/tags", {"name": "Same"}) for _ in range(8)])
    created_statuses = _statuses(asyncio.run(created))
    assert created_statuses == Counter({200: 1, 422: 7})

    async def rename_race() -> list[httpx.Response]:
        setup = await _run(app, alice, [("POST", "/v1/user/tags", {"name": f"T{i}"}) for i in range(6)])
        ids = [r.json()["id"] for r in setup]
        return await _run(app, alice, [("PATCH", f"/v1/user/tags/{i}", {"name": "Target"}) for i in ids])

    assert _statuses(asyncio.run(rename_race())) == Counter({200: 1, 422: 5})

    async def names() -> list[str]:
        (r,) = await _run(app, alice, [("GET", "/v1/user/tags", None)])
        return sorted(t["name"] for t in r.json())

    got = asyncio.run(names())
    assert got.count("Same") == 1 and got.count("Target") == 1 and len(got) == 7


def test_racing_follows_marks_and_votes_are_idempotent(app: FastAPI, alice: ApiUser, ids: Ids) -> None:
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        *(("PUT", f"/v1/user/follows/shows/{ids.show}", None) for _ in range(5)),
        *(("PUT", f"/v1/user/episodes/{ids.episode}", {"type": 1, "marked_at": 7}) for _ in range(5)),
        *(("PUT", f"/v1/user/votes/shows/{ids.show}", {"vote": 6}) for _ in range(5)),
    ]
    assert _statuses(asyncio.run(_run(app, alice, calls))) == Counter({200: 15})

    async def lists() -> list[Any]:
        urls = ["/v1/user/follows/shows", "/v1/user/episodes", "/v1/user/votes/shows"]
        return [r.json() for r in await _run(app, alice, [("GET", u, None) for u in urls])]

    follows, marks, votes = asyncio.run(lists())
    assert follows == [{"show_id": ids.show}]
    assert marks == [{"episode_id": ids.episode, "marked_at": 7, "type": 1}]
    assert [(v["show_id"], v["vote"]) for v in votes] == [(ids.show, 6)]


def test_tagging_while_the_tag_is_deleted(
    app: FastAPI, alice: ApiUser, demo: list[dict[str, Any]], database_url: str
) -> None:
    async def race() -> tuple[list[httpx.Response], list[httpx.Response]]:
        (tag,) = await _run(app, alice, [("POST", "/v1/user/tags", {"name": "Doomed"})])
        tag_id = tag.json()["id"]
        calls: list[tuple[str, str, dict[str, Any] | None]] = [
            ("PUT", f"/v1/user/tags/{tag_id}/shows/{show['id']}", None) for show in demo[:10]
        ]
        calls.insert(5, ("DELETE", f"/v1/user/tags/{tag_id}", None))
        raced = await _run(app, alice, calls)
        after = await _run(app, alice, [("GET", f"/v1/user/tags/{tag_id}/shows", None), ("GET", "/v1/user/tags", None)])
        return raced, after

    raced, (shows_after, tags_after) = asyncio.run(race())
    assert set(_statuses(raced)) <= {200, 404}
    assert raced[5].status_code == 200  # the delete itself
    assert shows_after.status_code == 404
    assert tags_after.json() == []

    async def leftovers(conn: Any) -> int:
        return int(await conn.fetch_val("SELECT COUNT(*) FROM tag_shows WHERE user_id = :u", {"u": alice.id}))

    assert run_sync(database_url, leftovers) == 0
