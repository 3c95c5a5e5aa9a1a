"""The analyzer's one output layer: a rich table for people, json / csv / markdown for pipes and CI.

Values stay exact in json and csv (durations in integer ns, lists as arrays, NULL as null or an
empty cell); the table and markdown formats are for reading, so columns ending in ``_ns``
become durations (``245.670ms``) and NULL becomes ``-``. Payload bytes print escaped the way
strace prints them.
"""
from __future__ import annotations

import csv
import datetime as _dt
import decimal
import json
import math
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, TextIO

from renacer.analyze.render.options import FORMATS as RENDER_FORMATS

# The analyzer's formats for rows (every question command) …
FORMATS = ("table", "json", "csv", "markdown")
# … and the formats of an event stream: the recorder's live output and ``replay``.
EVENT_FORMATS = RENDER_FORMATS  # what replay and the recorder print: the renderers' formats
NULL_TEXT = "-"


class OutputError(Exception):
    """An unusable format name or destination (exit 2)."""


def check_format(fmt: str | None) -> str:
    fmt = (fmt or "table").lower()
    if fmt not in FORMATS:
        raise OutputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return fmt


# -- values ------------------------------------------------------------------------------------------


def escape_bytes(data: bytes) -> str:
    """``"\\x16\\x03\\x01..."`` — printable ASCII as is, the rest as C escapes, like strace."""
    out = []
    for b in data:
        if b == 0x5C:
            out.append("\\\\")
        elif b == 0x22:
            out.append('\\"')
        elif b == 0x0A:
            out.append("\\n")
        elif b == 0x0D:
            out.append("\\r")
        elif b == 0x09:
            out.append("\\t")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "".join(out)


def format_ns(ns: int | float) -> str:
    """A duration (or a time since the recording started) at a readable scale."""
    v = float(ns)
    a = abs(v)
    if a < 1_000:
        return f"{v:.0f}ns"
    if a < 1_000_000:
        return f"{v / 1e3:.1f}µs"
    if a < 1_000_000_000:
        return f"{v / 1e6:.3f}ms"
    return f"{v / 1e9:.3f}s"


