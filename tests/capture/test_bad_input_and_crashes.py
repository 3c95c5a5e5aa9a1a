"""Bad input gets a clear error and exit 2; a killed recorder loses only its last second."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from renacer.capture.journal import recover
from renacer.schema.trace import TraceFormatError
from tests.conftest import RENACER, run_renacer, trace_metadata


def assert_clean_error(res: subprocess.CompletedProcess, *fragments: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert res.stderr.startswith("Error: "), res.stderr
    assert "Traceback" not in res.stderr
    for fragment in fragments:
        assert fragment in res.stderr, res.stderr


def test_unknown_syscall_names_it_and_suggests_the_nearest() -> None:
    res = run_renacer(["-e", "trace=conect", "--", "true"])
    assert_clean_error(res, "conect", "connect")


def test_missing_command_is_an_error_before_anything_runs(tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-w", str(trace), "--", "no-such-command-renacer"])
    assert_clean_error(res, "no-such-command-renacer")
    assert not trace.exists()


def test_command_path_that_is_not_executable(tmp_path: Path) -> None:
    script = tmp_path / "data.txt"
    script.write_text("not a program")
    assert_clean_error(run_renacer(["--", str(script)]), "not an executable")


def test_pid_that_does_not_exist() -> None:
    assert_clean_error(run_renacer(["-p", "4194303"]), "4194303", "no such process")


def test_pid_that_may_not_be_traced_because_it_is_traced_already(program) -> None:
    traced = subprocess.Popen(["strace", "-qq", "-o", "/dev/null", program("ticker")], stdout=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        child = None
        while time.monotonic() < deadline and child is None:
            out = subprocess.run(["pgrep", "-x", "-P", str(traced.pid), "ticker"], capture_output=True, text=True).stdout.split()
            child = int(out[0]) if out else None
            time.sleep(0.05)
        assert child is not None
        time.sleep(0.2)
        res = run_renacer(["-p", str(child)])
        assert_clean_error(res, f"pid {child}", "not permitted")
    finally:
        os.killpg(traced.pid, signal.SIGKILL)  # strace and the ticker it runs
        traced.wait()


def test_output_in_a_missing_directory(tmp_path: Path) -> None:
    res = run_renacer(["-w", str(tmp_path / "missing" / "t.parquet"), "--", "true"])
    assert_clean_error(res, "does not exist")


@pytest.mark.parametrize("args,fragment", [
    (["-s", "-1", "--", "true"], "-s"),
    (["-s", "3000000000", "--", "true"], "-s"),
    (["--format", "xml", "--", "true"], "xml"),
    (["--style", "pretty", "--", "true"], "--style 'pretty'"),
    ([], "nothing to trace"),
    (["--bogus", "--", "true"], "--bogus"),
])
def test_bad_options(args: list[str], fragment: str) -> None:
    assert_clean_error(run_renacer(args), fragment)


def test_sigkilled_recorder_leaves_a_journal_that_recovers_to_a_readable_trace(program, tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    rec = subprocess.Popen([*RENACER, "-q", "-w", str(trace), "--", program("ticker")],
                           stdout=subprocess.DEVNULL, start_new_session=True)
    time.sleep(2.5)  # at least two flushes
    os.kill(rec.pid, signal.SIGKILL)
    rec.wait()
    os.killpg(rec.pid, signal.SIGKILL)  # the ticker dies with its tracer (EXITKILL) anyway
    journal = Path(str(trace) + ".journal")
    assert journal.exists()
    with pytest.raises(Exception):
        pq.read_metadata(trace)  # no footer: the Parquet file itself is not readable
    meta = recover(str(trace))
    table = pq.read_table(trace)
    writes = [r for r in table.to_pylist() if r["name"] == "write"]
    assert len(writes) >= 20  # ticker writes every 20 ms; ≥ 2 s were flushed
    assert meta["recovered"] is True and trace_metadata(trace)["events_written"] == table.num_rows
    assert not journal.exists()


def test_recover_without_a_journal_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TraceFormatError, match="no journal"):
        recover(str(tmp_path / "nothing.parquet"))
