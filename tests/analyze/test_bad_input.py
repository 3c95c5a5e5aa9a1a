"""Bad input to the analyzer: a clear ``Error: …``, exit 2, no traceback, nothing left behind."""
from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from renacer.capture import journal
from tests.analyze.tracebuilder import TraceBuilder

SAMPLE = Path(__file__).resolve().parents[2] / "sample_traces" / "http_curl.parquet"
ANALYZE = [sys.executable, "-c", "from renacer.analyze.cli import main; main()"]


def analyze(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([*ANALYZE, *map(str, args)], capture_output=True, text=True, timeout=60)


def assert_clean_error(res: subprocess.CompletedProcess, *fragments: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert res.stderr.startswith("Error: ") and "Traceback" not in res.stderr, res.stderr
    for fragment in fragments:
        assert fragment in res.stderr, res.stderr


def small(path: Path, **meta: object) -> Path:
    b = TraceBuilder(pid=42)
    b.openat("/etc/hosts", 3)
    b.close(3)
    b.exit(0)
    return b.save(path, **meta)


def with_raw_metadata(path: Path, raw: bytes) -> Path:
    table = small(path.with_suffix(".tmp.parquet")).read_bytes()
    t = pq.read_table(pa.BufferReader(table))
    t = t.replace_schema_metadata({b"renacer": raw, b"renacer.schema_version": b"1"})
    pq.write_table(t, path)
    return path


def test_empty_sql_is_an_error() -> None:
    assert_clean_error(analyze("sql", "", SAMPLE), "SQL is empty")


@pytest.mark.parametrize("raw,fragment", [
    (b"[1, 2]", "not a JSON object"),
    (b'{"schema_version": Infinity}', "invalid trace schema version"),
    (b'{"schema_version": "1"}', "invalid trace schema version"),
    (b"{not json", "not JSON"),
    (b'{"schema_version": 99}', "upgrade renacer"),
])
def test_odd_metadata_is_a_clear_error(tmp_path: Path, raw: bytes, fragment: str) -> None:
    trace = with_raw_metadata(tmp_path / "odd.parquet", raw)
    for command in ("summary", "info"):
        assert_clean_error(analyze(command, trace), fragment)


def raw_journal(path: Path, meta: bytes) -> Path:
    """A journal as the recorder writes it, holding the given metadata document."""
    frame = struct.pack("<cxxxII", b"M", len(meta), zlib.crc32(meta)) + meta
    path.write_bytes(journal.MAGIC + frame)
    return path


@pytest.mark.parametrize("meta,fragment", [
    (b"[]", "not a JSON object"),
    (b"garbage", "not JSON"),
    (b'{"schema_version": 7}', "upgrade renacer"),
])
def test_recover_of_a_journal_with_bad_metadata_leaves_nothing_behind(tmp_path: Path, meta: bytes, fragment: str) -> None:
    raw_journal(tmp_path / "t.parquet.journal", meta)
    assert_clean_error(analyze("recover", tmp_path / "t.parquet"), fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet.journal"]


def test_recover_of_a_file_that_is_no_journal(tmp_path: Path) -> None:
    (tmp_path / "t.parquet.journal").write_bytes(b"\xff" * 64)
    assert_clean_error(analyze("recover", tmp_path / "t.parquet"), "not a renacer journal")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet.journal"]


def test_recover_into_a_missing_folder(tmp_path: Path) -> None:
    raw_journal(tmp_path / "t.parquet.journal", json.dumps({"schema_version": 1}).encode())
    assert_clean_error(analyze("recover", tmp_path / "t.parquet", "-o", "/nonexistent/x.parquet"),
                       "/nonexistent", "does not exist")
    assert (tmp_path / "t.parquet.journal").exists()


def test_a_journal_with_no_batches_recovers_to_an_empty_trace(tmp_path: Path) -> None:
    raw_journal(tmp_path / "t.parquet.journal", json.dumps({"schema_version": 1, "command": ["x"]}).encode())
    res = analyze("recover", tmp_path / "t.parquet")
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"Recovered 0 events into {tmp_path / 't.parquet'}\n"
    assert pq.read_metadata(tmp_path / "t.parquet").num_rows == 0


def test_a_name_with_glob_characters_is_taken_literally_when_it_exists(tmp_path: Path) -> None:
    literal = small(tmp_path / "t[1].parquet")
    other = TraceBuilder(pid=7)
    other.exit(3)
    other.save(tmp_path / "t1.parquet")
    (record,) = json.loads(analyze("info", literal, "--format", "json").stdout)
    assert record["trace"] == "t[1].parquet" and record["exit_status"] == "exited 0"


def test_json_output_is_strict_and_keeps_repeated_column_names() -> None:
    res = analyze("sql", "SELECT 'inf'::DOUBLE AS x, 'nan'::DOUBLE AS y, 1 AS a, 2 AS a",
                  SAMPLE, "--format", "json")
    assert res.returncode == 0, res.stderr

    def no_constants(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    assert json.loads(res.stdout, parse_constant=no_constants) == [{"x": None, "y": None, "a": 1, "a_2": 2}]


def test_terminal_escapes_in_recorded_strings_are_shown_escaped(tmp_path: Path) -> None:
    evil = "/tmp/\x1b]0;owned\x07\x1b[2J\x9b31m"
    b = TraceBuilder(pid=42)
    b.execve("/bin/cat", ["cat", evil])
    b.openat(evil, 3)
    b.close(3)
    b.exit(0)
    b.process(42, 1, "/bin/cat", ["cat", evil])
    trace = b.save(tmp_path / "evil.parquet", command=["cat", evil], hostname="h\x1b[31m")
    for command in ("files", "processes", "info"):
        for fmt in ("table", "markdown"):
            res = analyze(command, trace, "--format", fmt)
            assert res.returncode == 0, res.stderr
            assert "\x1b" not in res.stdout and "\x07" not in res.stdout and "\x9b" not in res.stdout
    assert "\\x1b]0;owned\\x07" in analyze("files", trace).stdout
