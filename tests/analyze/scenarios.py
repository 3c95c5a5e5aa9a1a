"""Hand-built traces of the situations the canned queries must recognise.

Each function returns the builder and a dict of the rows the tests refer to, so expected values
are taken from the rows themselves (``rows["refused_check"]["ts_ns"]``) instead of magic numbers.
"""
from __future__ import annotations

import struct
from typing import Any

from tests.analyze.tracebuilder import (
    AF_INET,
    IPPROTO_TCP,
    SOCK_DGRAM,
    SOCK_NONBLOCK,
    SOCK_STREAM,
    TraceBuilder,
    dns_answer,
    dns_query,
)

Rows = dict[str, dict[str, Any]]

CLIENT_HELLO = bytes.fromhex("160301020001000200fc0303") + bytes(range(52))
SERVER_HELLO_HEADER = bytes.fromhex("160303007a")
SERVER_HELLO_BODY = bytes.fromhex("020000760303") + bytes(58)
CCS_HEADER = bytes.fromhex("1403030001")
APPDATA_HEADER = bytes.fromhex("1703030017")


def refusals() -> tuple[TraceBuilder, Rows]:
    """Every way a program learns a connection was refused, plus ones that were not."""
    b = TraceBuilder(pid=200)
    b.process(200, 1, "/usr/bin/curl", ["curl", "http://127.0.0.1:9/"])
    r: Rows = {}
    # curl: non-blocking connect, poll, getsockopt(SO_ERROR) = [ECONNREFUSED]
    b.socket(3, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP)
    r["nb_connect"] = b.connect(3, "127.0.0.1", 9, err="EINPROGRESS")
    b.poll(3)
    r["so_error"] = b.getsockopt_so_error(3, "ECONNREFUSED")
    b.close(3)
    # a blocking connect refused at once
    b.socket(3, AF_INET, SOCK_STREAM)
    r["blocking"] = b.connect(3, "127.0.0.1", 9, err="ECONNREFUSED")
    b.close(3)
    # a non-blocking connect that succeeded: SO_ERROR = 0
    b.socket(4, AF_INET, SOCK_STREAM | SOCK_NONBLOCK)
    r["ok_connect"] = b.connect(4, "127.0.0.1", 8000, err="EINPROGRESS")
    b.poll(4)
    r["ok_so_error"] = b.getsockopt_so_error(4, 0)
    b.close(4)
    # a non-blocking connect that never completed: EINPROGRESS, poll times out, close
    b.socket(5, AF_INET, SOCK_STREAM | SOCK_NONBLOCK)
    r["silent"] = b.connect(5, "127.0.0.3", 81, err="EINPROGRESS")
    b.poll(5, ret=0, dur=3_000_000_000)
    r["silent_close"] = b.close(5)
    # an event loop that asks with a second connect: EINPROGRESS, EALREADY, ECONNREFUSED
    b.socket(6, AF_INET, SOCK_STREAM | SOCK_NONBLOCK)
    r["loop_connect"] = b.connect(6, "127.0.0.1", 7070, err="EINPROGRESS")
    b.connect(6, "127.0.0.1", 7070, err="EALREADY")
    r["loop_check"] = b.connect(6, "127.0.0.1", 7070, err="ECONNREFUSED")
    b.close(6)
    # a connected UDP socket whose peer answers with ICMP port unreachable
    b.socket(7, AF_INET, SOCK_DGRAM)
    b.connect(7, "127.0.0.1", 5005)
    b.send(7, b"ping", name="write")
    r["udp_refused"] = b.recv(7, None, name="read", err="ECONNREFUSED")
    b.close(7)
    # fd 3 reused for a file: nothing here belongs to a socket
    b.openat("/etc/hosts", 3)
    b.read(3, b"127.0.0.1 localhost\n")
    b.close(3)
    b.exit(7)
    return b, r


def dns_fallback() -> tuple[TraceBuilder, Rows]:
    """A stub resolver: primary 127.0.0.1 never answers, it falls back to 127.0.0.2; then an
    AAAA query answered at once on a connected socket, and a name that does not exist."""
    b = TraceBuilder(pid=300)
    r: Rows = {}
    q = dns_query(0x1111, "example.com")
    b.socket(3, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK)
    r["q1"] = b.send(3, q, addr="127.0.0.1", port=53)
    r["wait"] = b.poll(3, ret=0, dur=1_500_000_000)
    b.close(3)
    b.socket(3, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK)
    r["q2"] = b.send(3, q, addr="127.0.0.2", port=53)
    b.poll(3)
    r["a2"] = b.recv(3, dns_answer(q, ["10.1.2.3"]), addr="127.0.0.2", port=53, dur=2_000)
    b.close(3)
    q6 = dns_query(0x2222, "example.com", qtype=28)
    b.socket(4, AF_INET, SOCK_DGRAM)
    b.connect(4, "127.0.0.2", 53)
    r["q6"] = b.send(4, q6, name="sendto")
    r["a6"] = b.recv(4, dns_answer(q6, []), name="recvfrom")
    qx = dns_query(0x3333, "nope.invalid")
    r["qx"] = b.send(4, qx, name="sendto")
    r["ax"] = b.recv(4, dns_answer(qx, [], rcode=3), name="recvfrom")
    b.close(4)
    b.exit(0)
    return b, r


