"""Importing a big Trakt history: 50,000 plays against a local catalog.

    python -m bench.imports                       # SQLite, 50,000 plays
    python -m bench.imports --items 5000          # a smaller run
    python -m bench.imports --postgres-url postgresql://postgres@127.0.0.1:5432/postgres

A fresh database holds the demo catalog plus synthetic shows (20 episodes each) with
enough episodes for one play of each; the plays are written into a Trakt export ZIP the
way Trakt pages its history (`watched-history-N.json`, 10,000 plays a file), each naming
its show by TheTVDB id and its episode by season and number, as Trakt does. Timed, for a
user with no data: the whole import as `openmaze import trakt FILE --no-fetch` runs it
(reading the ZIP, matching, writing in chunks); then the same import again (every play
already there: the idempotent re-run). The goal (docs/performance.md): under 15 s for
50,000 plays on SQLite. Results go to `bench/results/imports-<backend>.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import platform
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

import orjson

from bench.seed import load_catalog
from openmaze.auth import accounts
from openmaze.db import migrate
from openmaze.db.database import Database, create_database
from openmaze.imports.sources import import_file

RESULTS = Path(__file__).parent / "results"
PAGE = 10_000
EPISODES_PER_SHOW = 20
GOAL_SECONDS = 15.0


def trakt_export(rows: list[Any]) -> bytes:
    """Plays of (TheTVDB id, show name, season, number), a minute apart, newest first."""
    plays = [
        {
            "id": n + 1,
            "watched_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(1_700_000_000 - 60 * n)),
            "action": "watch",
            "type": "episode",
            "episode": {"season": season, "number": number, "title": None, "ids": {"trakt": n, "tvdb": None}},
            "show": {"title": name, "year": None, "ids": {"trakt": tvdb, "slug": None, "tvdb": tvdb, "imdb": None}},
        }
        for n, (tvdb, name, season, number) in enumerate(rows)
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for page, start in enumerate(range(0, len(plays), PAGE)):
            archive.writestr(f"watched-history-{page + 1}.json", orjson.dumps(plays[start : start + PAGE]))
    return buffer.getvalue()


async def _prepare(db: Database, items: int) -> tuple[int, list[Any]]:
    await load_catalog(db, -(-items // EPISODES_PER_SHOW))
    async with db.transaction() as conn:
        user_id = await accounts.create_user(conn, "mover", "mover@example.invalid", premium=1)
    async with db.read() as conn:
        rows = await conn.fetch_all(
            "SELECT s.thetvdb_id, s.name, e.season, e.number FROM episodes e JOIN shows s ON s.id = e.show_id "
            "WHERE s.id > 2000000 AND e.number IS NOT NULL ORDER BY e.id LIMIT :n",
            {"n": items},
        )
    return user_id, [tuple(r) for r in rows]


async def _run(url: str, items: int) -> dict[str, Any]:
    migrate.upgrade(url)
    db = create_database(url)
    await db.open()
    try:
        user_id, rows = await _prepare(db, items)
        if len(rows) < items:
            raise RuntimeError(f"the catalog holds {len(rows)} episodes, fewer than {items}")
        data = trakt_export(rows)
        timings: dict[str, Any] = {"items": items, "zip_bytes": len(data)}
        for run in ("first", "again"):
            started = time.perf_counter()
            cpu = time.process_time()
            report = await import_file(db, user_id, "trakt", data, "bench.zip", now=int(time.time()), upstream_url=None)
            timings[run] = {
                "seconds": round(time.perf_counter() - started, 3),
                "cpu_seconds": round(time.process_time() - cpu, 3),
                **{k: report.total(k) for k in ("created", "updated", "unchanged")},
                "matched": report.matched,
                "unmatched": len(report.unmatched),
            }
        return timings
    finally:
        await db.close()


def _postgres_scratch(url: str) -> tuple[str, str]:
    name = f"openmaze_bench_imports_{uuid.uuid4().hex[:8]}"
    base = url.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--items", type=int, default=50_000, help="plays in the history (default: 50,000)")
    parser.add_argument("--postgres-url", help="run on PostgreSQL instead (a scratch database is created there)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="folder for the JSON result")
    args = parser.parse_args(argv)
    backend = "postgresql" if args.postgres_url else "sqlite"
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres_url:
            import psycopg

            name, url = _postgres_scratch(args.postgres_url)
            with psycopg.connect(args.postgres_url, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
            try:
                result = asyncio.run(_run(url, args.items))
            finally:
                with psycopg.connect(args.postgres_url, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
        else:
            result = asyncio.run(_run(f"sqlite:///{tmp}/bench.sqlite3", args.items))
    result["backend"] = backend
    result["machine"] = {"python": platform.python_version(), "platform": platform.platform()}
    first, again = result["first"], result["again"]
    print(
        f"{backend}: {args.items} Trakt plays imported in {first['seconds']} s "
        f"({first['created']} created, {first['unmatched']} unmatched); again (nothing to change) in "
        f"{again['seconds']} s ({again['unchanged']} unchanged)"
    )
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / f"imports-{backend}.json").write_text(json.dumps(result, indent=2) + "\n")
    if backend == "sqlite" and args.items >= 50_000 and first["seconds"] >= GOAL_SECONDS:
        print(f"slower than the goal of {GOAL_SECONDS} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
