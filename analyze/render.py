"""The one renderer of recorded events: strace-style text, JSON, JSON lines or CSV.

The recorder feeds it live while recording, and ``render_trace_file`` feeds it a Parquet trace
afterwards; both go through ``feed``/``finish``, so live output and replay are the same bytes.

Ordering. Rows arrive in exit order, but events print in the order of the global event counter
(``seq`` for entries and point events, ``exit_seq`` for exits). A call whose exit is the very
next event prints on one line; otherwise strace's ``name(args <unfinished ...>`` line is printed
at its entry and ``<... name resumed>rest) = ret`` at its exit. ``feed`` receives completed rows,
the entry part of calls still in progress (``pending``) and ``next_seq`` (every event below it is
known); an event is printed once the event after it is known, so the output never depends on how
rows were split across feeds.

``[pid N]`` prefixes (text format, ``pid_prefix="auto"``): strace prints them while more than one
traced thread exists. Here a thread exists from its ``spawned`` row (recorded at the ptrace
event that created it, whatever ``-e`` traced; in older traces from its first event or the
return of the clone/fork that created it) until its ``+++ exited``/``+++ killed`` line (a thread
group leader's takes its threads with it). That rule reads only the rows, so replay reproduces
the live output exactly.

Styles. ``guide`` (the default) prints the project guide's text: one space before `` = ``,
errors as ``-ENAME``, and a non-blocking connect's outcome on its own line (``= -EINPROGRESS
(then ECONNREFUSED)``): that line, and every line after it, waits until the outcome is learned
from the rows that follow (``_ConnectOutcomes``). ``strace`` prints what strace prints. Calls the
metadata lists as ``hidden_syscalls`` (recorded only to learn such outcomes) are dropped before
the timeline, in every format and in the summary.

Rows. The renderer reads a batch as a dict of column lists (``RowView``, ``_Columns``): live, the
recorder's own batches arrive that way from ``capture/rows.py``, without numpy or pyarrow;
replay's Arrow tables are converted column by column on first use. pyarrow is imported only to
read a trace file, and ``-c`` is computed in plain Python (``analyze/summary.py``, the numbers of
``queries/summary.sql``), so live output and ``-c`` start and finish in milliseconds.
"""
from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass, replace
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Iterator, TextIO

from renacer.analyze.decode import DECODERS, Decoded, DecodeOptions, decode_fast, error_parts, format_return
from renacer.analyze.decode.common import part, u32
from renacer.analyze.decode.fdtable import LEARNS, SocketTable, interfaces_from
from renacer.analyze.decode.common import signal as signal_text
from renacer.analyze.decode.generic import decode as generic_decode
from renacer.analyze.decode.signals import signal_line
from renacer.schema import constants as C
from renacer.analyze.summary import Summary
from renacer.analyze.symbolize import source_text
from renacer.schema.trace import TraceFormatError, read_metadata, split_mem

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

FORMATS = ("text", "json", "jsonl", "csv")
STYLES = ("guide", "strace")
COLUMN = 40  # strace pads ``name(args)`` to this column before `` = ``
_CLONES = frozenset({"clone", "clone3", "fork", "vfork"})
# Calls whose text depends on the socket their fd names (netlink messages: fdtable.py), and the
# calls that teach the renderer which socket an fd names.
_BY_SOCKET = frozenset({"sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg"})
_AFTER = _CLONES | LEARNS
# strace prints these with `` = ?`` as soon as they are entered: they never return.
_EXITS = frozenset({"exit", "exit_group"})
# Timeline events: (position, kind, payload, columns). _LINE and _POINT carry a row index into
# the columns of their batch; _ENTRY and _EXIT a _Call.
_LINE, _ENTRY, _EXIT, _POINT = 0, 1, 2, 3
_by_pos = itemgetter(0)


@dataclass(frozen=True)
class RenderOptions:
    format: str = "text"  # text | json | jsonl | csv
    string_size: int = 32  # -s
    durations: bool = False  # -T
    timestamps: int = 0  # -t (1), -tt (2), -ttt (3)
    relative: bool = False  # -r
    xflag: int = 0  # -x (1), -xx (2)
    # "guide" (the default): the project guide's look, ``close(3) = 0``, errors as ``= -ENOENT``,
    # a non-blocking connect's outcome on its line, the -c table in ms in first-call order.
    # "strace": exactly what strace prints (column-40 padding, ``= -1 ENOENT (No such file…)``,
    # the -c table in seconds, largest total first), for diffing against strace.
    style: str = "guide"
    errno_style: str | None = None  # override: "strace" (= -1 ENOENT (…)) or "short" (= -ENOENT)
    pid_prefix: str = "auto"  # auto: [pid N] while >1 thread; always: "%-5d " (strace -f -o); never
    summary: bool = False  # -c: only the per-syscall table, at the end (text format)
    # Which syscalls to show (numbers, from replay's -e). None: what the recording was asked for,
    # i.e. every recorded call except those the metadata lists as ``hidden_syscalls``.
    syscalls: frozenset[int] | None = None

    @classmethod
    def from_cli(cls, args: Any) -> RenderOptions:
        """From the recorder's argparse namespace (attributes it lacks keep their defaults)."""
        fields = {
            "format": getattr(args, "format", None),
            "string_size": getattr(args, "strsize", None),
            "durations": getattr(args, "durations", None),
            "timestamps": getattr(args, "timestamps", None),
            "relative": getattr(args, "relative", None),
            "xflag": getattr(args, "xflag", None),
            "style": getattr(args, "style", None),
            "errno_style": getattr(args, "errno_style", None),
            "pid_prefix": getattr(args, "pid_prefix", None),
            "summary": getattr(args, "summary", None),
        }
        return replace(cls(), **{k: v for k, v in fields.items() if v is not None})

    def decode_options(self, metadata: dict[str, Any] | None = None) -> DecodeOptions:
        """The decoders' options for one trace: its recording host's interfaces, and a fresh
        table of the sockets its calls create (fdtable.SocketTable)."""
        return DecodeOptions(string_size=self.string_size, xflag=self.xflag,
                             interfaces=interfaces_from(metadata), sockets=SocketTable())

    @property
    def strace(self) -> bool:
        return self.style == "strace"

    def errno_text_style(self) -> str:
        return self.errno_style or ("strace" if self.strace else "short")


