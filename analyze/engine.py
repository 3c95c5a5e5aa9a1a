"""The analyzer's engine: load traces into DuckDB, run canned or user SQL, return rows.

Loading: one or many traces (files, globs, directories, hive-partitioned folders) become the
``events`` view (every row of every trace, plus ``trace`` and any partition columns), and
``queries/_views.sql`` builds the shared views on it (``syscalls``, ``fd_calls``, ``sockets``,
``socket_calls``, ``connects``, ``procs``). Inputs are checked before any query runs, so a bad
file is reported by name instead of as a DuckDB error halfway through.

Paths and values reach DuckDB only as bound parameters or session variables, never as SQL text.
This module never imports typer (the CLI is thin) nor, on the command path, pyarrow (it costs
~0.3 s of start-up; DuckDB reads the Parquet footers itself).
"""
from __future__ import annotations

import functools
import glob
import json
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from renacer import storage
from renacer.analyze import payload
from renacer.schema import captures

if TYPE_CHECKING:
    import pyarrow as pa

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
if not (QUERIES_DIR / "_views.sql").exists():  # installed: renacer.queries is its own package
    import renacer.queries as _queries_pkg

    QUERIES_DIR = Path(_queries_pkg.__file__).resolve().parent

PARQUET_MAGIC = b"PAR1"
JOURNAL_SUFFIX = ".journal"
# Trace labels for a single input and for an in-memory table (live ``-c``).
LIVE_LABEL = "live"
# Larger inputs get a progress bar while a query runs (when the caller asks for one).
PROGRESS_MIN_BYTES = 64 << 20


class InputError(Exception):
    """A trace that cannot be read: missing, not Parquet, not renacer, too new, truncated.
    The CLI prints it as ``Error: …`` and exits 2."""


class QueryError(Exception):
    """SQL that DuckDB rejected or that failed while running (DuckDB's message). Exit 2."""


@dataclass(frozen=True)
class TraceInput:
    """One validated trace file."""

    path: str  # absolute
    label: str  # the ``trace`` column: the path relative to the inputs' common folder
    partitions: dict[str, str]
    meta: dict[str, Any]
    rows: int
    row_groups: int
    size: int


