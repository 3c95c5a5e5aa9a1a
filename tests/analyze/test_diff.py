"""renacer-analyze diff: real recordings of a deterministic client against servers on 127.0.0.1,
the exact test, the gate grammar, and bad input."""
from __future__ import annotations

import itertools
import json
import re
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from renacer.analyze import diff
from renacer.analyze.cli import app
from tests.analyze.tracebuilder import TraceBuilder
from tests.conftest import run_renacer

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[2] / "sample_traces"
REQUESTS = 6
RUNS = 5


def invoke(*args: object):
    return runner.invoke(app, ["diff", *(str(a) for a in args)])


@contextmanager
def answering_server(delay_s: float) -> Iterator[int]:
    """A TCP server on 127.0.0.1 that answers each line with "pong\\n" after ``delay_s``."""

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            if self.rfile.readline():
                time.sleep(delay_s)
                self.wfile.write(b"pong\n")

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    with Server(("127.0.0.1", 0), Handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.server_address[1]
        finally:
            server.shutdown()


def record(exe: str, port: int, out: Path, extra_connects: int = 0) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    result = run_renacer(["-q", "-w", str(out), "--", exe, str(port), str(REQUESTS), str(extra_connects)])
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def recordings(program, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fast_a/, fast_b/: 5 runs each against a server that answers at once (run-to-run noise
    only); slow/: 5 runs against one that sleeps 200 ms first (well above any stall of a loaded machine); more/: one run with an extra
    connect. Recorded interleaved, so that load on the machine reaches every side alike."""
    exe = program("diff_client")
    root = tmp_path_factory.mktemp("diff")
    with answering_server(0.0) as fast, answering_server(0.2) as slow:
        for i in range(RUNS):
            record(exe, fast, root / "fast_a" / f"run{i}.parquet")
            record(exe, fast, root / "fast_b" / f"run{i}.parquet")
            record(exe, slow, root / "slow" / f"run{i}.parquet")
        record(exe, fast, root / "more" / "run0.parquet", extra_connects=1)
    return root


EVERY_GATE = ["calls(connect) > +0", "errors(connect) > +0", "calls(recvfrom) > +0", "new-errors",
              "new-targets", "p99(recvfrom) > +20%", "total-time > +10%", "avg(sendto) > +1ms"]


def gate_args(gates: list[str]) -> list[str]:
    return [a for g in gates for a in ("--fail-on", g)]


# -- recordings of a real program ------------------------------------------------------------------


def test_two_recordings_of_the_same_program_diff_to_no_change_and_pass_every_gate(recordings: Path) -> None:
    result = invoke(recordings / "fast_a" / "run0.parquet", recordings / "fast_b" / "run0.parquet",
                    *gate_args(EVERY_GATE))
    assert result.exit_code == 0, result.output
    assert "no change: the same calls, errors and targets; timings not tested" in result.stdout
    assert "FAIL" not in result.stdout
    # one run a side: timing gates are reported as not tested rather than failing on noise
    assert "untested  p99(recvfrom) > +20%" in result.stdout


def test_runs_of_the_same_program_against_different_ephemeral_ports_have_the_same_targets(recordings: Path) -> None:
    report = diff.compare([str(recordings / "fast_a")], [str(recordings / "slow")])
    connects = [t for t in report.targets if t["kind"] == "connect"]
    assert [(t["target"], t["base"], t["head"], t["change"]) for t in connects] == [
        ("127.0.0.1:<ephemeral>", REQUESTS, REQUESTS, "same")]


def test_a_variant_with_one_more_connect_fails_the_connect_gate(recordings: Path) -> None:
    result = invoke(recordings / "fast_a" / "run0.parquet", recordings / "more" / "run0.parquet",
                    "--fail-on", "calls(connect) > +0", "--fail-on", "new-errors")
    assert result.exit_code == 1, result.output
    assert f"gate failed: calls(connect) > +0: connect calls {REQUESTS} → {REQUESTS + 1} (+1)" in result.stderr
    assert "new-errors" not in result.stderr  # the other gate passed
    assert re.search(r"^FAIL +calls\(connect\) > \+0 +connect calls", result.stdout, re.M)
    assert "1 of 2 gate(s) failed" in result.stdout


def test_an_injected_200ms_delay_is_a_significant_p99_change_across_5_runs(recordings: Path) -> None:
    report = diff.compare([str(recordings / "fast_a")], [str(recordings / "slow")], [
        diff.parse_gate("p99(recvfrom) > +20%")])
    (recv,) = [s for s in report.syscalls if s.syscall == "recvfrom"]
    p99 = recv.metrics["p99_ns"]
    assert (len(p99.base_runs), len(p99.head_runs)) == (RUNS, RUNS)
    assert p99.head >= 190_000_000 > p99.base  # the server sleeps 200 ms; the call is timed from its entry
    assert p99.test is not None and p99.test.tested and p99.test.significant
    # 2/252 when every slow run is above every fast one; a fast run stalled by a loaded machine
    # can swap places with a slow one and still leave p <= 0.05
    assert p99.test.p_value <= 0.05
    assert recv.metrics["calls"].change == 0  # the same calls: only the time moved
    (gate,) = report.gates
    assert gate.failed and "one-sided over 5 vs 5 runs" in gate.detail


NOISE_GATES = ["p99(recvfrom) > +20%", "calls(connect) > +0", "calls(recvfrom) > +0", "new-errors", "new-targets"]


def noise_flagged(base: Path, head: Path) -> list[str]:
    """What a diff of two sets of runs of the same program wrongly calls a change."""
    report = diff.compare([str(base)], [str(head)], [diff.parse_gate(g) for g in NOISE_GATES])
    (recv,) = [s for s in report.syscalls if s.syscall == "recvfrom"]
    p99 = recv.metrics["p99_ns"]
    assert p99.test is not None and p99.test.tested and len(p99.head_runs) == RUNS
    flagged = [f"p99 {p99.base_runs} vs {p99.head_runs}: {p99.test.note}"] if p99.test.significant else []
    flagged += [g.detail for g in report.failed_gates]
    return flagged + [s.syscall for s in report.count_changes()]


def test_run_to_run_noise_alone_is_not_a_significant_p99_change(recordings: Path, program,
                                                                tmp_path: Path) -> None:
    """By design the test calls noise significant at a rate of at most alpha (here about 3%, as
    5 vs 5 runs allow p-values of 0.008, 0.016 and 0.032 under 0.05). A false alarm is redrawn
    once with fresh runs: two in a row (p < 0.002) would mean the test is wrong, not unlucky."""
    flagged = noise_flagged(recordings / "fast_a", recordings / "fast_b")
    if flagged:
        with answering_server(0.0) as port:
            for i in range(RUNS):
                record(program("diff_client"), port, tmp_path / "again" / f"run{i}.parquet")
        flagged = noise_flagged(recordings / "fast_a", tmp_path / "again")
    assert not flagged


def test_the_cli_exits_1_on_the_delay_listing_the_failed_gate_with_its_numbers(recordings: Path) -> None:
    result = invoke(f"{recordings}/fast_a/*.parquet", recordings / "slow",
                    *gate_args(["p99(recvfrom) > +20%", "calls(connect) > +0"]))
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.splitlines()
    assert re.fullmatch(r"gate failed: p99\(recvfrom\) > \+20%: recvfrom p99 \S+ → \d+\.\d+ms \(\d+(?:\.\d+)?× slower\), "
                        r"p=0\.0\d+ one-sided over 5 vs 5 runs", line), line


# -- output formats --------------------------------------------------------------------------------


def test_json_has_the_documented_fields(recordings: Path) -> None:
    result = invoke(recordings / "fast_a", recordings / "more", "--format", "json", "--fail-on", "new-targets")
    assert result.exit_code == 0, result.output  # the extra connect goes to the same target
    doc = json.loads(result.stdout)
    assert doc["format"] == "renacer-diff/1"
    assert set(doc) == {"format", "base", "head", "statistics", "runs", "syscalls", "targets", "gates",
                        "changed", "summary"}
    assert (doc["base"]["runs"], doc["head"]["runs"]) == (RUNS, 1)
    assert doc["statistics"]["test"] == "mann-whitney-u" and doc["statistics"]["tested"] is False
    connect = next(s for s in doc["syscalls"] if s["syscall"] == "connect")
    assert connect["metrics"]["calls"] == {"base": REQUESTS, "head": REQUESTS + 1, "change": 1,
                                           "change_pct": pytest.approx(100 / REQUESTS),
                                           "base_runs": [REQUESTS] * RUNS, "head_runs": [REQUESTS + 1]}
    assert set(connect["metrics"]["p99_ns"]["test"]) == {"tested", "p_value", "significant", "note"}
    assert doc["gates"] == [{"gate": "new-targets", "failed": False, "tested": True, "detail": "0 new target(s)",
                             "value": 0.0, "threshold": 0}]
    assert doc["changed"] is True and "connect" in doc["summary"]


def test_markdown_is_tables_for_a_ci_summary(recordings: Path) -> None:
    result = invoke(recordings / "fast_a", recordings / "slow", "--format", "markdown")
    assert result.exit_code == 0
    assert "**syscalls (per run)**" in result.stdout
    assert "| syscall | calls | errors | total | avg | p50 | p99 |" in result.stdout
    line = next(x for x in result.stdout.splitlines() if x.startswith("| recvfrom "))
    assert "× slower" in line and re.search(r"p99 \+\d+% \(p=0\.0\d+\)", line), line


def test_csv_is_one_row_per_syscall_and_metric(recordings: Path) -> None:
    result = invoke(recordings / "fast_a" / "run0.parquet", recordings / "fast_b" / "run0.parquet", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0] == "syscall,status,metric,base,head,change,change_pct,p_value,significant"
    assert f"connect,both,calls,{REQUESTS},{REQUESTS},0,0.0,," in lines


# -- sample traces: the guide's comparisons -----------------------------------------------------------

needs_samples = pytest.mark.skipif(not (SAMPLES / "cache").exists(), reason="no sample traces")


@needs_samples
def test_sample_cold_and_warm_runs_make_the_same_calls_and_warm_is_much_faster() -> None:
    report = diff.compare([str(SAMPLES / "cache/run=cold")], [str(SAMPLES / "cache/run=warm")])
    by_name = {s.syscall: s for s in report.syscalls}
    for name in ("connect", "sendto", "recvfrom", "openat", "mmap", "socket", "read"):
        assert by_name[name].metrics["calls"].change == 0, name
    assert not [t for t in report.target_changes() if t["deterministic"]]
    poll = by_name["poll"].metrics["total_ns"]
    assert poll.base > 250_000_000 and poll.head < 1_000_000
    assert diff.ratio_text(poll.base, poll.head).endswith("× faster")
    assert diff.ratio_text(report.runs["total_time_ns"].base, report.runs["total_time_ns"].head) == "24× faster"
    assert "not tested" in report.statistics_note()


@needs_samples
def test_sample_http_against_https_changes_the_connect_target() -> None:
    result = invoke(SAMPLES / "http_curl.parquet", SAMPLES / "tls_curl.parquet", "--fail-on", "new-targets")
    assert result.exit_code == 1
    assert "connect  127.0.0.1:18443" in result.stdout and "new" in result.stdout
    assert "gate failed: new-targets: 1 new target(s): connect 127.0.0.1:18443" in result.stderr


# -- the exact test --------------------------------------------------------------------------------


def brute_force_p(base: list[float], head: list[float], alternative: str) -> float:
    """The permutation test the exact U distribution stands for, by enumerating every split."""
    values = base + head
    ranks = diff._midranks(values)
    m = len(head)
    observed = sum(ranks[len(base):])
    mean = m * (len(values) + 1) / 2
    hits = total = 0
    for chosen in itertools.combinations(range(len(values)), m):
        s = sum(ranks[i] for i in chosen)
        total += 1
        if alternative == "greater":
            hits += s >= observed - 1e-9
        elif alternative == "less":
            hits += s <= observed + 1e-9
        else:
            hits += abs(s - mean) >= abs(observed - mean) - 1e-9
    return hits / total


@pytest.mark.parametrize("base, head", [
    ([1, 2, 3], [4, 5, 6]),
    ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]),
    ([3, 1, 4, 1, 5], [9, 2, 6, 5, 3]),
    ([10, 10, 10, 12], [10, 11, 12, 12, 13]),  # ties across sides
    ([5, 5, 5], [5, 5, 5]),
    ([2.5, 7.1, 3.3, 8.0, 1.1, 4.4], [6.6, 9.9, 5.0, 7.7]),
])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_exact_mann_whitney_matches_the_permutation_test(base: list[float], head: list[float], alternative: str) -> None:
    assert diff.mann_whitney_p(base, head, alternative) == pytest.approx(brute_force_p(base, head, alternative))


def test_smallest_p_values_of_the_exact_test() -> None:
    assert diff.mann_whitney_p([1, 2, 3], [4, 5, 6]) == pytest.approx(0.1)
    assert diff.mann_whitney_p([1, 2, 3], [4, 5, 6], "greater") == pytest.approx(0.05)
    assert diff.mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == pytest.approx(2 / 252)
    assert diff.smallest_p(3, 3) == pytest.approx(0.1) and diff.smallest_p(5, 5) == pytest.approx(2 / 252)


def test_normal_approximation_agrees_with_the_exact_test_where_both_apply() -> None:
    base = [float(x) for x in (3, 8, 1, 9, 4, 12, 7, 2, 10, 6, 11, 5)]
    head = [float(x) for x in (13, 9.5, 5, 6.5, 4, 16, 8.5, 7, 12.5, 3, 11.5, 9)]
    exact = diff.mann_whitney_p(base, head)
    limit = diff.EXACT_MAX_RUNS
    try:
        diff.EXACT_MAX_RUNS = 0
        approx = diff.mann_whitney_p(base, head)
    finally:
        diff.EXACT_MAX_RUNS = limit
    assert 0.05 < exact < 0.5 and approx == pytest.approx(exact, rel=0.05)


def test_timings_with_fewer_than_3_runs_a_side_are_not_tested() -> None:
    c = diff.Comparison("p99_ns", 100.0, 1000.0, 900.0, 900.0, [100, 100], [1000, 1000, 1000])
    test = diff.judge_timing(c, 0.05, 5.0)
    assert not test.tested and not test.significant and "not tested" in test.note


def test_a_significant_but_small_change_is_below_the_minimum_effect() -> None:
    c = diff.Comparison("p50_ns", 1000.0, 1030.0, 30.0, 3.0, [1000, 1001, 999, 1002, 998], [1030, 1031, 1029, 1032, 1028])
    test = diff.judge_timing(c, 0.05, 5.0)
    assert test.tested and test.p_value <= 0.05 and not test.significant
    assert diff.judge_timing(c, 0.05, 2.0).significant


# -- the gate grammar ------------------------------------------------------------------------------


@pytest.mark.parametrize("text, metric, syscall, op, threshold, mode", [
    ("calls(connect) > +0", "calls", "connect", ">", 0, "change"),
    ("p99(recvfrom) > +20%", "p99_ns", "recvfrom", ">", 20, "pct"),
    ("total-time > +10%", "total_time_ns", None, ">", 10, "pct"),
    ("wall-time>=+2s", "wall_time_ns", None, ">=", 2_000_000_000, "change"),
    ("p50(read) > 250us", "p50_ns", "read", ">", 250_000, "value"),
    ("avg(read) < -1.5ms", "avg_ns", "read", "<", -1_500_000, "change"),
    ("errors(openat) > 10", "errors", "openat", ">", 10, "value"),
    ("bytes(write) > 5%", "bytes", "write", ">", 5, "pct"),
    ("new-errors", "new-errors", None, ">", 0, "count"),
    ("new-targets > 2", "new-targets", None, ">", 2, "count"),
])
def test_gates_parse(text: str, metric: str, syscall: str | None, op: str, threshold: float, mode: str) -> None:
    gate = diff.parse_gate(text)
    assert (gate.metric, gate.syscall, gate.op, gate.threshold, gate.mode) == (metric, syscall, op, threshold, mode)


@pytest.mark.parametrize("text, says", [
    ("calls(connect)", "say when it fails"),
    ("calls(conect) > +0", "'conect' is not a syscall name"),
    ("p98(read) > +5%", "unknown metric 'p98'"),
    ("p99(read) > +5", "give the time a unit"),
    ("calls(read) > +5ms", "is a count and takes no unit"),
    ("new-errors > +1%", "new-errors takes no threshold or a count"),
    ("latency > 5%", "unknown metric 'latency'"),
    ("calls(connect) => 1", "a gate is METRIC [OP THRESHOLD]"),
    ("", "a gate is METRIC [OP THRESHOLD]"),
])
def test_a_malformed_gate_is_an_error_before_any_trace_is_read(text: str, says: str) -> None:
    result = invoke("no/such/base.parquet", "no/such/head.parquet", "--fail-on", "new-errors", "--fail-on", text)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: bad gate ") and says in result.stderr, result.stderr
    assert "no such file" not in result.stderr


# -- bad input -------------------------------------------------------------------------------------


def tiny_trace(path: Path, **meta: object) -> Path:
    b = TraceBuilder(pid=7)
    b.openat("/etc/hosts", 3)
    b.read(3, b"127.0.0.1 localhost\n")
    b.close(3)
    b.exit(0)
    return b.save(path, **meta)


def test_sides_of_different_schema_versions_are_refused(tmp_path: Path) -> None:
    old = tiny_trace(tmp_path / "old.parquet", schema_version=0)
    new = tiny_trace(tmp_path / "new.parquet")
    result = invoke(old, new)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: the traces were recorded with different trace schema versions "
                                    "(base: 0; head: 1)")
    mixed = invoke(f"{tmp_path}/*.parquet", new)
    assert mixed.exit_code == 2 and "(base: 0, 1; head: 1)" in mixed.stderr


def test_an_empty_side_is_bad_input_naming_the_side(tmp_path: Path) -> None:
    trace = tiny_trace(tmp_path / "t.parquet")
    (tmp_path / "empty").mkdir()
    result = invoke(tmp_path / "empty", trace)
    assert result.exit_code == 2
    assert result.stderr == f"Error: base: no .parquet trace in folder {tmp_path / 'empty'}\n"
    result = invoke(trace, f"{tmp_path}/head/*.parquet")
    assert result.exit_code == 2
    assert result.stderr == f"Error: head: no trace matches {tmp_path}/head/*.parquet\n"


def test_a_trace_without_events_diffs_as_everything_vanished(tmp_path: Path) -> None:
    trace = tiny_trace(tmp_path / "t.parquet")
    empty = TraceBuilder(pid=7).save(tmp_path / "empty.parquet")
    report = diff.compare([str(trace)], [str(empty)], [diff.parse_gate("calls(read) < -0")])
    assert {s.syscall: s.status for s in report.syscalls} == {"openat": "vanished", "read": "vanished",
                                                              "close": "vanished", "exit_group": "vanished"}
    assert report.runs["calls"].head == 0 and report.gates[0].failed
    assert [t["change"] for t in report.targets] == ["vanished"]


def test_a_trace_diffed_against_itself_is_no_change(tmp_path: Path) -> None:
    trace = tiny_trace(tmp_path / "t.parquet")
    result = invoke(trace, trace, "--fail-on", "calls(read) > +0", "--fail-on", "total-time > +0%")
    assert result.exit_code == 0, result.output
    assert "no change" in result.stdout


def test_diff_has_help_with_the_gate_examples() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "Usage: renacer-analyze diff [OPTIONS] BASE HEAD" in result.stdout
    assert "--fail-on" in result.stdout and "calls(connect) > +0" in result.stdout


def test_the_analyzer_does_not_import_the_diff_layer_to_start() -> None:
    import subprocess
    import sys

    code = "import sys, renacer.analyze.cli; print('renacer.analyze.diff' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
