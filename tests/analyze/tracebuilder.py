"""Build small renacer traces by hand, through the recorder's own conversion.

The analyzer's tests need exact, known inputs (a refused non-blocking connect, a DNS timeout and
fallback, an fd that is reused, …) independent of timing. The builder does not fill the trace's
columns itself: each call becomes a raw record exactly as the C recorder writes one (a ``struct
Rec`` element of ``capture.batches.REC_DTYPE``: raw arguments, return value, flags; its captured
bytes in the data, sockaddr, path and mem arenas), and the recorder's own code derives every column
from it: ``capture.batches.to_record_batch`` for the saved Parquet file, ``capture.rows.RowBatch``
(the live path's reader) for the row dicts the builder returns. So ``fd``, ``size``, ``errno``,
``name``, ``family``/``addr``/``port`` are whatever a recording of the same calls would hold
(``close(-1)`` has fd -1; an unfinished ``read`` has the requested size), never a second opinion.
"""
from __future__ import annotations

import errno as errno_mod
import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from renacer import __version__
from renacer.capture.batches import F_FINISHED, F_HAS_RET, REC_DTYPE, to_record_batch
from renacer.capture.rows import RowBatch
from renacer.schema.syscalls_x86_64 import SYSCALLS
from renacer.schema.trace import KINDS, SCHEMA_VERSION, TRACE_SCHEMA, join_mem, schema_with_metadata

NR = {name: nr for nr, name in SYSCALLS.items()}
SIGNALS = {"SIGCHLD": 17, "SIGKILL": 9, "SIGPIPE": 13, "SIGSEGV": 11, "SIGTERM": 15, "SIGUSR1": 10}

AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
SOCK_STREAM, SOCK_DGRAM = 1, 2
SOCK_NONBLOCK = 0o4000
SOL_SOCKET, SO_ERROR, SO_RCVTIMEO = 1, 4, 20
IPPROTO_TCP, IPPROTO_UDP = 6, 17
AT_FDCWD = -100 & 0xFFFFFFFFFFFFFFFF

# Columns the recorder does not derive from a record: --source fills them after the recording
# (the symbolizer), so a test may set them on a returned row and the saved trace keeps them.
AFTER_RECORDING = ("src_file", "src_line", "src_func")
_U64 = 0xFFFFFFFFFFFFFFFF


@dataclass
class RawRecord:
    """One ``struct Rec`` and the bytes it captured, before any column is derived."""

    fields: dict[str, int]
    data: bytes | None = None
    sockaddr: bytes | None = None
    path: bytes | None = None
    mem: bytes | None = None


def raw_batch(records: list[RawRecord]) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """The recorder's batch: records as a numpy array of REC_DTYPE and four arenas, each part's
    length in its record (-1 for none), as the C recorder's ``emit``/``point_row`` fill them."""
    recs = np.zeros(len(records), dtype=REC_DTYPE)
    arenas: dict[str, list[bytes]] = {"data": [], "sockaddr": [], "path": [], "mem": []}
    for i, r in enumerate(records):
        for field, value in r.fields.items():
            recs[field][i] = value
        for part, length in (("data", "data_len"), ("sockaddr", "sa_len"), ("path", "path_len"), ("mem", "mem_len")):
            blob = getattr(r, part)
            recs[length][i] = -1 if blob is None else len(blob)
            if blob is not None:
                arenas[part].append(blob)
    joined = [b"".join(arenas[k]) for k in ("data", "sockaddr", "path", "mem")]
    return (recs.tobytes(), joined[0], joined[1], joined[2], joined[3])


def sockaddr_in(addr: str, port: int) -> bytes:
    if ":" in addr:
        return struct.pack("<H", AF_INET6) + struct.pack(">H", port) + b"\0" * 4 + socket.inet_pton(
            socket.AF_INET6, addr
        ) + b"\0" * 4
    return struct.pack("<H", AF_INET) + struct.pack(">H", port) + socket.inet_aton(addr) + b"\0" * 8