@dataclass
class Result:
    """Rows of a query, ready for the output layer."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]


@dataclass(frozen=True)
class Query:
    """A canned query file and its documented header."""

    name: str
    path: Path
    sql: str
    summary: str
    params: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def used_params(self) -> list[str]:
        return sorted(set(PARAM_RE.findall(_strip_sql_comments(self.sql))))


# -- finding and checking inputs --------------------------------------------------------------------

_GLOB_CHARS = re.compile(r"[*?\[]")
_HIVE_RE = re.compile(r"^([^=]+)=(.*)$")


def journal_for(path: str) -> str | None:
    """The recovery journal the recorder leaves next to a trace it could not finish."""
    from renacer.capture.journal import journal_for as journal_path

    candidate = journal_path(path)
    return candidate if os.path.lexists(candidate) else None


def _truncated(path: str) -> InputError:
    journal = journal_for(path)
    why = f" (its recorder left {journal})" if journal else ""
    return InputError(
        f"{path} is truncated: the recording did not finish{why}. "
        f"Recover the events it flushed with: renacer-analyze recover {path}"
    )


def expand_inputs(specs: Sequence[str]) -> list[str]:
    """Absolute paths of the trace files named by files, globs (``**`` recursive) and folders."""
    if not specs:
        raise InputError("no trace given")
    found: list[str] = []
    for spec in specs:
        if storage.is_remote(spec):
            # s3:// objects are downloaded into the local cache (renacer/storage.py says why).
            try:
                found.extend(storage.fetch([spec]))
            except storage.StorageError as e:
                raise InputError(str(e)) from None
        # An existing path is taken literally, even with glob characters in its name
        # (``t[1].parquet``); only a path that does not exist is a pattern.
        elif _GLOB_CHARS.search(spec) and not os.path.lexists(spec):
            matches = sorted(glob.glob(spec, recursive=True))
            files = []
            for m in matches:
                files.extend(_folder_traces(m) if os.path.isdir(m) else [m])
            if not files:
                raise InputError(f"no trace matches {spec}")
            found.extend(files)
        elif os.path.isdir(spec):
            files = _folder_traces(spec)
            if not files:
                raise InputError(f"no .parquet trace in folder {spec}")
            found.extend(files)
        elif os.path.exists(spec):
            found.append(spec)
        elif journal_for(spec):
            raise _truncated(spec)
        else:
            raise InputError(f"{spec}: no such file")
    seen: set[str] = set()
    out = []
    for f in found:
        absolute = os.path.abspath(f)
        if absolute not in seen:
            seen.add(absolute)
            out.append(absolute)
    return out


def duckdb_literal(path: str) -> str:
    """A file path DuckDB reads as that one file: its reader expands ``*``, ``?`` and ``[…]``
    even in a path that exists, so each becomes a one-character class (``t[1]`` → ``t[[]1]``)."""
    return re.sub(r"([*?\[])", r"[\1]", path)


def duckdb_literals(paths: Sequence[str]) -> list[str]:
    return [duckdb_literal(p) for p in paths]


def _folder_traces(folder: str) -> list[str]:
    return sorted(str(p) for p in Path(folder).rglob("*.parquet") if p.is_file())


def _check_magic(path: str) -> int:
    """Size of ``path`` after checking it looks like a complete Parquet file."""
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(st.st_mode):
            # a FIFO would block the open forever, a device read without end
            kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
            raise InputError(f"{path} is {kind}, not a trace file")
        size = st.st_size
        with open(path, "rb") as f:
            head = f.read(4)
            tail = b""
            if size >= 8:
                f.seek(-4, os.SEEK_END)
                tail = f.read(4)
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a trace") from None
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    if head != PARQUET_MAGIC:
        if journal_for(path):
            raise _truncated(path)
        raise InputError(f"{path} is not a Parquet file, so not a renacer trace")
    if tail != PARQUET_MAGIC or size < 12:
        raise _truncated(path)
    return size


def _labels(paths: list[str]) -> list[str]:
    """Short, unique names: each path relative to the folder all of them share."""
    if len(paths) == 1:
        return [os.path.basename(paths[0])]
    common = os.path.commonpath([os.path.dirname(p) for p in paths])
    return [os.path.relpath(p, common) for p in paths]


def _partitions(path: str) -> dict[str, str]:
    """Hive partition columns of a path (``…/host=a/run=cold/t.parquet``), read the way DuckDB
    reads them: every ``key=value`` folder of the path."""
    parts: dict[str, str] = {}
    for component in Path(path).parent.parts:
        m = _HIVE_RE.match(component)
        if m:
            parts[m.group(1)] = m.group(2)
    return parts


def inspect_inputs(con: duckdb.DuckDBPyConnection, paths: list[str]) -> list[TraceInput]:
    """Check every file and read its footer (metadata, row counts) without scanning rows."""
    try:
        return _inspect_inputs(con, paths)
    except InputError as e:  # name a downloaded object by its s3:// location, not its cache file
        raise InputError(storage.describe(str(e))) from None


def _inspect_inputs(con: duckdb.DuckDBPyConnection, paths: list[str]) -> list[TraceInput]:
    from renacer.schema.trace import METADATA_KEY, TraceFormatError, read_metadata

    sizes = [_check_magic(p) for p in paths]
    try:
        kv_rows = con.execute(
            "SELECT file_name, key, value FROM parquet_kv_metadata($files)", {"files": duckdb_literals(paths)}
        ).fetchall()
        file_rows = con.execute(
            "SELECT file_name, num_rows, num_row_groups FROM parquet_file_metadata($files)",
            {"files": duckdb_literals(paths)},
        ).fetchall()
    except duckdb.Error:
        # Find the culprit file by file, so the message can name it.
        for p in paths:
            try:
                con.execute("SELECT count(*) FROM parquet_kv_metadata($f)", {"f": duckdb_literal(p)}).fetchall()
            except duckdb.Error as e:
                raise InputError(f"{p} is not a readable Parquet file: {_first_line(e)}") from None
        raise
    kv: dict[str, dict[bytes, bytes]] = {p: {} for p in paths}
    for name, key, value in kv_rows:
        kv.setdefault(name, {})[bytes(key)] = bytes(value)
    counts = {name: (rows, groups) for name, rows, groups in file_rows}
    labels = _labels(paths)
    out = []
    for p, label, size in zip(paths, labels, sizes):
        try:
            meta = read_metadata(kv.get(p), source=p)
        except TraceFormatError as e:
            raise InputError(str(e)) from None
        except (ValueError, TypeError):
            raise InputError(f"{p} has unreadable renacer metadata ({METADATA_KEY.decode()})") from None
        rows, groups = counts.get(p, (0, 0))
        out.append(TraceInput(p, label, _partitions(p), meta, int(rows), int(groups), size))
    return out


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


# -- queries --------------------------------------------------------------------------------------

PARAM_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_HEADER_ENTRY = re.compile(r"^\s{2,}(\$?[A-Za-z_][A-Za-z0-9_]*)\s+(.*)$")


def _strip_sql_comments(sql: str) -> str:
    """SQL without ``--``/``/* */`` comments and string literals, where a ``$`` is not a
    parameter (scanned left to right: an apostrophe in a comment opens no string)."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif sql[i] in "'\"":
            quote = sql[i]
            i += 1
            while i < n:
                if sql[i] == quote and sql.startswith(quote * 2, i):
                    i += 2
                elif sql[i] == quote:
                    i += 1
                    break
                else:
                    i += 1
            out.append(quote * 2)
        else:
            out.append(sql[i])
            i += 1
    return "".join(out)


