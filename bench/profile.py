"""Where the time goes: py-spy samples `openmaze serve` while wrk loads one endpoint.

    python -m bench.profile "auth/validate" [--seconds 10] [--postgres URL]

Prints the functions with the most samples, inclusive (on the stack) and exclusive (at the
top), and writes a speedscope file to bench/results/profile-*.json for a closer look.
Needs `py-spy` (pip install py-spy) and permission to ptrace (root, or CAP_SYS_PTRACE).
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from bench.load import run_load
from bench.run import RESULTS, SECRET, env_pairs, scratch_endpoint
from bench.servers import start_openmaze


def summarize(collapsed: Path, top: int) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    exclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = [
            f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0].rsplit("/", 1)[-1] + ")" if " (" in f else f
            for f in stack.split(";")
        ]
        for frame in set(frames):
            inclusive[frame] += n
        exclusive[frames[-1]] += n
    out = [f"{total} samples", "", "inclusive:"]
    out += [f"{n / total:6.1%}  {f}" for f, n in inclusive.most_common(top)]
    out += ["", "exclusive:"]
    out += [f"{n / total:6.1%}  {f}" for f, n in exclusive.most_common(top)]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("endpoint", help="a substring of the endpoint's name in bench/endpoints.py")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="server environment")
    args = parser.parse_args()
    # The venv's own bin/ first: `python -m bench.profile` does not put it on PATH.
    py_spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    if not py_spy:
        print("py-spy not found: pip install py-spy", file=sys.stderr)
        return 1
    with scratch_endpoint(args.endpoint, args.postgres, "openmaze-profile-") as (url, endpoint, work):
        server = start_openmaze(url, SECRET, work, env_pairs(args.env))
        try:
            run_load(server.url, endpoint.request, 32, 2)
            collapsed = work / "profile.txt"
            speedscope = RESULTS / "profile.speedscope.json"
            RESULTS.mkdir(exist_ok=True)
            spy = [py_spy, "record", "--pid", str(server.pid), "--duration", str(args.seconds), "--rate", "500"]
            load = threading.Thread(target=run_load, args=(server.url, endpoint.request, 32, args.seconds + 1))
            load.start()
            subprocess.run([*spy, "--format", "raw", "-o", str(collapsed)], check=True, capture_output=True)
            load.join()
            print(f"{endpoint.name}:\n{summarize(collapsed, args.top)}")
            load = threading.Thread(target=run_load, args=(server.url, endpoint.request, 32, args.seconds + 1))
            load.start()
            subprocess.run([*spy, "--format", "speedscope", "-o", str(speedscope)], check=True, capture_output=True)
            load.join()
            print(f"\nspeedscope profile: {speedscope}")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
