"""renacer-analyze: answer questions about recorded traces, one command each.

Thin by design: each command loads its traces through the engine, runs one canned query
(queries/NAME.sql) and hands the rows to the output layer. Bad input and failing SQL print
``Error: …`` on stderr and exit 2; a failed CI gate exits 1; anything else exits 0.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import Enum
from functools import wraps
from pathlib import Path
from typing import Any, List, Optional, TypeVar

import typer
import typer.core

from renacer.analyze import engine as eng
from renacer.analyze import inputs
from renacer.analyze import output

# typer escapes "[required]" and "[default: …]" for rich markup whenever rich is installed, even
# with markup off (rich_markup_mode=None): help then shows "\\[required]". We use no rich help.
typer.core.HAS_RICH = False

# Plain click help and errors (rich_markup_mode=None): a usage error then reads "Error: …" like
# every other error of the tool, and help needs no rich import.
app = typer.Typer(
    name="renacer-analyze",
    help="Analyze renacer traces (Parquet) with DuckDB: one command per question.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_BAD_INPUT = 2
EXIT_GATE_FAILED = 1  # a CI gate failed (diff --fail-on)


# The output layer's formats, as the choices of --format.
Format = Enum("Format", {name: name for name in output.FORMATS}, type=str)  # type: ignore[misc]


TracesArg = typer.Argument(
    ...,
    metavar="TRACE",
    help="Trace files, globs ('runs/**/*.parquet') or folders (hive partitions such as "
    "runs/host=a/run=cold/ become columns).",
    show_default=False,
)
FormatOpt = typer.Option(Format.table, "--format", help="Output format.", case_sensitive=False)


# --- engines (issue 16): DuckDB on this machine, or Spark for a fleet ---------------------------------
class EngineName(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


EngineOpt = typer.Option(EngineName.duckdb, "--engine", case_sensitive=False,
                         help="duckdb (this machine) or spark (pip install 'renacer[spark]'; local "
                         "mode unless --spark-master or SPARK_REMOTE).")
SparkMasterOpt = typer.Option(None, "--spark-master", metavar="URL",
                              help="Spark master for --engine spark: local[4], spark://host:7077, "
                              "yarn, or sc://host:15002 (Spark Connect).")


def _load(traces: list[str], engine: EngineName = EngineName.duckdb, master: Optional[str] = None) -> Any:
    """The DuckDB engine, or the Spark engine with the same interface."""
    if engine == EngineName.spark:
        from renacer.analyze import spark

        return spark.load(traces, master)
    if master:
        raise eng.InputError("--spark-master needs --engine spark")
    return eng.load(traces)

F = TypeVar("F", bound=Callable[..., Any])


def _fails_cleanly(fn: F) -> F:
    """Turn the engine's and output layer's known failures into ``Error: …`` and exit 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (eng.InputError, eng.QueryError, output.OutputError) as e:
            output.error(str(e))
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except BrokenPipeError:  # `renacer-analyze … | head`
            sys.stderr.close()
            raise typer.Exit(0) from None

    return wrapper  # type: ignore[return-value]


def _open_output(path: str) -> Any:
    """``-o FILE``: created private (0600, no link followed), as every file renacer writes."""
    from renacer.files import UnsafeOutput, open_text_output

    try:
        return open_text_output(path)
    except UnsafeOutput as e:
        raise output.OutputError(str(e)) from None


PROGRESS_MIN_TRACES = 50


def _long(engine: eng.Engine) -> bool:
    """Whether a query over these traces is worth a progress bar: big files, or many of them
    (each file costs DuckDB an open and a footer, and the views' joins grow with them)."""
    return engine.total_bytes >= eng.PROGRESS_MIN_BYTES or len(engine.traces) >= PROGRESS_MIN_TRACES


DebugDirOpt = typer.Option([], "--debug-dir", help="With --source traces: find the source locations again from binaries and debug files here (by build-id or name); repeatable.")


