"""Benchmark openmaze against the raw-ASGI limit, on SQLite and (given a URL) PostgreSQL.

    python -m bench.run [--postgres postgresql://user@host/db] [--quick]

For each backend: a fresh database, the demo catalog plus synthetic shows, 1,000 users
(a heavy one with 300 follows, 5,000 marks, 200+200 votes, 20 tags), then
1. throughput: each endpoint of `bench.endpoints` under wrk -c32 against `openmaze serve`
   (one worker), interleaved with the same load on `bench.raw_app` serving the bytes
   openmaze answered with: the endpoint's share of the limit;
2. memory: the server's peak RSS after (1), and again on a 100,000-episode catalog;
3. scaling: one-connection latency of a list of 50 / 500 / 5,000 marks and of a bulk
   scrobble of 100 / 1,000 / 10,000 items, with the growth exponent between sizes.
Results: bench/results/latest.json and latest.md (--quick: quick.json / quick.md).
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from bench.endpoints import Endpoint, endpoint_table, json_request, scrobble_body
from bench.load import Request, run_load, timed_requests, wrk_path
from bench.report import write_markdown
from bench.seed import Seeded, grow_catalog_to, load_catalog, seed_users
from bench.servers import Server, start_openmaze, start_raw
from openmaze.db import migrate
from openmaze.db.database import Database, run_with_database

SECRET = "bench-secret-key-not-for-production"
RESULTS = Path(__file__).resolve().parent / "results"
SUPERLINEAR = 1.15  # growth exponent above which latency grows faster than the item count
T = TypeVar("T")


@dataclass
class Plan:
    seconds: float
    connections: int
    users: int
    synthetic_shows: int
    big_catalog: int
    list_sizes: tuple[int, ...]
    scrobble_sizes: tuple[int, ...]
    scaling_seconds: float
    rounds: int
    only: tuple[str, ...] = ()


FULL = Plan(6, 32, 1000, 300, 100_000, (50, 500, 5000), (100, 1000, 10_000), 2.0, rounds=2)
QUICK = Plan(1, 32, 100, 300, 12_000, (50, 500, 5000), (100, 1000), 0.2, rounds=1)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def prepare_endpoint(url: str, name: str) -> Endpoint:
    """Migrate and seed a quick data set at `url`; the first endpoint whose name contains
    `name`. What the A/B and profiling tools load."""
    migrate.upgrade(url)
    run_with_database(url, lambda db: load_catalog(db, QUICK.synthetic_shows))
    seeded = run_with_database(url, lambda db: seed_users(db, SECRET.encode(), 1000))
    settle(url)
    return next(e for e in endpoint_table(seeded) if name in e.name)


@contextmanager
def scratch_endpoint(name: str, postgres: str | None, prefix: str) -> Iterator[tuple[str, Endpoint, Path]]:
    """(database URL, endpoint, work directory) for the A/B, profiling and in-process tools:
    a quick data set seeded into SQLite in a temporary directory, or into a database of its
    own on the PostgreSQL server `postgres` names (dropped afterwards)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        work = Path(tmp)
        scratch = PostgresScratch(postgres) if postgres else None
        url = scratch.create() if scratch else f"sqlite:///{work / 'bench.sqlite3'}"
        try:
            yield url, prepare_endpoint(url, name), work
        finally:
            if scratch:
                scratch.drop()


def env_pairs(pairs: list[str]) -> dict[str, str]:
    """`--env NAME=VALUE` options as a dict."""
    return dict(pair.split("=", 1) for pair in pairs)


# --- databases -----------------------------------------------------------------------------


def settle(url: str) -> None:
    """PostgreSQL: `VACUUM ANALYZE` after seeding, the state autovacuum brings a live
    database to within a minute or so. Without it the first minutes after a bulk load run
    on no statistics and an unset visibility map (no index-only scans), which measures the
    load, not the server. SQLite has no background equivalent, so it is left as seeded."""
    if not url.startswith("postgresql"):
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


class PostgresScratch:
    """A database of its own on the server the URL names, dropped afterwards."""

    def __init__(self, url: str) -> None:
        self.admin_url = url
        self.name = f"openmaze_bench_{os.getpid()}"
        # Only the path names the database: a Unix-socket URL carries slashes in its query
        # (postgresql://u@/db?host=/var/run/postgresql).
        self.url = urlunsplit(urlsplit(url)._replace(path=f"/{self.name}"))

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create(self) -> str:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}"')
        self._admin(f'CREATE DATABASE "{self.name}"')
        return self.url

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# --- measuring -----------------------------------------------------------------------------


