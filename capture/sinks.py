"""Where recorded batches go: a Parquet trace file (with its crash journal) and live consumers.

Crash safety: while recording, every flushed batch is also appended to ``TRACE.journal``, an
Arrow IPC *stream* (readable up to its last complete batch without any footer). A clean end
writes the Parquet footer and deletes the journal. If the recorder is killed, the Parquet file
has no footer but the journal holds everything up to the last flush (at most about one second
old); ``renacer-analyze recover TRACE`` turns it into a normal trace file.
"""
from __future__ import annotations

import json
import os
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from renacer.capture.batches import RawBatch, to_record_batch
from renacer.schema.trace import METADATA_KEY, TRACE_SCHEMA, VERSION_KEY, schema_with_metadata

ROW_GROUP_ROWS = 128 * 1024
JOURNAL_SUFFIX = ".journal"

# Columns whose values grow steadily: delta encoding stores them in a few bits a row.
_DELTA_COLUMNS = ("seq", "exit_seq", "ts_ns")


class Sink(Protocol):
    wants_pending: bool

    def write(self, batch: pa.RecordBatch | None, pending: pa.RecordBatch | None, next_seq: int) -> None: ...

    def close(self, metadata: dict[str, Any]) -> None: ...


def create_private(path: str) -> None:
    """Create (or truncate) path with mode 0600: traces can hold payload bytes."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    os.close(fd)


def parquet_writer(path: str) -> pq.ParquetWriter:
    plain = [f.name for f in TRACE_SCHEMA if f.name not in _DELTA_COLUMNS]
    return pq.ParquetWriter(
        path,
        TRACE_SCHEMA,
        compression="zstd",
        use_dictionary=plain,
        column_encoding={name: "DELTA_BINARY_PACKED" for name in _DELTA_COLUMNS},
        write_statistics=True,
    )


class ParquetSink:
    """Streams batches into row groups of ~128K rows; memory holds at most one row group."""

    wants_pending = False

    def __init__(self, path: str, start_metadata: dict[str, Any]) -> None:
        self.path = path
        self.journal_path = path + JOURNAL_SUFFIX
        create_private(path)
        create_private(self.journal_path)
        self._writer = parquet_writer(path)
        self._journal_file = pa.OSFile(self.journal_path, "wb")
        self._journal = pa.ipc.new_stream(
            self._journal_file,
            schema_with_metadata(start_metadata),
            options=pa.ipc.IpcWriteOptions(compression="lz4"),
        )
        self._held: list[pa.RecordBatch] = []
        self._held_rows = 0

    def write(self, batch: pa.RecordBatch | None, pending: pa.RecordBatch | None, next_seq: int) -> None:
        if batch is None:
            return
        self._journal.write_batch(batch)
        self._journal_file.flush()
        self._held.append(batch)
        self._held_rows += batch.num_rows
        if self._held_rows >= ROW_GROUP_ROWS:
            self._write_row_groups(final=False)

    def _write_row_groups(self, final: bool) -> None:
        table = pa.Table.from_batches(self._held, schema=TRACE_SCHEMA)
        whole = (table.num_rows // ROW_GROUP_ROWS) * ROW_GROUP_ROWS
        cut = table.num_rows if final else whole
        if cut:
            self._writer.write_table(table.slice(0, cut), row_group_size=ROW_GROUP_ROWS)
        rest = table.slice(cut)
        self._held = rest.to_batches()
        self._held_rows = rest.num_rows

    def close(self, metadata: dict[str, Any]) -> None:
        if self._held_rows:
            self._write_row_groups(final=True)
        self._writer.add_key_value_metadata(
            {METADATA_KEY.decode(): json.dumps(metadata, sort_keys=True), VERSION_KEY.decode(): str(metadata["schema_version"])}
        )
        self._writer.close()
        self._journal.close()
        self._journal_file.close()
        os.unlink(self.journal_path)


class ArrowSink:
    """Adapts raw C batches to Arrow once, then fans them out to every consumer."""

    def __init__(self, consumers: list[Any]) -> None:
        self.consumers = consumers
        self.wants_pending = any(getattr(c, "wants_pending", False) for c in consumers)

    def write(self, raw: RawBatch | None, raw_pending: RawBatch | None, next_seq: int) -> None:
        batch = to_record_batch(raw) if raw is not None else None
        pending = to_record_batch(raw_pending) if raw_pending is not None and self.wants_pending else None
        for consumer in self.consumers:
            consumer.write(batch, pending, next_seq)

    def close(self, metadata: dict[str, Any]) -> None:
        errors: list[BaseException] = []
        for consumer in self.consumers:
            try:
                consumer.close(metadata)
            except BaseException as exc:  # close every consumer; report the first failure
                errors.append(exc)
        if errors:
            raise errors[0]