def _check_debug_dirs(debug_dirs: list[str]) -> None:
    for d in debug_dirs:
        if not os.path.isdir(d):
            raise eng.InputError(f"--debug-dir {d!r} is not a directory")


def _symbolized_copies(traces: list[str], debug_dirs: list[str], tmp: str) -> list[str]:
    """--debug-dir: each trace symbolized again into tmp, at the same relative path (the labels
    and hive partitions stay); a trace recorded without --source is linked as it is."""
    from renacer.analyze.symbolize import symbolize_file
    from renacer.schema.trace import TraceFormatError

    paths = inputs.checked_paths(traces)
    common = os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in paths])
    out = []
    for p in paths:
        dst = os.path.join(tmp, os.path.relpath(os.path.abspath(p), common))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        try:
            symbolize_file(p, dst, debug_dirs)
        except TraceFormatError:
            os.symlink(os.path.abspath(p), dst)
        out.append(dst)
    return out


def _canned(name: str, traces: list[str], fmt: Format, params: dict[str, Any] | None = None,
            title: str | None = None, engine_name: EngineName = EngineName.duckdb,
            master: Optional[str] = None, debug_dirs: list[str] | None = None) -> list[tuple[Any, ...]]:
    """Load, run queries/NAME.sql, print: what every question command does."""
    if debug_dirs:
        import tempfile

        _check_debug_dirs(debug_dirs)
        with tempfile.TemporaryDirectory(prefix="renacer-symbolized-") as tmp:
            return _canned(name, _symbolized_copies(traces, debug_dirs, tmp), fmt, params, title, engine_name, master)
    engine = _load(traces, engine_name, master)
    try:
        show = output.interactive(fmt.value) and _long(engine)
        with output.progress(f"{name}: {len(engine.traces)} trace(s)", show) as on_progress:
            result = engine.run(name, {k: v for k, v in (params or {}).items() if v is not None},
                                on_progress=on_progress)
    finally:
        engine.close()
    output.render(result.columns, result.rows, fmt.value, title=title)
    return result.rows


@app.command()
@_fails_cleanly
def summary(
    traces: List[str] = TracesArg,
    name: Optional[str] = typer.Option(None, "--name", help="Only this syscall."),
    by: str = typer.Option("syscall", "--by", help="syscall, or source: per source location (traces recorded with --source)."),
    fmt: Format = FormatOpt,
    engine: EngineName = EngineOpt,
    spark_master: Optional[str] = SparkMasterOpt,
    debug_dirs: List[str] = DebugDirOpt,
) -> None:
    """Per syscall: calls, errors, total, avg, p50, p90, p99, max."""
    if by not in ("syscall", "source"):
        raise eng.InputError(f"unknown --by {by!r}; choose syscall or source")
    _canned("summary" if by == "syscall" else "summary_by_source", traces, fmt, {"name": name},
            engine_name=engine, master=spark_master, debug_dirs=debug_dirs)


@app.command()
@_fails_cleanly
def refused(traces: List[str] = TracesArg, fmt: Format = FormatOpt, engine: EngineName = EngineOpt,
            spark_master: Optional[str] = SparkMasterOpt, debug_dirs: List[str] = DebugDirOpt) -> None:
    """Refused connections, non-blocking ones too: target, count, first/last, process."""
    _canned("refused", traces, fmt, engine_name=engine, master=spark_master, debug_dirs=debug_dirs)


