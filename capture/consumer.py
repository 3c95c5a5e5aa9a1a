"""What the recording session feeds: the one protocol of its live and quiet consumers.

A consumer is built before the command starts (by a factory in ``RecordRequest``), told the
recording's metadata once its clock anchors are known (``begin``), given every flushed batch
(``write``) and the metadata when the recording ends (``close``). The live renderer
(``renacer.analyze.render.live.LiveConsumer``) and the ``-q`` status line are consumers; the
session drops one whose ``write`` raises OSError (a closed pipe) and goes on recording.
"""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Consumer(Protocol):
    # Whether ``write`` wants the calls still in progress (their entry part) with each batch:
    # the renderer does, to print ``<unfinished ...>`` lines in order; counters do not.
    wants_pending: bool

    def begin(self, metadata: dict[str, Any]) -> None:
        """Before the first batch: the metadata with the start anchors (``start_wall_ns``)."""

    def write(self, batch: Any, pending: Any) -> None:
        """A flushed batch of completed rows (column lists with ``num_rows``, or an Arrow batch
        with --source), and the calls in progress when ``wants_pending``."""

    def close(self, metadata: dict[str, Any]) -> None:
        """The recording ended: print what is left (the rest of the timeline, the ``-c`` table)."""
