"""The renacer trace file, schema v1.

One Parquet file per recording, one row per event. A system call is one row carrying both its
entry and its exit. Plain Parquet types only (int64 nanoseconds, not a timestamp type) so that
any Parquet reader sees the same values as DuckDB.

Columns, in file order:

seq        uint64   global event counter at the call's entry (or at the signal/exit event).
                    Entries, exits, signals and process exits of all threads share one counter,
                    so ``seq`` orders entries and ``exit_seq`` places each exit among them.
exit_seq   uint64   the counter at the call's exit; null when the call never returned.
ts_ns      int64    entry time, CLOCK_MONOTONIC ns since the recording started.
dur_ns     int64    exit minus entry; null when the call never returned.
pid        int32    thread-group id (the process id a user sees).
tid        int32    thread id.
kind       dict     ``syscall``; ``signal`` (a signal delivered to tid: nr is the signal number,
                    name its name, mem one part, the raw 128-byte siginfo); ``exit`` (the thread
                    tid ended: ret is the exit code); ``killed`` (tid was killed by a signal: nr
                    is the signal number, name its name, ret 1 if it dumped core); ``stopped``
                    (tid entered a group-stop: nr/name the stopping signal); ``spawned`` (tid
                    created a thread or process, whatever ``-e`` traced: ret is the new tid,
                    a0 its process id, nr/name the creating call: clone, fork or vfork).
                    Non-syscall rows are point events: exit_seq and dur_ns are null.
nr         int16    syscall number (x86_64 numbering, see metadata ``arch``), or signal number.
name       dict     syscall or signal name.
a0 … a5    uint64   the six raw argument registers.
ret        int64    raw return value (negative errno on failure); null when it never returned.
errno      dict     errno name (``ECONNREFUSED``) when ret is in [-4095, -1], else null.
fd         int32    the descriptor the call acts on (read, connect, close, …) or returns
                    (socket, openat, accept, …); null when the call has none.
family     dict     address family of the captured sockaddr (``AF_INET``, ``AF_INET6``,
                    ``AF_UNIX``, ``AF_NETLINK``, or ``AF_<n>``).
addr       string   decoded address: dotted IPv4, IPv6 text, unix path (``@name`` for abstract),
                    ``pid:groups`` for netlink.
port       int32    port in host order, for AF_INET/AF_INET6.
path       string   the path argument of file calls (first path for rename-like calls).
size       int64    bytes transferred by a buffer call (ret when it succeeded), or requested
                    (the count argument) when it failed.
data       binary   the first ``-s`` bytes of the buffer, captured at entry (writes) or at exit
                    (reads); for readv/writev/sendmsg/recvmsg each iovec's first ``-s`` bytes
                    (of what was transferred), one after the other (older recordings: the
                    first ``-s`` bytes of the iovecs gathered in order). Never bytes that could
                    not be read: an unreadable buffer is null.
sockaddr   binary   the raw sockaddr the call passed or received (what family/addr/port decode);
                    for a received one, only what the kernel wrote into the caller's buffer.
mem        binary   other captured memory as length-prefixed parts, see ``captures.py`` and
                    ``split_mem``: optval, timespec, pollfd arrays, argv strings, siginfo, …;
                    then, behind a header, extra parts (``split_mem_extras``): iovec arrays,
                    value-result lengths as passed, fd_sets, times left.
callchain  list<uint64>  return addresses (reserved for ``--source``; null in v1 recordings).
src_file   dict     source file of the user code making the call (reserved, see callchain).
src_line   int32    source line (reserved).
src_func   dict     function name (reserved).
"""
from __future__ import annotations

import json
import struct
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

SCHEMA_VERSION = 1
# Key of the JSON metadata document in the Parquet key-value metadata.
METADATA_KEY = b"renacer"
VERSION_KEY = b"renacer.schema_version"


@lru_cache(maxsize=1)
def trace_schema() -> pa.Schema:
    """The Arrow schema of a trace (``TRACE_SCHEMA``). Built on first use: importing pyarrow
    costs a few hundred ms that neither the recorder's start nor ``renacer-analyze info`` need."""
    import pyarrow as pa

    dict_str = pa.dictionary(pa.int32(), pa.string())
    return pa.schema(
        [
            pa.field("seq", pa.uint64(), nullable=False),
            pa.field("exit_seq", pa.uint64()),
            pa.field("ts_ns", pa.int64(), nullable=False),
            pa.field("dur_ns", pa.int64()),
            pa.field("pid", pa.int32(), nullable=False),
            pa.field("tid", pa.int32(), nullable=False),
            pa.field("kind", dict_str, nullable=False),
            pa.field("nr", pa.int16(), nullable=False),
            pa.field("name", dict_str),
            pa.field("a0", pa.uint64()),
            pa.field("a1", pa.uint64()),
            pa.field("a2", pa.uint64()),
            pa.field("a3", pa.uint64()),
            pa.field("a4", pa.uint64()),
            pa.field("a5", pa.uint64()),
            pa.field("ret", pa.int64()),
            pa.field("errno", dict_str),
            pa.field("fd", pa.int32()),
            pa.field("family", dict_str),
            pa.field("addr", pa.string()),
            pa.field("port", pa.int32()),
            pa.field("path", pa.string()),
            pa.field("size", pa.int64()),
            pa.field("data", pa.binary()),
            pa.field("sockaddr", pa.binary()),
            pa.field("mem", pa.binary()),
            pa.field("callchain", pa.list_(pa.uint64())),
            pa.field("src_file", dict_str),
            pa.field("src_line", pa.int32()),
            pa.field("src_func", dict_str),
        ],
    )


