"""Parquet replay: a trace file fed through the same renderer as the live run, row group by row
group, so ``renacer-analyze replay`` prints what the live run printed, in bounded memory.

pyarrow is imported only here (to read a trace file); the renderers read column lists.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterator, TextIO

from renacer.analyze.render.formats import make_renderer
from renacer.analyze.render.options import RenderOptions
from renacer.analyze.render.timeline import Renderer
from renacer.schema.trace import TraceFormatError, read_metadata

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

_REQUIRED = ("seq", "exit_seq", "ts_ns", "pid", "tid", "kind", "name")


def _open_trace(path: str) -> tuple[pq.ParquetFile, dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except FileNotFoundError:
        raise TraceFormatError(f"{path}: no such file") from None
    except (pa.ArrowException, OSError) as exc:
        raise TraceFormatError(
            f"{path} is not a readable Parquet trace (truncated or not Parquet: {exc}); a recording "
            "that was cut short can be recovered from its .journal"
        ) from None
    meta = read_metadata(pf.metadata.metadata, path)
    missing = [c for c in _REQUIRED if c not in pf.schema_arrow.names]
    if missing:
        raise TraceFormatError(f"{path} lacks the trace column(s) {', '.join(missing)}")
    return pf, meta


def _seq_bounds(pf: pq.ParquetFile) -> list[tuple[int, int]]:
    """(smallest, largest) ``seq`` of each row group, from the footer statistics when present."""
    import pyarrow.compute as pc

    seq_index = pf.schema_arrow.names.index("seq")
    bounds: list[tuple[int, int]] = []
    for i in range(pf.metadata.num_row_groups):
        stats = pf.metadata.row_group(i).column(seq_index).statistics
        if stats is not None and stats.has_min_max:
            bounds.append((int(stats.min), int(stats.max)))
        else:
            column = pf.read_row_group(i, columns=["seq"]).column(0)
            bounds.append((int(pc.min(column).as_py() or 0), int(pc.max(column).as_py() or 0)))
    return bounds


_EXIT_COLUMNS = ("exit_seq", "dur_ns", "ret", "errno")
# Columns no renderer or decoder reads (derived from the arguments for the analyzer's SQL);
# callchain only with --debug-dir, to symbolize again.
_NOT_RENDERED = frozenset({"fd", "family", "addr", "port", "callchain"})
# What the timeline and the -c summary read (no decoding: -c prints no call): the payloads of a
# trace recorded with -s 1M are not even read.
_SUMMARY_COLUMNS = ("seq", "exit_seq", "ts_ns", "dur_ns", "pid", "tid", "kind", "nr", "name", "a0", "ret", "errno")


def _as_entries(table: pa.Table) -> pa.Table:
    """Rows as the calls in progress they were at their entry: what a live run's pending
    snapshot holds (no exit, no return value)."""
    import pyarrow as pa

    for name in _EXIT_COLUMNS:
        if name in table.column_names:
            i = table.column_names.index(name)
            table = table.set_column(i, name, pa.nulls(table.num_rows, table.schema.field(name).type))
    return table


def _row_groups(pf: pq.ParquetFile, path: str, debug_dirs: list[str] | None = None, summary_only: bool = False
                ) -> Iterator[tuple[pa.Table, pa.Table | None]]:
    """Each row group with the calls in progress at its end that are stored later.

    Rows are stored in exit order, so a call entered early and returned late (a thread blocked in
    read while others run) sits in a later group. Live, the renderer learnt of it from the
    recorder's pending snapshots; here the same entries come from the later groups (found from
    the seq statistics, so a trace without such calls reads nothing twice)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from renacer.schema.trace import trace_schema

    # Only what the renderers read: not the analytics columns derived from the arguments.
    columns = [f.name for f in trace_schema()
               if f.name not in _NOT_RENDERED and f.name in pf.schema_arrow.names]
    columns += ["callchain"] if debug_dirs else []
    if summary_only:
        columns = [c for c in columns if c in _SUMMARY_COLUMNS]

    def read(i: int, only: list[str] | None = None) -> pa.Table:
        try:
            return pf.read_row_group(i, columns=only or columns)
        except (pa.ArrowException, OSError) as exc:
            raise TraceFormatError(f"{path}: row group {i} is unreadable ({exc})") from None

    bounds = _seq_bounds(pf)
    reach = []  # reach[i]: the largest seq of groups 0..i
    top = -1
    for _, high in bounds:
        top = max(top, high)
        reach.append(top)
    early: dict[int, pa.Table] = {}  # group -> its rows entered before the groups ahead of it ended
    for j in range(1, len(bounds)):
        if bounds[j][0] < reach[j - 1]:
            # Which rows, from the seq column alone; then only those rows are kept.
            seqs = read(j, ["seq"]).column(0)
            mask = pc.less(seqs, reach[j - 1])
            if pc.any(mask).as_py():
                early[j] = _as_entries(read(j).filter(mask))
    for i in range(len(bounds)):
        later = [t.filter(pc.less_equal(t.column("seq"), reach[i])) for j, t in early.items() if j > i]
        later = [t for t in later if t.num_rows]
        early.pop(i, None)  # its early rows were fed with the groups before it
        yield read(i), (pa.concat_tables(later) if later else None)