@app.command()
@_fails_cleanly
def dns(
    traces: List[str] = TracesArg,
    port: Optional[int] = typer.Option(None, "--port", help="DNS server port [default: 53]."),
    fmt: Format = FormatOpt,
    engine: EngineName = EngineOpt,
    spark_master: Optional[str] = SparkMasterOpt,
) -> None:
    """DNS queries: server, name, type, latency, timeouts, fallback to the next server."""
    rows = _canned("dns", traces, fmt, {"port": port}, engine_name=engine, master=spark_master)
    if not rows and engine == EngineName.duckdb:
        # Nothing on that port: say where DNS-shaped traffic went instead, if anywhere.
        loaded = eng.load(traces)
        try:
            elsewhere = loaded.run("dns_ports", {"port": port} if port is not None else {}).dicts()
        finally:
            loaded.close()
        if elsewhere:
            ports = ", ".join(f"{r['port']} ({r['queries']} queries)" for r in elsewhere)
            output.note(f"no DNS queries to port {port or 53}, but queries that look like DNS went to port "
                        f"{ports}: ask again with --port {elsewhere[0]['port']}")


@app.command()
@_fails_cleanly
def errors(
    traces: List[str] = TracesArg,
    tiny_calls: Optional[int] = typer.Option(None, "--tiny-calls", help="Receives on one socket that make 'tiny receives' [default: 100]."),
    tiny_bytes: Optional[int] = typer.Option(None, "--tiny-bytes", help="Average receive size under which they are tiny [default: 64]."),
    fmt: Format = FormatOpt,
    engine: EngineName = EngineOpt,
    spark_master: Optional[str] = SparkMasterOpt,
    debug_dirs: List[str] = DebugDirOpt,
) -> None:
    """Failed calls by syscall/errno/target, with the likely cause and fix."""
    _canned("errors", traces, fmt, {"tiny_calls": tiny_calls, "tiny_bytes": tiny_bytes}, engine_name=engine,
            master=spark_master, debug_dirs=debug_dirs)


@app.command()
@_fails_cleanly
def connections(traces: List[str] = TracesArg, fmt: Format = FormatOpt, engine: EngineName = EngineOpt,
            spark_master: Optional[str] = SparkMasterOpt) -> None:
    """Per socket: peer, connect time, bytes/calls each way, protocol, how it ended."""
    _canned("connections", traces, fmt, engine_name=engine, master=spark_master)


@app.command()
@_fails_cleanly
def slow(
    traces: List[str] = TracesArg,
    top: int = typer.Option(20, "--top", min=1, help="How many calls."),
    name: Optional[str] = typer.Option(None, "--name", help="Only this syscall."),
    fmt: Format = FormatOpt,
    engine: EngineName = EngineOpt,
    spark_master: Optional[str] = SparkMasterOpt,
    debug_dirs: List[str] = DebugDirOpt,
) -> None:
    """The slowest calls, with their target and source location."""
    _canned("slow", traces, fmt, {"top": top, "name": name}, engine_name=engine, master=spark_master,
            debug_dirs=debug_dirs)


@app.command()
@_fails_cleanly
def files(traces: List[str] = TracesArg, fmt: Format = FormatOpt, engine: EngineName = EngineOpt,
            spark_master: Optional[str] = SparkMasterOpt) -> None:
    """Paths opened, errors, bytes read/written."""
    _canned("files", traces, fmt, engine_name=engine, master=spark_master)


@app.command()
@_fails_cleanly
def processes(traces: List[str] = TracesArg, fmt: Format = FormatOpt, engine: EngineName = EngineOpt,
            spark_master: Optional[str] = SparkMasterOpt) -> None:
    """Process tree, exec'd commands, exit status."""
    _canned("processes", traces, fmt, engine_name=engine, master=spark_master)


@app.command()
@_fails_cleanly
def info(traces: List[str] = TracesArg, fmt: Format = FormatOpt) -> None:
    """What, where, when it was recorded; events seen/written (reads no rows)."""
    engine = eng.load(traces, views=False)
    try:
        rows = eng.info_rows(engine)
    finally:
        engine.close()
    columns = list(rows[0]) if rows else []
    for r in rows[1:]:
        columns += [c for c in r if c not in columns]
    output.render(columns, [tuple(r.get(c) for c in columns) for r in rows], fmt.value, vertical=True)


