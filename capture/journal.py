"""The crash journal beside a trace being recorded, and ``recover`` from it.

While recording, every flushed batch is appended to ``TRACE.journal`` as the recorder produced
it: the raw C records and their byte arenas, zlib-compressed, in frames that each carry their
length and CRC. Writing a frame needs neither numpy nor pyarrow, so the journal exists before the
command starts and holds the events of the very first flush, however long those imports take
(they happen on another thread). A clean end writes the Parquet footer and deletes the journal.
After a kill (even SIGKILL), ``recover`` reads the frames up to the last complete one and writes
a normal trace.

The recorder holds an exclusive ``flock`` on its journal for as long as it records, so
``recover`` can tell a live recording from a dead one and refuses the former. The lock goes away
with the recorder's process, whatever kills it.

Journals written by renacer before this format (an Arrow IPC stream) are still recovered.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
import struct
import zlib
from typing import Any

from renacer import files
from renacer.schema.trace import TraceFormatError, read_metadata

JOURNAL_SUFFIX = ".journal"
MAGIC = b"RNCRJNL\x01"
_FRAME = struct.Struct("<cxxxII")  # kind, padding, payload length, crc32 of the payload
_LENGTHS = struct.Struct("<5Q")  # byte lengths of the records and the four arenas
# --source batches carry a sixth part, the callchain arena (never the stack bytes): their own
# frame kind, so that journals without it read as before.
_LENGTHS6 = struct.Struct("<6Q")
FRAME_META = b"M"
FRAME_BATCH = b"B"
FRAME_BATCH6 = b"C"
# --source: the mappings of a process image (JSON {pid, from_seq, maps}), written before the
# batches whose callchains need them, so a recovered trace still symbolizes.
FRAME_IMAGE = b"I"
# zlib's fastest level: the journal must keep up with the loop; it still shrinks a dd trace's
# records about tenfold.
_LEVEL = 1

RawBatch = tuple[bytes, ...]


def journal_for(trace_path: str) -> str:
    """The journal of a trace (``TRACE.journal``); a journal's own path is returned as is."""
    return trace_path if trace_path.endswith(JOURNAL_SUFFIX) else trace_path + JOURNAL_SUFFIX


def trace_for(journal_path: str) -> str:
    return journal_path[: -len(JOURNAL_SUFFIX)] if journal_path.endswith(JOURNAL_SUFFIX) else journal_path


class JournalWriter:
    """Appends frames to a journal it created (O_EXCL|O_NOFOLLOW, 0600) and keeps locked.

    A write that fails (disk full) stops the journal and is remembered, never raised: the
    recording goes on, and the end says how many events the journal holds.
    """

    def __init__(self, path: str, rec_size: int) -> None:
        self.path = path
        self.rec_size = rec_size
        self.fd = files.create_private(path, "journal")
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            files.remove_created(path, self.fd)
            os.close(self.fd)
            raise
        self.rows = 0  # events in complete frames on disk
        self.error: OSError | None = None
        self._started = False

    def begin(self, meta: dict[str, Any]) -> None:
        if not self._started:
            self._started = True
            self._frame(FRAME_META, json.dumps(meta, sort_keys=True).encode(), 0, MAGIC)

    def append(self, raw: RawBatch) -> None:
        six = len(raw) > 5
        lengths = (_LENGTHS6 if six else _LENGTHS).pack(*(len(part) for part in raw[:6]))
        payload = zlib.compress(lengths + b"".join(raw[:6]), _LEVEL)
        self._frame(FRAME_BATCH6 if six else FRAME_BATCH, payload, len(raw[0]) // self.rec_size)

    def append_image(self, pid: int, from_seq: int, maps: list[list[Any]]) -> None:
        doc = {"pid": pid, "from_seq": from_seq, "maps": maps}
        self._frame(FRAME_IMAGE, json.dumps(doc).encode(), 0)

    def _frame(self, kind: bytes, payload: bytes, rows: int, prefix: bytes = b"") -> None:
        if self.error is not None:
            return
        data = prefix + _FRAME.pack(kind, len(payload), zlib.crc32(payload)) + payload
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view):]
        except OSError as exc:
            self.error = exc
            return
        self.rows += rows

    def close(self, remove: bool) -> None:
        if self.fd < 0:
            return
        if remove:
            files.remove_created(self.path, self.fd)
        os.close(self.fd)  # releases the lock
        self.fd = -1


