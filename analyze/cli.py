"""renacer-analyze: answer questions about recorded traces, one command each.

Thin by design: each command loads its traces through the engine, runs one canned query
(queries/NAME.sql) and hands the rows to the output layer. Bad input and failing SQL print
``Error: …`` on stderr and exit 2; a failed CI gate exits 1; anything else exits 0.

Written with click (not typer, not argparse): bench/bench_cli_startup.py measured the choice,
see the README ("The command line is click"). The commands that are a plain canned query
(``CANNED``) take their options from the query's header: its ``$parameters``, their help, their
defaults; the engine binds the same defaults, so a default is written once, in the SQL file.
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from renacer.analyze import catalogue, output
from renacer.analyze.errors import InputError, QueryError

if TYPE_CHECKING:
    from renacer.analyze.engine import Engine

# The engine (and DuckDB, ~0.1 s) is imported by the commands that run a query, so that
# ``--help`` and usage errors do not wait for it.

EXIT_BAD_INPUT = 2
EXIT_GATE_FAILED = 1  # a CI gate failed (diff --fail-on)
ENGINES = ("duckdb", "spark")


class Group(click.Group):
    """Commands listed in the order they are added (a question's commands together), not sorted."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


app = Group(
    name="renacer-analyze",
    help="Analyze renacer traces (Parquet) with DuckDB: one command per question.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"], "show_default": True},
)


class Argument(click.Argument):
    """A positional argument whose help row says ``[required]``, as a required option's does."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str]:
        return self.make_metavar(ctx), " ".join(x for x in (self.help or "", "[required]" if self.required else "") if x)


def argument(*decls: str, **kwargs: Any) -> Callable[[Any], Any]:
    """click >= 8.5: arguments take a help text, listed under "Positional arguments"."""
    return click.argument(*decls, cls=Argument, **kwargs)
traces_argument = argument(
    "traces", nargs=-1, required=True, metavar="TRACE",
    help="Trace files, globs ('runs/**/*.parquet') or folders (hive partitions such as "
    "runs/host=a/run=cold/ become columns).")
format_option = click.option("--format", "fmt", type=click.Choice(output.FORMATS, case_sensitive=False),
                             default="table", help="Output format.")
engine_option = click.option("--engine", type=click.Choice(ENGINES, case_sensitive=False), default="duckdb",
                             help="duckdb (this machine) or spark (pip install 'renacer[spark]'; local "
                             "mode unless --spark-master or SPARK_REMOTE).")
spark_master_option = click.option("--spark-master", metavar="URL",
                                   help="Spark master for --engine spark: local[4], spark://host:7077, "
                                   "yarn, or sc://host:15002 (Spark Connect).")
debug_dir_option = click.option("--debug-dir", "debug_dirs", multiple=True, help="With --source traces: find the "
                                 "source locations again from binaries and debug files here (by build-id or "
                                 "name); repeatable.")


def _engine() -> Any:
    from renacer.analyze import engine

    return engine


def _checked_paths(specs: list[str]) -> list[str]:
    from renacer.analyze.inputs import checked_paths

    return checked_paths(specs)


def _load(traces: list[str], engine: str = "duckdb", master: str | None = None) -> Any:
    """The DuckDB engine, or the Spark engine with the same interface."""
    if engine == "spark":
        from renacer.analyze import spark

        return spark.load(traces, master)
    if master:
        raise InputError("--spark-master needs --engine spark")
    return _engine().load(traces)


F = TypeVar("F", bound=Callable[..., Any])


def _fails_cleanly(fn: F) -> F:
    """Turn the engine's and output layer's known failures into ``Error: …`` and exit 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (InputError, QueryError, output.OutputError) as e:
            output.error(str(e))
            raise click.exceptions.Exit(EXIT_BAD_INPUT) from None
        except BrokenPipeError:  # `renacer-analyze … | head`
            sys.stderr.close()
            raise click.exceptions.Exit(0) from None

    return wrapper  # type: ignore[return-value]


def _open_output(path: str) -> Any:
    """``-o FILE``: created private (0600, no link followed), as every file renacer writes."""
    from renacer.files import UnsafeOutput, open_text_output

    try:
        return open_text_output(path)
    except UnsafeOutput as e:
        raise output.OutputError(str(e)) from None


