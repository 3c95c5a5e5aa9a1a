"""What the traces say about themselves, from their footers only (no row is read): ``info``, and
the ``trace_info`` and ``trace_processes`` tables the shared views and ``sql`` users join to rows.
"""
from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import duckdb

from renacer import storage
from renacer.analyze.inputs import TraceInput, duckdb_literals

if TYPE_CHECKING:
    from renacer.analyze.engine import Engine


def create_metadata_tables(con: duckdb.DuckDBPyConnection, traces: list[TraceInput]) -> None:
    """``trace_info`` (one row per trace) and ``trace_processes`` (its process table), from the
    footers already read: the shared views and ``sql`` users join them to rows."""
    con.execute(
        """
        CREATE OR REPLACE TABLE trace_info (
            trace VARCHAR, file VARCHAR, rows BIGINT, hostname VARCHAR, command VARCHAR[],
            start_wall_ns BIGINT, exit_status VARCHAR, events_seen BIGINT, events_written BIGINT,
            metadata JSON)
        """
    )
    con.execute(
        "CREATE OR REPLACE TABLE trace_processes (trace VARCHAR, pid INTEGER, ppid INTEGER, exe VARCHAR, argv VARCHAR[], command VARCHAR)"
    )
    info, procs = metadata_rows(traces)
    if info:
        con.executemany("INSERT INTO trace_info VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", info)
    if procs:
        con.executemany("INSERT INTO trace_processes VALUES (?, ?, ?, ?, ?, ?)", procs)


def metadata_rows(traces: list[TraceInput]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows of ``trace_info`` and ``trace_processes`` (both engines create the tables)."""
    info = []
    procs = []
    for t in traces:
        m = t.meta
        command = m.get("command")
        info.append((t.label, t.path, t.rows, m.get("hostname"),
                     [str(c) for c in command] if isinstance(command, list) else None,
                     as_int(m.get("start_wall_ns")), exit_text(m.get("exit_status")), as_int(m.get("events_seen")),
                     as_int(m.get("events_written")), json.dumps(m)))
        for p in m.get("processes") or []:
            if isinstance(p, dict) and isinstance(p.get("pid"), int):
                argv = p.get("argv")
                args = [str(a) for a in argv] if isinstance(argv, list) else None
                procs.append((t.label, p["pid"], as_int(p.get("ppid")), as_str(p.get("exe")), args,
                              join_command(args)))
    return info, procs


def info_rows(engine: Engine) -> list[dict[str, Any]]:
    """What each trace says about itself, from its footer only (no row is read)."""
    # Recorders since schema v1's first release write duration_ns; older files fall back to the
    # ts_ns column statistics (a footer scan, ~70 ms on 10M rows).
    recorded = {t.path: t.meta["duration_ns"] for t in engine.traces if isinstance(t.meta.get("duration_ns"), int)}
    stats = recorded if len(recorded) == len(engine.traces) else {**_ts_bounds(engine), **recorded}
    out = []
    for t in engine.traces:
        m = t.meta
        seen, written = m.get("events_seen"), m.get("events_written")
        start = m.get("start_wall_ns")
        row: dict[str, Any] = {"trace": t.label}
        row.update(t.partitions)
        row.update(
            {
                "file": storage.origin(t.path) or t.path,
                "size_bytes": t.size,
                "rows": t.rows,
                "row_groups": t.row_groups,
                "schema_version": m.get("schema_version"),
                "renacer_version": m.get("renacer_version"),
                "command": join_command(m.get("command")),
                "hostname": m.get("hostname"),
                "kernel": m.get("kernel"),
                "arch": m.get("arch"),
                "recorded_at": _iso(start) if isinstance(start, int) else None,
                "duration_ns": stats.get(t.path),
                "filter": m.get("filter"),
                "string_size": m.get("string_size"),
                "exit_status": exit_text(m.get("exit_status")),
                "processes": len(m.get("processes") or []),
                "events_seen": seen,
                "events_written": written,
                "events_dropped": seen - written if isinstance(seen, int) and isinstance(written, int) else None,
                # A recovered trace ends at its recorder's last flush: say so wherever it is read.
                "recovered": ("yes: rebuilt from the journal of a recording that did not finish; "
                              "events after its last complete flush are missing"
                              + (" (a partly written batch was dropped)" if m.get("recovered_partial_batch") else "")
                              if m.get("recovered") else "no"),
            }
        )
        out.append(row)
    return out


def _ts_bounds(engine: Engine) -> dict[str, int]:
    """Span of each trace from the ts_ns column statistics of the footer."""
    try:
        rows = engine.con.execute(
            """
            SELECT file_name, max(TRY_CAST(stats_max AS BIGINT)) - min(TRY_CAST(stats_min AS BIGINT))
            FROM parquet_metadata($files) WHERE path_in_schema = 'ts_ns' GROUP BY file_name
            """,
            {"files": duckdb_literals([t.path for t in engine.traces])},
        ).fetchall()
    except duckdb.Error:
        return {}
    return {name: span for name, span in rows if span is not None}


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def exit_text(status: Any) -> str | None:
    """The recorded command's end: ``exited 7``, ``killed by SIGKILL`` (metadata ``exit_status``
    is ``{"code": N, "signal": NAME}``; a bare number is read as an exit code)."""
    if isinstance(status, dict):
        if status.get("signal") is not None:
            signal = status["signal"]
            return f"killed by {signal if isinstance(signal, str) else f'signal {signal}'}"
        status = status.get("code")
    return f"exited {status}" if isinstance(status, int) else None


def join_command(command: Any) -> str | None:
    if isinstance(command, list):
        import shlex

        return " ".join(shlex.quote(str(c)) for c in command)
    return str(command) if command is not None else None


def _iso(wall_ns: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(wall_ns // 1_000_000_000)) + (
        f".{wall_ns % 1_000_000_000 // 1000:06d}Z"
    )
