"""Each canned query on hand-built traces of the situations it must recognise, row for row."""
from __future__ import annotations

from typing import Any

from renacer.analyze import engine as eng


def _end(row: dict[str, Any]) -> int:
    return row["ts_ns"] + row["dur_ns"]


def test_refused_catches_blocking_non_blocking_and_udp_refusals(run_scenario) -> None:
    result, r = run_scenario("refusals", "refused")
    assert result.columns == ["target", "proto", "refused", "first_ns", "last_ns", "learned_by", "pids", "process", "source"]
    curl = "curl http://127.0.0.1:9/"
    assert result.rows == [
        # getsockopt(SO_ERROR) = [ECONNREFUSED] after EINPROGRESS, then a blocking connect
        ("127.0.0.1:9", "tcp", 2, _end(r["so_error"]), _end(r["blocking"]), "connect, getsockopt SO_ERROR", [200], curl, None),
        # EINPROGRESS, EALREADY, then the checking connect says ECONNREFUSED: one refusal
        ("127.0.0.1:7070", "tcp", 1, _end(r["loop_check"]), _end(r["loop_check"]), "connect", [200], curl, None),
        # connected UDP socket: the read after an ICMP port unreachable
        ("127.0.0.1:5005", "udp", 1, _end(r["udp_refused"]), _end(r["udp_refused"]), "read", [200], curl, None),
    ]


def test_connections_follow_non_blocking_connects_to_their_outcome(run_scenario) -> None:
    result, r = run_scenario("refusals", "connections")
    got = [(row[1], row[4], row[7], row[8], row[15]) for row in result.rows]  # fd, peer, connect_ns, result, ended
    assert got == [
        (3, "127.0.0.1:9", _end(r["so_error"]) - r["nb_connect"]["ts_ns"], "ECONNREFUSED", "connect failed: ECONNREFUSED"),
        (3, "127.0.0.1:9", r["blocking"]["dur_ns"], "ECONNREFUSED", "connect failed: ECONNREFUSED"),
        (4, "127.0.0.1:8000", _end(r["ok_so_error"]) - r["ok_connect"]["ts_ns"], "connected", "closed"),
        (5, "127.0.0.3:81", None, "no answer", "connect failed: no answer"),
        (6, "127.0.0.1:7070", _end(r["loop_check"]) - r["loop_connect"]["ts_ns"], "ECONNREFUSED", "connect failed: ECONNREFUSED"),
        (7, "127.0.0.1:5005", 1000, "connected", "refused (ECONNREFUSED)"),
    ]


def test_dns_pairs_answers_and_reports_the_primary_timeout_and_fallback(run_scenario) -> None:
    result, r = run_scenario("dns_fallback", "dns")
    assert result.columns == ["pid", "server", "name", "type", "sent_ns", "latency_ns", "rcode", "answers",
                              "status", "waited_ns", "attempt", "note"]
    assert result.rows == [
        (300, "127.0.0.1:53", "example.com", "A", r["q1"]["ts_ns"], None, None, None, "timeout",
         r["q2"]["ts_ns"] - r["q1"]["ts_ns"], 1, "no answer; retried on 127.0.0.2:53"),
        (300, "127.0.0.2:53", "example.com", "A", r["q2"]["ts_ns"], _end(r["a2"]) - r["q2"]["ts_ns"], "NOERROR", 1,
         "ok", None, 2, "fallback: 127.0.0.1:53 did not answer"),
        (300, "127.0.0.2:53", "example.com", "AAAA", r["q6"]["ts_ns"], _end(r["a6"]) - r["q6"]["ts_ns"], "NOERROR", 0,
         "ok", None, 1, None),
        (300, "127.0.0.2:53", "nope.invalid", "A", r["qx"]["ts_ns"], _end(r["ax"]) - r["qx"]["ts_ns"], "NXDOMAIN", 0,
         "error", None, 1, None),
    ]


def test_dns_port_parameter_selects_another_server_port(run_scenario) -> None:
    result, _ = run_scenario("dns_fallback", "dns", port=5353)
    assert result.rows == []


