"""What recording each socket's close costs a network subset: renacer beside strace, same run.

    python3 bench/bench_socket_close.py [--runs 5] [--files 100000] [--curls 20]
        [--baseline /path/to/other/python]

A network subset (``-e trace=network`` or ``trace=connect``) records close hidden, but only for
descriptors seen made as sockets: every close still stops the tracee once (its seccomp stop),
and only a socket's gets its exit stop and a row. Workloads, against servers on 127.0.0.1 started
here: ``close_heavy`` (open+close of /dev/null --files times, then 10 TCP round trips; the worst
case), ``echo`` (2000 TCP round trips, a close per connection) and ``curl`` (--curls runs of
``curl -s`` against ``python3 -m http.server``, the W2 workload). Configurations: untraced;
strace --seccomp-bpf with the same filter; renacer with it; renacer with close traced in full
(``trace=…,close``: what every close would cost); and, with --baseline PYTHON, the same renacer
commands run by another installation (e.g. one built before the close companion) for "without".
Prints medians of --runs, configurations interleaved in each round, and ratios.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from _common import build_c, echo_server, http_server, interleaved_medians  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--files", type=int, default=100000)
    ap.add_argument("--curls", type=int, default=20)
    ap.add_argument("--only", help="comma-separated workloads: close_heavy, echo, curl")
    ap.add_argument("--baseline", help="another python with renacer installed: its runs are 'without'")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="renacer-bench-"))
    exe = build_c(HERE / "close_heavy.c", tmp / "close_heavy")
    echo_exe = build_c(HERE / "echo_client.c", tmp / "echo_client")
    srv, port = echo_server()
    http, http_port = http_server(tmp)
    curl = "; ".join([f"curl -s -o /dev/null http://127.0.0.1:{http_port}/"] * args.curls)
    workloads = {
        "close_heavy": [exe, str(args.files), str(port), "10"],
        "echo": [echo_exe, str(port), "2000"],
        "curl": ["sh", "-c", curl],
    }
    if args.only:
        workloads = {k: v for k, v in workloads.items() if k in args.only.split(",")}
    trace = str(tmp / "t.parquet")

    def renacer(python: str, expr: str) -> list[str]:
        return [python, "-m", "renacer.capture.cli", "-q", "-e", expr, "-w", trace, "--"]

    configs: dict[str, list[str]] = {"untraced": []}
    for short, expr, sexpr in (("net", "trace=network", "trace=%network"), ("connect", "trace=connect", "trace=connect")):
        configs[f"strace {short}"] = ["strace", "-f", "-qq", "--seccomp-bpf", "-e", sexpr, "-o", "/dev/null"]
        configs[f"renacer {short}"] = renacer(sys.executable, expr)
        if args.baseline:
            configs[f"without {short}"] = renacer(args.baseline, expr)
        configs[f"all-close {short}"] = renacer(sys.executable, expr + ",close")
    print(f"median of {args.runs} runs, wall-clock seconds; configurations interleaved in each round")
    print("renacer: only socket closes recorded (hidden); all-close: -e …,close (every close recorded)"
          + ("; without: --baseline's renacer" if args.baseline else "") + "\n")
    header = f"{'workload':<12} {'config':<17} {'median s':>9} {'x untraced':>11} {'x strace':>9}"
    print(header)
    print("-" * len(header))
    try:
        for wname, work in workloads.items():
            med = interleaved_medians({cname: [*prefix, *work] for cname, prefix in configs.items()}, args.runs)
            for cname in configs:
                peer = med["strace " + cname.split()[-1]] if cname != "untraced" else med["untraced"]
                print(f"{wname:<12} {cname:<17} {med[cname]:>9.3f} {med[cname] / med['untraced']:>11.2f} "
                      f"{med[cname] / peer:>9.2f}")
            print()
    finally:
        http.terminate()
        srv.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