def sockaddr_un(path: str) -> bytes:
    return struct.pack("<H", AF_UNIX) + path.encode() + b"\0"


def dns_query(qid: int, name: str, qtype: int = 1) -> bytes:
    """A standard recursive query for one name, as a stub resolver sends it."""
    qname = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname + struct.pack(">HH", qtype, 1)


def dns_answer(query: bytes, ips: list[str], rcode: int = 0) -> bytes:
    """The response to ``query`` with one A record per address (names compressed to the question)."""
    qid, flags = struct.unpack(">HH", query[:4])
    out = struct.pack(">HHHHHH", qid, 0x8180 | rcode, 1, len(ips), 0, 0) + query[12:]
    for ip in ips:
        out += struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(ip)
    return out


class TraceBuilder:
    """Append events in time order; ``save`` produces a schema-v1 Parquet trace.

    Times are in ns since the recording started. Each call starts ``gap`` ns after the previous
    one ended unless ``at`` says when; ``dur`` is how long it ran.
    """

    def __init__(self, pid: int = 1000, *, string_size: int = 64, gap: int = 1_000) -> None:
        self.pid = pid
        self.string_size = string_size
        self.gap = gap
        self.clock = 0
        self.counter = 0
        self.records: list[RawRecord] = []
        self.rows: list[dict[str, Any]] = []  # each record as the recorder's live reader derives it
        self.processes: list[dict[str, Any]] = []

    def _add(self, record: RawRecord) -> dict[str, Any]:
        self.records.append(record)
        live = RowBatch(raw_batch([record]))
        row = {name: live[name][0] for name in TRACE_SCHEMA.names}
        self.rows.append(row)
        return row

    # -- the general case ------------------------------------------------------------------------
    def call(
        self,
        name: str,
        args: tuple[int, ...] = (),
        ret: int | None = 0,
        *,
        err: str | None = None,
        pid: int | None = None,
        tid: int | None = None,
        dur: int = 1_000,
        at: int | None = None,
        data: bytes | None = None,
        sockaddr: bytes | None = None,
        mem: list[bytes | None] | None = None,
        path: str | None = None,
        unfinished: bool = False,
    ) -> dict[str, Any]:
        """One syscall row; ``err`` (an errno name) makes ``ret`` its negative value. ``data`` is
        what the call's buffer held (cut to the string size, as the recorder captures it);
        ``unfinished`` is a call still in progress when the recording ended (no return value)."""
        pid = self.pid if pid is None else pid
        tid = pid if tid is None else tid
        ts = self.clock + self.gap if at is None else at
        a = [(v & _U64) for v in args] + [0] * (6 - len(args))
        if err is not None:
            ret = -getattr(errno_mod, err)
        finished = not unfinished and ret is not None
        seq = self.counter
        self.counter += 1
        fields = {"seq": seq, "ts": ts, "pid": pid, "tid": tid, "nr": NR[name], "kind": KINDS.index("syscall"),
                  **{f"a{i}": a[i] for i in range(6)}}
        if finished:
            assert ret is not None
            fields.update(exit_seq=self.counter, dur=dur, ret=ret, flags=F_HAS_RET | F_FINISHED)
            self.counter += 1
        self.clock = ts + (dur if finished else 0)
        return self._add(RawRecord(
            fields,
            data=None if data is None else data[: self.string_size],
            sockaddr=sockaddr,
            path=None if path is None else path.encode(),
            mem=join_mem(mem) if mem is not None else None,
        ))

    def event(self, kind: str, nr: int, ret: int | None = None, *, pid: int | None = None,
              tid: int | None = None, at: int | None = None, mem: bytes | None = None) -> dict[str, Any]:
        """A point event: ``signal`` (nr the signal), ``exit`` (ret the status), ``killed`` (nr the
        signal, ret 1 with a core dump), ``stopped``. Only exit and killed carry a return value,
        as in the recorder's ``point_row``; the name comes from the kind and nr."""
        pid = self.pid if pid is None else pid
        ts = self.clock + self.gap if at is None else at
        fields = {"seq": self.counter, "ts": ts, "pid": pid, "tid": pid if tid is None else tid,
                  "kind": KINDS.index(kind), "nr": nr}
        if kind in ("exit", "killed"):
            fields.update(ret=0 if ret is None else ret, flags=F_HAS_RET)
        self.counter += 1
        self.clock = ts
        return self._add(RawRecord(fields, mem=None if mem is None else struct.pack("<I", len(mem)) + mem))

    # -- sockets ---------------------------------------------------------------------------------
    def socket(self, fd: int, domain: int = AF_INET, type_: int = SOCK_STREAM, proto: int = 0, **kw: Any):
        return self.call("socket", (domain, type_, proto), fd, **kw)

    def connect(self, fd: int, addr: str, port: int | None = None, err: str | None = None, **kw: Any):
        sa = sockaddr_un(addr) if port is None else sockaddr_in(addr, port)
        return self.call("connect", (fd, 0x7FFC0000, len(sa)), 0, err=err, sockaddr=sa, **kw)

    def bind(self, fd: int, addr: str, port: int, **kw: Any):
        sa = sockaddr_in(addr, port)
        return self.call("bind", (fd, 0x7FFC0000, len(sa)), 0, sockaddr=sa, **kw)

    def listen(self, fd: int, **kw: Any):
        return self.call("listen", (fd, 128), 0, **kw)

    def accept4(self, fd: int, new_fd: int, addr: str, port: int, flags: int = 0, **kw: Any):
        sa = sockaddr_in(addr, port)
        return self.call("accept4", (fd, 0x7FFC0000, 0x7FFC0100, flags), new_fd, sockaddr=sa, **kw)

    def getsockopt_so_error(self, fd: int, value: str | int = 0, **kw: Any):
        """``getsockopt(fd, SOL_SOCKET, SO_ERROR, [value], [4]) = 0`` — how a client learns the
        outcome of a non-blocking connect."""
        code = getattr(errno_mod, value) if isinstance(value, str) else value
        return self.call("getsockopt", (fd, SOL_SOCKET, SO_ERROR, 0x7FFC0000, 0x7FFC0010), 0,
                         mem=[struct.pack("<i", code)], **kw)

    def setsockopt_rcvtimeo(self, fd: int, seconds: int, usec: int = 0, **kw: Any):
        tv = struct.pack("<qq", seconds, usec)
        return self.call("setsockopt", (fd, SOL_SOCKET, SO_RCVTIMEO, 0x7FFC0000, len(tv)), 0,
                         mem=[tv], **kw)

    def poll(self, fd: int, ret: int = 1, dur: int = 1_000, **kw: Any):
        return self.call("poll", (0x7FFC0000, 1, 1000), ret, dur=dur, **kw)

    def send(self, fd: int, payload: bytes, name: str = "sendto", ret: int | None = None,
             err: str | None = None, addr: str | None = None, port: int | None = None, **kw: Any):
        """A write-family call with its payload captured at entry."""
        sa = sockaddr_in(addr, port or 0) if addr is not None else None
        args = (fd, 0x5000, len(payload), 0x4000, 0x7FFC0000 if sa else 0, len(sa) if sa else 0)
        if ret is None and err is None:
            ret = len(payload)
        return self.call(name, args, ret, err=err, data=payload, sockaddr=sa, **kw)

    def recv(self, fd: int, payload: bytes | None, name: str = "recvfrom", bufsize: int = 16384,
             err: str | None = None, addr: str | None = None, port: int | None = None,
             ret: int | None = None, **kw: Any):
        """A read-family call: ``payload`` b"" is end of file (= 0), None with ``err`` a failure;
        ``ret`` when the call returned more than the captured ``payload``."""
        sa = sockaddr_in(addr, port or 0) if addr is not None else None
        if err:
            ret = None
        elif ret is None:
            ret = len(payload or b"")
        return self.call(name, (fd, 0x5000, bufsize, 0, 0x7FFC0000 if sa else 0, 0x7FFC0010 if sa else 0),
                         ret, err=err, data=payload if payload and not err else None, sockaddr=sa, **kw)

    def close(self, fd: int, **kw: Any):
        return self.call("close", (fd,), 0, **kw)

    # -- files and processes ----------------------------------------------------------------------
    def openat(self, path: str, fd: int | None = None, err: str | None = None, flags: int = 0, **kw: Any):
        return self.call("openat", (AT_FDCWD, 0x4000, flags, 0), fd if err is None else None, err=err,
                         path=path, **kw)

    def read(self, fd: int, payload: bytes, **kw: Any):
        return self.call("read", (fd, 0x5000, 65536), len(payload), data=payload or None, **kw)

    def write(self, fd: int, payload: bytes, **kw: Any):
        return self.call("write", (fd, 0x5000, len(payload)), len(payload), data=payload, **kw)

    def execve(self, path: str, argv: list[str], err: str | None = None, **kw: Any):
        blob = b"".join(a.encode() + b"\0" for a in argv)
        return self.call("execve", (0x4000, 0x5000, 0x6000), 0, err=err, path=path, mem=[blob], **kw)

    def fork(self, child: int, **kw: Any):
        """clone(SIGCHLD) as fork() issues it, returning the child's pid."""
        return self.call("clone", (0x1200011, 0, 0, 0, 0), child, **kw)

    def exit(self, code: int, pid: int | None = None, **kw: Any):
        pid = self.pid if pid is None else pid
        self.call("exit_group", (code,), None, pid=pid, unfinished=True, **kw)
        return self.event("exit", 0, code, pid=pid)

    def killed(self, signal: str, pid: int | None = None, core: bool = False, **kw: Any):
        return self.event("killed", SIGNALS[signal], int(core), pid=pid, **kw)

    def process(self, pid: int, ppid: int | None, exe: str, argv: list[str]) -> None:
        """An entry of the metadata's process table."""
        self.processes.append({"pid": pid, "ppid": ppid, "exe": exe, "argv": argv})

    # -- output ------------------------------------------------------------------------------------
    def metadata(self, **extra: Any) -> dict[str, Any]:
        meta = {
            "schema_version": SCHEMA_VERSION,
            "renacer_version": __version__,
            "arch": "x86_64",
            "kernel": "6.1.0-test",
            "hostname": "builder",
            "command": ["test"],
            "filter": None,
            "string_size": self.string_size,
            "start_wall_ns": 1_700_000_000_000_000_000,
            "start_mono_ns": 5_000_000_000,
            "exit_status": {"code": 0, "signal": None},
            "processes": self.processes,
            "events_seen": len(self.records),
            "events_written": len(self.records),
        }
        meta.update(extra)
        return meta

    def table(self, **meta: Any) -> pa.Table:
        """The trace as the recorder writes it: its batch through ``to_record_batch``; then the
        columns filled after the recording, from the rows (where a test set them)."""
        table = pa.Table.from_batches([to_record_batch(raw_batch(self.records))]) if self.records else TRACE_SCHEMA.empty_table()
        for name in AFTER_RECORDING:
            values = [r[name] for r in self.rows]
            if any(v is not None for v in values):
                i = table.schema.get_field_index(name)
                table = table.set_column(i, table.schema.field(i), pa.array(values).cast(table.schema.field(i).type))
        return table.replace_schema_metadata(schema_with_metadata(self.metadata(**meta)).metadata)

    def save(self, path: str | Path, **meta: Any) -> Path:
        path = Path(path)
        pq.write_table(self.table(**meta), path, compression="zstd")
        return path

