"""The package as people install it (`pipx install openmaze`, `pip install openmaze-*.whl`):
the wheel built from this checkout, installed in a fresh virtualenv outside it, runs
`openmaze serve --demo` from an unrelated folder with an empty home, and the key it prints
works. Templates, static files, migrations and the spec must all be in the wheel for that."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import httpx
import pytest

from tests.conftest import DATA_FOLDER, free_port, fresh_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.standalone


def _run(*args: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result


def test_the_wheel_installs_and_serves_the_demo_outside_the_checkout(tmp_path: Path) -> None:
    # Copy the sources the build needs, so that the build leaves nothing in the checkout.
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "*.egg-info", "build", "__pycache__", ".*_cache", "test-artifacts"
        ),
    )
    _run(sys.executable, "-m", "pip", "wheel", src, "--no-deps", "--quiet", "-w", tmp_path / "dist")
    (wheel,) = (tmp_path / "dist").glob("openmaze-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    _run(bin_dir / "python", "-m", "pip", "install", "--quiet", wheel)

    home, cwd = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    cwd.mkdir()
    env = {k: v for k, v in fresh_env(home).items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    assert "--host" in _run(bin_dir / "openmaze", "serve", "--help", cwd=cwd, env=env).stdout

    port = free_port()
    log = (tmp_path / "serve.log").open("w+")
    proc = subprocess.Popen(
        [bin_dir / "openmaze", "serve", "--demo", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        output = (tmp_path / "serve.log").read_text()
        match = re.search(r"curl -u demo:(\S+) http://localhost:\d+/v1/auth/validate", output)
        assert match, output
        curl = shutil.which("curl")
        if curl:
            validated = _run(curl, "-sS", "-u", f"demo:{match.group(1)}", f"{base}/v1/auth/validate").stdout
        else:
            validated = httpx.get(f"{base}/v1/auth/validate", auth=("demo", match.group(1))).text
        assert validated == '{"premium":3}'
        assert httpx.get(base + "/login").status_code == 200  # templates
        assert httpx.get(base + "/static/style.css").status_code == 200
        assert httpx.get(base + "/docs-assets/swagger-ui-bundle.js").status_code == 200
        assert httpx.get(base + "/shows/900001").json()["id"] == 900001  # the demo catalog
        assert (home / DATA_FOLDER / "openmaze.sqlite3").is_file()
        assert list(cwd.iterdir()) == []
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
