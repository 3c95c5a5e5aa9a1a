"""Renderer speed on the live path: lines per second, this renderer beside another copy of it.

    python3 bench/bench_render_speed.py TRACE --before DIR [--rows 500000] [--batch 4096] [--runs 5]
                                        [--format text] [--style guide] [-s 64] [-c]

Live, the recorder hands the renderer batches of column lists (``capture/rows.py``), not Arrow.
This reads the first ``--rows`` rows of TRACE into such batches (before timing), then feeds
them to ``renacer.analyze.render`` and to ``DIR/render.py`` (e.g. the module before a change,
saved from git: ``git show REV:analyze/render.py > DIR/render.py``, and its ``summary.py``), alternately in one process
so both see the same machine load, and prints the median rows per CPU second of each and their
ratio. Output
goes to /dev/null. No ptrace: the renderer's own cost per event, which bounds live throughput.
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from dataclasses import replace
from typing import Any


class Batch(dict):
    """Column lists with ``num_rows``, as capture/rows.py builds them."""

    num_rows = 0


def batches(trace: str, rows: int, size: int) -> list[Batch]:
    import pyarrow.parquet as pq

    from renacer.schema.trace import trace_schema

    pf = pq.ParquetFile(trace)
    names = [f.name for f in trace_schema() if f.name in pf.schema_arrow.names and f.name != "callchain"]
    out: list[Batch] = []
    taken = 0
    for record_batch in pf.iter_batches(batch_size=size, columns=names):
        batch = Batch()
        for name in names:
            column = record_batch.column(name)
            if hasattr(column, "dictionary_decode"):
                column = column.dictionary_decode()
            batch[name] = column.to_pylist()
        batch.num_rows = record_batch.num_rows
        out.append(batch)
        taken += batch.num_rows
        if taken >= rows:
            break
    return out


def _exec(name: str, path: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load(directory: str) -> Any:
    """DIR/render.py, bound to DIR/summary.py when there is one (the -c numbers of its time)."""
    import os

    import renacer.analyze.summary as current

    summary = os.path.join(directory, "summary.py")
    if os.path.exists(summary):
        sys.modules["renacer.analyze.summary"] = _exec("summary_before", summary)
    try:
        return _exec("render_before", os.path.join(directory, "render.py"))
    finally:
        sys.modules["renacer.analyze.summary"] = current


def run(module: Any, data: list[Batch], options: Any) -> float:
    with open("/dev/null", "w") as out:
        renderer = module.make_renderer(out, replace(options), {"start_wall_ns": 0})
        start = time.process_time()  # CPU time: other users of a shared machine add less noise
        for batch in data:
            renderer.feed(batch, None)
        renderer.finish()
        return time.process_time() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trace")
    ap.add_argument("--before", required=True, help="directory holding the other render.py (and summary.py)")
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--format", default="text")
    ap.add_argument("--style", default="guide")
    ap.add_argument("-s", dest="string_size", type=int, default=64, help="bytes of each buffer shown")
    ap.add_argument("-c", dest="summary", action="store_true", help="the -c summary instead of the lines")
    args = ap.parse_args()
    import renacer.analyze.render as after

    before = load(args.before)
    data = batches(args.trace, args.rows, args.batch)
    n = sum(b.num_rows for b in data)
    times: dict[str, list[float]] = {"before": [], "after": []}
    for run_index in range(args.runs):
        pair = [("before", before), ("after", after)]
        for name, module in pair if run_index % 2 == 0 else pair[::-1]:  # neither always goes first
            options = module.RenderOptions(format=args.format, style=args.style, string_size=args.string_size,
                                           summary=args.summary)
            times[name].append(run(module, data, options))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{args.trace}: {n} rows in batches of {args.batch}, --format {args.format} --style {args.style}, "
          f"{'-c ' if args.summary else ''}median of {args.runs}")
    for name in ("before", "after"):
        print(f"  {name:<7} {med[name]:7.3f} CPU s  {n / med[name]:>10,.0f} rows/s")
    print(f"  after/before speed: {med['before'] / med['after']:.3f}x")


if __name__ == "__main__":
    main()
