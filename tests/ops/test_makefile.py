"""`make run` installs only what running needs, so a fresh clone serves sooner; `make test`
(and `make install`) add the developer tools."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def planned(target: str, tmp_path: Path) -> str:
    """The commands `make TARGET` would run on a fresh clone (a virtualenv not made yet)."""
    # Not the flags of a `make test` this suite may run under (they print directory changes).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", target, f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_run_installs_no_developer_tools(tmp_path: Path) -> None:
    run = planned("run", tmp_path)
    assert "pip install -e .\n" in run and "[dev]" not in run
    assert "--quiet -e ." not in run  # pip's progress is visible
    assert run.rstrip().endswith("openmaze serve --demo")
    for target in ("test", "lint", "install"):
        assert "pip install --quiet -e '.[dev]'" in planned(target, tmp_path), target
