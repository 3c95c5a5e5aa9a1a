"""The analyzer tests' trace builder derives every column with the recorder's own code."""
from __future__ import annotations

import inspect
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.analyze import scenarios
from tests.analyze.tracebuilder import TraceBuilder
from tests.conftest import run_renacer

# The columns a recording derives from its raw record (everything but seq/time/ids).
DERIVED = ("name", "ret", "errno", "fd", "size", "family", "addr", "port", "path", "data", "sockaddr", "mem")


def test_close_of_minus_one_has_fd_minus_one_as_recorded(tmp_path: Path) -> None:
    b = TraceBuilder()
    row = b.close(-1, err="EBADF")
    saved = pq.read_table(b.save(tmp_path / "t.parquet")).to_pylist()[0]
    assert row["fd"] == saved["fd"] == -1
    assert row["errno"] == saved["errno"] == "EBADF"


def test_an_unfinished_read_keeps_the_requested_size_and_no_return_value(tmp_path: Path) -> None:
    b = TraceBuilder()
    row = b.call("read", (3, 0x5000, 16), 16, unfinished=True)
    saved = pq.read_table(b.save(tmp_path / "t.parquet")).to_pylist()[0]
    for r in (row, saved):
        assert (r["size"], r["fd"], r["ret"], r["dur_ns"], r["exit_seq"]) == (16, 3, None, None, None)


def test_exit_rows_are_named_as_the_recorder_names_them(tmp_path: Path) -> None:
    b = TraceBuilder()
    b.exit(3)
    b.killed("SIGSEGV", pid=1001, core=True)
    rows = pq.read_table(b.save(tmp_path / "t.parquet")).to_pylist()
    assert [(r["kind"], r["name"], r["ret"]) for r in rows] == [
        ("syscall", "exit_group", None), ("exit", None, 3), ("killed", "SIGSEGV", 1)]


@pytest.mark.parametrize("name", [n for n, f in inspect.getmembers(scenarios, inspect.isfunction)
                                  if f.__module__ == scenarios.__name__ and not n.startswith("_")
                                  and all(p.default is not p.empty for p in inspect.signature(f).parameters.values())])
def test_returned_rows_equal_the_saved_trace(name: str, tmp_path: Path) -> None:
    """The live path's reader (capture/rows.py) and the file writer (capture/batches.py) agree on
    every scenario the analyzer tests use."""
    built = getattr(scenarios, name)()
    b = built[0] if isinstance(built, tuple) else built
    if not isinstance(b, TraceBuilder):
        pytest.skip(f"{name} does not build a trace")
    saved = pq.read_table(b.save(tmp_path / "t.parquet")).to_pylist()
    assert saved == b.rows


def test_a_built_row_equals_the_recorded_row_of_the_same_call(tmp_path: Path) -> None:
    """close(-1) recorded from a real process and built by hand: the same derived columns."""
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "-e", "trace=close", "-w", str(trace), "--", sys.executable, "-c",
                       "import os\ntry:\n    os.close(-1)\nexcept OSError:\n    pass"])
    assert res.returncode == 0, res.stderr
    # the kernel sees the int in the low half of the register (a0 0xffffffff); the builder's a0
    # is -1 in 64 bits: both are fd -1
    recorded = [r for r in pq.read_table(trace).to_pylist() if r["name"] == "close" and r["errno"] == "EBADF"]
    assert len(recorded) == 1
    built = TraceBuilder().close(-1, err="EBADF")
    assert {k: built[k] for k in DERIVED} == {k: recorded[0][k] for k in DERIVED}
