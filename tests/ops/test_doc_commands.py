"""Every command the README and docs/*.md show in a ```sh block is run here, as a reader
would paste it, against `openmaze serve --demo` in an empty home folder; or it is in
CANNOT_RUN_HERE with the reason. A command the docs show wrongly (a curl that answers 422, a
flag that does not exist) fails this test, and so does a list entry the docs no longer show.

Placeholders the docs use are filled in the way a reader would: `http://localhost:8000` is
the test server's address, `$KEY` and `omk_...` the demo key it printed, `<poll token>` the
token the previous pairing command answered. A curl must answer below 400 unless
EXPECTED_FAILURE says otherwise (the docs say so too).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, fresh_env

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SH_BLOCK = re.compile(r"^```(?:sh|bash|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)

pytestmark = pytest.mark.standalone

NEEDS_POSTGRES = (
    "needs the PostgreSQL server the example names (db.internal); tests/ops and the PostgreSQL pass cover it"
)
SYNC = "fetches from api.tvmaze.com over the internet; tests/sync runs the same sync against a fake upstream"

# Reviewed: why each of these cannot run in a test. Keys are the commands exactly as shown.
CANNOT_RUN_HERE: dict[str, str] = {
    "make run": "runs `openmaze serve --demo` in the foreground for good; this test runs that command, "
    "and tests/ops/test_makefile.py checks what `make run` runs",
    "make test": "runs this very suite",
    "openmaze serve --host 0.0.0.0 --port 8000": "a server in the foreground on a fixed port on every interface; "
    "tests/core/test_cli.py starts serve and checks what it prints about --host",
    "openmaze serve --host 127.0.0.1 --workers 4": "a server in the foreground on a fixed port; "
    "tests/ops/test_workers.py runs several workers",
    "openmaze serve --host 127.0.0.1 --port 8000 --workers 4": "as above",
    "openmaze serve --sandbox --demo": "a sandbox server in the foreground for good; tests/sandbox starts it "
    "(openmaze.testing.SandboxServer) and checks what it prints",
    "pip install openmaze": "installs from the package index; tests/ops/test_wheel.py installs the built wheel "
    "into a fresh venv instead",
    "openmaze catalog sync --shows 82 169 1871": SYNC,
    "openmaze catalog sync --all": SYNC,
    "openmaze catalog sync": SYNC,
    "openmaze catalog sync --followed": SYNC,
    "openmaze catalog sync --upstream http://other-openmaze:8000 --shows 82": "needs a second server holding show 82; "
    "tests/sync/test_sync.py syncs from an upstream",
    "export OPENMAZE_DATABASE_URL=postgresql://openmaze@db.internal:5432/openmaze": NEEDS_POSTGRES,
    "export OPENMAZE_DATABASE_URL=postgresql://openmaze:PASSWORD@db.internal:5432/openmaze": NEEDS_POSTGRES,
    "export OPENMAZE_SECRET_KEY=...": "a placeholder for a secret the reader generates (the next block shows how)",
    "export OPENMAZE_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')": "sets a variable "
    "for the PostgreSQL example that follows it",
    "export OPENMAZE_REDIS_URL=redis://redis.internal:6379/0": "names a Redis host that does not exist here; "
    "tests/scale runs on Redis",
    "export OPENMAZE_REDIS_KEY_PREFIX=openmaze": "configures the Redis example above",
    "export OPENMAZE_TRUST_PROXY_HEADERS=true": "configures a server behind nginx; "
    "tests/hardening covers the proxy headers",
    "export OPENMAZE_FORWARDED_ALLOW_IPS=127.0.0.1": "as above",
    "export OPENMAZE_PUBLIC_URL=https://tv.example.org": "as above",
    "openmaze migrate": "in docs/deployment.md it follows the PostgreSQL exports (db.internal); "
    "tests/core/test_cli.py runs migrate",
    "sudo -u postgres createuser openmaze --pwprompt": "administers a PostgreSQL server as root, interactively",
    "sudo -u postgres createdb openmaze --owner openmaze": "administers a PostgreSQL server as root",
}

# Commands the docs show failing on purpose, with the status they document.
POLL = (
    """curl -s -H 'Content-Type: application/json' -d '{"token": "<poll token>"}' http://localhost:8000/v1/auth/poll"""
)
EXPECTED_FAILURE = {POLL: 403}  # "403 until allowed": nobody presses Allow in this test