PROGRESS_MIN_TRACES = 50


def _long(engine: Engine) -> bool:
    """Whether a query over these traces is worth a progress bar: big files, or many of them
    (each file costs DuckDB an open and a footer, and the views' joins grow with them)."""
    from renacer.analyze.engine import PROGRESS_MIN_BYTES

    return engine.total_bytes >= PROGRESS_MIN_BYTES or len(engine.traces) >= PROGRESS_MIN_TRACES


def _check_debug_dirs(debug_dirs: list[str]) -> None:
    for d in debug_dirs:
        if not os.path.isdir(d):
            raise InputError(f"--debug-dir {d!r} is not a directory")


def _symbolized_copies(traces: list[str], debug_dirs: list[str], tmp: str) -> list[str]:
    """--debug-dir: each trace symbolized again into tmp, at the same relative path (the labels
    and hive partitions stay); a trace recorded without --source is linked as it is."""
    from renacer.analyze.symbolize import symbolize_file
    from renacer.schema.trace import TraceFormatError

    paths = _checked_paths(traces)
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


def _canned(name: str, traces: list[str], fmt: str, params: dict[str, Any] | None = None,
            title: str | None = None, engine_name: str = "duckdb",
            master: str | None = None, debug_dirs: list[str] | None = None) -> list[tuple[Any, ...]]:
    """Load, run queries/NAME.sql, print: what every question command does."""
    if debug_dirs:
        import tempfile

        _check_debug_dirs(debug_dirs)
        with tempfile.TemporaryDirectory(prefix="renacer-symbolized-") as tmp:
            return _canned(name, _symbolized_copies(traces, debug_dirs, tmp), fmt, params, title, engine_name, master)
    engine = _load(traces, engine_name, master)
    try:
        show = output.interactive(fmt) and _long(engine)
        with output.progress(f"{name}: {len(engine.traces)} trace(s)", show) as on_progress:
            result = engine.run(name, {k: v for k, v in (params or {}).items() if v is not None},
                                on_progress=on_progress)
    finally:
        engine.close()
    output.render(result.columns, result.rows, fmt, title=title)
    return result.rows


# --- the canned questions: options from the query headers ------------------------------------------


def parameter_option(query: catalogue.Query, param: str) -> Callable[[Any], Any]:
    """``$tiny_calls  receives … (default 100)`` in a header becomes ``--tiny-calls N`` with that
    help and default: an integer (at least 1) when the header's default is a number, else text,
    unset (NULL for the query) when not given."""
    text = re.sub(r"\s*\(default[^)]*\)", "", query.params[param]).strip()
    text = text[:1].upper() + text[1:]
    default = query.defaults.get(param)
    flag = "--" + param.replace("_", "-")
    if default is None:
        return click.option(flag, param, default=None, help=text + ".")
    return click.option(flag, param, type=click.IntRange(min=1), default=None, show_default=False,
                        metavar="INTEGER", help=f"{text} [default: {default}].")


@dataclass(frozen=True)
class Canned:
    """A command that runs one canned query: its help line, and which common options it takes."""

    help: str
    spark: bool = True  # --engine and --spark-master
    debug_dirs: bool = False  # --debug-dir
    queries: tuple[str, ...] = ()  # the queries it may run (default: the command's name)
    extra: tuple[Callable[[Any], Any], ...] = field(default=())


by_option = click.option("--by", default="syscall", help="syscall, or source: per source location (traces "
                         "recorded with --source).")

CANNED: dict[str, Canned] = {
    "summary": Canned("Per syscall: calls, errors, total, avg, p50, p90, p99, max.", debug_dirs=True,
                      queries=("summary", "summary_by_source"), extra=(by_option,)),
    "refused": Canned("Refused connections, non-blocking ones too: target, count, first/last, process.",
                      debug_dirs=True),
    "dns": Canned("DNS queries: server, name, type, latency, timeouts, fallback to the next server."),
    "errors": Canned("Failed calls by syscall/errno/target, with the likely cause and fix.", debug_dirs=True),
    "connections": Canned("Per socket: peer, connect time, bytes/calls each way, protocol, how it ended."),
    "slow": Canned("The slowest calls, with their target and source location.", debug_dirs=True),
    "files": Canned("Paths opened, errors, bytes read/written."),
    "processes": Canned("Process tree, exec'd commands, exit status."),
    "timeline": Canned("Per socket: opened, connect, connected or failed, first byte, closed (ns since start).",
                       spark=False),
}


