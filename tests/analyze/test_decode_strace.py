"""A real recording of tests/programs/decode_all.c renders as ``strace -f -o`` prints the same
program, call for call, wherever both define the format.

Both outputs are normalized for what differs between two runs (pids, addresses, ephemeral ports,
the environment count renacer does not record, CPU times in SIGCHLD), unfinished/resumed pairs
are joined (thread interleaving differs run to run), and each thread's calls are compared in
order. Lines whose strace form needs memory the recorder does not capture, or a constant table
schema.constants does not provide yet, are left out, each for a stated reason.
"""
from __future__ import annotations

import difflib
import importlib.util
import io
import re
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from renacer.analyze.decode.common import table
from renacer.analyze.render import RenderOptions, render_trace_file
from tests.conftest import needs, run_renacer

HAVE_RECORDER = importlib.util.find_spec("renacer.capture._recorder") is not None

# Calls whose strace form shows memory the recorder does not capture.
NOT_RECORDED = {
    "rt_sigreturn": "the mask in the signal frame",
    "futex": "the timeout's memory; whether pthread_join waits at all depends on timing",
}

# Lines that need a constant table schema.constants does not have yet: (pattern, table).
NEEDS_TABLE = [
    (re.compile(r"^(newfstatat|fstat|stat|lstat)\("), "S_IFMT"),
    (re.compile(r"^statx\("), "STATX_MASK"),
    (re.compile(r"^arch_prctl\("), "ARCH_PRCTL"),
    (re.compile(r"^prlimit64\("), "RLIMIT"),
    (re.compile(r"^fcntl\(\d+, F_SETFD"), "FD_FLAGS"),
    (re.compile(r"^socket\(AF_NETLINK"), "NETLINK_PROTO"),
    (re.compile(r"^--- SIG\w+ \{si_signo=\w+, si_code=(SI_|0|-|0x)"), "SI_CODE"),
    (re.compile(r"^--- SIGCHLD"), "CLD_CODE"),
]

_LINE = re.compile(r"^(\d+)\s+(.*)$")
_RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*)$")
_NAME = re.compile(r"^(\w+)\(")


def join_unfinished(text: str) -> list[tuple[str, str]]:
    """(pid, line) with each ``<unfinished ...>`` joined to its ``<... resumed>``."""
    out: list[list[str]] = []
    open_at: dict[str, int] = {}
    for raw in text.splitlines():
        m = _LINE.match(raw)
        if not m:
            continue
        pid, rest = m.groups()
        if rest.endswith(" <unfinished ...>"):
            open_at[pid] = len(out)
            out.append([pid, rest[: -len(" <unfinished ...>")]])
            continue
        resumed = _RESUMED.match(rest)
        if resumed and pid in open_at:
            out[open_at.pop(pid)][1] += resumed.group(2)
            continue
        out.append([pid, rest])
    return [(pid, line) for pid, line in out]


