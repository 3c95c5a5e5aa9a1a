"""The diff queries (queries/diff_*.sql) on hand-built traces: per-run statistics are summary.sql's,
targets are normalized so that what changes by itself between runs does not count as a change."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from renacer.analyze import engine as eng
from tests.analyze import scenarios
from tests.analyze.tracebuilder import TraceBuilder


def sides(base: list[Path], head: list[Path]) -> Callable[[str], list[dict[str, Any]]]:
    e = eng.load_sides([str(p) for p in base], [str(p) for p in head])
    labels = [t.label for t in e.traces if t.label.startswith("base/")]

    def run(query: str) -> list[dict[str, Any]]:
        return e.run(query, {"base": labels}).dicts()

    return run


def test_per_run_statistics_are_summary_sql_s(tmp_path: Path) -> None:
    builder, _ = scenarios.refusals()
    trace = builder.save(tmp_path / "refusals.parquet")
    summary = {r["syscall"]: r for r in eng.load([str(trace)]).run("summary").dicts()}
    rows = sides([trace], [trace])("diff_syscalls")
    assert {r["syscall"] for r in rows} == set(summary)
    for r in rows:
        expected = summary[r["syscall"]][r["metric"]] if r["metric"] != "bytes" else r["base"]
        assert r["base"] == r["head"] == expected, r
        assert r["change"] == (None if expected is None else 0) and r["status"] == "both"


def test_counts_are_means_per_run_and_times_medians_over_runs(tmp_path: Path) -> None:
    paths = []
    for i, (reads, dur) in enumerate([(2, 1_000), (4, 3_000), (3, 2_000)]):
        b = TraceBuilder(pid=10 + i)
        for _ in range(reads):
            b.read(0, b"x", dur=dur)
        paths.append(b.save(tmp_path / f"r{i}.parquet"))
    rows = {r["metric"]: r for r in sides(paths, paths[:1])("diff_syscalls") if r["syscall"] == "read"}
    assert rows["calls"]["base"] == 3.0 and rows["calls"]["head"] == 2.0
    assert rows["calls"]["base_runs"] == [2, 4, 3] and rows["calls"]["change_pct"] == pytest.approx(-100 / 3)
    assert rows["total_ns"]["base"] == 6_000 and rows["total_ns"]["base_runs"] == [2_000, 12_000, 6_000]
    assert rows["p50_ns"]["base"] == 2_000 and rows["bytes"]["base"] == 3.0


def test_a_syscall_only_one_side_made_is_new_or_vanished(tmp_path: Path) -> None:
    a, b = TraceBuilder(), TraceBuilder()
    a.call("getpid", ret=1000)
    b.call("getuid", ret=0)
    rows = sides([a.save(tmp_path / "a.parquet")], [b.save(tmp_path / "b.parquet")])("diff_syscalls")
    calls = {r["syscall"]: (r["status"], r["base"], r["head"]) for r in rows if r["metric"] == "calls"}
    assert calls == {"getpid": ("vanished", 1.0, 0.0), "getuid": ("new", 0.0, 1.0)}
    p99 = {r["syscall"]: (r["base"], r["head"]) for r in rows if r["metric"] == "total_ns"}
    assert p99 == {"getpid": (1_000, 0), "getuid": (0, 1_000)}


def run_of(pid: int, port: int, tmp: str, pts: int, extra_target: str | None = None) -> TraceBuilder:
    """One run of a program: what changes between two runs of it is its pid, its ephemeral port,
    its temporary folder and its terminal."""
    b = TraceBuilder(pid=pid)
    b.openat(f"/proc/{pid}/status", 3)
    b.openat(f"/proc/self/fd/{pid % 7 + 3}", 4)
    b.openat(f"/dev/pts/{pts}", 5)
    b.openat(f"{tmp}/tmpq{pid}x9z/data.{pid}.json", 6)
    b.openat(f"{tmp}/missing.lock", err="ENOENT")
    b.socket(7)
    b.connect(7, "127.0.0.1", port)
    b.socket(8)
    b.connect(8, "127.0.0.1", 5432)
    b.socket(9, domain=1)
    b.connect(9, f"{tmp}/agent.sock", None, err="ENOENT")
    b.read(7, b"", err="EAGAIN")
    if extra_target:
        b.openat(extra_target, err="ENOENT")
    b.exit(0)
    return b


def test_pids_fds_ephemeral_ports_and_temporary_paths_do_not_make_two_runs_differ(tmp_path: Path) -> None:
    a = run_of(1234, 41000, "/tmp/pytest-of-ci/pytest-7/test_x0", 3).save(tmp_path / "a.parquet")
    b = run_of(98765, 52311, "/tmp/pytest-of-ci/pytest-8/test_x1", 11).save(tmp_path / "b.parquet")
    rows = sides([a], [b])("diff_targets")
    assert [(r["kind"], r["target"]) for r in rows if r["change"] != "same"] == []
    targets = {(r["kind"], r["target"]) for r in rows}
    assert targets == {
        ("connect", "127.0.0.1:<ephemeral>"),
        ("connect", "127.0.0.1:5432"),
        ("connect", "/tmp/*/*/*/agent.sock"),
        ("open", "/proc/<pid>/status"),
        ("open", "/proc/self/fd/<fd>"),
        ("open", "/dev/pts/<n>"),
        ("open", "/tmp/*/*/*/*/data.#.json"),
        ("error", "openat ENOENT /tmp/*/*/*/missing.lock"),
        ("error", "connect ENOENT /tmp/*/*/*/agent.sock"),
        ("error", "read EAGAIN"),
    }


def test_a_new_error_and_a_new_target_are_reported_and_timing_errnos_are_marked(tmp_path: Path) -> None:
    a = run_of(1234, 41000, "/tmp/a", 3).save(tmp_path / "a.parquet")
    b = run_of(1235, 41001, "/tmp/b", 3, extra_target="/etc/app/new.conf").save(tmp_path / "b.parquet")
    rows = {(r["kind"], r["target"]): r for r in sides([a], [b])("diff_targets")}
    new = rows[("error", "openat ENOENT /etc/app/new.conf")]
    assert (new["base"], new["head"], new["base_seen"], new["head_seen"], new["change"], new["deterministic"]) == (
        0.0, 1.0, 0, 1, "new", True)
    assert rows[("error", "read EAGAIN")]["deterministic"] is False


def test_runs_have_time_in_syscalls_and_wall_time(tmp_path: Path) -> None:
    b = TraceBuilder()
    b.read(0, b"x", dur=5_000)
    b.call("nanosleep", dur=1_000_000)
    with_duration = b.save(tmp_path / "a.parquet", duration_ns=2_000_000)
    without = b.save(tmp_path / "b.parquet")
    rows = {r["metric"]: r for r in sides([with_duration], [without])("diff_runs")}
    assert rows["total_time_ns"]["base"] == rows["total_time_ns"]["head"] == 1_005_000
    assert rows["wall_time_ns"]["base"] == 2_000_000  # the recorder's own figure when it wrote one
    assert rows["wall_time_ns"]["head"] == 5_000 + 1_000 + 1_000_000  # else the span of the rows
    assert (rows["calls"]["base"], rows["errors"]["head"]) == (2.0, 0.0)
