"""Shared fixtures: compile the C programs under tests/programs, run renacer and strace on them."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Callable

import pyarrow.parquet as pq
import pytest

PROGRAMS = Path(__file__).parent / "programs"
RENACER = [sys.executable, "-m", "renacer.capture.cli"]

# The `slow` marker (deselect with -m 'not slow' for a quick loop; CI runs everything): the tests
# that took 1 s or more in `python -m pytest -q --durations=60 tests` on the shared 2-core machine
# (2026-11-29: together 200 of the suite's 297 s), and every test using a fixture whose setup
# records programs or starts a server once per module.
SLOW_TESTS = frozenset({
    "tests/analyze/test_bad_input.py::test_terminal_escapes_in_recorded_strings_are_shown_escaped",
    "tests/analyze/test_cli_text.py::test_dns_on_the_wrong_port_says_where_the_queries_went",
    "tests/analyze/test_cli_text.py::test_every_command_of_the_guide_answers",
    "tests/analyze/test_diff.py::test_two_recordings_of_the_same_program_diff_to_no_change_and_pass_every_gate",
    "tests/analyze/test_guide_scenarios.py::test_tls_handshake_bytes_are_visible_as_tls_records",
    "tests/analyze/test_progress.py::test_a_query_over_many_traces_draws_none_off_a_terminal_or_in_json",
    "tests/analyze/test_progress.py::test_a_query_over_many_traces_on_a_terminal_draws_a_progress_bar",
    "tests/analyze/test_replay_cli.py::test_live_and_replay_agree_in_both_styles_for_curl_refused",
    "tests/analyze/test_replay_cli.py::test_live_json_document_equals_replayed_json",
    "tests/analyze/test_replay_cli.py::test_live_stderr_and_replay_print_the_same_bytes_for_a_threaded_program",
    "tests/analyze/test_replay_cli.py::test_replay_with_a_filter_prints_what_a_filtered_live_run_prints",
    "tests/analyze/test_s3.py::test_a_prefix_and_a_single_key",
    "tests/analyze/test_s3.py::test_every_canned_query_on_s3_equals_the_local_copy",
    "tests/capture/test_bad_input_and_crashes.py::test_sigkilled_recorder_leaves_a_journal_that_recovers_to_a_readable_trace",
    "tests/capture/test_durations.py::test_recorded_durations_stay_within_a_small_bound_of_strace_s",
    "tests/capture/test_files_safety.py::test_a_closed_pipe_on_live_output_keeps_the_recording_and_the_exit_status",
    "tests/capture/test_files_safety.py::test_a_full_disk_says_what_is_safe_and_the_journal_recovers_it",
    "tests/capture/test_files_safety.py::test_a_recorder_killed_after_its_first_flush_loses_nothing_of_it",
    "tests/capture/test_files_safety.py::test_a_recorder_killed_before_any_flush_leaves_a_journal_that_recovers",
    "tests/capture/test_files_safety.py::test_every_output_file_is_private",
    "tests/capture/test_files_safety.py::test_live_output_to_a_planted_link_is_refused",
    "tests/capture/test_files_safety.py::test_memory_stays_bounded_with_megabyte_payloads",
    "tests/capture/test_files_safety.py::test_recover_ignores_a_planted_recovering_link_and_refuses_a_linked_target",
    "tests/capture/test_files_safety.py::test_recover_refuses_a_recording_that_is_still_running",
    "tests/capture/test_idle_cost.py::test_a_blocked_tracee_costs_at_most_two_percent_of_a_cpu",
    "tests/capture/test_lifecycle.py::test_refused_finds_the_refusal_in_a_connect_only_recording",
    "tests/capture/test_lifecycle.py::test_replay_equals_live_when_a_call_spans_row_groups",
    "tests/capture/test_lifecycle.py::test_replay_with_a_filter_prints_what_the_filtered_live_run_printed",
    "tests/capture/test_pysource.py::test_blocking_client_reports_the_users_line_not_socket_py",
    "tests/capture/test_pysource.py::test_library_clients_report_the_users_line",
    "tests/capture/test_pysource.py::test_recording_every_call_still_finds_the_interpreter_mapped_after_the_first_calls",
    "tests/capture/test_pysource.py::test_replay_and_analyzer_use_the_python_line_offline",
    "tests/capture/test_recorder.py::test_attach_record_detach_leaves_the_process_running",
    "tests/capture/test_recorder.py::test_attach_to_two_processes_and_detach_on_sigterm",
    "tests/capture/test_recorder.py::test_sigstop_and_sigcont_from_outside_behave_as_untraced",
    "tests/capture/test_rows.py::test_the_live_path_imports_no_numpy_pyarrow_or_duckdb",
    "tests/capture/test_source.py::test_analyzer_groups_by_source_location",
    "tests/capture/test_source.py::test_c_calls_report_the_line_of_the_call_in_the_source",
    "tests/capture/test_source.py::test_cpp_call_through_libstdcxx_reports_the_users_line",
    "tests/capture/test_source.py::test_killed_recorder_recovers_with_locations",
    "tests/capture/test_source.py::test_missing_debug_dir_is_bad_input",
    "tests/capture/test_source.py::test_rust_program_reports_main_rs_lines_as_in_the_guide",
    "tests/capture/test_source.py::test_separate_debug_file_found_by_build_id",
    "tests/capture/test_source.py::test_stripped_binary_falls_back_to_symbols_then_to_addresses",
    "tests/capture/test_source.py::test_trace_symbolizes_offline_from_a_copy_of_the_binary",
    "tests/capture/test_status.py::test_quiet_recording_on_a_terminal_shows_a_status_line",
    "tests/capture/test_status.py::test_quiet_recording_with_stdout_not_a_terminal_shows_none",
    "tests/queries/test_sample_traces.py::test_every_query_runs_on_all_sample_traces_at_once",
})
SLOW_FIXTURES = frozenset({"recordings", "s3_server"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    marked = set()
    for item in items:
        base = item.nodeid.split("[", 1)[0]
        if base in SLOW_TESTS or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
            marked.add(base)
    # A renamed or removed test must not leave a stale entry behind (checked when whole files were
    # collected: a run of single tests by node id names only some of them).
    if not any("::" in arg for arg in config.args):
        collected = {item.nodeid.split("::", 1)[0] for item in items}
        stale = sorted(t for t in SLOW_TESTS if t.split("::", 1)[0] in collected and t not in marked)
        if stale:
            raise pytest.UsageError("tests/conftest.py SLOW_TESTS names tests that do not exist: " + ", ".join(stale))


@pytest.fixture(scope="session")
def program(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., str]:
    """Compile tests/programs/NAME.c once per session; returns the executable's path."""
    out_dir = tmp_path_factory.mktemp("programs")
    built: dict[tuple[str, bool], str] = {}

    def build(name: str, static: bool = False) -> str:
        key = (name, static)
        if key not in built:
            exe = out_dir / (name + ("-static" if static else ""))
            cmd = ["gcc", "-O1", "-o", str(exe), str(PROGRAMS / f"{name}.c"), "-pthread"]
            if static:
                cmd.insert(1, "-static")
            subprocess.run(cmd, check=True)
            built[key] = str(exe)
        return built[key]

    return build