@dataclass(frozen=True)
class Command:
    document: str
    line: int
    text: str


def documented_commands() -> list[Command]:
    commands = []
    for document in DOCUMENTS:
        text = document.read_text()
        for block in SH_BLOCK.finditer(text):
            first_line = text[: block.start(1)].count("\n") + 1
            for offset, raw in enumerate(block.group(1).splitlines()):
                command = _strip_comment(raw).strip()
                if command:
                    commands.append(Command(str(document.relative_to(ROOT)), first_line + offset, command))
    return commands


def _strip_comment(line: str) -> str:
    """The line without a trailing `# comment` (a `#` outside quotes, after a space)."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] == " "):
            return line[:i]
    return line


def test_the_allow_list_names_only_commands_the_docs_show() -> None:
    shown = {c.text for c in documented_commands()}
    assert sorted(set(CANNOT_RUN_HERE) - shown) == []
    assert sorted(set(EXPECTED_FAILURE) - shown) == []


@dataclass
class Demo:
    url: str
    key: str
    env: dict[str, str]
    cwd: Path


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    """`openmaze serve --demo` as the README starts it, with a home folder of its own."""
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    env = fresh_env(home)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "openmaze", "serve", "--demo", "--port", str(port)],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        key = re.search(r"API key: (omk_\w+)", log_path.read_text())
        assert key, log_path.read_text()
        yield Demo(url, key.group(1), {**env, "KEY": key.group(1)}, cwd)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None, reason="needs curl and bash")
def test_the_documented_commands_run(demo: Demo) -> None:
    me = subprocess.run(
        ["openmaze", "user", "create", "me", "--email", "me@example.com", "--premium", "1"],
        env=demo.env,
        cwd=demo.cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert me.returncode == 0, me.stderr
    remembered: dict[str, str] = {}
    ran = []
    for command in documented_commands():
        if command.text in CANNOT_RUN_HERE:
            continue
        tool = command.text.split()[0]
        if tool not in ("curl", "openmaze", "mkdir") and shutil.which(tool) is None:
            continue  # e.g. sqlite3's shell, not installed on every machine
        script = (
            command.text.replace("http://localhost:8000", demo.url)
            .replace("omk_...", demo.key)
            .replace("<poll token>", remembered.get("token", "<poll token>"))
        )
        # A curl that answers 400 or more exits non-zero (and still prints the body).
        result = subprocess.run(
            ["bash", "-c", f'curl() {{ command curl --fail-with-body -sS "$@"; }}\n{script}'],
            env=demo.env,
            cwd=demo.cwd,
            capture_output=True,
            text=True,
            timeout=60,
        )
        where = f"{command.document}:{command.line}: {command.text}\n{result.stdout}\n{result.stderr}"
        expected = EXPECTED_FAILURE.get(command.text)
        if expected is None:
            assert result.returncode == 0, where
        else:
            assert result.returncode == 22 and f'"status":{expected}' in result.stdout, where
        if tool == "curl" and result.stdout.startswith("{"):
            remembered.update({k: v for k, v in json.loads(result.stdout).items() if isinstance(v, str)})
        ran.append(command.text)
    # The README's own example ran, and so did the pairing flow of docs/api.md.
    assert any("/v1/auth/validate" in c for c in ran)
    assert any("/v1/auth/start" in c for c in ran) and "token" in remembered


def test_the_deployment_guide_matches_the_code() -> None:
    guide = (ROOT / "docs" / "deployment.md").read_text()
    # Revisions move with every migration: the guide names none.
    assert not re.search(r"revision \d{4}", guide)
    # The SQLite read cache exists and is described, not denied.
    assert "OPENMAZE_READ_CACHE_MB" in guide and "Nothing else is cached" not in guide
    # The systemd unit does not depend on the folder systemd happens to start it in.
    unit = guide.split("# /etc/systemd/system/openmaze.service", 1)[1].split("```", 1)[0]
    assert "WorkingDirectory=/var/lib/openmaze" in unit and "OPENMAZE_DATA_DIR=/var/lib/openmaze" in unit
    # systemd takes comments only on lines of their own.
    assert not [line for line in unit.splitlines() if "#" in line and not line.lstrip().startswith("#")]
