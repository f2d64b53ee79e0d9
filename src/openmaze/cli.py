"""The `openmaze` command. Other tools drive openmaze through these exact commands, so
their names, flags and `--json` outputs are a contract (see docs/configuration.md)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import socket
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from openmaze import __version__
from openmaze.auth import accounts
from openmaze.auth.accounts import AccountError
from openmaze.auth.secrets import derived_key, random_token
from openmaze.core.fields import ID
from openmaze.db.database import Conn, Database, dialect_of, display_url, run_with_database, sqlite_path
from openmaze.settings import Settings

DEMO_EMAIL = "demo@openmaze.invalid"
DEMO_KEY_NAME = "serve --demo"


def _settings(args: argparse.Namespace) -> Settings:
    url = getattr(args, "database_url", None)
    settings = Settings()
    if url:
        settings = settings.model_copy(update={"database_url": url})
    notice = settings.data_location().notice
    if notice:
        print(f"notice: {notice}", file=sys.stderr)
    return settings


def _migrate(database_url: str) -> str | None:
    """Upgrade to head; returns the head revision. Alembic is slow to import, so only the
    commands that migrate pay for it. Says so when it makes a new SQLite database: a second,
    empty database made by mistake is then noticed at once."""
    from openmaze.db import migrate

    new = dialect_of(database_url) == "sqlite" and not Path(sqlite_path(database_url)).exists()
    migrate.upgrade(database_url)
    if new:
        print(f"created a new database: {display_url(database_url)}", file=sys.stderr)
    return migrate.head_revision()


def _require_schema(database_url: str) -> None:
    """Commands that only use a database refuse one that is missing or not migrated, with
    one line saying how to fix it: opening it would create an empty file (SQLite), and the
    first query would end in a traceback about a missing table."""
    from openmaze.db import migrate

    fix = (
        "run `openmaze migrate` (or `openmaze serve`) first, or point OPENMAZE_DATA_DIR or --database-url "
        "at your database"
    )
    where = display_url(database_url)
    if dialect_of(database_url) == "sqlite":
        path = sqlite_path(database_url)
        if path != ":memory:" and not Path(path).is_file():
            raise RuntimeError(f"no database at {where}: {fix}")
    try:
        revision = migrate.current_revision(database_url)
    except Exception as exc:  # any driver's connection error: one line, not a traceback
        raise RuntimeError(f"cannot open the database {where}: {str(exc).splitlines()[0]}") from exc
    if revision is None:
        raise RuntimeError(f"the database {where} has no openmaze tables: {fix}")
    # A revision this code does not know is a newer release's, which keeps older code working
    # during a rolling upgrade (docs/deployment.md); an older one lacks what this code needs.
    if revision != migrate.head_revision() and revision in migrate.known_revisions():
        raise RuntimeError(f"the database {where} is at an older revision ({revision}): run `openmaze migrate`")


def _run_db(settings: Settings, fn: Callable[[Database], Awaitable[Any]]) -> Any:
    return run_with_database(settings.resolved_database_url(), fn)


def _tx(settings: Settings, fn: Callable[[Conn], Awaitable[Any]]) -> Any:
    _require_schema(settings.resolved_database_url())

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
    url = settings.resolved_database_url()
    print(f"database {display_url(url)} at revision {_migrate(url)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from openmaze.core.accesslog import uvicorn_log_config

    settings = _settings(args)
    new_token = False
    # Workers are separate processes that build their settings from the environment; the
    # data folder as resolved here, so that they cannot pick another one.
    if args.database_url:
        os.environ["OPENMAZE_DATABASE_URL"] = args.database_url
    os.environ["OPENMAZE_DATA_DIR"] = str(settings.resolved_data_dir())
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
    base = f"http://{_display_host(args.host)}:{args.port}"
    print(f"openmaze {__version__}, database: {display_url(url)}")
    print(_listening(args.host, args.port, base))
    if args.demo:
        _load_demo(settings, base, new_key=args.new_demo_key)
    sys.stdout.flush()
    if not settings.public_url:
        os.environ.setdefault("OPENMAZE_PUBLIC_URL", base)
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


_ALL_INTERFACES = ("0.0.0.0", "::", "")


def _lan_address() -> str | None:
    """This machine's address on its network, as another device there would use it. A UDP
    `connect` sends nothing: it only asks the kernel which interface it would route through."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never answered, never needed
            address: str = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


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
    """The host name people should type: the LAN address when listening on all interfaces
    (the pairing link is opened on a phone, not on this machine)."""
    if host in _ALL_INTERFACES:
        return _lan_address() or "localhost"
    return "localhost" if host in ("127.0.0.1", "::1") else host


