"""The text renderer: strace's lines, in the guide's style (default) or strace's own.

``guide`` prints the project guide's text: one space before `` = ``, errors as ``-ENAME``, and a
non-blocking connect's outcome on its line (``outcomes.py``). ``strace`` prints what strace
prints: the column-40 padding, ``= -1 ENAME (message)``. Arguments and return values come from
the decoders (``decode_fast``, ``format_return``), the one formatter of a call; this module only
lays out lines: ``<unfinished ...>``/``<... resumed>``, ``[pid N]`` prefixes (``threads.py``),
timestamps, durations, source locations, and with ``-c`` the summary table at the end instead.
"""
from __future__ import annotations

import heapq
import time
from typing import Any

from renacer.analyze.decode import Decoded, decode_fast, format_return
from renacer.analyze.decode.common import signal as signal_text
from renacer.analyze.decode.fdtable import LEARNS
from renacer.analyze.decode.signals import signal_line
from renacer.analyze.render.columns import Rows, RowView
from renacer.analyze.render.outcomes import EINPROGRESS, ConnectOutcomes
from renacer.analyze.render.summary_tables import guide_summary_text, summary_text
from renacer.analyze.render.threads import CLONES, Threads
from renacer.analyze.render.timeline import ENTRY, EXIT, LINE, POINT, Call, Renderer
from renacer.analyze.summary import Summary
from renacer.analyze.source_ref import source_text
from renacer.schema.trace import split_mem

COLUMN = 40  # strace pads ``name(args)`` to this column before `` = ``
# strace prints these with `` = ?`` as soon as they are entered: they never return.
_EXITS = frozenset({"exit", "exit_group"})
# Calls whose text depends on the socket their fd names (netlink messages: fdtable.py), and the
# calls that teach the renderer which socket an fd names.
_BY_SOCKET = frozenset({"sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg"})
_AFTER = CLONES | LEARNS

_NO_OVERRIDE = Decoded([])


def _split(result: Decoded | list[str]) -> tuple[list[str], int, bool, int]:
    """(args, how many print at entry, whether the comma after them prints at entry, how many
    characters of the last entry argument wait for the exit)."""
    if isinstance(result, Decoded):
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
_MEMO_CHARS = 32 << 20  # characters (payload and text) of the large lines the memo may hold
_LARGE_CHARS = 4096  # a line larger than this (payload included) is counted
_OUT_CHARS = 1 << 20  # large lines' text buffered before a write