def __getattr__(name: str) -> Any:
    if name == "TRACE_SCHEMA":
        return trace_schema()
    raise AttributeError(name)


KINDS = ("syscall", "signal", "exit", "killed", "stopped", "spawned")

# --- the recorder's records -------------------------------------------------------------------
# ``struct Rec`` of capture/_recorder.pyx, field by field, as numpy type codes (little-endian,
# x86_64 natural alignment). capture/batches.py (numpy) and capture/rows.py (struct) read records
# through this; both check it against the compiled struct's field offsets and sizes.
REC_FIELDS: tuple[tuple[str, str], ...] = (
    ("seq", "<u8"), ("exit_seq", "<u8"), ("ts", "<i8"), ("dur", "<i8"), ("ret", "<i8"),
    ("a0", "<u8"), ("a1", "<u8"), ("a2", "<u8"), ("a3", "<u8"), ("a4", "<u8"), ("a5", "<u8"),
    ("pid", "<i4"), ("tid", "<i4"),
    ("data_len", "<i4"), ("sa_len", "<i4"), ("path_len", "<i4"), ("mem_len", "<i4"),
    ("nr", "<i2"), ("kind", "u1"), ("flags", "u1"),
)
# Bits of a record's ``flags``.
F_HAS_RET = 1  # ret is valid
F_FINISHED = 2  # exit_seq and dur are valid
# Syscall numbers (and signal numbers) the recorder keeps tables for: 0 .. NR_MAX-1.
NR_MAX = 1024

# A system call fails by returning -errno, -1 … -MAX_ERRNO (linux/err.h); any other value, even
# negative (an address, lseek's offset), is a result. The errno column is filled exactly then.
MAX_ERRNO = 4095


def failed(ret: int | None) -> bool:
    """Whether a raw return value ``ret`` (the ``ret`` column) is -errno: the one test of a failed
    call."""
    return ret is not None and -MAX_ERRNO <= ret < 0

# Part length meaning "the pointer could not be read (NULL or unmapped)": no bytes follow.
MEM_UNREADABLE = 0xFFFFFFFF


# First word of a cell that has extra parts after its base parts; the second word is the number
# of base parts (schema/captures.py explains why extras live behind a header).
MEM_EXTRAS = 0xFFFFFFFE


def _parts(mem: bytes, pos: int) -> list[bytes | None]:
    parts: list[bytes | None] = []
    n = len(mem)
    while pos + 4 <= n:
        (length,) = struct.unpack_from("<I", mem, pos)
        pos += 4
        if length == MEM_UNREADABLE:
            parts.append(None)
            continue
        parts.append(bytes(mem[pos : pos + length]))
        pos += length
    return parts


def split_mem_extras(mem: bytes | None) -> tuple[list[bytes | None], list[bytes | None] | None]:
    """(base parts, extra parts) of a ``mem`` cell; extras is None for a cell without them (every
    cell of a recording made before they existed)."""
    if not mem:
        return [], None
    if len(mem) >= 8 and struct.unpack_from("<I", mem, 0)[0] == MEM_EXTRAS:
        nbase = struct.unpack_from("<I", mem, 4)[0]
        parts = _parts(mem, 8)
        return parts[:nbase], parts[nbase:]
    return _parts(mem, 0), None


def split_mem(mem: bytes | None) -> list[bytes | None]:
    """Split a ``mem`` cell into its base parts; an unreadable part is None.

    Each part is a little-endian uint32 length followed by that many bytes; the parts come in the
    order of the syscall's capture ops (``captures.CAPTURES``). A truncated tail is ignored.
    Extra parts (``split_mem_extras``) are not among them.
    """
    return split_mem_extras(mem)[0]


def join_mem(parts: list[bytes | None], extras: list[bytes | None] | None = None) -> bytes:
    """The inverse of ``split_mem_extras`` (used by tests and by tools that build traces)."""
    out = bytearray()
    if extras is not None:
        out += struct.pack("<II", MEM_EXTRAS, len(parts))
    for part in parts + (extras or []):
        if part is None:
            out += struct.pack("<I", MEM_UNREADABLE)
        else:
            out += struct.pack("<I", len(part)) + part
    return bytes(out)


def schema_with_metadata(meta: dict[str, Any]) -> pa.Schema:
    """The trace schema carrying the recording's metadata document."""
    return trace_schema().with_metadata(
        {METADATA_KEY: json.dumps(meta, sort_keys=True).encode(), VERSION_KEY: str(SCHEMA_VERSION).encode()}
    )


class TraceFormatError(Exception):
    """A file that is not a renacer trace, is truncated, or is of a newer schema version."""


def read_metadata(kv: dict[bytes, bytes] | None, source: str = "trace") -> dict[str, Any]:
    """Parse and check the renacer metadata of a Parquet/Arrow key-value map."""
    if not kv or METADATA_KEY not in kv:
        raise TraceFormatError(f"{source} is not a renacer trace (no renacer metadata)")
    try:
        meta = json.loads(kv[METADATA_KEY])
    except (ValueError, UnicodeDecodeError):
        raise TraceFormatError(f"{source} has unreadable renacer metadata (not JSON)") from None
    if not isinstance(meta, dict):
        raise TraceFormatError(f"{source} has unreadable renacer metadata (not a JSON object)")
    version = meta.get("schema_version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise TraceFormatError(f"{source} has an invalid trace schema version {version!r}")
    if version > SCHEMA_VERSION:
        raise TraceFormatError(
            f"{source} has trace schema version {version}; this renacer reads up to version "
            f"{SCHEMA_VERSION} — upgrade renacer to read it"
        )
    return meta
