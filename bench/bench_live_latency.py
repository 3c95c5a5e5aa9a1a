"""How long after a call returns does its live line appear? renacer beside strace, one run.

    python3 bench/bench_live_latency.py [--runs 5] [--calls 20]

A small program writes a line to its stdout, then sleeps 100 ms, --calls times. The harness
reads the program's stdout and the tracer's live text (stderr) through two pipes and timestamps
each line as it arrives: the delay is (arrival of the traced ``write`` line) − (arrival of the
program's own line), i.e. how far the trace lags behind what the program shows. Also measured
under load: the same program with a busy thread making 200k getppid calls meanwhile. Prints the
median and maximum delay of each run and the median over runs, the p99 over every line of every
run, and the median wall time of the busy runs (what bounding the lag costs the program: the
tracer waits for a renderer that falls behind). --baseline PYTHON adds the renacer of another
installation (e.g. one built before the bound) side by side.
"""
from __future__ import annotations

import argparse
import os
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RENACER = [sys.executable, "-m", "renacer.capture.cli"]

PROGRAM = r"""
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static void *busy(void *arg) {
    (void)arg;
    for (int i = 0; i < 200000; i++) syscall(SYS_getppid);
    return NULL;
}

int main(int argc, char **argv) {
    int calls = atoi(argv[1]);
    pthread_t t;
    if (argc > 2) pthread_create(&t, NULL, busy, NULL);
    struct timespec ts = {0, 100 * 1000 * 1000};
    char line[64];
    for (int i = 0; i < calls; i++) {
        int n = snprintf(line, sizeof line, "mark %d\n", i);
        write(1, line, n);
        nanosleep(&ts, NULL);
    }
    if (argc > 2) pthread_join(t, NULL);
    return 0;
}
"""


def build(tmp: Path) -> str:
    src, exe = tmp / "marks.c", tmp / "marks"
    src.write_text(PROGRAM)
    subprocess.run(["gcc", "-O2", "-pthread", "-o", str(exe), str(src)], check=True)
    return str(exe)


def delays(cmd: list[str]) -> tuple[list[float], float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    sel.register(proc.stderr, selectors.EVENT_READ, "err")
    seen_out: dict[str, float] = {}
    seen_err: dict[str, float] = {}
    buffers = {"out": b"", "err": b""}
    open_pipes = 2
    while open_pipes:
        for key, _ in sel.select():
            chunk = os.read(key.fileobj.fileno(), 65536)
            now = time.perf_counter()
            if not chunk:
                sel.unregister(key.fileobj)
                open_pipes -= 1
                continue
            buffers[key.data] += chunk
            *lines, buffers[key.data] = buffers[key.data].split(b"\n")
            for line in lines:
                text = line.decode(errors="replace")
                if key.data == "out" and text.startswith("mark "):
                    seen_out.setdefault(text[5:], now)
                elif key.data == "err" and 'write(1, "mark ' in text:
                    mark = text.split('"mark ', 1)[1].split("\\n", 1)[0]
                    seen_err.setdefault(mark, now)
    proc.wait()
    return [seen_err[m] - seen_out[m] for m in seen_out if m in seen_err], time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--baseline", help="another python with renacer installed, shown as 'baseline'")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        exe = build(Path(tmp))
        configs = {
            "strace": ["strace", "-f", "-qq", "-e", "trace=write,getppid", "--"],
            "renacer": [*RENACER, "-e", "trace=write,getppid", "--"],
        }
        if args.baseline:
            configs["baseline"] = [args.baseline, *RENACER[1:], "-e", "trace=write,getppid", "--"]
        for load in (False, True):
            for name, prefix in configs.items():
                medians, maxima, walls, every = [], [], [], []
                for _ in range(args.runs):
                    d, wall = delays([*prefix, exe, str(args.calls), *(["busy"] if load else [])])
                    medians.append(statistics.median(d) * 1e3)
                    maxima.append(max(d) * 1e3)
                    walls.append(wall)
                    every += [x * 1e3 for x in d]
                p99 = statistics.quantiles(every, n=100)[98] if len(every) > 1 else every[0]
                print(f"{name:8} {'busy thread' if load else 'idle':11} delay median {statistics.median(medians):7.2f} ms"
                      f"   max {statistics.median(maxima):7.2f} ms   p99 {p99:7.2f} ms   wall {statistics.median(walls):6.2f} s"
                      f"   (medians of {args.runs} runs, {args.calls} lines each)")


if __name__ == "__main__":
    main()