def _listening(host: str, port: int, base: str) -> str:
    if host in ("127.0.0.1", "::1", "localhost"):
        return (
            f"listening on {base} for this machine only; to use it from a TV, phone or another "
            "computer, start it with --host 0.0.0.0"
        )
    if host in _ALL_INTERFACES:
        return (
            f"listening on all interfaces, port {port}: other devices on your network reach it at {base} "
            "(so can anyone on that network: API keys and passwords guard the data; use HTTPS through "
            "a reverse proxy beyond your home network)"
        )
    return f"listening on {base}"


async def _demo_predates_seasons(conn: Conn) -> bool:
    from openmaze.catalog.demo import SHOW_BASE

    first = {"id": SHOW_BASE + 1}
    held = await conn.fetch_val("SELECT 1 FROM shows WHERE id = :id", first) is not None
    return held and await conn.fetch_val("SELECT 1 FROM seasons WHERE show_id = :id", first) is None


def _load_demo(settings: Settings, base: str, new_key: bool = False) -> None:
    from openmaze.catalog.demo import demo_shows
    from openmaze.catalog.importer import catalog_is_empty, parse_document, write_batch
    from openmaze.library.demo import seed_demo_user

    secret = settings.resolved_secret_key()

    async def demo_key(conn: Conn, user_id: int) -> str:
        """The demo key stays the same across restarts, so an app under development keeps
        working. It is derived from the server secret and a generation number (the count
        of demo keys made so far) rather than stored: re-derived, it is re-shown while still
        active; revoked (or with --new-demo-key), the next generation replaces it."""
        made = [k for k in await accounts.list_keys(conn, user_id, include_revoked=True) if k["name"] == DEMO_KEY_NAME]
        current = derived_key(secret, f"demo:{user_id}:{len(made)}")
        if made and not new_key and await accounts.find_key(conn, secret, user_id, current):
            return current
        for key in made:
            await accounts.revoke_key(conn, user_id, key["id"])
        fresh = derived_key(secret, f"demo:{user_id}:{len(made) + 1}")
        return (await accounts.create_key(conn, secret, user_id, DEMO_KEY_NAME, key=fresh)).key

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
        today = datetime.now(UTC).date()
        shows = demo_shows(today=today)
        async with db.transaction() as conn:
            if await catalog_is_empty(conn):
                await write_batch(conn, parse_document(shows, "demo catalog"))
                loaded = True
            elif await _demo_predates_seasons(conn):
                # A demo catalog loaded by an older openmaze: given its seasons, crew, akas,
                # images, alternate lists and guests (the same ids, so marks stay put).
                await write_batch(conn, parse_document(shows, "demo catalog"))
            user = await accounts.find_user(conn, "demo")
            if user is None:
                user_id = await accounts.create_user(conn, "demo", DEMO_EMAIL, premium=3, password=hashed)
            else:
                user_id = user["id"]
                if hashed is not None and user["password_hash"] is None:
                    await accounts.set_password(conn, user_id, hashed)
            if loaded:
                await seed_demo_user(conn, user_id, shows, today, int(datetime.now(UTC).timestamp()))
            return await demo_key(conn, user_id), loaded, password

    key, loaded, password = _run_db(settings, load)
    if loaded:
        print("Loaded the demo catalog (50 made-up shows, ids from 900001).")
    print(f"Demo user: demo (email {DEMO_EMAIL}, premium 3)   API key: {key}")
    print("  the same key at every start on this data; a new one: openmaze serve --demo --new-demo-key")
    print(f"Try:  curl -u demo:{key} {base}/v1/auth/validate")
    if password is not None:
        print(
            f"Account pages: {base}/login  (user demo, password {password}; shown only this once; "
            "to set another: openmaze user set-password demo)"
        )
    else:
        print(f"Account pages: {base}/login  (user demo; forgot the password? openmaze user set-password demo)")


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
                return await sync_catalog(
                    db,
                    upstream,
                    scope,
                    args.shows or (),
                    reporter,
                    force=args.force,
                    guests=args.guests or settings.sync_guests,
                )

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
    show_id = ID.value(text)
    if show_id is None:
        raise argparse.ArgumentTypeError(f"not a show id: {text!r}")
    return show_id


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
    if args.premium == 0:
        # On stderr, so that --json output stays one object.
        print(
            f"note: {args.username} has premium 0: scrobbling and pairing work, but /v1/user/* answers 403. "
            f"To allow it: openmaze user set-premium {args.username} 3",
            file=sys.stderr,
        )
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
    settings = _settings(args)
    # A person at a terminal confirms by typing the name; scripts (no terminal) and --yes
    # do not ask, so tools that drive this command keep working.
    _require_schema(settings.resolved_database_url())
    if sys.stdin.isatty() and not args.yes:
        question = f"Delete {args.username} and all their follows, marks, votes, tags and keys? Type the username: "
        try:
            answer = input(question)
        except EOFError:  # Ctrl-D: no answer is not a yes
            answer = ""
        if answer.strip().lower() != args.username.lower():
            print("not deleted", file=sys.stderr)
            return 1
    _tx(settings, lambda conn: accounts.delete_user(conn, args.username))
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


