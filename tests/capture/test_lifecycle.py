"""[pid N] as strace prints it: decided by the threads that exist, not by the calls -e shows."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from tests.conftest import needs, run_renacer

ANALYZE = [sys.executable, "-c", "from renacer.analyze.cli import main; main()"]


def shape(text: str) -> list[str]:
    """Lines with pids and the strace-only notes taken out."""
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("strace: ")]
    return [re.sub(r"\[pid +\d+\]", "[pid N]", ln) for ln in lines]


@needs("strace")
def test_a_thread_that_only_shows_through_the_filter_gets_strace_prefixes(program, tmp_path: Path) -> None:
    exe = program("thread_connect")
    strace_out = subprocess.run(["strace", "-f", "-q", "-e", "trace=connect", exe], check=True,
                                capture_output=True, text=True).stderr
    ours = run_renacer(["--style", "strace", "-e", "trace=connect", "--", exe])
    assert ours.returncode == 0, ours.stderr
    expected = shape(strace_out)
    assert shape(ours.stderr) == expected
    assert expected[0].startswith("[pid N] connect(") and expected[-1] == "+++ exited with 0 +++"


def test_the_recording_holds_each_new_thread_whatever_the_filter(program, tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    assert run_renacer(["-q", "-w", str(trace), "-e", "trace=connect", "--", program("thread_connect")]).returncode == 0
    rows = pq.read_table(trace).to_pylist()
    spawned = [r for r in rows if r["kind"] == "spawned"]
    (row,) = spawned
    assert row["name"] == "clone" and row["a0"] == row["pid"] and row["ret"] != row["tid"]
    assert {r["tid"] for r in rows if r["name"] == "connect"} == {row["ret"], row["tid"]}


def test_replay_with_a_filter_prints_what_the_filtered_live_run_printed(program, tmp_path: Path) -> None:
    exe = program("thread_connect")
    trace = tmp_path / "all.parquet"
    assert run_renacer(["-q", "-w", str(trace), "--", exe]).returncode == 0
    live = run_renacer(["-e", "trace=connect", "--", exe]).stderr
    replayed = subprocess.run([*ANALYZE, "replay", str(trace), "-e", "trace=connect"], capture_output=True,
                              text=True, timeout=60)
    assert replayed.returncode == 0, replayed.stderr
    assert shape(replayed.stderr) == shape(live)


def test_replay_equals_live_when_a_call_spans_row_groups(program, tmp_path: Path) -> None:
    """The blocked read is entered before 140k other calls and returns after them: its row is
    stored in a later row group, and replay must still print its <unfinished ...> line where the
    live run did."""
    trace, live = tmp_path / "t.parquet", tmp_path / "live.txt"
    res = run_renacer(["-w", str(trace), "-o", str(live), "--", program("blocked_reader"), "140000"])
    assert res.returncode == 0, res.stderr
    assert pq.read_metadata(trace).num_row_groups >= 2
    replayed = tmp_path / "replay.txt"
    res = subprocess.run([*ANALYZE, "replay", str(trace), "-o", str(replayed)], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    live_lines, replay_lines = live.read_text().splitlines(), replayed.read_text().splitlines()
    assert any(ln.endswith("<unfinished ...>") and "read(" in ln for ln in live_lines[:200])
    assert replay_lines == live_lines


def test_refused_finds_the_refusal_in_a_connect_only_recording(tmp_path: Path) -> None:
    """-e trace=connect also records socket() (hidden): the analyzer needs it to know the
    descriptor is a TCP socket."""
    trace = tmp_path / "t.parquet"
    script = "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9))\nexcept OSError:\n    pass\n"
    res = run_renacer(["-w", str(trace), "-e", "trace=connect", "--", sys.executable, "-c", script])
    assert res.returncode == 0, res.stderr
    assert "socket(" not in res.stderr and "= -ECONNREFUSED" in res.stderr
    out = subprocess.run([*ANALYZE, "refused", str(trace), "--format", "csv"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert "127.0.0.1:9,tcp,1," in out.stdout
