"""The library pages' server time for a heavy user: 300 followed shows, 5,000 marks.

    python -m bench.library [--postgres URL] [--calls 30]

Seeds a scratch database as `bench/seed.py` does (the demo catalog, whose current shows air
around today, plus 300 synthetic shows; the `heavy` user follows 300 of them and has 5,000
marks), gives that user a web session and a feed token, and hands each page's request
straight to the ASGI app (`bench.inproc.time_app`: no server, no sockets), fastest of five
rounds. The budget is 50 ms of server time per page.

Baselines in the same run, for the ratios: `GET /v1/user/follows/shows?embed=show` for the
same user (the API list of the same 300 follows, with the read cache off so it is built
each time) and the account dashboard (a page with one list and no library queries).
Results go to `bench/results/library-<backend>.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import platform
import tempfile
from pathlib import Path
from typing import Any

import uvloop

from bench.inproc import time_app
from bench.load import Request
from bench.run import PostgresScratch, settle
from bench.seed import MAIN_SYNTHETIC_SHOWS, load_catalog, seed_users
from openmaze.auth import links
from openmaze.auth.secrets import keyed_hash, random_token
from openmaze.db import migrate
from openmaze.db.database import create_database

SECRET = "bench-secret-not-for-production"
RESULTS = Path(__file__).parent / "results"
BUDGET_MS = 50.0
PAGES = [
    ("my shows", "/library"),
    ("my shows, watching by progress", "/library?filter=watching&sort=progress"),
    ("up next", "/library/upnext"),
    ("calendar, two weeks", "/library/calendar"),
    ("calendar, month", "/library/calendar?view=month"),
    ("show page", "/library/shows/{show}"),
    ("search", "/library/search?q=bench+harbor"),
    ("history", "/library/history"),
    ("follows", "/library/follows"),
    ("iCal feed", "{feed}"),
]


async def _seed(url: str) -> dict[str, Any]:
    migrate.upgrade(url)
    db = create_database(url)
    await db.open()
    try:
        await load_catalog(db, MAIN_SYNTHETIC_SHOWS)
        seeded = await seed_users(db, SECRET.encode(), users=100)
        token = random_token(40)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, expires_at) "
                "VALUES (:h, :u, :c, 0, 4000000000)",
                {"h": keyed_hash(SECRET.encode(), "session:" + token), "u": seeded.heavy.id, "c": random_token(40)},
            )
            feed = await links.ensure_token(conn, SECRET.encode(), seeded.heavy.id, links.ICAL, 0)
            show = await conn.fetch_val(
                "SELECT f.show_id FROM followed_shows f JOIN marked_episodes m ON m.user_id = f.user_id "
                "AND m.show_id = f.show_id WHERE f.user_id = :u ORDER BY f.show_id LIMIT 1",
                {"u": seeded.heavy.id},
            )
            counts = {
                "follows": await conn.fetch_val(
                    "SELECT COUNT(*) FROM followed_shows WHERE user_id = :u", {"u": seeded.heavy.id}
                ),
                "marks": await conn.fetch_val(
                    "SELECT COUNT(*) FROM marked_episodes WHERE user_id = :u", {"u": seeded.heavy.id}
                ),
            }
    finally:
        await db.close()
    settle(url)
    basic = base64.b64encode(f"{seeded.heavy.username}:{seeded.heavy.key}".encode()).decode()
    return {"cookie": f"openmaze_session={token}", "feed": feed, "show": show, "basic": basic, **counts}


def _measure(url: str, seeded: dict[str, Any], calls: int) -> list[dict[str, Any]]:
    from openmaze.app import create_app
    from openmaze.settings import Settings

    settings = Settings(
        database_url=url, secret_key=SECRET, read_cache_mb=0, public_url="http://bench", access_log=False
    )
    app = create_app(settings)
    page_headers = {"Cookie": seeded["cookie"]}
    cases: list[tuple[str, Request, bool]] = [
        ("baseline: GET /v1/user/follows/shows?embed=show", _api(seeded), True),
        ("baseline: dashboard /account", Request("GET", "/account", page_headers), True),
    ]
    for name, template in PAGES:
        path = template.format(show=seeded["show"], feed=f"/ical/followed?token={seeded['feed']}")
        cases.append((name, Request("GET", path, page_headers), False))

    async def run() -> list[dict[str, Any]]:
        rows = []
        async with app.router.lifespan_context(app):
            for name, request, baseline in cases:
                wall, cpu = await time_app(app, request, calls)
                rows.append({"page": name, "path": request.path, "us": wall, "cpu_us": cpu, "baseline": baseline})
        return rows

    rows = uvloop.run(run())
    api = rows[0]["cpu_us"]
    for row in rows:
        row["vs_api_list"] = row["cpu_us"] / api
        row["within_budget"] = row["cpu_us"] / 1000 < BUDGET_MS
    return rows


def _api(seeded: dict[str, Any]) -> Request:
    return Request("GET", "/v1/user/follows/shows?embed=show", {"Authorization": f"Basic {seeded['basic']}"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.library")
    parser.add_argument("--postgres", metavar="URL", help="seed a scratch database on this PostgreSQL server")
    parser.add_argument("--calls", type=int, default=30, help="requests per round (five rounds, fastest kept)")
    args = parser.parse_args(argv)
    backend = "postgresql" if args.postgres else "sqlite"
    with tempfile.TemporaryDirectory(prefix="openmaze-library-") as tmp:
        scratch = PostgresScratch(args.postgres) if args.postgres else None
        url = scratch.create() if scratch else f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        try:
            seeded = asyncio.run(_seed(url))
            rows = _measure(url, seeded, args.calls)
        finally:
            if scratch:
                scratch.drop()
    print(f"{backend}: user with {seeded['follows']} followed shows and {seeded['marks']} marks")
    print(f"{'page':<50} {'CPU ms':>7} {'wall ms':>8} {'x API list':>11}  budget {BUDGET_MS:.0f} ms CPU")
    for row in rows:
        verdict = "" if row["baseline"] else ("ok" if row["within_budget"] else "OVER")
        print(
            f"{row['page']:<50} {row['cpu_us'] / 1000:>7.2f} {row['us'] / 1000:>8.2f} "
            f"{row['vs_api_list']:>11.2f}  {verdict}"
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"library-{backend}.json"
    doc = {"backend": backend, "machine": platform.platform(), "calls": args.calls, "user": seeded, "pages": rows}
    doc["user"] = {k: v for k, v in seeded.items() if k in ("follows", "marks")}
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"written to {out}")
    return 0 if all(r["within_budget"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
