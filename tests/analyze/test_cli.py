"""renacer-analyze, command by command: help, every output format, errors with exit 2."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from renacer.analyze.cli import app
from tests.analyze import scenarios

runner = CliRunner()
COMMANDS = ["summary", "refused", "dns", "errors", "connections", "slow", "files", "processes", "info"]


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    return {name: getattr(scenarios, name)()[0].save(folder / f"{name}.parquet")
            for name in ("refusals", "dns_fallback")}


@pytest.fixture(scope="module")
def trace(traces: dict[str, Path]) -> Path:
    return traces["refusals"]


def trace_for(command: str, traces: dict[str, Path]) -> Path:
    """A trace on which the command has rows to show."""
    return traces["dns_fallback" if command == "dns" else "refusals"]


@pytest.mark.parametrize("command", COMMANDS + ["sql", "queries", "export", "recover", "replay"])
def test_every_command_has_help(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Usage: renacer-analyze " + command in result.stdout


def test_top_level_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in COMMANDS + ["sql", "queries", "export", "recover"]:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_json_output_is_a_list_of_records(command: str, traces: dict[str, Path]) -> None:
    result = invoke(command, trace_for(command, traces), "--format", "json")
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert isinstance(records, list) and records
    assert "trace" not in records[0] or command == "info"


@pytest.mark.parametrize("command", COMMANDS)
def test_csv_output_has_a_header_and_rows(command: str, traces: dict[str, Path]) -> None:
    result = invoke(command, trace_for(command, traces), "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) >= 2 and len({len(r) for r in rows}) == 1


@pytest.mark.parametrize("command", COMMANDS)
def test_markdown_output_is_a_pipe_table(command: str, traces: dict[str, Path]) -> None:
    result = invoke(command, trace_for(command, traces), "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| ") and set(lines[1]) <= set("|-:")


@pytest.mark.parametrize("command", COMMANDS)
def test_table_output_is_readable_text(command: str, traces: dict[str, Path]) -> None:
    result = invoke(command, trace_for(command, traces))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()


def test_table_shows_durations_and_dashes_for_null(trace: Path) -> None:
    result = invoke("summary", trace)
    line = next(x for x in result.stdout.splitlines() if x.strip().startswith("getsockopt"))
    assert line.split()[1:] == ["2", "0", "2.0µs", "1.0µs", "1.0µs", "1.0µs", "1.0µs", "1.0µs"]
    line = next(x for x in result.stdout.splitlines() if x.strip().startswith("exit_group"))
    assert line.split()[5:] == ["-", "-", "-", "-"]


def test_refused_in_json_names_target_and_process(trace: Path) -> None:
    records = json.loads(invoke("refused", trace, "--format", "json").stdout)
    assert [(r["target"], r["refused"], r["learned_by"], r["pids"]) for r in records] == [
        ("127.0.0.1:9", 2, "connect, getsockopt SO_ERROR", [200]),
        ("127.0.0.1:7070", 1, "connect", [200]),
        ("127.0.0.1:5005", 1, "read", [200]),
    ]


def test_several_traces_get_a_trace_column(trace: Path, tmp_path: Path) -> None:
    one = shutil.copy(trace, tmp_path / "refusals.parquet")
    other = shutil.copy(trace, tmp_path / "again.parquet")
    records = json.loads(invoke("refused", one, other, "--format", "json").stdout)
    assert sorted({r["trace"] for r in records}) == ["again.parquet", "refusals.parquet"]


def test_slow_takes_top_and_name(trace: Path) -> None:
    records = json.loads(invoke("slow", trace, "--top", "2", "--name", "close", "--format", "json").stdout)
    assert [r["syscall"] for r in records] == ["close", "close"]


def test_sql_runs_user_sql_over_the_views(trace: Path) -> None:
    result = invoke("sql", "SELECT name, count(*) AS n FROM syscalls WHERE name = 'connect' GROUP BY 1", trace,
                    "--format", "csv")
    assert result.stdout == "name,n\nconnect,8\n"


def test_failing_sql_prints_duckdbs_message_and_exits_2(trace: Path) -> None:
    result = invoke("sql", "SELECT nope FROM syscalls", trace)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Binder Error: ")
    assert result.stdout == ""


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.parquet", "no such file"),
        (lambda d: d / "none-*.parquet", "no trace matches"),
        (lambda d: (d / "x.txt").write_text("x") and d / "x.txt", "is not a Parquet file"),
    ],
)
def test_bad_input_says_error_and_exits_2(make, message: str, tmp_path: Path) -> None:
    result = invoke("summary", make(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and message in result.stderr


def test_truncated_trace_error_names_the_recover_command(trace: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(trace.read_bytes()[:1000])
    result = invoke("info", cut)
    assert result.exit_code == 2
    assert f"renacer-analyze recover {cut}" in result.stderr


def test_unknown_format_is_a_usage_error(trace: Path) -> None:
    result = invoke("summary", trace, "--format", "xml")
    assert result.exit_code == 2
    assert "Error: Invalid value for '--format'" in result.stderr


def test_replay_refuses_an_unknown_style(trace: Path) -> None:
    result = invoke("replay", trace, "--style", "pretty")
    assert result.exit_code == 2
    assert "Error: unknown --style 'pretty'" in result.stderr


def test_queries_lists_each_canned_query(trace: Path) -> None:
    records = json.loads(invoke("queries", "--format", "json").stdout)
    assert {r["query"] for r in records} >= {"summary", "refused", "dns", "errors", "connections", "slow",
                                              "files", "processes"}
    assert next(r for r in records if r["query"] == "slow")["parameters"] == "$top, $name"


def test_export_chrome_is_trace_event_json(trace: Path, tmp_path: Path) -> None:
    out = tmp_path / "trace.json"
    result = invoke("export", trace, "--format", "chrome", "-o", out)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(out.read_text())
    events = doc["traceEvents"]
    assert events[0] == {"ph": "M", "name": "process_name", "pid": 200,
                         "args": {"name": "curl http://127.0.0.1:9/ (200)"}}
    calls = [e for e in events if e.get("cat") == "syscall"]
    assert calls[0]["name"] == "socket" and calls[0]["ph"] == "X" and calls[0]["dur"] == 1.0
    assert events[-1]["name"] == "exited 7"


def test_recover_without_a_journal_says_so(tmp_path: Path) -> None:
    result = invoke("recover", tmp_path / "t.parquet")
    assert result.exit_code == 2
    assert "no recovery journal" in result.stderr


def test_info_answers_from_the_footer(trace: Path) -> None:
    (record,) = json.loads(invoke("info", trace, "--format", "json").stdout)
    assert record["events_seen"] == record["events_written"] == record["rows"]
    assert record["exit_status"] == "exited 0"


def test_console_script_entry_point_runs(trace: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", "from renacer.analyze.cli import main; main()",
                           "summary", str(trace), "--format", "csv"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("syscall,calls,errors,total_ns")


def test_recover_rebuilds_a_trace_from_its_journal(tmp_path: Path) -> None:
    import pyarrow as pa

    builder, _ = scenarios.refusals()
    table = builder.table()
    trace = tmp_path / "killed.parquet"
    trace.write_bytes(b"PAR1" + b"\0" * 100)  # the recorder died before writing the footer
    with pa.OSFile(str(tmp_path / "killed.parquet.journal"), "wb") as sink:
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
    assert "renacer-analyze recover" in invoke("summary", trace).stderr
    result = invoke("recover", trace)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"Recovered {table.num_rows} events into {trace}\n"
    records = json.loads(invoke("refused", trace, "--format", "json").stdout)
    assert records[0]["target"] == "127.0.0.1:9"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_rich_table() -> None:
    from renacer.analyze import output

    out = _Terminal()
    output.render(["syscall", "total_ns", "p50_ns"], [("read", 1_500_000, None)], "table", out)
    text = out.getvalue()
    assert "─" in text and "1.500ms" in text and " - " in text + " "
    out = _Terminal()
    output.render(["trace", "rows"], [("t.parquet", 3)], "table", out, vertical=True)
    assert "t.parquet" in out.getvalue()


def test_canned_commands_take_their_options_from_the_query_headers() -> None:
    from renacer.analyze import catalogue
    from renacer.analyze.cli import CANNED

    for name, spec in CANNED.items():
        command = app.commands[name]
        flags = {opt for p in command.params for opt in getattr(p, "opts", [])}
        for query in spec.queries or (name,):
            for param in catalogue.load_query(query).params:
                assert "--" + param.replace("_", "-") in flags, (name, param)
    text = invoke("errors", "--help").stdout
    defaults = catalogue.load_query("errors").defaults
    assert f"[default: {defaults['tiny_calls']}]" in text and f"[default: {defaults['tiny_bytes']}]" in text


def test_an_unset_option_gets_the_default_the_header_declares(tmp_path: Path) -> None:
    from tests.analyze.tracebuilder import TraceBuilder

    b = TraceBuilder(pid=42)
    for i in range(30):
        b.close(100 + i, dur=1_000 + i)
    many = b.save(tmp_path / "many.parquet")
    assert len(json.loads(invoke("slow", many, "--format", "json").stdout)) == 20  # slow.sql: (default 20)
    assert len(json.loads(invoke("slow", many, "--top", "25", "--format", "json").stdout)) == 25
    result = invoke("slow", many, "--top", "0")
    assert result.exit_code == 2 and "Invalid value for '--top'" in result.stderr
