"""--source on Python programs: the cost of reading the Python stack at each traced call.

    python3 bench/bench_pysource.py [--runs 5] [--connects 10000] [--baseline-python PY]

A Python workload (this interpreter) making N refused connects to a closed 127.0.0.1 port, traced
with -e trace=connect: untraced, ``renacer -w`` plain, ``renacer -w --source`` (native unwind +
Python frames), and plain strace beside them. Medians of N interleaved runs; the cost per traced
call is (median - untraced) / calls, and the ratio --source / plain per traced call is printed,
then the trace size per recorded event with and without --source (the Python stacks in the
callchain column). ``--baseline-python PY`` adds the renacer installed in another environment
(an older build) to the same interleaved runs: before and after beside the same strace runs.
"""
from __future__ import annotations

import argparse
import socket
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from _common import RENACER, interleaved_medians, timed  # noqa: E402

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
    ap.add_argument("--baseline-python", help="also measure the renacer of this Python (an older build)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="renacer-bench-pysource-"))
    client = tmp / "client.py"
    client.write_text(CLIENT)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))  # bound, never listening: connects are refused
    port = s.getsockname()[1]
    work = [sys.executable, str(client), str(port), str(args.connects)]
    trace = str(tmp / "t.parquet")
    plain_trace = str(tmp / "plain.parquet")
    configs = {
        "untraced": work,
        "renacer": [*RENACER, "-q", "-e", "trace=connect", "-w", plain_trace, "--", *work],
        "renacer --source": [*RENACER, "-q", "--source", "-e", "trace=connect", "-w", trace, "--", *work],
        "strace": ["strace", "-f", "-qq", "-e", "trace=connect", "-o", "/dev/null", *work],
    }
    if args.baseline_python:
        base = [args.baseline_python, "-m", "renacer.capture.cli"]
        configs["baseline"] = [*base, "-q", "-e", "trace=connect", "-w", str(tmp / "b.parquet"), "--", *work]
        configs["baseline --source"] = [*base, "-q", "--source", "-e", "trace=connect", "-w",
                                        str(tmp / "bs.parquet"), "--", *work]
    med = interleaved_medians(configs, args.runs, warm=True)
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
    if args.baseline_python:
        print(f"baseline --source / baseline per traced call: {per['baseline --source'] / per['baseline']:.2f}x")
    sizes = {}
    for name, path in (("renacer", plain_trace), ("renacer --source", trace)):
        meta = pq.read_metadata(path)
        chain = sum(meta.row_group(g).column(c).total_compressed_size for g in range(meta.num_row_groups)
                    for c in range(meta.num_columns) if meta.row_group(g).column(c).path_in_schema.startswith("callchain"))
        sizes[name] = (Path(path).stat().st_size, meta.num_rows, chain)
    print(f"\n{'trace':<18} {'bytes':>10} {'events':>7} {'bytes/event':>12} {'callchain B/event':>18}")
    for name, (size, rows_n, chain) in sizes.items():
        print(f"{name:<18} {size:>10} {rows_n:>7} {size / rows_n:>12.1f} {chain / rows_n:>18.2f}")


if __name__ == "__main__":
    main()