def _canned_command(name: str, spec: Canned) -> click.Command:
    queries = [catalogue.load_query(q) for q in spec.queries or (name,)]
    params = list(dict.fromkeys(p for q in queries for p in q.params))

    @_fails_cleanly
    def command(traces: tuple[str, ...], fmt: str, engine: str = "duckdb", spark_master: str | None = None,
                debug_dirs: tuple[str, ...] = (), **values: Any) -> None:
        query = name
        if "by" in values:
            by = values.pop("by")
            if by not in ("syscall", "source"):
                raise InputError(f"unknown --by {by!r}; choose syscall or source")
            query = "summary" if by == "syscall" else "summary_by_source"
        rows = _canned(query, list(traces), fmt, values, engine_name=engine, master=spark_master,
                       debug_dirs=list(debug_dirs))
        after = AFTER.get(name)
        if after is not None:
            after(rows, list(traces), engine, values)

    decorators: list[Callable[[Any], Any]] = [traces_argument]
    decorators += [parameter_option(next(q for q in queries if p in q.params), p) for p in params]
    decorators += [*spec.extra, format_option]
    if spec.spark:
        decorators += [engine_option, spark_master_option]
    if spec.debug_dirs:
        decorators += [debug_dir_option]
    for decorate in reversed(decorators):
        command = decorate(command)
    return click.command(name, help=spec.help)(command)


def _dns_elsewhere(rows: list[tuple[Any, ...]], traces: list[str], engine: str, values: dict[str, Any]) -> None:
    """Nothing on that port: say where DNS-shaped traffic went instead, if anywhere."""
    if rows or engine != "duckdb":
        return
    port = values.get("port")
    loaded = _engine().load(traces)
    try:
        elsewhere = loaded.run("dns_ports", {"port": port}).dicts()
    finally:
        loaded.close()
    if elsewhere:
        ports = ", ".join(f"{r['port']} ({r['queries']} queries)" for r in elsewhere)
        asked = port if port is not None else catalogue.load_query("dns").defaults["port"]
        output.note(f"no DNS queries to port {asked}, but queries that look like DNS went to port "
                    f"{ports}: ask again with --port {elsewhere[0]['port']}")


# What a command does after printing its rows.
AFTER: dict[str, Callable[[list[tuple[Any, ...]], list[str], str, dict[str, Any]], None]] = {
    "dns": _dns_elsewhere,
}

for _name, _spec in CANNED.items():
    if _name != "timeline":  # listed where it always was, after diff
        app.add_command(_canned_command(_name, _spec))


@app.command()
@traces_argument
@format_option
@_fails_cleanly
def info(traces: tuple[str, ...], fmt: str) -> None:
    """What, where, when it was recorded; events seen/written (reads no rows)."""
    engine = _engine().load(list(traces), views=False)
    try:
        rows = _engine().info_rows(engine)
    finally:
        engine.close()
    columns = list(rows[0]) if rows else []
    for r in rows[1:]:
        columns += [c for c in r if c not in columns]
    output.render(columns, [tuple(r.get(c) for c in columns) for r in rows], fmt, vertical=True)


@app.command()
@argument("query", metavar="SQL", help="A query over the views syscalls, events, sockets, socket_calls, "
          "connects, file_calls, fd_opens, procs, trace_info, trace_processes.")
@traces_argument
@format_option
@engine_option
@spark_master_option
@_fails_cleanly
def sql(query: str, traces: tuple[str, ...], fmt: str, engine: str, spark_master: str | None) -> None:
    """Run your own SQL over the traces (DuckDB dialect; Spark SQL with --engine spark)."""
    loaded = _load(list(traces), engine, spark_master)
    try:
        show = output.interactive(fmt) and _long(loaded)
        with output.progress("sql", show) as on_progress:
            if engine == "spark":
                result = loaded.execute_native(query)
            else:
                result = loaded.execute(query, on_progress=on_progress)
    finally:
        loaded.close()
    output.render(result.columns, result.rows, fmt)


