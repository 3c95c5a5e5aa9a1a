"""Build small renacer traces by hand, the way the recorder fills each column.

The analyzer's tests need exact, known inputs (a refused non-blocking connect, a DNS timeout and
fallback, an fd that is reused, …) independent of timing. The builder fills the columns the way
``capture/`` does (``fd`` from a0 or from ret, ``size`` = ret or the count, ``data`` captured at
entry for writes and at exit for reads, ``sockaddr`` raw and decoded, ``mem`` as length-prefixed
parts in ``captures.CAPTURES`` order), so a query that works here works on a recording.
"""
from __future__ import annotations

import errno as errno_mod
import socket
import struct
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from renacer.schema import captures
from renacer.schema.trace import SCHEMA_VERSION, TRACE_SCHEMA, join_mem, schema_with_metadata
from renacer.schema.syscalls_x86_64 import SYSCALLS

NR = {name: nr for nr, name in SYSCALLS.items()}
SIGNALS = {"SIGCHLD": 17, "SIGKILL": 9, "SIGPIPE": 13, "SIGSEGV": 11, "SIGTERM": 15, "SIGUSR1": 10}

AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
SOCK_STREAM, SOCK_DGRAM = 1, 2
SOCK_NONBLOCK = 0o4000
SOL_SOCKET, SO_ERROR, SO_RCVTIMEO = 1, 4, 20
IPPROTO_TCP, IPPROTO_UDP = 6, 17
AT_FDCWD = -100 & 0xFFFFFFFFFFFFFFFF

_SEND = {"write", "sendto", "sendmsg", "writev", "pwrite64"}
_RECV = {"read", "recvfrom", "recvmsg", "readv", "pread64"}


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
        self.rows: list[dict[str, Any]] = []
        self.processes: list[dict[str, Any]] = []

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
        fd: int | None = None,
        size: int | None = None,
        unfinished: bool = False,
    ) -> dict[str, Any]:
        """One syscall row; ``err`` (an errno name) makes ``ret`` its negative value."""
        pid = self.pid if pid is None else pid
        tid = pid if tid is None else tid
        ts = self.clock + self.gap if at is None else at
        a = [(v & 0xFFFFFFFFFFFFFFFF) for v in args] + [0] * (6 - len(args))
        if err is not None:
            ret = -getattr(errno_mod, err)
        if unfinished:
            ret = None
        if fd is None:
            if name in captures.FD_FROM_RET:
                fd = ret if ret is not None and ret >= 0 else None
            elif name in captures.FD_FROM_A0:
                fd = a[0] if a[0] < 2**31 else None
        if size is None and name in captures.SIZE_ARG and ret is not None:
            index = captures.SIZE_ARG[name]
            size = ret if ret >= 0 else (a[index] if index is not None else None)
        if data is not None:
            data = data[: self.string_size]
        family = addr = port = None
        if sockaddr is not None:
            family, addr, port = _decode_sockaddr(sockaddr)
        seq = self.counter
        self.counter += 1
        exit_seq = None
        if not unfinished:
            exit_seq = self.counter
            self.counter += 1
        row = {
            "seq": seq,
            "exit_seq": exit_seq,
            "ts_ns": ts,
            "dur_ns": None if unfinished else dur,
            "pid": pid,
            "tid": tid,
            "kind": "syscall",
            "nr": NR[name],
            "name": name,
            **{f"a{i}": a[i] for i in range(6)},
            "ret": ret,
            "errno": errno_mod.errorcode.get(-ret) if ret is not None and -4095 <= ret <= -1 else None,
            "fd": fd,
            "family": family,
            "addr": addr,
            "port": port,
            "path": path,
            "size": size,
            "data": data,
            "sockaddr": sockaddr,
            "mem": join_mem(mem) if mem is not None else None,
        }
        self.rows.append(row)
        self.clock = ts + (0 if unfinished else dur)
        return row

    def event(self, kind: str, name: str, nr: int, ret: int | None = None, *, pid: int | None = None,
              tid: int | None = None, at: int | None = None) -> dict[str, Any]:
        """A point event: ``signal``, ``exit``, ``killed`` or ``stopped``."""
        pid = self.pid if pid is None else pid
        ts = self.clock + self.gap if at is None else at
        row = {"seq": self.counter, "ts_ns": ts, "pid": pid, "tid": pid if tid is None else tid,
               "kind": kind, "nr": nr, "name": name, "ret": ret}
        self.counter += 1
        self.rows.append(row)
        self.clock = ts
        return row

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
        sa = sockaddr_in(addr, port) if addr is not None else None
        args = (fd, 0x5000, len(payload), 0x4000, 0x7FFC0000 if sa else 0, len(sa) if sa else 0)
        if ret is None and err is None:
            ret = len(payload)
        return self.call(name, args, ret, err=err, data=payload, sockaddr=sa, **kw)

    def recv(self, fd: int, payload: bytes | None, name: str = "recvfrom", bufsize: int = 16384,
             err: str | None = None, addr: str | None = None, port: int | None = None, **kw: Any):
        """A read-family call: ``payload`` b"" is end of file (= 0), None with ``err`` a failure."""
        sa = sockaddr_in(addr, port) if addr is not None else None
        ret = None if err else len(payload or b"")
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
        return self.event("exit", "exit", 0, code, pid=pid)

    def killed(self, signal: str, pid: int | None = None, core: bool = False, **kw: Any):
        return self.event("killed", signal, SIGNALS[signal], int(core), pid=pid, **kw)

    def process(self, pid: int, ppid: int | None, exe: str, argv: list[str]) -> None:
        """An entry of the metadata's process table."""
        self.processes.append({"pid": pid, "ppid": ppid, "exe": exe, "argv": argv})

    # -- output ------------------------------------------------------------------------------------
    def metadata(self, **extra: Any) -> dict[str, Any]:
        meta = {
            "schema_version": SCHEMA_VERSION,
            "renacer_version": "0.1.0",
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
            "events_seen": len(self.rows),
            "events_written": len(self.rows),
        }
        meta.update(extra)
        return meta

    def table(self, **meta: Any) -> pa.Table:
        columns = {f.name: [r.get(f.name) for r in self.rows] for f in TRACE_SCHEMA}
        return pa.table(columns, schema=schema_with_metadata(self.metadata(**meta)))

    def save(self, path: str | Path, **meta: Any) -> Path:
        path = Path(path)
        pq.write_table(self.table(**meta), path, compression="zstd")
        return path


def _decode_sockaddr(sa: bytes) -> tuple[str | None, str | None, int | None]:
    (fam,) = struct.unpack_from("<H", sa)
    if fam == AF_INET:
        return "AF_INET", socket.inet_ntoa(sa[4:8]), struct.unpack_from(">H", sa, 2)[0]
    if fam == AF_INET6:
        return "AF_INET6", socket.inet_ntop(socket.AF_INET6, sa[8:24]), struct.unpack_from(">H", sa, 2)[0]
    if fam == AF_UNIX:
        return "AF_UNIX", sa[2:].split(b"\0")[0].decode(), None
    return f"AF_{fam}", None, None
