"""The `openmaze` command. Other tools drive openmaze through these exact commands, so
their names, flags and `--json` outputs are a contract (see docs/configuration.md)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from openmaze import __version__
from openmaze.auth import accounts
from openmaze.auth.accounts import AccountError
from openmaze.auth.secrets import random_token
from openmaze.db.database import Conn, Database, run_with_database
from openmaze.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    url = getattr(args, "database_url", None)
    settings = Settings()
    if url:
        settings = settings.model_copy(update={"database_url": url})
    return settings


def _migrate(database_url: str) -> str | None:
    """Upgrade to head; returns the head revision. Alembic is slow to import, so only the
    commands that migrate pay for it."""
    from openmaze.db import migrate

    migrate.upgrade(database_url)
    return migrate.head_revision()


def _run_db(settings: Settings, fn: Callable[[Database], Awaitable[Any]]) -> Any:
    return run_with_database(settings.resolved_database_url(), fn)


def _tx(settings: Settings, fn: Callable[[Conn], Awaitable[Any]]) -> Any:
    async def in_tx(db: Database) -> Any:
        async with db.transaction() as conn:
            return await fn(conn)

    return _run_db(settings, in_tx)


def _when(epoch: int | None) -> str:
    if not epoch:
        return "never"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _print_json(obj: Any) -> None:
    sys.stdout.write(orjson.dumps(obj).decode() + "\n")


# --- commands ---------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    print(f"database at revision {_migrate(settings.resolved_database_url())}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from openmaze.core.accesslog import uvicorn_log_config

    settings = _settings(args)
    new_token = False
    # Workers are separate processes that build their settings from the environment.
    if args.database_url:
        os.environ["OPENMAZE_DATABASE_URL"] = args.database_url
    if args.no_access_log:
        os.environ["OPENMAZE_ACCESS_LOG"] = "false"
    if args.sandbox or settings.sandbox:
        if args.workers != 1:
            # The clock, fault rules and journal live in the process: every request must
            # reach the same one.
            print("error: --sandbox runs one worker (its clock, faults and journal are in memory)", file=sys.stderr)
            return 2
        settings, new_token = _enable_sandbox(settings)
    url = settings.resolved_database_url()
    settings.resolved_secret_key()  # fail before starting workers if no secret can be had
    for warning in _worker_warnings(settings, args.workers):
        print(f"warning: {warning}", file=sys.stderr)
    _migrate(url)
    if args.demo:
        _load_demo(settings, args.host, args.port)
    if not settings.public_url:
        os.environ.setdefault("OPENMAZE_PUBLIC_URL", f"http://{_display_host(args.host)}:{args.port}")
    if settings.sandbox:
        _sandbox_banner(args.host, args.port, settings.sandbox_token if new_token else None)
    uvicorn.run(
        "openmaze.app:serve_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        log_level=args.log_level,
        log_config=uvicorn_log_config(args.log_level),
        # openmaze's own access log (openmaze.core.accesslog) names the user; uvicorn's cannot.
        access_log=False,
        proxy_headers=settings.trust_proxy_headers,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=args.graceful_timeout,
    )
    return 0


def _worker_warnings(settings: Settings, workers: int) -> list[str]:
    """Several workers are allowed on SQLite (it is safe: WAL, `busy_timeout`, and
    `BEGIN IMMEDIATE` serialise writers across processes), but say what it does not give."""
    if workers < 2:
        return []
    warnings = []
    if not settings.resolved_database_url().startswith("postgres"):
        warnings.append(
            f"{workers} workers on SQLite: safe, but writes take turns on one file lock and all "
            "workers must be on this host; use PostgreSQL to scale further"
        )
    if not settings.redis_url:
        warnings.append(
            f"{workers} workers without OPENMAZE_REDIS_URL: each worker keeps its own rate-limit "
            f"counts, so every limit is effectively {workers} times higher"
        )
    return warnings


def _enable_sandbox(settings: Settings) -> tuple[Settings, bool]:
    """Sandbox settings for the worker (which reads the environment): on, with a token.
    True when the token was made here (and so must be shown)."""
    os.environ["OPENMAZE_SANDBOX"] = "true"
    token = settings.sandbox_token or random_token(32)
    os.environ["OPENMAZE_SANDBOX_TOKEN"] = token
    return settings.model_copy(update={"sandbox": True, "sandbox_token": token}), not settings.sandbox_token


def _sandbox_banner(host: str, port: int, new_token: str | None) -> None:
    base = f"http://{_display_host(host)}:{port}"
    print("SANDBOX MODE: for testing TVmaze clients, NOT for real data. Whoever has the sandbox token")
    print("can read every request sent here (the journal), move the clock and wipe the database.")
    print(f"Sandbox API: {base}/_sandbox/  (docs/sandbox.md; OpenAPI: {base}/docs, tag 'sandbox')")
    # A token given by the environment is the caller's already; only a new one is shown.
    print(f"Sandbox token: {new_token}" if new_token else "Sandbox token: the one in OPENMAZE_SANDBOX_TOKEN")
    sys.stdout.flush()


def _display_host(host: str) -> str:
    return "localhost" if host in ("0.0.0.0", "127.0.0.1", "::") else host


def _load_demo(settings: Settings, host: str, port: int) -> None:
    from openmaze.catalog.demo import demo_shows
    from openmaze.catalog.importer import catalog_is_empty, parse_document, write_batch

    secret = settings.resolved_secret_key()

    async def load(db: Database) -> tuple[str, bool, str | None]:
        loaded = False
        password = None
        async with db.read() as conn:
            user = await accounts.find_user(conn, "demo")
        if user is None or user["password_hash"] is None:
            # A web password too, so the account pages can be tried; shown only when
            # made, and never replacing one the person set themselves.
            password = random_token(12)
        hashed = await accounts.new_password(password) if password is not None else None
        async with db.transaction() as conn:
            if await catalog_is_empty(conn):
                await write_batch(conn, parse_document(demo_shows(), "demo catalog"))
                loaded = True
            user = await accounts.find_user(conn, "demo")
            if user is None:
                user_id = await accounts.create_user(conn, "demo", "demo@openmaze.invalid", premium=3, password=hashed)
            else:
                user_id = user["id"]
                if hashed is not None and user["password_hash"] is None:
                    await accounts.set_password(conn, user_id, hashed)
            # The key cannot be shown again once made, so each start makes a fresh one and
            # retires the one the previous start printed.
            for key in await accounts.list_keys(conn, user_id):
                if key["name"] == "serve --demo":
                    await accounts.revoke_key(conn, user_id, key["id"])
            new = await accounts.create_key(conn, secret, user_id, "serve --demo")
            return new.key, loaded, password

    key, loaded, password = _run_db(settings, load)
    base = f"http://{_display_host(host)}:{port}"
    if loaded:
        print("Loaded the demo catalog (50 made-up shows).")
    print(f"Demo user: demo   API key: {key}")
    print(f"Try:  curl -u demo:{key} {base}/v1/auth/validate")
    if password is not None:
        print(f"Account pages: {base}/login  (user demo, password {password}; shown only this once)")
    sys.stdout.flush()


def cmd_catalog_import(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from openmaze.catalog.importer import CatalogError, count_shows, import_files

    settings = _settings(args)
    _migrate(settings.resolved_database_url())
    paths = [Path(p) for p in args.files]
    with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("importing shows", total=sum(count_shows(p) for p in paths))

        def on_shows(name: str, n: int) -> None:
            progress.advance(task, n)

        try:
            totals = _run_db(settings, lambda db: import_files(db, paths, on_shows))
        except CatalogError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print(
        f"imported {totals['files']} file(s): {totals['shows']} shows, {totals['episodes']} episodes, "
        f"{totals['people']} people, {totals['networks']} networks, {totals['webchannels']} web channels"
    )
    return 0


def cmd_catalog_sync(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from openmaze.catalog.sync import Scope, SyncBusy, UpstreamError, sync_catalog
    from openmaze.catalog.upstream import Upstream

    settings = _settings(args)
    _migrate(settings.resolved_database_url())
    upstream_url = args.upstream or settings.sync_upstream
    scope: Scope = "shows" if args.shows else "all" if args.all else "followed" if args.followed else "local"
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, disable=not sys.stderr.isatty()) as progress:
        reporter = _ProgressReporter(progress)

        async def run(db: Database) -> Any:
            async with Upstream(upstream_url) as upstream:
                return await sync_catalog(db, upstream, scope, args.shows or (), reporter, force=args.force)

        try:
            report = _run_db(settings, run)
        except SyncBusy as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except UpstreamError as exc:
            print(f"error: {exc}\nprogress is saved: run the same command again to resume", file=sys.stderr)
            return 1
    print(f"synced from {upstream_url}: {report.summary()}")
    if report.missing:
        print(f"gone upstream (kept, flagged missing_upstream): {' '.join(map(str, report.missing))}")
    return 0


def _show_id(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise argparse.ArgumentTypeError(f"not a show id: {text!r}")
    return int(text)


class _ProgressReporter:
    """The sync's progress as a rich bar (one bar per stage)."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress
        self.task: Any = None

    def stage(self, description: str, total: int | None) -> None:
        self.task = self.progress.add_task(description, total=total)

    def advance(self, n: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)


