"""The CLI contract: other tools drive openmaze through exactly these commands."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from openmaze.settings import Settings
from tests.conftest import DATA_FOLDER, TEST_SECRET, free_port, fresh_env, run_sync


def openmaze(
    database_url: str, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openmaze", *args, "--database-url", database_url],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "OPENMAZE_SECRET_KEY": TEST_SECRET, **(env or {})},
        timeout=60,
    )


def test_user_create_json_prints_exactly_one_object(database_url: str, client: TestClient) -> None:
    result = openmaze(
        database_url, "user", "create", "Carol", "--email", "carol@example.com", "--premium", "2", "--json"
    )
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert set(created) == {"username", "apikey"}
    assert created["username"] == "Carol"
    assert created["apikey"].startswith("omk_")
    # The key works straight away, and the username is case-insensitive.
    assert client.get("/v1/auth/validate", auth=("carol", created["apikey"])).json() == {"premium": 2}


def test_user_create_refuses_duplicates_and_bad_input(database_url: str) -> None:
    assert openmaze(database_url, "user", "create", "dave", "--email", "dave@example.com").returncode == 0
    dup = openmaze(database_url, "user", "create", "DAVE", "--email", "other@example.com")
    assert dup.returncode == 1
    assert "already taken" in dup.stderr
    assert "Traceback" not in dup.stderr
    bad = openmaze(database_url, "user", "create", "eve", "--email", "not-an-email")
    assert bad.returncode == 1
    assert "email" in bad.stderr


def test_user_list_set_premium_delete(database_url: str, client: TestClient) -> None:
    key = json.loads(openmaze(database_url, "user", "create", "frank", "--email", "f@example.com", "--json").stdout)[
        "apikey"
    ]
    users = json.loads(openmaze(database_url, "user", "list", "--json").stdout)
    assert [u["username"] for u in users] == ["frank"]
    assert users[0]["premium"] == 0 and users[0]["keys"] == 1

    assert openmaze(database_url, "user", "set-premium", "frank", "3").returncode == 0
    assert client.get("/v1/auth/validate", auth=("frank", key)).json() == {"premium": 3}

    assert openmaze(database_url, "user", "delete", "frank").returncode == 0
    assert json.loads(openmaze(database_url, "user", "list", "--json").stdout) == []
    missing = openmaze(database_url, "user", "delete", "frank")
    assert missing.returncode == 1 and "no user named" in missing.stderr


def test_keys_create_list_revoke(database_url: str, client: TestClient) -> None:
    first = json.loads(openmaze(database_url, "user", "create", "gina", "--email", "g@example.com", "--json").stdout)
    second = json.loads(openmaze(database_url, "key", "create", "gina", "--name", "kodi box", "--json").stdout)
    assert second["name"] == "kodi box" and second["apikey"] != first["apikey"]

    keys = json.loads(openmaze(database_url, "key", "list", "gina", "--json").stdout)
    assert [k["name"] for k in keys] == ["cli", "kodi box"]
    # Only a short prefix of each key is ever shown again.
    assert all(len(k["prefix"]) == 8 and second["apikey"].startswith(keys[1]["prefix"]) for k in keys[1:])
    assert second["apikey"] not in json.dumps(keys)

    for key in (first["apikey"], second["apikey"]):
        assert client.get("/v1/auth/validate", auth=("gina", key)).status_code == 200
    assert openmaze(database_url, "key", "revoke", "gina", str(second["id"])).returncode == 0
    assert openmaze(database_url, "key", "revoke", "gina", str(second["id"])).returncode == 1
    # Another process revoked it: this server's cache forgets within auth_cache_seconds.
    client.app.state.services.authenticator.forget_key(second["id"])  # type: ignore[attr-defined]
    assert client.get("/v1/auth/validate", auth=("gina", second["apikey"])).status_code == 401
    assert client.get("/v1/auth/validate", auth=("gina", first["apikey"])).status_code == 200
    listed = json.loads(openmaze(database_url, "key", "list", "gina", "--all", "--json").stdout)
    assert listed[1]["revoked_at"] is not None


def test_set_password_from_stdin(database_url: str) -> None:
    openmaze(database_url, "user", "create", "hank", "--email", "h@example.com")
    result = openmaze(database_url, "user", "set-password", "hank", stdin="correct horse battery\n")
    assert result.returncode == 0, result.stderr
    short = openmaze(database_url, "user", "set-password", "hank", stdin="short\n")
    assert short.returncode == 1 and "8 characters" in short.stderr


def test_migrate_on_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    result = openmaze(url, "migrate")
    assert result.returncode == 0, result.stderr
    assert "revision" in result.stdout
    assert openmaze(url, "migrate").returncode == 0  # idempotent


def test_serve_demo_on_a_fresh_directory_answers_validate(tmp_path: Path) -> None:
    """`openmaze serve --demo` with no configuration at all: SQLite in the user's data
    folder, a generated secret, the demo catalog, a premium user `demo`, and a working curl
    line; it says which database it uses and who can reach it."""
    port = free_port()
    home = tmp_path / "home"
    env = fresh_env(home)
    (tmp_path / "cwd").mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "openmaze", "serve", "--demo", "--port", str(port)],
        cwd=tmp_path / "cwd",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    data = home / DATA_FOLDER
    try:
        key = password = None
        seen = []
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline and password is None:
            line = proc.stdout.readline()
            seen.append(line)
            match = re.search(r"curl -u demo:(\S+) http://localhost:(\d+)/v1/auth/validate", line)
            if match:
                key = match.group(1)
            match = re.search(r"/login +\(user demo, password (\S+);", line)
            if match:
                password = match.group(1)
        output = "".join(seen)
        assert key is not None, "serve --demo printed no curl line"
        assert password is not None, "serve --demo printed no web password"
        assert f"database: sqlite:///{data / 'openmaze.sqlite3'}" in output
        assert f"listening on http://localhost:{port} for this machine only" in output and "--host 0.0.0.0" in output
        assert "demo@openmaze.invalid" in output and "openmaze user set-password demo" in output
        for _ in range(100):
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/v1/auth/validate", auth=("demo", key))
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert r.status_code == 200 and r.json() == {"premium": 3}
        assert (data / "openmaze.sqlite3").exists()
        assert oct((data / "secret.key").stat().st_mode & 0o777) == "0o600"
        assert not (tmp_path / "cwd" / "data").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_demo_key_survives_restarts_until_a_new_one_is_asked_for(
    settings: Settings, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    from openmaze.cli import _load_demo

    def start(new_key: bool = False) -> str:
        _load_demo(settings, "http://localhost:8000", new_key=new_key)
        out = capsys.readouterr().out
        match = re.search(r"API key: (omk_\w+)", out)
        assert match, out
        assert "demo@openmaze.invalid" in out and "openmaze user set-password demo" in out
        return match.group(1)

    def valid(key: str) -> int:
        client.app.state.services.authenticator.forget_user(1)  # type: ignore[attr-defined]
        return client.get("/v1/auth/validate", auth=("demo", key)).status_code

    first = start()
    assert start() == first and valid(first) == 200
    fresh = start(new_key=True)
    assert fresh != first and valid(fresh) == 200 and valid(first) == 401
    assert start() == fresh
    # Nothing stored in clear: the key appears nowhere in the database.
    rows = run_sync(settings.resolved_database_url(), lambda conn: conn.fetch_all("SELECT * FROM api_keys"))
    assert fresh not in repr([dict(r) for r in rows])
    listed = [r for r in rows if r["name"] == "serve --demo"]
    assert [r["revoked_at"] is None for r in listed] == [False, True]


def test_every_command_and_option_has_a_help_line() -> None:
    import argparse

    from openmaze.cli import build_parser

    missing = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, child in action.choices.items():
                    if not helps.get(name):
                        missing.append(f"{path} {name}")
                    walk(child, f"{path} {name}")
            elif not action.help:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
            elif action.option_strings and action.default not in (None, False, argparse.SUPPRESS):
                text = parser._get_formatter()._expand_help(action)
                assert f"default: {action.default}" in text, (path, text)

    walk(build_parser(), "openmaze")
    assert missing == []


def test_user_create_says_when_the_user_cannot_use_the_user_api(database_url: str) -> None:
    result = openmaze(database_url, "user", "create", "ivy", "--email", "ivy@example.com", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["username"] == "ivy"
    assert "premium 0" in result.stderr and "openmaze user set-premium ivy 3" in result.stderr
    gold = openmaze(database_url, "user", "create", "jo", "--email", "jo@example.com", "--premium", "3")
    assert "premium" not in gold.stderr


@pytest.mark.parametrize("url", ["postgresql://u@h:5432/db", "postgres://u@h/db", "postgresql+asyncpg://u@h/db"])
def test_postgres_urls_normalise(url: str) -> None:
    from openmaze.db.database import dialect_of, normalize_url

    assert dialect_of(url) == "postgresql"
    assert normalize_url(url).startswith("postgresql://u@h")


def test_postgres_without_secret_is_refused() -> None:
    from openmaze.settings import Settings

    with pytest.raises(RuntimeError, match="OPENMAZE_SECRET_KEY"):
        Settings(database_url="postgresql://u@h/db", secret_key="").resolved_secret_key()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://om:s3cret@db.internal:5432/om", "postgresql://om:***@db.internal:5432/om"),
        ("postgresql://om:p@ss@db/om?sslmode=require", "postgresql://om:***@db/om?sslmode=require"),
        ("postgresql://om@db/om", "postgresql://om@db/om"),
        ("sqlite:////home/me/.local/share/openmaze/openmaze.sqlite3", None),
    ],
)
def test_database_urls_are_printed_without_their_password(url: str, shown: str | None) -> None:
    from openmaze.db.database import display_url

    assert display_url(url) == (shown or url)


def test_serve_says_who_can_reach_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from openmaze import cli

    monkeypatch.setattr(cli, "_lan_address", lambda: "192.168.1.20")
    assert cli._display_host("0.0.0.0") == "192.168.1.20"
    assert cli._display_host("127.0.0.1") == "localhost"
    everyone = cli._listening("0.0.0.0", 8000, "http://192.168.1.20:8000")
    assert "other devices on your network reach it at http://192.168.1.20:8000" in everyone
    assert "anyone on that network" in everyone
    local = cli._listening("127.0.0.1", 8000, "http://localhost:8000")
    assert "this machine only" in local and "--host 0.0.0.0" in local


def test_serve_demo_gives_an_older_demo_catalog_its_seasons_and_the_rest(
    settings: Settings, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A data folder whose demo catalog an older openmaze loaded (no seasons, crew, guests)
    gets them at the next `serve --demo`, with the same ids."""
    from openmaze.cli import _load_demo
    from openmaze.db.database import Conn

    async def make_old(conn: Conn) -> None:
        for table in ("seasons", "show_crew", "episode_guest_cast", "show_lists"):
            await conn.execute(f"DELETE FROM {table}")

    async def counts(conn: Conn) -> tuple[int, ...]:
        return tuple(
            [
                await conn.fetch_val(f"SELECT COUNT(*) FROM {t}")
                for t in ("seasons", "show_crew", "episode_guest_cast", "show_lists", "shows")
            ]
        )

    before = run_sync(database_url, counts)
    run_sync(database_url, make_old)
    _load_demo(settings, "http://127.0.0.1:8000")
    assert run_sync(database_url, counts) == before
    assert "Loaded the demo catalog" not in capsys.readouterr().out  # not a first load
