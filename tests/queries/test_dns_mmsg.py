"""`dns` on queries sent by sendmmsg and answers received by recvmmsg, the way glibc's resolver
(getaddrinfo) asks for A and AAAA at once: hand-built traces row for row, the recorded sample
sample_traces/dns_glibc.parquet, and a live recording of `getent ahosts` in private mount and
network namespaces (sample_traces/record.py's record_glibc)."""
from __future__ import annotations

import importlib.util
import struct
from pathlib import Path
from typing import Any

import pytest

from renacer.analyze import engine as eng
from renacer.schema.trace import join_mem
from tests.analyze.tracebuilder import AF_INET, SOCK_DGRAM, SOCK_NONBLOCK, TraceBuilder, dns_answer, dns_query, sockaddr_in

SAMPLES = Path(__file__).resolve().parents[2] / "sample_traces"
A, AAAA = 1, 28


def mmsghdrs(lengths: list[int]) -> bytes:
    """The raw struct mmsghdr array: 56 bytes of msghdr (pointers left 0), msg_len, padding."""
    return b"".join(b"\0" * 56 + struct.pack("<I", n) + b"\0" * 4 for n in lengths)


def sendmmsg(b: TraceBuilder, fd: int, messages: list[bytes], ret: int | None = None,
             addr: str | None = None, port: int | None = None, **kw: Any) -> dict[str, Any]:
    """sendmmsg as recorded: the headers (captured at entry, msg_len still 0) and every message's bytes."""
    sa = sockaddr_in(addr, port) if addr is not None else None
    return b.call("sendmmsg", (fd, 0x7FFC0000, len(messages), 0x4000), len(messages) if ret is None else ret,
                  mem=[mmsghdrs([0] * len(messages)), *messages], sockaddr=sa, **kw)


def recvmmsg(b: TraceBuilder, fd: int, messages: list[bytes], addr: str | None = None,
             port: int | None = None, **kw: Any) -> dict[str, Any]:
    """recvmmsg as recorded: the headers with the kernel's msg_len, then each message's bytes."""
    sa = sockaddr_in(addr, port) if addr is not None else None
    return b.call("recvmmsg", (fd, 0x7FFC0000, 8, 0, 0), len(messages),
                  mem=[mmsghdrs([len(m) for m in messages]), *[m[: b.string_size] for m in messages]],
                  sockaddr=sa, **kw)


def _end(row: dict[str, Any]) -> int:
    return row["ts_ns"] + row["dur_ns"]


def batched_resolver() -> tuple[TraceBuilder, dict[str, dict[str, Any]]]:
    b = TraceBuilder(pid=500, string_size=512)
    r: dict[str, dict[str, Any]] = {}
    # glibc: a connected socket, A and AAAA in one sendmmsg, answers read one by one (AAAA first)
    qa, q6 = dns_query(0x0A0A, "glibc.test", A), dns_query(0x0B0B, "glibc.test", AAAA)
    b.socket(3, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK)
    b.connect(3, "127.0.0.53", 53)
    r["glibc"] = sendmmsg(b, 3, [qa, q6])
    b.poll(3)
    r["glibc_6"] = b.recv(3, dns_answer(q6, []), addr="127.0.0.53", port=53)
    b.poll(3)
    r["glibc_a"] = b.recv(3, dns_answer(qa, ["127.0.0.10"]), addr="127.0.0.53", port=53)
    b.close(3)
    # an unconnected socket: the address in the first message, both answers in one recvmmsg
    qb, qb6 = dns_query(0x1001, "batch.test", A), dns_query(0x1002, "batch.test", AAAA)
    b.socket(4, AF_INET, SOCK_DGRAM)
    r["batch"] = sendmmsg(b, 4, [qb, qb6], addr="127.0.0.1", port=53)
    r["batch_in"] = recvmmsg(b, 4, [dns_answer(qb, ["127.0.0.11", "127.0.0.12"]), dns_answer(qb6, [], rcode=3)],
                             addr="127.0.0.1", port=53)
    b.close(4)
    # both questions with one id: each answer goes to the query asking its name and type
    qs, qs6 = dns_query(0x7777, "same.test", A), dns_query(0x7777, "same.test", AAAA)
    b.socket(5, AF_INET, SOCK_DGRAM)
    b.connect(5, "127.0.0.1", 53)
    r["same"] = sendmmsg(b, 5, [qs, qs6])
    r["same_in"] = recvmmsg(b, 5, [dns_answer(qs6, []), dns_answer(qs, ["127.0.0.13"])])
    b.close(5)
    # the kernel took one message of two: the second was never sent
    qp, qp6 = dns_query(0x2001, "part.test", A), dns_query(0x2002, "part.test", AAAA)
    b.socket(6, AF_INET, SOCK_DGRAM)
    b.connect(6, "127.0.0.1", 53)
    r["part"] = sendmmsg(b, 6, [qp, qp6], ret=1)
    r["part_a"] = b.recv(6, dns_answer(qp, ["127.0.0.14"]), name="recvfrom")
    b.close(6)
    b.exit(0)
    return b, r