def _read_password(args: argparse.Namespace) -> str | None:
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\r\n")
    return None


def cmd_user_create(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _migrate(settings.resolved_database_url())
    secret = settings.resolved_secret_key()
    password = _read_password(args)
    hashed = asyncio.run(accounts.new_password(password)) if password is not None else None

    async def create(conn: Conn) -> str:
        user_id = await accounts.create_user(
            conn,
            args.username,
            args.email,
            premium=args.premium,
            password=hashed,
            email_confirmed=not args.unconfirmed,
        )
        return (await accounts.create_key(conn, secret, user_id, args.key_name)).key

    key = _tx(settings, create)
    if args.json:
        _print_json({"username": args.username, "apikey": key})
    else:
        print(f"created user {args.username}; API key (shown once): {key}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    rows = _tx(_settings(args), accounts.list_users)
    users = [
        {
            "username": r["username"],
            "email": r["email"],
            "email_confirmed": bool(r["email_confirmed"]),
            "premium": r["premium"],
            "keys": r["keys"],
            "created_at": r["created_at"],
        }
        for r in rows
    ]
    if args.json:
        _print_json(users)
    else:
        for u in users:
            print(f"{u['username']:<24} {u['email']:<32} premium={u['premium']} keys={u['keys']}")
    return 0


def cmd_user_set_premium(args: argparse.Namespace) -> int:
    _tx(_settings(args), lambda conn: accounts.set_premium(conn, args.username, args.level))
    print(f"{args.username}: premium {args.level}")
    return 0


def cmd_user_delete(args: argparse.Namespace) -> int:
    _tx(_settings(args), lambda conn: accounts.delete_user(conn, args.username))
    print(f"deleted user {args.username} and all their data")
    return 0


def cmd_user_set_password(args: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        password = getpass.getpass("New password: ")
        if getpass.getpass("Repeat it: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")

    hashed = asyncio.run(accounts.new_password(password))

    async def set_pw(conn: Conn) -> None:
        user = await accounts.require_user(conn, args.username)
        await accounts.set_password(conn, user["id"], hashed)

    _tx(_settings(args), set_pw)
    print(f"password set for {args.username}")
    return 0


def cmd_key_create(args: argparse.Namespace) -> int:
    settings = _settings(args)
    secret = settings.resolved_secret_key()

    async def create(conn: Conn) -> accounts.NewKey:
        user = await accounts.require_user(conn, args.username)
        return await accounts.create_key(conn, secret, user["id"], args.name)

    new = _tx(settings, create)
    if args.json:
        _print_json({"username": args.username, "id": new.id, "name": new.name, "apikey": new.key})
    else:
        print(f"key {new.id} ({new.name}) for {args.username} (shown once): {new.key}")
    return 0


def cmd_key_list(args: argparse.Namespace) -> int:
    async def list_(conn: Conn) -> list[Any]:
        user = await accounts.require_user(conn, args.username)
        return await accounts.list_keys(conn, user["id"], include_revoked=args.all)

    rows = _tx(_settings(args), list_)
    keys = [
        {
            "id": r["id"],
            "name": r["name"],
            "prefix": r["key_prefix"],
            "created_at": r["created_at"],
            "last_used_at": r["last_used_at"],
            "revoked_at": r["revoked_at"],
        }
        for r in rows
    ]
    if args.json:
        _print_json(keys)
    else:
        for k in keys:
            state = f"revoked {_when(k['revoked_at'])}" if k["revoked_at"] else f"last used {_when(k['last_used_at'])}"
            print(f"{k['id']:>5}  {k['prefix']}…  {k['name']:<32} created {_when(k['created_at'])}, {state}")
    return 0


def cmd_key_revoke(args: argparse.Namespace) -> int:
    async def revoke(conn: Conn) -> bool:
        user = await accounts.require_user(conn, args.username)
        return await accounts.revoke_key(conn, user["id"], args.key_id)

    if not _tx(_settings(args), revoke):
        print(f"error: {args.username} has no active key {args.key_id}", file=sys.stderr)
        return 1
    print(f"revoked key {args.key_id} of {args.username}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from openmaze.userdata.service import export_user

    async def export(conn: Conn) -> dict[str, Any]:
        user = await accounts.require_user(conn, args.username)
        return await export_user(conn, user["id"], user["username"])

    data = orjson.dumps(_tx(_settings(args), export), option=orjson.OPT_INDENT_2) + b"\n"
    if not args.output or args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    # Personal data: readable by the owner only, and never a half-written file in its place.
    target = Path(args.output)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, target)
    print(f"exported {args.username} to {target}", file=sys.stderr)
    return 0


def cmd_import_user(args: argparse.Namespace) -> int:
    from openmaze.userdata.service import ExportFormatError, import_user, parse_export

    raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    try:
        doc = orjson.loads(raw)
        parsed = parse_export(doc)
    except orjson.JSONDecodeError as exc:
        print(f"error: {args.file} is not JSON: {exc}", file=sys.stderr)
        return 1
    except ExportFormatError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 1
    username = args.username or doc.get("username")
    if not isinstance(username, str) or not username:
        print("error: the file names no user; pass --username", file=sys.stderr)
        return 1

    async def restore(conn: Conn) -> dict[str, Any]:
        user = await accounts.require_user(conn, username)
        return (await import_user(conn, user["id"], parsed)).as_json()

    report = _tx(_settings(args), restore)
    if args.json:
        _print_json({"username": username, **report})
    else:
        written = ", ".join(f"{v} {k}" for k, v in report["written"].items())
        print(f"imported into {username}: {written}")
        for kind, ids in report["missing"].items():
            print(f"skipped {len(ids)} {kind} not in the catalog: {' '.join(map(str, ids))}", file=sys.stderr)
    return 0


# --- parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    db_flag = argparse.ArgumentParser(add_help=False)
    db_flag.add_argument("--database-url", help="sqlite:///PATH or postgresql://... (env OPENMAZE_DATABASE_URL)")

    parser = argparse.ArgumentParser(prog="openmaze", description="A self-hostable TVmaze Premium User API.")
    parser.add_argument("--version", action="version", version=f"openmaze {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", parents=[db_flag], help="run the HTTP server (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (use PostgreSQL for several)")
    serve.add_argument("--demo", action="store_true", help="load the demo catalog and a premium user 'demo'")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--no-access-log", action="store_true")
    serve.add_argument("--graceful-timeout", type=int, default=30, help="seconds to drain requests on SIGTERM")
    serve.add_argument(
        "--sandbox",
        action="store_true",
        help="sandbox mode for testing TVmaze clients, never for real data (docs/sandbox.md)",
    )
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", parents=[db_flag], help="create or upgrade the schema").set_defaults(func=cmd_migrate)

    catalog = sub.add_parser("catalog", help="the show catalog").add_subparsers(dest="catalog_command", required=True)
    imp = catalog.add_parser("import", parents=[db_flag], help="import TVmaze-shaped show JSON files")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.set_defaults(func=cmd_catalog_import)
    sync = catalog.add_parser(
        "sync",
        parents=[db_flag],
        help="mirror shows (episodes, cast, people) from TVmaze or a compatible upstream",
        description="Without a selection, refreshes the shows already in the catalog that changed upstream.",
    )
    sync.add_argument("--upstream", help="upstream base URL (env OPENMAZE_SYNC_UPSTREAM; default TVmaze)")
    which = sync.add_mutually_exclusive_group()
    which.add_argument("--shows", nargs="+", type=_show_id, metavar="ID", help="fetch these shows")
    which.add_argument("--all", action="store_true", help="mirror the whole upstream catalog (resumable)")
    which.add_argument("--followed", action="store_true", help="refresh the shows some user follows")
    sync.add_argument("--force", action="store_true", help="take over the lock of a sync that was killed")
    sync.set_defaults(func=cmd_catalog_sync)

    user = sub.add_parser("user", help="accounts").add_subparsers(dest="user_command", required=True)
    create = user.add_parser("create", parents=[db_flag], help="create a user and their first API key")
    create.add_argument("username")
    create.add_argument("--email", required=True)
    create.add_argument("--premium", type=int, default=0, choices=[0, 1, 2, 3])
    create.add_argument("--json", action="store_true", help='print {"username": ..., "apikey": ...}')
    create.add_argument("--password-stdin", action="store_true", help="read a web password from stdin")
    create.add_argument("--unconfirmed", action="store_true", help="leave the email address unconfirmed")
    create.add_argument("--key-name", default="cli", help="name of the first API key")
    create.set_defaults(func=cmd_user_create)
    lst = user.add_parser("list", parents=[db_flag], help="list users")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_user_list)
    sp = user.add_parser("set-premium", parents=[db_flag], help="set a user's premium level")
    sp.add_argument("username")
    sp.add_argument("level", type=int, choices=[0, 1, 2, 3])
    sp.set_defaults(func=cmd_user_set_premium)
    dl = user.add_parser("delete", parents=[db_flag], help="delete a user and all their data")
    dl.add_argument("username")
    dl.set_defaults(func=cmd_user_delete)
    pw = user.add_parser("set-password", parents=[db_flag], help="set a web password (stdin or prompt)")
    pw.add_argument("username")
    pw.set_defaults(func=cmd_user_set_password)

    key = sub.add_parser("key", help="API keys").add_subparsers(dest="key_command", required=True)
    kc = key.add_parser("create", parents=[db_flag], help="create a named API key")
    kc.add_argument("username")
    kc.add_argument("--name", default="API key")
    kc.add_argument("--json", action="store_true")
    kc.set_defaults(func=cmd_key_create)
    kl = key.add_parser("list", parents=[db_flag], help="list a user's keys")
    kl.add_argument("username")
    kl.add_argument("--all", action="store_true", help="include revoked keys")
    kl.add_argument("--json", action="store_true")
    kl.set_defaults(func=cmd_key_list)
    kr = key.add_parser("revoke", parents=[db_flag], help="revoke a key by id")
    kr.add_argument("username")
    kr.add_argument("key_id", type=int)
    kr.set_defaults(func=cmd_key_revoke)

    ex = sub.add_parser("export", parents=[db_flag], help="write all of a user's data as JSON")
    ex.add_argument("username")
    ex.add_argument("--output", "-o", help="file to write (default: stdout)")
    ex.set_defaults(func=cmd_export)
    im = sub.add_parser(
        "import-user", parents=[db_flag], help="merge an `openmaze export` file into a user's data (idempotent)"
    )
    im.add_argument("file", metavar="FILE", help="export file, or - for stdin")
    im.add_argument("--username", help="import into this user (default: the user named in the file)")
    im.add_argument("--json", action="store_true", help='print {"username", "written", "missing"}')
    im.set_defaults(func=cmd_import_user)
    return parser


EXTENSIONS: list[Callable[[Any], None]] = []
"""Hooks that add subcommands (catalog sync, export, ...) from their own modules."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
        return result
    except (AccountError, RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
