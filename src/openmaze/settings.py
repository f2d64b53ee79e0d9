"""Configuration: every setting is an `OPENMAZE_*` environment variable (or a CLI flag
that overrides it). Settings are passed into `create_app`; nothing reads them globally.
The table in docs/configuration.md is generated from this class (`openmaze.settings_doc`).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where openmaze kept its data before it had a per-user data folder: `./data` relative to
# wherever the command ran. A database found there is still used (see `data_location`).
LEGACY_DATA_DIR = Path("data")
DATABASE_FILE = "openmaze.sqlite3"


def platform_data_dir() -> Path:
    """The user's data folder for openmaze (Linux: `$XDG_DATA_HOME/openmaze`, by default
    `~/.local/share/openmaze`; macOS: `~/Library/Application Support/openmaze`; Windows:
    `%LOCALAPPDATA%\\openmaze`): the same whatever folder a command runs in."""
    return platformdirs.user_data_path("openmaze", appauthor=False)


@dataclass(frozen=True)
class DataLocation:
    path: Path
    notice: str | None  # what to tell the person about this choice, if anything


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENMAZE_", extra="ignore")

    database_url: str = Field(default="", description="sqlite:///PATH or postgresql://user@host/db")
    database_pool_size: int = Field(
        default=10,
        ge=1,
        description="Most PostgreSQL connections per worker process (hosts x workers x this <= max_connections)",
    )
    database_pool: Literal["own", "asyncpg"] = Field(
        default="own",
        description="PostgreSQL connection pool: openmaze's own (less CPU per query), or asyncpg's "
        "create_pool, the fallback should the own pool misbehave",
    )
    database_lock_timeout_seconds: float = Field(
        default=5.0,
        ge=0,
        description="SQLite: most seconds a write waits for another process's write lock (the event loop keeps "
        "serving meanwhile); past it the request answers 503 with Retry-After",
    )
    database_statement_timeout_seconds: float = Field(
        default=5.0,
        ge=0,
        description="PostgreSQL: most seconds a statement runs, or a request waits for a pooled connection; past "
        "it the request answers 503 with Retry-After (0: no limit)",
    )
    database_connect_timeout_seconds: float = Field(
        default=5.0, ge=0, description="PostgreSQL: most seconds to open a connection (0: no limit)"
    )
    data_dir: Path | None = Field(
        default=None,
        description="Folder of the default SQLite file and the generated secret. Empty: the user's data "
        "folder (Linux: ~/.local/share/openmaze, or $XDG_DATA_HOME/openmaze), whatever folder openmaze runs "
        "in; an existing ./data/openmaze.sqlite3 in the current folder is used instead, with a notice",
    )
    secret_key: str = Field(
        default="",
        description="Key for hashing API keys and tokens. Required with PostgreSQL (all workers "
        "must share it); with SQLite one is generated into DATA_DIR/secret.key on first start.",
    )
    public_url: str = Field(default="", description="Base URL people reach openmaze at (links in emails)")
    redis_url: str = Field(
        default="",
        description="redis://[:password@]host:port/db (or rediss://) for rate limits shared by all workers; "
        "in memory per process if empty",
    )
    redis_key_prefix: str = Field(
        default="openmaze", description="Prefix of every Redis key, so several deployments can share one Redis"
    )
    redis_timeout_seconds: float = Field(
        default=0.25,
        description="Connect and command timeout for Redis; past it the request is served unlimited (fail open)",
    )

    # limits
    header_timeout_seconds: float = Field(
        default=10.0,
        ge=0,
        description="Most seconds from a connection's start (or a keep-alive request's first byte) to the end "
        "of its request headers; past it the connection is closed (0: none)",
    )
    body_timeout_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Most seconds from a request's headers to the end of its body; past it the connection is "
        "closed (0: none)",
    )
    keep_alive_seconds: int = Field(
        default=5, ge=1, description="An idle keep-alive connection is closed after this many seconds"
    )
    max_concurrent_requests: int = Field(
        default=1000,
        ge=1,
        description="Most requests one worker handles at once; more are answered 503 with Retry-After at once "
        "(logged once per 10 s while it lasts)",
    )
    max_body_bytes: int = Field(default=2 * 1024 * 1024, description="Largest request body accepted (413 above)")
    scrobble_max_items: int = Field(default=10_000, description="Most items in one bulk scrobble (413 above)")
    auth_cache_seconds: float = Field(
        default=5.0, description="How long a verified API key is trusted without a database check"
    )
    read_cache_mb: int = Field(
        default=32,
        ge=0,
        description="Memory per worker for cached /v1/user list responses on SQLite, dropped on any write; 0: off",
    )
    rate_limit_api: str = Field(
        default="", description="Per-user limit on /v1 requests, e.g. '200/10second'; empty: none"
    )
    rate_limit_public: str = Field(default="", description="Per-address limit on the public catalog API; empty: none")
    rate_limit_auth_failures: str = Field(
        default="30/minute", description="Failed Basic-auth attempts allowed per client address"
    )
    rate_limit_pairing_start_email: str = Field(default="5/15minute", description="Pairing starts per email")
    rate_limit_pairing_start_address: str = Field(default="30/hour", description="Pairing starts per client address")
    rate_limit_login: str = Field(default="10/5minute", description="Web login attempts per address and per username")
    rate_limit_hooks: str = Field(
        default="600/minute", description="Media-server webhook deliveries per webhook URL (Plex, Jellyfin, Emby)"
    )
    hooks_fetch_missing: bool = Field(
        default=False,
        description="Fetch a show a media-server webhook names but the catalog lacks from OPENMAZE_SYNC_UPSTREAM "
        "(a background job, after answering); on by itself when OPENMAZE_SYNC_INTERVAL_MINUTES is above 0",
    )
    hooks_activity_keep: int = Field(
        default=2000, ge=100, description="Media-server activity-log entries kept per user; older ones are dropped"
    )
    hooks_max_body_bytes: int = Field(
        default=8 * 1024 * 1024,
        description="Largest media-server webhook body (/hooks/*: Plex adds a JPEG thumbnail); 413 above",
    )
    pairing_ttl_seconds: int = Field(default=900, description="How long a pairing request stays valid")
    pairing_poll_interval_seconds: float = Field(
        default=5.0, description="Minimum spacing of polls of one token (clients poll every 10 s)"
    )

    # email
    smtp_url: str = Field(
        default="", description="smtp://user:pass@host:port (STARTTLS: smtp+starttls://, TLS: smtps://); empty: log"
    )
    mail_from: str = Field(default="openmaze <openmaze@localhost>", description="From address of emails")

    access_log: bool = Field(
        default=True, description="One log line per request: address, user, request line, status (never credentials)"
    )

    # web
    signup_enabled: bool = Field(default=False, description="Allow self-signup on the web pages")
    web_session_days: int = Field(default=14, description="How long a web login lasts")
    trust_proxy_headers: bool = Field(default=False, description="Use X-Forwarded-For/-Proto from a reverse proxy")
    telemetry: bool = Field(
        default=False,
        description="FastAPI's native OpenTelemetry spans, metrics and logs (needs an OpenTelemetry SDK "
        "configured); off by default because its per-request checks cost time even with no exporter "
        "(see docs/performance.md)",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="With TRUST_PROXY_HEADERS: addresses of the proxies whose X-Forwarded-* headers "
        "are believed (comma-separated, '*' for any)",
    )

    # catalog mirror
    sync_upstream: str = Field(default="https://api.tvmaze.com", description="TVmaze-compatible catalog upstream")
    sync_interval_minutes: int = Field(default=0, description="Run catalog sync on a schedule; 0: off")
    sync_scope: Literal["local", "followed", "all"] = Field(
        default="local",
        description="What the scheduled sync refreshes: shows already here (local), followed shows, or the "
        "whole upstream catalog (all)",
    )
    sync_guests: bool = Field(
        default=False,
        description="Catalog sync also fetches each episode's guest cast and crew: one more request per "
        "episode of every show it fetches",
    )

    # background jobs (imports from the account pages, webhook follow-ups)
    jobs_poll_seconds: float = Field(
        default=2.0, gt=0, description="How often each worker looks for queued background jobs when idle"
    )
    jobs_lease_seconds: int = Field(
        default=120,
        ge=5,
        description="How long a claimed job stays a worker's without a sign of life; after that another "
        "worker takes it over (a job whose worker died resumes)",
    )
    jobs_max_attempts: int = Field(
        default=3, ge=1, description="Claims of one job (workers dying under it, retries) before it is failed"
    )

    # moving in (docs/moving-in.md)
    imports_max_upload_mb: int = Field(
        default=64,
        ge=1,
        description="Largest export ZIP the account page accepts (the upload's request body, in MiB); "
        "the command line `openmaze import` has no such limit",
    )
    imports_max_unpacked_mb: int = Field(
        default=512, ge=1, description="Most an export ZIP may unpack to (MiB), whether uploaded or given to the CLI"
    )

    # public catalog API
    public_cache_seconds: int = Field(default=300, description="Cache-Control max-age of public catalog responses")

    # sandbox (docs/sandbox.md): for developers testing TVmaze clients, never for real data
    sandbox: bool = Field(
        default=False,
        description="Sandbox mode (`serve --sandbox`): the /_sandbox/ control API, a settable clock, fault "
        "injection, TVmaze's rate limits on demand and a request journal. Never for real data",
    )
    sandbox_token: str = Field(
        default="",
        description="Bearer token of the /_sandbox/ API; `serve --sandbox` generates and prints one when empty",
    )
    sandbox_journal_entries: int = Field(
        default=1000, ge=0, le=100_000, description="Requests the sandbox journal keeps (oldest dropped first)"
    )
    sandbox_journal_body_bytes: int = Field(
        default=16_384,
        ge=0,
        le=1_048_576,
        description="Bytes of each request body the sandbox journal keeps (the rest is cut, the size recorded)",
    )

    def data_location(self) -> DataLocation:
        """The data folder, absolute. Relative paths would make the database depend on the
        folder a command runs in: `user list` elsewhere would find no users, `serve`
        elsewhere would start a second, empty database."""
        if self.data_dir is not None:
            return DataLocation(self.data_dir.expanduser().absolute(), None)
        platform = platform_data_dir()
        legacy = LEGACY_DATA_DIR.absolute()
        # Older versions kept the data in ./data. Abandoning it silently would look like
        # lost data, so it stays in use, with a notice saying how to make it permanent.
        if (legacy / DATABASE_FILE).is_file() and legacy != platform:
            notice = (
                f"using the database in {legacy} because it exists in the current folder; openmaze's "
                f"default data folder is now {platform}, the same from any folder. To keep this one, "
                f"set OPENMAZE_DATA_DIR={legacy}, or stop openmaze and move it: "
                f"mkdir -p {platform} && mv {legacy}/* {platform}/"
            )
            return DataLocation(legacy, notice)
        return DataLocation(platform, None)

    def resolved_data_dir(self) -> Path:
        return self.data_location().path

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.resolved_data_dir() / DATABASE_FILE).as_posix()}"

    def resolved_secret_key(self) -> bytes:
        """The HMAC key. Refuses to invent one where workers could disagree about it."""
        if self.secret_key:
            return self.secret_key.encode()
        url = self.resolved_database_url()
        if not url.startswith("sqlite"):
            raise RuntimeError(
                "OPENMAZE_SECRET_KEY must be set when using PostgreSQL: every worker has to hash "
                "API keys with the same secret. Generate one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'"
            )
        path = self.resolved_data_dir() / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
        return path.read_text().strip().encode()
