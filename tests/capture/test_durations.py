"""The recorder's own start-up work does not show in the durations it records: a traced call's
duration stays within a small bound of what strace -T measures for the same program, in the
same run, in every mode (-w, live, -e trace=network).

Not a speed test: both tracers measure the same calls side by side; the bounds are loose enough
for a busy machine and tight enough for the stalls this guards against (imports holding the GIL
or a CPU while the command waits at a stop cost milliseconds: socket() recorded at 3-4 ms, a
recvfrom answered after 50 ms recorded at 67 ms). Each comparison gets three tries and passes on
the first that holds, since a systematic stall shows in every try and a scheduling hiccup not.
"""
from __future__ import annotations

import json
import re
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.conftest import needs, read_trace, run_renacer

DELAY_S = 0.05  # the server answers this long after the request
_STRACE_T = re.compile(r"^\d+\s+(\w+)\(.*<(\d+)\.(\d+)>$")


@pytest.fixture(scope="module")
def slow_server() -> Iterator[int]:
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                if conn.recv(16):
                    time.sleep(DELAY_S)
                    conn.sendall(b"pong")

    threading.Thread(target=serve, daemon=True).start()
    yield srv.getsockname()[1]
    srv.close()


def strace_durations(cmd: list[str], tmp: Path) -> dict[str, list[int]]:
    out = tmp / "strace.txt"
    subprocess.run(["strace", "-f", "-T", "-e", "trace=getppid,socket,recvfrom", "-o", str(out), *cmd],
                   check=True, timeout=60)
    found: dict[str, list[int]] = {}
    for line in out.read_text().splitlines():
        m = _STRACE_T.match(line)
        if m:
            found.setdefault(m[1], []).append(int(m[2]) * 1_000_000_000 + int(m[3].ljust(9, "0")))
    return found


def renacer_durations(mode: str, cmd: list[str], tmp: Path) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    if mode == "-w":
        trace = tmp / "t.parquet"
        trace.unlink(missing_ok=True)
        assert run_renacer(["-q", "-w", str(trace), "--", *cmd]).returncode == 0
        for r in read_trace(trace):
            if r["kind"] == "syscall" and r["dur_ns"] is not None:
                found.setdefault(r["name"], []).append(r["dur_ns"])
        return found
    out = tmp / "live.jsonl"
    out.unlink(missing_ok=True)
    expr = ["-e", "trace=network"] if mode == "network" else []
    assert run_renacer(["--format", "jsonl", "-o", str(out), *expr, "--", *cmd]).returncode == 0
    for line in out.read_text().splitlines():
        r = json.loads(line)
        if r.get("duration_ns") is not None:
            found.setdefault(r["name"], []).append(r["duration_ns"])
    return found


def holds_in_one_of_three(check: Callable[[], str | None]) -> None:
    failures = []
    for _ in range(3):
        failure = check()
        if failure is None:
            return
        failures.append(failure)
    pytest.fail("; ".join(failures))


@needs("strace")
@pytest.mark.parametrize("mode", ["-w", "live", "network"])
def test_recorded_durations_stay_within_a_small_bound_of_strace_s(mode: str, program, slow_server: int,
                                                                  tmp_path: Path) -> None:
    cmd = [program("durations"), "1000", str(slow_server)]

    def check() -> str | None:
        ref = strace_durations(cmd, tmp_path)
        got = renacer_durations(mode, cmd, tmp_path)
        problems = []
        if mode != "network":  # getppid is not a network call
            assert len(got["getppid"]) == len(ref["getppid"]) == 1000
            ours, theirs = statistics.median(got["getppid"]), statistics.median(ref["getppid"])
            if ours > 2 * theirs + 20_000:
                problems.append(f"getppid median {ours} ns vs strace's {theirs} ns")
        (sock,), (ref_sock,) = got["socket"], ref["socket"]
        if sock > ref_sock + 1_000_000:
            problems.append(f"socket {sock} ns vs strace's {ref_sock} ns")
        (recv,), (ref_recv,) = got["recvfrom"], ref["recvfrom"]
        # The server's delay is in it. Not all of it to the µs: the server starts its 50 ms when the
        # request arrives, and the client's recvfrom begins a little later (its send returns, then
        # the tracer sees the next entry), the more so on a loaded machine; 5 ms covers that.
        if recv < DELAY_S * 1e9 - 5_000_000:
            problems.append(f"recvfrom {recv} ns is shorter than the server's {DELAY_S * 1e3:.0f} ms delay")
        if recv > ref_recv + 5_000_000:
            problems.append(f"recvfrom {recv} ns vs strace's {ref_recv} ns")
        return f"{mode}: " + ", ".join(problems) if problems else None

    holds_in_one_of_three(check)