def capture(server: Server, endpoint: Endpoint) -> dict[str, Any] | None:
    """openmaze's answer to the endpoint's request, for the raw app; None if not served."""
    req = endpoint.request
    response = httpx.request(req.method, server.url + req.path, headers=req.headers, content=req.body or None)
    # The router's own 404/405 (not a route's "not found"): the endpoint is not built yet.
    if response.status_code == 405 or (response.status_code == 404 and b"Page not found" in response.content):
        return None
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"{endpoint.name} answered {response.status_code}: {response.text[:300]}")
    headers = [(k, v) for k, v in response.headers.items() if k.lower() == "content-type"]
    try:
        parsed = response.json()
        items = len(parsed) if isinstance(parsed, list) else None
    except ValueError:
        items = None
    return {
        "method": req.method,
        "path": endpoint.raw_prefix or req.path,
        "prefix": endpoint.raw_prefix is not None,
        "status": response.status_code,
        "headers": headers,
        "body": base64.b64encode(response.content).decode(),
        "bytes": len(response.content),
        "items": items,
    }


def verify_raw(raw: Server, endpoints: list[Endpoint], captured: list[dict[str, Any]]) -> None:
    """The limit is only a limit if the raw app sends exactly what openmaze sent."""
    for ep, want in zip(endpoints, captured, strict=True):
        req = ep.request
        got = httpx.request(req.method, raw.url + req.path, headers=req.headers, content=req.body or None)
        if got.status_code != want["status"] or got.content != base64.b64decode(want["body"]):
            raise RuntimeError(f"the raw app does not replay {ep.name} byte for byte")


def throughput(om: Server, raw: Server, endpoints: list[Endpoint], plan: Plan, backend: str) -> list[dict[str, Any]]:
    rows = []
    for ep in endpoints:
        log(f"{backend}: {ep.name}")
        # Warm both (caches, prepared statements), then measure them back to back so that
        # drift in the machine's load touches both figures alike.
        run_load(om.url, ep.request, plan.connections, 1)
        run_load(raw.url, ep.request, plan.connections, 1)
        # Other work on a shared machine only ever slows a run down: keep each side's best round.
        # Server CPU time per request is measured too: it hardly moves with the machine's load.
        mine = limit = None
        cpu = {"openmaze": 0.0, "raw": 0.0}
        done = {"openmaze": 0, "raw": 0}
        for _ in range(plan.rounds):
            for side, server in (("openmaze", om), ("raw", raw)):
                before = server.cpu_seconds()
                got = run_load(server.url, ep.request, plan.connections, plan.seconds)
                cpu[side] += server.cpu_seconds() - before
                done[side] += got.requests
                if side == "openmaze":
                    mine = got if mine is None or got.rps > mine.rps else mine
                else:
                    limit = got if limit is None or got.rps > limit.rps else limit
        assert mine is not None and limit is not None
        cpu_us = {k: round(cpu[k] / max(1, done[k]) * 1e6, 1) for k in cpu}
        share = mine.rps / limit.rps if limit.rps else 0.0
        target = ep.targets.get(backend)
        rows.append(
            {
                "endpoint": ep.name,
                "kind": ep.kind,
                "openmaze": mine.as_dict(),
                "raw": limit.as_dict(),
                "share": round(share, 4),
                "cpu_us_per_request": cpu_us,
                "cpu_share": round(cpu_us["raw"] / cpu_us["openmaze"], 4) if cpu_us["openmaze"] else None,
                "target": target,
                "meets_target": None if target is None else share >= target,
            }
        )
        if mine.bad_status or mine.socket_errors:
            log(f"  WARNING: {mine.bad_status} bad statuses, {mine.socket_errors} socket errors")
        log(
            f"  {mine.rps:.0f} req/s vs raw {limit.rps:.0f} ({share:.1%}), p50 {mine.p50_ms} ms, "
            f"p99 {mine.p99_ms} ms; server CPU/request {cpu_us['openmaze']} µs vs raw {cpu_us['raw']} µs"
        )
    return rows


