"""A traced command that blocks (sleep, a server waiting in accept) costs renacer no more than 2%
of a CPU: the loop polls for a stop only for a moment after resuming a tracee, then sleeps in
waitpid (capture/_recorder.pyx, poll_stop).

Measured as CPU time (renacer and its tracee, from the kernel's accounting), not wall time: the
same command blocking for 2 s and for 0 s, the difference divided by the 2 s.
"""
from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import RENACER

BLOCK_S = 2.0
ACCEPT = (
    "import signal, socket, sys\n"
    "secs = float(sys.argv[1])\n"
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
    "def bye(*a): raise SystemExit(0)\n"
    "signal.signal(signal.SIGALRM, bye)\n"
    "if secs:\n"
    "    signal.setitimer(signal.ITIMER_REAL, secs)\n"
    "    s.accept()\n"
)


def cpu_seconds(cmd: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert res.returncode == 0
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


@pytest.mark.parametrize("mode", ["-q", "live", "-w", "network"])
@pytest.mark.parametrize("workload", ["sleep", "accept"])
def test_a_blocked_tracee_costs_at_most_two_percent_of_a_cpu(mode: str, workload: str, tmp_path: Path) -> None:
    def command(seconds: float) -> list[str]:
        trace = tmp_path / f"t{seconds}.parquet"
        trace.unlink(missing_ok=True)
        opts = {"-q": ["-q"], "live": ["-o", "/dev/null"], "-w": ["-q", "-w", str(trace)],
                "network": ["-o", "/dev/null", "-e", "trace=network"]}[mode]
        target = ["sleep", str(seconds)] if workload == "sleep" else [sys.executable, "-c", ACCEPT, str(seconds)]
        return [*RENACER, *opts, "--", *target]

    # the cheaper of two runs each: start-up noise of a busy machine is not what is measured
    idle = min(cpu_seconds(command(0)) for _ in range(2))
    blocked = min(cpu_seconds(command(BLOCK_S)) for _ in range(2))
    share = (blocked - idle) / BLOCK_S
    assert share <= 0.02, f"{workload} under renacer {mode}: {share:.1%} of a CPU while blocked"
