"""The benchmark harness runs end to end (`python -m bench.run --quick`, one endpoint).

No figure is asserted (speed is measured in `bench/`, not in tests); this checks that the
harness seeds, serves, captures, replays the same bytes from the raw app, loads both and
writes its reports, so `make bench` keeps working as the code changes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import BACKEND, PG_URL

ROOT = Path(__file__).resolve().parents[2]


def test_quick_bench_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "results"
    cmd = [sys.executable, "-m", "bench.run", "--quick", "--only", "auth/validate", "--output", str(out)]
    backends = ["sqlite"]
    if BACKEND == "postgres":
        cmd += ["--postgres", PG_URL]
        backends.append("postgresql")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]

    results = json.loads((out / "quick.json").read_text())
    assert results["machine"]["nproc"] >= 1
    for backend in backends:
        data = results["backends"][backend]
        assert data["seed"]["marked_episodes"] >= 5000
        assert data["responses"]["GET /v1/auth/validate"] == {"status": 200, "bytes": 13, "items": None}
        [row] = data["throughput"]
        assert row["endpoint"] == "GET /v1/auth/validate"
        for side in ("openmaze", "raw"):
            assert row[side]["requests"] > 0
            assert row[side]["bad_status"] == 0
        assert row["share"] > 0
        assert data["memory"]["bench_catalog"]["VmHWM"] > 0
        assert data["memory"]["big_catalog"]["episodes"] >= 12_000
    report = (out / "quick.md").read_text()
    assert "| sqlite | `GET /v1/auth/validate` |" in report
    assert "Command: `python -m bench.run" in report


def test_in_process_timing_runs() -> None:
    """`bench.inproc` seeds, builds the app and times an endpoint and the framework floor."""
    runs = [["follows/shows", "--calls", "20"], ["--framework", "--calls", "20"]]
    if BACKEND == "postgres":
        runs.append(["follows/shows", "--calls", "20", "--postgres", PG_URL])
    for args in runs:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.inproc", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "us per request" in proc.stdout
        if "--framework" not in args:
            assert "us of its CPU" in proc.stdout
