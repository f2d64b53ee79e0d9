"""Starting and stopping the servers under test, and reading their memory use."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def memory_kb(self) -> dict[str, int]:
        """VmHWM (peak resident set) and VmRSS (now) of the server process, in kB."""
        out: dict[str, int] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0])
        return out

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _wait(server: Server, probe: str, timeout: float = 60) -> Server:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early:\n{server.log_path.read_text(errors='replace')}")
        try:
            httpx.get(server.url + probe, timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{server.name} did not start:\n{server.log_path.read_text(errors='replace')}")


def start_openmaze(database_url: str, secret: str, workdir: Path, env: dict[str, str] | None = None) -> Server:
    """`openmaze serve`: one uvicorn worker, uvloop + httptools (its defaults), no access log."""
    port = free_port()
    env = {
        **os.environ,
        "OPENMAZE_DATABASE_URL": database_url,
        "OPENMAZE_SECRET_KEY": secret,
        "OPENMAZE_DATA_DIR": str(workdir),
        **(env or {}),
    }
    log_path = workdir / f"openmaze-{port}.log"
    cmd = [sys.executable, "-m", "openmaze", "serve", "--port", str(port), "--workers", "1"]
    cmd += ["--no-access-log", "--log-level", "warning"]
    process = subprocess.Popen(cmd, env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT)
    return _wait(Server("openmaze", f"http://127.0.0.1:{port}", process, log_path), "/healthz")


def start_raw(responses: Path, workdir: Path) -> Server:
    port = free_port()
    log_path = workdir / f"raw-{port}.log"
    cmd = [sys.executable, "-m", "bench.raw_app", "--port", str(port), "--responses", str(responses)]
    process = subprocess.Popen(cmd, stdout=log_path.open("wb"), stderr=subprocess.STDOUT, cwd=_repo_root())
    return _wait(Server("raw ASGI", f"http://127.0.0.1:{port}", process, log_path), "/")


def _repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
