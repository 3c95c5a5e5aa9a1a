"""The engine: finding and checking inputs, views over one or many traces, parameters, the live
summary's percentiles (equal to numpy's), info from the footer alone."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from renacer.analyze import catalogue
from renacer.analyze import engine as eng
from renacer.schema.trace import TRACE_SCHEMA, schema_with_metadata
from tests.analyze import scenarios
from tests.analyze.summary_query import summary_rows
from tests.analyze.tracebuilder import TraceBuilder


def _run(paths: list[str], query: str, **params) -> eng.Result:
    e = eng.load(paths)
    try:
        return e.run(query, params)
    finally:
        e.close()


# -- inputs ---------------------------------------------------------------------------------------


def test_a_missing_file_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(eng.InputError, match="nope.parquet: no such file"):
        eng.load([str(tmp_path / "nope.parquet")])


def test_a_glob_matching_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(eng.InputError, match=r"no trace matches .*\*\.parquet"):
        eng.load([str(tmp_path / "*.parquet")])


def test_a_folder_without_traces_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(eng.InputError, match="no .parquet trace in folder"):
        eng.load([str(tmp_path)])


def test_a_file_that_is_not_parquet_is_rejected(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_text("hello")
    with pytest.raises(eng.InputError, match="not a Parquet file"):
        eng.load([str(p)])


def test_parquet_without_renacer_metadata_is_rejected(tmp_path: Path) -> None:
    p = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"a": [1, 2]}), p)
    with pytest.raises(eng.InputError, match="not a renacer trace"):
        eng.load([str(p)])


def test_a_newer_schema_version_says_to_upgrade(tmp_path: Path) -> None:
    p = tmp_path / "future.parquet"
    empty = {f.name: pa.array([], f.type) for f in TRACE_SCHEMA}
    pq.write_table(pa.table(empty, schema=schema_with_metadata({"schema_version": 2})), p)
    with pytest.raises(eng.InputError, match="schema version 2.*upgrade renacer"):
        eng.load([str(p)])


def test_a_truncated_trace_points_to_recover(small_trace: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.parquet"
    data = small_trace.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(eng.InputError, match=f"truncated.*renacer-analyze recover {cut}"):
        eng.load([str(cut)])


def test_a_trace_missing_but_its_journal_present_points_to_recover(tmp_path: Path) -> None:
    (tmp_path / "killed.parquet.journal").write_bytes(b"\xff\xff\xff\xff")
    with pytest.raises(eng.InputError, match="killed.parquet.journal.*renacer-analyze recover"):
        eng.load([str(tmp_path / "killed.parquet")])


def test_a_path_with_a_quote_loads(small_trace: Path, tmp_path: Path) -> None:
    folder = tmp_path / "it's \"here\""
    folder.mkdir()
    p = shutil.copy(small_trace, folder / "o'brien.parquet")
    assert _run([str(p)], "summary", name="read").rows[0][:2] == ("read", 1)


def test_globs_folders_and_files_expand_to_each_trace_once(small_trace: Path, tmp_path: Path) -> None:
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    shutil.copy(small_trace, sub / "b.parquet")
    found = eng.expand_inputs([str(small_trace), str(tmp_path / "**" / "*.parquet"), str(tmp_path)])
    assert found == [str(small_trace), str(sub / "b.parquet")]


# -- one or many traces ---------------------------------------------------------------------------


def test_one_trace_has_no_trace_column_in_results(small_trace: Path) -> None:
    assert "trace" not in _run([str(small_trace)], "summary").columns


def test_several_traces_add_a_trace_column_named_after_each_file(small_trace: Path, tmp_path: Path) -> None:
    other = shutil.copy(small_trace, tmp_path / "other.parquet")
    result = _run([str(small_trace), str(other)], "summary", name="read")
    assert result.columns[:2] == ["trace", "syscall"]
    assert sorted(r[0] for r in result.rows) == ["other.parquet", "small.parquet"]


def test_hive_partitions_become_columns_after_trace(small_trace: Path, tmp_path: Path) -> None:
    for run in ("cold", "warm"):
        folder = tmp_path / "runs" / "host=a" / f"run={run}"
        folder.mkdir(parents=True)
        shutil.copy(small_trace, folder / "t.parquet")
    result = _run([str(tmp_path / "runs")], "summary", name="read")
    assert result.columns[:4] == ["trace", "host", "run", "syscall"]
    assert sorted(r[:4] for r in result.rows) == [
        ("run=cold/t.parquet", "a", "cold", "read"),
        ("run=warm/t.parquet", "a", "warm", "read"),
    ]
    e = eng.load([str(tmp_path / "runs" / "**" / "*.parquet")])
    rows = e.execute("SELECT DISTINCT host, run FROM syscalls ORDER BY run").rows
    e.close()
    assert rows == [("a", "cold"), ("a", "warm")]


def test_user_sql_sees_the_shared_views(refusals_trace: Path) -> None:
    e = eng.load([str(refusals_trace)])
    rows = e.execute("SELECT target, outcome FROM connects ORDER BY seq").rows
    e.close()
    assert rows == [("127.0.0.1:9", "ECONNREFUSED"), ("127.0.0.1:9", "ECONNREFUSED"),
                    ("127.0.0.1:8000", "connected"), ("127.0.0.3:81", "no answer"),
                    ("127.0.0.1:7070", "ECONNREFUSED"), ("127.0.0.1:5005", "connected")]


def test_failing_sql_raises_query_error_with_duckdbs_message(small_trace: Path) -> None:
    e = eng.load([str(small_trace)])
    with pytest.raises(eng.QueryError, match='Referenced column "nope" not found'):
        e.execute("SELECT nope FROM syscalls")
    e.close()


def test_unknown_query_parameters_are_rejected(small_trace: Path) -> None:
    e = eng.load([str(small_trace)])
    with pytest.raises(eng.InputError, match="has no parameter top"):
        e.run("summary", {"top": 3})
    e.close()


def test_a_parameter_left_unset_gets_the_default_its_header_declares(tmp_path: Path) -> None:
    b = TraceBuilder(pid=42)
    for i in range(30):
        b.close(100 + i, dur=1_000 + i)
    path = str(b.save(tmp_path / "many.parquet"))
    assert catalogue.load_query("slow").defaults == {"top": 20}
    assert len(_run([path], "slow").rows) == 20
    assert len(_run([path], "slow", top=5).rows) == 5
    assert len(_run([path], "slow", top=None).rows) == 20


def test_a_dollar_in_a_string_or_a_comment_is_not_a_parameter() -> None:
    q = catalogue.parse_header("x", Path("x.sql"), "-- x: about $not_this\nSELECT '$nor_this' AS a, $this AS b -- $nor\n")
    assert q.used_params == ["this"]


def test_a_canned_query_that_is_not_one_select_is_refused(small_trace: Path) -> None:
    e = eng.load([str(small_trace)])
    try:
        for text, why in [("DROP VIEW events", "must be a SELECT, not DROP"),
                          ("SELECT 1; SELECT 2", "must be one statement, not 2")]:
            q = catalogue.parse_header("bad", Path("bad.sql"), f"-- bad: bad\n{text}\n")
            with pytest.raises(eng.QueryError, match=why):
                e.run(q)
        assert e.execute("SELECT count(*) FROM events").rows[0][0] > 0  # events is still there
    finally:
        e.close()


def test_sql_that_is_only_comments_is_empty(small_trace: Path) -> None:
    e = eng.load([str(small_trace)])
    try:
        for text in ["", "  ;  ", "-- nothing\n/* at all */ ;"]:
            with pytest.raises(eng.QueryError, match="the SQL is empty"):
                e.execute(text)
    finally:
        e.close()


def test_names_in_comments_and_strings_create_no_shared_view(small_trace: Path) -> None:
    e = eng.load([str(small_trace)])
    try:
        e.execute("SELECT 'sockets' AS s /* connects */ FROM syscalls -- procs")
        assert e._created == {"syscalls"}
    finally:
        e.close()


def test_progress_is_reported_while_a_query_runs(small_trace: Path) -> None:
    seen: list[float] = []
    e = eng.load([str(small_trace)])
    e.run("summary", on_progress=seen.append)
    e.close()
    assert seen and seen[-1] == 100.0


# -- the live summary -------------------------------------------------------------------------------


def test_summary_rows_percentiles_equal_numpys_linear_percentiles() -> None:
    b = scenarios.big_summary()
    table = b.table()
    rows = {r["syscall"]: r for r in summary_rows(table)}
    for name in ("read", "write"):
        durations = np.array([r["dur_ns"] for r in b.rows if r["name"] == name], dtype=np.float64)
        got = rows[name]
        assert got["calls"] == len(durations)
        assert got["total_ns"] == int(durations.sum())
        assert got["max_ns"] == int(durations.max())
        for key, q in (("p50_ns", 50), ("p90_ns", 90), ("p99_ns", 99)):
            # one definition: quantile_cont == numpy's default "linear", to the nanosecond
            assert abs(got[key] - np.percentile(durations, q)) <= 0.5 + 1e-6, key


def test_summary_percentiles_are_null_under_two_calls() -> None:
    rows = {r["syscall"]: r for r in summary_rows(scenarios.big_summary(3).table())}
    assert rows["getpid"] == {"syscall": "getpid", "calls": 1, "errors": 0, "total_ns": 10, "avg_ns": 10,
                              "p50_ns": None, "p90_ns": None, "p99_ns": None, "max_ns": 10}
    assert rows["read"]["p50_ns"] is not None


def test_summary_rows_sorts_by_total_time_and_counts_errors() -> None:
    b = TraceBuilder()
    b.openat("/a", err="ENOENT", dur=10)
    b.openat("/b", 3, dur=30)
    b.call("read", (3, 0, 10), 10, dur=100)
    b.exit(0)
    rows = summary_rows(b.table())
    assert [(r["syscall"], r["calls"], r["errors"], r["total_ns"]) for r in rows] == [
        ("read", 1, 0, 100), ("openat", 2, 1, 40), ("exit_group", 1, 0, 0)]


# -- info -------------------------------------------------------------------------------------------


def test_info_reads_the_footer(small_trace: Path) -> None:
    e = eng.load([str(small_trace)])
    (row,) = eng.info_rows(e)
    e.close()
    assert row["trace"] == "small.parquet"
    assert row["rows"] == 6  # 4 calls, exit_group, the exit event
    assert row["schema_version"] == 1
    assert row["hostname"] == "builder"
    assert row["exit_status"] == "exited 0"
    assert row["events_dropped"] == 0
    assert row["recorded_at"] == "2023-11-14T22:13:20.000000Z"


def test_exit_text_reads_the_recorders_exit_status() -> None:
    assert eng.exit_text({"code": 7, "signal": None}) == "exited 7"
    assert eng.exit_text({"code": None, "signal": "SIGKILL"}) == "killed by SIGKILL"
    assert eng.exit_text(3) == "exited 3"
    assert eng.exit_text(None) is None


# -- queries --------------------------------------------------------------------------------------


def test_every_canned_query_is_listed_with_what_it_answers() -> None:
    names = [q.name for q in eng.list_queries()]
    assert names == ["connections", "diff_runs", "diff_syscalls", "diff_targets", "dns", "dns_ports", "errors",
                     "files", "hist", "hist_target", "processes", "refused", "slow", "summary",
                     "summary_by_source", "timeline"]
    assert all(q.summary for q in eng.list_queries())


def test_shared_views_are_created_only_when_used(small_trace: Path) -> None:
    e = eng.load([str(small_trace)])
    e.run("summary")
    assert "sockets" not in e._created and "syscalls" in e._created
    e.run("connections")
    assert {"sockets", "socket_calls", "connects"} <= e._created
    e.close()


def test_env_independent_labels_for_several_folders(tmp_path: Path, small_trace: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    pa_ = shutil.copy(small_trace, tmp_path / "a" / "t.parquet")
    pb = shutil.copy(small_trace, tmp_path / "b" / "t.parquet")
    e = eng.load([str(pa_), str(pb)])
    labels = [t.label for t in e.traces]
    sql_labels = sorted(r[0] for r in e.execute("SELECT DISTINCT trace FROM events").rows)
    e.close()
    assert labels == [os.path.join("a", "t.parquet"), os.path.join("b", "t.parquet")] == sql_labels
