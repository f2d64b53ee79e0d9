"""One database per user whatever folder a command runs in; commands that only use a
database refuse a missing or unmigrated one in one line; an older ./data is kept in use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from openmaze.settings import Settings
from tests.conftest import DATA_FOLDER, fresh_env


def run(cwd: Path, home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openmaze", *args],
        cwd=cwd,
        env=fresh_env(home),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def folder(tmp_path: Path, name: str) -> Path:
    (tmp_path / name).mkdir()
    return tmp_path / name


def test_the_database_is_the_same_from_any_folder(tmp_path: Path, home: Path) -> None:
    one, two = folder(tmp_path, "one"), folder(tmp_path, "two")
    created = run(one, home, "user", "create", "ann", "--email", "ann@example.com", "--premium", "3")
    assert created.returncode == 0, created.stderr
    database = home / DATA_FOLDER / "openmaze.sqlite3"
    assert f"created a new database: sqlite:///{database}" in created.stderr
    listed = run(two, home, "user", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert '"username":"ann"' in listed.stdout
    assert not (one / "data").exists() and not (two / "data").exists()
    assert oct((database.parent / "secret.key").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    "args",
    [
        ("user", "list"),
        ("user", "set-premium", "ann", "3"),
        ("user", "delete", "ann", "--yes"),
        ("key", "list", "ann"),
        ("key", "create", "ann"),
        ("export", "ann"),
    ],
)
def test_commands_that_use_a_database_refuse_a_missing_one(tmp_path: Path, home: Path, args: tuple[str, ...]) -> None:
    result = run(folder(tmp_path, "cwd"), home, *args)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no database at sqlite:///"), result.stderr
    assert "openmaze migrate" in lines[0]
    assert not (home / DATA_FOLDER / "openmaze.sqlite3").exists()  # none was created


def test_an_unmigrated_database_is_named_not_a_traceback(tmp_path: Path, home: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    result = run(folder(tmp_path, "cwd"), home, "user", "list", "--database-url", f"sqlite:///{empty}")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"error: the database sqlite:///{empty} has no openmaze tables: run `openmaze migrate` (or `openmaze serve`) "
        "first, or point OPENMAZE_DATA_DIR or --database-url at your database"
    )


def test_an_existing_data_folder_in_the_current_folder_is_kept_with_a_notice(tmp_path: Path, home: Path) -> None:
    old = folder(tmp_path, "old")
    legacy_url = f"sqlite:///{old / 'data' / 'openmaze.sqlite3'}"
    assert run(old, home, "migrate", "--database-url", legacy_url).returncode == 0
    created = run(old, home, "user", "create", "bo", "--email", "bo@example.com", "--database-url", legacy_url)
    assert created.returncode == 0
    listed = run(old, home, "user", "list")
    assert listed.returncode == 0 and listed.stdout.startswith("bo "), listed.stderr
    notice = listed.stderr
    assert notice.startswith(f"notice: using the database in {old / 'data'}")
    assert f"OPENMAZE_DATA_DIR={old / 'data'}" in notice and f"{home / DATA_FOLDER}" in notice
    # Elsewhere, the user's data folder, which has no database yet.
    assert run(folder(tmp_path, "elsewhere"), home, "user", "list").returncode == 1


def test_a_data_dir_setting_wins_and_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "openmaze.sqlite3").touch()
    chosen = Settings(data_dir=Path("mine")).data_location()
    assert chosen.path == tmp_path / "mine" and chosen.notice is None
    legacy = Settings(data_dir=None).data_location()
    assert legacy.path == tmp_path / "data" and legacy.notice is not None
    url = Settings(data_dir=None).resolved_database_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'openmaze.sqlite3'}"


def test_an_older_schema_asks_for_migrate(tmp_path: Path, home: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    from openmaze.db import migrate

    migrate.upgrade(url, "0001")
    result = run(folder(tmp_path, "cwd"), home, "user", "list", "--database-url", url)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: the database {url} is at an older revision (0001): run `openmaze migrate`"
