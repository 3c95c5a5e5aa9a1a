"""A row dict of the trace schema built by hand, for decoder and renderer tests that need one call
with exact arguments (the traces of tests/analyze/tracebuilder.py go through the recorder)."""
from __future__ import annotations

from typing import Any

from renacer.schema import constants as C
from renacer.schema.trace import TRACE_SCHEMA

U64 = (1 << 64) - 1


def make_row(name: str, *args: int, ret: int | None = 0, err: str | None = None, **columns: Any) -> dict[str, Any]:
    """A returned syscall row with every schema column: ``make_row("close", 3)``. Negative
    arguments are stored as the 64-bit registers hold them; ``err="ENOENT"`` makes it fail."""
    row: dict[str, Any] = dict.fromkeys(f.name for f in TRACE_SCHEMA)
    row.update(seq=0, exit_seq=1, ts_ns=0, dur_ns=1000, pid=1, tid=1, kind="syscall", nr=0, name=name)
    for i in range(6):
        row[f"a{i}"] = (args[i] & U64) if i < len(args) else 0
    if err is not None:
        ret = -C.ERRNO[err]
        row["errno"] = err
    row["ret"] = ret
    row.update(columns)
    return row
