"""Load generation: wrk (Debian's `wrk`) when present, else a small asyncio client.

Both drive keep-alive HTTP/1.1 connections on loopback and report requests/s and latency
percentiles. wrk is the reference (it is written in C and leaves the CPU to the server);
the Python fallback needs a core of its own, so its figures understate the server.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Request:
    method: str
    path: str  # with query string
    headers: dict[str, str]
    body: bytes = b""
    rotate_paths: list[str] | None = None  # cycle through these paths (e.g. one id per request)


@dataclass
class LoadResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    bad_status: int
    socket_errors: int
    tool: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _lua_string(value: str) -> str:
    level = "=" * 4
    while f"]{level}]" in value:
        level += "="
    return f"[{level}[{value}]{level}]"


def wrk_script(req: Request) -> str:
    lines = [f"wrk.method = {_lua_string(req.method)}"]
    for name, value in req.headers.items():
        lines.append(f"wrk.headers[ {_lua_string(name)} ] = {_lua_string(value)}")
    if req.body:
        lines.append(f"wrk.body = {_lua_string(req.body.decode())}")
    if req.rotate_paths:
        lines.append("local paths = {" + ",".join(_lua_string(p) for p in req.rotate_paths) + "}")
        lines.append("local i = 0")
        lines.append("request = function()\n  i = i + 1\n  return wrk.format(nil, paths[(i % #paths) + 1])\nend")
    lines.append(
        "done = function(summary, latency, requests)\n"
        '  io.write(string.format("BENCH_JSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"status\\":%d,'
        '\\"socket\\":%d,\\"p50_us\\":%d,\\"p99_us\\":%d,\\"mean_us\\":%.1f}\\n",\n'
        "    summary.requests, summary.duration, summary.errors.status,\n"
        "    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,\n"
        "    latency:percentile(50), latency:percentile(99), latency.mean))\n"
        "end"
    )
    return "\n".join(lines) + "\n"


def run_wrk(base_url: str, req: Request, connections: int, seconds: float) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(wrk_script(req))
        script = f.name
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                script,
                base_url + req.path,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        Path(script).unlink(missing_ok=True)
    line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
    data = json.loads(line.split(" ", 1)[1])
    secs = data["duration_us"] / 1e6
    return LoadResult(
        requests=data["requests"],
        seconds=round(secs, 2),
        rps=round(data["requests"] / secs, 1),
        p50_ms=round(data["p50_us"] / 1000, 2),
        p99_ms=round(data["p99_us"] / 1000, 2),
        mean_ms=round(data["mean_us"] / 1000, 2),
        bad_status=data["status"],
        socket_errors=data["socket"],
        tool="wrk",
    )


# --- fallback ------------------------------------------------------------------------------


def _raw_request(req: Request, path: str, host: str) -> bytes:
    head = [f"{req.method} {path} HTTP/1.1", f"Host: {host}"]
    head += [f"{k}: {v}" for k, v in req.headers.items()]
    if req.body or req.method in ("POST", "PUT", "PATCH"):
        head.append(f"Content-Length: {len(req.body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + req.body


async def _python_load(host: str, port: int, req: Request, connections: int, seconds: float) -> LoadResult:
    paths = req.rotate_paths or [req.path]
    payloads = [_raw_request(req, p, f"{host}:{port}") for p in paths]
    latencies: list[float] = []
    bad = errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal bad, errors
        reader, writer = await asyncio.open_connection(host, port)
        i = offset
        try:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                writer.write(payloads[i % len(payloads)])
                i += 1
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - start)
                if not 200 <= status < 400:
                    bad += 1
        except (OSError, asyncio.IncompleteReadError):
            errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(connections)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return LoadResult(
        requests=len(latencies),
        seconds=round(elapsed, 2),
        rps=round(len(latencies) / elapsed, 1),
        p50_ms=round(ordered[len(ordered) // 2] * 1000, 2),
        p99_ms=round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
        mean_ms=round(statistics.fmean(ordered) * 1000, 2),
        bad_status=bad,
        socket_errors=errors,
        tool="python",
    )


def run_load(base_url: str, req: Request, connections: int, seconds: float) -> LoadResult:
    if wrk_path():
        return run_wrk(base_url, req, connections, seconds)
    host, _, port = base_url.removeprefix("http://").partition(":")
    return asyncio.run(_python_load(host, int(port), req, connections, seconds))


# --- single-connection timing (scaling) ----------------------------------------------------


def timed_requests(base_url: str, req: Request, min_reps: int, min_seconds: float, max_reps: int = 200) -> list[float]:
    """Latencies (seconds) of back-to-back requests on one keep-alive connection."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    times: list[float] = []
    started = time.perf_counter()
    try:
        while len(times) < max_reps and (len(times) < min_reps or time.perf_counter() - started < min_seconds):
            t0 = time.perf_counter()
            conn.request(req.method, req.path, body=req.body or None, headers=req.headers)
            response = conn.getresponse()
            response.read()
            times.append(time.perf_counter() - t0)
            if not 200 <= response.status < 300:
                raise RuntimeError(f"{req.method} {req.path} answered {response.status}")
    finally:
        conn.close()
    return times