DEFAULT_PUBLIC_URL = "http://localhost:8000"  # what `openmaze serve` answers at by default


def cmd_user_links(args: argparse.Namespace) -> int:
    """The user's personal URLs as one object, {kind: URL}; `--rotate KIND` first replaces
    that kind's token (the old URL stops working). Without `--rotate` it is idempotent: the
    tokens are derived, so the same URLs come back every time (openmaze.auth.links)."""
    from openmaze.auth import links

    settings = _settings(args)
    secret = settings.resolved_secret_key()
    base = settings.public_url or DEFAULT_PUBLIC_URL
    if not settings.public_url:
        print(f"warning: OPENMAZE_PUBLIC_URL is not set; links use {base}", file=sys.stderr)
    now = int(datetime.now(UTC).timestamp())

    async def make(conn: Conn) -> dict[str, str]:
        user = await accounts.require_user(conn, args.username)
        rotate = list(links.KINDS) if "all" in (args.rotate or ()) else dict.fromkeys(args.rotate or ())
        for kind in rotate:
            await links.rotate_token(conn, secret, user["id"], kind, now)
        return await links.links_for(conn, secret, user["id"], base, now)

    found = _tx(settings, make)
    if args.json:
        _print_json(found)
    else:
        for kind, url in found.items():
            print(f"{kind}: {url}")
    return 0


def cmd_user_activity(args: argparse.Namespace) -> int:
    """What the user's media servers sent, newest first (openmaze.hooks)."""
    from openmaze.core.scope import Scoped
    from openmaze.hooks import service as hooks

    if not 1 <= args.limit <= 10_000:
        print("error: --limit must be from 1 to 10000", file=sys.stderr)
        return 2

    async def read(conn: Conn) -> list[dict[str, Any]]:
        user = await accounts.require_user(conn, args.username)
        return await hooks.activity(Scoped(conn, user["id"]), limit=args.limit)

    entries = _tx(_settings(args), read)
    if args.json:
        _print_json(entries)
    else:
        for e in entries:
            found = f"episode {e['episode_id']}" if e["episode_id"] else "no episode"
            why = f" ({e['reason']})" if e["reason"] else ""
            print(f"{_when(e['time'])}  {e['source']} {e['event']}: {e['named']} -> {e['status']}, {found}{why}")
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
    from openmaze.userdata.service import export_marks_csv, export_user

    async def export(conn: Conn) -> bytes:
        user = await accounts.require_user(conn, args.username)
        if args.format == "csv":
            return (await export_marks_csv(conn, user["id"])).encode()
        return orjson.dumps(await export_user(conn, user["id"], user["username"]), option=orjson.OPT_INDENT_2) + b"\n"

    data: bytes = _tx(_settings(args), export)
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


