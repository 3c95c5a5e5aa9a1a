"""queries/hist.sql: its buckets equal a direct count of the durations in the trace."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from renacer.analyze import engine as eng
from tests.analyze.tracebuilder import TraceBuilder

SAMPLES = Path(__file__).resolve().parents[2] / "sample_traces"


def log2_lo(v: int) -> int:
    """The bucket start of bpftrace's hist(): 0 for 0, else the highest power of two <= v."""
    return 0 if v == 0 else 1 << (v.bit_length() - 1)


def direct_counts(path: Path, unit_ns: int, step: int | None = None, name: str | None = None) -> Counter:
    table = pq.read_table(path, columns=["kind", "name", "dur_ns"]).to_pylist()
    out: Counter = Counter()
    for r in table:
        if r["kind"] != "syscall" or r["dur_ns"] is None or (name and r["name"] != name):
            continue
        v = r["dur_ns"] // unit_ns
        lo = (v // step) * step if step else log2_lo(v)
        out[(r["name"], lo)] += 1
    return out


def sql_counts(path: Path, **params) -> Counter:
    engine = eng.load([str(path)])
    try:
        result = engine.run("hist", params)
    finally:
        engine.close()
    rows = result.dicts()
    for r in rows:  # every bucket is [lo, hi) of the right width
        if params.get("step"):
            assert r["hi"] - r["lo"] == params["step"]
        else:
            assert r["hi"] == (1 if r["lo"] == 0 else 2 * r["lo"])
    return Counter({(r["key"], r["lo"]): r["count"] for r in rows})


@pytest.mark.parametrize("trace", ["http_curl.parquet", "refused_curl.parquet", "dns_fallback.parquet",
                                   "cache/run=cold/trace.parquet"])
@pytest.mark.parametrize("unit_ns", [1, 1_000, 1_000_000])
def test_log2_buckets_equal_a_direct_count_over_the_trace(trace: str, unit_ns: int) -> None:
    path = SAMPLES / trace
    expected = direct_counts(path, unit_ns)
    assert sum(expected.values()) > 100
    assert sql_counts(path, unit_ns=unit_ns) == expected


@pytest.mark.parametrize("step", [1, 7, 50])
def test_linear_buckets_equal_a_direct_count_over_the_trace(step: int) -> None:
    path = SAMPLES / "http_curl.parquet"
    assert sql_counts(path, unit_ns=1_000, step=step) == direct_counts(path, 1_000, step)


def test_one_syscall_only() -> None:
    path = SAMPLES / "http_curl.parquet"
    got = sql_counts(path, name="read")
    assert got == direct_counts(path, 1_000, name="read")
    assert {k for k, _ in got} == {"read"}


def test_bucket_edges_at_powers_of_two_are_exact(tmp_path: Path) -> None:
    # Durations at and next to powers of two, where log2 of a double could round the wrong way.
    durs = [0, 999, 1_000, 1_999, 2_000, 3_999, 4_000, (1 << 20) * 1_000 - 1, (1 << 20) * 1_000,
            (1 << 40) - 1, 1 << 40]
    b = TraceBuilder()
    for d in durs:
        b.call("getpid", (), 1, dur=d)
    b.call("getpid", (), None, unfinished=True)  # never returned: not counted
    path = b.save(tmp_path / "edges.parquet")
    for unit in (1, 1_000):
        expected = Counter(("getpid", log2_lo(d // unit)) for d in durs)
        assert sql_counts(path, unit_ns=unit) == expected


def test_by_target_counts_socket_calls_per_peer() -> None:
    path = SAMPLES / "http_curl.parquet"
    engine = eng.load([str(path)])
    try:
        rows = engine.run("hist_target").dicts()
        expected = Counter(r["peer"] for r in engine.execute(
            "SELECT peer FROM socket_calls WHERE dur_ns >= 0 AND peer IS NOT NULL").dicts())
    finally:
        engine.close()
    got: Counter = Counter()
    for r in rows:
        got[r["key"]] += r["count"]
    assert got["127.0.0.1:18080"] == expected["127.0.0.1:18080"] > 0
    assert {k: v for k, v in got.items() if not k.startswith("fd ")} == dict(expected)


def test_by_source_counts_per_file_and_line(tmp_path: Path) -> None:
    b = TraceBuilder()
    for line, d in ((10, 5_000), (10, 6_000), (20, 100_000)):
        b.call("getpid", (), 1, dur=d)["src_file"] = "client.c"
        b.rows[-1]["src_line"] = line
    b.call("getpid", (), 1, dur=1_000)  # no source location: not in a per-line histogram
    path = b.save(tmp_path / "src.parquet")
    assert sql_counts(path, by="source") == Counter({("client.c:10", 4): 2, ("client.c:20", 64): 1})