def parse_header(name: str, path: Path, text: str) -> Query:
    """Read the leading comment block: ``-- name: what it answers``, then ``Parameters:`` and
    ``Columns:`` sections whose entries are indented ``token  description`` lines."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].removeprefix(" ") if line.startswith("-- ") else line[2:])
    summary = ""
    if lines and lines[0].startswith(f"{name}:"):
        summary = lines[0][len(name) + 1 :].strip()
    sections: dict[str, dict[str, str]] = {"parameters": {}, "columns": {}}
    current: dict[str, str] | None = None
    last: str | None = None
    for line in lines[1:]:
        head = line.strip().rstrip(":").lower()
        if line and not line[0].isspace() and line.rstrip().endswith(":") and head in sections:
            current, last = sections[head], None
            continue
        if line and not line[0].isspace():
            current = None
            continue
        if current is None:
            continue
        m = _HEADER_ENTRY.match(line)
        if m and (last is None or len(line) - len(line.lstrip()) <= 4):
            last = m.group(1).lstrip("$")
            current[last] = m.group(2).strip()
        elif last is not None and line.strip():
            current[last] += " " + line.strip()
    return Query(name, path, text, summary, sections["parameters"], sections["columns"])


def list_queries() -> list[Query]:
    """Every canned query (``queries/NAME.sql``; files starting with ``_`` are shared SQL)."""
    return [load_query(p.stem) for p in sorted(QUERIES_DIR.glob("*.sql")) if not p.name.startswith("_")]


def load_query(name: str) -> Query:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise InputError(f"no canned query named {name!r}")
    path = QUERIES_DIR / f"{name}.sql"
    if not path.exists():
        known = ", ".join(q.name for q in list_queries())
        raise InputError(f"no canned query named {name!r} (known: {known})")
    return parse_header(name, path, path.read_text())


def _shared_sql(name: str) -> str:
    return (QUERIES_DIR / f"_{name}.sql").read_text()


# -- SQL functions ---------------------------------------------------------------------------------


def _function_specs() -> dict[str, tuple[Callable[..., Any], list[Any], Any]]:
    from duckdb import sqltypes as t

    dns_struct = duckdb.struct_type(
        {"id": t.INTEGER, "response": t.BOOLEAN, "name": t.VARCHAR, "type": t.VARCHAR,
         "rcode": t.VARCHAR, "answers": t.INTEGER, "truncated": t.BOOLEAN}
    )
    proto_struct = duckdb.struct_type({"protocol": t.VARCHAR, "detail": t.VARCHAR})
    blobs = duckdb.list_type(t.BLOB)
    return {
        "rn_mem_part": (payload.mem_part, [t.BLOB, t.INTEGER], t.BLOB),
        "rn_mem_i32": (payload.mem_i32, [t.BLOB, t.INTEGER], t.INTEGER),
        "rn_mem_timeval_ns": (payload.mem_timeval_ns, [t.BLOB, t.INTEGER], t.BIGINT),
        "rn_errno_name": (payload.errno_name, [t.INTEGER], t.VARCHAR),
        "rn_strerror": (payload.strerror, [t.VARCHAR], t.VARCHAR),
        "rn_argv": (payload.argv_text, [t.BLOB, t.INTEGER], t.VARCHAR),
        "rn_dns": (payload.dns_message, [t.BLOB, t.BOOLEAN], dns_struct),
        "rn_protocol": (payload.protocol, [blobs, blobs, t.INTEGER, t.BOOLEAN], proto_struct),
    }


# The Python functions SQL can call (analyze/payload.py). Registering one imports numpy
# (~0.3 s), so each is registered when a statement first needs it.
FUNCTIONS = ("rn_mem_part", "rn_mem_i32", "rn_mem_timeval_ns", "rn_errno_name", "rn_strerror",
             "rn_argv", "rn_dns", "rn_protocol")


def _register_functions(con: duckdb.DuckDBPyConnection, names: Sequence[str] = FUNCTIONS) -> None:
    """Register the named SQL functions. "special" NULL handling: they take and return None
    themselves (rn_protocol must see a NULL list for a socket that only received; a decoder
    returns NULL for bytes that are not what it decodes)."""
    specs = _function_specs()
    for name in names:
        fn, params, ret = specs[name]
        con.create_function(name, fn, params, ret, null_handling="special", side_effects=False)


# -- the engine ------------------------------------------------------------------------------------


class Engine:
    """A DuckDB connection with traces loaded as views; build it with ``load`` or ``from_table``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, traces: list[TraceInput]) -> None:
        self.con = con
        self.traces = traces
        self._created: set[str] = set()
        self._functions: set[str] = set()

    def prepare(self, sql: str) -> None:
        """Create the shared views and macros ``sql`` uses (and theirs), and register the Python
        functions they call, on first use: doing all of it up front costs more than a small
        query does."""
        objects = shared_objects()
        pending = _references(sql, objects) - self._created
        order: list[str] = []

        def visit(name: str, path: tuple[str, ...]) -> None:
            if name in self._created or name in order or name in path:
                return
            for dep in sorted(_references(objects[name], objects) - {name}):
                visit(dep, path + (name,))
            order.append(name)

        for name in sorted(pending):
            visit(name, ())
        texts = [sql] + [objects[name] for name in order]
        wanted = {w for text in texts for w in _WORD_RE.findall(text) if w in FUNCTIONS}
        if wanted - self._functions:
            _register_functions(self.con, sorted(wanted - self._functions))
            self._functions |= wanted
        for name in order:
            try:
                self.con.execute(objects[name])
            except duckdb.Error as e:
                raise QueryError(f"creating the shared view {name} failed: {e}") from None
            self._created.add(name)

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
        if not sql.strip() or not _strip_sql_comments(sql).strip(" \t\r\n;"):
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
        """Run a canned query with its parameters bound (unset ones are NULL; the SQL holds the
        defaults), then shape ``trace``: dropped for one trace, followed by the partition
        columns for several."""
        q = load_query(query) if isinstance(query, str) else query
        given = params or {}
        unknown = set(given) - set(q.params)
        if unknown:
            raise InputError(f"query {q.name} has no parameter {', '.join(sorted(unknown))}")
        bound = {p: given.get(p) for p in q.used_params}
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


