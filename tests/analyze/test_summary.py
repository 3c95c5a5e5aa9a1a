"""The plain-Python -c summary (analyze/summary.py) gives exactly queries/summary.sql's numbers
(run by DuckDB through tests/analyze/summary_query.py): on random durations, on the sample traces and on a
fresh recording read the live way (capture/rows.py)."""
from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from renacer.analyze.render.columns import ArrowColumns
from renacer.analyze.summary import Summary, quantile_cont, round_half_away
from renacer.schema.trace import TRACE_SCHEMA
from tests.analyze.summary_query import summary_rows

SAMPLES = sorted((Path(__file__).parents[2] / "sample_traces").glob("*.parquet"))


def plain_rows(table: pa.Table, parts: int = 1) -> list[dict]:
    summary = Summary()
    step = max(1, -(-table.num_rows // parts))
    for start in range(0, table.num_rows, step):  # fed batch by batch, as live
        summary.add(ArrowColumns(table.slice(start, step)))
    return summary.rows()


def random_table(rng: random.Random, n: int) -> pa.Table:
    names = ["read", "write", "openat", "close", "poll", "connect", "futex"][: rng.randint(1, 7)]
    scale = rng.choice([10, 1000, 10**6, 10**9, 10**12])
    rows = []
    for seq in range(n):
        finished = rng.random() > 0.05
        rows.append({
            "seq": 2 * seq, "exit_seq": 2 * seq + 1 if finished else None, "ts_ns": seq, "pid": 1, "tid": 1,
            "kind": rng.choice(["syscall"] * 9 + ["signal"]), "nr": 0, "name": rng.choice(names),
            "dur_ns": rng.randint(0, scale) if finished else None,
            "errno": "ENOENT" if rng.random() < 0.1 else None,
        })
    return pa.Table.from_pylist(rows, schema=TRACE_SCHEMA)


@pytest.mark.parametrize("seed", range(40))
def test_summary_equals_summary_sql_on_random_durations(seed: int) -> None:
    rng = random.Random(seed)
    table = random_table(rng, rng.choice([1, 2, 3, 5, 11, 100, 1001, 5000]))
    assert plain_rows(table, parts=rng.randint(1, 4)) == summary_rows(table)


def test_summary_rounds_interpolated_halves_away_from_zero_like_duckdb() -> None:
    rows = []
    for seq, dur in enumerate([1, 2, 4, 7, 3, 8, 10, 15]):  # medians and means ending in .5
        for name, d in (("a", dur), ("b", dur * 3), ("c", 2 * dur + 1)):
            rows.append({"seq": seq, "exit_seq": seq + 1, "ts_ns": 0, "pid": 1, "tid": 1, "kind": "syscall",
                         "nr": 0, "name": name, "dur_ns": d})
        table = pa.Table.from_pylist(rows, schema=TRACE_SCHEMA)
        assert plain_rows(table) == summary_rows(table), seq


def test_summary_rounds_a_p99_just_below_half_as_duckdb_does() -> None:
    """9865 + 0.98 * 2975 is 12780.5 on paper; DuckDB's fused multiply-add gives 12780.4999…,
    so its p99 is 12780 (seen on a real recording of three mprotect calls)."""
    rows = [{"seq": i, "exit_seq": i + 1, "ts_ns": 0, "pid": 1, "tid": 1, "kind": "syscall", "nr": 10,
             "name": "mprotect", "dur_ns": d} for i, d in enumerate([9014, 9865, 12840])]
    table = pa.Table.from_pylist(rows, schema=TRACE_SCHEMA)
    assert plain_rows(table) == summary_rows(table)
    assert plain_rows(table)[0]["p99_ns"] == 12780


def test_summary_of_no_syscall_is_empty() -> None:
    assert plain_rows(TRACE_SCHEMA.empty_table()) == summary_rows(TRACE_SCHEMA.empty_table()) == []


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_summary_equals_summary_sql_on_sample_traces(path: Path) -> None:
    table = pq.read_table(path)
    assert plain_rows(table, parts=3) == summary_rows(table)


def test_summary_equals_summary_sql_on_a_recording_read_the_live_way() -> None:
    from renacer.capture.batches import to_record_batch
    from renacer.capture.rows import RowBatch
    from tests.capture.test_rows import record_raw

    raws = record_raw(["dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=2000"], pending=False)
    summary = Summary()
    batches = []
    for raw in raws:
        summary.add(RowBatch(raw))
        batches.append(to_record_batch(raw))
    table = pa.Table.from_batches(batches, schema=TRACE_SCHEMA)
    assert summary.rows() == summary_rows(table)
    assert sum(r["calls"] for r in summary.rows()) > 4000


def test_helpers_match_their_definitions() -> None:
    assert [round_half_away(x) for x in (0.5, 1.5, 2.5, 0.49999999999999994, -0.5, 3.0)] == [1, 2, 3, 0, -1, 3]
    assert quantile_cont([10, 20], 0.5) == 15.0
    assert quantile_cont([1, 2, 3, 4, 5], 0.9) == pytest.approx(4.6)
    assert quantile_cont([1, 9865, 12840], 0.99) == 12780.499999999998


@pytest.mark.parametrize("seed", range(12))
def test_summary_equals_summary_sql_when_durations_span_many_sorted_runs(seed: int,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Durations are kept as sorted runs of 8-byte integers; the percentiles found by counting
    across the runs are still summary.sql's, ties and duplicates included."""
    from renacer.analyze.summary import _Stats

    monkeypatch.setattr(_Stats, "RUN", 7)
    rng = random.Random(1000 + seed)
    table = random_table(rng, rng.choice([50, 300, 2000]))
    if seed % 2:  # many equal durations: the k-th value sits inside a run of ties
        table = table.set_column(table.schema.get_field_index("dur_ns"), "dur_ns",
                                 pa.array([None if d is None else d % 5 for d in table.column("dur_ns").to_pylist()],
                                          pa.int64()))
    assert plain_rows(table, parts=rng.randint(5, 40)) == summary_rows(table)


def test_durations_are_kept_as_eight_byte_integers() -> None:
    from renacer.analyze.summary import _Stats

    summary = Summary()
    n = 3 * _Stats.RUN + 5
    for start in range(0, n, 1000):  # batch by batch, as fed: a run is sealed after a batch
        part = range(start, min(start + 1000, n))
        summary.add({"kind": ["syscall"] * len(part), "name": ["read"] * len(part), "seq": list(part),
                     "dur_ns": [n - i for i in part], "errno": [None] * len(part)})
    stats = summary._by_name["read"]
    assert len(stats.durations.runs) >= 2 and all(r.itemsize == 8 for r in stats.durations.runs)
    assert len(stats.tail) < _Stats.RUN and sum(map(len, stats.durations.runs)) + len(stats.tail) == n
    durations = stats.seal()
    assert len(durations) == n and [durations[k] for k in (0, 1, n - 1)] == [1, 2, n]
