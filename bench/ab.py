"""A/B: the same endpoint on two `openmaze serve` processes that differ by environment.

    python -m bench.ab "auth/validate" --a OPENMAZE_TELEMETRY=true --b OPENMAZE_TELEMETRY=false

Both servers run on one seeded database; wrk alternates between them for several rounds,
so drift in the machine's load touches both alike. Prints each side's best and median
requests/s.
"""

from __future__ import annotations

import argparse
import statistics

from bench.load import run_load
from bench.run import SECRET, env_pairs, scratch_endpoint
from bench.servers import start_openmaze


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ab")
    parser.add_argument("endpoint")
    parser.add_argument("--a", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--b", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--postgres", metavar="URL")
    args = parser.parse_args()
    with scratch_endpoint(args.endpoint, args.postgres, "openmaze-ab-") as (url, endpoint, work):
        servers = {
            "a": start_openmaze(url, SECRET, work, env_pairs(args.a)),
            "b": start_openmaze(url, SECRET, work, env_pairs(args.b)),
        }
        rps: dict[str, list[float]] = {"a": [], "b": []}
        cpu = {"a": 0.0, "b": 0.0}
        count = {"a": 0, "b": 0}
        try:
            for s in servers.values():
                run_load(s.url, endpoint.request, 32, 1)
            for _ in range(args.rounds):
                for name, s in servers.items():
                    before = s.cpu_seconds()
                    got = run_load(s.url, endpoint.request, 32, args.seconds)
                    cpu[name] += s.cpu_seconds() - before
                    count[name] += got.requests
                    rps[name].append(got.rps)
        finally:
            for s in servers.values():
                s.stop()
    print(endpoint.name)
    for name, env in (("a", args.a), ("b", args.b)):
        print(
            f"  {name} {' '.join(env) or '(defaults)'}: best {max(rps[name]):,.0f} req/s, "
            f"median {statistics.median(rps[name]):,.0f} ({', '.join(f'{r:,.0f}' for r in rps[name])}); "
            f"server CPU {cpu[name] / max(1, count[name]) * 1e6:.1f} µs/request"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
