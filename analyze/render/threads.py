"""Which traced threads exist: the ``[pid N]`` prefix rule of the text format.

strace prints ``[pid N]`` prefixes while more than one traced thread exists. Here a thread
exists from its ``spawned`` row (recorded at the ptrace event that created it, whatever ``-e``
traced; in older traces from its first event or the return of the clone/fork that created it)
until its ``+++ exited``/``+++ killed`` line (a thread group leader's takes its threads with
it). The rule reads only the rows, so replay reproduces the live output exactly.
"""
from __future__ import annotations

from typing import Any

CLONES = frozenset({"clone", "clone3", "fork", "vfork"})
_CLONE_THREAD = 0x10000


class Threads:
    """The threads that exist now: ``live`` maps tid -> pid (read directly on the hot path)."""

    __slots__ = ("live",)

    def __init__(self) -> None:
        self.live: dict[int, int] = {}

    def seen(self, tid: int, pid: int) -> None:
        """A thread's event: it exists (older traces have no ``spawned`` row)."""
        if tid not in self.live:
            self.live[tid] = pid

    def cloned(self, row: Any) -> None:
        """A clone/fork returned the child's id in the parent: the child exists."""
        ret = row["ret"]
        if ret is not None and ret > 0 and ret not in self.live:
            threads = row["name"] == "clone" and (row["a0"] or 0) & _CLONE_THREAD
            self.live[ret] = row["pid"] if threads else ret

    def spawned(self, child: int | None, pid: int | None) -> None:
        """A ``spawned`` row: ``child`` was created in process ``pid`` (itself when a process)."""
        if child is not None and child not in self.live:
            self.live[child] = pid or child

    def gone(self, tid: int, pid: int) -> None:
        """A thread exited or was killed; a thread group leader takes its threads with it."""
        self.live.pop(tid, None)
        if tid == pid:
            for other in [t for t, p in self.live.items() if p == pid]:
                del self.live[other]
