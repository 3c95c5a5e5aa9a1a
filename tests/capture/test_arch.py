"""renacer records on x86_64 Linux only and says so; traces are read on any machine."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from renacer.capture import cli
from tests.analyze.tracebuilder import TraceBuilder

_REAL = os.uname()


def _uname(machine: str) -> os.uname_result:
    real = _REAL
    return os.uname_result((real.sysname, real.nodename, real.release, real.version, machine))


def test_recording_on_another_architecture_is_refused_before_anything_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(os, "uname", lambda: _uname("aarch64"))
    witness = tmp_path / "ran"
    with pytest.raises(SystemExit) as exc:
        cli.main(["-w", str(tmp_path / "t.parquet"), "--", "touch", str(witness)])
    assert exc.value.code == 2
    assert capsys.readouterr().err == "Error: renacer records x86_64 Linux only (this machine is linux aarch64)\n"
    assert not witness.exists() and not (tmp_path / "t.parquet").exists()


def test_version_and_help_answer_on_any_architecture(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(os, "uname", lambda: _uname("riscv64"))
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("renacer ")


@pytest.mark.parametrize("command", ["summary", "replay"])
def test_the_analyzer_reads_an_x86_64_trace_on_another_architecture_without_the_recorder(
    command: str, tmp_path: Path
) -> None:
    """As installed there: setup.py builds no extension off x86_64, so renacer.capture._recorder
    does not import."""
    b = TraceBuilder(pid=7)
    b.openat("/etc/hosts", 3)
    b.close(3)
    trace = b.save(tmp_path / "t.parquet")
    pretend = ("import os, sys; real = os.uname(); os.uname = lambda: os.uname_result((real.sysname, "
               "real.nodename, real.release, real.version, 'aarch64')); "
               "sys.modules['renacer.capture._recorder'] = None; "
               "from renacer.analyze.cli import main; main()")
    out = subprocess.run([sys.executable, "-c", pretend, command, str(trace)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "openat" in out.stdout + out.stderr and "close" in out.stdout + out.stderr


def test_setup_off_x86_64_builds_no_extension_and_says_why() -> None:
    """setup.py as pip runs it on an aarch64 machine (asked for the name only: nothing builds)."""
    root = Path(__file__).resolve().parents[2]
    pretend = ("import os, runpy, sys; real = os.uname(); os.uname = lambda: os.uname_result((real.sysname, "
               "real.nodename, real.release, real.version, 'aarch64')); sys.argv = ['setup.py', '--name']; "
               "g = runpy.run_path('setup.py'); print('extensions:', len(g['ext_modules']))")
    out = subprocess.run([sys.executable, "-c", pretend], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "builds on x86_64 Linux only; this machine is linux aarch64" in out.stderr
    assert "renacer-analyze reads traces recorded elsewhere" in out.stderr
    assert out.stdout.splitlines()[-1] == "extensions: 0"
