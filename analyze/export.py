"""``export``: every event of the loaded traces, in order, for another tool's format (the
output layer writes Chrome's Trace Event JSON from it)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from renacer.analyze import catalogue

if TYPE_CHECKING:
    from renacer.analyze.engine import Engine


def export_events(engine: Engine) -> tuple[dict[tuple[str, int], str], Iterator[dict[str, Any]]]:
    """Process names by (trace, pid), and every event in order as a dict (``_export_chrome.sql``),
    streamed in batches so a ten-million-event trace never sits in memory."""
    names = {(t, p): c for t, p, c in engine.execute(
        "SELECT trace, pid, coalesce(command, exe) FROM procs").rows if c}

    def rows() -> Iterator[dict[str, Any]]:
        for columns, batch in engine.stream(catalogue.shared_sql("export_chrome")):
            for row in batch:
                yield dict(zip(columns, row))

    return names, rows()
