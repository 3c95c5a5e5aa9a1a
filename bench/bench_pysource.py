"""--source on Python programs: the cost of reading the Python stack at each traced call.

    python3 bench/bench_pysource.py [--runs 5] [--connects 10000]

A Python workload (this interpreter) making N refused connects to a closed 127.0.0.1 port, traced
with -e trace=connect: untraced, ``renacer -w`` plain, ``renacer -w --source`` (native unwind +
Python frames), and plain strace beside them. Medians of N interleaved runs; the cost per traced
call is (median - untraced) / calls, and the ratio --source / plain per traced call is printed.
"""
from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from bench_record import timed  # noqa: E402

RENACER = [sys.executable, "-m", "renacer.capture.cli"]
CLIENT = '''
import socket, sys
def hammer(port, n):
    for _ in range(n):
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", port))
        except OSError:
            pass
        s.close()
hammer(int(sys.argv[1]), int(sys.argv[2]))
'''


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--connects", type=int, default=10000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="renacer-bench-pysource-"))
    client = tmp / "client.py"
    client.write_text(CLIENT)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))  # bound, never listening: connects are refused
    port = s.getsockname()[1]
    work = [sys.executable, str(client), str(port), str(args.connects)]
    trace = str(tmp / "t.parquet")
    configs = {
        "untraced": work,
        "renacer": [*RENACER, "-q", "-e", "trace=connect", "-w", trace, "--", *work],
        "renacer --source": [*RENACER, "-q", "--source", "-e", "trace=connect", "-w", trace, "--", *work],
        "strace": ["strace", "-f", "-qq", "-e", "trace=connect", "-o", "/dev/null", *work],
    }
    for cmd in configs.values():  # warm caches once
        timed(cmd)
    samples: dict[str, list[float]] = {c: [] for c in configs}
    for _ in range(args.runs):
        for name, cmd in configs.items():
            samples[name].append(timed(cmd))
    med = {c: statistics.median(v) for c, v in samples.items()}
    timed(configs["renacer --source"])
    rows = [r for r in pq.read_table(trace, columns=["name", "src_file", "src_line"]).to_pylist()
            if r["name"] == "connect"]
    located = sum(1 for r in rows if r["src_file"] == str(client) and r["src_line"] == 7)
    print(f"{args.connects} refused connects, {len(rows)} traced, {located} at client.py:7 in hammer")
    print(f"median of {args.runs} runs\n{'config':<18} {'median s':>9} {'µs/traced call':>15}")
    per = {}
    for name in configs:
        per[name] = (med[name] - med["untraced"]) / max(len(rows), 1) * 1e6
        print(f"{name:<18} {med[name]:>9.3f} {per[name]:>15.1f}")
    print(f"\n--source / plain per traced call: {per['renacer --source'] / per['renacer']:.2f}x")
    print(f"renacer --source / strace per traced call: {per['renacer --source'] / per['strace']:.2f}x")


if __name__ == "__main__":
    main()
