"""Analyzer speed: summary and info on a 10-million-event trace, and start-up on a small one.

    python3 bench/bench_analyze.py [--trace BIG.parquet] [--runs 5]

The big trace is recorded by renacer from ``dd if=/dev/zero of=/dev/null bs=1 count=5000000``
(10M read/write calls) and cached in the temp folder; ``--synthetic`` builds one of the same
shape with pyarrow instead (for machines without a working recorder). Each figure is the median
of ``--runs`` runs of the real command line (a fresh process each time), printed next to its
target. Targets (issue 4, on the 2-core machine): summary < 1.5 s, info < 0.5 s, summary on a
small trace < 0.7 s start to answer.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import median_seconds

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(tempfile.gettempdir()) / "renacer-bench"
EVENTS = 10_000_000


def analyzer() -> list[str]:
    """The console script itself, not a shim in front of it (pyenv's adds ~0.4 s)."""
    script = Path(sys.executable).parent / "renacer-analyze"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from renacer.analyze.cli import main; main()"]


def record_big(path: Path) -> None:
    renacer = Path(sys.executable).parent / "renacer"
    command = [str(renacer)] if renacer.exists() else [sys.executable, "-m", "renacer.capture.cli"]
    count = EVENTS // 2
    print(f"recording {EVENTS:,} events: dd bs=1 count={count} (takes minutes) …", flush=True)
    subprocess.run(command + ["-q", "-w", str(path), "--", "dd", "if=/dev/zero", "of=/dev/null", "bs=1",
                              f"count={count}"], check=True, stderr=subprocess.DEVNULL)


def synthesize_big(path: Path) -> None:
    """10M alternating read(0, …, 1) = 1 / write(1, …, 1) = 1 rows, written like the recorder."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    sys.path.insert(0, str(ROOT))
    from renacer.schema.trace import TRACE_SCHEMA, schema_with_metadata

    meta = {"schema_version": 1, "renacer_version": "bench", "arch": "x86_64", "hostname": "bench",
            "command": ["dd"], "string_size": 64, "start_wall_ns": time.time_ns(), "start_mono_ns": 0,
            "exit_status": {"code": 0, "signal": None}, "processes": [], "events_seen": EVENTS,
            "events_written": EVENTS}
    schema = schema_with_metadata(meta)
    rng = np.random.default_rng(1)
    batch = 1 << 20
    with pq.ParquetWriter(path, schema, compression="zstd", use_dictionary=True) as writer:
        for start in range(0, EVENTS, batch):
            n = min(batch, EVENTS - start)
            seq = np.arange(start, start + n, dtype=np.uint64)
            is_write = (seq % 2).astype(bool)
            dur = rng.integers(800, 40_000, n)
            cols = {f.name: pa.nulls(n, f.type) for f in TRACE_SCHEMA}
            names = np.where(is_write, "write", "read")
            cols.update(
                seq=pa.array(seq * 2), exit_seq=pa.array(seq * 2 + 1), ts_ns=pa.array(seq.astype(np.int64) * 30_000),
                dur_ns=pa.array(dur), pid=pa.array(np.full(n, 4242, np.int32)), tid=pa.array(np.full(n, 4242, np.int32)),
                kind=pa.array(np.full(n, "syscall")).dictionary_encode(), nr=pa.array(is_write.astype(np.int16)),
                name=pa.array(names).dictionary_encode(), a0=pa.array(is_write.astype(np.uint64)),
                a2=pa.array(np.ones(n, np.uint64)), ret=pa.array(np.ones(n, np.int64)),
                fd=pa.array(is_write.astype(np.int32)), size=pa.array(np.ones(n, np.int64)),
                data=pa.array([b"\0"] * n, pa.binary()),
            )
            table = pa.table([cols[f.name].cast(f.type) for f in TRACE_SCHEMA], schema=schema)
            writer.write_table(table, row_group_size=128 * 1024)


def small_trace(path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.analyze import scenarios

    builder, _ = scenarios.refusals()
    builder.save(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trace", type=Path, help="a big trace to use instead of the cached one")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--synthetic", action="store_true", help="build the big trace with pyarrow")
    args = parser.parse_args()

    CACHE.mkdir(exist_ok=True)
    big = args.trace or CACHE / ("big-synthetic.parquet" if args.synthetic else "big.parquet")
    if not big.exists():
        synthesize_big(big) if args.synthetic else record_big(big)
    small = CACHE / "small.parquet"
    small_trace(small)

    import duckdb

    rows = duckdb.execute("SELECT sum(num_rows) FROM parquet_file_metadata($p)", {"p": str(big)}).fetchone()[0]
    cli = analyzer()
    print(f"big trace: {big} ({rows:,} events, {big.stat().st_size / 1e6:.1f} MB); {args.runs} runs each; "
          f"analyzer: {' '.join(cli)}")
    results = [
        ("summary, 10M events", median_seconds(cli + ["summary", str(big)], args.runs), 1.5),
        ("info, 10M events", median_seconds(cli + ["info", str(big)], args.runs), 0.5),
        ("summary, small trace (start-up)", median_seconds(cli + ["summary", str(small)], args.runs), 0.7),
        ("python -c pass (for scale)", median_seconds([sys.executable, "-c", "pass"], args.runs), None),
    ]
    print(f"{'what':36} {'median':>9} {'target':>8}")
    for what, seconds, target in results:
        verdict = "" if target is None else ("ok" if seconds < target else "SLOW")
        print(f"{what:36} {seconds:8.3f}s {('< %.1fs' % target) if target else '':>8} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