def run_renacer(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 120)
    return subprocess.run(RENACER + args, **kwargs)


def read_trace(path: str | os.PathLike) -> list[dict]:
    return pq.read_table(path).to_pylist()


def trace_metadata(path: str | os.PathLike) -> dict:
    import json

    return json.loads(pq.read_metadata(path).metadata[b"renacer"])


_STRACE_LINE = re.compile(r"^(?:\[pid\s+)?(\d+)\]?\s+(?:<\.\.\. (\w+) resumed>.*|(\w+)\(.*?)\s+=\s+(-?\d+|0x[0-9a-f]+|\?)")


def strace_calls(cmd: list[str], tmp_path: Path) -> Counter:
    """Multiset of (name, return value) that `strace -f` prints for cmd."""
    out = tmp_path / "strace.txt"
    subprocess.run(["strace", "-f", "-qq", "-o", str(out), *cmd], check=False, capture_output=True, timeout=120)
    calls: Counter = Counter()
    for line in out.read_text().splitlines():
        if "<unfinished ...>" in line or "ERESTART" in line:
            continue  # interrupted-and-restarted calls depend on timing, not on the program
        m = _STRACE_LINE.match(line)
        if m:
            name = m.group(2) or m.group(3)
            calls[(name, _normalize_ret(name, m.group(4)))] += 1
    return calls


def renacer_calls(rows: list[dict]) -> Counter:
    calls: Counter = Counter()
    for r in rows:
        if r["kind"] != "syscall" or (r["errno"] or "").startswith("ERESTART"):
            continue
        ret = r["ret"]
        if ret is None:
            shown = "?"
        elif r["errno"]:
            shown = "-1"
        else:
            shown = _normalize_ret(r["name"], str(ret))
        calls[(r["name"], shown)] += 1
    return calls


_RETURNS_ADDRESS = frozenset({"brk", "mmap", "mremap", "shmat"})
_RETURNS_ID = frozenset({"set_tid_address", "getpid", "gettid", "getppid", "fork", "vfork", "clone", "clone3", "wait4"})


def _normalize_ret(name: str, value: str) -> str:
    """Addresses differ from run to run (ASLR); everything else must match exactly."""
    if value == "?":
        return value
    number = int(value, 16) if value.startswith("0x") else int(value)
    if name in _RETURNS_ID and number > 0:
        return "ID"  # process and thread ids differ between the two runs
    return "ADDR" if name in _RETURNS_ADDRESS or number >= 1 << 32 else str(number)


def needs(tool: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(shutil.which(tool) is None, reason=f"{tool} is not installed")
