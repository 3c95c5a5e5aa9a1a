"""Finding and checking the traces a command names, before any query runs.

Files, globs (``**`` recursive), folders (every ``.parquet`` under them, hive partitions such as
``host=a/run=cold`` read from the path) and ``s3://`` locations (downloaded into the local cache
by renacer/storage.py) become absolute paths; each file is checked to be a complete renacer
Parquet trace and its footer read (metadata, row counts) without scanning a row, so a bad input
is reported by name instead of as a DuckDB error halfway through a query.
"""
from __future__ import annotations

import glob
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from renacer import storage
from renacer.analyze.errors import InputError, first_line

PARQUET_MAGIC = b"PAR1"


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


_GLOB_CHARS = re.compile(r"[*?\[]")
_HIVE_RE = re.compile(r"^([^=]+)=(.*)$")


def journal_for(path: str) -> str | None:
    """The recovery journal the recorder leaves next to a trace it could not finish."""
    from renacer.capture.journal import journal_for as journal_path

    candidate = journal_path(path)
    return candidate if os.path.lexists(candidate) else None


def truncated(path: str) -> InputError:
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
            raise truncated(spec)
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
            raise truncated(path)
        raise InputError(f"{path} is not a Parquet file, so not a renacer trace")
    if tail != PARQUET_MAGIC or size < 12:
        raise truncated(path)
    return size


def labels(paths: list[str]) -> list[str]:
    """Short, unique names: each path relative to the folder all of them share."""
    if len(paths) == 1:
        return [os.path.basename(paths[0])]
    common = os.path.commonpath([os.path.dirname(p) for p in paths])
    return [os.path.relpath(p, common) for p in paths]


def partitions(path: str) -> dict[str, str]:
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
                raise InputError(f"{p} is not a readable Parquet file: {first_line(e)}") from None
        raise
    kv: dict[str, dict[bytes, bytes]] = {p: {} for p in paths}
    for name, key, value in kv_rows:
        kv.setdefault(name, {})[bytes(key)] = bytes(value)
    counts = {name: (rows, groups) for name, rows, groups in file_rows}
    names = labels(paths)
    out = []
    for p, label, size in zip(paths, names, sizes):
        try:
            meta = read_metadata(kv.get(p), source=p)
        except TraceFormatError as e:
            raise InputError(str(e)) from None
        except (ValueError, TypeError):
            raise InputError(f"{p} has unreadable renacer metadata ({METADATA_KEY.decode()})") from None
        rows, groups = counts.get(p, (0, 0))
        out.append(TraceInput(p, label, partitions(p), meta, int(rows), int(groups), size))
    return out


def common_prefix_len(paths: Sequence[str]) -> int:
    """Length of the folder all ``paths`` share plus its slash: ``trace`` labels are the rest."""
    prefix = os.path.commonpath([os.path.dirname(p) for p in paths]) if len(paths) > 1 else os.path.dirname(paths[0])
    return len(prefix.rstrip(os.sep)) + 1


def checked_paths(specs: Sequence[str]) -> list[str]:
    """The trace files ``specs`` name, each checked as ``inspect_inputs`` does (for commands that
    read the files themselves: replay, symbolize), so a bad one gets the analyzer's message."""
    paths = expand_inputs(specs)
    con = duckdb.connect()
    try:
        inspect_inputs(con, paths)
    finally:
        con.close()
    return paths
