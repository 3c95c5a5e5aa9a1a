"""The canned queries on sample_traces/: real programs recorded by renacer (see its README).

Rows are compared exactly except for pids and times, which change when record.py re-records
them; times are checked for what they must show instead (a timeout waited a second, …)."""
from __future__ import annotations

from pathlib import Path

import pytest

from renacer.analyze import engine as eng

SAMPLES = Path(__file__).resolve().parents[2] / "sample_traces"
pytestmark = pytest.mark.skipif(not (SAMPLES / "http_curl.parquet").exists(), reason="no sample traces")


def run(query: str, *names: str, **params) -> list[dict]:
    e = eng.load([str(SAMPLES / n) for n in names])
    try:
        return e.run(query, params).dicts()
    finally:
        e.close()


def test_http_curl_connection_is_tagged_http_with_its_status() -> None:
    (conn,) = [r for r in run("connections", "http_curl.parquet") if r["proto"] == "tcp"]
    assert {k: conn[k] for k in ("peer", "role", "result", "sends", "bytes_out", "protocol", "detail", "ended")} == {
        "peer": "127.0.0.1:18080", "role": "client", "result": "connected", "sends": 1, "bytes_out": 79,
        "protocol": "HTTP/1.1", "detail": "GET / → 200 OK", "ended": "closed"}
    assert conn["bytes_in"] > 60 and conn["connect_ns"] > 0


def test_refused_curl_is_caught_through_so_error() -> None:
    (row,) = run("refused", "refused_curl.parquet")
    assert (row["target"], row["proto"], row["refused"], row["learned_by"], row["process"]) == (
        "127.0.0.1:18081", "tcp", 1, "getsockopt SO_ERROR", "curl -s -o /dev/null http://127.0.0.1:18081/")
    errors = run("errors", "refused_curl.parquet")
    assert (errors[0]["syscall"], errors[0]["error"], errors[0]["target"]) == ("connect", "ECONNREFUSED", "127.0.0.1:18081")
    assert errors[0]["fix"].endswith("grep :18081")


def test_dns_primary_times_out_and_the_secondary_answers() -> None:
    rows = run("dns", "dns_fallback.parquet")
    stable = [(r["server"], r["name"], r["type"], r["rcode"], r["answers"], r["status"], r["attempt"], r["note"])
              for r in rows]
    assert stable == [
        ("127.0.0.1:53", "example.test", "A", None, None, "timeout", 1, "no answer; retried on 127.0.0.2:53"),
        ("127.0.0.2:53", "example.test", "A", "NOERROR", 1, "ok", 2, "fallback: 127.0.0.1:53 did not answer"),
        ("127.0.0.2:53", "example.test", "AAAA", "NOERROR", 0, "ok", 1, None),
    ]
    assert rows[0]["waited_ns"] >= 1_000_000_000  # the client's 1 s timeout
    assert 0 < rows[1]["latency_ns"] < 1_000_000_000


def test_tls_handshake_is_tagged_tls_13() -> None:
    (conn,) = [r for r in run("connections", "tls_curl.parquet") if r["proto"] == "tcp"]
    assert (conn["peer"], conn["protocol"], conn["detail"], conn["result"]) == (
        "127.0.0.1:18443", "TLS 1.3", "ClientHello → ServerHello → application data", "connected")


def test_cold_and_warm_runs_load_as_hive_partitions() -> None:
    rows = run("summary", "cache", name="poll")
    assert [(r["trace"], r["run"], r["syscall"]) for r in rows] == [
        ("run=cold/trace.parquet", "cold", "poll"), ("run=warm/trace.parquet", "warm", "poll")]
    cold, warm = rows
    assert cold["total_ns"] > 250_000_000 > warm["total_ns"]  # the server's 300 ms cold cache


def test_processes_and_info_of_a_recording() -> None:
    (proc,) = run("processes", "refused_curl.parquet")
    assert (proc["command"], proc["execs"], proc["exit"]) == ("curl -s -o /dev/null http://127.0.0.1:18081/", 1, "exited 7")
    e = eng.load([str(SAMPLES / "refused_curl.parquet")])
    (info,) = eng.info_rows(e)
    e.close()
    assert info["exit_status"] == "exited 7" and info["events_dropped"] == 0 and info["string_size"] == 64


def test_every_query_runs_on_all_sample_traces_at_once() -> None:
    e = eng.load([str(SAMPLES)])
    try:
        assert len(e.traces) == 7
        for q in eng.list_queries():
            columns = e.run(q).columns
            if "base" not in q.params:  # diff_* queries compare two sides ($base), not each trace
                assert columns[0] == "trace"
    finally:
        e.close()
