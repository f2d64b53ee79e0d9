"""Media-server webhooks: 1,000 deliveries matched by title, one after another, as a server
sends them. Budget: under 2 s in all on SQLite.

    python -m bench.hooks [--postgres URL] [--deliveries 1000]

Seeds a scratch database as `bench/seed.py` does (the demo catalog plus 300 synthetic shows,
~8,400 episodes), makes one user, then posts the deliveries straight to the ASGI app
(`bench.inproc`'s way: no server, no sockets): a third each from Plex (multipart with the
`payload` part and a JPEG `thumb`), Jellyfin (the official plugin's JSON as text/plain) and
Emby (JSON), each naming an episode by its show's title, season and number, over shows whose
title is unique in the catalog. Every delivery runs the whole path: token lookup, rate limit,
body parsing, household rule, fixes, title matching, the mark and the log entry, in its own
transaction. A tenth repeat an earlier delivery (`unchanged`). Results go to
`bench/results/hooks-<backend>.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvloop

from bench.run import PostgresScratch, settle
from bench.seed import MAIN_SYNTHETIC_SHOWS, load_catalog
from openmaze.auth import accounts, links
from openmaze.catalog.matching import title_key
from openmaze.db import migrate
from openmaze.db.database import create_database

SECRET = "bench-secret-not-for-production"
RESULTS = Path(__file__).parent / "results"
BUDGET_SECONDS = 2.0
THUMB = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 64 + b"\xff\xd9"  # a ~16 KB stand-in poster


async def _seed(url: str) -> tuple[dict[str, str], list[tuple[str, int, int]]]:
    migrate.upgrade(url)
    db = create_database(url)
    await db.open()
    try:
        await load_catalog(db, MAIN_SYNTHETIC_SHOWS)
        async with db.transaction() as conn:
            user_id = await accounts.create_user(conn, "viewer", "viewer@example.com", premium=1)
            urls = {
                kind: await links.ensure_token(conn, SECRET.encode(), user_id, kind, 0) for kind in links.MEDIA_SERVERS
            }
            names = await conn.fetch_all("SELECT id, name FROM shows")
            episodes = await conn.fetch_all(
                "SELECT show_id, season, number FROM episodes WHERE number IS NOT NULL AND season IS NOT NULL"
            )
    finally:
        await db.close()
    settle(url)
    keys = Counter(title_key(row[1]) for row in names)
    unique = {int(row[0]): row[1] for row in names if keys[title_key(row[1])] == 1}
    targets = [(unique[int(e[0])], int(e[1]), int(e[2])) for e in episodes if int(e[0]) in unique]
    return {k: f"/hooks/{k}/{t}" for k, t in urls.items()}, targets


def _plex(show: str, season: int, number: int) -> tuple[dict[str, str], bytes]:
    payload = {"event": "media.scrobble", "Account": {"title": "viewer"},
               "Metadata": {"type": "episode", "grandparentTitle": show, "parentIndex": season, "index": number,
                            "title": "Episode", "lastViewedAt": 1_700_000_000}}  # fmt: skip
    request = httpx.Request(
        "POST",
        "http://bench/",
        files=[
            ("payload", (None, orjson.dumps(payload), "application/json")),
            ("thumb", ("t.jpg", THUMB, "image/jpeg")),
        ],
    )
    return {"content-type": request.headers["content-type"]}, request.read()


def _jellyfin(show: str, season: int, number: int) -> tuple[dict[str, str], bytes]:
    doc = {"NotificationType": "PlaybackStop", "ItemType": "Episode", "SeriesName": show, "SeasonNumber": season,
           "EpisodeNumber": number, "PlayedToCompletion": True, "NotificationUsername": "viewer",
           "UtcTimestamp": "2026-11-30T20:15:42.1234567Z"}  # fmt: skip
    return {"content-type": "text/plain"}, orjson.dumps(doc)


def _emby(show: str, season: int, number: int) -> tuple[dict[str, str], bytes]:
    item = {"Type": "Episode", "SeriesName": show, "ParentIndexNumber": season, "IndexNumber": number}
    doc = {"Event": "item.markplayed", "User": {"Name": "viewer"}, "Date": "2026-11-30T20:15:42.0000000Z", "Item": item}
    return {"content-type": "application/json"}, orjson.dumps(doc)


BUILDERS = {"plex": _plex, "jellyfin": _jellyfin, "emby": _emby}


def _deliveries(paths: dict[str, str], targets: list[tuple[str, int, int]], count: int) -> list[tuple[str, Any, bytes]]:
    rng = random.Random(7)
    picked = rng.sample(targets, count - count // 10)
    picked += rng.sample(picked, count // 10)  # repeats of earlier deliveries
    out = []
    for n, (show, season, number) in enumerate(picked):
        kind = ("plex", "jellyfin", "emby")[n % 3]
        headers, body = BUILDERS[kind](show, season, number)
        out.append((paths[kind], headers, body))
    return out


def _measure(url: str, deliveries: list[tuple[str, Any, bytes]]) -> dict[str, Any]:
    from openmaze.app import create_app
    from openmaze.settings import Settings

    settings = Settings(database_url=url, secret_key=SECRET, access_log=False, rate_limit_hooks="")
    app = create_app(settings)
    statuses: Counter[str] = Counter()
    http: Counter[int] = Counter()

    async def post(path: str, headers: dict[str, str], body: bytes) -> None:
        raw = [(k.encode(), v.encode()) for k, v in headers.items()]
        raw += [(b"host", b"bench"), (b"content-length", str(len(body)).encode())]
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
                 "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": raw,
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80), "state": {}}  # fmt: skip
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                http[message["status"]] += 1
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        statuses[orjson.loads(b"".join(chunks)).get("status", "error")] += 1

    async def run() -> tuple[float, float]:
        async with app.router.lifespan_context(app):
            start, cpu = time.perf_counter(), time.process_time()
            for path, headers, body in deliveries:
                await post(path, headers, body)
            return time.perf_counter() - start, time.process_time() - cpu

    wall, cpu = uvloop.run(run())
    return {"seconds": wall, "cpu_seconds": cpu, "statuses": dict(statuses), "http": dict(http)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hooks")
    parser.add_argument("--postgres", metavar="URL", help="seed a scratch database on this PostgreSQL server")
    parser.add_argument("--deliveries", type=int, default=1000, help="how many webhook deliveries to post")
    args = parser.parse_args(argv)
    backend = "postgresql" if args.postgres else "sqlite"
    with tempfile.TemporaryDirectory(prefix="openmaze-hooks-") as tmp:
        scratch = PostgresScratch(args.postgres) if args.postgres else None
        url = scratch.create() if scratch else f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        try:
            paths, targets = asyncio.run(_seed(url))
            result = _measure(url, _deliveries(paths, targets, args.deliveries))
        finally:
            if scratch:
                scratch.drop()
    ok = result["seconds"] < BUDGET_SECONDS * args.deliveries / 1000 and set(result["http"]) == {200}
    print(f"{backend}: {args.deliveries} deliveries matched by title over {len(targets)} candidate episodes")
    print(f"  {result['seconds']:.2f} s wall ({result['seconds'] / args.deliveries * 1000:.2f} ms each), "
          f"{result['cpu_seconds']:.2f} s CPU; statuses {result['statuses']}; HTTP {result['http']}")  # fmt: skip
    print(f"  budget {BUDGET_SECONDS:.1f} s per 1,000: {'ok' if ok else 'OVER'}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"hooks-{backend}.json"
    doc = {"backend": backend, "machine": platform.platform(), "deliveries": args.deliveries, **result}
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"written to {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
