"""The plugin exactly as an outside project uses it: tests/sandbox/project/ (a TVmaze client
and its tests, importing only `openmaze.testing`) copied out of this repository and run by
a pytest of its own, which finds the fixtures through the `pytest11` entry point alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).parent / "project"


def test_a_client_project_runs_its_tests_on_the_fixture(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENMAZE_", "PYTEST_"))}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-W", "ignore::DeprecationWarning", "-rA"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 passed" in result.stdout, result.stdout


def test_the_guide_shows_the_example_project_as_it_is() -> None:
    guide = (Path(__file__).parents[2] / "docs" / "sandbox.md").read_text()
    for name in ("tvclient.py", "test_tvclient.py"):
        assert f"```python\n{(PROJECT / name).read_text()}```" in guide, f"docs/sandbox.md: {name} is stale"
