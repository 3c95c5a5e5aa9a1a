"""schema/syscalls_x86_64.py holds every x86_64 system call of the kernel headers, under the
numbers the kernel uses."""
from __future__ import annotations

import ctypes
import os
import platform
import threading
from pathlib import Path

import pytest

from renacer.schema import gen_syscalls, syscalls_x86_64
from renacer.schema.syscalls_x86_64 import SYSCALLS

HEADER = Path(gen_syscalls.DEFAULT_HEADER)
needs_header = pytest.mark.skipif(not HEADER.is_file(), reason=f"{HEADER} not installed")
NUMBER_OF = {name: nr for nr, name in SYSCALLS.items()}


@needs_header
def test_table_has_every_number_of_the_header() -> None:
    assert gen_syscalls.parse_unistd(HEADER.read_text()) == SYSCALLS


@needs_header
def test_generator_reproduces_checked_in_module() -> None:
    text = gen_syscalls.render_module(gen_syscalls.parse_unistd(HEADER.read_text()), str(HEADER))
    assert text == Path(syscalls_x86_64.__file__).read_text()


@pytest.mark.parametrize(
    ("name", "nr"),
    [
        ("read", 0), ("write", 1), ("open", 2), ("close", 3), ("mmap", 9),
        ("rt_sigaction", 13), ("ioctl", 16), ("socket", 41), ("connect", 42), ("accept", 43),
        ("sendto", 44), ("recvfrom", 45), ("clone", 56), ("fork", 57), ("execve", 59),
        ("exit", 60), ("wait4", 61), ("exit_group", 231), ("openat", 257), ("accept4", 288),
        ("recvmmsg", 299), ("sendmmsg", 307), ("statx", 332), ("rseq", 334),
        ("pidfd_open", 434), ("clone3", 435), ("openat2", 437),
    ],
)
def test_well_known_numbers(name: str, nr: int) -> None:
    assert SYSCALLS[nr] == name


def test_names_are_unique() -> None:
    assert len(NUMBER_OF) == len(SYSCALLS)


def test_only_hole_is_the_range_reserved_for_other_architectures() -> None:
    # x86_64 numbers run 0..334, then resume at 424 where all architectures share numbers.
    holes = set(range(max(SYSCALLS) + 1)) - set(SYSCALLS)
    assert holes == set(range(335, 424))


@pytest.mark.skipif(platform.machine() != "x86_64", reason="x86_64 numbers")
def test_numbers_reach_the_running_kernel() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    assert libc.syscall(NUMBER_OF["getpid"]) == os.getpid()
    assert libc.syscall(NUMBER_OF["gettid"]) == threading.get_native_id()
    assert libc.syscall(NUMBER_OF["getppid"]) == os.getppid()