def cmd_import(args: argparse.Namespace) -> int:
    """`openmaze import tvmaze|trakt|tvtime`: exactly one JSON object on stdout with --json;
    a progress bar on stderr only on a terminal; exit 0 whenever the import ran."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from openmaze.imports.archive import ImportFileError, Limits
    from openmaze.imports.sources import NAMES, UpstreamFailed, import_file, import_tvmaze

    settings = _settings(args)
    url = settings.resolved_database_url()
    _require_schema(url)
    upstream = args.upstream or settings.sync_upstream
    now = int(time.time())
    # `--tvmaze-key -`: read from stdin, so the key stays out of the shell history and `ps`.
    key = getattr(args, "tvmaze_key", None) or ""
    if key == "-":
        key = sys.stdin.readline().strip()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task(f"importing from {NAMES[args.source]}", total=None)

        async def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        async def run(db: Database) -> Any:
            async with db.read() as conn:
                user = await accounts.require_user(conn, args.as_user)
            if args.source == "tvmaze":
                return await import_tvmaze(
                    db,
                    user["id"],
                    args.tvmaze_user,
                    key,
                    now=now,
                    upstream_url=upstream,
                    dry_run=args.dry_run,
                    progress=progress,
                )
            path = Path(args.file)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
            return await import_file(
                db,
                user["id"],
                args.source,
                data,
                path.name,
                now=now,
                upstream_url=None if args.no_fetch else upstream,
                dry_run=args.dry_run,
                progress=progress,
                limits=Limits(max_bytes=settings.imports_max_unpacked_mb * 1024 * 1024),
            )

        try:
            report = _run_db(settings, run).as_json()
        except (ImportFileError, UpstreamFailed) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    if args.json:
        _print_json(report)
        return 0
    what = "would change" if report["dry_run"] else "imported"
    print(
        f"{what} from {report['source']} into {args.as_user}: {report['matched']} matched, "
        f"{report['created']} created, {report['updated']} updated, {report['unchanged']} unchanged, "
        f"{len(report['unmatched'])} unmatched"
    )
    for note in report["notes"]:
        print(f"note: {note}")
    if report["fetched_shows"]:
        print(f"fetched {len(report['fetched_shows'])} shows from {upstream}")
    for item in report["unmatched"]:
        print(f"unmatched: {item['source']}: {item['reason']}", file=sys.stderr)
    return 0


# --- parser -----------------------------------------------------------------------------


def _link_kinds() -> list[str]:
    from openmaze.auth.links import KINDS

    return [*KINDS, "all"]


class _HelpFormatter(argparse.HelpFormatter):
    """Each option's help ends with its default, unless it has none worth saying (flags, or
    a default the help line explains itself)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (
            "%(default)" not in text
            and "default" not in text
            and action.option_strings
            and action.default not in (None, False, argparse.SUPPRESS)
        ):
            text += " (default: %(default)s)"
        return text