def test_errors_give_the_guides_causes_and_fixes(run_scenario) -> None:
    result, r = run_scenario("failures", "errors")
    assert result.columns == ["syscall", "error", "target", "calls", "first_ns", "last_ns", "pids", "cause", "fix", "source"]
    got = [(row[0], row[1], row[2], row[3]) for row in result.rows]
    assert got == [
        ("recvfrom", "ECONNRESET", "127.0.0.1:8001", 1),
        ("sendto", "EPIPE", "127.0.0.1:8002", 1),
        ("recvfrom", "EAGAIN (SO_RCVTIMEO)", "127.0.0.1:8003", 1),
        ("read", "EOF (= 0)", "127.0.0.1:8004", 1),
        ("read", "tiny receives", "127.0.0.1:8004", 120),
        ("openat", "ENOENT", "/etc/missing.conf", 1),
        ("read", "EAGAIN", "127.0.0.1:8004", 1),
    ]
    causes = {row[1]: (row[7], row[8]) for row in result.rows}
    assert "server crashed" in causes["ECONNRESET"][0] and "proxy" in causes["ECONNRESET"][1]
    assert "SIGPIPE" in causes["EPIPE"][1]
    assert causes["EAGAIN (SO_RCVTIMEO)"][0].endswith("(SO_RCVTIMEO: 5 s)")
    assert causes["tiny receives"][0].startswith("120 receives averaging 1.0 bytes from 127.0.0.1:8004")
    assert "SO_RCVBUF" in causes["tiny receives"][1]
    assert "event loop" in causes["EAGAIN"][0]
    timeout = result.rows[2]
    assert timeout[4] == timeout[5] == r["timeout"]["ts_ns"]


def test_errors_count_refusals_once_however_they_were_learned(run_scenario) -> None:
    result, _ = run_scenario("refusals", "errors")
    got = [(row[0], row[1], row[2], row[3]) for row in result.rows]
    assert got == [
        ("connect", "ECONNREFUSED", "127.0.0.1:9", 2),  # blocking + SO_ERROR
        ("connect", "ECONNREFUSED", "127.0.0.1:7070", 1),  # EALREADY then refused: once
        ("read", "ECONNREFUSED", "127.0.0.1:5005", 1),
        ("connect", "no answer", "127.0.0.3:81", 1),
    ]
    assert result.rows[0][8] == "start the server or fix the address; check what listens with: ss -tlnp | grep :9"


def test_errors_tiny_receive_thresholds_are_parameters(run_scenario) -> None:
    result, _ = run_scenario("failures", "errors", tiny_calls=200)
    assert "tiny receives" not in [row[1] for row in result.rows]


def test_connections_tag_http_tls_websocket_and_server_sockets(run_scenario) -> None:
    result, _ = run_scenario("protocols", "connections")
    got = [(row[2], row[3], row[4], row[5], row[13], row[14], row[15]) for row in result.rows]
    assert got == [
        ("tcp", "client", "127.0.0.1:8000", None, "HTTP/1.1", "GET /index.html → 200 OK", "peer closed (EOF)"),
        ("tcp", "client", "127.0.0.1:8443", None, "TLS 1.3", "ClientHello → ServerHello → application data", "closed"),
        ("tcp", "client", "127.0.0.1:8765", None, "WebSocket", "GET /ws → 101 Switching Protocols", "closed"),
        ("tcp", "listen", None, "127.0.0.1:9000", None, None, "open at end of trace"),
        ("tcp", "accepted", "127.0.0.1:40000", None, "HTTP/1.1", "POST /api → 404 Not Found", "closed"),
    ]
    tls = result.rows[1]
    assert (tls[9], tls[10], tls[11], tls[12]) == (1, 517, 5, 5 + 122 + 5 + 1 + 5)  # sends, out, recvs, in


def test_connections_tag_dns_sockets(run_scenario) -> None:
    result, _ = run_scenario("dns_fallback", "connections")
    assert [(row[3], row[4], row[13], row[14]) for row in result.rows] == [
        ("unconnected", "127.0.0.1:53", "DNS", "A example.com"),
        ("unconnected", "127.0.0.2:53", "DNS", "A example.com → NOERROR (1 answer)"),
        ("client", "127.0.0.2:53", "DNS", "AAAA example.com → NOERROR (0 answers)"),
    ]


