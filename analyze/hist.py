"""Latency histograms: the rows of queries/hist.sql shaped into one histogram per key, and drawn
as text bars the way bpftrace prints its ``hist()`` maps.

The SQL counts (only non-empty buckets); this module fills the empty buckets between the first
and the last so a histogram reads as a shape, and draws it. No click here: the CLI is thin.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

# Units a duration is cut to before bucketing: name -> (ns per unit, label in headings).
UNITS: dict[str, tuple[int, str]] = {"ns": (1, "ns"), "us": (1_000, "µs"), "ms": (1_000_000, "ms"),
                                     "s": (1_000_000_000, "s")}
# Gaps wider than this many linear buckets are left unfilled (a 1 µs step over a 10 s range).
MAX_FILLED_BUCKETS = 1_000
BAR_WIDTH = 52  # bpftrace's; the CLI narrows it to the terminal


@dataclass
class Histogram:
    key: str
    trace: str | None = None
    # (lo, hi, count), lo ascending, in units
    buckets: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(c for _, _, c in self.buckets)


def from_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]], step: int | None) -> list[Histogram]:
    """Group hist.sql rows by (trace, key), fill empty buckets, order by most calls first."""
    i_trace = columns.index("trace") if "trace" in columns else None
    i_key, i_lo, i_hi, i_count = (columns.index(c) for c in ("key", "lo", "hi", "count"))
    by_key: dict[tuple[str | None, str], Histogram] = {}
    for row in rows:
        trace = row[i_trace] if i_trace is not None else None
        h = by_key.setdefault((trace, row[i_key]), Histogram(row[i_key], trace))
        h.buckets.append((int(row[i_lo]), int(row[i_hi]), int(row[i_count])))
    hists = list(by_key.values())
    for h in hists:
        h.buckets = fill(sorted(h.buckets), step)
    # Several traces keep their order (the trace is part of the heading); within one, busiest first.
    order = {t: n for n, t in enumerate(dict.fromkeys(h.trace for h in hists))}
    return sorted(hists, key=lambda h: (order[h.trace], -h.total, h.key))


def fill(buckets: list[tuple[int, int, int]], step: int | None) -> list[tuple[int, int, int]]:
    """The buckets between the first and the last, empty ones included (count 0)."""
    if not buckets:
        return buckets
    have = {lo: (lo, hi, c) for lo, hi, c in buckets}
    first, last = buckets[0][0], buckets[-1][0]
    if step:
        if (last - first) // step + 1 > MAX_FILLED_BUCKETS:
            return buckets
        return [have.get(lo, (lo, lo + step, 0)) for lo in range(first, last + 1, step)]
    out = []
    lo = first
    while lo <= last:
        hi = 1 if lo == 0 else lo * 2
        out.append(have.get(lo, (lo, hi, 0)))
        lo = hi
    return out


def _size(n: int, log2: bool) -> str:
    """bpftrace's bucket labels: powers of two with K/M/G (1024-based) suffixes."""
    if log2:
        for suffix, scale in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
            if n >= scale and n % scale == 0:
                return f"{n // scale}{suffix}"
    return str(n)


def heading(h: Histogram, unit: str) -> str:
    label = UNITS[unit][1]
    name = f"@{h.key}" if h.trace is None else f"@[{h.trace}, {h.key}]"
    return f"{name} ({label})"


def text(hists: Sequence[Histogram], unit: str, step: int | None, width: int = 80) -> str:
    """Each histogram as a heading and one bar line per bucket, bars scaled to the largest count
    and to ``width`` columns; histograms separated by a blank line."""
    blocks = []
    for h in hists:
        labels = [f"[{_size(lo, not step)}, {_size(hi, not step)})" for lo, hi, _ in h.buckets]
        label_w = max(len(s) for s in labels)
        count_w = max(len(str(c)) for _, _, c in h.buckets)
        bar_w = max(10, min(BAR_WIDTH, width - label_w - count_w - 6))
        top = max(c for _, _, c in h.buckets) or 1
        lines = [heading(h, unit)]
        for label, (_, _, c) in zip(labels, h.buckets):
            n = round(c * bar_w / top)
            if c and not n:
                n = 1  # a bucket with calls always shows
            lines.append(f"{label:<{label_w}} {c:>{count_w}} |{'@' * n:<{bar_w}}|")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def records(hists: Sequence[Histogram], unit: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Columns and rows for json/csv: every bucket, empty ones included, with its unit."""
    multi = any(h.trace is not None for h in hists)
    columns = (["trace"] if multi else []) + ["key", "unit", "lo", "hi", "count"]
    rows = [((h.trace,) if multi else ()) + (h.key, unit, lo, hi, c)
            for h in hists for lo, hi, c in h.buckets]
    return columns, rows
