"""Scrobbling throughput: `POST /v1/scrobble/episodes` with 100, 1,000 and 10,000 items.

    python -m bench.scrobble                                   # SQLite
    python -m bench.scrobble --postgres-url postgresql://postgres@127.0.0.1:5432/postgres

Starts a real `openmaze serve` (one worker, uvloop + httptools, no access log) on a fresh
database holding a synthetic catalog with enough episodes, creates a free (premium 0) user,
and times whole HTTP requests from a client on loopback, Kodi-shaped items
(`{"episode_id", "type", "marked_at"}`), bodies serialised before the clock starts:
- `insert`: the user has no marks (cleared between runs, outside the timing);
- `update`: the same request again, every item re-scrobbling an existing mark.

In the same run it measures the floor the server is compared with: the raw upsert of the
same rows straight through the driver, in one transaction, with no lookup and no HTTP (stdlib
sqlite3 `executemany`; on PostgreSQL asyncpg with the rows as arrays through `unnest`, the
fastest raw way found, which the server uses too), and the round trip of a trivial
authenticated request.
It prints items/second per size, the ratio to the raw upsert, and the scaling factor
between sizes (10.0 between sizes ten times apart means linear cost). Results go to
`bench/results/scrobble-<backend>.json`. With PostgreSQL, the URL names a server and a
database to connect to; the benchmark creates its own database there and drops it after.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from openmaze.auth import accounts
from openmaze.catalog.demo import demo_shows
from openmaze.catalog.importer import parse_document, write_batch
from openmaze.db import migrate
from openmaze.db.database import Conn, create_database, normalize_url
from openmaze.marks.service import UPSERT_MARK, UPSERT_MARKS_ARRAYS

SECRET = "bench-secret-not-for-production"
RESULTS = Path(__file__).parent / "results"


@dataclass
class Setup:
    url: str
    user_id: int
    auth: tuple[str, str]
    episode_ids: list[int]


def _catalog_for(max_items: int) -> list[dict[str, Any]]:
    count = 60
    while True:
        shows = demo_shows(count=count)
        if sum(len(s["_embedded"]["episodes"]) for s in shows) >= max_items:
            return shows
        count *= 2


async def _prepare(url: str, max_items: int) -> Setup:
    migrate.upgrade(url)
    db = create_database(url)
    await db.open()
    try:
        async with db.transaction() as conn:
            await write_batch(conn, parse_document(_catalog_for(max_items), "bench catalog"))
            user_id = await accounts.create_user(conn, "bencher", "bencher@example.com", premium=0)
            key = await accounts.create_key(conn, SECRET.encode(), user_id, "bench")
            rows = await conn.fetch_all("SELECT id FROM episodes ORDER BY id")
    finally:
        await db.close()
    return Setup(url, user_id, ("bencher", key.key), [r[0] for r in rows])


async def _on_conn(url: str, fn: Callable[[Conn], Any]) -> None:
    db = create_database(url)
    await db.open()
    try:
        async with db.transaction() as conn:
            await fn(conn)
    finally:
        await db.close()


def _clear_marks(setup: Setup) -> None:
    async def clear(conn: Conn) -> None:
        await conn.execute("DELETE FROM marked_episodes WHERE user_id = :u", {"u": setup.user_id})

    asyncio.run(_on_conn(setup.url, clear))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(url: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "OPENMAZE_DATABASE_URL": url,
        "OPENMAZE_SECRET_KEY": SECRET,
        "OPENMAZE_DATA_DIR": str(data_dir),
    }
    log = (data_dir / "server.log").open("wb")
    cmd = [sys.executable, "-m", "openmaze", "serve", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early, see {data_dir / 'server.log'}")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def _rows(setup: Setup, size: int) -> list[dict[str, Any]]:
    return [
        {"episode_id": e, "type": i % 3, "marked_at": 1_700_000_000 + i} for i, e in enumerate(setup.episode_ids[:size])
    ]


def _raw_upsert_seconds(setup: Setup, size: int) -> float:
    """The same rows through the bare driver: the floor for the server's write."""
    # show_id is denormalised data the server looks up; the floor writes a constant.
    rows = [{**r, "user_id": setup.user_id, "show_id": 0} for r in _rows(setup, size)]
    if setup.url.startswith("sqlite"):
        raw = sqlite3.connect(setup.url.split(":///", 1)[1], isolation_level=None)
        raw.execute("PRAGMA synchronous=NORMAL")
        try:
            start = time.perf_counter()
            raw.execute("BEGIN IMMEDIATE")
            raw.executemany(UPSERT_MARK, rows)
            raw.execute("COMMIT")
            return time.perf_counter() - start
        finally:
            raw.close()

    async def pg() -> float:
        import asyncpg

        conn = await asyncpg.connect(normalize_url(setup.url))
        try:
            sql = UPSERT_MARKS_ARRAYS
            for i, name in enumerate(("user_id", "episode_ids", "show_ids", "types", "marked_ats"), 1):
                sql = sql.replace(f":{name}", f"${i}")
            columns = [[r[k] for r in rows] for k in ("episode_id", "show_id", "type", "marked_at")]
            start = time.perf_counter()
            async with conn.transaction():
                await conn.execute(sql, setup.user_id, *columns)
            return time.perf_counter() - start
        finally:
            await conn.close()

    return asyncio.run(pg())


