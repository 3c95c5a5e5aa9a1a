"""Where recorded batches go once Arrow is loaded: the Parquet trace file and live consumers.

The crash journal is not written here but by ``capture/journal.py``, from the raw C batches,
before this module (and pyarrow) is even imported: see ``session.RecordingOutputs``.
"""
from __future__ import annotations

import json
import os
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from renacer.capture.batches import RawBatch, to_record_batch
from renacer.capture.consumer import Consumer
from renacer.schema.trace import METADATA_KEY, TRACE_SCHEMA, VERSION_KEY

ROW_GROUP_ROWS = 128 * 1024
# A row group is also written once the rows held reach this many bytes: with large payloads
# (-s 1M) 128K rows would otherwise hold gigabytes.
ROW_GROUP_BYTES = 64 << 20

# Columns whose values grow steadily: delta encoding stores them in a few bits a row.
_DELTA_COLUMNS = ("seq", "exit_seq", "ts_ns")


def parquet_writer(where: str | BinaryIO) -> pq.ParquetWriter:
    plain = [f.name for f in TRACE_SCHEMA if f.name not in _DELTA_COLUMNS]
    return pq.ParquetWriter(
        where,
        TRACE_SCHEMA,
        compression="zstd",
        use_dictionary=plain,
        column_encoding={name: "DELTA_BINARY_PACKED" for name in _DELTA_COLUMNS},
        write_statistics=True,
    )


def footer_metadata(meta: dict[str, Any]) -> dict[str, str]:
    """The Parquet key-value metadata of a trace: the JSON document and its schema version."""
    return {METADATA_KEY.decode(): json.dumps(meta, sort_keys=True), VERSION_KEY.decode(): str(meta["schema_version"])}


def write_whole_trace(table: pa.Table | None, meta: dict[str, Any], target: str, what: str) -> None:
    """A complete trace file at once (recover, symbolize): written beside ``target`` and renamed
    over it when complete, so a failure leaves what was there (renacer/files.py's rules)."""
    from renacer import files

    fd, tmp = files.temp_beside(target, ".part", what)
    try:
        with os.fdopen(fd, "wb") as sink:
            writer = parquet_writer(sink)
            if table is not None and table.num_rows:
                writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
            writer.add_key_value_metadata(footer_metadata(meta))
            writer.close()
    except BaseException:
        os.unlink(tmp)
        raise
    files.replace_with(tmp, target, what)


class TraceWriter:
    """Streams batches into row groups of ~128K rows (or ~64 MB), into a file the session
    created; memory holds at most one row group."""

    def __init__(self, fd: int, path: str) -> None:
        self.path = path
        self._file = os.fdopen(fd, "wb", closefd=True)
        self._writer = parquet_writer(self._file)
        self._held: list[pa.RecordBatch] = []
        self._held_rows = 0
        self._held_bytes = 0

    def write(self, batch: pa.RecordBatch | None) -> None:
        if batch is None:
            return
        self._held.append(batch)
        self._held_rows += batch.num_rows
        self._held_bytes += batch.nbytes
        if self._held_rows >= ROW_GROUP_ROWS or self._held_bytes >= ROW_GROUP_BYTES:
            self._write_row_groups(final=self._held_rows < ROW_GROUP_ROWS)

    def _write_row_groups(self, final: bool) -> None:
        table = pa.Table.from_batches(self._held, schema=TRACE_SCHEMA)
        whole = (table.num_rows // ROW_GROUP_ROWS) * ROW_GROUP_ROWS
        cut = table.num_rows if final else whole
        if cut:
            self._writer.write_table(table.slice(0, cut), row_group_size=ROW_GROUP_ROWS)
        rest = table.slice(cut)
        self._held = rest.to_batches()
        self._held_rows = rest.num_rows
        self._held_bytes = rest.nbytes

    def abort(self) -> None:
        """Stop writing (the file keeps no footer; the journal has the events)."""
        self._held = []
        try:
            self._file.close()
        except OSError:
            pass

    def close(self, metadata: dict[str, Any]) -> None:
        try:
            if self._held_rows:
                self._write_row_groups(final=True)
            self._writer.add_key_value_metadata(footer_metadata(metadata))
            self._writer.close()
        finally:
            self._file.close()


class ArrowFanout:
    """Adapts raw C batches to Arrow once, then hands them to the trace file and live consumers.

    A live consumer that fails (a closed pipe, a full disk behind ``-o``) is dropped, and the
    reason kept in ``live_stopped``: the recording goes on, complete.
    """

    def __init__(self, trace: TraceWriter | None, live: list[Consumer]) -> None:
        self.trace = trace
        self.live = live
        self.wants_pending = any(c.wants_pending for c in live)
        self.live_stopped: str | None = None
        self.trace_error: BaseException | None = None
        self.symbolizer: Any = None  # --source: fills src_file/src_line/src_func at record time

    def write(self, raw: RawBatch | None, raw_pending: RawBatch | None) -> None:
        batch = to_record_batch(raw) if raw is not None else None
        pending = to_record_batch(raw_pending) if raw_pending is not None and self.wants_pending else None
        if self.symbolizer is not None:
            batch = self.symbolizer.annotate(batch) if batch is not None else None
            pending = self.symbolizer.annotate(pending) if pending is not None else None
        if self.trace is not None:
            try:
                self.trace.write(batch)
            except Exception as exc:  # disk full: stop the file, keep the live side and journal
                self.trace_error = exc
                self.trace.abort()
                self.trace = None
        for consumer in list(self.live):
            try:
                consumer.write(batch, pending)
            except OSError as exc:
                self._drop(consumer, exc)

    def _drop(self, consumer: Consumer, exc: OSError) -> None:
        self.live.remove(consumer)
        self.wants_pending = any(c.wants_pending for c in self.live)
        if self.live_stopped is None:
            self.live_stopped = exc.strerror or str(exc)

    def close_live(self, metadata: dict[str, Any]) -> None:
        for consumer in list(self.live):
            try:
                consumer.close(metadata)
            except OSError as exc:
                self._drop(consumer, exc)