def recorded_string_size(paths: list[str]) -> int | None:
    """The -s a trace was recorded with (replay prints what the live run printed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for path in paths:
        try:
            size = read_metadata(pq.read_metadata(path).metadata, path).get("string_size")
            if size is not None:
                return int(size)
        except (pa.ArrowException, OSError, TypeError, ValueError, TraceFormatError):
            continue
    return None


def _labels(paths: list[str]) -> list[str | None]:
    """Several files: each named as the analyzer's ``trace`` column names it (the path relative to
    the folder all share: ``analyze.inputs.labels``, not imported here, as it loads DuckDB); one
    file: no name."""
    if len(paths) < 2:
        return [None] * len(paths)
    common = os.path.commonpath([os.path.dirname(p) for p in paths])
    return [os.path.relpath(p, common) for p in paths]


def render_trace_file(paths: list[str], out: TextIO, options: RenderOptions,
                      syscalls: frozenset[int] | None = None, debug_dirs: list[str] | None = None) -> None:
    """Replay trace files through the renderer, one row group at a time.

    ``syscalls`` (numbers, from a -e expression) shows only those calls. Every format streams:
    memory holds a row group, the calls in progress and the ``-c``/JSON summary, never the
    whole trace. Raises TraceFormatError for
    a file that is not a renacer trace, is truncated, or has a newer schema version. Several
    files render one after the other (one JSON document for all).
    """
    if syscalls is not None:
        options = options._replace(syscalls=frozenset(syscalls))
    opened = [_open_trace(p) for p in paths]  # check every file before printing anything
    from renacer.analyze.symbolize import annotate_table, resymbolizer

    def _resymbolized(table: pa.Table, meta: dict[str, Any]) -> pa.Table:
        # replay --debug-dir: a --source trace's locations found again from binaries here
        sym = resymbolizer(meta, debug_dirs) if debug_dirs else None
        return annotate_table(sym, table) if sym is not None else table

    renderer: Renderer | None = None
    for (pf, meta), path, name in zip(opened, paths, _labels(paths)):
        if renderer is None:
            renderer = make_renderer(out, options, meta)
        else:
            renderer.begin(meta)
        renderer.trace_label = name
        summary_only = options.summary and options.format == "text" and not debug_dirs
        for table, in_progress in _row_groups(pf, path, debug_dirs, summary_only):
            renderer.feed(_resymbolized(table, meta), in_progress)
            del table, in_progress  # the renderer keeps only what is still undecided
        renderer.end_trace()
    if renderer is not None:
        renderer.finish()