def jsonable(value: Any) -> Any:
    """A value json.dumps accepts, keeping numbers numbers."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return escape_bytes(bytes(value))
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):  # NaN and Infinity are not JSON
        return None
    return value


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """Text that cannot drive a terminal: control characters (ESC, BEL, CSI, …) that a recorded
    path, argv or hostname may carry become visible escapes."""
    if not _CONTROL.search(text):
        return text
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return _CONTROL.sub(lambda m: named.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


def display_name(column: str) -> str:
    """A column's name where its values are shown readable: ``p99_ns`` holds nanoseconds but
    shows ``1.196s``, so a person reads it as ``p99``."""
    return escape_controls(column[:-3] if column.endswith("_ns") and len(column) > 3 else column)


def unique_names(columns: Sequence[str]) -> list[str]:
    """Column names as JSON keys: a repeated name gets a suffix instead of overwriting."""
    seen: dict[str, int] = {}
    out = []
    for c in columns:
        n = seen.get(c, 0) + 1
        seen[c] = n
        name = c if n == 1 else f"{c}_{n}"
        while n > 1 and name in seen:
            n += 1
            name = f"{c}_{n}"
        if name != c:
            seen[name] = 1
        out.append(name)
    return out


def cell_text(column: str, value: Any, human: bool) -> str:
    """One value as text; ``human`` turns ``*_ns`` numbers into durations and NULL into ``-``."""
    if value is None:
        return NULL_TEXT if human else ""
    if human and column.endswith("_ns") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_ns(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return escape_bytes(bytes(value))
    if isinstance(value, (list, tuple)):
        if not human:
            return json.dumps(jsonable(value), ensure_ascii=False, allow_nan=False)
        return ", ".join(cell_text(column, v, human) for v in value)
    if isinstance(value, dict):
        text = json.dumps(jsonable(value), ensure_ascii=False)
        return escape_controls(text) if human else text
    if isinstance(value, float):
        return f"{value:.6g}" if human else repr(value)
    return escape_controls(str(value)) if human else str(value)


# -- renderers ---------------------------------------------------------------------------------------

_RIGHT_ALIGNED = (int, float, decimal.Decimal)


def render(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str = "table",
    out: TextIO | None = None,
    *,
    title: str | None = None,
    vertical: bool = False,
) -> None:
    """Write rows in a format. ``vertical``: a one-record result as field/value lines (info)."""
    out = out or sys.stdout
    fmt = check_format(fmt)
    if fmt == "json":
        keys = unique_names(columns)
        records = [{c: jsonable(v) for c, v in zip(keys, row)} for row in rows]
        json.dump(records, out, ensure_ascii=False, indent=2, allow_nan=False)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell_text(c, v, human=False) for c, v in zip(columns, row)])
    elif fmt == "markdown":
        if vertical and len(rows) == 1:
            columns, rows = ["field", "value"], [(display_name(c), cell_text(c, v, True)) for c, v in zip(columns, rows[0])]
        out.write(markdown_table(columns, rows))
    elif hasattr(out, "isatty") and out.isatty():
        _rich_table(columns, rows, out, title=title, vertical=vertical)
    else:
        # Off a terminal the same layout as plain text: nothing to colour or wrap, and no rich
        # import (~0.1 s) for a script that pipes the table.
        out.write(plain_table(columns, rows, vertical=vertical))


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def esc(text: str) -> str:
        return escape_controls(text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " "))

    numeric = [bool(rows) and all(isinstance(r[i], _RIGHT_ALIGNED) or r[i] is None for r in rows)
               for i in range(len(columns))]
    lines = ["| " + " | ".join(esc(display_name(c)) for c in columns) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(esc(cell_text(c, v, True)) for c, v in zip(columns, row)) + " |")
    return "\n".join(lines) + "\n"


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[bool] = (),
               min_widths: Sequence[int] = (), rules_before: Sequence[int] = (0,)) -> str:
    """The one plain-text table: columns padded to their widest cell (at least ``min_widths``)
    two spaces apart, ``right`` ones right-aligned, each line without trailing blanks, and a rule
    of dashes before each body row listed in ``rules_before`` (default: under the header; ``()``
    for none; an index listed twice, two rules). The analyzer's tables off a terminal are this
    layout, and ``-c``'s two (strace's and the guide's) are too."""
    widths = [max([len(h), *(len(r[i]) for r in rows), min_widths[i] if i < len(min_widths) else 0])
              for i, h in enumerate(header)]
    aligned = [right[i] if i < len(right) else False for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, aligned)).rstrip() + "\n"

    rule = "  ".join("-" * w for w in widths) + "\n"
    out = [line(header)]
    for i, row in enumerate(rows):
        out += [rule] * list(rules_before).count(i)
        out.append(line(row))
    if not rows:
        out += [rule] * list(rules_before).count(0)
    return "".join(out)


def plain_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, vertical: bool = False) -> str:
    """Columns padded to their widest cell, numbers right-aligned, a rule under the header."""
    if vertical and len(rows) == 1:
        width = max((len(display_name(c)) for c in columns), default=0)
        return "".join(f"{display_name(c):<{width}}  {cell_text(c, v, True)}\n" for c, v in zip(columns, rows[0]))
    cells = [[cell_text(c, v, True) for c, v in zip(columns, row)] for row in rows]
    numeric = [bool(rows) and all(isinstance(r[i], _RIGHT_ALIGNED) or r[i] is None for r in rows)
               for i in range(len(columns))]
    text = text_table([display_name(c) for c in columns], cells, right=numeric)
    return text if rows else text + "(no rows)\n"


def _console(out: TextIO, stderr: bool = False):
    from rich.console import Console

    terminal = out.isatty() if hasattr(out, "isatty") else False
    # Off a terminal a table must not wrap at 80 columns: give it all the width it needs.
    return Console(file=out, width=None if terminal else 100_000, soft_wrap=not terminal,
                   highlight=False, emoji=False, markup=False, stderr=stderr)