@app.command()
@_fails_cleanly
def sql(
    query: str = typer.Argument(..., metavar="SQL", help="A query over the views syscalls, events, "
                                "sockets, socket_calls, connects, file_calls, fd_opens, procs, "
                                "trace_info, trace_processes."),
    traces: List[str] = TracesArg,
    fmt: Format = FormatOpt,
    engine_name: EngineName = EngineOpt,
    spark_master: Optional[str] = SparkMasterOpt,
) -> None:
    """Run your own SQL over the traces (DuckDB dialect; Spark SQL with --engine spark)."""
    engine = _load(traces, engine_name, spark_master)
    try:
        show = output.interactive(fmt.value) and _long(engine)
        with output.progress("sql", show) as on_progress:
            if engine_name == EngineName.spark:
                result = engine.execute_native(query)
            else:
                result = engine.execute(query, on_progress=on_progress)
    finally:
        engine.close()
    output.render(result.columns, result.rows, fmt.value)


@app.command("queries")
@_fails_cleanly
def list_queries(fmt: Format = FormatOpt) -> None:
    """List every canned query and what it answers."""
    rows = [(q.name, q.summary, ", ".join(f"${p}" for p in q.params) or None, str(q.path))
            for q in eng.list_queries()]
    output.render(["query", "answers", "parameters", "file"], rows, fmt.value)


EXPORT_PROGRESS_MIN_EVENTS = 200_000


class ExportFormat(str, Enum):
    chrome = "chrome"


@app.command()
@_fails_cleanly
def export(
    traces: List[str] = TracesArg,
    fmt: ExportFormat = typer.Option(ExportFormat.chrome, "--format", help="chrome: Trace Event JSON for ui.perfetto.dev or chrome://tracing."),
    out: Optional[Path] = typer.Option(None, "-o", "--output", help="Write here instead of stdout."),
) -> None:
    """Export every event to another tool's format."""
    engine = eng.load(traces)
    try:
        target = _open_output(str(out)) if out else sys.stdout
        try:
            names, events = eng.export_events(engine)
            # A bar only when the JSON goes to a file: on stdout it is the output itself. Export
            # writes tens of thousands of events a second, so it counts events, not bytes.
            rows = sum(t.rows for t in engine.traces)
            show = out is not None and output.interactive() and rows >= EXPORT_PROGRESS_MIN_EVENTS
            with output.progress("export", show) as on_progress:
                output.write_chrome_trace(names, output.counted(events, rows, on_progress), target,
                                          [t.label for t in engine.traces])
        finally:
            if out:
                target.close()
    except OSError as e:
        raise output.OutputError(f"cannot write {out}: {e.strerror}") from None
    finally:
        engine.close()


@app.command()
@_fails_cleanly
def recover(
    trace: str = typer.Argument(..., metavar="TRACE", help="The unfinished trace (or its .journal)."),
    out: Optional[str] = typer.Option(None, "-o", "--output", help="Where to write the recovered trace [default: TRACE]."),
) -> None:
    """Rebuild a trace whose recorder was killed, from the journal it left."""
    from renacer.capture.journal import JOURNAL_SUFFIX, journal_for, recover as recover_journal, trace_for
    from renacer.files import UnsafeOutput
    from renacer.schema.trace import TraceFormatError

    journal = journal_for(trace)
    if not os.path.lexists(journal):
        raise eng.InputError(f"no recovery journal for {trace} (looked for {trace}{JOURNAL_SUFFIX})")
    target = out or trace_for(journal)
    try:
        with output.spinner(f"recovering {journal}", output.interactive()):
            meta = recover_journal(journal, target)
    except (TraceFormatError, UnsafeOutput) as e:
        raise eng.InputError(str(e)) from None
    events = meta.get("events_written")
    partial = meta.get("recovered_partial_batch")
    sys.stdout.write(f"Recovered {events if events is not None else 'the'} events into {target}"
                     + (" (the last, partly written batch was dropped)" if partial else "") + "\n")


