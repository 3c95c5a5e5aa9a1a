"""The per-syscall summary of ``renacer -c`` (and of the live JSON document), in plain Python.

The numbers are exactly those of ``queries/summary.sql`` — the project's one definition of a
percentile — computed without DuckDB or Arrow so that ``renacer -c`` starts and ends in
milliseconds. The SQL stays the definition; this module mirrors it step for step, and
tests/analyze/test_summary.py checks equal numbers on random durations and on real recordings:

- ``calls`` every row of the syscall, ``errors`` the rows with an errno, ``total_ns`` the sum of
  the durations (0 when none), ``avg_ns`` their mean rounded, ``max_ns`` the largest.
- percentiles: DuckDB's ``quantile_cont``: position ``(n - 1) * q`` in the sorted durations,
  linear interpolation between the two nearest as DuckDB computes it (``quantile_cont`` below),
  then ``round`` (half away from zero); NULL under 2 completed calls.
- rows ordered by total time, largest first, then by name; one trace, so no ``trace`` column
  (the engine drops it for one trace too).

Memory: exact percentiles need every duration, so each syscall keeps its durations as 8-byte
integers (``array('q')``, not Python ints at ~36 bytes each) in sorted runs of ``_Stats.RUN``
(16384) values; only the newest (fewer than RUN plus one batch) wait in a list. The order
statistics are found by counting across the runs (``Durations.__getitem__``), without ever
sorting all of them into one list.
"""
from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from typing import Any, Sequence

QUANTILES = (0.5, 0.9, 0.99)


def round_half_away(x: float) -> int:
    """DuckDB's ``round`` of a double to an integer (C's ``round``)."""
    if x < 0:
        return -round_half_away(-x)
    f = math.floor(x)
    return int(f) + (1 if x - f >= 0.5 else 0)


def quantile_cont(ordered: Sequence[int] | Durations, q: float) -> float:
    """DuckDB's ``quantile_cont`` of sorted integers, as the double it returns: at position
    ``(n - 1) * q``, ``lo * (1 - d) + hi * d`` in doubles, which DuckDB's build computes as one
    fused multiply-add (``fma(lo, 1 - d, hi * d)``, rounded once). The last bit matters: it
    decides which way an interpolated value ending in .5 rounds."""
    rn = (len(ordered) - 1) * q
    frn, crn = math.floor(rn), math.ceil(rn)
    lo = float(ordered[frn])
    if frn == crn:
        return lo
    hi = float(ordered[crn])
    d = rn - frn
    # fma, exactly: the product and the sum as fractions, rounded once to a double (imported
    # here: fractions costs ~1.3 ms of every live start-up, and only interpolated ranks need it)
    from fractions import Fraction

    return float(Fraction(lo) * Fraction(1.0 - d) + Fraction(hi * d))


class Durations:
    """The durations of one syscall as sorted runs of 8-byte integers. Reads as one sorted
    sequence (``len``, ``[k]``), so ``quantile_cont`` takes it as it takes a sorted list."""

    __slots__ = ("runs", "total", "count", "high")

    def __init__(self) -> None:
        self.runs: list[array[int]] = []
        self.total = 0
        self.count = 0
        self.high: int | None = None

    def add_run(self, values: list[int]) -> None:
        """Keep ``values`` (any order) as a sorted run."""
        if values:
            self.count += len(values)
            self.total += sum(values)
            top = max(values)
            self.high = top if self.high is None else max(self.high, top)
            self.runs.append(array("q", sorted(values)))

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, k: int) -> int:
        """The k-th smallest (0-based): the smallest value with more than k values at or below
        it, found by bisecting the value range and counting in each sorted run."""
        runs = self.runs
        if len(runs) == 1:
            return runs[0][k]
        lo, hi = min(r[0] for r in runs), max(r[-1] for r in runs)
        while lo < hi:
            mid = (lo + hi) // 2
            if sum(bisect_right(r, mid) for r in runs) > k:
                hi = mid
            else:
                lo = mid + 1
        return lo


class _Stats:
    # Durations arrive in ``tail`` (a list: appending is the per-row cost) and move to
    # ``durations`` as a sorted run of 8-byte integers once RUN of them are there.
    RUN = 1 << 14

    __slots__ = ("calls", "errors", "tail", "durations", "first_seq")

    def __init__(self, first_seq: int) -> None:
        self.calls = 0
        self.errors = 0
        self.tail: list[int] = []
        self.durations = Durations()
        self.first_seq = first_seq

    def seal(self) -> Durations:
        self.durations.add_run(self.tail)
        self.tail = []
        return self.durations


class Summary:
    """Accumulates syscall rows batch by batch (column lists); ``rows()`` is summary.sql's
    result for them, ``first_call_order`` the guide's order of its rows."""

    def __init__(self) -> None:
        self._by_name: dict[str, _Stats] = {}

    def add(self, cols: Any) -> None:
        """Add a batch: anything mapping column names to equal-length lists."""
        by_name = self._by_name
        for kind, name, seq, dur, err in zip(cols["kind"], cols["name"], cols["seq"], cols["dur_ns"],
                                             cols["errno"]):
            if kind != "syscall":
                continue
            stats = by_name.get(name)
            if stats is None:
                stats = by_name[name] = _Stats(seq)
            elif seq < stats.first_seq:
                stats.first_seq = seq
            stats.calls += 1
            if err is not None:
                stats.errors += 1
            if dur is not None:
                stats.tail.append(dur)
        for stats in by_name.values():
            if len(stats.tail) >= stats.RUN:
                stats.seal()

    @property
    def calls(self) -> int:
        return sum(s.calls for s in self._by_name.values())

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self._by_name.values())

    def rows(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for name, s in self._by_name.items():
            durations = s.seal()
            n = len(durations)
            total = durations.total
            quantiles: list[int | None] = (
                [round_half_away(quantile_cont(durations, q)) for q in QUANTILES] if n >= 2 else [None] * 3)
            out.append({
                "syscall": name,
                "calls": s.calls,
                "errors": s.errors,
                "total_ns": total,
                "avg_ns": round_half_away(total / n) if n else None,
                "p50_ns": quantiles[0],
                "p90_ns": quantiles[1],
                "p99_ns": quantiles[2],
                "max_ns": durations.high if n else None,
            })
        out.sort(key=lambda r: (-r["total_ns"], r["syscall"]))
        return out

    def first_call_order(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows in the order each syscall was first called (its smallest ``seq``)."""
        first = {name: s.first_seq for name, s in self._by_name.items()}
        return sorted(rows, key=lambda r: (first.get(r["syscall"], 1 << 64), r["syscall"]))
