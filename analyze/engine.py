"""The analyzer's engine: load traces into DuckDB, run canned or user SQL, return rows.

Loading: one or many traces (analyze/inputs.py finds and checks them) become the ``events`` view
(every row of every trace, plus ``trace`` and any partition columns), with the ``trace_info`` and
``trace_processes`` tables (analyze/info.py); a statement's shared views (``queries/_views.sql``)
are created when it first needs them (analyze/views.py). Canned queries and their headers are
analyze/catalogue.py; ``export`` and ``info`` have their own modules.

Paths and values reach DuckDB only as bound parameters or session variables, never as SQL text.
This module never imports click (the CLI is thin) nor, on the command path, pyarrow (it costs
~0.3 s of start-up; DuckDB reads the Parquet footers itself).
"""
from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from renacer.analyze import catalogue, views
from renacer.analyze.catalogue import Query, list_queries, load_query
from renacer.analyze.errors import InputError, QueryError
from renacer.analyze.export import export_events
from renacer.analyze.info import create_metadata_tables, exit_text, info_rows
from renacer.analyze.inputs import TraceInput, common_prefix_len, duckdb_literals, expand_inputs, inspect_inputs
from renacer.analyze.views import shared_objects
from renacer.schema import captures

__all__ = [
    "Engine", "InputError", "Query", "QueryError", "Result", "TraceInput", "exit_text", "expand_inputs",
    "connect", "export_events", "info_rows", "inspect_inputs", "list_queries", "load", "load_query",
    "load_sides", "shared_objects",
]

# Larger inputs get a progress bar while a query runs (when the caller asks for one).
PROGRESS_MIN_BYTES = 64 << 20


@dataclass
class Result:
    """Rows of a query, ready for the output layer."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]


# -- the engine ------------------------------------------------------------------------------------


class Engine:
    """A DuckDB connection with traces loaded as views; build it with ``load`` or ``load_sides``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, traces: list[TraceInput]) -> None:
        self.con = con
        self.traces = traces
        self._created: set[str] = set()
        self._functions: set[str] = set()

    def prepare(self, sql: str) -> None:
        """Create the shared views and macros ``sql`` uses (and theirs), and register the Python
        functions they call, on first use."""
        views.prepare(self.con, sql, self._created, self._functions)

    @property
    def multi(self) -> bool:
        return len(self.traces) > 1

    @property
    def partition_columns(self) -> list[str]:
        keys = [list(t.partitions) for t in self.traces]
        return keys[0] if keys and all(k == keys[0] for k in keys) else []

    @property
    def total_bytes(self) -> int:
        return sum(t.size for t in self.traces)

    # -- running SQL -------------------------------------------------------------------------------
    def execute(
        self,
        sql: str,
        params: dict[str, Any] | None = None,
        on_progress: Callable[[float], None] | None = None,
    ) -> Result:
        """Run SQL; ``on_progress`` (percent done) is called from this thread while it runs."""
        if not catalogue.statements(sql, self.con):
            raise QueryError("the SQL is empty: give a query, e.g. \"SELECT name, count(*) FROM syscalls GROUP BY 1\"")
        self.prepare(sql)
        try:
            if on_progress is None:
                cur = self.con.execute(sql, params or {})
                return _result(cur)
            return self._execute_with_progress(sql, params or {}, on_progress)
        except duckdb.Error as e:
            raise QueryError(str(e).strip()) from None

    def _execute_with_progress(
        self, sql: str, params: dict[str, Any], on_progress: Callable[[float], None]
    ) -> Result:
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["result"] = _result(self.con.execute(sql, params))
            except BaseException as e:  # re-raised in the caller's thread
                box["error"] = e

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
            done = self.con.query_progress()
            if done >= 0:
                on_progress(done)
        if "error" in box:
            raise box["error"]
        on_progress(100.0)
        return box["result"]

    def run(
        self,
        query: str | Query,
        params: dict[str, Any] | None = None,
        on_progress: Callable[[float], None] | None = None,
    ) -> Result:
        """Run a canned query with its parameters bound (unset ones get their header's default, else
        NULL), then shape ``trace``: dropped for one trace, followed by the partition
        columns for several."""
        q = load_query(query) if isinstance(query, str) else query
        statement = catalogue.select_statement(q.sql, f"the canned query {q.name}", self.con)
        bound = q.bind(params or {}, sorted(statement.named_parameters))
        return self.shape(self.execute(q.sql, bound, on_progress))

    def shape(self, result: Result) -> Result:
        if "trace" not in result.columns:
            return result
        i = result.columns.index("trace")
        if not self.multi:
            return Result(result.columns[:i] + result.columns[i + 1 :],
                          [row[:i] + row[i + 1 :] for row in result.rows])
        parts = [c for c in self.partition_columns if c not in result.columns]
        if not parts:
            return result
        by_label = {t.label: t.partitions for t in self.traces}
        rows = [row[: i + 1] + tuple(by_label.get(row[i], {}).get(c) for c in parts) + row[i + 1 :]
                for row in result.rows]
        return Result(result.columns[: i + 1] + parts + result.columns[i + 1 :], rows)

    def stream(self, sql: str, params: dict[str, Any] | None = None, batch: int = 10_000) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
        """Rows of a big result in batches (``export``), without holding them all."""
        self.prepare(sql)
        try:
            cur = self.con.execute(sql, params or {})
            columns = [d[0] for d in cur.description]
            while True:
                rows = cur.fetchmany(batch)
                if not rows:
                    return
                yield columns, rows
        except duckdb.Error as e:
            raise QueryError(str(e).strip()) from None

    def close(self) -> None:
        self.con.close()


