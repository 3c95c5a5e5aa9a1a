"""strace's syscall classes as data: every member is a real syscall, well-known members are
where they belong, and (when strace 6.1 is installed) strace itself agrees with every class."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from renacer.schema.gen_nargs import ALL_SYSCALLS_C  # the same every-syscall program
from renacer.schema.syscall_classes import CLASSES, LEGACY_CLASSES
from renacer.schema.syscalls_x86_64 import SYSCALLS

NAMES = frozenset(SYSCALLS.values())


@pytest.mark.parametrize("cls", sorted(CLASSES))
def test_every_member_is_a_syscall(cls: str) -> None:
    assert CLASSES[cls] <= NAMES, sorted(CLASSES[cls] - NAMES)


@pytest.mark.parametrize(
    ("cls", "members"),
    [
        ("network", {"socket", "connect", "accept", "accept4", "sendto", "recvfrom", "sendmsg",
                     "recvmsg", "sendmmsg", "recvmmsg", "bind", "listen", "shutdown",
                     "setsockopt", "getsockopt", "getsockname", "getpeername", "socketpair"}),
        ("file", {"open", "openat", "stat", "execve", "unlink", "rename", "chdir"}),
        ("desc", {"openat", "read", "write", "close", "dup2", "fcntl", "poll", "epoll_wait"}),
        ("process", {"clone", "clone3", "fork", "vfork", "execve", "exit", "exit_group",
                     "wait4", "kill"}),
        ("memory", {"mmap", "munmap", "mprotect", "brk", "mremap", "madvise"}),
        ("signal", {"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "kill", "sigaltstack"}),
        ("ipc", {"shmget", "shmat", "shmdt", "shmctl", "semget", "msgget"}),
        ("%stat", {"stat", "lstat", "fstat", "newfstatat", "statx"}),
        ("pure", {"getpid", "gettid", "getuid"}),
        ("clock", {"clock_gettime", "gettimeofday"}),
        ("creds", {"setuid", "getuid", "capget"}),
    ],
)
def test_well_known_members(cls: str, members: set[str]) -> None:
    assert members <= CLASSES[cls], sorted(members - CLASSES[cls])


@pytest.mark.parametrize(
    ("cls", "outsider"),
    [("network", "read"), ("network", "write"), ("file", "read"), ("desc", "connect"),
     ("memory", "read"), ("process", "getpid")],
)
def test_well_known_non_members(cls: str, outsider: str) -> None:
    assert outsider not in CLASSES[cls]


def test_stat_like_class_is_the_union_of_the_stat_classes() -> None:
    assert CLASSES["%stat"] == CLASSES["stat"] | CLASSES["lstat"] | CLASSES["fstat"]


def test_legacy_classes_are_classes() -> None:
    assert LEGACY_CLASSES <= set(CLASSES)


# ---------------------------------------------------------------------------------------------
# strace as the oracle: a program makes every x86_64 syscall, each failed with ENOSYS by a
# seccomp filter before it can do anything, and strace -e trace=%CLASS says which it shows
# (schema/gen_nargs.py's program, which measures the argument counts the same way).


def _strace_version() -> str | None:
    strace = shutil.which("strace")
    if strace is None:
        return None
    out = subprocess.run([strace, "-V"], capture_output=True, text=True).stdout
    match = re.search(r"version (\d+\.\d+)", out)
    return match.group(1) if match else None


@pytest.fixture(scope="module")
def all_syscalls_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if _strace_version() != "6.1":
        pytest.skip("the class table is strace 6.1's; strace 6.1 is not installed")
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    exit_group = next(nr for nr, name in SYSCALLS.items() if name == "exit_group")
    numbers = ", ".join(str(nr) for nr in sorted(SYSCALLS) if nr != exit_group)
    source = ALL_SYSCALLS_C.replace("NUMBERS", numbers).replace("EXIT_GROUP", str(exit_group))
    work = tmp_path_factory.mktemp("classes")
    (work / "all_syscalls.c").write_text(source)
    subprocess.run(["gcc", "-O0", "-o", "all_syscalls", "all_syscalls.c"], cwd=work, check=True)
    return work / "all_syscalls"


def _strace_shows(program: Path, expr: str) -> set[str]:
    out = program.parent / (re.sub(r"\W", "_", expr) + ".txt")
    run = subprocess.run(
        ["strace", "-qq", "-o", str(out), "-e", f"trace={expr}", str(program)],
        capture_output=True, text=True, timeout=60,
    )
    if run.returncode == 3:
        pytest.skip("seccomp filters are not available here")
    if run.returncode != 0:
        pytest.skip(f"strace cannot trace here: {run.stderr.strip()}")
    return {m.group(1) for line in out.read_text().splitlines()
            if (m := re.match(r"(\w+)\(", line))}


def test_strace_sees_every_syscall(all_syscalls_program: Path) -> None:
    assert _strace_shows(all_syscalls_program, "all") == set(NAMES)


@pytest.mark.parametrize("cls", sorted(CLASSES))
def test_class_matches_strace(all_syscalls_program: Path, cls: str) -> None:
    assert _strace_shows(all_syscalls_program, f"%{cls}") == set(CLASSES[cls])