def _rich_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], out: TextIO, *,
                title: str | None, vertical: bool) -> None:
    from rich import box
    from rich.table import Table

    console = _console(out)
    if vertical and len(rows) == 1:
        table = Table(title=title, box=box.SIMPLE_HEAD, show_header=False, show_edge=False, highlight=False)
        table.add_column("field", style="bold")
        table.add_column("value", overflow="fold")
        for c, v in zip(columns, rows[0]):
            table.add_row(display_name(c), cell_text(c, v, human=True))
        console.print(table)
        return
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, highlight=False)
    for i, c in enumerate(columns):
        numeric = bool(rows) and all(isinstance(r[i], _RIGHT_ALIGNED) or r[i] is None for r in rows)
        table.add_column(display_name(c), justify="right" if numeric else "left", overflow="fold")
    for row in rows:
        table.add_row(*(cell_text(c, v, human=True) for c, v in zip(columns, row)))
    if not rows:
        table.caption = "(no rows)"
    console.print(table)


# Chrome's Trace Event format takes integer pids; traces loaded together get disjoint ranges
# (Linux pids stay under 2^22).
_PID_STRIDE = 10_000_000


def write_chrome_trace(
    process_names: dict[tuple[str, int], str],
    events: Iterable[dict[str, Any]],
    out: TextIO,
    traces: Sequence[str],
) -> int:
    """Stream events as Trace Event JSON (ui.perfetto.dev, chrome://tracing); returns the count.

    A syscall is a complete event ("X") on its thread's track, one that never returned a begin
    ("B") without end; signals are thread instants, exits and kills process instants.
    """
    index = {label: i for i, label in enumerate(traces)}
    multi = len(traces) > 1
    out.write('{"displayTimeUnit": "ns", "traceEvents": [\n')
    first = True
    count = 0

    def emit(event: dict[str, Any]) -> None:
        nonlocal first
        out.write(("" if first else ",\n") + json.dumps(event, ensure_ascii=False, separators=(",", ":")))
        first = False

    for (trace, pid), name in sorted(process_names.items(), key=lambda kv: (index.get(kv[0][0], 0), kv[0][1])):
        label = f"{trace}: {name}" if multi else name
        emit({"ph": "M", "name": "process_name", "pid": index.get(trace, 0) * _PID_STRIDE + pid,
              "args": {"name": f"{label} ({pid})"}})
    for e in events:
        pid = index.get(e["trace"], 0) * _PID_STRIDE + e["pid"]
        tid = index.get(e["trace"], 0) * _PID_STRIDE + e["tid"]
        ts = e["ts_ns"] / 1000
        kind = e["kind"]
        if kind == "syscall":
            args = {k: jsonable(e[k]) for k in ("ret", "errno", "fd", "peer", "path", "size") if e[k] is not None}
            event: dict[str, Any] = {"name": e["name"], "cat": "syscall", "pid": pid, "tid": tid, "ts": ts, "args": args}
            if e["dur_ns"] is None:
                event["ph"] = "B"
            else:
                event["ph"] = "X"
                event["dur"] = e["dur_ns"] / 1000
        elif kind == "signal":
            event = {"name": e["name"], "cat": "signal", "ph": "i", "s": "t", "pid": pid, "tid": tid, "ts": ts}
        else:
            what = f"exited {e['ret']}" if kind == "exit" else f"{kind} {e['name'] or ''}".strip()
            event = {"name": what, "cat": kind, "ph": "i", "s": "p" if kind != "stopped" else "t",
                     "pid": pid, "tid": tid, "ts": ts}
        emit(event)
        count += 1
    out.write("\n]}\n")
    return count


def note(message: str) -> None:
    """A remark beside the answer, on stderr so that json/csv on stdout stay clean."""
    sys.stderr.write(f"Note: {message}\n")
    sys.stderr.flush()


def error(message: str) -> None:
    """``Error: …`` on stderr (plain text: scripts grep it)."""
    sys.stderr.write(f"Error: {message}\n")
    sys.stderr.flush()