@pytest.fixture
def batched(tmp_path: Path):
    b, r = batched_resolver()
    e = eng.load([str(b.save(tmp_path / "batched.parquet"))])
    yield e, r
    e.close()


def test_dns_splits_sendmmsg_and_recvmmsg_into_queries_and_answers(batched) -> None:
    e, r = batched
    rows = e.run("dns").dicts()
    got = [(x["server"], x["name"], x["type"], x["sent_ns"], x["latency_ns"], x["rcode"], x["answers"], x["status"],
            x["attempt"], x["note"]) for x in rows]
    glibc, batch, same, part = r["glibc"]["ts_ns"], r["batch"]["ts_ns"], r["same"]["ts_ns"], r["part"]["ts_ns"]
    assert got == [
        ("127.0.0.53:53", "glibc.test", "A", glibc, _end(r["glibc_a"]) - glibc, "NOERROR", 1, "ok", 1, None),
        ("127.0.0.53:53", "glibc.test", "AAAA", glibc, _end(r["glibc_6"]) - glibc, "NOERROR", 0, "ok", 1, None),
        ("127.0.0.1:53", "batch.test", "A", batch, _end(r["batch_in"]) - batch, "NOERROR", 2, "ok", 1, None),
        ("127.0.0.1:53", "batch.test", "AAAA", batch, _end(r["batch_in"]) - batch, "NXDOMAIN", 0, "error", 1, None),
        ("127.0.0.1:53", "same.test", "A", same, _end(r["same_in"]) - same, "NOERROR", 1, "ok", 1, None),
        ("127.0.0.1:53", "same.test", "AAAA", same, _end(r["same_in"]) - same, "NOERROR", 0, "ok", 1, None),
        ("127.0.0.1:53", "part.test", "A", part, _end(r["part_a"]) - part, "NOERROR", 1, "ok", 1, None),
    ]
    assert all(x["waited_ns"] is None for x in rows)


def test_unanswered_message_of_a_sendmmsg_times_out_on_close(tmp_path: Path) -> None:
    b = TraceBuilder(pid=501)
    qa, q6 = dns_query(0x3001, "half.test", A), dns_query(0x3002, "half.test", AAAA)
    b.socket(3, AF_INET, SOCK_DGRAM)
    b.connect(3, "127.0.0.1", 53)
    sent = sendmmsg(b, 3, [qa, q6])
    answer = b.recv(3, dns_answer(qa, ["127.0.0.10"]), name="recvfrom")
    b.poll(3, ret=0, dur=5_000_000_000)
    closed = b.close(3)
    b.exit(0)
    e = eng.load([str(b.save(tmp_path / "half.parquet"))])
    try:
        rows = e.run("dns").dicts()
    finally:
        e.close()
    assert [(x["type"], x["status"], x["latency_ns"], x["waited_ns"]) for x in rows] == [
        ("A", "ok", _end(answer) - sent["ts_ns"], None),
        ("AAAA", "timeout", None, closed["ts_ns"] - sent["ts_ns"]),
    ]


