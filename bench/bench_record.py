"""Recorder benchmark: renacer beside strace, same machine, same run, median of N runs.

    python3 bench/bench_record.py [--runs 5] [--dd-count 200000] [--round-trips 2000]

Workloads: dd with 1-byte blocks (two syscalls a block), TCP connect/send/recv/close round trips
against a local echo server, and Python start-up. Configurations: untraced; strace -f -qq -o
/dev/null; renacer recording everything to a trace; renacer rendering text live to /dev/null;
and, filtered to network, strace --seccomp-bpf -e trace=%network versus renacer -e trace=network.
Prints wall-clock medians, ratios against untraced and against strace, bytes of trace per event,
strace's text bytes per line, and the recorder's peak RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
from _common import HERE, RENACER, build_c, echo_server, interleaved_medians


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dd-count", type=int, default=200000)
    ap.add_argument("--round-trips", type=int, default=2000)
    ap.add_argument("--only", help="comma-separated workload names")
    ap.add_argument("--colocate", action="store_true", help="also run strace and renacer pinned to one CPU")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="renacer-bench-"))
    srv, port = echo_server()
    client = build_c(HERE / "echo_client.c", tmp / "echo_client")
    workloads = {
        "dd": ["dd", "if=/dev/zero", "of=/dev/null", "bs=1", f"count={args.dd_count}"],
        "tcp": [client, str(port), str(args.round_trips)],
        "python": [sys.executable, "-c", "import json, email"],
    }
    if args.only:
        workloads = {k: v for k, v in workloads.items() if k in args.only.split(",")}
    trace = str(tmp / "t.parquet")
    strace_txt = str(tmp / "strace.txt")
    configs = {
        "untraced": lambda w: w,
        "strace": lambda w: ["strace", "-f", "-qq", "-o", "/dev/null", *w],
        "renacer -w": lambda w: [*RENACER, "-q", "-w", trace, "--", *w],
        "renacer text": lambda w: [*RENACER, "-o", "/dev/null", "--", *w],
        "strace net": lambda w: ["strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=%network", "-o", "/dev/null", *w],
        "renacer net": lambda w: [*RENACER, "-q", "-e", "trace=network", "-w", trace, "--", *w],
    }
    if args.colocate:
        # Both processes on one CPU: a stop becomes a context switch instead of a cross-CPU wakeup.
        configs["strace 1cpu"] = lambda w: ["taskset", "-c", "0", "strace", "-f", "-qq", "-o", "/dev/null", *w]
        configs["renacer 1cpu"] = lambda w: ["taskset", "-c", "0", *RENACER, "-q", "-w", trace, "--", *w]
        # By default the loop follows a lone tracee's CPU (Recorder.follow_cpu; the tracee is not
        # pinned): the same recording without that.
        configs["renacer nofollow"] = lambda w: ["env", "RENACER_FOLLOW_CPU=0", *RENACER, "-q", "-w", trace, "--", *w]
    print(f"median of {args.runs} runs, wall-clock seconds; configurations interleaved in each round\n")
    header = f"{'workload':<8} {'config':<13} {'median s':>9} {'x untraced':>11} {'x strace':>9}"
    print(header)
    print("-" * len(header))
    for wname, work in workloads.items():
        med = interleaved_medians({cname: make(work) for cname, make in configs.items()}, args.runs)
        for cname in configs:
            if cname.endswith("net"):
                peer = med["strace net"]
            elif cname.endswith("1cpu"):
                peer = med.get(cname.replace("renacer", "strace"), med["strace"])
            else:
                peer = med["strace"]
            print(f"{wname:<8} {cname:<13} {med[cname]:>9.3f} {med[cname] / med['untraced']:>11.2f} "
                  f"{med[cname] / peer:>9.2f}")
        # sizes: one more recording of each kind
        subprocess.run([*RENACER, "-q", "-w", trace, "--", *work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["strace", "-f", "-qq", "-o", strace_txt, *work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rows = pq.read_metadata(trace).num_rows
        meta = json.loads(pq.read_metadata(trace).metadata[b"renacer"])
        lines = sum(1 for _ in open(strace_txt, "rb"))
        tsize, ssize = os.path.getsize(trace), os.path.getsize(strace_txt)
        print(f"{wname:<8} trace: {rows} events, {tsize / rows:.2f} bytes/event; strace text: {lines} lines, "
              f"{ssize / max(lines, 1):.1f} bytes/line; strace/trace size {ssize / tsize:.1f}x; "
              f"recorder peak RSS {meta.get('recorder_max_rss_kb', 0) / 1024:.0f} MB\n")
    srv.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