@contextmanager
def progress(description: str, enabled: bool) -> Iterator[Callable[[float], None] | None]:
    """A rich progress bar on stderr fed with percentages; yields None when disabled (small
    input, or stderr not a terminal) so callers skip progress polling entirely."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                  TimeElapsedColumn(), console=_console(sys.stderr, stderr=True),
                  transient=True) as bar:
        task = bar.add_task(description, total=100.0)
        yield lambda percent: bar.update(task, completed=min(max(percent, 0.0), 100.0))


# -- reports of several sections (diff, issue 11) ------------------------------------------------------


@dataclass
class Section:
    """One titled table of a report; cells are already text or numbers for people to read."""

    title: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    empty: str = "(none)"


def render_report(
    lines: Sequence[str],
    sections: Sequence[Section],
    fmt: str,
    document: Any,
    flat: tuple[Sequence[str], Sequence[Sequence[Any]]],
    out: TextIO | None = None,
    footer: Sequence[str] = (),
) -> None:
    """A report: ``lines`` and ``sections`` (then ``footer``) for people, as a table on a terminal
    or markdown for CI summaries; ``document`` as one JSON object for tools; ``flat`` (exact
    columns and rows) as CSV."""
    out = out or sys.stdout
    fmt = check_format(fmt)
    if fmt == "json":
        json.dump(jsonable(document), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    if fmt == "csv":
        render(flat[0], flat[1], "csv", out)
        return
    if fmt == "markdown":
        text = "".join(f"{line}  \n" for line in lines)
        for s in sections:
            text += f"\n**{s.title}**\n\n" + (markdown_table(s.columns, s.rows) if s.rows else f"{s.empty}\n")
        text += "".join(f"\n{line}\n" for line in footer)
        out.write(text)
        return
    terminal = hasattr(out, "isatty") and out.isatty()
    out.write("".join(f"{line}\n" for line in lines))
    for s in sections:
        out.write(f"\n{s.title}\n")
        if not s.rows:
            out.write(f"{s.empty}\n")
        elif terminal:
            out.flush()
            _rich_table(s.columns, s.rows, out, title=None, vertical=False)
        else:
            out.write(plain_table(s.columns, s.rows))
    out.write("".join(f"\n{line}\n" for line in footer))


def interactive(fmt: str = "table") -> bool:
    """Whether progress may be drawn: stdout and stderr are both terminals and the output is for
    people. Never on a pipe or a redirect, never with json/csv/markdown (a script reads those)."""
    return fmt in ("table", "text") and sys.stdout.isatty() and sys.stderr.isatty()


class _Steps:
    """What ``steps`` yields: ``advance(label)`` moves the bar one step and names the next."""

    def __init__(self, bar: Any = None, task: Any = None) -> None:
        self._bar, self._task = bar, task

    def __call__(self, label: str | None = None) -> None:
        if self._bar is not None:
            fields = {"description": label} if label else {}
            self._bar.update(self._task, advance=1, **fields)

    def set(self, label: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=label)


@contextmanager
def steps(description: str, total: int, enabled: bool) -> Iterator[_Steps]:
    """A bar over ``total`` steps of long work (the queries of a report); a no-op when disabled."""
    if not enabled:
        yield _Steps()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=_console(sys.stderr, stderr=True),
                  transient=True) as bar:
        yield _Steps(bar, bar.add_task(description, total=total))


@contextmanager
def spinner(description: str, enabled: bool) -> Iterator[None]:
    """A spinner with the time elapsed, for work whose size is not known ahead (recover)."""
    if not enabled:
        yield
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=_console(sys.stderr, stderr=True), transient=True) as bar:
        bar.add_task(description, total=None)
        yield


def counted(items: Iterable[Any], total: int, on_progress: Callable[[float], None] | None,
            every: int = 50_000) -> Iterator[Any]:
    """``items`` unchanged, reporting the percentage of ``total`` seen every ``every`` items."""
    if on_progress is None or total <= 0:
        yield from items
        return
    for n, item in enumerate(items, 1):
        if n % every == 0:
            on_progress(100.0 * n / total)
        yield item
    on_progress(100.0)
