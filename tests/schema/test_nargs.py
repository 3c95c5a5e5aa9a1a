"""NARGS: every x86_64 call's argument count, generated from strace's tables (strace -e raw=all
prints exactly nargs arguments), matches strace on the calls of a real program, and regenerates
to the committed module where strace 6.1 runs."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from renacer.schema import gen_nargs, nargs_x86_64
from renacer.schema.nargs_x86_64 import NARGS
from renacer.schema.syscalls_x86_64 import SYSCALLS

needs_strace = pytest.mark.skipif(shutil.which("strace") is None or shutil.which("gcc") is None,
                                  reason="strace and gcc are needed")


def test_every_syscall_has_an_argument_count_of_at_most_six() -> None:
    assert set(NARGS) == set(SYSCALLS.values())
    assert all(0 <= n <= 6 for n in NARGS.values())


@pytest.mark.parametrize(
    ("name", "nargs"),
    [("read", 3), ("close", 1), ("getpid", 0), ("mmap", 6), ("rt_sigreturn", 0), ("clone", 5),
     ("clone3", 2), ("exit_group", 1), ("futex", 6), ("openat", 4), ("openat2", 4), ("connect", 3),
     ("sendto", 6), ("recvmmsg", 5), ("ppoll", 5), ("pselect6", 6), ("vfork", 0), ("epoll_pwait2", 6)],
)
def test_well_known_argument_counts(name: str, nargs: int) -> None:
    assert NARGS[name] == nargs


def test_parse_raw_counts_printed_arguments() -> None:
    text = ("getpid()                                = -1 ENOSYS (Function not implemented)\n"
            "mmap(0, 0, 0, 0, 0, 0)                  = -1 ENOSYS (Function not implemented)\n"
            "read(0x3, 0x7ffd1000, 0x10) = 0x10\n")  # not failed by the filter: not counted
    assert gen_nargs.parse_raw(text) == {"getpid": 0, "mmap": 6}


@needs_strace
def test_generator_reproduces_the_committed_module() -> None:
    if gen_nargs.strace_version() != "6.1":
        pytest.skip("the committed table is strace 6.1's")
    try:
        counts = gen_nargs.measure(SYSCALLS)
    except RuntimeError as exc:  # no seccomp or no ptrace here
        pytest.skip(str(exc))
    assert gen_nargs.render_module(SYSCALLS, counts, "6.1") == Path(nargs_x86_64.__file__).read_text()


_RAW = re.compile(r"^\d+\s+(\w+)\((.*)\)\s+= ")


@needs_strace
def test_strace_prints_nargs_raw_arguments_for_a_real_programs_calls(
    program, tmp_path: Path  # noqa: ANN001 (the conftest fixture)
) -> None:
    exe = program("raw_calls")
    out = tmp_path / "raw.txt"
    subprocess.run(["strace", "-f", "-qq", "-e", "raw=all", "-o", str(out), exe, str(tmp_path)],
                   check=True, timeout=60)
    seen: dict[str, int] = {}
    for line in out.read_text().splitlines():
        m = _RAW.match(line)
        if m:
            args = m.group(2).strip()
            seen[m.group(1)] = len(args.split(", ")) if args else 0
    assert {"getpriority", "sched_getaffinity", "getcpu", "fadvise64", "personality", "openat",
            "mmap", "close"} <= set(seen)
    assert {name: NARGS[name] for name in seen} == seen