def _result(cur: duckdb.DuckDBPyConnection) -> Result:
    if cur.description is None:
        return Result([], [])
    columns = [d[0] for d in cur.description]
    return Result(columns, cur.fetchall())


def connect() -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB connection set up for trace queries (no trace loaded yet)."""
    # Progress is polled with query_progress(); DuckDB must track it but never print its own bar.
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    con.execute("SET VARIABLE rn_fd_openers = $names", {"names": sorted(captures.FD_FROM_RET)})
    return con


def load(specs: Sequence[str], con: duckdb.DuckDBPyConnection | None = None, *, views: bool = True) -> Engine:
    """Find, check and load traces; raises InputError naming the first bad one. ``views=False``
    stops after reading the footers (``info``: no view to bind, no row to read)."""
    paths = expand_inputs(specs)
    con = con or connect()
    traces = inspect_inputs(con, paths)
    if not views:
        return Engine(con, traces)
    parts = [list(t.partitions) for t in traces]
    hive = bool(parts[0]) and all(p == parts[0] for p in parts)
    con.execute("SET VARIABLE rn_files = $files", {"files": duckdb_literals(paths)})
    con.execute("SET VARIABLE rn_hive = $hive", {"hive": hive})
    # ``trace`` = the file name after the common folder and its slash: same as TraceInput.label.
    con.execute("SET VARIABLE rn_prefix_len = $n", {"n": common_prefix_len(paths)})
    con.execute(
        """
        CREATE OR REPLACE VIEW events AS
        SELECT * EXCLUDE (filename), substr(filename, getvariable('rn_prefix_len') + 1) AS trace
        FROM read_parquet(getvariable('rn_files'), filename = true,
                          hive_partitioning = getvariable('rn_hive'), hive_types_autocast = false)
        """
    )
    create_metadata_tables(con, traces)
    return Engine(con, traces)


# -- two sides, for diff (issue 11) ----------------------------------------------------------------

SIDES = ("base", "head")


def load_sides(base: Sequence[str], head: Sequence[str]) -> Engine:
    """Both sides of a diff in one engine: ``events`` holds every run of each side, its ``trace``
    the side's name, a slash and the file's label within that side (``base/cold.parquet``), so
    the same file may stand on both sides (a file against itself diffs to no change). Hive
    partition columns are not read: the two sides may be partitioned differently, and the diff
    compares sides, not partitions. Raises InputError naming the side of a bad or empty input,
    and when the sides were recorded with different trace schema versions."""
    con = connect()
    traces: list[TraceInput] = []
    reads = []
    for side, specs in zip(SIDES, (base, head)):
        try:
            paths = expand_inputs(specs)
            found = inspect_inputs(con, paths)
        except InputError as e:
            raise InputError(f"{side}: {e}") from None
        traces += [dataclasses.replace(t, label=f"{side}/{t.label}", partitions={}) for t in found]
        con.execute(f"SET VARIABLE rn_{side}_files = $files", {"files": paths})
        con.execute(f"SET VARIABLE rn_{side}_prefix_len = $n", {"n": common_prefix_len(paths)})
        reads.append(
            f"SELECT * EXCLUDE (filename), '{side}/' || substr(filename, getvariable('rn_{side}_prefix_len') + 1)"
            f" AS trace FROM read_parquet(getvariable('rn_{side}_files'), filename = true, hive_partitioning = false)"
        )
    versions = {side: sorted({str(t.meta.get("schema_version")) for t in traces if t.label.startswith(side + "/")})
                for side in SIDES}
    if versions["base"] != versions["head"] or len(versions["base"]) > 1:
        raise InputError(
            f"the traces were recorded with different trace schema versions (base: "
            f"{', '.join(versions['base'])}; head: {', '.join(versions['head'])}): a diff would compare "
            "columns that mean different things; re-record both sides with the same renacer")
    con.execute("CREATE OR REPLACE VIEW events AS " + " UNION ALL BY NAME ".join(reads))
    create_metadata_tables(con, traces)
    return Engine(con, traces)