class RowView:
    """One row of a batch converted to Python lists: ``row["a0"]`` without a dict per row."""

    __slots__ = ("_cols", "_i")

    def __init__(self, cols: dict[str, list[Any]], i: int) -> None:
        self._cols = cols
        self._i = i

    def __getitem__(self, key: str) -> Any:
        return self._cols[key][self._i]

    def get(self, key: str, default: Any = None) -> Any:
        col = self._cols.get(key)
        return default if col is None else col[self._i]


class _Columns(dict):
    """An Arrow batch's columns as Python lists, each converted on first use (most calls need a
    few)."""

    def __init__(self, data: pa.RecordBatch | pa.Table) -> None:
        super().__init__()
        self._data = data
        self._names = set(data.schema.names)
        self.num_rows = data.num_rows

    def __missing__(self, name: str) -> list[Any]:
        if name in self._names:
            import pyarrow as pa  # already loaded: the data is Arrow

            column = self._data.column(name)
            if pa.types.is_dictionary(column.type):
                # Much faster than to_pylist() on the dictionary type, which builds a scalar per row.
                column = column.cast(column.type.value_type)
            values = column.to_pylist()
            if name == "name" and None in values:
                # A number the recorder has no name for prints as strace does: syscall_0x1c3.
                values = [v if v is not None else f"syscall_{nr & 0xFFFF:#x}" for v, nr in zip(values, self["nr"])]
        else:
            values = [None] * self._data.num_rows
        self[name] = values
        return values


class _Picked(dict):
    """Some rows of a batch (by index), each column picked on first use."""

    def __init__(self, parent: dict[str, list[Any]], index: list[int]) -> None:
        super().__init__()
        self._parent = parent
        self._index = index
        self.num_rows = len(index)

    def __missing__(self, name: str) -> list[Any]:
        column = self._parent[name]
        values = self[name] = [column[i] for i in self._index]
        return values


# A batch as the renderer reads it: column name -> list of values, and ``num_rows``.
Rows = dict


def _columns(data: Any) -> Rows:
    """Column lists of a batch: the live path's own (capture/rows.py) as they are, Arrow converted."""
    return data if isinstance(data, dict) else _Columns(data)


class _Call:
    """A syscall on the timeline: its row (pending until it returns) and how it was printed."""

    __slots__ = ("row", "done", "open")

    def __init__(self, row: RowView, done: bool) -> None:
        self.row = row
        self.done = done  # a completed row (it returned, or is known never to return)
        self.open = False  # its entry was printed as ``<unfinished ...>``


class _Renderer:
    """The timeline shared by every format: events sorted by counter position, released in order
    once the event after each is known."""

    def __init__(self, out: TextIO, options: RenderOptions, metadata: dict[str, Any] | None = None) -> None:
        self.out = out
        self.options = options
        self.dopts = options.decode_options()
        self.metadata: dict[str, Any] = {}
        self.begin(metadata or {})

    # -- per trace ---------------------------------------------------------------------------------

    def begin(self, metadata: dict[str, Any]) -> None:
        """Start a trace (a renderer can render several traces one after the other)."""
        self.metadata = metadata
        self.start_wall_ns = int(metadata.get("start_wall_ns") or 0)
        self.dopts = self.options.decode_options(metadata)
        self.shown_from(metadata)
        self._events: list[tuple[int, int, Any, Any]] = []
        self._calls: dict[int, _Call] = {}
        self._settled: set[int] = set()  # pending calls already printed in full

    def feed(self, rows: Any, pending: Any, next_seq: int) -> None:
        """Add completed rows and the calls in progress (Arrow batches or tables, or column lists
        with ``num_rows``); print what is now decided."""
        added = False
        if rows is not None:
            rows = _columns(rows)
        if pending is not None:
            pending = _columns(pending)
        if rows is not None and rows.num_rows:
            self._learn(rows)
            rows = self._visible(rows)
        if rows is not None and rows.num_rows:
            self._add_rows(rows)
            added = True
        if pending is not None and pending.num_rows:
            pending = self._visible(pending)
        if pending is not None and pending.num_rows:
            added = self._add_pending(pending) or added
        if added:
            self._events.sort(key=_by_pos)
        self._drain(final=False)

    def end_trace(self) -> None:
        """Everything of this trace is known: print the rest."""
        self._drain(final=True)

    def finish(self, metadata: dict[str, Any] | None = None) -> None:
        self.end_trace()
        self._close()

    def shown_from(self, metadata: dict[str, Any]) -> None:
        """Which calls to show: replay's -e, else all but those the recorder traced only to learn
        something for the shown ones (a non-blocking connect's outcome), listed in the metadata
        as ``hidden_syscalls``: never printed, counted or summarized."""
        shown = self.options.syscalls
        hidden = () if shown is not None else metadata.get("hidden_syscalls") or ()
        self._shown = None if shown is None else frozenset(shown)
        self._hidden = frozenset(hidden) if hidden else None

    def _learn(self, rows: Rows) -> None:
        """Hook: see every recorded row, shown or not, before the hidden ones are dropped."""

    def _visible(self, rows: Rows) -> Rows:
        """The rows to show: process events, and the calls -e asked for (the seq gaps left by the
        others are handled like any gap: a line is one line when its exit is the next event)."""
        if self._shown is None and self._hidden is None:
            return rows
        if self._shown is not None:
            shown = self._shown
            keep = [i for i, (k, nr) in enumerate(zip(rows["kind"], rows["nr"]))
                    if k != "syscall" or nr is None or nr in shown]
        else:
            hidden = self._hidden
            keep = [i for i, (k, name) in enumerate(zip(rows["kind"], rows["name"]))
                    if k != "syscall" or name not in hidden]
        if len(keep) == rows.num_rows:
            return rows
        return _Picked(rows, keep)

    # -- timeline ----------------------------------------------------------------------------------

    def _add_rows(self, rows: Rows) -> None:
        cols = rows
        seqs, kinds, exits = cols["seq"], cols["kind"], cols["exit_seq"]
        calls = self._calls
        # The bulk: syscalls whose exit is the very next event print on one line, so they need
        # neither a _Call nor an exit event; appended in C by zip().
        simple = [i for i, (k, s, e) in enumerate(zip(kinds, seqs, exits))
                  if e is not None and e - s == 1 and k == "syscall"]
        if calls or self._settled:  # a simple row may complete a pending call: the long way
            simple = [i for i in simple if seqs[i] not in calls and seqs[i] not in self._settled]
        self._events.extend(zip([seqs[i] for i in simple], repeat(_LINE), simple, repeat(cols)))
        rest = sorted(set(range(len(seqs))).difference(simple)) if len(simple) != len(seqs) else ()
        append = self._events.append
        for i in rest:
            seq, end = seqs[i], exits[i]
            if kinds[i] != "syscall":
                append((seq, _POINT, i, cols))
                continue
            call = calls.get(seq)
            if call is None:
                if seq in self._settled:
                    self._settled.discard(seq)
                    continue
                call = calls[seq] = _Call(RowView(cols, i), True)
                append((seq, _ENTRY, call, None))
            else:  # it was pending
                call.row = RowView(cols, i)
                call.done = True
            if end is not None and (end != seq + 1 or call.open):
                append((end, _EXIT, call, None))
        self._on_rows(rows)

    def _add_pending(self, pending: Rows) -> bool:
        cols = pending
        added = False
        for i, seq in enumerate(cols["seq"]):
            if seq in self._calls or seq in self._settled:
                continue  # already known (pending snapshots repeat)
            call = self._calls[seq] = _Call(RowView(cols, i), False)
            self._events.append((seq, _ENTRY, call, None))
            added = True
        return added

    def _on_rows(self, rows: Rows) -> None:
        """Hook for renderers that also keep the rows (summaries)."""

    def _drain(self, final: bool) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def _wall(self, ts_ns: int) -> float:
        return (self.start_wall_ns + ts_ns) / 1e9