def test_socket_messages_has_one_row_per_message_with_its_bytes_and_length(batched) -> None:
    e, r = batched
    rows = e.execute(
        "SELECT seq, msg, name, size, data, peer FROM socket_messages WHERE name IN ('sendmmsg', 'recvmmsg') "
        "ORDER BY seq, msg").dicts()
    q = dns_query
    batch_in = [dns_answer(q(0x1001, "batch.test", A), ["127.0.0.11", "127.0.0.12"]),
                dns_answer(q(0x1002, "batch.test", AAAA), [], rcode=3)]
    assert [(x["seq"], x["msg"], x["name"], x["size"], x["peer"]) for x in rows if x["seq"] == r["batch_in"]["seq"]] == [
        (r["batch_in"]["seq"], 0, "recvmmsg", len(batch_in[0]), "127.0.0.1:53"),
        (r["batch_in"]["seq"], 1, "recvmmsg", len(batch_in[1]), "127.0.0.1:53"),
    ]
    assert [x["data"] for x in rows if x["seq"] == r["batch_in"]["seq"]] == batch_in
    # sendmmsg: msg_len is not known at entry; the peer of a connected socket is its connect()'s
    assert [(x["msg"], x["size"], x["data"], x["peer"]) for x in rows if x["seq"] == r["glibc"]["seq"]] == [
        (0, None, q(0x0A0A, "glibc.test", A), "127.0.0.53:53"),
        (1, None, q(0x0B0B, "glibc.test", AAAA), "127.0.0.53:53"),
    ]
    assert [x["msg"] for x in rows if x["seq"] == r["part"]["seq"]] == [0]  # ret 1: one message went


# -- the recorded glibc resolver ------------------------------------------------------------------


def _stable(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["server"], r["name"], r["type"], r["rcode"], r["answers"], r["status"], r["attempt"], r["note"])
            for r in rows]


GLIBC_ROWS = [
    ("127.0.0.1:53", "renacer.test", "A", "NOERROR", 1, "ok", 1, None),
    ("127.0.0.1:53", "renacer.test", "AAAA", "NOERROR", 0, "ok", 1, None),
]


def _check_glibc_trace(path: Path) -> None:
    e = eng.load([str(path)])
    try:
        rows = e.run("dns").dicts()
        calls = e.execute("SELECT name, ret FROM socket_calls WHERE name = 'sendmmsg'").rows
    finally:
        e.close()
    assert calls == [("sendmmsg", 2)], "glibc sends A and AAAA with one sendmmsg"
    assert _stable(rows) == GLIBC_ROWS
    a, aaaa = rows
    assert a["sent_ns"] == aaaa["sent_ns"]  # the same sendmmsg
    assert a["latency_ns"] > 0 and aaaa["latency_ns"] > 0
    assert a["waited_ns"] is None and aaaa["waited_ns"] is None


@pytest.mark.skipif(not (SAMPLES / "dns_glibc.parquet").exists(), reason="no sample trace dns_glibc.parquet")
def test_sample_glibc_resolver_queries_a_and_aaaa_with_one_sendmmsg() -> None:
    _check_glibc_trace(SAMPLES / "dns_glibc.parquet")


def _record_module():
    spec = importlib.util.spec_from_file_location("renacer_sample_record", SAMPLES / "record.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_live_glibc_resolver_recorded_in_private_namespaces(tmp_path: Path) -> None:
    """getent ahosts under renacer, its resolv.conf pointing at a responder on the namespace's own
    127.0.0.1:53 (the machine's /etc/resolv.conf and network are not touched)."""
    record = _record_module()
    reason = record.namespace_support()
    if reason:
        pytest.skip(f"cannot record glibc's resolver here: {reason}")
    out = tmp_path / "glibc.parquet"
    proc = record.record_glibc(out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "127.0.0.10" in proc.stdout and "renacer.test" in proc.stdout  # getent's answer
    _check_glibc_trace(out)


def test_sockets_view_reads_no_timeout_out_of_a_msghdr(tmp_path: Path) -> None:
    """getaddrinfo's netlink recvmsg: part 0 is a msghdr whose first field, a pointer, is no
    SO_RCVTIMEO timeval (as seconds it does not fit a BIGINT of ns)."""
    from renacer.analyze import payload

    msghdr = struct.pack("<QQ", 0x7FFE92F26634, 12) + b"\0" * 40
    assert payload.mem_timeval_ns(join_mem([msghdr, b""]), 0) is None
    b = TraceBuilder(pid=502)
    b.socket(3, 16, 3)  # AF_NETLINK, SOCK_RAW
    b.call("recvmsg", (3, 0x7FFC0000, 0), 20, data=b"\x14" + b"\0" * 19, mem=[msghdr, b""])
    b.close(3)
    b.exit(0)
    e = eng.load([str(b.save(tmp_path / "netlink.parquet"))])
    try:
        assert e.execute("SELECT proto, rcvtimeo_ns FROM sockets").rows == [("netlink", None)]
        assert e.run("errors").rows == []
    finally:
        e.close()
