"""Recover a trace whose recorder was killed, from the Arrow IPC journal written beside it."""
from __future__ import annotations

import json
import os

import pyarrow as pa

from renacer.capture.sinks import JOURNAL_SUFFIX, ROW_GROUP_ROWS, create_private, parquet_writer
from renacer.schema.trace import METADATA_KEY, TRACE_SCHEMA, VERSION_KEY, TraceFormatError, read_metadata


def journal_for(trace_path: str) -> str:
    return trace_path if trace_path.endswith(JOURNAL_SUFFIX) else trace_path + JOURNAL_SUFFIX


def read_journal(journal_path: str) -> tuple[dict, list[pa.RecordBatch], bool]:
    """Every complete batch of the journal; the bool says whether its end was cut off."""
    batches: list[pa.RecordBatch] = []
    try:
        reader = pa.ipc.open_stream(pa.OSFile(journal_path, "rb"))
    except (pa.ArrowInvalid, OSError) as exc:
        raise TraceFormatError(f"{journal_path} is not a renacer journal: {exc}") from None
    meta = read_metadata(reader.schema.metadata, journal_path)
    truncated = False
    while True:
        try:
            batches.append(reader.read_next_batch())
        except StopIteration:
            break
        except (pa.ArrowInvalid, OSError):
            truncated = True  # the recorder died while appending this batch
            break
    return meta, batches, truncated


def recover(trace_path: str, out_path: str | None = None) -> dict:
    """Write a complete Parquet trace from TRACE.journal; returns its metadata."""
    journal_path = journal_for(trace_path)
    if not os.path.exists(journal_path):
        raise TraceFormatError(f"no journal {journal_path} to recover from")
    target = out_path or journal_path[: -len(JOURNAL_SUFFIX)]
    meta, batches, truncated = read_journal(journal_path)
    rows = sum(b.num_rows for b in batches)
    meta.update(
        recovered=True,
        recovered_partial_batch=truncated,
        events_written=rows,
        exit_status=None,
    )
    tmp = target + ".recovering"
    create_private(tmp)
    writer = parquet_writer(tmp)
    table = pa.Table.from_batches(batches, schema=TRACE_SCHEMA)
    if rows:
        writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
    writer.add_key_value_metadata(
        {METADATA_KEY.decode(): json.dumps(meta, sort_keys=True), VERSION_KEY.decode(): str(meta["schema_version"])}
    )
    writer.close()
    os.replace(tmp, target)
    os.unlink(journal_path)
    return meta
