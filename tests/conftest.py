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
