"""`GET /schedule/full` on a large catalog: the server's peak memory while it streams every
future episode, against the 200 MB RSS budget.

    python -m bench.schedule [--postgres URL] [--episodes 100000]

Seeds a scratch database with the demo catalog plus synthetic shows (`bench/seed.py`) up to
`--episodes` episodes, moves every synthetic episode into the future (so all of them are in
the full schedule), starts `openmaze serve` (one worker), reads its peak RSS (`VmHWM`) once
warm, streams `/schedule/full` to the end (bytes and episodes counted, nothing kept), reads
the peak again after a second client is served the cached file, and checks a conditional
request is a 304. Results go to
`bench/results/schedule-full-<backend>.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.run import PostgresScratch
from bench.seed import grow_catalog_to
from bench.servers import start_openmaze
from openmaze.db import migrate
from openmaze.db.database import create_database

SECRET = "bench-secret-not-for-production"
RESULTS = Path(__file__).parent / "results"
BUDGET_MB = 200
# Synthetic episodes air from 2000 on; this many days later they are all still to come.
FUTURE_DAYS = 365 * 40


async def _seed(database_url: str, episodes: int) -> int:
    db = create_database(database_url)
    await db.open()
    try:
        total = await grow_catalog_to(db, episodes)
        async with db.transaction() as conn:
            if conn.dialect == "postgresql":
                shift = f"to_char(airdate::date + {FUTURE_DAYS}, 'YYYY-MM-DD')"
            else:
                shift = f"date(airdate, '+{FUTURE_DAYS} days')"
            await conn.execute(f"UPDATE episodes SET airdate = {shift} WHERE id > 20000000")
        return total
    finally:
        await db.close()


def _measure(database_url: str, workdir: Path) -> dict[str, Any]:
    server = start_openmaze(database_url, SECRET, workdir)
    try:
        httpx.get(server.url + "/shows/900001", timeout=30)
        warm = server.memory_kb()
        started = time.perf_counter()
        size = episodes = 0
        tail = b""  # the end of the previous chunk: a key split across two chunks still counts
        with httpx.stream("GET", server.url + "/schedule/full", timeout=600) as r:
            r.raise_for_status()
            etag = r.headers["etag"]
            for chunk in r.iter_bytes():
                size += len(chunk)
                episodes += (tail + chunk).count(b'"airstamp"')
                tail = chunk[-9:]
        seconds = time.perf_counter() - started
        # A second client: the body the first one left in the data folder's cache.
        started = time.perf_counter()
        with httpx.stream("GET", server.url + "/schedule/full", timeout=600) as r:
            cached_size = sum(len(chunk) for chunk in r.iter_bytes())
        cached_seconds = time.perf_counter() - started
        after = server.memory_kb()
        conditional = httpx.get(server.url + "/schedule/full", headers={"If-None-Match": etag}, timeout=60)
        return {
            "episodes_streamed": episodes,
            "body_mb": round(size / 1e6, 1),
            "seconds": round(seconds, 2),
            "cached_seconds": round(cached_seconds, 2),
            "cached_body_same_size": cached_size == size,
            "rss_warm_mb": round(warm["VmRSS"] / 1024, 1),
            "peak_rss_mb": round(after["VmHWM"] / 1024, 1),
            "budget_mb": BUDGET_MB,
            "within_budget": after["VmHWM"] / 1024 < BUDGET_MB,
            "conditional_status": conditional.status_code,
        }
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="PostgreSQL server URL (a scratch database is made there)")
    parser.add_argument("--episodes", type=int, default=100_000, help="catalog size in episodes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.postgres:
            scratch = PostgresScratch(args.postgres)
            database_url = scratch.create()
        else:
            database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        try:
            migrate.upgrade(database_url)
            total = asyncio.run(_seed(database_url, args.episodes))
            result = {
                "backend": "postgresql" if args.postgres else "sqlite",
                "catalog_episodes": total,
                "machine": platform.platform(),
                **_measure(database_url, workdir),
            }
        finally:
            if args.postgres:
                scratch.drop()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"schedule-full-{result['backend']}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
