"""The ``-c`` tables: the guide's (ms, first-call order) and strace's (seconds, largest total
first). They only lay out rows; the numbers are ``analyze/summary.py``'s, which are
``queries/summary.sql``'s."""
from __future__ import annotations

from typing import Any

_SUMMARY_HEAD = ("Syscall", "Calls", "Errors", "Total Time", "Avg Time", "p50", "p90", "p99")


def _seconds(ns: int | float | None) -> str:
    return "-" if ns is None else f"{ns / 1e9:.6f}"


def summary_text(rows: list[dict[str, Any]]) -> str:
    """``-c --style strace``: the per-syscall table (times in seconds), largest total first, then a total row.
    The numbers are queries/summary.sql's, so they equal ``renacer-analyze summary``."""
    body = [
        (r["syscall"], str(r["calls"]), str(r["errors"]), _seconds(r["total_ns"]), _seconds(r["avg_ns"]),
         _seconds(r["p50_ns"]), _seconds(r["p90_ns"]), _seconds(r["p99_ns"]))
        for r in rows
    ]
    calls = sum(r["calls"] for r in rows)
    total_ns = sum(r["total_ns"] or 0 for r in rows)
    body.append(("total", str(calls), str(sum(r["errors"] for r in rows)), _seconds(total_ns),
                 _seconds(total_ns / calls if calls else None), "-", "-", "-"))
    widths = [max(len(row[i]) for row in [_SUMMARY_HEAD, *body]) for i in range(len(_SUMMARY_HEAD))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join(["System Call Summary:", line(_SUMMARY_HEAD), rule, *map(line, body[:-1]), rule,
                      line(body[-1])]) + "\n"


_GUIDE_HEAD = ("Syscall", "Calls", "Errors", "Total Time", "Avg Time", "p50", "p90", "p99")
# The guide's column widths: a table whose numbers fit keeps the same layout from run to run,
# so two runs compare line by line with diff.
_GUIDE_WIDTHS = (17, 9, 9, 14, 12, 9, 9, 9)


def _ms(ns: int | float | None, digits: int) -> str:
    return "-" if ns is None else f"{ns / 1e6:.{digits}f}ms"


def guide_summary_text(rows: list[dict[str, Any]]) -> str:
    """``-c`` in the guide's style: a ``=``-underlined title, times in ms (total to 0.01 ms,
    average and percentiles to 0.001 ms: calls on one machine take microseconds), ``-`` for a
    percentile of fewer than 2 calls, rows in the given order, then a total row."""
    body = [
        (r["syscall"], str(r["calls"]), str(r["errors"]), _ms(r["total_ns"], 2), _ms(r["avg_ns"], 3),
         _ms(r["p50_ns"], 3), _ms(r["p90_ns"], 3), _ms(r["p99_ns"], 3))
        for r in rows
    ]
    calls = sum(r["calls"] for r in rows)
    total_ns = sum(r["total_ns"] or 0 for r in rows)
    body.append(("total", str(calls), str(sum(r["errors"] for r in rows)), _ms(total_ns, 2),
                 _ms(total_ns / calls if calls else None, 3), "-", "-", "-"))
    widths = [max(w, *(len(row[i]) + 2 for row in body)) for i, w in enumerate(_GUIDE_WIDTHS)]

    def line(cells: tuple[str, ...]) -> str:
        return "".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    title = "System Call Summary:"
    return "\n".join([title, "=" * len(title), line(_GUIDE_HEAD), *map(line, body)]) + "\n"