def normalize(events: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Per thread (numbered by first appearance), its lines with run-dependent values masked:
    pids, addresses, ephemeral ports (also as raw sa_data bytes), the time a call had left,
    random bytes."""
    order: list[str] = []
    for pid, _ in events:
        if pid not in order:
            order.append(pid)
    names = {pid: f"P{i}" for i, pid in enumerate(order)}
    per: dict[str, list[str]] = {}
    for pid, line in events:
        line = re.sub(r"\)\s+= ", ") = ", line)
        line = re.sub(r"0x[0-9a-f]{5,}", "0xADDR", line)
        line = re.sub(r"htons\((?!0\))\d+\)", "htons(PORT)", line)
        line = re.sub(r'(sa_family=AF_INET6?, sa_data=)"[^"]*"', r'\1"PORT"', line)
        line = re.sub(r"left \{tv_sec=\d+, tv_(n|u)sec=\d+\}", r"left {tv_sec=N, tv_\1sec=N}", line)
        line = re.sub(r'^getrandom\("[^"]*"', 'getrandom("RANDOM"', line)
        line = re.sub(r"/\* \d+ vars \*/", "/* ? vars */", line)
        line = re.sub(r"si_([us])time=\d+", r"si_\1time=N", line)
        for real, alias in names.items():
            line = re.sub(rf"\b{real}\b", alias, line)
        per.setdefault(names[pid], []).append(line)
    return per


def comparable(line: str) -> bool:
    name = _NAME.match(line)
    if name and name.group(1) in NOT_RECORDED:
        return False
    return not any(pattern.match(line) and not table(needed) for pattern, needed in NEEDS_TABLE)


def diff(strace_text: str, renacer_text: str) -> list[str]:
    expected = normalize(join_unfinished(strace_text))
    actual = normalize(join_unfinished(renacer_text))
    lines: list[str] = []
    for thread in sorted(set(expected) | set(actual)):
        a = [x for x in expected.get(thread, []) if comparable(x)]
        b = [x for x in actual.get(thread, []) if comparable(x)]
        lines += [f"{thread} {d}" for d in difflib.unified_diff(a, b, "strace", "renacer", n=1, lineterm="")]
    return lines


@needs("strace")
@pytest.mark.skipif(not HAVE_RECORDER, reason="the Cython recorder is not built")
def test_recorded_calls_render_as_strace_prints_them(program: Callable[..., str], tmp_path: Path) -> None:
    exe = program("decode_all")
    work = tmp_path / "work"
    work.mkdir()
    strace_out = tmp_path / "strace.txt"
    subprocess.run(["strace", "-f", "-o", str(strace_out), exe, str(work)], check=True, timeout=60)
    trace = tmp_path / "trace.parquet"
    result = run_renacer(["-q", "-w", str(trace), "--", exe, str(work)])
    assert result.returncode == 0, result.stderr
    out = io.StringIO()
    render_trace_file([str(trace)], out, RenderOptions(string_size=32, pid_prefix="always", style="strace"))
    problems = diff(strace_out.read_text(), out.getvalue())
    assert not problems, "\n".join(problems)


# Programs that call each family's syscalls with good and bad arguments (NULL, unmapped memory,
# structures ending on an unmapped page, short and negative lengths): every line must match.
def strace_and_renacer(exe: str, tmp_path: Path, string_size: int = 32) -> tuple[str, str]:
    """strace's text and renacer's (recorded and rendered with the same -s) for one run each."""
    work = tmp_path / "work"
    work.mkdir()
    strace_out = tmp_path / "strace.txt"
    subprocess.run(["strace", "-f", "-s", str(string_size), "-o", str(strace_out), exe, str(work)],
                   check=True, timeout=60)
    trace = tmp_path / "trace.parquet"
    result = run_renacer(["-q", "-s", str(string_size), "-w", str(trace), "--", exe, str(work)])
    assert result.returncode == 0, result.stderr
    out = io.StringIO()
    render_trace_file([str(trace)], out, RenderOptions(string_size=string_size, pid_prefix="always", style="strace"))
    return strace_out.read_text(), out.getvalue()


@needs("strace")
@pytest.mark.skipif(not HAVE_RECORDER, reason="the Cython recorder is not built")
@pytest.mark.parametrize("name, string_size", [("decode_net", 32), ("decode_net", 8), ("decode_misc", 32)])
def test_calls_with_bad_arguments_render_as_strace_prints_them(
    name: str, string_size: int, program: Callable[..., str], tmp_path: Path
) -> None:
    strace_text, renacer_text = strace_and_renacer(program(name), tmp_path, string_size)
    expected = normalize(join_unfinished(strace_text))
    actual = normalize(join_unfinished(renacer_text))
    assert sum(map(len, actual.values())) >= 40  # the program ran and was recorded
    problems = diff(strace_text, renacer_text)
    assert not problems, "\n".join(problems)
    assert expected == actual  # nothing left out either


def test_the_normalizer_joins_unfinished_calls_and_masks_run_dependent_values() -> None:
    text = (
        "4170  wait4(4171,  <unfinished ...>\n"
        "4171  exit_group(0)                     = ?\n"
        "4170  <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 4171\n"
        "4170  mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f8bd6405000\n"
    )
    assert normalize(join_unfinished(text)) == {
        "P0": ["wait4(P1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = P1",
               "mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 3, 0) = 0xADDR"],
        "P1": ["exit_group(0) = ?"],
    }
