"""Call ordering and pairing, shared by every format: the timeline of recorded events.

Rows arrive in exit order, but events print in the order of the global event counter (``seq``
for entries and point events, ``exit_seq`` for exits). A call whose exit is the very next event
prints on one line; otherwise strace's ``name(args <unfinished ...>`` line is printed at its
entry and ``<... name resumed>rest) = ret`` at its exit. ``feed`` receives completed rows and the
entry part of calls still in progress (``pending``); an event is released once the event after
it is known, so the output never depends on how rows were split across feeds.

A ``Renderer`` is this timeline plus a format: subclasses implement ``_drain`` (print what is
decided) and ``_close`` (end the document).
"""
from __future__ import annotations

from itertools import repeat
from operator import itemgetter
from typing import Any, TextIO

from renacer.analyze.render.columns import PickedRows, Rows, RowView, as_columns
from renacer.analyze.render.options import RenderOptions

# Timeline events: (position, kind, payload, columns). LINE and POINT carry a row index into
# the columns of their batch; ENTRY and EXIT a Call.
LINE, ENTRY, EXIT, POINT = 0, 1, 2, 3
_by_pos = itemgetter(0)


class Call:
    """A syscall on the timeline: its row (pending until it returns) and how it was printed."""

    __slots__ = ("row", "done", "open")

    def __init__(self, row: RowView, done: bool) -> None:
        self.row = row
        self.done = done  # a completed row (it returned, or is known never to return)
        self.open = False  # its entry was printed as ``<unfinished ...>``


class Renderer:
    """The timeline shared by every format: events sorted by counter position, released in order
    once the event after each is known."""

    def __init__(self, out: TextIO, options: RenderOptions, metadata: dict[str, Any] | None = None) -> None:
        self.out = out
        self.options = options
        self.dopts = options.decode_options()
        self.metadata: dict[str, Any] = {}
        # The name of the trace being rendered when several are (replay of several files): a
        # per-trace part of the output (the text -c table) is headed by it.
        self.trace_label: str | None = None
        self.begin(metadata or {})

    # -- per trace ---------------------------------------------------------------------------------

    def begin(self, metadata: dict[str, Any]) -> None:
        """Start a trace (a renderer can render several traces one after the other)."""
        self.metadata = metadata
        self.start_wall_ns = int(metadata.get("start_wall_ns") or 0)
        self.dopts = self.options.decode_options(metadata)
        self.shown_from(metadata)
        self._events: list[tuple[int, int, Any, Any]] = []
        self._calls: dict[int, Call] = {}
        self._settled: set[int] = set()  # pending calls already printed in full

    def feed(self, rows: Any, pending: Any) -> None:
        """Add completed rows and the calls in progress (Arrow batches or tables, or column lists
        with ``num_rows``); print what is now decided."""
        added = False
        if rows is not None:
            rows = as_columns(rows)
        if pending is not None:
            pending = as_columns(pending)
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
            hidden = self._hidden or frozenset()  # not None: both None returned above
            keep = [i for i, (k, name) in enumerate(zip(rows["kind"], rows["name"]))
                    if k != "syscall" or name not in hidden]
        if len(keep) == rows.num_rows:
            return rows
        return PickedRows(rows, keep)

    # -- timeline ----------------------------------------------------------------------------------

    def _add_rows(self, rows: Rows) -> None:
        cols = rows
        seqs, kinds, exits = cols["seq"], cols["kind"], cols["exit_seq"]
        calls = self._calls
        # The bulk: syscalls whose exit is the very next event print on one line, so they need
        # neither a Call nor an exit event; appended in C by zip().
        simple = [i for i, (k, s, e) in enumerate(zip(kinds, seqs, exits))
                  if e is not None and e - s == 1 and k == "syscall"]
        if calls or self._settled:  # a simple row may complete a pending call: the long way
            simple = [i for i in simple if seqs[i] not in calls and seqs[i] not in self._settled]
        self._events.extend(zip([seqs[i] for i in simple], repeat(LINE), simple, repeat(cols)))
        rest = sorted(set(range(len(seqs))).difference(simple)) if len(simple) != len(seqs) else ()
        append = self._events.append
        for i in rest:
            seq, end = seqs[i], exits[i]
            if kinds[i] != "syscall":
                append((seq, POINT, i, cols))
                continue
            call = calls.get(seq)
            if call is None:
                if seq in self._settled:
                    self._settled.discard(seq)
                    continue
                call = calls[seq] = Call(RowView(cols, i), True)
                append((seq, ENTRY, call, None))
            else:  # it was pending
                call.row = RowView(cols, i)
                call.done = True
            if end is not None and (end != seq + 1 or call.open):
                append((end, EXIT, call, None))
        self._on_rows(rows)

    def _add_pending(self, pending: Rows) -> bool:
        cols = pending
        added = False
        for i, seq in enumerate(cols["seq"]):
            if seq in self._calls or seq in self._settled:
                continue  # already known (pending snapshots repeat)
            call = self._calls[seq] = Call(RowView(cols, i), False)
            self._events.append((seq, ENTRY, call, None))
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