# --- replay (issue 3) ------------------------------------------------------------------------------
# The renderer lives in renacer.analyze.render (render_trace_file(paths, out, options)); it is
# imported lazily so the analyzer works, and starts fast, without it.


@app.command(context_settings={"ignore_unknown_options": False})
@_fails_cleanly
def replay(
    traces: List[str] = TracesArg,
    expr: Optional[str] = typer.Option(None, "-e", help="Filter expression, as for renacer (trace=network, …)."),
    durations: bool = typer.Option(False, "-T", help="Show each call's duration."),
    timestamps: int = typer.Option(0, "-t", count=True, help="-t time of day, -tt with µs, -ttt epoch seconds."),
    relative: bool = typer.Option(False, "-r", help="Time relative to the previous call."),
    string_size: Optional[int] = typer.Option(None, "-s", help="Bytes of each buffer to print [default: the recording's]."),
    xflag: int = typer.Option(0, "-x", count=True, help="Non-ASCII bytes in hex (-xx: every byte)."),
    fmt: str = typer.Option("text", "--format", help="text, json, jsonl or csv."),
    out: Optional[str] = typer.Option(None, "-o", "--output", help="Write here instead of stderr (text) / stdout."),
    style: str = typer.Option("guide", "--style", help="guide (default): 'close(3) = 0', errors as '= -ENAME', "
                              "a non-blocking connect's outcome; strace: exactly strace's text."),
    debug_dirs: List[str] = typer.Option([], "--debug-dir", help="With a --source trace: symbolize again, finding binaries and debug files here (by build-id, .build-id/xx/rest.debug, or by name); repeatable."),
) -> None:
    """Print a recorded trace exactly as the live run printed it."""
    from types import SimpleNamespace

    from renacer.schema.trace import TraceFormatError

    syscalls = None
    if expr is not None:
        from renacer.capture.filter_expr import FilterError, parse_trace_expr

        try:
            syscalls = parse_trace_expr(expr.split("=", 1)[1] if expr.startswith("trace=") else expr).numbers
        except FilterError as e:
            raise eng.InputError(str(e)) from None
    if style not in ("guide", "strace"):
        raise eng.InputError(f"unknown --style {style!r} for replay; choose guide or strace")
    if fmt not in output.EVENT_FORMATS:
        raise eng.InputError(f"unknown --format {fmt!r} for replay; choose {', '.join(output.EVENT_FORMATS[:-1])} "
                             f"or {output.EVENT_FORMATS[-1]}")
    if string_size is not None and string_size < 0:
        raise eng.InputError(f"-s must be a non-negative number of bytes, not {string_size}")
    _check_debug_dirs(debug_dirs)
    paths = inputs.checked_paths(traces)  # bad files get the analyzer's messages
    from renacer.analyze.render import RenderOptions, recorded_string_size, render_trace_file

    options = RenderOptions.from_cli(SimpleNamespace(
        format=fmt, strsize=string_size if string_size is not None else recorded_string_size(paths),
        durations=durations or None, timestamps=timestamps or None, relative=relative or None,
        xflag=xflag or None, style=style))
    # Live text goes to stderr (strace's habit), documents to stdout; -o writes a file instead.
    target = _open_output(out) if out else (sys.stderr if fmt == "text" else sys.stdout)
    try:
        render_trace_file(paths, target, options, syscalls, debug_dirs=debug_dirs or None)
    except TraceFormatError as e:
        raise eng.InputError(str(e)) from None
    finally:
        if out:
            target.close()


# --- diff (issue 11) --------------------------------------------------------------------------------
# The comparison is SQL (queries/diff_*.sql); statistics, gates and the report are
# renacer.analyze.diff, imported when the command runs.


# --- hist and report (issue 15) -------------------------------------------------------------------


class HistFormat(str, Enum):
    text = "text"
    table = "table"  # the same bars: every other command calls its terminal output "table"
    json = "json"
    csv = "csv"


