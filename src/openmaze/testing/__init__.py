"""`openmaze.testing`: a TVmaze sandbox for a TVmaze client's own test suite (docs/sandbox.md).

This module needs no pytest: `SandboxServer` (a context manager) and `SandboxClient` serve
any test runner. The pytest fixtures are in `openmaze.testing.plugin`.

Installing openmaze is all a pytest project needs: the plugin is registered
through the `pytest11` entry point, so its fixtures exist in every pytest run of an
environment where openmaze is installed (as pytest-httpserver's or pytest-django's do).
That was chosen over documenting `pytest_plugins = ["openmaze.testing"]` because that
line only works in a project's root conftest.py, and a forgotten line fails as "fixture
not found" instead of working. The plugin costs nothing until a test asks for a fixture:
importing it starts nothing and imports no server code. (Where entry-point plugins are
turned off, PYTEST_DISABLE_PLUGIN_AUTOLOAD=1, add `-p openmaze.testing.plugin`.)

- `openmaze_server` (per session): a real `openmaze serve --sandbox` in a subprocess, on a
  free port, with a temporary SQLite database holding the demo catalog (or the TVmaze-
  shaped show files named by the `openmaze_catalog` ini option).
- `openmaze_sandbox` (per test): the sandbox's controls reset (real time, no faults, no
  rate limit, empty journal), a fresh premium user with an API key, the base URL and a
  `SandboxClient` for the `/_sandbox/` API. `@pytest.mark.openmaze(premium=0)` picks the
  user's level.

Other test runners use `SandboxServer` as a context manager:

    with SandboxServer() as server:
        user = server.client.create_user(premium=3)
        ...  # point the client under test at server.url, with user.username / user.apikey
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

__all__ = ["Sandbox", "SandboxClient", "SandboxError", "SandboxServer", "SandboxUser"]


class SandboxError(Exception):
    """The sandbox API answered with an error (its TVmaze error body's message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class SandboxUser:
    id: int
    username: str
    email: str
    premium: int
    apikey: str

    @property
    def auth(self) -> tuple[str, str]:
        """(username, API key): HTTP Basic credentials, as TVmaze takes them."""
        return (self.username, self.apikey)


class SandboxClient:
    """The `/_sandbox/` API in methods (one HTTP call each; docs/sandbox.md has the routes)."""

    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url + "/_sandbox", headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def close(self) -> None:
        self._http.close()

    def _call(
        self, verb: str, route: str, body: dict[str, Any] | None = None, query: dict[str, Any] | None = None
    ) -> Any:
        params = {k: v for k, v in (query or {}).items() if v is not None}
        response = self._http.request(verb, route, json=body, params=params)
        if response.is_error:
            try:
                message = str(response.json().get("message", response.text))
            except ValueError:
                message = response.text
            raise SandboxError(response.status_code, message)
        return response.json()

    # users and data
    def create_user(
        self,
        premium: int = 3,
        username: str | None = None,
        email: str | None = None,
        email_confirmed: bool = True,
    ) -> SandboxUser:
        body = {"premium": premium, "username": username, "email": email, "email_confirmed": email_confirmed}
        return SandboxUser(**self._call("POST", "/users", body))

    def set_premium(self, username: str, premium: int) -> None:
        """Change a user's premium level (0..3), effective at once."""
        self._call("PUT", f"/users/{username}/premium", {"premium": premium})

    def reset_user(self, username: str) -> int:
        """Delete the user's follows, marks, votes, tags and pairings; rows deleted."""
        deleted: int = self._call("POST", f"/users/{username}/reset")["rows_deleted"]
        return deleted

    def reset(self, data: bool = True, controls: bool = True) -> dict[str, Any]:
        """Every user deleted (`data`) and/or the controls reset (`controls`)."""
        result: dict[str, Any] = self._call("POST", "/reset", {"data": data, "controls": controls})
        return result

    # clock
    def clock(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/clock")
        return result

    def set_clock(self, now: float, frozen: bool = True) -> dict[str, Any]:
        result: dict[str, Any] = self._call("PUT", "/clock", {"now": now, "frozen": frozen})
        return result

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/clock/advance", {"seconds": seconds})
        return result

    def release_clock(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("DELETE", "/clock")
        return result

    # pairing
    def confirm_pairing(self, token: str | None = None, *, username: str | None = None) -> str:
        """Confirm the pairing of this poll token (or every pending one of `username`) as
        its user would; the username."""
        body = {"token": token} if token is not None else {"username": username}
        name: str = self._call("POST", "/pairings/confirm", body)["username"]
        return name

    def deny_pairing(self, token: str | None = None, *, username: str | None = None) -> str:
        body = {"token": token} if token is not None else {"username": username}
        name: str = self._call("POST", "/pairings/deny", body)["username"]
        return name

    def auto_confirm_pairings(self, enabled: bool = True) -> None:
        """Every new pairing starts confirmed (for clients whose pairing a test cannot step into)."""
        self._call("PUT", "/pairings/auto-confirm", {"enabled": enabled})

    # rate limits
    def rate_limit(self, calls: int = 20, seconds: int = 10) -> dict[str, Any]:
        """TVmaze's limit (20 calls / 10 s per address) unless told otherwise."""
        result: dict[str, Any] = self._call("PUT", "/ratelimit", {"calls": calls, "seconds": seconds})
        return result

    def no_rate_limit(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("DELETE", "/ratelimit")
        return result

    # faults
    def add_fault(self, path: str = "*", **rule: Any) -> dict[str, Any]:
        """A fault rule: `status`, `latency_ms`, `drop`, `method`, `rate`, `times`,
        `retry_after`, `message` (docs/sandbox.md)."""
        result: dict[str, Any] = self._call("POST", "/faults", {"path": path, **rule})
        return result

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/faults")
        return result

    def remove_fault(self, fault_id: int) -> None:
        self._call("DELETE", f"/faults/{fault_id}")

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def seed_faults(self, seed: int) -> None:
        self._call("POST", "/faults/seed", {"seed": seed})

    # journal
    def journal(
        self,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        username: str | None = None,
        after_id: int | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Requests received, oldest first (credentials masked)."""
        query = {
            "method": method,
            "path": path,
            "status": status,
            "username": username,
            "after_id": after_id,
            "limit": limit,
        }
        result: list[dict[str, Any]] = self._call("GET", "/journal", query=query)
        return result

    def clear_journal(self) -> None:
        self._call("DELETE", "/journal")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGTERM (a server drains its requests), then SIGKILL if it is still there after `timeout`."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class SandboxServer:
    """`openmaze serve --sandbox` in a subprocess, on a free port, with a temporary SQLite
    database (deleted afterwards). `catalog`: TVmaze-shaped show JSON files to load
    instead of the demo catalog."""

    def __init__(
        self,
        catalog: Sequence[str | os.PathLike[str]] = (),
        startup_timeout: float = 60.0,
        env: dict[str, str] | None = None,
    ) -> None:
        self.catalog = [Path(p) for p in catalog]
        self.startup_timeout = startup_timeout
        self.extra_env = env or {}
        self.token = secrets.token_urlsafe(32)
        self.url = ""
        self.log_path: Path | None = None
        self._dir: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._client: SandboxClient | None = None

    @property
    def client(self) -> SandboxClient:
        if self._client is None:
            raise RuntimeError("the sandbox server is not running")
        return self._client

    def log(self) -> str:
        """The server's output so far (for a failing test's report)."""
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="openmaze-sandbox-")
        data = Path(self._dir)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "OPENMAZE_DATABASE_URL": f"sqlite:///{data / 'sandbox.sqlite3'}",
            "OPENMAZE_DATA_DIR": str(data),
            "OPENMAZE_PUBLIC_URL": self.url,
            "OPENMAZE_SANDBOX_TOKEN": self.token,
            # Every test comes from one address: per-address limits meant to slow down
            # attackers (30 pairing starts an hour, 30 failed logins a minute) would fail a
            # suite that tests pairing or wrong keys. TVmaze's own limit is a sandbox control.
            "OPENMAZE_RATE_LIMIT_PAIRING_START_ADDRESS": "",
            "OPENMAZE_RATE_LIMIT_AUTH_FAILURES": "",
            **self.extra_env,
        }
        command = [sys.executable, "-m", "openmaze"]
        if self.catalog:
            imported = subprocess.run(
                [*command, "catalog", "import", *map(str, self.catalog)], env=env, capture_output=True, text=True
            )
            if imported.returncode != 0:
                self.stop()
                raise RuntimeError(f"the openmaze sandbox could not load its catalog:\n{imported.stderr}")
        self.log_path = data / "server.log"
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [*command, "serve", "--sandbox", "--port", str(port), *([] if self.catalog else ["--demo"])],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_up()
        self._client = SandboxClient(self.url, self.token)

    def _wait_until_up(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                output = self.log()
                self.stop()
                raise RuntimeError(f"the openmaze sandbox exited at start:\n{output}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        output = self.log()
        self.stop()
        raise RuntimeError(f"the openmaze sandbox did not start in {self.startup_timeout:.0f} s:\n{output}")

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._process is not None:
            stop_process(self._process)
            self._process = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


@dataclass(frozen=True)
class Sandbox:
    """What `openmaze_sandbox` gives a test."""

    base_url: str  # e.g. http://127.0.0.1:54321: the public API at its root, the user API under /v1
    user: SandboxUser
    client: SandboxClient  # the /_sandbox/ API
    server: SandboxServer

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def apikey(self) -> str:
        return self.user.apikey

    @property
    def auth(self) -> tuple[str, str]:
        return self.user.auth
