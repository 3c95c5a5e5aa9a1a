"""Run a command with its stdout and/or stderr on a pseudo-terminal, as a person would see it:
the progress bars and status lines that renacer draws only for people are tested this way."""
from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from dataclasses import dataclass


@dataclass
class Seen:
    terminal: bytes  # what was written to the pseudo-terminal (stdout and/or stderr)
    stdout: bytes  # stdout when it was a pipe
    returncode: int


def run_on_terminal(cmd: list[str], *, stdout_tty: bool = True, stderr_tty: bool = True,
                    timeout: float = 120, env: dict[str, str] | None = None) -> Seen:
    master, slave = pty.openpty()
    environ = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40", **(env or {})}
    environ.pop("NO_COLOR", None)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, env=environ,
                            stdout=slave if stdout_tty else subprocess.PIPE,
                            stderr=slave if stderr_tty else subprocess.PIPE)
    os.close(slave)
    terminal = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every writer closed the terminal
                    break
                if not chunk:
                    break
                terminal += chunk
        else:
            proc.kill()
            raise TimeoutError(f"{cmd} did not finish in {timeout} s")
    finally:
        os.close(master)
    out = proc.stdout.read() if proc.stdout else b""
    if proc.stderr:
        proc.stderr.read()
    proc.wait(timeout=10)
    return Seen(terminal, out, proc.returncode)
