"""The short Markdown report of a run (docs/performance.md shows it)."""

from __future__ import annotations

from typing import Any


def _mb(kb: int | None) -> str:
    return "-" if kb is None else f"{kb / 1024:.0f} MB"


def write_markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Run {results['started']} on {m['nproc']} x {m['cpu']}, Python {m['python']}, SQLite {m['sqlite']}"
        + (f", PostgreSQL {m['postgresql']}" if "postgresql" in m else "")
        + f"; load: {m.get('wrk', m['load_generator'])} -t1 -c{results['plan']['connections']}"
        f" -d{results['plan']['seconds']:g}s on loopback; `openmaze serve` with one uvicorn worker"
        " (uvloop + httptools).",
        "",
        f"Command: `{results['command']}`",
        "",
        "| backend | endpoint | requests/s | p50 ms | p99 ms | raw limit req/s | share of limit | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for backend, data in results["backends"].items():
        for row in data.get("throughput", []):
            om, raw = row["openmaze"], row["raw"]
            target = "" if row["target"] is None else (f"≥ {row['target']:.0%} {'✅' if row['meets_target'] else '❌'}")
            lines.append(
                f"| {backend} | `{row['endpoint']}` | {om['rps']:,.0f} | {om['p50_ms']} | {om['p99_ms']} | "
                f"{raw['rps']:,.0f} | {row['share']:.1%} | {target} |"
            )
        for name in data.get("skipped", []):
            lines.append(f"| {backend} | `{name}` | not served by this build | | | | | |")
    lines += [
        "",
        "| backend | server peak RSS (VmHWM) | bench catalog | 100,000-episode catalog |",
        "| --- | --- | ---: | ---: |",
    ]
    for backend, data in results["backends"].items():
        mem = data.get("memory", {})
        small, big = mem.get("bench_catalog", {}), mem.get("big_catalog", {})
        lines.append(
            f"| {backend} | openmaze (raw app: {_mb(mem.get('raw_app', {}).get('VmHWM'))}) | "
            f"{_mb(small.get('VmHWM'))} ({small.get('episodes', 0):,} episodes) | "
            f"{_mb(big.get('VmHWM'))} ({big.get('episodes', 0):,} episodes) |"
        )
    lines += [
        "",
        "| backend | scaling (one request at a time) | items → server CPU per request (latency, median) "
        "| growth exponent of CPU (1 = linear) |",
        "| --- | --- | --- | --- |",
    ]
    for backend, data in results["backends"].items():
        for series in data.get("scaling", []):
            points = ", ".join(f"{p['items']:,} → {p['cpu_ms']:g} ms ({p['median_ms']:g} ms)" for p in series["points"])
            exps = ", ".join(f"{k:.2f}" for k in series["growth_exponents"])
            flag = " ⚠️ faster than linear" if series["superlinear"] else ""
            lines.append(f"| {backend} | `{series['name']}` | {points} | {exps}{flag} |")
    return "\n".join(lines) + "\n"
