"""Renderer memory and speed on a recorded trace: peak RSS and wall time of each output mode.

    python3 bench/bench_render_memory.py TRACE [--modes text,text-e,summary,jsonl,csv,json]
                                         [--runs 1] [--render-file DIR]

Each mode replays TRACE through ``render_trace_file`` into /dev/null in a fresh interpreter,
under ``/usr/bin/time -v`` (peak RSS of that process). ``text-e`` is ``replay -e trace=read``
(a filtered replay), ``summary`` is ``-c``. ``--render-file DIR`` loads another copy of the render
module (DIR/render.py and DIR/summary.py, e.g. saved from git before a change) in their place,
so before and after run side by side on the same trace. Prints the median wall and CPU time
(user + system, of the whole process: imports included), rows per CPU second and the peak RSS.
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time

MODES = {
    "text": {"format": "text"},
    "text-e": {"format": "text", "syscalls": "read"},
    "summary": {"format": "text", "summary": True},
    "summary-strace": {"format": "text", "summary": True, "style": "strace"},
    "jsonl": {"format": "jsonl"},
    "csv": {"format": "csv"},
    "json": {"format": "json"},
}

CHILD = r"""
import importlib.util, sys, time
render_file, trace, mode = sys.argv[1], sys.argv[2], eval(sys.argv[3])
if render_file:  # a directory holding render.py (and summary.py) from before a change
    import os
    import renacer.analyze
    for name in ("summary", "render"):
        path = os.path.join(render_file, name + ".py")
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location("renacer.analyze." + name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules["renacer.analyze." + name] = module
            spec.loader.exec_module(module)
from renacer.analyze.render import RenderOptions, recorded_string_size, render_trace_file
from renacer.schema.syscalls_x86_64 import SYSCALLS
syscalls = None
if "syscalls" in mode:
    names = set(mode.pop("syscalls").split(","))
    syscalls = frozenset(nr for nr, name in SYSCALLS.items() if name in names)
options = RenderOptions(string_size=recorded_string_size([trace]) or 32, **mode)
start = time.perf_counter()
with open("/dev/null", "w") as out:
    render_trace_file([trace], out, options, syscalls)
print("elapsed", time.perf_counter() - start)
"""


def run_once(trace: str, mode: str, render_file: str) -> tuple[float, float, int]:
    proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", CHILD, render_file, trace, repr(MODES[mode])],
                          capture_output=True, text=True, check=True)
    elapsed = float(re.search(r"^elapsed (\S+)", proc.stdout, re.M).group(1))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): (\S+)", proc.stderr).group(1)) for kind in ("User", "System"))
    return elapsed, cpu, rss_kb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trace")
    ap.add_argument("--modes", default="text,text-e,summary,jsonl,csv")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--render-file", default="", help="another render module to load in its place")
    args = ap.parse_args()
    import pyarrow.parquet as pq

    rows = pq.ParquetFile(args.trace).metadata.num_rows
    print(f"{args.trace}: {rows} rows; render module: {args.render_file or 'installed'}")
    print(f"{'mode':<16}{'wall s':>10}{'CPU s':>10}{'rows/CPU s':>12}{'peak RSS MiB':>14}")
    for mode in args.modes.split(","):
        results = [run_once(args.trace, mode, args.render_file) for _ in range(args.runs)]
        secs = statistics.median(r[0] for r in results)
        cpu = statistics.median(r[1] for r in results)
        rss = max(r[2] for r in results) / 1024
        print(f"{mode:<16}{secs:>10.2f}{cpu:>10.2f}{rows / cpu:>12,.0f}{rss:>14.1f}", flush=True)


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"(total {time.perf_counter() - start:.0f} s)")