def test_processes_show_the_tree_execs_and_how_each_ended(run_scenario) -> None:
    result, r = run_scenario("processes", "processes")
    assert result.columns == ["pid", "ppid", "command", "execs", "threads", "syscalls", "started_ns", "ended_ns", "exit"]
    sh = "sh -c 'ls /tmp; sleep 9'"
    assert [(row[0], row[1], row[2], row[3], row[8]) for row in result.rows] == [
        (600, 1, sh, 0, "exited 137"),
        (601, 600, "  ls /tmp", 1, "exited 0"),
        (602, 600, "  " + sh, 0, "killed by SIGKILL"),  # forked, never exec'd: runs sh
    ]
    assert result.rows[1][7] == r["exit1"]["ts_ns"]


def test_files_count_opens_errors_and_bytes_per_path(run_scenario) -> None:
    result, _ = run_scenario("refusals", "files")
    assert result.columns == ["path", "opens", "failed", "errors", "reads", "bytes_read", "writes", "bytes_written", "first_ns"]
    assert [row[:8] for row in result.rows] == [("/etc/hosts", 1, 0, None, 1, 20, 0, 0)]
    result, _ = run_scenario("failures", "files")
    assert [row[:8] for row in result.rows] == [("/etc/missing.conf", 0, 1, ["ENOENT"], 0, 0, 0, 0)]


def test_slow_lists_the_longest_calls_with_their_targets(run_scenario) -> None:
    result, r = run_scenario("refusals", "slow", top=3)
    assert result.columns == ["seq", "at_ns", "pid", "tid", "syscall", "dur_ns", "result", "target", "source"]
    assert [(row[4], row[5], row[6], row[7]) for row in result.rows] == [
        ("poll", 3_000_000_000, "0", None),
        ("socket", 1000, "3", "127.0.0.1:9"),  # ties: first in the trace first
        ("connect", 1000, "-EINPROGRESS", "127.0.0.1:9"),
    ]
    result, _ = run_scenario("refusals", "slow", name="read", top=5)
    assert [(row[4], row[6], row[7]) for row in result.rows] == [("read", "-ECONNREFUSED", "127.0.0.1:5005"),
                                                                 ("read", "20", "/etc/hosts")]


def test_summary_filters_by_name(run_scenario) -> None:
    result, _ = run_scenario("refusals", "summary", name="connect")
    assert [row[:3] for row in result.rows] == [("connect", 8, 7)]  # 7 failed: 4 EINPROGRESS, EALREADY, 2 refused


def test_every_query_runs_on_every_scenario(tmp_path) -> None:
    from tests.analyze import scenarios

    paths = []
    for name in ("refusals", "dns_fallback", "failures", "protocols", "processes"):
        builder, _ = getattr(scenarios, name)()
        paths.append(str(builder.save(tmp_path / f"{name}.parquet")))
    e = eng.load(paths)
    try:
        for q in eng.list_queries():
            result = e.run(q)
            if "base" not in q.params:  # diff_* queries compare two sides ($base), not each trace
                assert result.columns[0] == "trace", q.name
    finally:
        e.close()


def test_a_long_eagain_is_a_receive_timeout_even_when_its_setsockopt_was_not_traced(tmp_path) -> None:
    """-e trace=recvfrom: no socket() nor setsockopt row; a receive that waited 2 s and failed
    with EAGAIN timed out, it was not an idle event loop. A fast EAGAIN stays an event loop's."""
    from renacer.analyze import engine as eng
    from tests.analyze.tracebuilder import TraceBuilder

    b = TraceBuilder(pid=9)
    b.recv(3, None, err="EAGAIN", dur=2_020_000_000)
    b.recv(4, None, err="EAGAIN", dur=3_000)
    b.exit(0)
    engine = eng.load([str(b.save(tmp_path / "t.parquet"))])
    try:
        rows = {(r["target"], r["error"]): r["cause"] for r in engine.run("errors", {}).dicts()}
    finally:
        engine.close()
    slow = rows[("fd 3", "EAGAIN (SO_RCVTIMEO)")]
    assert "waited 2.02 s and timed out" in slow and "not in the trace" in slow
    assert "event loop" in rows[("fd 4", "EAGAIN")]