def growth(sizes: list[int], seconds: list[float]) -> list[float]:
    """Exponent k of latency ~ size^k between consecutive sizes (1.0: linear)."""
    return [
        round(math.log(seconds[i + 1] / seconds[i]) / math.log(sizes[i + 1] / sizes[i]), 3)
        for i in range(len(sizes) - 1)
    ]


def scaling_series(om: Server, name: str, cases: list[tuple[int, Request]], plan: Plan) -> dict[str, Any]:
    """Latency and server CPU time per request at each size, one request at a time.

    Growth is judged on the server's CPU time per request: on a shared machine a 200 ms
    request is preempted many times and a 1 ms one rarely, so wall-clock latency (fastest
    or median alike) bends the curve; CPU time does not count the time spent preempted.
    """
    sizes, costs = [], []
    points = []
    for size, req in cases:
        timed_requests(om.url, req, 1, 0)  # warm
        before = om.cpu_seconds()
        times = timed_requests(om.url, req, 10, plan.scaling_seconds)
        cpu = (om.cpu_seconds() - before) / len(times)
        best, median = min(times), statistics.median(times)
        sizes.append(size)
        costs.append(max(cpu, 1e-6))
        points.append(
            {
                "items": size,
                "min_ms": round(best * 1000, 2),
                "median_ms": round(median * 1000, 2),
                "cpu_ms": round(cpu * 1000, 3),
                "cpu_per_item_us": round(cpu / size * 1e6, 2),
                "reps": len(times),
            }
        )
        log(
            f"  {name} x{size}: server CPU {cpu * 1000:.2f} ms; "
            f"latency min {best * 1000:.1f} ms, median {median * 1000:.1f} ms"
        )
    exponents = growth(sizes, costs)
    return {
        "name": name,
        "points": points,
        "growth_exponents": exponents,
        "superlinear": any(k > SUPERLINEAR for k in exponents),
    }


def scaling(om: Server, seeded: Seeded, scrobble_pool: list[int], plan: Plan) -> list[dict[str, Any]]:
    out = []
    lists = [(n, json_request("GET", "/v1/user/episodes", seeded.list_users[n])) for n in plan.list_sizes]
    if capture(om, Endpoint("list", "read", lists[0][1])) is not None:
        out.append(scaling_series(om, "GET /v1/user/episodes", lists, plan))
    bulks = [
        (n, json_request("POST", "/v1/scrobble/episodes", seeded.scrobbler, scrobble_body(scrobble_pool[:n])))
        for n in plan.scrobble_sizes
    ]
    if capture(om, Endpoint("bulk", "write", bulks[0][1])) is not None:
        out.append(scaling_series(om, "POST /v1/scrobble/episodes", bulks, plan))
    return out


def hit_all(om: Server, endpoints: list[Endpoint], plan: Plan) -> None:
    for ep in endpoints:
        run_load(om.url, ep.request, plan.connections, max(1.0, plan.seconds / 4))


# --- one backend ---------------------------------------------------------------------------


def run_backend(backend: str, url: str, plan: Plan, workdir: Path) -> dict[str, Any]:
    log(f"{backend}: migrating and seeding {url}")
    migrate.upgrade(url)
    t0 = time.perf_counter()
    run_with_database(url, lambda db: load_catalog(db, plan.synthetic_shows))
    seeded = run_with_database(url, lambda db: seed_users(db, SECRET.encode(), plan.users))
    settle(url)
    log(f"{backend}: seeded in {time.perf_counter() - t0:.1f} s: {seeded.counts}")

    result: dict[str, Any] = {"seed": seeded.counts}
    endpoints = [e for e in endpoint_table(seeded) if not plan.only or any(o in e.name for o in plan.only)]
    om = start_openmaze(url, SECRET, workdir)
    raw: Server | None = None
    try:
        captured, available = [], []
        for ep in endpoints:
            got = capture(om, ep)
            if got is None:
                log(f"{backend}: {ep.name} is not served by this build; skipped")
                continue
            captured.append(got)
            available.append(ep)
        result["responses"] = {
            ep.name: {"status": c["status"], "bytes": c["bytes"], "items": c["items"]}
            for ep, c in zip(available, captured, strict=True)
        }
        result["skipped"] = [ep.name for ep in endpoints if ep not in available]
        responses = workdir / f"responses-{backend}.json"
        responses.write_text(json.dumps(captured))
        raw = start_raw(responses, workdir)
        verify_raw(raw, available, captured)
        result["throughput"] = throughput(om, raw, available, plan, backend)
        result["memory"] = {"bench_catalog": {"episodes": seeded.counts["episodes"], **om.memory_kb()}}
        result["memory"]["raw_app"] = raw.memory_kb()
    finally:
        om.stop()
        if raw is not None:
            raw.stop()

    log(f"{backend}: growing the catalog to {plan.big_catalog:,} episodes")
    episodes = run_with_database(url, lambda db: grow_catalog_to(db, plan.big_catalog))
    pool = run_with_database(url, _unmarked_episodes(seeded.scrobbler.id, max(plan.scrobble_sizes)))
    om = start_openmaze(url, SECRET, workdir)
    try:
        hit_all(om, available, plan)
        result["memory"]["big_catalog"] = {"episodes": episodes, **om.memory_kb()}
    finally:
        om.stop()
    # Growth is about the work of building an answer, so the read cache (which would serve
    # every repeat of a list from memory, whatever its length) is off for this part.
    om = start_openmaze(url, SECRET, workdir, {"OPENMAZE_READ_CACHE_MB": "0"})
    try:
        result["scaling"] = scaling(om, seeded, pool, plan)
        # The peak includes the largest bulk scrobble and list, whichever server saw it.
        peak = om.memory_kb()
        big = result["memory"]["big_catalog"]
        big["VmHWM"] = max(big.get("VmHWM", 0), peak.get("VmHWM", 0))
    finally:
        om.stop()
    return result