@app.command("queries")
@format_option
@_fails_cleanly
def list_queries(fmt: str) -> None:
    """List every canned query and what it answers."""
    rows = [(q.name, q.summary, ", ".join(f"${p}" for p in q.params) or None, str(q.path))
            for q in catalogue.list_queries()]
    output.render(["query", "answers", "parameters", "file"], rows, fmt)


EXPORT_PROGRESS_MIN_EVENTS = 200_000


@app.command()
@traces_argument
@click.option("--format", "fmt", type=click.Choice(("chrome",), case_sensitive=False), default="chrome",
              help="chrome: Trace Event JSON for ui.perfetto.dev or chrome://tracing.")
@click.option("-o", "--output", "out", help="Write here instead of stdout.")
@_fails_cleanly
def export(traces: tuple[str, ...], fmt: str, out: str | None) -> None:
    """Export every event to another tool's format."""
    engine = _engine().load(list(traces))
    try:
        target = _open_output(out) if out else sys.stdout
        try:
            names, events = _engine().export_events(engine)
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
@argument("trace", metavar="TRACE", help="The unfinished trace (or its .journal).")
@click.option("-o", "--output", "out", help="Where to write the recovered trace [default: TRACE].")
@_fails_cleanly
def recover(trace: str, out: str | None) -> None:
    """Rebuild a trace whose recorder was killed, from the journal it left."""
    from renacer.capture.journal import JOURNAL_SUFFIX, journal_for, recover as recover_journal, trace_for
    from renacer.files import UnsafeOutput
    from renacer.schema.trace import TraceFormatError

    journal = journal_for(trace)
    if not os.path.lexists(journal):
        raise InputError(f"no recovery journal for {trace} (looked for {trace}{JOURNAL_SUFFIX})")
    target = out or trace_for(journal)
    try:
        with output.spinner(f"recovering {journal}", output.interactive()):
            meta = recover_journal(journal, target)
    except (TraceFormatError, UnsafeOutput) as e:
        raise InputError(str(e)) from None
    events = meta.get("events_written")
    partial = meta.get("recovered_partial_batch")
    sys.stdout.write(f"Recovered {events if events is not None else 'the'} events into {target}"
                     + (" (the last, partly written batch was dropped)" if partial else "") + "\n")


# --- replay (issue 3) ------------------------------------------------------------------------------
# The renderer lives in renacer.analyze.render (render_trace_file(paths, out, options)); it is
# imported when the command runs, so the other commands start without it.


@app.command()
@traces_argument
@click.option("-e", "expr", help="Filter expression, as for renacer (trace=network, …).")
@click.option("-T", "durations", is_flag=True, help="Show each call's duration.")
@click.option("-t", "timestamps", count=True, help="-t time of day, -tt with µs, -ttt epoch seconds.")
@click.option("-r", "relative", is_flag=True, help="Time relative to the previous call.")
@click.option("-s", "string_size", type=int, help="Bytes of each buffer to print [default: the recording's].")
@click.option("-x", "xflag", count=True, help="Non-ASCII bytes in hex (-xx: every byte).")
@click.option("--format", "fmt", default="text", help="text, json, jsonl or csv.")
@click.option("-o", "--output", "out", help="Write here instead of stderr (text) / stdout.")
@click.option("--style", default="guide", help="guide (default): 'close(3) = 0', errors as '= -ENAME', "
              "a non-blocking connect's outcome; strace: exactly strace's text.")
@click.option("--debug-dir", "debug_dirs", multiple=True, help="With a --source trace: symbolize again, finding "
              "binaries and debug files here (by build-id, .build-id/xx/rest.debug, or by name); repeatable.")
