"""The one-line status of a quiet recording (``renacer -q -w TRACE`` on a terminal).

A consumer of the recorder's flushed batches like the live renderer, but it prints no event:
only ``recording TRACE: N events, R events/s, B written``, redrawn in place on stderr at most
``MAX_PER_SECOND`` times a second, and erased at the end so the terminal is left as it was.
It is used only when stdout and stderr are both terminals (``wanted``): never on a pipe, a
redirect or a file.
"""
from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO

MAX_PER_SECOND = 4
CLEAR = "\r\x1b[K"


def wanted(quiet: bool, write_path: str | None) -> bool:
    return quiet and bool(write_path) and sys.stdout.isatty() and sys.stderr.isatty()


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


class StatusLine:
    """Counts the events of each flushed batch; the bytes are the trace file and its journal."""

    wants_pending = False

    def __init__(self, path: str, out: TextIO | None = None) -> None:
        self.path = path
        self.out = out or sys.stderr
        self.events = 0
        self.shown = False
        self._last = 0.0
        self._last_events = 0
        self._start = time.monotonic()

    def written(self) -> int:
        total = 0
        for p in (self.path, self.path + ".journal"):
            try:
                total += os.stat(p).st_size
            except OSError:
                pass
        return total

    def begin(self, metadata: dict[str, Any]) -> None:
        """Nothing to set up: the line needs no clock anchors (the rate is measured here)."""

    def write(self, batch: Any, pending: Any) -> None:
        if batch is not None:
            self.events += batch.num_rows
        now = time.monotonic()
        if now - self._last < 1.0 / MAX_PER_SECOND:
            return
        # The rate since the last line: what the command does now, not its average.
        since = now - (self._last or self._start)
        rate = (self.events - self._last_events) / since if since > 0 else 0.0
        self._last, self._last_events = now, self.events
        self.out.write(f"{CLEAR}recording {self.path}: {self.events:,} events, {rate:,.0f} events/s, "
                       f"{_size(self.written())} written")
        self.out.flush()
        self.shown = True

    def close(self, metadata: dict[str, Any]) -> None:
        if self.shown:
            self.out.write(CLEAR)
            self.out.flush()
