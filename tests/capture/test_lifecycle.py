"""[pid N] as strace prints it: decided by the threads that exist, not by the calls -e shows."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import RENACER as RENACER_CMD
from tests.conftest import needs, run_renacer, trace_metadata

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


CLIENT = r"""
import os, socket, sys, threading
port = int(sys.argv[1])
for _ in range(200):                      # files opened and closed: no rows for these
    os.close(os.open("/dev/null", os.O_RDONLY))
a = socket.create_connection(("127.0.0.1", port))
a.sendall(b"one"); a.recv(16)
b = socket.create_connection(("127.0.0.1", port))
b.sendall(b"two"); b.recv(16)
pid = os.fork()
if pid == 0:                              # the child closes its copy of b, then exits
    b.close()
    os._exit(0)
os.waitpid(pid, 0)
threading.Thread(target=a.close).start()  # a socket made in one thread, closed in another
b.close()
"""


def echo_server() -> tuple[socket.socket, threading.Thread]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)

    def serve() -> None:
        for _ in range(2):
            conn, _ = srv.accept()
            with conn:
                conn.sendall(conn.recv(16))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return srv, thread


@pytest.mark.parametrize("expr", ["trace=network", "trace=connect"])
def test_a_network_subset_records_each_socket_s_close_hidden_and_no_other_close(tmp_path: Path, expr: str) -> None:
    srv, thread = echo_server()
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-w", str(trace), "-e", expr, "--", sys.executable, "-c", CLIENT, str(srv.getsockname()[1])])
    thread.join(timeout=30)
    srv.close()
    assert res.returncode == 0, res.stderr
    assert "close(" not in res.stderr and "connect(" in res.stderr   # recorded, not shown
    rows = pq.read_table(trace).to_pylist()
    meta = trace_metadata(trace)
    assert "close" in meta["hidden_syscalls"] and meta["socket_only_syscalls"] == ["close", "dup", "dup2", "dup3"]
    connects = sorted((r for r in rows if r["name"] == "connect"), key=lambda r: r["seq"])
    parent, (a_fd, b_fd) = connects[0]["pid"], [r["a0"] for r in connects]
    closes = [r for r in rows if r["kind"] == "syscall" and r["name"] == "close"]
    # the parent closes a (in a second thread) and b, the forked child its copy of b; none of
    # the 200 file closes, nor the interpreter's own, is recorded
    assert sorted(r["a0"] for r in closes if r["pid"] == parent) == sorted([a_fd, b_fd])
    assert [r["a0"] for r in closes if r["pid"] != parent] == [b_fd]
    assert len({r["tid"] for r in closes if r["pid"] == parent}) == 2
    assert all(r["ret"] == 0 and r["dur_ns"] is not None for r in closes)
    out = subprocess.run([*ANALYZE, "connections", str(trace), "--format", "json"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    clients = [c for c in json.loads(out.stdout) if c["role"] == "client"]
    assert len(clients) == 2
    assert all(c["ended"] == "closed" and c["duration_ns"] > 0 for c in clients), clients


@pytest.mark.parametrize("load", [[], ["busy"]])
def test_live_lines_interleave_with_the_program_s_own_output_as_strace_s_do(program, load: list[str]) -> None:
    """Each write's line comes out right after the line the program wrote (strace's order), not
    at a later flush; with a busy second thread too (the recorder hands over small batches and
    waits for the renderer)."""
    exe = program("marks")
    res = subprocess.run([*RENACER_CMD, "-e", "trace=write", "--", exe, "4", *load], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=300)
    assert res.returncode == 0, res.stdout
    lines = [ln for ln in res.stdout.splitlines() if "mark" in ln]
    expected = []
    for i in range(4):
        expected += [f"mark {i}", f'write(1, "mark {i}\\n", 7) = 7']
    assert [re.sub(r"^\[pid +\d+\] ", "", ln) for ln in lines] == expected