# --- text -------------------------------------------------------------------------------------------

_NO_OVERRIDE = Decoded([])


def _split(result: Decoded | list[str]) -> tuple[list[str], int, bool, int]:
    """(args, how many print at entry, whether the comma after them prints at entry, how many
    characters of the last entry argument wait for the exit)."""
    if result.__class__ is Decoded:
        n = len(result.args)
        k = n if result.entry is None else min(result.entry, n)
        return result.args, k, result.entry_sep, result.late if k else 0
    return result, len(result), True, 0


def _entry_text(args: list[str], k: int, sep: bool, late: int = 0) -> str:
    """The arguments strace prints at entry, with the separator it prints after them."""
    head = args[:k]
    if late:
        head[-1] = head[-1][:-late]
    if k == len(args) or not sep:
        return ", ".join(head)
    return "".join([a + ", " for a in head])


def _exit_text(args: list[str], k: int, sep: bool, late: int = 0) -> str:
    """What ``<... name resumed>`` is followed by."""
    rest = ", ".join(args[k:])
    tail = args[k - 1][-late:] if late else ""
    return tail + (", " + rest if not sep and k and rest else rest)


def _duration(dur_ns: int | None) -> str:
    if dur_ns is None:
        return ""
    return " <%d.%06d>" % divmod(max(dur_ns, 0) // 1000, 1_000_000)


def _pad(line: str) -> str:
    """``name(args) `` padded to strace's return-value column."""
    return line if len(line) >= COLUMN else line.ljust(COLUMN)


# What a decoder may read of a row that returned at once (errno follows from ret; exit_seq is set).
_DECODE_INPUTS = ("a0", "a1", "a2", "a3", "a4", "a5", "data", "sockaddr", "path", "mem")  # and ret
_MEMO_MAX = 1 << 16


_EINPROGRESS, _EALREADY, _EISCONN = -115, -114, -106
_SOL_SOCKET, _SO_ERROR = 1, 4
_OUTCOME_CALLS = frozenset({"connect", "getsockopt", "close"})
_PROCESS_ENDS = frozenset({"exit", "killed"})
_OUTCOME_COLUMNS = ("seq", "exit_seq", "ts_ns", "dur_ns", "pid", "tid", "kind", "name", "a0", "a1", "a2", "ret", "mem")
# How long a connect's line waits for its outcome: until an event recorded HOLD_NS after the
# connect returned, or HOLD_ROWS rows later (a socket left connecting must not hold the output
# back for long). Both are read from the rows, never from the clock, so that live and replay
# decide alike. A refusal arrives in microseconds, a remote SYN-ACK within a round trip; a
# connect that times out (minutes) is printed without its outcome.
HOLD_NS = 5_000_000_000
HOLD_ROWS = 65536


class _Waiting:
    __slots__ = ("seq", "exit_seq", "deadline_ns", "position")

    def __init__(self, row: dict[str, Any], position: int) -> None:
        self.seq = row["seq"]
        self.exit_seq = row["exit_seq"]
        self.deadline_ns = row["ts_ns"] + (row["dur_ns"] or 0) + HOLD_NS
        self.position = position  # its row's position in the recording


class _ConnectOutcomes:
    """What became of each non-blocking connect (``= -EINPROGRESS``), learned from the calls that
    follow it in the same process: ``getsockopt(fd, SOL_SOCKET, SO_ERROR)`` (how curl, libuv, Go,
    asyncio and nginx learn it), a second ``connect`` on the fd, or its ``close`` when recorded.

    Decisions depend only on the rows and their order (exit order, the same live and in the
    file), never on how they were split into batches. ``notes`` maps a connect's ``seq`` to the
    text its line ends with: `` (then ECONNREFUSED)``, `` (then connected)``, or ``""`` when
    nothing was learned (closed while connecting, process gone, waited past HOLD_NS/HOLD_ROWS).
    """

    def __init__(self) -> None:
        self.notes: dict[int, str] = {}
        self._waiting: dict[tuple[int, int], _Waiting] = {}  # (pid, fd) -> its connect
        self._rows = 0  # rows seen so far

    def learn(self, rows: Rows) -> None:
        base = self._rows
        self._rows += rows.num_rows
        names = rows["name"]
        if not self._waiting:
            if not any(r == _EINPROGRESS and n == "connect" for n, r in zip(names, rows["ret"])):
                return
        index = [i for i, (n, k) in enumerate(zip(names, rows["kind"]))
                 if n in _OUTCOME_CALLS or k in _PROCESS_ENDS]
        columns = [rows[c] for c in _OUTCOME_COLUMNS]
        picked = [dict(zip(_OUTCOME_COLUMNS, [c[i] for c in columns])) for i in index]
        ts = rows["ts_ns"]
        # where in this batch each waiting connect runs out of time (row offset), found lazily
        expires: dict[tuple[int, int], int | None] = {}

        def expire(upto: int) -> None:
            for key, waiting in list(self._waiting.items()):
                if key not in expires:
                    deadline, start = waiting.deadline_ns, max(waiting.position - base + 1, 0)
                    expires[key] = next((o for o in range(start, len(ts)) if ts[o] > deadline), None)
                at = expires[key]
                if (at is not None and at < upto) or base + upto - waiting.position > HOLD_ROWS:
                    self._settle(key, "")

        for offset, row in zip(index, picked):
            expire(offset)
            self._see(row, base + offset, expires)
        expire(rows.num_rows)

    def _settle(self, key: tuple[int, int], note: str) -> None:
        self.notes[self._waiting.pop(key).seq] = note

    def _see(self, row: dict[str, Any], position: int, expires: dict[tuple[int, int], int | None]) -> None:
        pid = row["pid"]
        if row["kind"] != "syscall":
            if row["tid"] == pid:  # the process is gone, its descriptors with it
                for key in [k for k in self._waiting if k[0] == pid]:
                    self._settle(key, "")
            return
        key = (pid, u32(row["a0"]))
        waiting = self._waiting.get(key)
        after = waiting is not None and row["seq"] > waiting.exit_seq
        name, ret = row["name"], row["ret"]
        if name == "connect":
            if after and ret is not None and ret not in (_EINPROGRESS, _EALREADY):
                self._settle(key, " (then connected)" if ret in (0, _EISCONN) else
                             f" (then {C.errno_name(-ret) or -ret})" if -4096 < ret < 0 else "")
            if ret == _EINPROGRESS and row["exit_seq"] is not None:
                if key in self._waiting:
                    self._settle(key, "")
                self._waiting[key] = _Waiting(row, position)
                expires.pop(key, None)
        elif name == "getsockopt":
            if after and ret == 0 and u32(row["a1"]) == _SOL_SOCKET and u32(row["a2"]) == _SO_ERROR:
                data = part(row, 0)
                if data is not None and len(data) >= 4:
                    err = int.from_bytes(data[:4], "little")
                    self._settle(key, " (then connected)" if err == 0 else f" (then {C.errno_name(err) or err})")
        elif after:  # close
            self._settle(key, "")


class TextRenderer(_Renderer):
    """strace's text format, line for line."""

    def begin(self, metadata: dict[str, Any]) -> None:
        super().begin(metadata)
        self._live: dict[int, int] = {}  # tid -> pid of the threads that exist now
        self._open: dict[int, _Call] = {}  # tid -> its call printed as <unfinished ...>
        self._last_ts: int | None = None
        self._summary = Summary()
        self._stamp = self._stamp_fn()
        # The common case, worth a shortcut per line: no timestamps, strace's [pid N] rule.
        self._plain = self._stamp is None and self.options.pid_prefix == "auto"
        self._style = self.options.errno_text_style()
        self._padded = self.options.strace  # strace pads to column 40; the guide's style does not
        # The guide's style shows a non-blocking connect's outcome on its line (strace cannot: it
        # prints the line before the outcome exists).
        self._outcomes = None if self.options.strace or self.options.summary else _ConnectOutcomes()
        self._memo: dict[tuple[Any, ...], tuple[str, str]] = {}
        self._durations = self.options.durations

    def _learn(self, rows: Rows) -> None:
        if self._outcomes is not None:
            self._outcomes.learn(rows)

    def _pad(self, line: str) -> str:
        return _pad(line) if self._padded else line

    # -- line pieces ---------------------------------------------------------------------------------

    def _stamp_fn(self) -> Any:
        o = self.options
        if o.relative:
            return self._relative
        if o.timestamps >= 3:
            return lambda ts: "%d.%06d " % divmod((self.start_wall_ns + ts) // 1000, 1_000_000)
        if o.timestamps == 2:
            return lambda ts: self._clock(ts, True)
        if o.timestamps == 1:
            return lambda ts: self._clock(ts, False)
        return None

    def _clock(self, ts: int, micro: bool) -> str:
        sec, us = divmod((self.start_wall_ns + ts) // 1000, 1_000_000)
        text = time.strftime("%H:%M:%S", time.localtime(sec))
        return f"{text}.{us:06d} " if micro else text + " "

    def _relative(self, ts: int) -> str:
        delta = 0 if self._last_ts is None else max(ts - self._last_ts, 0)
        self._last_ts = ts
        return "%6d.%06d " % divmod(delta // 1000, 1_000_000)

    def _prefix(self, tid: int, ts: int) -> str:
        mode = self.options.pid_prefix
        if mode == "always":
            head = "%-5d " % tid
        elif mode == "auto" and len(self._live) > 1:
            head = "[pid %5d] " % tid
        else:
            head = ""
        return head + self._stamp(ts) if self._stamp is not None else head

    def _touch(self, row: RowView) -> None:
        tid = row["tid"]
        if tid not in self._live:
            self._live[tid] = row["pid"]

    def _ret_text(self, row: RowView, result: Decoded | list[str]) -> str:
        ret = row["ret"]
        if ret is not None and not -4096 < ret < 0:
            if result.__class__ is Decoded and result.ret is not None:
                return result.ret
            return str(ret)
        return format_return(row, _NO_OVERRIDE, self._style)

    # -- events --------------------------------------------------------------------------------------

    def _decode_line(self, row: RowView, name: str, ret: int, decoders_get: Any, dopts: DecodeOptions) -> tuple[str, str]:
        """The arguments and the return text of a call that returned at once."""
        fn = decoders_get(name)
        result = None
        if fn is not None:
            try:
                result = fn(row, dopts)
            except Exception:  # odd recorded bytes must never stop a replay
                result = None
        if result is None:
            result = generic_decode(row, dopts)
        failed = -4096 < ret < 0
        if result.__class__ is Decoded:
            text = result.ret if result.ret is not None and not failed else None
            result = result.args
        else:
            text = None
        if text is None:
            text = format_return(row, _NO_OVERRIDE, self._style) if failed else str(ret)
        return ", ".join(result), text

    def _drain(self, final: bool) -> None:
        events = self._events
        n = len(events)
        out: list[str] = []
        append = out.append
        show = not self.options.summary
        padded = self._padded
        outcomes = self._outcomes.notes if self._outcomes is not None else None
        # Locals for the hot path: a _LINE event is a call that returned at once, the bulk of a
        # trace, rendered inline (a method call per line costs a tenth of the replay speed).
        live = self._live
        plain = self._plain
        durations = self._durations
        dopts = self.dopts
        decoders_get = DECODERS.get
        memo = self._memo
        has_source = bool(self.metadata.get("source")) if getattr(self, "metadata", None) else False
        current = None
        tids = pids = names = rets = a0s = a1s = a2s = a3s = a4s = a5s = datas = sas = paths = mems = ()
        i = 0
        while i < n:
            pos, kind, obj, cols = events[i]
            if kind == _LINE:
                if not show:
                    i += 1
                    continue
                if cols is not current:
                    current = cols
                    tids, pids, names, rets = cols["tid"], cols["pid"], cols["name"], cols["ret"]
                    a0s, a1s, a2s, a3s, a4s, a5s, datas, sas, paths, mems = (
                        cols[c] for c in _DECODE_INPUTS)
                name = names[obj]
                note = ""
                if outcomes is not None and rets[obj] == _EINPROGRESS and name == "connect":
                    # Printed once its outcome is known (or can no longer be): the lines after it
                    # wait too, so the order stays the recorded one.
                    note = outcomes.pop(pos, None)
                    if note is None:
                        if not final:
                            break
                        note = ""
                i += 1
                tid = tids[obj]
                if tid not in live:
                    live[tid] = pids[obj]
                row = RowView(cols, obj)
                # Decoders are pure functions of these columns, and traces repeat themselves
                # (loops): a call seen before with the same values prints the same text.
                key = (name, a0s[obj], a1s[obj], a2s[obj], a3s[obj], a4s[obj], a5s[obj], rets[obj],
                       datas[obj], sas[obj], paths[obj], mems[obj])
                if name in _BY_SOCKET:
                    key += (dopts.sockets.get(pids[obj], a0s[obj]),)
                decoded = memo.get(key)
                if decoded is None:
                    decoded = memo[key] = self._decode_line(row, name, rets[obj], decoders_get, dopts)
                    if len(memo) > _MEMO_MAX:
                        memo.clear()
                args_text, text = decoded
                if plain:
                    line = (f"[pid {tid:5d}] {name}(" if len(live) > 1 else name + "(") + args_text + ") "
                else:
                    line = self._prefix(tid, cols["ts_ns"][obj]) + name + "(" + args_text + ") "
                if padded and len(line) < COLUMN:
                    line = line.ljust(COLUMN)
                if note:
                    text += note
                if durations:
                    text += _duration(cols["dur_ns"][obj])
                src = cols["src_file"][obj] if has_source else None
                if src is not None or (has_source and cols["src_func"][obj] is not None):
                    text += "   " + source_text(src, cols["src_line"][obj], cols["src_func"][obj])
                append(f"{line}= {text}\n")
                if name in _AFTER:
                    self._after(row)
                continue
            if kind == _ENTRY:
                call: _Call = obj
                if call.row["name"] in _EXITS and call.row["exit_seq"] is None:
                    del self._calls[pos]
                    if not call.done:
                        self._settled.add(pos)  # its completed row may still come: skip it then
                    if show:
                        self._never_returned(call.row, out)
                    i += 1
                    continue
                if call.done:
                    end = call.row["exit_seq"]
                    if end is not None:
                        one_line = end == pos + 1 or (i + 1 < n and events[i + 1][0] == end)
                    elif i + 1 < n:
                        one_line = self._dies_next(call, events[i + 1])
                    elif final:
                        one_line = False  # still running when the recording ended
                    else:
                        break
                elif i + 1 < n or final:
                    one_line = False
                else:
                    break
                if not one_line:
                    if show:
                        self._unfinished(call, out)
                    else:
                        call.open = True
                else:
                    del self._calls[pos]
                    if call.done and call.row["exit_seq"] is not None:
                        events[i] = (pos, _LINE, call.row._i, call.row._cols)
                        continue  # rendered by the _LINE branch
                    if show:
                        self._never_returned(call.row, out)
            elif kind == _EXIT:
                if show:
                    note = ""
                    row = obj.row
                    if outcomes is not None and obj.open and row["ret"] == _EINPROGRESS and row["name"] == "connect":
                        note = outcomes.pop(row["seq"], None)
                        if note is None:
                            if not final:
                                break
                            note = ""
                    self._exit(obj, out, note)
                self._calls.pop(obj.row["seq"], None)
                if not show:
                    obj.open = False
            elif show:
                self._point(RowView(cols, obj), out)
            i += 1
        del events[:i]
        if out:
            self.out.write("".join(out))

    @staticmethod
    def _dies_next(call: _Call, event: tuple[int, int, Any, Any]) -> bool:
        """A call that never returned shares its line with its thread's end, if that is next."""
        _, kind, i, cols = event
        return kind == _POINT and cols["kind"][i] in ("exit", "killed") and cols["tid"][i] == call.row["tid"]

    def _unfinished(self, call: _Call, out: list[str]) -> None:
        row = call.row
        self._touch(row)
        args, k, sep, late = _split(decode_fast(row, self.dopts))
        head = self._prefix(row["tid"], row["ts_ns"]) + row["name"] + "("
        out.append(head + _entry_text(args, k, sep, late) + " <unfinished ...>\n")
        call.open = True
        self._open[row["tid"]] = call

    def _never_returned(self, row: RowView, out: list[str]) -> None:
        """A call that never returned, followed at once by its thread's end: ``= ?``."""
        self._touch(row)
        args, k, sep, late = _split(decode_fast(row, self.dopts))
        head = self._prefix(row["tid"], row["ts_ns"]) + row["name"] + "("
        unfinished = "" if k == len(args) else " <unfinished ...>"
        out.append(self._pad(head + _entry_text(args, k, sep, late) + unfinished + ") ") + "= ?\n")

    def _after(self, row: RowView) -> None:
        """A call that changes what later lines print: a new thread or process, a socket."""
        if row["name"] in _CLONES:
            self._clone_child(row)
        if row["name"] in LEARNS:
            self.dopts.sockets.learn(row)

    def _clone_child(self, row: RowView) -> None:
        ret = row["ret"]
        if ret is not None and ret > 0 and ret not in self._live:
            threads = row["name"] == "clone" and (row["a0"] or 0) & 0x10000  # CLONE_THREAD
            self._live[ret] = row["pid"] if threads else ret

    def _exit(self, call: _Call, out: list[str], note: str = "") -> None:
        if not call.open:
            return  # printed on one line at its entry
        row = call.row
        self._touch(row)
        if row["name"] in _AFTER:
            self._after(row)
        result = decode_fast(row, self.dopts)
        args, k, sep, late = _split(result)
        ts = row["ts_ns"] + (row["dur_ns"] or 0)
        head = f"{self._prefix(row['tid'], ts)}<... {row['name']} resumed>{_exit_text(args, k, sep, late)}) "
        line = self._pad(head) + "= " + self._ret_text(row, result) + note
        if self._durations:
            line += _duration(row["dur_ns"])
        where = source_text(row["src_file"], row["src_line"], row["src_func"])
        out.append(line + ("   " + where if where else "") + "\n")
        call.open = False
        if self._open.get(row["tid"]) is call:
            del self._open[row["tid"]]

    def _point(self, row: RowView, out: list[str]) -> None:
        self._touch(row)
        kind, tid, ts = row["kind"], row["tid"], row["ts_ns"]
        if kind in ("exit", "killed"):
            call = self._open.pop(tid, None)
            if call is not None and call.row["exit_seq"] is None:
                args, k, _sep, _late = _split(decode_fast(call.row, self.dopts))
                unfinished = "" if k == len(args) else " <unfinished ...>"
                head = f"{self._prefix(tid, ts)}<... {call.row['name']} resumed>{unfinished}) "
                out.append(self._pad(head) + "= ?\n")
                call.open = False
            if kind == "exit":
                out.append(f"{self._prefix(tid, ts)}+++ exited with {row['ret']} +++\n")
            else:
                core = " (core dumped)" if row["ret"] else ""
                out.append(f"{self._prefix(tid, ts)}+++ killed by {signal_text(row['nr'])}{core} +++\n")
            self._gone(tid, row["pid"])
        elif kind == "signal":
            parts = split_mem(row["mem"])
            out.append(self._prefix(tid, ts) + signal_line(row["name"], row["nr"], parts[0] if parts else None) + "\n")
        elif kind == "stopped":
            out.append(f"{self._prefix(tid, ts)}--- stopped by {signal_text(row['nr'])} ---\n")
        elif kind == "spawned":  # a new thread or process: no line, but [pid N] from now on
            child = row["ret"]
            if child is not None and child not in self._live:
                self._live[child] = row["a0"] or child

    def _gone(self, tid: int, pid: int) -> None:
        self._live.pop(tid, None)
        if tid == pid:  # the thread group leader: its process is gone
            for other in [t for t, p in self._live.items() if p == pid]:
                del self._live[other]

    # -- -c ------------------------------------------------------------------------------------------

    def _on_rows(self, rows: Rows) -> None:
        if self.options.summary:
            self._summary.add(rows)

    def _close(self) -> None:
        if self.options.summary:
            rows = self._summary.rows()
            if self.options.strace:
                self.out.write(summary_text(rows))
            else:
                self.out.write(guide_summary_text(self._summary.first_call_order(rows)))
        self.out.flush()


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


# --- json, jsonl, csv -------------------------------------------------------------------------------

_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps minus its per-call setup

CSV_FIELDS = ["seq", "timestamp", "pid", "tid", "name", "args", "return_value", "return_error",
              "duration_ns", "source"]


class _RecordRenderer(_Renderer):
    """One record per call, in entry order; a call is written once it has returned."""

    def begin(self, metadata: dict[str, Any]) -> None:
        super().begin(metadata)
        if not hasattr(self, "_summary"):
            self._summary = Summary()
            self._other: list[dict[str, Any]] = []
            self._started = False

    def _drain(self, final: bool) -> None:
        events = self._events
        i = 0
        for i, (pos, kind, obj, cols) in enumerate(events):
            if kind == _LINE:
                self._write_call(self._record(RowView(cols, obj), True))
            elif kind == _ENTRY:
                if not obj.done and not final:
                    break
                self._calls.pop(pos, None)
                self._write_call(self._record(obj.row, obj.done))
            elif kind == _POINT and cols["kind"][obj] != "spawned":  # lifecycle only: no record
                self._write_other(self._point_record(RowView(cols, obj)))
        else:
            i = len(events)
        del events[:i]

    def _record(self, row: RowView, done: bool) -> dict[str, Any]:
        cols, i = row._cols, row._i
        result = decode_fast(row, self.dopts)
        if done and row["name"] in LEARNS:
            self.dopts.sockets.learn(row)  # which fds are netlink sockets, as the text renderer
        args = result.args if result.__class__ is Decoded else result
        value, error = None, None
        if done and cols["exit_seq"][i] is not None:
            value = cols["ret"][i]
            if value is not None and -4096 < value < 0:
                value, error = -1, error_parts(row)[1]
        src = cols["src_file"][i]
        return {
            "seq": cols["seq"][i],
            "name": cols["name"][i],
            "args": args,
            "return": {"value": value, "error": error},
            "pid": cols["pid"][i],
            "tid": cols["tid"][i],
            "timestamp": round((self.start_wall_ns + cols["ts_ns"][i]) / 1e9, 6),
            "duration_ns": cols["dur_ns"][i],
            "source": None if src is None else {"file": src, "line": cols["src_line"][i],
                                                "function": cols["src_func"][i]},
        }

    def _point_record(self, row: RowView) -> dict[str, Any]:
        kind = row["kind"]
        record: dict[str, Any] = {
            "seq": row["seq"], "kind": kind, "pid": row["pid"], "tid": row["tid"],
            "timestamp": round(self._wall(row["ts_ns"]), 6),
        }
        if kind == "exit":
            record["exit_code"] = row["ret"]
        elif kind == "signal":
            parts = split_mem(row["mem"])
            record["signal"] = signal_text(row["nr"])
            record["text"] = signal_line(row["name"], row["nr"], parts[0] if parts else None)
        else:
            record["signal"] = signal_text(row["nr"])
            if kind == "killed":
                record["core_dumped"] = bool(row["ret"])
        return record

    def _on_rows(self, rows: Rows) -> None:
        self._summary.add(rows)

    def _write_call(self, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def _write_other(self, record: dict[str, Any]) -> None:
        self._other.append(record)

    def summary(self) -> dict[str, Any]:
        """Totals and the rows of queries/summary.sql (the analyzer's one definition of a
        percentile), computed in plain Python by analyze/summary.py."""
        from renacer.analyze.output import jsonable

        return {
            "calls": self._summary.calls,
            "errors": self._summary.errors,
            "by_syscall": jsonable(self._summary.rows()),
        }


class JsonRenderer(_RecordRenderer):
    """``{"syscalls": [...], "events": [...], "summary": {...}}``: one document, the calls
    streamed as they are decided, the process events and the summary at the end."""

    def _write_call(self, record: dict[str, Any]) -> None:
        self.out.write(('{"syscalls": [\n' if not self._started else ",\n") + _to_json(record))
        self._started = True

    def _close(self) -> None:
        head = "\n]" if self._started else '{"syscalls": []'
        events = json.dumps(self._other, ensure_ascii=False)
        summary = json.dumps(self.summary(), ensure_ascii=False)
        self.out.write(f'{head},\n"events": {events},\n"summary": {summary}}}\n')
        self.out.flush()


class JsonlRenderer(_RecordRenderer):
    """One JSON object per call and line."""

    def _write_call(self, record: dict[str, Any]) -> None:
        self.out.write(_to_json(record) + "\n")

    def _close(self) -> None:
        self.out.flush()


class CsvRenderer(_RecordRenderer):
    """A header, then one line per call; ``args`` joined as strace shows them."""

    def begin(self, metadata: dict[str, Any]) -> None:
        super().begin(metadata)
        if not hasattr(self, "_writer"):
            self._writer = csv.writer(self.out, lineterminator="\n")
            self._writer.writerow(CSV_FIELDS)

    def _write_call(self, record: dict[str, Any]) -> None:
        src = record["source"]
        value = record["return"]["value"]
        self._writer.writerow([
            record["seq"], "%.6f" % record["timestamp"], record["pid"], record["tid"], record["name"],
            ", ".join(record["args"]), "" if value is None else value, record["return"]["error"] or "",
            "" if record["duration_ns"] is None else record["duration_ns"],
            source_text(src["file"], src["line"], src["function"])[1:-1] if src else "",
        ])

    def _close(self) -> None:
        self.out.flush()


_RENDERERS: dict[str, type[_Renderer]] = {
    "text": TextRenderer, "json": JsonRenderer, "jsonl": JsonlRenderer, "csv": CsvRenderer,
}


def make_renderer(out: TextIO, options: RenderOptions, metadata: dict[str, Any] | None = None) -> _Renderer:
    """The renderer of ``options.format``."""
    try:
        cls = _RENDERERS[options.format]
    except KeyError:
        raise ValueError(f"unknown format {options.format!r}; choose one of {', '.join(FORMATS)}") from None
    return cls(out, options, metadata)


# --- live -------------------------------------------------------------------------------------------


class LiveRenderer:
    """The recorder's live consumer (``write``/``close``), the same renderer as replay.

    Call ``begin(metadata)`` once the start anchors are known (``start_wall_ns`` for -t); without
    it, absolute timestamps count from the epoch.
    """

    wants_pending = True

    def __init__(self, out: TextIO, options: RenderOptions, metadata: dict[str, Any] | None = None) -> None:
        self.out = out
        self.renderer = make_renderer(out, options, metadata)

    def begin(self, metadata: dict[str, Any]) -> None:
        self.renderer.metadata = metadata
        self.renderer.start_wall_ns = int(metadata.get("start_wall_ns") or 0)
        self.renderer.dopts = self.renderer.options.decode_options(metadata)
        self.renderer.shown_from(metadata)

    def write(self, batch: Any, pending: Any, next_seq: int) -> None:
        self.renderer.feed(batch, pending, next_seq)
        self.out.flush()

    def close(self, metadata: dict[str, Any]) -> None:
        self.renderer.finish(metadata)


def live_renderer(out: TextIO, options: RenderOptions, metadata: dict[str, Any] | None = None) -> LiveRenderer:
    return LiveRenderer(out, options, metadata)


# --- replay -----------------------------------------------------------------------------------------

_REQUIRED = ("seq", "exit_seq", "ts_ns", "pid", "tid", "kind", "name")


def _open_trace(path: str) -> tuple[pq.ParquetFile, dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except FileNotFoundError:
        raise TraceFormatError(f"{path}: no such file") from None
    except (pa.ArrowException, OSError) as exc:
        raise TraceFormatError(
            f"{path} is not a readable Parquet trace (truncated or not Parquet: {exc}); a recording "
            "that was cut short can be recovered from its .journal"
        ) from None
    meta = read_metadata(pf.metadata.metadata, path)
    missing = [c for c in _REQUIRED if c not in pf.schema_arrow.names]
    if missing:
        raise TraceFormatError(f"{path} lacks the trace column(s) {', '.join(missing)}")
    return pf, meta


def _seq_bounds(pf: pq.ParquetFile) -> list[tuple[int, int]]:
    """(smallest, largest) ``seq`` of each row group, from the footer statistics when present."""
    import pyarrow.compute as pc

    seq_index = pf.schema_arrow.names.index("seq")
    bounds: list[tuple[int, int]] = []
    for i in range(pf.metadata.num_row_groups):
        stats = pf.metadata.row_group(i).column(seq_index).statistics
        if stats is not None and stats.has_min_max:
            bounds.append((int(stats.min), int(stats.max)))
        else:
            column = pf.read_row_group(i, columns=["seq"]).column(0)
            bounds.append((int(pc.min(column).as_py() or 0), int(pc.max(column).as_py() or 0)))
    return bounds


_EXIT_COLUMNS = ("exit_seq", "dur_ns", "ret", "errno")


def _as_entries(table: pa.Table) -> pa.Table:
    """Rows as the calls in progress they were at their entry: what a live run's pending
    snapshot holds (no exit, no return value)."""
    import pyarrow as pa

    for name in _EXIT_COLUMNS:
        if name in table.column_names:
            i = table.column_names.index(name)
            table = table.set_column(i, name, pa.nulls(table.num_rows, table.schema.field(name).type))
    return table


def _row_groups(pf: pq.ParquetFile, path: str, debug_dirs: list[str] | None = None
                ) -> Iterator[tuple[pa.Table, pa.Table | None]]:
    """Each row group with the calls in progress at its end that are stored later.

    Rows are stored in exit order, so a call entered early and returned late (a thread blocked in
    read while others run) sits in a later group. Live, the renderer learnt of it from the
    recorder's pending snapshots; here the same entries come from the later groups (found from
    the seq statistics, so a trace without such calls reads nothing twice)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from renacer.schema.trace import trace_schema

    columns = [f.name for f in trace_schema() if f.name != "callchain" and f.name in pf.schema_arrow.names]
    columns += ["callchain"] if debug_dirs else []

    def read(i: int) -> pa.Table:
        try:
            return pf.read_row_group(i, columns=columns)
        except (pa.ArrowException, OSError) as exc:
            raise TraceFormatError(f"{path}: row group {i} is unreadable ({exc})") from None

    bounds = _seq_bounds(pf)
    reach = []  # reach[i]: the largest seq of groups 0..i
    top = -1
    for _, high in bounds:
        top = max(top, high)
        reach.append(top)
    early: dict[int, pa.Table] = {}  # group -> its rows entered before the groups ahead of it ended
    for j in range(1, len(bounds)):
        if bounds[j][0] < reach[j - 1]:
            table = read(j)
            rows = table.filter(pc.less(table.column("seq"), reach[j - 1]))
            if rows.num_rows:
                early[j] = _as_entries(rows)
    for i in range(len(bounds)):
        later = [t.filter(pc.less_equal(t.column("seq"), reach[i])) for j, t in early.items() if j > i]
        later = [t for t in later if t.num_rows]
        yield read(i), (pa.concat_tables(later) if later else None)


def recorded_string_size(paths: list[str]) -> int | None:
    """The -s a trace was recorded with (replay prints what the live run printed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for path in paths:
        try:
            return int(read_metadata(pq.read_metadata(path).metadata, path).get("string_size"))
        except (pa.ArrowException, OSError, TypeError, ValueError, TraceFormatError):
            continue
    return None


def render_trace_file(paths: list[str], out: TextIO, options: RenderOptions,
                      syscalls: frozenset[int] | None = None, debug_dirs: list[str] | None = None) -> None:
    """Replay trace files through the renderer, one row group at a time.

    ``syscalls`` (numbers, from a -e expression) shows only those calls; the trace is then
    rendered in one piece (every event known before the first line). Raises TraceFormatError for
    a file that is not a renacer trace, is truncated, or has a newer schema version. Several
    files render one after the other (one JSON document for all).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if syscalls is not None:
        options = replace(options, syscalls=frozenset(syscalls))
    opened = [_open_trace(p) for p in paths]  # check every file before printing anything
    from renacer.analyze.symbolize import resymbolizer

    def _resymbolized(table: pa.Table, meta: dict[str, Any]) -> pa.Table:
        # replay --debug-dir: a --source trace's locations found again from binaries here
        sym = resymbolizer(meta, debug_dirs) if debug_dirs else None
        return sym.annotate_table(table) if sym is not None else table

    renderer: _Renderer | None = None
    for (pf, meta), path in zip(opened, paths):
        if renderer is None:
            renderer = make_renderer(out, options, meta)
        else:
            renderer.begin(meta)
        if syscalls is None:
            for table, in_progress in _row_groups(pf, path, debug_dirs):
                renderer.feed(_resymbolized(table, meta), in_progress, 0)
        else:
            groups = [_resymbolized(table, meta) for table, _ in _row_groups(pf, path, debug_dirs)]
            whole = pa.concat_tables(groups) if groups else None
            if whole is not None and whole.num_rows:
                renderer.feed(whole, None, int(pc.max(whole["seq"]).as_py()) + 2 ** 32)
        renderer.end_trace()
    if renderer is not None:
        renderer.finish()