def build_parser() -> argparse.ArgumentParser:
    db_flag = argparse.ArgumentParser(add_help=False)
    db_flag.add_argument(
        "--database-url",
        help="sqlite:///PATH or postgresql://... (env OPENMAZE_DATABASE_URL; default: openmaze.sqlite3 in "
        "the data folder, OPENMAZE_DATA_DIR, by default the user's data folder, e.g. ~/.local/share/openmaze)",
    )
    json_help = "print JSON instead of text"

    parser = argparse.ArgumentParser(
        prog="openmaze", description="A self-hostable TVmaze Premium User API.", formatter_class=_HelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"openmaze {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(group: Any, name: str, help: str, **kwargs: Any) -> argparse.ArgumentParser:
        made: argparse.ArgumentParser = group.add_parser(
            name, help=help, description=kwargs.pop("description", help), formatter_class=_HelpFormatter, **kwargs
        )
        return made

    serve = command(
        sub,
        "serve",
        "run the HTTP server (migrates the database first)",
        parents=[db_flag],
        description="Run the HTTP server. It migrates the database first and prints which one it uses.",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; the default reaches this machine only. 0.0.0.0: every device on "
        "your network (a TV, a phone) can reach it, and so can anyone on that network "
        "(default: %(default)s)",
    )
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (use PostgreSQL for several)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help=f"load the demo catalog (if the catalog is empty) and a premium user 'demo' ({DEMO_EMAIL}); "
        "prints its API key, the same at every start",
    )
    serve.add_argument("--new-demo-key", action="store_true", help="with --demo: revoke the demo key, print a new one")
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"], help="log detail"
    )
    serve.add_argument("--no-access-log", action="store_true", help="no log line per request (OPENMAZE_ACCESS_LOG)")
    serve.add_argument("--graceful-timeout", type=int, default=30, help="seconds to drain requests on SIGTERM")
    serve.add_argument(
        "--sandbox",
        action="store_true",
        help="sandbox mode for testing TVmaze clients, never for real data (docs/sandbox.md)",
    )
    serve.set_defaults(func=cmd_serve)

    command(sub, "migrate", "create or upgrade the database schema", parents=[db_flag]).set_defaults(func=cmd_migrate)

    catalog = command(sub, "catalog", "the show catalog").add_subparsers(
        dest="catalog_command", required=True, metavar="COMMAND"
    )
    imp = command(catalog, "import", "import TVmaze-shaped show JSON files", parents=[db_flag])
    imp.add_argument("files", nargs="+", metavar="FILE", help="JSON file: one show, a list of shows, or a dump")
    imp.set_defaults(func=cmd_catalog_import)
    sync = command(
        catalog,
        "sync",
        "mirror shows (episodes, seasons, cast, crew, people, akas, images, alternate lists) from TVmaze "
        "or a compatible upstream",
        parents=[db_flag],
        description="Without a selection, refreshes the shows already in the catalog that changed upstream.",
    )
    sync.add_argument(
        "--upstream", help="upstream base URL (env OPENMAZE_SYNC_UPSTREAM; default https://api.tvmaze.com)"
    )
    which = sync.add_mutually_exclusive_group()
    which.add_argument("--shows", nargs="+", type=_show_id, metavar="ID", help="fetch these shows")
    which.add_argument("--all", action="store_true", help="mirror the whole upstream catalog (resumable)")
    which.add_argument("--followed", action="store_true", help="refresh the shows some user follows")
    sync.add_argument("--force", action="store_true", help="take over the lock of a sync that was killed")
    sync.add_argument(
        "--guests",
        action="store_true",
        help="also fetch each episode's guest cast and crew, a request per episode (env OPENMAZE_SYNC_GUESTS)",
    )
    sync.set_defaults(func=cmd_catalog_sync)

    user = command(sub, "user", "accounts").add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    create = command(user, "create", "create a user and their first API key", parents=[db_flag])
    create.add_argument("username", help="the login name (also the API's Basic-auth user name)")
    create.add_argument("--email", required=True, help="email address (device pairing asks for it)")
    create.add_argument(
        "--premium",
        type=int,
        default=0,
        choices=[0, 1, 2, 3],
        help="premium level: 1-3 may use /v1/user/*; 0 may only scrobble and pair (default: %(default)s)",
    )
    create.add_argument("--json", action="store_true", help='print {"username": ..., "apikey": ...}')
    create.add_argument("--password-stdin", action="store_true", help="read a web password from stdin")
    create.add_argument("--unconfirmed", action="store_true", help="leave the email address unconfirmed")
    create.add_argument("--key-name", default="cli", help="name of the first API key")
    create.set_defaults(func=cmd_user_create)
    lst = command(user, "list", "list users", parents=[db_flag])
    lst.add_argument("--json", action="store_true", help=json_help)
    lst.set_defaults(func=cmd_user_list)
    sp = command(user, "set-premium", "set a user's premium level", parents=[db_flag])
    sp.add_argument("username", help="the user")
    sp.add_argument("level", type=int, choices=[0, 1, 2, 3], help="0 (no /v1/user access) to 3")
    sp.set_defaults(func=cmd_user_set_premium)
    dl = command(user, "delete", "delete a user and all their data", parents=[db_flag])
    dl.add_argument("username", help="the user")
    dl.add_argument("--yes", action="store_true", help="do not ask for confirmation on a terminal")
    dl.set_defaults(func=cmd_user_delete)
    pw = command(user, "set-password", "set a web password (prompted twice, or one line on stdin)", parents=[db_flag])
    pw.add_argument("username", help="the user")
    pw.set_defaults(func=cmd_user_set_password)
    ln = user.add_parser(
        "links", parents=[db_flag], help="a user's personal URLs (iCal feed, Plex/Jellyfin/Emby webhooks)"
    )
    ln.add_argument("username", help="the user")
    ln.add_argument(
        "--json", action="store_true", help='print one object, {"ical": URL, "plex": URL, "jellyfin": URL, "emby": URL}'
    )
    ln.add_argument(
        "--rotate",
        action="append",
        choices=_link_kinds(),
        metavar="KIND",
        help="issue a new token for KIND first: " + ", ".join(_link_kinds()) + " (repeatable; all: every kind)",
    )
    ln.set_defaults(func=cmd_user_links)
    act = command(user, "activity", "what the user's media servers (Plex, Jellyfin, Emby) sent", parents=[db_flag])
    act.add_argument("username", help="the user")
    act.add_argument("--json", action="store_true", help="print a JSON array of entries, newest first")
    act.add_argument("--limit", type=int, default=100, help="how many recent entries (default: %(default)s)")
    act.set_defaults(func=cmd_user_activity)

    key = command(sub, "key", "API keys").add_subparsers(dest="key_command", required=True, metavar="COMMAND")
    kc = command(key, "create", "create a named API key", parents=[db_flag])
    kc.add_argument("username", help="the user")
    kc.add_argument("--name", default="API key", help="a name to tell the key apart")
    kc.add_argument("--json", action="store_true", help=json_help)
    kc.set_defaults(func=cmd_key_create)
    kl = command(key, "list", "list a user's keys", parents=[db_flag])
    kl.add_argument("username", help="the user")
    kl.add_argument("--all", action="store_true", help="include revoked keys")
    kl.add_argument("--json", action="store_true", help=json_help)
    kl.set_defaults(func=cmd_key_list)
    kr = command(key, "revoke", "revoke a key by id", parents=[db_flag])
    kr.add_argument("username", help="the user")
    kr.add_argument("key_id", type=int, help="the key's id (see `openmaze key list`)")
    kr.set_defaults(func=cmd_key_revoke)

    ex = command(sub, "export", "write all of a user's data as JSON", parents=[db_flag])
    ex.add_argument("username", help="the user")
    ex.add_argument("--output", "-o", help="file to write (default: stdout)")
    ex.add_argument(
        "--format",
        choices=["json", "csv"],
        default="json",
        help="json: everything, readable by import-user; csv: the marked episodes, one row each (show name, "
        "TVmaze/TheTVDB/IMDb show ids, season, number, TVmaze episode id, type, marked_at)",
    )
    ex.set_defaults(func=cmd_export)
    im = command(
        sub, "import-user", "merge an `openmaze export` file into a user's data (idempotent)", parents=[db_flag]
    )
    im.add_argument("file", metavar="FILE", help="export file, or - for stdin")
    im.add_argument("--username", help="import into this user (default: the user named in the file)")
    im.add_argument("--json", action="store_true", help='print {"username", "written", "missing"}')
    im.set_defaults(func=cmd_import_user)

    moving = command(
        sub,
        "import",
        "bring a user's history from TVmaze, Trakt or TV Time (docs/moving-in.md)",
        description="Import a user's history from another service. Idempotent: running it again changes "
        "nothing; a newer mark or vote here is never replaced by an older one. See docs/moving-in.md.",
    ).add_subparsers(dest="source", required=True, metavar="SOURCE")
    common = argparse.ArgumentParser(add_help=False, parents=[db_flag])
    common.add_argument(
        "--as", dest="as_user", required=True, metavar="USERNAME", help="the openmaze user to import into"
    )
    common.add_argument(
        "--upstream",
        help="TVmaze-compatible upstream the missing shows are fetched from (env OPENMAZE_SYNC_UPSTREAM; "
        "default https://api.tvmaze.com)",
    )
    common.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    common.add_argument(
        "--json",
        action="store_true",
        help='print one JSON object: {"matched", "created", "updated", "unchanged", "unmatched": [{"source", '
        '"reason"}], ...}',
    )
    tv = command(
        moving,
        "tvmaze",
        "a TVmaze premium account, read through TVmaze's user API",
        parents=[common],
        description="Follows, marked episodes, votes and tags of a TVmaze premium account. The key is used "
        "for this import only and never stored.",
    )
    tv.add_argument("--tvmaze-user", required=True, metavar="NAME", help="the TVmaze username")
    tv.add_argument(
        "--tvmaze-key",
        required=True,
        metavar="KEY",
        help="the TVmaze API key (TVmaze dashboard → API); - reads it from stdin, out of the shell history",
    )
    tv.set_defaults(func=cmd_import)
    for name, title in (
        ("trakt", "a Trakt export ZIP (trakt.tv → Settings → Data)"),
        ("tvtime", "a TV Time GDPR export ZIP"),
    ):
        file_import = command(moving, name, title, parents=[common])
        file_import.add_argument("file", metavar="FILE.zip", help="the export ZIP, as the service sent it")
        file_import.add_argument(
            "--no-fetch", action="store_true", help="match against the local catalog only, fetch nothing upstream"
        )
        file_import.set_defaults(func=cmd_import)
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