def _connect() -> duckdb.DuckDBPyConnection:
    # Progress is polled with query_progress(); DuckDB must track it but never print its own bar.
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    con.execute("SET VARIABLE rn_fd_openers = $names", {"names": sorted(captures.FD_FROM_RET)})
    return con


def _create_shared(con: duckdb.DuckDBPyConnection, traces: list[TraceInput]) -> None:
    _create_metadata_tables(con, traces)


_OBJECT_RE = re.compile(r"CREATE\s+OR\s+REPLACE\s+(?:VIEW|MACRO)\s+([A-Za-z_][A-Za-z0-9_]*)", re.I)
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@functools.lru_cache(maxsize=1)
def shared_objects() -> dict[str, str]:
    """The statements of ``_views.sql`` by the view or macro each creates, in file order."""
    objects: dict[str, str] = {}
    for statement in re.split(r";[ \t]*\n", _shared_sql("views")):
        m = _OBJECT_RE.search(_strip_sql_comments(statement))
        if m:
            objects[m.group(1)] = statement.strip().rstrip(";")
    return objects


def _references(sql: str, names: dict[str, str]) -> set[str]:
    return {w for w in _WORD_RE.findall(_strip_sql_comments(sql)) if w in names}

def load(specs: Sequence[str], con: duckdb.DuckDBPyConnection | None = None, *, views: bool = True) -> Engine:
    """Find, check and load traces; raises InputError naming the first bad one. ``views=False``
    stops after reading the footers (``info``: no view to bind, no row to read)."""
    paths = expand_inputs(specs)
    con = con or _connect()
    traces = inspect_inputs(con, paths)
    if not views:
        return Engine(con, traces)
    parts = [list(t.partitions) for t in traces]
    hive = bool(parts[0]) and all(p == parts[0] for p in parts)
    prefix = os.path.commonpath([os.path.dirname(p) for p in paths]) if len(paths) > 1 else os.path.dirname(paths[0])
    con.execute("SET VARIABLE rn_files = $files", {"files": duckdb_literals(paths)})
    con.execute("SET VARIABLE rn_hive = $hive", {"hive": hive})
    # ``trace`` = the file name after the common folder and its slash: same as TraceInput.label.
    con.execute("SET VARIABLE rn_prefix_len = $n", {"n": len(prefix.rstrip(os.sep)) + 1})
    con.execute(
        """
        CREATE OR REPLACE VIEW events AS
        SELECT * EXCLUDE (filename), substr(filename, getvariable('rn_prefix_len') + 1) AS trace
        FROM read_parquet(getvariable('rn_files'), filename = true,
                          hive_partitioning = getvariable('rn_hive'), hive_types_autocast = false)
        """
    )
    _create_shared(con, traces)
    return Engine(con, traces)


