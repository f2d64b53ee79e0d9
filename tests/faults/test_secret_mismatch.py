"""Finding 6: a CLI command run with another data folder than the server's silently made a
second secret, and the key it printed got 401.

Now the database records which secret its keys were hashed with (a MAC, never the secret);
a command with another secret says so, exits non-zero, mints nothing and leaves no second
secret behind; so does `serve`."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.standalone


def openmaze(*args: str, data_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("OPENMAZE_")}
    return subprocess.run(
        [sys.executable, "-m", "openmaze", *args],
        env={**base, "OPENMAZE_DATA_DIR": str(data_dir), **(env or {})},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def keys(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        count: int = conn.execute("SELECT COUNT(*) FROM api_keys").fetchone()[0]
    return count


def test_a_command_with_another_secret_mints_nothing(tmp_path: Path) -> None:
    server_dir, other_dir = tmp_path / "server", tmp_path / "elsewhere"
    made = openmaze("user", "create", "alice", "--email", "a@example.com", "--premium", "1", data_dir=server_dir)
    assert made.returncode == 0, made.stderr
    db = server_dir / "openmaze.sqlite3"
    url = f"sqlite:///{db}"

    # Another data folder: no secret.key there, so one would be generated.
    wrong = openmaze("key", "create", "alice", "--database-url", url, data_dir=other_dir)
    assert wrong.returncode == 1
    assert "another secret" in wrong.stderr and "OPENMAZE_DATA_DIR" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    assert not (other_dir / "secret.key").exists(), "no second secret is left behind"
    assert keys(db) == 1

    # Another secret given outright.
    for command in (
        ("key", "create", "alice"),
        ("user", "links", "alice"),
        ("user", "create", "bob", "--email", "b@x.io"),
    ):
        wrong = openmaze(*command, "--database-url", url, data_dir=other_dir, env={"OPENMAZE_SECRET_KEY": "other"})
        assert wrong.returncode == 1, command
        assert "another secret" in wrong.stderr, command
    assert keys(db) == 1

    served = openmaze("serve", "--port", "1", data_dir=server_dir, env={"OPENMAZE_SECRET_KEY": "other"})
    assert served.returncode == 1 and "another secret" in served.stderr

    # The server's own settings work as before.
    right = openmaze("key", "create", "alice", "--database-url", url, data_dir=server_dir)
    assert right.returncode == 0, right.stderr
    assert keys(db) == 2
