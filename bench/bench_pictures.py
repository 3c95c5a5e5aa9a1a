"""hist and report speed on a 10-million-event trace, and the report's page size (issue 15).

    python3 bench/bench_pictures.py [--trace BIG.parquet] [--runs 5] [--synthetic]

Uses the same big trace as bench_analyze.py (renacer recording of
``dd if=/dev/zero of=/dev/null bs=1 count=5000000``, cached in the temp folder; ``--synthetic``
builds one of the same shape with pyarrow). Each figure is the median of ``--runs`` runs of the
real command line (a fresh process each time, start-up included), printed next to its target:
hist < 1 s, report < 5 s, page < 5 MB. No strace side: strace draws no pictures.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_analyze as ba  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trace", type=Path, help="a big trace to use instead of the cached one")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--synthetic", action="store_true", help="build the big trace with pyarrow")
    args = parser.parse_args()
    ba.CACHE.mkdir(exist_ok=True)
    big = args.trace or ba.CACHE / ("big-synthetic.parquet" if args.synthetic else "big.parquet")
    if not big.exists():
        ba.synthesize_big(big) if args.synthetic else ba.record_big(big)
    import duckdb

    rows = duckdb.execute("SELECT sum(num_rows) FROM parquet_file_metadata($p)", {"p": str(big)}).fetchone()[0]
    cli = ba.analyzer()
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        results = [
            ("hist, one syscall", ba.median_seconds(cli + ["hist", str(big), "--syscall", "read"], args.runs), 1.0),
            ("hist, every syscall", ba.median_seconds(cli + ["hist", str(big)], args.runs), 1.0),
            ("report", ba.median_seconds(cli + ["report", str(big), "-o", str(page)], args.runs), 5.0),
        ]
        size = page.stat().st_size
    print(f"trace: {big} ({rows:,} events); median of {args.runs} runs each")
    for name, seconds, target in results:
        print(f"  {name:<22} {seconds:6.2f} s   target < {target:.0f} s   ({seconds / target:.2f}× the target)")
    print(f"  {'report page':<22} {size / 1e6:6.2f} MB  target < 5 MB   ({size / 5e6:.2f}× the target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