class HistBy(str, Enum):
    syscall = "syscall"
    target = "target"
    source = "source"


class HistUnit(str, Enum):
    ns = "ns"
    us = "us"
    ms = "ms"
    s = "s"


# --- symbolize (issue 13) ---------------------------------------------------------------------------


@app.command()
@_fails_cleanly
def diff(
    base: str = typer.Argument(..., metavar="BASE", help="The runs before: a trace, a quoted glob ('base/*.parquet') or a folder."),
    head: str = typer.Argument(..., metavar="HEAD", help="The runs after, the same way."),
    fail_on: List[str] = typer.Option([], "--fail-on", metavar="GATE", help="Exit 1 when this holds "
                                      "(repeatable; see Gates above and the README)."),
    min_effect: float = typer.Option(5.0, "--min-effect", min=0, help="Smallest relative timing change (%) reported as significant."),
    alpha: float = typer.Option(0.05, "--alpha", min=0, max=1, help="Significance level of the test across runs (needs >=3 runs a side)."),
    fmt: Format = FormatOpt,
) -> None:
    """Compare two sets of runs (calls, errors, times, targets); gate CI with --fail-on.

    BASE and HEAD are each a trace, a quoted glob ('base/*.parquet') or a folder of repeated runs.
    Counts are compared exactly; timings are tested across runs when each side has 3 or more.
    Exit 1 when a gate fails, 2 for bad input, else 0.

    \b
    Gates: METRIC OP THRESHOLD, METRIC one of calls|errors|bytes|total|avg|p50|p90|p99|max(SYSCALL),
    total-time, wall-time; or new-errors, new-targets:
      'calls(connect) > +0'     more connect calls per run than base (+N/-N: a change)
      'p99(recvfrom) > +20%'    p99 20% higher (a timing change must also be significant)
      'p99(recvfrom) > 200ms'   head's own p99 over a budget (unsigned: a value)
      'total-time > +10%'       more time in syscalls per run
      'new-errors'              an errno kind base never had; 'new-targets' alike
    """
    from renacer.analyze import diff as diffing

    gates = diffing.parse_gates(fail_on)  # a malformed gate fails before any trace is read
    report = diffing.compare([base], [head], gates, alpha=alpha, min_effect=min_effect)
    diffing.render(report, fmt.value)
    if report.failed_gates:
        sys.stdout.flush()
        for g in report.failed_gates:
            sys.stderr.write(f"gate failed: {g.gate.text}: {g.detail}\n")
        raise typer.Exit(EXIT_GATE_FAILED)


@app.command()
@_fails_cleanly
def timeline(traces: List[str] = TracesArg, fmt: Format = FormatOpt) -> None:
    """Per socket: opened, connect, connected or failed, first byte, closed (ns since start)."""
    _canned("timeline", traces, fmt)