@_fails_cleanly
def replay(traces: tuple[str, ...], expr: str | None, durations: bool, timestamps: int, relative: bool,
           string_size: int | None, xflag: int, fmt: str, out: str | None, style: str,
           debug_dirs: tuple[str, ...]) -> None:
    """Print a recorded trace exactly as the live run printed it."""
    from types import SimpleNamespace

    from renacer.schema.trace import TraceFormatError

    syscalls = None
    if expr is not None:
        from renacer.capture.filter_expr import FilterError, parse_trace_expr

        try:
            syscalls = parse_trace_expr(expr.split("=", 1)[1] if expr.startswith("trace=") else expr).numbers
        except FilterError as e:
            raise InputError(str(e)) from None
    if style not in ("guide", "strace"):
        raise InputError(f"unknown --style {style!r} for replay; choose guide or strace")
    if fmt not in output.EVENT_FORMATS:
        raise InputError(f"unknown --format {fmt!r} for replay; choose {', '.join(output.EVENT_FORMATS[:-1])} "
                             f"or {output.EVENT_FORMATS[-1]}")
    if string_size is not None and string_size < 0:
        raise InputError(f"-s must be a non-negative number of bytes, not {string_size}")
    _check_debug_dirs(list(debug_dirs))
    paths = _checked_paths(list(traces))  # bad files get the analyzer's messages
    from renacer.analyze.render import RenderOptions, recorded_string_size, render_trace_file

    options = RenderOptions.from_cli(SimpleNamespace(
        format=fmt, strsize=string_size if string_size is not None else recorded_string_size(paths),
        durations=durations or None, timestamps=timestamps or None, relative=relative or None,
        xflag=xflag or None, style=style))
    # Live text goes to stderr (strace's habit), documents to stdout; -o writes a file instead.
    target = _open_output(out) if out else (sys.stderr if fmt == "text" else sys.stdout)
    try:
        render_trace_file(paths, target, options, syscalls, debug_dirs=list(debug_dirs) or None)
    except TraceFormatError as e:
        raise InputError(str(e)) from None
    finally:
        if out:
            target.close()


# --- diff (issue 11) --------------------------------------------------------------------------------
# The comparison is SQL (queries/diff_*.sql); statistics, gates and the report are
# renacer.analyze.diff, imported when the command runs.


@app.command()
@argument("base", metavar="BASE", help="The runs before: a trace, a quoted glob ('base/*.parquet') or a folder.")
@argument("head", metavar="HEAD", help="The runs after, the same way.")
@click.option("--fail-on", "fail_on", multiple=True, metavar="GATE",
              help="Exit 1 when this holds (repeatable; see Gates above and the README).")
@click.option("--min-effect", type=click.FloatRange(min=0), default=5.0,
              help="Smallest relative timing change (%) reported as significant.")
@click.option("--alpha", type=click.FloatRange(min=0, max=1), default=0.05,
              help="Significance level of the test across runs (needs >=3 runs a side).")
@format_option
@_fails_cleanly
def diff(base: str, head: str, fail_on: tuple[str, ...], min_effect: float, alpha: float, fmt: str) -> None:
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

    gates = diffing.parse_gates(list(fail_on))  # a malformed gate fails before any trace is read
    report = diffing.compare([base], [head], gates, alpha=alpha, min_effect=min_effect)
    diffing.render(report, fmt)
    if report.failed_gates:
        sys.stdout.flush()
        for g in report.failed_gates:
            sys.stderr.write(f"gate failed: {g.gate.text}: {g.detail}\n")
        raise click.exceptions.Exit(EXIT_GATE_FAILED)


app.add_command(_canned_command("timeline", CANNED["timeline"]))


# --- hist and report (issue 15) -------------------------------------------------------------------


@app.command()
@traces_argument
@click.option("--syscall", "--name", "syscall", help="Only this syscall.")
@click.option("--by", type=click.Choice(("syscall", "target", "source")), default="syscall",
              help="One histogram per syscall, per peer address of socket calls (target), or per source "
              "line (source).")
@click.option("--linear", type=click.IntRange(min=1), metavar="STEP",
              help="Linear buckets STEP units wide instead of log2.")
@click.option("--unit", type=click.Choice(("ns", "us", "ms", "s")), default="us",
              help="Unit durations are counted in.")
@click.option("--format", "fmt", type=click.Choice(("text", "table", "json", "csv"), case_sensitive=False),
              default="text", help="text bars, or the buckets as json/csv.")