def from_table(table: pa.Table, label: str = LIVE_LABEL) -> Engine:
    """An engine over an in-memory Arrow table of trace rows (the live ``-c`` summary)."""
    con = _connect()
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
    _create_shared(con, [trace])
    return Engine(con, [trace])


def _create_metadata_tables(con: duckdb.DuckDBPyConnection, traces: list[TraceInput]) -> None:
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
    info = []
    procs = []
    for t in traces:
        m = t.meta
        command = m.get("command")
        info.append((t.label, t.path, t.rows, m.get("hostname"),
                     [str(c) for c in command] if isinstance(command, list) else None,
                     _int(m.get("start_wall_ns")), exit_text(m.get("exit_status")), _int(m.get("events_seen")),
                     _int(m.get("events_written")), json.dumps(m)))
        for p in m.get("processes") or []:
            if isinstance(p, dict) and isinstance(p.get("pid"), int):
                argv = p.get("argv")
                args = [str(a) for a in argv] if isinstance(argv, list) else None
                procs.append((t.label, p["pid"], _int(p.get("ppid")), _str(p.get("exe")), args,
                              _join_command(args)))
    if info:
        con.executemany("INSERT INTO trace_info VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", info)
    if procs:
        con.executemany("INSERT INTO trace_processes VALUES (?, ?, ?, ?, ?, ?)", procs)


