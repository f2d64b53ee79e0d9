"""`make lint` refuses an upward import and a cycle between packages (import-linter, with the
contracts in pyproject.toml). Checked here on a copy of the package with one bad import
added, so a contract that stops catching anything fails the suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "src" / "openmaze", tmp_path / "openmaze", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _add_import(src: Path, module: str, statement: str) -> None:
    path = src / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + f"\n{statement}  # noqa\n")


def test_the_package_keeps_its_layers(copy: Path) -> None:
    result = _lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_upward_import_breaks_the_layers(copy: Path) -> None:
    _add_import(copy, "openmaze.core.errors", "import openmaze.web.pages")
    result = _lint(copy)
    assert result.returncode != 0
    assert "openmaze.core is not allowed to import openmaze.web" in result.stdout


def test_domains_of_one_layer_stay_independent(copy: Path) -> None:
    _add_import(copy, "openmaze.votes.service", "import openmaze.tags.service")
    result = _lint(copy)
    assert result.returncode != 0
    assert "openmaze.votes is not allowed to import openmaze.tags" in result.stdout


def test_a_cycle_inside_a_package_is_refused(copy: Path) -> None:
    _add_import(copy, "openmaze.web.sessions", "import openmaze.web.account")
    result = _lint(copy)
    assert result.returncode != 0
    assert "No cycles are allowed in openmaze.web" in result.stdout
