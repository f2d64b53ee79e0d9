"""The account commands the web pages depend on: `user create --password-stdin`,
`--unconfirmed`, and `user set-password` (stdin when piped, a prompt twice on a terminal)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from starlette.testclient import TestClient

from tests.conftest import TEST_SECRET
from tests.pairing.support import PASSWORD, login


def _env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "OPENMAZE_DATABASE_URL": database_url,
        "OPENMAZE_SECRET_KEY": TEST_SECRET,
        "OPENMAZE_DATA_DIR": str(tmp_path),
    }


def openmaze(database_url: str, tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openmaze", *args],
        input=stdin,
        env=_env(database_url, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_create_with_password_from_stdin_can_log_in(pclient: TestClient, database_url: str, tmp_path: Path) -> None:
    r = openmaze(database_url, tmp_path, "user", "create", "hal", "--email", "hal@example.com", "--password-stdin",
                 stdin=PASSWORD + "\n")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert login(pclient, "hal").status_code == 303
    # Confirmed unless told otherwise: pairing by email works.
    assert pclient.post("/v1/auth/start", json={"email": "hal@example.com"}).status_code == 200


def test_create_refuses_a_short_password(database_url: str, tmp_path: Path) -> None:
    r = openmaze(database_url, tmp_path, "user", "create", "ivy", "--email", "ivy@example.com", "--password-stdin",
                 stdin="short\n")  # fmt: skip
    assert r.returncode == 1
    assert "at least 8 characters" in r.stderr


def test_create_unconfirmed_cannot_start_pairing(pclient: TestClient, database_url: str, tmp_path: Path) -> None:
    r = openmaze(database_url, tmp_path, "user", "create", "jo", "--email", "jo@example.com", "--unconfirmed")
    assert r.returncode == 0, r.stderr
    assert pclient.post("/v1/auth/start", json={"email": "jo@example.com"}).status_code == 401


def test_set_password_from_stdin(pclient: TestClient, database_url: str, tmp_path: Path) -> None:
    assert openmaze(database_url, tmp_path, "user", "create", "kim", "--email", "kim@example.com").returncode == 0
    assert login(pclient, "kim").status_code == 401  # no password yet
    r = openmaze(database_url, tmp_path, "user", "set-password", "kim", stdin=PASSWORD + "\r\n")
    assert r.returncode == 0, r.stderr
    assert "password set for kim" in r.stdout
    assert login(pclient, "kim").status_code == 303
    r = openmaze(database_url, tmp_path, "user", "set-password", "nobody", stdin=PASSWORD + "\n")
    assert r.returncode == 1 and "no user named" in r.stderr


class Terminal:
    """`openmaze` on a pseudo-terminal, as a person at a shell runs it."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "openmaze", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.screen = ""

    def expect(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            left = deadline - time.monotonic()
            assert left > 0, f"never saw {text!r}; screen: {self.screen!r}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.screen += os.read(self.master, 1024).decode(errors="replace")
                except OSError:  # the child closed the terminal
                    break
        assert text in self.screen, self.screen

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def finish(self) -> int:
        code = self.process.wait(timeout=30)
        try:
            while select.select([self.master], [], [], 0.1)[0]:
                self.screen += os.read(self.master, 1024).decode(errors="replace")
        except OSError:
            pass
        os.close(self.master)
        return code


def test_set_password_prompts_twice_on_a_terminal(pclient: TestClient, database_url: str, tmp_path: Path) -> None:
    assert openmaze(database_url, tmp_path, "user", "create", "lee", "--email", "lee@example.com").returncode == 0
    term = Terminal(["user", "set-password", "lee"], _env(database_url, tmp_path))
    term.expect("New password: ")
    term.type(PASSWORD)
    term.expect("Repeat it: ")
    term.type(PASSWORD)
    assert term.finish() == 0, term.screen
    assert "password set for lee" in term.screen
    assert PASSWORD not in term.screen  # not echoed
    assert login(pclient, "lee").status_code == 303


def test_set_password_on_a_terminal_refuses_differing_passwords(
    pclient: TestClient, database_url: str, tmp_path: Path
) -> None:
    assert openmaze(database_url, tmp_path, "user", "create", "max", "--email", "max@example.com").returncode == 0
    term = Terminal(["user", "set-password", "max"], _env(database_url, tmp_path))
    term.expect("New password: ")
    term.type(PASSWORD)
    term.expect("Repeat it: ")
    term.type(PASSWORD + "x")
    assert term.finish() == 1
    assert "the passwords differ" in term.screen
    assert login(pclient, "max").status_code == 401


def test_delete_on_a_terminal_asks_for_the_username(pclient: TestClient, database_url: str, tmp_path: Path) -> None:
    assert openmaze(database_url, tmp_path, "user", "create", "ned", "--email", "ned@example.com").returncode == 0
    term = Terminal(["user", "delete", "ned"], _env(database_url, tmp_path))
    term.expect("Type the username: ")
    term.type("nope")
    assert term.finish() == 1 and "not deleted" in term.screen
    term = Terminal(["user", "delete", "ned"], _env(database_url, tmp_path))
    term.expect("Type the username: ")
    term.type("ned")
    assert term.finish() == 0 and "deleted user ned" in term.screen
    assert login(pclient, "ned").status_code == 401