# -- the live summary ------------------------------------------------------------------------------


def summary_rows(table: pa.Table) -> list[dict[str, Any]]:
    """Per syscall: syscall, calls, errors, total_ns, avg_ns, p50_ns, p90_ns, p99_ns, max_ns —
    queries/summary.sql over an in-memory table, so the live ``-c`` summary and the analyzer
    share one definition of a percentile."""
    engine = from_table(table)
    try:
        return engine.run("summary").dicts()
    finally:
        engine.close()


# -- export ----------------------------------------------------------------------------------------


def export_events(engine: Engine) -> tuple[dict[tuple[str, int], str], Iterator[dict[str, Any]]]:
    """Process names by (trace, pid), and every event in order as a dict (``_export_chrome.sql``),
    streamed in batches so a ten-million-event trace never sits in memory."""
    names = {(t, p): c for t, p, c in engine.execute(
        "SELECT trace, pid, coalesce(command, exe) FROM procs").rows if c}

    def rows() -> Iterator[dict[str, Any]]:
        for columns, batch in engine.stream(_shared_sql("export_chrome")):
            for row in batch:
                yield dict(zip(columns, row))

    return names, rows()


# -- info ------------------------------------------------------------------------------------------


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
                "command": _join_command(m.get("command")),
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
                "recovered": ("yes: rebuilt from the journal of a recording that did not finish; events after its last complete flush are missing"
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


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
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


def _join_command(command: Any) -> str | None:
    if isinstance(command, list):
        import shlex

        return " ".join(shlex.quote(str(c)) for c in command)
    return str(command) if command is not None else None


def _iso(wall_ns: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(wall_ns // 1_000_000_000)) + (
        f".{wall_ns % 1_000_000_000 // 1000:06d}Z"
    )


# -- two sides, for diff (issue 11) ----------------------------------------------------------------

SIDES = ("base", "head")


def load_sides(base: Sequence[str], head: Sequence[str]) -> Engine:
    """Both sides of a diff in one engine: ``events`` holds every run of each side, its ``trace``
    the side's name, a slash and the file's label within that side (``base/cold.parquet``), so
    the same file may stand on both sides (a file against itself diffs to no change). Hive
    partition columns are not read: the two sides may be partitioned differently, and the diff
    compares sides, not partitions. Raises InputError naming the side of a bad or empty input,
    and when the sides were recorded with different trace schema versions."""
    import dataclasses

    con = _connect()
    traces: list[TraceInput] = []
    reads = []
    for side, specs in zip(SIDES, (base, head)):
        try:
            paths = expand_inputs(specs)
            found = inspect_inputs(con, paths)
        except InputError as e:
            raise InputError(f"{side}: {e}") from None
        prefix = os.path.commonpath([os.path.dirname(p) for p in paths]) if len(paths) > 1 else os.path.dirname(paths[0])
        traces += [dataclasses.replace(t, label=f"{side}/{t.label}", partitions={}) for t in found]
        con.execute(f"SET VARIABLE rn_{side}_files = $files", {"files": paths})
        con.execute(f"SET VARIABLE rn_{side}_prefix_len = $n", {"n": len(prefix.rstrip(os.sep)) + 1})
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
    _create_shared(con, traces)
    return Engine(con, traces)