@app.command()
@_fails_cleanly
def hist(
    traces: List[str] = TracesArg,
    syscall: Optional[str] = typer.Option(None, "--syscall", "--name", help="Only this syscall."),
    by: HistBy = typer.Option(HistBy.syscall, "--by", help="One histogram per syscall, per peer "
                              "address of socket calls (target), or per source line (source)."),
    linear: Optional[int] = typer.Option(None, "--linear", min=1, metavar="STEP",
                                         help="Linear buckets STEP units wide instead of log2."),
    unit: HistUnit = typer.Option(HistUnit.us, "--unit", help="Unit durations are counted in."),
    fmt: HistFormat = typer.Option(HistFormat.text, "--format", case_sensitive=False,
                                   help="text bars, or the buckets as json/csv."),
) -> None:
    """Latency histograms (log2 or linear) of call durations, bpftrace-style."""
    import shutil

    from renacer.analyze import hist as histo

    if syscall is not None:
        from renacer.schema.syscalls_x86_64 import SYSCALLS

        if syscall not in SYSCALLS.values():
            raise eng.InputError(f"unknown syscall {syscall!r}")
    engine = eng.load(traces)
    try:
        show = output.interactive(fmt.value) and _long(engine)
        with output.progress(f"hist: {len(engine.traces)} trace(s)", show) as on_progress:
            params: dict[str, Any] = {"name": syscall, "unit_ns": histo.UNITS[unit.value][0], "step": linear}
            if by is HistBy.target:  # its own query: the socket views cost a plain histogram nothing
                result = engine.run("hist_target", params, on_progress=on_progress)
            else:
                result = engine.run("hist", {**params, "by": by.value}, on_progress=on_progress)
    finally:
        engine.close()
    hists = histo.from_rows(result.columns, result.rows, linear)
    if not hists and by is HistBy.source:
        raise eng.InputError("no call in these traces has a source location (record with --source)")
    if fmt.value in ("json", "csv"):
        columns, rows = histo.records(hists, unit.value)
        output.render(columns, rows, fmt.value)
        return
    if not hists:
        sys.stderr.write("(no completed calls" + (f" of {syscall}" if syscall else "") + ")\n")
        return
    width = shutil.get_terminal_size((80, 24)).columns if sys.stdout.isatty() else 80
    sys.stdout.write(histo.text(hists, unit.value, linear, width))


@app.command()
@_fails_cleanly
def report(
    sides: List[str] = typer.Argument(..., metavar="TRACE", help="One side (a trace, a folder or a "
                                      "quoted glob), or two sides to put side by side (base, head)."),
    out: Path = typer.Option(..., "-o", "--output", help="The HTML file to write (replaced whole if it exists; mode 0600)."),
) -> None:
    """One self-contained HTML page: summary, latency histograms, connection timeline, refused
    targets, DNS, errors; two sides side by side."""
    if len(sides) > 2:
        raise eng.InputError(f"report takes one side or two (base and head), not {len(sides)}: "
                             "quote a glob ('runs/*.parquet') or give a folder to make one side of many traces")
    try:
        from renacer.analyze import report as rep
    except ImportError as e:
        raise eng.InputError(f"report needs the 'report' extra ({e.name} is missing): "
                             "pip install 'renacer[report]'") from None
    rep.write_report(sides, out, progress=output.interactive())
    sys.stdout.write(f"Wrote {out}\n")


@app.command()
@_fails_cleanly
def symbolize(
    trace: str = typer.Argument(..., metavar="TRACE", help="A trace recorded with --source."),
    debug_dirs: List[str] = typer.Option([], "--debug-dir", help="Where the binaries or their debug files are (by build-id, .build-id/xx/rest.debug, or by name); repeatable. /usr/lib/debug is always searched."),
    out: str = typer.Option(..., "-o", "--output", help="The new trace to write (every analyzer command then shows its locations)."),
    skip: Optional[str] = typer.Option(None, "--source-skip", help="Also skip frames whose object, function or file matches this regex."),
) -> None:
    """Fill the source locations of a --source trace again, from binaries on this machine."""
    import re

    from renacer.analyze.symbolize import symbolize_file
    from renacer.files import UnsafeOutput
    from renacer.schema.trace import TraceFormatError

    if skip is not None:
        try:
            re.compile(skip)
        except re.error as e:
            raise eng.InputError(f"--source-skip {skip!r} is not a regular expression: {e}") from None
    _check_debug_dirs(debug_dirs)
    paths = inputs.checked_paths([trace])
    if len(paths) != 1:
        raise eng.InputError("symbolize takes one trace file")
    try:
        rows, located = symbolize_file(paths[0], out, debug_dirs, skip)
    except (TraceFormatError, UnsafeOutput) as e:
        raise eng.InputError(str(e)) from None
    sys.stdout.write(f"{located} of {rows} calls located; wrote {out}\n")


def main() -> None:
    app(prog_name="renacer-analyze")


if __name__ == "__main__":
    main()
