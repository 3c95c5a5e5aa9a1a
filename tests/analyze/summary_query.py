"""The summary query over an in-memory Arrow table of trace rows: what the plain-Python ``-c``
summary (analyze/summary.py) and the renderer's tables are checked against, so the live summary
and ``renacer-analyze summary`` share one definition of a percentile (queries/summary.sql)."""
from __future__ import annotations

from typing import Any

import pyarrow as pa

from renacer.analyze import engine as eng
from renacer.analyze.info import create_metadata_tables
from renacer.analyze.inputs import TraceInput

LIVE_LABEL = "live"


def from_table(table: pa.Table, label: str = LIVE_LABEL) -> eng.Engine:
    """An engine over an in-memory Arrow table of trace rows (what the live ``-c`` summary is checked against)."""
    con = eng.connect()
    con.register("rn_live_events", table)
    con.execute("SET VARIABLE rn_live_label = $label", {"label": label})
    con.execute("CREATE VIEW events AS SELECT *, getvariable('rn_live_label') AS trace FROM rn_live_events")
    meta: dict[str, Any] = {}
    if table.schema.metadata:
        from renacer.schema.trace import TraceFormatError, read_metadata

        try:
            meta = read_metadata(table.schema.metadata, source=label)
        except TraceFormatError:
            meta = {}
    trace = TraceInput(label, label, {}, meta, table.num_rows, 0, table.nbytes)
    create_metadata_tables(con, [trace])
    return eng.Engine(con, [trace])


def summary_rows(table: pa.Table) -> list[dict[str, Any]]:
    """Per syscall: syscall, calls, errors, total_ns, avg_ns, p50_ns, p90_ns, p99_ns, max_ns —
    queries/summary.sql over an in-memory table."""
    engine = from_table(table)
    try:
        return engine.run("summary").dicts()
    finally:
        engine.close()