def failures() -> tuple[TraceBuilder, Rows]:
    """The guide's failure patterns on sockets, and a missing file."""
    b = TraceBuilder(pid=400)
    r: Rows = {}
    # reset by the peer mid-response
    b.socket(3, AF_INET, SOCK_STREAM)
    b.connect(3, "127.0.0.1", 8001)
    b.send(3, b"GET /a HTTP/1.1\r\n\r\n")
    r["reset"] = b.recv(3, None, err="ECONNRESET")
    b.close(3)
    # writing to a peer that has gone: EPIPE
    b.socket(3, AF_INET, SOCK_STREAM)
    b.connect(3, "127.0.0.1", 8002)
    r["epipe"] = b.send(3, b"data", err="EPIPE")
    b.close(3)
    # a receive timeout: SO_RCVTIMEO 5 s, then EAGAIN
    b.socket(4, AF_INET, SOCK_STREAM)
    b.setsockopt_rcvtimeo(4, 5)
    b.connect(4, "127.0.0.1", 8003)
    r["timeout"] = b.recv(4, None, err="EAGAIN", dur=5_000_000_000)
    b.close(4)
    # EAGAIN on a non-blocking socket without a timeout: an event loop's normal life
    b.socket(5, AF_INET, SOCK_STREAM | SOCK_NONBLOCK)
    b.connect(5, "127.0.0.1", 8004, err="EINPROGRESS")
    b.send(5, b"hi", name="write")
    r["eagain"] = b.recv(5, None, name="read", err="EAGAIN")
    # one byte at a time, 120 times, then the peer closes
    for _ in range(120):
        b.recv(5, b"x", name="read")
    r["eof"] = b.recv(5, b"", name="read")
    b.close(5)
    r["enoent"] = b.openat("/etc/missing.conf", err="ENOENT")
    b.exit(1)
    return b, r


def protocols() -> tuple[TraceBuilder, Rows]:
    """HTTP, a TLS 1.3 handshake read record by record, a WebSocket upgrade, a server side."""
    b = TraceBuilder(pid=500)
    r: Rows = {}
    b.socket(3, AF_INET, SOCK_STREAM)
    r["http_connect"] = b.connect(3, "127.0.0.1", 8000)
    b.send(3, b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: curl/8\r\n\r\n")
    b.recv(3, b"HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11\r\n\r\n")
    b.recv(3, b"<html></html>")
    b.recv(3, b"")
    b.close(3)
    b.socket(4, AF_INET, SOCK_STREAM)
    b.connect(4, "127.0.0.1", 8443)
    b.send(4, CLIENT_HELLO, name="write", ret=517)
    b.recv(4, SERVER_HELLO_HEADER, name="read")
    b.recv(4, SERVER_HELLO_BODY, name="read", ret=122)  # 122 bytes read, the first 64 captured
    b.recv(4, CCS_HEADER, name="read")
    b.recv(4, b"\x01", name="read")
    b.recv(4, APPDATA_HEADER, name="read")
    b.close(4)
    b.socket(5, AF_INET, SOCK_STREAM)
    b.connect(5, "127.0.0.1", 8765)
    b.send(5, b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:8765\r\nUpgrade: websocket\r\n")
    b.recv(5, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n")
    b.send(5, b"\x81\x85abcd" + b"hello")
    b.recv(5, b"\x81\x05hello")
    b.close(5)
    # the server side of an HTTP exchange
    b.socket(6, AF_INET, SOCK_STREAM)
    b.bind(6, "127.0.0.1", 9000)
    b.listen(6)
    r["accept"] = b.accept4(6, 7, "127.0.0.1", 40000)
    b.recv(7, b"POST /api HTTP/1.1\r\nHost: x\r\n\r\n")
    b.send(7, b"HTTP/1.1 404 Not Found\r\n\r\n")
    b.close(7)
    b.exit(0)
    return b, r


def processes() -> tuple[TraceBuilder, Rows]:
    """sh forks two children: one execs ls and exits 0, one is killed by SIGKILL without exec."""
    b = TraceBuilder(pid=600)
    r: Rows = {}
    b.process(600, 1, "/bin/sh", ["sh", "-c", "ls /tmp; sleep 9"])
    r["fork1"] = b.fork(601)
    b.execve("/bin/ls", ["ls", "/tmp"], pid=601)
    b.openat("/tmp", 3, pid=601)
    b.write(1, b"a\nb\n", pid=601)
    r["exit1"] = b.exit(0, pid=601)
    b.fork(602)
    b.call("nanosleep", (0x1000, 0), 0, pid=602, unfinished=True)
    r["kill"] = b.killed("SIGKILL", pid=602)
    b.call("wait4", (-1, 0, 0, 0), 601, mem=[struct.pack("<i", 0)])
    b.exit(137)
    return b, r


def big_summary(n: int = 1000) -> TraceBuilder:
    """Many calls of a few syscalls with spread-out durations, for percentile checks."""
    b = TraceBuilder(pid=700, gap=10)
    for i in range(n):
        b.call("read", (0, 0x1000, 1), 1, dur=(i * 7919) % 100_003 + 1)
        if i % 3 == 0:
            b.call("write", (1, 0x1000, 1), 1, dur=(i * 104729) % 7_001 + 1)
    b.call("getpid", (), 700, dur=10)
    return b


