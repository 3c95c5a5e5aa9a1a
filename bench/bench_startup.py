"""Start-up and finish benchmark: how long a short command takes under strace and under renacer.

    python3 bench/bench_startup.py [--runs 7] [--only true,python,curl]

Every round runs every configuration once, interleaved (the machine is shared and noisy: a slow
moment hits all configurations alike); medians over the rounds. Workloads: ``/bin/true``;
``python3 -c 'import json, urllib.parse, email'``; ``curl -s http://127.0.0.1:PORT/`` against a
``python3 -m http.server`` started here on 127.0.0.1. Configurations: untraced; ``strace -f -qq``;
renacer live text (to /dev/null), ``-c``, ``-w FILE`` (live text too) and ``-w FILE -q``;
for curl also ``-e trace=network`` beside ``strace --seccomp-bpf -e trace=%network``. Then
``renacer-analyze summary`` on a small trace, start to answer. Prints medians, renacer minus
strace in ms, and the ratio.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import http_server

BIN = Path(sys.executable).parent
RENACER = str(BIN / "renacer") if (BIN / "renacer").exists() else shutil.which("renacer") or "renacer"
ANALYZE = str(BIN / "renacer-analyze") if (BIN / "renacer-analyze").exists() else "renacer-analyze"
PYTHON = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
# As on a user's machine: Python keeps its compiled bytecode (a shell that sets
# PYTHONDONTWRITEBYTECODE would otherwise make every run compile every module again).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], tmp: Path) -> float:
    for stale in tmp.glob("w*.parquet*"):
        stale.unlink()
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=ENV)
    return time.perf_counter() - start


def configs(name: str, cmd: list[str], tmp: Path) -> dict[str, list[str]]:
    out = {
        "untraced": cmd,
        "strace": ["strace", "-f", "-qq", "-o", "/dev/null", *cmd],
        "renacer text": [RENACER, "-o", "/dev/null", "--", *cmd],
        "renacer -c": [RENACER, "-c", "-o", "/dev/null", "--", *cmd],
        "renacer -w": [RENACER, "-w", str(tmp / "w.parquet"), "-o", "/dev/null", "--", *cmd],
        "renacer -w -q": [RENACER, "-q", "-w", str(tmp / "w.parquet"), "--", *cmd],
    }
    if name == "curl":
        out["strace %network"] = ["strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=%network", "-o", "/dev/null", *cmd]
        out["renacer network"] = [RENACER, "-e", "trace=network", "-o", "/dev/null", "--", *cmd]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--only", help="comma-separated workloads: true, python, curl, analyze")
    ap.add_argument("--renacer", help="the renacer executable to measure (default: beside this Python)")
    args = ap.parse_args()
    global RENACER, ANALYZE
    if args.renacer:
        RENACER = args.renacer
        ANALYZE = str(Path(args.renacer).with_name("renacer-analyze"))
    tmp = Path(tempfile.mkdtemp(prefix="renacer-bench-startup-"))
    server, port = http_server(tmp, PYTHON, ENV)
    workloads = {
        "true": ["/bin/true"],
        "python": [PYTHON, "-c", "import json, urllib.parse, email"],
        "curl": ["curl", "-s", f"http://127.0.0.1:{port}/"],
    }
    only = set(args.only.split(",")) if args.only else None
    plan: list[tuple[str, str, list[str]]] = []
    for name, cmd in workloads.items():
        if only is None or name in only:
            plan += [(name, conf, c) for conf, c in configs(name, cmd, tmp).items()]
    small = tmp / "small.parquet"
    subprocess.run([RENACER, "-q", "-w", str(small), "--", "/bin/true"], check=True, env=ENV)
    if only is None or "analyze" in only:
        plan.append(("analyze", "renacer-analyze summary", [ANALYZE, "summary", "--format", "json", str(small)]))
    times: dict[tuple[str, str], list[float]] = {(w, c): [] for w, c, _ in plan}
    try:
        for w, c, cmd in plan:  # a warm-up round, not counted: bytecode caches, page cache
            timed(cmd, tmp)
        for _ in range(args.runs):
            for w, c, cmd in plan:  # interleaved: every configuration once per round
                times[(w, c)].append(timed(cmd, tmp))
    finally:
        server.terminate()
        server.wait()
    print(f"medians of {args.runs} interleaved rounds; renacer = {RENACER}")
    print(f"{'workload':9} {'configuration':24} {'median':>9} {'vs strace':>10} {'ratio':>6}")
    for (w, c), values in times.items():
        med = statistics.median(values)
        base_key = (w, "strace %network") if c == "renacer network" else (w, "strace")
        base = statistics.median(times[base_key]) if base_key in times and c.startswith("renacer") else None
        delta = f"{(med - base) * 1000:+8.0f}ms" if base is not None else ""
        ratio = f"{med / base:5.1f}x" if base else ""
        print(f"{w:9} {c:24} {med:8.3f}s {delta:>10} {ratio:>6}")
    print("commands:")
    for w, c, cmd in plan:
        print(f"  {w}/{c}: {' '.join(cmd)}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