def _frames(data: bytes, source: str) -> tuple[dict[str, Any], list[tuple[bytes, bytes]], bool]:
    """The metadata and the batch payloads of a raw journal; the bool: its end was cut off."""
    pos = len(MAGIC)
    meta: dict[str, Any] | None = None
    payloads: list[tuple[bytes, bytes]] = []
    images: list[dict[str, Any]] = []
    truncated = False
    while pos < len(data):
        if pos + _FRAME.size > len(data):
            truncated = True
            break
        kind, length, crc = _FRAME.unpack_from(data, pos)
        start = pos + _FRAME.size
        payload = data[start : start + length]
        if len(payload) < length or zlib.crc32(payload) != crc or kind not in (FRAME_META, FRAME_BATCH, FRAME_BATCH6, FRAME_IMAGE):
            truncated = True  # the recorder died while appending this frame
            break
        pos = start + length
        if kind == FRAME_IMAGE:
            images.append(json.loads(payload))
        elif kind == FRAME_META:
            if meta is not None:
                raise TraceFormatError(f"{source} is not a renacer journal: two metadata frames")
            meta = read_metadata({b"renacer": payload}, source)
        else:
            payloads.append((kind, payload))
    if meta is None:
        raise TraceFormatError(f"{source} is not a renacer journal: the recorder wrote no metadata into it")
    if images:
        table = meta.setdefault("source", {}).setdefault("images", {})
        for doc in images:
            table.setdefault(str(doc["pid"]), []).append([doc["from_seq"], doc["maps"]])
    return meta, payloads, truncated


def _raw_batches(payloads: list[tuple[bytes, bytes]], source: str) -> list[RawBatch]:
    out: list[RawBatch] = []
    for kind, payload in payloads:
        try:
            body = zlib.decompress(payload)
        except zlib.error:
            raise TraceFormatError(f"{source} has a damaged batch (its checksum matched, its data did not)") from None
        layout = _LENGTHS6 if kind == FRAME_BATCH6 else _LENGTHS
        lengths = layout.unpack_from(body, 0)
        parts, pos = [], layout.size
        for n in lengths:
            parts.append(body[pos : pos + n])
            pos += n
        out.append(tuple(parts))
    return out


def _open_locked(journal_path: str) -> int:
    """Open a journal for reading; refuse one a recorder still holds (a live recording)."""
    try:
        fd = os.open(journal_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except FileNotFoundError:
        raise TraceFormatError(f"no journal {journal_path} to recover from") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise TraceFormatError(f"{journal_path} is a symbolic link; renacer does not follow links") from None
        raise TraceFormatError(f"cannot read {journal_path}: {exc.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise TraceFormatError(f"{journal_path} is not a regular file, so not a renacer journal")
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise TraceFormatError(
            f"{trace_for(journal_path)} is still being recorded (a running renacer holds "
            f"{journal_path}); wait for it to finish — it writes the trace itself") from None
    return fd


def read_journal(journal_path: str) -> tuple[dict[str, Any], list[Any], bool]:
    """Metadata, Arrow record batches and whether the end was cut off, from either format."""
    import pyarrow as pa

    fd = _open_locked(journal_path)
    try:
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read()
    finally:
        os.close(fd)
    if data.startswith(MAGIC):
        meta, payloads, truncated = _frames(data, journal_path)
        from renacer.capture.batches import to_record_batch

        return meta, [to_record_batch(raw) for raw in _raw_batches(payloads, journal_path)], truncated
    return _read_arrow_journal(pa.BufferReader(data), journal_path)


def _read_arrow_journal(source: Any, journal_path: str) -> tuple[dict[str, Any], list[Any], bool]:
    """A journal of renacer 0.1's first format: an Arrow IPC stream."""
    import pyarrow as pa

    batches: list[pa.RecordBatch] = []
    try:
        reader = pa.ipc.open_stream(source)
    except (pa.ArrowInvalid, OSError):
        raise TraceFormatError(f"{journal_path} is not a renacer journal (it holds no recorded events)") from None
    meta = read_metadata(reader.schema.metadata, journal_path)
    truncated = False
    while True:
        try:
            batches.append(reader.read_next_batch())
        except StopIteration:
            break
        except (pa.ArrowInvalid, OSError):
            truncated = True
            break
    return meta, batches, truncated


def recover(trace_path: str, out_path: str | None = None) -> dict[str, Any]:
    """Write a complete Parquet trace from TRACE.journal; returns its metadata.

    The new trace is written beside its destination and renamed over it when complete, so a
    failure leaves the journal and any earlier file as they were.
    """
    import pyarrow as pa

    from renacer.capture.sinks import write_whole_trace
    from renacer.schema.trace import TRACE_SCHEMA

    journal_path = journal_for(trace_path)
    if not os.path.lexists(journal_path):
        raise TraceFormatError(f"no journal {journal_path} to recover from")
    target = out_path or trace_for(journal_path)
    files.check_new_file(target, "recovered trace")
    meta, batches, truncated = read_journal(journal_path)
    source = meta.get("source")
    if isinstance(source, dict) and source.get("images"):
        # --source: the objects' build-ids and the locations, from the binaries on this machine
        from renacer.analyze.symbolize import Symbolizer, build_id_of

        paths = {m[3] for versions in source["images"].values() for _, maps in versions for m in maps}
        source["objects"] = {p: build_id_of(p) for p in sorted(paths) if p.startswith("/")}
        sym = Symbolizer.from_metadata(meta)
        if sym is not None:
            batches = [sym.annotate(b) for b in batches]
    rows = sum(b.num_rows for b in batches)
    meta.update(recovered=True, recovered_partial_batch=truncated, events_written=rows, exit_status=None)
    write_whole_trace(pa.Table.from_batches(batches, schema=TRACE_SCHEMA) if rows else None, meta, target,
                      "recovered trace")
    os.unlink(journal_path)
    return meta
