"""Diff speed: ``renacer-analyze diff`` of two 10-million-event traces, with gates.

    python3 bench/bench_diff.py [--base A.parquet --head B.parquet] [--runs 5] [--events N]

The traces are two recordings by renacer of ``dd if=/dev/zero of=/dev/null bs=1 count=N/2``
(N read/write calls each; 10M by default), cached in the temp folder (recording one takes
minutes). Each figure is the median of ``--runs`` runs of the real command line (a fresh
process each time); ``summary`` of one trace is printed beside it for scale, and the ratio.
Target (issue 11, on the 2-core machine): diff of two 10M-event traces < 3 s. With ``--events``
smaller than 10M the 10M figure is extrapolated linearly from the measured one (start-up
excluded) and printed as such.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import median_seconds

CACHE = Path(tempfile.gettempdir()) / "renacer-bench"
TARGET_EVENTS = 10_000_000
TARGET_SECONDS = 3.0
GATES = ["calls(write) > +0", "p99(read) > +20%", "new-errors", "new-targets", "total-time > +10%"]


def tool(name: str) -> list[str]:
    """The console script itself, not a shim in front of it."""
    script = Path(sys.executable).parent / name
    if script.exists():
        return [str(script)]
    module = {"renacer": "renacer.capture.cli", "renacer-analyze": "renacer.analyze.cli"}[name]
    return [sys.executable, "-m", module]


def record(path: Path, events: int) -> None:
    print(f"recording {events:,} events into {path}: dd bs=1 count={events // 2} (takes minutes) …", flush=True)
    subprocess.run(tool("renacer") + ["-q", "-w", str(path), "--", "dd", "if=/dev/zero", "of=/dev/null",
                                      "bs=1", f"count={events // 2}"], check=True, stderr=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="the base trace (default: recorded and cached)")
    parser.add_argument("--head", type=Path, help="the head trace (default: recorded and cached)")
    parser.add_argument("--events", type=int, default=TARGET_EVENTS, help="events per recorded trace")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    CACHE.mkdir(exist_ok=True)
    suffix = "" if args.events == TARGET_EVENTS else f"-{args.events}"
    sides = []
    for given, name in ((args.base, f"diff-base{suffix}.parquet"), (args.head, f"diff-head{suffix}.parquet")):
        path = given or CACHE / name
        if not path.exists():
            record(path, args.events)
        sides.append(path)
    base, head = sides

    import duckdb

    rows = [duckdb.execute("SELECT sum(num_rows) FROM parquet_file_metadata($p)", {"p": str(p)}).fetchone()[0]
            for p in sides]
    analyze = tool("renacer-analyze")
    gates = [a for g in GATES for a in ("--fail-on", g)]
    print(f"base: {base} ({rows[0]:,} events); head: {head} ({rows[1]:,} events); {args.runs} runs each")
    diff_s = median_seconds(analyze + ["diff", str(base), str(head)] + gates, args.runs, ok=(0, 1))
    summary_s = median_seconds(analyze + ["summary", str(base)], args.runs)
    startup_s = median_seconds(analyze + ["--help"], args.runs)
    print(f"{'what':44} {'median':>9}")
    print(f"{'diff with ' + str(len(GATES)) + ' gates':44} {diff_s:8.3f}s")
    print(f"{'summary of the base trace alone (scale)':44} {summary_s:8.3f}s")
    print(f"{'renacer-analyze --help (start-up)':44} {startup_s:8.3f}s")
    print(f"diff / summary of one side: {diff_s / summary_s:.2f}×")
    events = max(rows)
    if events >= TARGET_EVENTS:
        verdict = "ok" if diff_s < TARGET_SECONDS else "SLOW"
        print(f"target: diff of two {TARGET_EVENTS // 1_000_000}M-event traces < {TARGET_SECONDS:.0f} s: "
              f"{diff_s:.2f} s {verdict}")
    else:
        scaled = startup_s + (diff_s - startup_s) * TARGET_EVENTS / events
        verdict = "ok" if scaled < TARGET_SECONDS else "SLOW"
        print(f"target: < {TARGET_SECONDS:.0f} s for 10M events a side: extrapolated from {events:,} events "
              f"(linear beyond start-up): {scaled:.2f} s {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