class TextRenderer(Renderer):
    """strace's text format, line for line."""

    _tables = 0  # -c tables written (several traces: a blank line between them)

    def begin(self, metadata: dict[str, Any]) -> None:
        super().begin(metadata)
        self._threads = Threads()  # for the [pid N] prefixes
        self._open: dict[int, Call] = {}  # tid -> its call printed as <unfinished ...>
        self._last_ts: int | None = None
        self._summary = Summary()
        self._summarized = False  # this trace's -c table is written (end_trace runs again in finish)
        self._stamp = self._stamp_fn()
        # The common case, worth a shortcut per line: no timestamps, strace's [pid N] rule.
        self._plain = self._stamp is None and self.options.pid_prefix == "auto"
        self._style = self.options.errno_text_style()
        self._padded = self.options.strace  # strace pads to column 40; the guide's style does not
        # The guide's style shows a non-blocking connect's outcome on its line (strace cannot: it
        # prints the line before the outcome exists).
        self._outcomes = None if self.options.strace or self.options.summary else ConnectOutcomes()
        self._memo: dict[tuple[Any, ...], tuple[str, str, int]] = {}
        self._memo_chars = 0  # characters of the large lines in the memo
        self._durations = self.options.durations
        self._quiet: list[tuple[int, int, RowView]] = []  # hidden calls to learn from (_learn)

    def _learn(self, rows: Rows) -> None:
        if self._outcomes is not None:
            self._outcomes.learn(rows)
        hidden = self._hidden
        if hidden is not None and not hidden.isdisjoint(LEARNS):
            # Companions recorded hidden (a subset's socket(), close, dup…): not printed, but
            # the socket table learns from them in print order, at their return, as if shown.
            names, kinds, seqs, exits = rows["name"], rows["kind"], rows["seq"], rows["exit_seq"]
            for i, name in enumerate(names):
                if name in hidden and name in LEARNS and kinds[i] == "syscall":
                    end = exits[i]
                    heapq.heappush(self._quiet, (seqs[i] if end is None else end, seqs[i], RowView(rows, i)))

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
        elif mode == "auto" and len(self._threads.live) > 1:
            head = "[pid %5d] " % tid
        else:
            head = ""
        return head + self._stamp(ts) if self._stamp is not None else head

    def _touch(self, row: RowView) -> None:
        self._threads.seen(row["tid"], row["pid"])

    def _ret_text(self, row: RowView, result: Decoded | list[str]) -> str:
        """What follows ``= ``: the decoders' one formatter (``format_return``)."""
        return format_return(row, result if result.__class__ is Decoded else _NO_OVERRIDE, self._style)

    # -- events --------------------------------------------------------------------------------------

    def _decode_line(self, row: RowView) -> tuple[str, str]:
        """The arguments and the return text of a call that returned at once."""
        result = decode_fast(row, self.dopts)
        ret = format_return(row, result if result.__class__ is Decoded else _NO_OVERRIDE, self._style)
        return ", ".join(result.args if isinstance(result, Decoded) else result), ret

    def _memoized(self, key: tuple[Any, ...], row: RowView, data: bytes | None, mem: bytes | None
                  ) -> tuple[str, str, int]:
        """A line's (arguments, return text, its size when large, else 0), kept in the memo.

        The memo is bounded in entries and in characters: with -s 1M a key holds a megabyte of
        payload and its text up to four. The size rides with the entry so that a memo hit, the
        hot path, only tests it."""
        args_text, text = self._decode_line(row)
        size = len(args_text) + len(data or b"") + len(mem or b"")
        large = size if size > _LARGE_CHARS else 0
        decoded = (args_text, text, large)
        if large > _MEMO_CHARS // 4:
            return decoded  # not kept: it would push out most of the memo
        memo = self._memo
        if len(memo) >= _MEMO_MAX or self._memo_chars + large > _MEMO_CHARS:
            memo.clear()
            self._memo_chars = 0
        memo[key] = decoded
        self._memo_chars += large
        return decoded

    def _drain(self, final: bool) -> None:
        events = self._events
        n = len(events)
        out: list[str] = []
        append = out.append
        show = not self.options.summary
        padded = self._padded
        outcomes = self._outcomes.notes if self._outcomes is not None else None
        # Locals for the hot path: a LINE event is a call that returned at once, the bulk of a
        # trace, laid out inline (a method call per line costs a tenth of the replay speed); its
        # text comes from the decoders' formatter (_decode_line), memoized.
        threads = self._threads
        live = threads.live
        plain = self._plain
        durations = self._durations
        memo = self._memo
        held = 0  # characters of large lines in ``out``: written out past _OUT_CHARS
        has_source = bool(self.metadata.get("source")) if getattr(self, "metadata", None) else False
        current = None
        unset: list[Any] = []  # the current batch's columns, set at its first line
        tids = pids = names = rets = a0s = a1s = a2s = a3s = a4s = a5s = datas = sas = paths = mems = unset
        i = 0
        quiet = self._quiet
        while i < n:
            pos, kind, obj, cols = events[i]
            while quiet and quiet[0][0] < pos:
                self._after(heapq.heappop(quiet)[2])
            if kind == LINE:
                if not show:
                    i += 1
                    continue
                if cols is not current:
                    current = cols
                    tids, pids, names, rets = cols["tid"], cols["pid"], cols["name"], cols["ret"]
                    a0s, a1s, a2s, a3s, a4s, a5s, datas, sas, paths, mems = (
                        cols[c] for c in _DECODE_INPUTS)
                name = names[obj]
                note: str | None = ""
                if outcomes is not None and rets[obj] == EINPROGRESS and name == "connect":
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
                # Decoders are pure functions of these columns, and traces repeat themselves
                # (loops): a call seen before with the same values prints the same text.
                key: tuple[Any, ...] = (name, a0s[obj], a1s[obj], a2s[obj], a3s[obj], a4s[obj], a5s[obj], rets[obj],
                       datas[obj], sas[obj], paths[obj], mems[obj])
                if name in _BY_SOCKET:
                    key += (self.dopts.sockets.get(pids[obj], a0s[obj]),)
                decoded = memo.get(key)
                if decoded is None:
                    decoded = self._memoized(key, RowView(cols, obj), datas[obj], mems[obj])
                args_text, text, large = decoded
                if large:  # with -s 1M a line is megabytes: write them as they come
                    if held > _OUT_CHARS:
                        self.out.write("".join(out))
                        out.clear()
                        held = 0
                    held += large
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
                    self._after(RowView(cols, obj))
                continue
            if kind == ENTRY:
                call: Call = obj
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
                        events[i] = (pos, LINE, call.row._i, call.row._cols)
                        continue  # rendered by the LINE branch
                    if show:
                        self._never_returned(call.row, out)
            elif kind == EXIT:
                if show:
                    note = ""
                    row = obj.row
                    if outcomes is not None and obj.open and row["ret"] == EINPROGRESS and row["name"] == "connect":
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
    def _dies_next(call: Call, event: tuple[int, int, Any, Any]) -> bool:
        """A call that never returned shares its line with its thread's end, if that is next."""
        _, kind, i, cols = event
        return kind == POINT and cols["kind"][i] in ("exit", "killed") and cols["tid"][i] == call.row["tid"]

    def _unfinished(self, call: Call, out: list[str]) -> None:
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
        if row["name"] in CLONES:
            self._threads.cloned(row)
        if row["name"] in LEARNS:
            self.dopts.sockets.learn(row)

    def _exit(self, call: Call, out: list[str], note: str = "") -> None:
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
            self._threads.gone(tid, row["pid"])
        elif kind == "signal":
            parts = split_mem(row["mem"])
            out.append(self._prefix(tid, ts) + signal_line(row["name"], row["nr"], parts[0] if parts else None) + "\n")
        elif kind == "stopped":
            out.append(f"{self._prefix(tid, ts)}--- stopped by {signal_text(row['nr'])} ---\n")
        elif kind == "spawned":  # a new thread or process: no line, but [pid N] from now on
            self._threads.spawned(row["ret"], row["a0"])

    # -- -c ------------------------------------------------------------------------------------------

    def _on_rows(self, rows: Rows) -> None:
        if self.options.summary:
            self._summary.add(rows)

    def end_trace(self) -> None:
        super().end_trace()
        # Several traces: one table each, headed by the trace's name, as `renacer-analyze summary`
        # gives one set of rows per trace (begin starts the next trace's Summary afresh).
        if self.options.summary and self.trace_label is not None and not self._summarized:
            self._summarized = True
            self.out.write(("\n" if self._tables else "") + f"{self.trace_label}:\n")
            self._tables += 1
            self._write_summary()

    def _write_summary(self) -> None:
        rows = self._summary.rows()
        if self.options.strace:
            self.out.write(summary_text(rows))
        else:
            self.out.write(guide_summary_text(self._summary.first_call_order(rows)))

    def _close(self) -> None:
        if self.options.summary and self.trace_label is None:  # one trace: its table, no heading
            self._write_summary()
        self.out.flush()
