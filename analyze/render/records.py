"""The record renderers: JSON (one document), JSON lines and CSV, one record per call.

A call is written once it has returned, in entry order (the timeline's). Memory stays bounded:
only the JSON document, which ends with the process events and the per-syscall summary, keeps
them (the summary incrementally, ``analyze/summary.py``); JSON lines and CSV keep nothing.
"""
from __future__ import annotations

import csv
import json
from typing import Any

from renacer.analyze.decode import Decoded, decode_fast, error_parts
from renacer.analyze.decode.common import signal as signal_text
from renacer.analyze.decode.fdtable import LEARNS
from renacer.analyze.decode.signals import signal_line
from renacer.analyze.render.columns import Rows, RowView
from renacer.analyze.render.timeline import ENTRY, LINE, POINT, Renderer
from renacer.analyze.summary import Summary
from renacer.analyze.source_ref import source_text
from renacer.schema.trace import split_mem

_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps minus its per-call setup

CSV_FIELDS = ["seq", "timestamp", "pid", "tid", "name", "args", "return_value", "return_error",
              "duration_ns", "source"]


class RecordRenderer(Renderer):
    """One record per call, in entry order; a call is written once it has returned."""

    def _drain(self, final: bool) -> None:
        events = self._events
        i = 0
        for i, (pos, kind, obj, cols) in enumerate(events):
            if kind == LINE:
                self._write_call(self._record(RowView(cols, obj), True))
            elif kind == ENTRY:
                if not obj.done and not final:
                    break
                self._calls.pop(pos, None)
                self._write_call(self._record(obj.row, obj.done))
            elif kind == POINT and cols["kind"][obj] != "spawned":  # lifecycle only: no record
                self._write_other(self._point_record(RowView(cols, obj)))
        else:
            i = len(events)
        del events[:i]

    def _record(self, row: RowView, done: bool) -> dict[str, Any]:
        cols, i = row._cols, row._i
        result = decode_fast(row, self.dopts)
        if done and row["name"] in LEARNS:
            self.dopts.sockets.learn(row)  # which fds are netlink sockets, as the text renderer
        args = result.args if isinstance(result, Decoded) else result
        value, error = None, None
        if done and cols["exit_seq"][i] is not None:
            value = cols["ret"][i]
            parts = error_parts(row)  # None unless failed(value)
            if parts is not None:
                value, error = -1, parts[1]
        src = cols["src_file"][i]
        return {
            "seq": cols["seq"][i],
            "name": cols["name"][i],
            "args": args,
            "return": {"value": value, "error": error},
            "pid": cols["pid"][i],
            "tid": cols["tid"][i],
            "timestamp": round((self.start_wall_ns + cols["ts_ns"][i]) / 1e9, 6),
            "duration_ns": cols["dur_ns"][i],
            "source": None if src is None else {"file": src, "line": cols["src_line"][i],
                                                "function": cols["src_func"][i]},
        }

    def _point_record(self, row: RowView) -> dict[str, Any]:
        kind = row["kind"]
        record: dict[str, Any] = {
            "seq": row["seq"], "kind": kind, "pid": row["pid"], "tid": row["tid"],
            "timestamp": round(self._wall(row["ts_ns"]), 6),
        }
        if kind == "exit":
            record["exit_code"] = row["ret"]
        elif kind == "signal":
            parts = split_mem(row["mem"])
            record["signal"] = signal_text(row["nr"])
            record["text"] = signal_line(row["name"], row["nr"], parts[0] if parts else None)
        else:
            record["signal"] = signal_text(row["nr"])
            if kind == "killed":
                record["core_dumped"] = bool(row["ret"])
        return record

    def _write_call(self, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def _write_other(self, record: dict[str, Any]) -> None:
        """A process event (exit, signal, kill): only the JSON document has a place for them."""


class JsonRenderer(RecordRenderer):
    """``{"syscalls": [...], "events": [...], "summary": {...}}``: one document, the calls
    streamed as they are decided, the process events and the summary at the end."""

    def begin(self, metadata: dict[str, Any]) -> None:
        super().begin(metadata)
        if not hasattr(self, "_summary"):  # one document for all the traces rendered
            self._summary = Summary()
            self._other: list[dict[str, Any]] = []
            self._started = False

    def _on_rows(self, rows: Rows) -> None:
        self._summary.add(rows)

    def _write_other(self, record: dict[str, Any]) -> None:
        self._other.append(record)

    def summary(self) -> dict[str, Any]:
        """Totals and the rows of queries/summary.sql (the analyzer's one definition of a
        percentile), computed in plain Python by analyze/summary.py."""
        from renacer.analyze.output import jsonable

        return {
            "calls": self._summary.calls,
            "errors": self._summary.errors,
            "by_syscall": jsonable(self._summary.rows()),
        }

    def _write_call(self, record: dict[str, Any]) -> None:
        self.out.write(('{"syscalls": [\n' if not self._started else ",\n") + _to_json(record))
        self._started = True

    def _close(self) -> None:
        head = "\n]" if self._started else '{"syscalls": []'
        events = json.dumps(self._other, ensure_ascii=False)
        summary = json.dumps(self.summary(), ensure_ascii=False)
        self.out.write(f'{head},\n"events": {events},\n"summary": {summary}}}\n')
        self.out.flush()


class JsonlRenderer(RecordRenderer):
    """One JSON object per call and line."""

    def _write_call(self, record: dict[str, Any]) -> None:
        self.out.write(_to_json(record) + "\n")

    def _close(self) -> None:
        self.out.flush()


class CsvRenderer(RecordRenderer):
    """A header, then one line per call; ``args`` joined as strace shows them."""

    def begin(self, metadata: dict[str, Any]) -> None:
        super().begin(metadata)
        if not hasattr(self, "_writer"):
            self._writer = csv.writer(self.out, lineterminator="\n")
            self._writer.writerow(CSV_FIELDS)

    def _write_call(self, record: dict[str, Any]) -> None:
        src = record["source"]
        value = record["return"]["value"]
        self._writer.writerow([
            record["seq"], "%.6f" % record["timestamp"], record["pid"], record["tid"], record["name"],
            ", ".join(record["args"]), "" if value is None else value, record["return"]["error"] or "",
            "" if record["duration_ns"] is None else record["duration_ns"],
            source_text(src["file"], src["line"], src["function"])[1:-1] if src else "",
        ])

    def _close(self) -> None:
        self.out.flush()