def _unmarked_episodes(user_id: int, n: int) -> Callable[[Database], Awaitable[list[int]]]:
    async def fetch(db: Database) -> list[int]:
        async with db.read() as conn:
            rows = await conn.fetch_all(
                "SELECT id FROM episodes WHERE id NOT IN (SELECT episode_id FROM marked_episodes "
                "WHERE user_id = :u) ORDER BY id DESC LIMIT :n",
                {"u": user_id, "n": n},
            )
        return [r[0] for r in rows]

    return fetch


# --- the run -------------------------------------------------------------------------------


def machine(pg_url: str | None) -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_generator": "wrk" if wrk_path() else "python (wrk not installed)",
    }
    if wrk_path():
        out = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        info["wrk"] = (out.stdout or out.stderr).split("[", 1)[0].strip()
    if pg_url:
        import psycopg

        with psycopg.connect(pg_url) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["postgresql"] = row[0] if row else "?"
    return info


def ensure_wrk() -> None:
    """Install Debian's wrk when it is missing and we may (root, apt present); else fall back."""
    if wrk_path() or os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    log("wrk is missing: apt-get install -y wrk")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], capture_output=True)
    if not wrk_path():
        log("could not install wrk: using the Python load generator (it understates throughput)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="also run on PostgreSQL (a scratch database on that server)")
    parser.add_argument("--quick", action="store_true", help="a short run that checks the harness end to end")
    parser.add_argument("--seconds", type=float, help="seconds per load run (default 6; quick 1)")
    parser.add_argument("--rounds", type=int, help="load runs per endpoint and server, best kept (default 2)")
    parser.add_argument("--only", action="append", help="run only endpoints whose name contains this")
    parser.add_argument("--output", type=Path, help="directory for the results (default bench/results)")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.seconds:
        plan.seconds = args.seconds
    if args.rounds:
        plan.rounds = args.rounds
    ensure_wrk()
    out_dir = args.output or RESULTS
    stem = "quick" if args.quick else "latest"
    command = "python -m bench.run" + (" --postgres URL" if args.postgres else "") + (" --quick" if args.quick else "")
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command,
        "machine": machine(args.postgres),
        "plan": plan.__dict__,
        "backends": {},
    }
    if args.only:
        plan.only = tuple(args.only)
    with tempfile.TemporaryDirectory(prefix="openmaze-bench-") as tmp:
        work = Path(tmp)
        results["backends"]["sqlite"] = run_backend("sqlite", f"sqlite:///{work / 'bench.sqlite3'}", plan, work)
        if args.postgres:
            scratch = PostgresScratch(args.postgres)
            try:
                results["backends"]["postgresql"] = run_backend("postgresql", scratch.create(), plan, work)
            finally:
                scratch.drop()
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    (out_dir / f"{stem}.md").write_text(write_markdown(results))
    log(f"wrote {out_dir / (stem + '.json')} and {stem}.md")
    print(write_markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
