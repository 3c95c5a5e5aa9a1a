"""What a person reads on a terminal: help text, column names, hints when an answer is empty."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "sample_traces"
ANALYZE = [sys.executable, "-c", "from renacer.analyze.cli import main; main()"]


def analyze(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([*ANALYZE, *map(str, args)], capture_output=True, text=True, timeout=60)


def test_help_shows_required_and_defaults_without_markup_escapes() -> None:
    text = analyze("summary", "--help").stdout
    assert "[required]" in text and "[default: table]" in text
    assert "\\[" not in text


def test_duration_columns_are_named_for_what_they_show_but_csv_keeps_ns() -> None:
    table = analyze("summary", SAMPLES / "http_curl.parquet").stdout.splitlines()[0].split()
    assert table[:9] == ["syscall", "calls", "errors", "total", "avg", "p50", "p90", "p99", "max"]
    markdown = analyze("summary", SAMPLES / "http_curl.parquet", "--format", "markdown").stdout
    assert markdown.startswith("| syscall | calls | errors | total | avg |")
    csv = analyze("summary", SAMPLES / "http_curl.parquet", "--format", "csv").stdout
    assert csv.startswith("syscall,calls,errors,total_ns,avg_ns,p50_ns")


def test_dns_on_the_wrong_port_says_where_the_queries_went() -> None:
    res = analyze("dns", SAMPLES / "dns_fallback.parquet", "--port", "9999", "--format", "json")
    assert res.returncode == 0 and res.stdout.strip() == "[]"
    assert "Note: no DNS queries to port 9999" in res.stderr and "--port 53" in res.stderr
    res = analyze("dns", SAMPLES / "dns_fallback.parquet")
    assert res.returncode == 0 and "Note:" not in res.stderr


def test_every_command_of_the_guide_answers() -> None:
    """Each question command is registered (a merge once dropped one's decorators)."""
    sample = SAMPLES / "http_curl.parquet"
    for command in ("summary", "refused", "dns", "errors", "connections", "slow", "files", "processes",
                    "info", "timeline", "hist"):
        res = analyze(command, sample)
        assert res.returncode == 0, (command, res.stderr)
    res = analyze("timeline", sample, "--format", "csv")
    assert res.stdout.splitlines()[0].startswith("pid,fd,proto,role,peer,opened_ns,connect_ns")
