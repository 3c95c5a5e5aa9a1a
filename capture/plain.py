"""Fallback live output: one undecoded line per call (name, hex arguments, return value).

Used only when the decoding renderer (renacer.analyze.render) is not importable.
"""
from __future__ import annotations

from typing import Any, TextIO

import pyarrow as pa


class PlainText:
    wants_pending = False

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, batch: pa.RecordBatch | None, pending: Any, next_seq: int) -> None:
        if batch is None:
            return
        cols = batch.to_pydict()
        lines = []
        for i in range(batch.num_rows):
            kind = cols["kind"][i]
            if kind == "syscall":
                args = ", ".join(hex(cols[f"a{k}"][i]) for k in range(6))
                ret = cols["ret"][i]
                shown = "?" if ret is None else (f"-1 {cols['errno'][i]}" if cols["errno"][i] else str(ret))
                lines.append(f"[pid {cols['tid'][i]}] {cols['name'][i]}({args}) = {shown}\n")
            elif kind == "exit":
                lines.append(f"[pid {cols['tid'][i]}] +++ exited with {cols['ret'][i]} +++\n")
            else:
                lines.append(f"[pid {cols['tid'][i]}] --- {kind} {cols['name'][i]} ---\n")
        self.out.write("".join(lines))
        self.out.flush()

    def close(self, metadata: dict) -> None:
        self.out.flush()
