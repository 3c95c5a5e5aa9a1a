"""Calls without a decoder print as many raw arguments as the call takes (NARGS), exactly as
``strace -e raw=all`` prints them, on a real recording."""
from __future__ import annotations

import importlib.util
import io
import re
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from renacer.analyze.decode import DECODERS, DecodeOptions, decode
from renacer.analyze.render import RenderOptions, render_trace_file
from renacer.schema.nargs_x86_64 import NARGS
from tests.analyze.rows import make_row
from tests.conftest import needs, run_renacer

HAVE_RECORDER = importlib.util.find_spec("renacer.capture._recorder") is not None
_CALL = re.compile(r"^\d+\s+(\w+)\((.*)\)\s+= ")


@pytest.mark.parametrize(("name", "shown"), [("getpriority", 2), ("sched_getaffinity", 3), ("getpid", 0),
                                             ("fadvise64", 4), ("kexec_load", 4), ("personality", 1)])
def test_an_undecoded_call_prints_its_argument_count(name: str, shown: int) -> None:
    assert name not in DECODERS or name == "getpid"
    row = make_row(name, 1, 2, 3, 4, 5, 6)
    assert decode(row, DecodeOptions()).args == ["0x1", "0x2", "0x3", "0x4", "0x5", "0x6"][:shown]
    assert NARGS[name] == shown


def test_a_number_the_table_does_not_know_prints_six() -> None:
    assert len(decode(make_row("syscall_999", 1), DecodeOptions()).args) == 6


def _calls(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for line in text.splitlines() if (m := _CALL.match(line))]


@needs("strace")
@pytest.mark.skipif(not HAVE_RECORDER, reason="the Cython recorder is not built")
def test_undecoded_calls_print_the_arguments_strace_raw_prints(program: Callable[..., str], tmp_path: Path) -> None:
    exe = program("raw_calls")
    strace_out = tmp_path / "strace.txt"
    subprocess.run(["strace", "-f", "-qq", "-e", "raw=all", "-o", str(strace_out), exe, str(tmp_path)],
                   check=True, timeout=60)
    trace = tmp_path / "trace.parquet"
    result = run_renacer(["-q", "-w", str(trace), "--", exe, str(tmp_path)])
    assert result.returncode == 0, result.stderr
    text = io.StringIO()
    render_trace_file([str(trace)], text, RenderOptions(pid_prefix="always", style="strace"))
    undecoded = ["getpriority", "getrusage", "getitimer", "sched_getscheduler", "sched_getparam",
                 "sched_getaffinity", "getcpu", "getresuid", "personality", "flock", "fadvise64",
                 "fallocate", "sync_file_range", "ioprio_get", "sched_get_priority_max"]
    assert not set(undecoded) & set(DECODERS)
    ours = [(n, a) for n, a in _calls(text.getvalue()) if n in undecoded]
    theirs = [(n, a) for n, a in _calls(strace_out.read_text()) if n in undecoded]
    # stack addresses differ run to run: compare the count, and every argument that is not one
    mask = re.compile(r"0x7ff[0-9a-f]+")
    assert [n for n, _ in ours] == undecoded
    assert [(n, mask.sub("ADDR", a)) for n, a in ours] == [(n, mask.sub("ADDR", a)) for n, a in theirs]