def _timed_post(client: httpx.Client, body: bytes, size: int) -> float:
    start = time.perf_counter()
    r = client.post("/v1/scrobble/episodes", content=body, headers={"Content-Type": "application/json"})
    elapsed = time.perf_counter() - start
    if r.status_code != 200:
        raise RuntimeError(f"unexpected {r.status_code}: {r.text[:300]}")
    results = orjson.loads(r.content)
    if len(results) != size or any(x["code"] != 200 for x in results):
        raise RuntimeError("unexpected results")
    return elapsed


def run(url: str, backend: str, sizes: list[int], repeat: int, data_dir: Path) -> dict[str, Any]:
    setup = asyncio.run(_prepare(url, max(sizes)))
    process, base = _start_server(url, data_dir)
    try:
        with httpx.Client(base_url=base, auth=setup.auth, timeout=120) as client:
            for _ in range(20):  # warm up: auth cache, prepared statements, code paths
                client.get("/v1/auth/validate")
            trivial = statistics.median(_time(lambda: client.get("/v1/auth/validate")) for _ in range(200))
            client.post("/v1/scrobble/episodes", json=_rows(setup, 100))
            figures = []
            for size in sizes:
                body = orjson.dumps(_rows(setup, size))
                inserts, updates, raws = [], [], []
                for _ in range(repeat):
                    _clear_marks(setup)
                    inserts.append(_timed_post(client, body, size))
                    updates.append(_timed_post(client, body, size))
                    _clear_marks(setup)
                    raws.append(_raw_upsert_seconds(setup, size))
                insert, update, raw = statistics.median(inserts), statistics.median(updates), statistics.median(raws)
                figures.append(
                    {
                        "items": size,
                        "body_bytes": len(body),
                        "insert_seconds": round(insert, 5),
                        "update_seconds": round(update, 5),
                        "insert_items_per_second": round(size / insert),
                        "update_items_per_second": round(size / update),
                        "insert_seconds_min": round(min(inserts), 5),
                        "update_seconds_min": round(min(updates), 5),
                        "raw_upsert_seconds": round(raw, 5),
                        "raw_upsert_items_per_second": round(size / raw),
                        "insert_vs_raw_upsert": round(insert / raw, 2),
                    }
                )
    finally:
        process.terminate()
        process.wait(timeout=15)
    scaling = [
        {
            "from": a["items"],
            "to": b["items"],
            "items_factor": round(b["items"] / a["items"], 2),
            "insert_time_factor": round(b["insert_seconds"] / a["insert_seconds"], 2),
            "update_time_factor": round(b["update_seconds"] / a["update_seconds"], 2),
        }
        for a, b in itertools.pairwise(figures)
    ]
    return {
        "benchmark": "scrobble",
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "backend": backend,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "repeat": repeat,
        "trivial_request_seconds": round(trivial, 6),
        "sizes": figures,
        "scaling": scaling,
    }


def _time(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def report(result: dict[str, Any]) -> str:
    lines = [
        f"scrobble benchmark on {result['backend']} ({result['machine']['cpus']} cpus, median of {result['repeat']})",
        f"trivial authenticated request: {result['trivial_request_seconds'] * 1000:.2f} ms; "
        f"load average {result['load_average_at_end']} (other work on the machine skews figures)",
        f"{'items':>7} {'insert ms':>10} {'items/s':>9} {'update ms':>10} {'items/s':>9} "
        f"{'raw upsert ms':>14} {'items/s':>9} {'insert/raw':>10}",
    ]
    for f in result["sizes"]:
        lines.append(
            f"{f['items']:>7} {f['insert_seconds'] * 1000:>10.1f} {f['insert_items_per_second']:>9} "
            f"{f['update_seconds'] * 1000:>10.1f} {f['update_items_per_second']:>9} "
            f"{f['raw_upsert_seconds'] * 1000:>14.1f} {f['raw_upsert_items_per_second']:>9} "
            f"{f['insert_vs_raw_upsert']:>10.2f}"
        )
    fastest = ", ".join(f"{f['items']}: {f['insert_seconds_min'] * 1000:.1f}" for f in result["sizes"])
    lines.append(f"fastest insert run (ms): {fastest}")
    for s in result["scaling"]:
        lines.append(
            f"{s['from']} -> {s['to']} items (x{s['items_factor']:g}): insert time x{s['insert_time_factor']}, "
            f"update time x{s['update_time_factor']}"
        )
    return "\n".join(lines)


def _pg_admin(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(normalize_url(admin_url), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scrobble", description=__doc__.split("\n")[0])
    parser.add_argument("--postgres-url", help="also run on PostgreSQL (a scratch database is created there)")
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated item counts")
    parser.add_argument("--repeat", type=int, default=5, help="runs per size (the median is reported)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory for the JSON results")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    runs: list[tuple[str, str | None]] = []
    if not args.no_sqlite:
        runs.append(("sqlite", None))
    if args.postgres_url:
        runs.append(("postgresql", args.postgres_url))
    for backend, admin_url in runs:
        with tempfile.TemporaryDirectory(prefix="openmaze-bench-") as tmp:
            data_dir = Path(tmp)
            if admin_url is None:
                result = run(f"sqlite:///{data_dir / 'bench.sqlite3'}", backend, sizes, args.repeat, data_dir)
            else:
                name = f"openmaze_bench_{uuid.uuid4().hex[:10]}"
                _pg_admin(admin_url, f'CREATE DATABASE "{name}"')
                try:
                    url = normalize_url(admin_url).rsplit("/", 1)[0] + "/" + name
                    result = run(url, backend, sizes, args.repeat, data_dir)
                finally:
                    _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(report(result), flush=True)
        path = args.out / f"scrobble-{backend}.json"
        path.write_text(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")
        print(f"written to {path}\n", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
