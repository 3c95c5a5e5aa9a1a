"""renacer-analyze hist: text bars like bpftrace's, json/csv buckets, bad input."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner

from renacer.analyze import hist as histo
from renacer.analyze.cli import app
from tests.analyze.tracebuilder import TraceBuilder

SAMPLES = Path(__file__).resolve().parents[2] / "sample_traces"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def recvfrom_trace(tmp_path: Path) -> Path:
    b = TraceBuilder()
    for us, n in ((20, 3), (40, 41), (45, 1), (300, 2)):
        for _ in range(n):
            b.call("recvfrom", (3, 0, 100), 10, dur=us * 1_000)
    b.call("getpid", (), 1, dur=500)
    return b.save(tmp_path / "recv.parquet")


def test_fill_adds_the_empty_buckets_between_first_and_last() -> None:
    assert histo.fill([(16, 32, 3), (128, 256, 1)], None) == [
        (16, 32, 3), (32, 64, 0), (64, 128, 0), (128, 256, 1)]
    assert histo.fill([(0, 1, 2), (2, 4, 1)], None) == [(0, 1, 2), (1, 2, 0), (2, 4, 1)]
    assert histo.fill([(0, 10, 1), (30, 40, 2)], 10) == [(0, 10, 1), (10, 20, 0), (20, 30, 0), (30, 40, 2)]


def test_text_is_bpftrace_style_with_bars_scaled_to_the_largest_bucket(tmp_path: Path) -> None:
    result = invoke("hist", recvfrom_trace(tmp_path), "--syscall", "recvfrom")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "@recvfrom (µs)"
    assert lines[1].startswith("[16, 32)") and " 3 |" in lines[1]
    assert lines[2].startswith("[32, 64)") and " 42 |" in lines[2]
    assert lines[3].startswith("[64, 128)") and " 0 |" in lines[3]
    assert lines[5].startswith("[256, 512)") and " 2 |" in lines[5]
    bars = [line.split("|")[1] for line in lines[1:]]
    assert len({len(b) for b in bars}) == 1  # one width
    assert bars[1].count("@") == histo.BAR_WIDTH  # the largest fills it
    assert bars[0].count("@") == round(3 * histo.BAR_WIDTH / 42)
    assert bars[2].strip() == ""


def test_bars_narrow_to_the_width_given() -> None:
    h = histo.Histogram("read", None, [(1, 2, 5), (2, 4, 10)])
    for line in histo.text([h], "us", None, width=40).splitlines()[1:]:
        assert len(line) <= 40


def test_log2_labels_use_binary_suffixes() -> None:
    h = histo.Histogram("poll", None, histo.fill([(512, 1024, 1), (2048, 4096, 1), (1 << 20, 1 << 21, 1)], None))
    text = histo.text([h], "us", None)
    assert "[512, 1K)" in text and "[2K, 4K)" in text and "[1M, 2M)" in text


def test_linear_buckets(tmp_path: Path) -> None:
    result = invoke("hist", recvfrom_trace(tmp_path), "--syscall", "recvfrom", "--linear", "100")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        line for line in result.stdout.splitlines()[1:] if line.startswith("[")]
    assert result.stdout.splitlines()[1].startswith("[0, 100)")
    assert result.stdout.splitlines()[4].startswith("[300, 400)")


def test_json_and_csv_give_every_bucket_and_its_unit(tmp_path: Path) -> None:
    trace = recvfrom_trace(tmp_path)
    records = json.loads(invoke("hist", trace, "--syscall", "recvfrom", "--format", "json").stdout)
    assert records[0] == {"key": "recvfrom", "unit": "us", "lo": 16, "hi": 32, "count": 3}
    assert [r["count"] for r in records] == [3, 42, 0, 0, 2]
    rows = list(csv.DictReader(io.StringIO(invoke("hist", trace, "--unit", "ms", "--format", "csv").stdout)))
    assert {r["key"] for r in rows} == {"recvfrom", "getpid"}
    assert sum(int(r["count"]) for r in rows if r["key"] == "recvfrom") == 47


def test_counts_add_up_to_the_completed_calls_of_a_real_trace() -> None:
    path = SAMPLES / "http_curl.parquet"
    records = json.loads(invoke("hist", path, "--format", "json").stdout)
    rows = pq.read_table(path, columns=["kind", "dur_ns"]).to_pylist()
    assert sum(r["count"] for r in records) == sum(1 for r in rows if r["kind"] == "syscall" and r["dur_ns"] is not None)


def test_several_traces_get_one_histogram_each() -> None:
    result = invoke("hist", SAMPLES / "cache", "--syscall", "poll")
    assert result.exit_code == 0, result.stderr
    assert "@[run=cold/trace.parquet, poll] (µs)" in result.stdout
    assert "@[run=warm/trace.parquet, poll] (µs)" in result.stdout


def test_by_target_headings_are_peers() -> None:
    result = invoke("hist", SAMPLES / "http_curl.parquet", "--by", "target")
    assert result.exit_code == 0, result.stderr
    assert "@127.0.0.1:18080 (µs)" in result.stdout


def test_unknown_syscall_is_bad_input() -> None:
    result = invoke("hist", SAMPLES / "http_curl.parquet", "--syscall", "nosuchcall")
    assert result.exit_code == 2
    assert "Error: unknown syscall 'nosuchcall'" in result.stderr


def test_by_source_without_source_locations_says_how_to_get_them() -> None:
    result = invoke("hist", SAMPLES / "http_curl.parquet", "--by", "source")
    assert result.exit_code == 2
    assert "source location" in result.stderr


def test_missing_trace_is_bad_input(tmp_path: Path) -> None:
    result = invoke("hist", tmp_path / "nope.parquet")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
