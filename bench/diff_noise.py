"""How often does ``renacer-analyze diff`` call run-to-run noise a change? (calibration, not speed)

    python3 bench/diff_noise.py [--runs 20] [--splits 2000]

Records ``--runs`` runs of tests/programs/diff_client.c against one server on 127.0.0.1 (the
same program, the same server: only noise differs), then splits them at random (seed 1) into
5 base and 5 head runs, ``--splits`` times, and counts how often recvfrom's p99 is reported as
a significant change and how often the gate ``p99(recvfrom) > +20%`` fails. By design both stay
near alpha (0.05): 5 vs 5 runs allow two-sided p-values 0.008, 0.016 and 0.032 under 0.05, so
the exact test calls about 3% of pure-noise splits significant, and the one-sided gate test
about 5% before the 20% threshold. Prints the per-run p99s, so the size of the noise is visible.
"""
from __future__ import annotations

import argparse
import random
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        if self.rfile.readline():
            self.wfile.write(b"pong\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--splits", type=int, default=2000)
    args = parser.parse_args()
    from renacer.analyze import diff
    from renacer.analyze import engine as eng

    work = Path(tempfile.mkdtemp(prefix="renacer-diff-noise-"))
    exe = work / "diff_client"
    subprocess.run(["gcc", "-O1", "-o", str(exe), str(ROOT / "tests/programs/diff_client.c")], check=True)
    renacer = Path(sys.executable).parent / "renacer"
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for i in range(args.runs):
            subprocess.run([str(renacer), "-q", "-w", str(work / f"run{i:03d}.parquet"), "--", str(exe),
                            str(server.server_address[1]), "6"], check=True)
    finally:
        server.shutdown()
    engine = eng.load([str(work)])
    try:
        rows = engine.execute("SELECT trace, quantile_cont(dur_ns, 0.99) FROM syscalls WHERE name = 'recvfrom' "
                              "GROUP BY trace ORDER BY trace").rows
    finally:
        engine.close()
        shutil.rmtree(work)
    p99 = [round(v) for _, v in rows]
    print(f"{args.runs} runs, recvfrom p99 per run (µs): {[v // 1000 for v in p99]}")
    rng = random.Random(1)
    significant = gate_failed = 0
    for _ in range(args.splits):
        picked = rng.sample(p99, 10)
        base, head = picked[:5], picked[5:]
        mb, mh = sorted(base)[2], sorted(head)[2]
        c = diff.Comparison("p99_ns", mb, mh, mh - mb, 100 * (mh - mb) / mb, base, head)
        significant += diff.judge_timing(c, diff.DEFAULT_ALPHA, diff.DEFAULT_MIN_EFFECT).significant
        gate_failed += c.change_pct > 20 and diff.mann_whitney_p(base, head, "greater") <= diff.DEFAULT_ALPHA
    print(f"{args.splits} random 5-vs-5 splits: p99 reported significant in {significant / args.splits:.1%}, "
          f"gate 'p99(recvfrom) > +20%' failed in {gate_failed / args.splits:.1%} (alpha {diff.DEFAULT_ALPHA})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
