"""Trace bytes per event on network workloads (the size target: <= 12 bytes/event).

Usage: python bench/trace_size_net.py [--before DIR] [--round-trips N] [--requests N]
Workloads, all against servers on 127.0.0.1: ``tcp`` (bench/echo_client.c: connect, send,
receive, close), ``curl`` (one curl fetching N URLs over one keep-alive connection from
python's http.server), ``iovec`` (bench/iovec_mix.c: writev/readv/sendmsg/recvmsg/sendmmsg/
recvmmsg with several iovecs, N rounds). Each is recorded once with the
default -s 64 (sizes are deterministic up to timing-dependent calls; no timing is reported).
``--before DIR`` records the same workloads with an older ``renacer`` package (PYTHONPATH).
"""
from __future__ import annotations

import argparse
import http.server
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import build_c, echo_server  # noqa: E402


def http_server(root: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    (root / "a.txt").write_text("hello\n" * 20)

    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive

        def __init__(self, *a, **kw):  # type: ignore[no-untyped-def]
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a) -> None:  # type: ignore[no-untyped-def]
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def record(cmd: list[str], trace: Path, pythonpath: str | None) -> float:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    if trace.exists():
        trace.unlink()
    subprocess.run([sys.executable, "-m", "renacer.capture.cli", "-q", "-w", str(trace), "--", *cmd],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return os.path.getsize(trace) / pq.read_metadata(trace).num_rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", help="directory with an older renacer package")
    ap.add_argument("--round-trips", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        echo, eport = echo_server()
        web, wport = http_server(tmp)
        client = build_c(HERE / "echo_client.c", tmp / "echo_client")
        mix = build_c(HERE / "iovec_mix.c", tmp / "iovec_mix")
        workloads = {
            "tcp": [client, str(eport), str(args.round_trips)],
            "curl": ["curl", "-s", "-o", "/dev/null", *[f"http://127.0.0.1:{wport}/a.txt"] * args.requests],
            "iovec": [mix, str(args.round_trips)],
        }
        print(f"{'workload':10} {'after B/event':>14}" + (f" {'before B/event':>15}" if args.before else ""))
        for name, cmd in workloads.items():
            line = f"{name:10} {record(cmd, tmp / 't.parquet', None):>14.2f}"
            if args.before:
                line += f" {record(cmd, tmp / 't.parquet', args.before):>15.2f}"
            print(line, flush=True)
        echo.close()
        web.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
