"""A non-blocking connect's outcome, printed on its line in the guide's style.

``connect(3, …) = -EINPROGRESS (then ECONNREFUSED)``: strace cannot print this (it prints the
line before the outcome exists); renacer prints a call after it returns, so it can wait for
the calls that tell. That line, and every line after it, waits until the outcome is learned
from the rows that follow, or can no longer be.
"""
from __future__ import annotations

from typing import Any

from renacer.analyze.decode.common import parts, u32
from renacer.analyze.render.columns import Rows
from renacer.schema import constants as C
from renacer.schema.trace import failed

EINPROGRESS, _EALREADY, _EISCONN = -115, -114, -106
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


class ConnectOutcomes:
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
            if not any(r == EINPROGRESS and n == "connect" for n, r in zip(names, rows["ret"])):
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
            if after and ret is not None and ret not in (EINPROGRESS, _EALREADY):
                self._settle(key, " (then connected)" if ret in (0, _EISCONN) else
                             f" (then {C.errno_name(-ret) or -ret})" if failed(ret) else "")
            if ret == EINPROGRESS and row["exit_seq"] is not None:
                if key in self._waiting:
                    self._settle(key, "")
                self._waiting[key] = _Waiting(row, position)
                expires.pop(key, None)
        elif name == "getsockopt":
            if after and ret == 0 and u32(row["a1"]) == _SOL_SOCKET and u32(row["a2"]) == _SO_ERROR:
                data = parts(row).optval
                if data is not None and len(data) >= 4:
                    err = int.from_bytes(data[:4], "little")
                    self._settle(key, " (then connected)" if err == 0 else f" (then {C.errno_name(err) or err})")
        elif after:  # close
            self._settle(key, "")
