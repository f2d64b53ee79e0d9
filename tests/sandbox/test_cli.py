"""`openmaze serve --sandbox`: says what it is at start, prints a token it made (never one
it was given), marks every answer, and refuses several workers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET, LiveServer, start_server, stop_server


def test_serve_sandbox_prints_a_new_token_and_marks_answers(database_url: str, tmp_path: Path) -> None:
    server = start_server(database_url, tmp_path, args=["--sandbox"])
    try:
        log = server.log()
        assert "SANDBOX MODE: for testing TVmaze clients, NOT for real data" in log
        found = re.search(r"Sandbox token: (\S+)", log)
        assert found is not None
        token = found.group(1)
        answer = httpx.get(server.url + "/_sandbox/clock", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and answer.headers["x-openmaze-sandbox"] == "1"
        assert httpx.get(server.url + "/healthz").headers["x-openmaze-sandbox"] == "1"
    finally:
        stop_server(server)
    assert server.log().count(token) == 1  # printed once at start, never logged after


def test_a_given_token_is_not_printed(database_url: str, tmp_path: Path) -> None:
    token = "given-by-the-environment-0123456789"
    server = start_server(database_url, tmp_path, extra_env={"OPENMAZE_SANDBOX_TOKEN": token}, args=["--sandbox"])
    try:
        answer = httpx.put(
            server.url + "/_sandbox/ratelimit", headers={"Authorization": f"Bearer {token}"}, json={"calls": 20}
        )
        assert answer.status_code == 200
    finally:
        stop_server(server)
    assert "Sandbox token: the one in OPENMAZE_SANDBOX_TOKEN" in server.log()
    assert token not in server.log()


def test_serve_without_sandbox_has_none(live_server: LiveServer) -> None:
    assert httpx.get(live_server.url + "/_sandbox/clock").status_code == 404
    assert "x-openmaze-sandbox" not in httpx.get(live_server.url + "/healthz").headers
    assert "SANDBOX" not in live_server.log()


def test_sandbox_refuses_several_workers(database_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "OPENMAZE_DATABASE_URL": database_url, "OPENMAZE_SECRET_KEY": TEST_SECRET}
    result = subprocess.run(
        [sys.executable, "-m", "openmaze", "serve", "--sandbox", "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--sandbox runs one worker" in result.stderr