@_fails_cleanly
def hist(traces: tuple[str, ...], syscall: str | None, by: str, linear: int | None, unit: str, fmt: str) -> None:
    """Latency histograms (log2 or linear) of call durations, bpftrace-style."""
    import shutil

    from renacer.analyze import hist as histo

    if syscall is not None:
        from renacer.schema.syscalls_x86_64 import SYSCALLS

        if syscall not in SYSCALLS.values():
            raise InputError(f"unknown syscall {syscall!r}")
    engine = _engine().load(list(traces))
    try:
        show = output.interactive(fmt) and _long(engine)
        with output.progress(f"hist: {len(engine.traces)} trace(s)", show) as on_progress:
            params: dict[str, Any] = {"name": syscall, "unit_ns": histo.UNITS[unit][0], "step": linear}
            if by == "target":  # its own query: the socket views cost a plain histogram nothing
                result = engine.run("hist_target", params, on_progress=on_progress)
            else:
                result = engine.run("hist", {**params, "by": by}, on_progress=on_progress)
    finally:
        engine.close()
    hists = histo.from_rows(result.columns, result.rows, linear)
    if not hists and by == "source":
        raise InputError("no call in these traces has a source location (record with --source)")
    if fmt in ("json", "csv"):
        columns, rows = histo.records(hists, unit)
        output.render(columns, rows, fmt)
        return
    if not hists:
        sys.stderr.write("(no completed calls" + (f" of {syscall}" if syscall else "") + ")\n")
        return
    width = shutil.get_terminal_size((80, 24)).columns if sys.stdout.isatty() else 80
    sys.stdout.write(histo.text(hists, unit, linear, width))


@app.command()
@argument("sides", nargs=-1, required=True, metavar="TRACE", help="One side (a trace, a folder or a quoted "
          "glob), or two sides to put side by side (base, head).")
@click.option("-o", "--output", "out", required=True,
              help="The HTML file to write (replaced whole if it exists; mode 0600).")
@_fails_cleanly
def report(sides: tuple[str, ...], out: str) -> None:
    """One self-contained HTML page: summary, latency histograms, connection timeline, refused
    targets, DNS, errors; two sides side by side."""
    if len(sides) > 2:
        raise InputError(f"report takes one side or two (base and head), not {len(sides)}: "
                             "quote a glob ('runs/*.parquet') or give a folder to make one side of many traces")
    try:
        from renacer.analyze import report as rep
    except ImportError as e:  # jinja2/matplotlib: an optional extra, not this distribution's code
        raise InputError(f"report needs the 'report' extra ({e.name} is missing): "
                             "pip install 'renacer[report]'") from None
    rep.write_report(list(sides), Path(out), progress=output.interactive())
    sys.stdout.write(f"Wrote {out}\n")


# --- symbolize (issue 13) ---------------------------------------------------------------------------


@app.command()
@argument("trace", metavar="TRACE", help="A trace recorded with --source.")
@click.option("--debug-dir", "debug_dirs", multiple=True, help="Where the binaries or their debug files are (by "
              "build-id, .build-id/xx/rest.debug, or by name); repeatable. /usr/lib/debug is always searched.")
@click.option("-o", "--output", "out", required=True,
              help="The new trace to write (every analyzer command then shows its locations).")
@click.option("--source-skip", "skip", help="Also skip frames whose object, function or file matches this regex.")
@_fails_cleanly
def symbolize(trace: str, debug_dirs: tuple[str, ...], out: str, skip: str | None) -> None:
    """Fill the source locations of a --source trace again, from binaries on this machine."""
    from renacer.analyze.symbolize import symbolize_file
    from renacer.files import UnsafeOutput
    from renacer.schema.trace import TraceFormatError

    if skip is not None:
        try:
            re.compile(skip)
        except re.error as e:
            raise InputError(f"--source-skip {skip!r} is not a regular expression: {e}") from None
    _check_debug_dirs(list(debug_dirs))
    paths = _checked_paths([trace])
    if len(paths) != 1:
        raise InputError("symbolize takes one trace file")
    try:
        rows, located = symbolize_file(paths[0], out, list(debug_dirs), skip)
    except (TraceFormatError, UnsafeOutput) as e:
        raise InputError(str(e)) from None
    sys.stdout.write(f"{located} of {rows} calls located; wrote {out}\n")


def main() -> None:
    app(prog_name="renacer-analyze")


if __name__ == "__main__":
    main()
