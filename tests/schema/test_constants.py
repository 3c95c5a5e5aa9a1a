"""The generated constant tables agree with Python's own view of this platform, the generator
reproduces the checked-in module, and the helpers render values the way strace 6.1 does."""
from __future__ import annotations

import errno
import fcntl
import mmap
import os
import re
import select
import signal
import socket
import termios
from pathlib import Path
from types import ModuleType

import pytest

from renacer.schema import constants as C
from renacer.schema import constants_x86_64, gen_constants

# (case id, table, Python module, names to compare, names Python has that the table lacks by
# design — each with the reason)
PYTHON_CASES: list[tuple[str, dict[str, int], ModuleType, str, frozenset[str]]] = [
    ("errno", C.ERRNO, errno, r"E[A-Z0-9]+", frozenset()),
    ("af", C.AF, socket, r"AF_\w+", frozenset()),
    ("sock", {**C.SOCK_TYPE, **C.SOCK_FLAGS}, socket, r"SOCK_\w+", frozenset()),
    ("ipproto", C.IPPROTO, socket, r"IPPROTO_\w+", frozenset()),
    ("so", C.SO, socket, r"SO_\w+",
     # protocol-family options (CAN J1939, vsock), not SOL_SOCKET ones
     frozenset({"SO_J1939_ERRQUEUE", "SO_J1939_FILTER", "SO_J1939_PROMISC",
                "SO_J1939_SEND_PRIO", "SO_VM_SOCKETS_BUFFER_MAX_SIZE",
                "SO_VM_SOCKETS_BUFFER_MIN_SIZE", "SO_VM_SOCKETS_BUFFER_SIZE"})),
    ("sol", C.SOL, socket, r"SOL_\w+",
     frozenset({"SOL_CAN_BASE", "SOL_CAN_RAW"})),  # linux/can.h, a family of its own
    ("tcp", C.TCP, socket, r"TCP_\w+", frozenset()),
    ("ip", C.IP, socket, r"IP_\w+",
     # defaults and limits, not option names
     frozenset({"IP_DEFAULT_MULTICAST_LOOP", "IP_DEFAULT_MULTICAST_TTL", "IP_MAX_MEMBERSHIPS"})),
    ("ipv6", C.IPV6, socket, r"IPV6_\w+",
     # glibc's other names for ADD/DROP_MEMBERSHIP, and a routing header type
     frozenset({"IPV6_JOIN_GROUP", "IPV6_LEAVE_GROUP", "IPV6_RTHDR_TYPE_0"})),
    ("msg", C.MSG, socket, r"MSG_\w+", frozenset()),
    ("shut", C.SHUT, socket, r"SHUT_\w+", frozenset()),
    ("open", {**C.OPEN_FLAGS, **C.OPEN_ACCMODE}, os, r"O_\w+",
     # 64-bit glibc defines O_LARGEFILE as 0 (the kernel sets it itself); strace shows the
     # kernel's bit, which is what the table holds
     frozenset({"O_LARGEFILE"})),
    ("wait", C.WAIT, os, r"W(NOHANG|UNTRACED|STOPPED|EXITED|CONTINUED|NOWAIT)", frozenset()),
    ("idtype", C.IDTYPE, os, r"P_(ALL|PID|PGID|PIDFD)", frozenset()),
    ("seek", C.SEEK, os, r"SEEK_\w+", frozenset()),
    ("access", C.ACCESS, os, r"[RWXF]_OK", frozenset()),
    ("clock", C.CLOCK, __import__("time"), r"CLOCK_\w+", frozenset()),
    ("prot", C.PROT, mmap, r"PROT_\w+", frozenset()),
    ("map", {**C.MAP, **C.MAP_TYPE}, mmap, r"MAP_\w+", frozenset()),
    ("madvise", C.MADVISE, mmap, r"MADV_\w+", frozenset()),
    ("poll", C.POLL, select, r"POLL\w+", frozenset()),
    ("epoll", {**C.EPOLL_EVENTS, **C.EPOLL_FLAGS}, select, r"EPOLL\w+", frozenset()),
    ("fcntl", C.FCNTL_CMD, fcntl, r"F_\w+",
     # 64-bit glibc maps F_*LK64 onto F_*LK (5..7); the kernel's 12..14 are 32-bit only.
     # Lock types and seals are fcntl arguments, not commands.
     frozenset({"F_GETLK64", "F_SETLK64", "F_SETLKW64", "F_RDLCK", "F_WRLCK", "F_UNLCK",
                "F_EXLCK", "F_SHLCK", "F_SEAL_SEAL", "F_SEAL_SHRINK", "F_SEAL_GROW",
                "F_SEAL_WRITE"})),
    ("ioctl", C.IOCTL, termios, r"(TIOC|FIO)[A-Z0-9]+|TC(GET|SET|SBRK|XONC|FLSH)\w*",
     frozenset()),
]


def _python_names(module: ModuleType, pattern: str) -> dict[str, int]:
    regex = re.compile(pattern)
    return {
        name: int(value)
        for name in dir(module)
        if regex.fullmatch(name) and isinstance(value := getattr(module, name), int)
    }


@pytest.mark.parametrize(
    ("table", "module", "pattern", "absent"),
    [case[1:] for case in PYTHON_CASES],
    ids=[case[0] for case in PYTHON_CASES],
)
def test_table_agrees_with_python_module(
    table: dict[str, int], module: ModuleType, pattern: str, absent: frozenset[str]
) -> None:
    python = _python_names(module, pattern)
    assert python, f"{module.__name__} has no names matching {pattern}"
    missing = sorted(set(python) - set(table) - absent)
    assert not missing, f"names Python knows but the table lacks: {missing}"
    wrong = {n: (table[n], v) for n, v in python.items() if n in table and n not in absent
             and table[n] != v}
    assert not wrong, f"(table, python) values differ: {wrong}"


def test_every_errno_python_knows_has_its_value() -> None:
    for value, name in errno.errorcode.items():
        assert C.ERRNO[name] == value, name


def test_every_signal_python_knows_has_its_value_and_name() -> None:
    for sig in signal.Signals:
        if sig.name in ("SIGRTMIN", "SIGRTMAX"):  # glibc's, which reserves two for itself
            continue
        assert C.SIGNALS[sig.name] == sig.value
        assert C.signal_name(sig.value) == sig.name  # Python also prefers SIGABRT, SIGIO, …


def test_glibc_aliases_are_kept_but_never_win() -> None:
    assert C.ERRNO["ENOTSUP"] == C.ERRNO["EOPNOTSUPP"]
    assert C.SIGNALS["SIGCLD"] == C.SIGNALS["SIGCHLD"]
    assert C.OPEN_FLAGS["O_ASYNC"] == C.OPEN_FLAGS["FASYNC"]
    assert C.MAP["MAP_ANON"] == C.MAP["MAP_ANONYMOUS"]


def test_generator_reproduces_checked_in_module() -> None:
    root = Path(gen_constants.DEFAULT_ROOT)
    if not (root / "asm-generic/errno.h").is_file():
        pytest.skip("no kernel headers under /usr/include")
    installed = gen_constants.kernel_version(root)
    if installed != constants_x86_64.KERNEL_HEADERS:
        pytest.skip(f"headers here are {installed}, the module is from "
                    f"{constants_x86_64.KERNEL_HEADERS}")
    generated = gen_constants.generate(root)
    checked_in = Path(constants_x86_64.__file__).read_text()
    assert generated == checked_in, "re-run: python3 -m renacer.schema.gen_constants"


# ---------------------------------------------------------------------------------------------
# The header reader on its own


SYNTHETIC_HEADER = """
#ifndef GUARD_H
#define GUARD_H
#define A_ONE 1
#define A_OCT 0100 /* octal, with a
                      multi-line comment */
#define A_HEX 0x10U
#define A_SHIFT (1UL << 3)
#define A_OR (A_ONE | A_SHIFT)
#define A_ALIAS A_ONE
#define A_CAST ((__force __poll_t)0x20)
#define A_FN(x) ((x) + 1)
#define A_LATER B_LATER
#ifndef A_ONE
#define A_ONE 99
#endif
#if __BITS_PER_LONG == 32 || defined(__KERNEL__)
#define A_32BIT 5
#else
#define A_64BIT 6
#endif
#if 0
#define A_NEVER 7
#endif
enum
{
  E_ZERO,
#define E_ZERO E_ZERO
  E_ONE,
  E_TEN = 10,
  E_ELEVEN,
  E_SAME = E_TEN
};
#define A_IOR _IOR('T', 0x30, unsigned int)
#define A_SIZEOF (sizeof(struct nothing))
#define B_LATER 8
#endif
"""


def test_header_reader_evaluates_simple_defines_and_enums() -> None:
    env = gen_constants.HeaderEnv()
    env.read(SYNTHETIC_HEADER, "synthetic.h")
    env.forget_values()
    expected = {
        "A_ONE": 1, "A_OCT": 64, "A_HEX": 16, "A_SHIFT": 8, "A_OR": 9, "A_ALIAS": 1,
        "A_CAST": 32, "A_LATER": 8, "A_64BIT": 6, "E_ZERO": 0, "E_ONE": 1, "E_TEN": 10,
        "E_ELEVEN": 11, "E_SAME": 10, "A_IOR": 0x80045430,
    }
    assert {name: env.value(name) for name in expected} == expected
    for skipped in ("A_FN", "A_32BIT", "A_NEVER", "A_SIZEOF"):
        assert env.value(skipped) is None, skipped
    assert env.is_alias("A_ALIAS", {"A_ONE", "A_ALIAS"})
    assert env.is_alias("E_SAME", {"E_TEN", "E_SAME"})
    assert not env.is_alias("E_ZERO", {"E_ZERO"})


# ---------------------------------------------------------------------------------------------
# Helpers. Expected strings are what strace 6.1 printed for the same values on this machine.

FLAG_CASES: list[tuple[str, dict[str, int], int, str]] = [
    ("prot", C.PROT, 0x3, "PROT_READ|PROT_WRITE"),
    ("prot none", C.PROT, 0, "PROT_NONE"),
    ("no zero name", C.WAIT, 0, "0"),
    ("unknown bits", C.MREMAP, 0xFFFFFFFF,
     "MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP|0xfffffff8"),
    ("alias canonical", C.WAIT, 0x40000002, "WSTOPPED|__WALL"),
    ("strace order", C.SA_FLAGS, 0x14000004, "SA_RESTORER|SA_RESTART|SA_SIGINFO"),
    ("superset first", C.OPEN_FLAGS, 0x101000 | 0x2000, "O_SYNC|FASYNC"),
    ("subset alone", C.OPEN_FLAGS, 0x1000, "O_DSYNC"),
    ("access", C.ACCESS, 7, "R_OK|W_OK|X_OK"),
    ("access zero", C.ACCESS, 0, "F_OK"),
    ("clone", C.CLONE, 0x3D0F00,
     "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS"
     "|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID"),
    ("msg", C.MSG, 0x4040, "MSG_DONTWAIT|MSG_NOSIGNAL"),
    ("epoll", C.EPOLL_EVENTS, 0x80000001, "EPOLLIN|EPOLLET"),
    ("caller table", {"X_A": 1, "X_B": 2}, 7, "X_A|X_B|0x4"),
]


@pytest.mark.parametrize(("table", "value", "expected"), [c[1:] for c in FLAG_CASES],
                         ids=[c[0] for c in FLAG_CASES])
def test_flag_names_renders_like_strace(table: dict[str, int], value: int, expected: str) -> None:
    assert C.flag_names(table, value) == expected


OPEN_CASES: list[tuple[int, str]] = [
    (os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, "O_WRONLY|O_CREAT|O_CLOEXEC"),
    (os.O_RDONLY, "O_RDONLY"),
    (os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_DIRECTORY,
     "O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY"),
    (os.O_RDWR | os.O_TMPFILE | os.O_NOFOLLOW | os.O_CLOEXEC,
     "O_RDWR|O_NOFOLLOW|O_CLOEXEC|O_TMPFILE"),
    (os.O_WRONLY | os.O_APPEND | os.O_SYNC | os.O_CLOEXEC, "O_WRONLY|O_APPEND|O_SYNC|O_CLOEXEC"),
    (3 | os.O_CLOEXEC | 0x40000000, "O_ACCMODE|O_CLOEXEC|0x40000000"),
    (0x100000 | os.O_DIRECT | os.O_NONBLOCK, "O_RDONLY|O_NONBLOCK|__O_SYNC|O_DIRECT"),
]


@pytest.mark.parametrize(("value", "expected"), OPEN_CASES)
def test_open_flags_puts_access_mode_first(value: int, expected: str) -> None:
    assert C.open_flags(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (socket.SOCK_STREAM | socket.SOCK_CLOEXEC, "SOCK_STREAM|SOCK_CLOEXEC"),
        (socket.SOCK_DGRAM, "SOCK_DGRAM"),
        (socket.SOCK_SEQPACKET | socket.SOCK_NONBLOCK, "SOCK_SEQPACKET|SOCK_NONBLOCK"),
        (socket.SOCK_STREAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC,
         "SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK"),
        (0, "0"),
    ],
)
def test_socket_type_splits_type_and_flags(value: int, expected: str) -> None:
    assert C.socket_type(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, "MAP_PRIVATE|MAP_ANONYMOUS"),
        (0x22 | 21 << 26, "MAP_PRIVATE|MAP_ANONYMOUS|21<<MAP_HUGE_SHIFT"),
        (0x3, "MAP_SHARED_VALIDATE"),
        (0x0, "MAP_FILE"),
        (0x12 | 0x800, "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE"),
    ],
)
def test_mmap_flags_renders_type_flags_and_huge_size(value: int, expected: str) -> None:
    assert C.mmap_flags(value) == expected


@pytest.mark.parametrize(
    ("table", "value", "expected"),
    [
        (C.ERRNO, 11, "EAGAIN"),
        (C.ERRNO, 35, "EDEADLK"),
        (C.ERRNO, 95, "EOPNOTSUPP"),
        (C.SIGNALS, 6, "SIGABRT"),
        (C.SIGNALS, 29, "SIGIO"),
        (C.SIGNALS, 31, "SIGSYS"),
        (C.OPEN_FLAGS, 0x800, "O_NONBLOCK"),
        (C.AF, 1, "AF_UNIX"),
        (C.AF, 16, "AF_NETLINK"),
        (C.SO, 20, "SO_RCVTIMEO_OLD"),
        (C.SO, 26, "SO_ATTACH_FILTER"),
        (C.MSG, 0x10, "MSG_PROBE"),
        (C.IPPROTO, 0, "IPPROTO_IP"),
        (C.SOL, 6, "SOL_TCP"),
        (C.TCP, 36, "TCP_INQ"),
        (C.IP, 7, "IP_RETOPTS"),
        (C.AT_FLAGS, 0x200, "AT_REMOVEDIR"),
        (C.IOCTL, 0x541B, "FIONREAD"),
        (C.IOCTL, 0x80045430, "TIOCGPTN"),
        (C.FCNTL_CMD, 1030, "F_DUPFD_CLOEXEC"),
        (C.CLOCK, 7, "CLOCK_BOOTTIME"),
        (C.EPOLL_CTL, 1, "EPOLL_CTL_ADD"),
        (C.SIG_HOW, 2, "SIG_SETMASK"),
        (C.SHUT, 2, "SHUT_RDWR"),
        (C.SEEK, 4, "SEEK_HOLE"),
    ],
)
def test_enum_name_returns_canonical_strace_name(
    table: dict[str, int], value: int, expected: str
) -> None:
    assert C.enum_name(table, value) == expected


def test_enum_name_falls_back_to_default() -> None:
    assert C.enum_name(C.CLOCK, 12) is None
    assert C.enum_name(C.CLOCK, 12, "12") == "12"
    assert C.enum_name({"MY_A": 1}, 1) == "MY_A"


@pytest.mark.parametrize(
    ("n", "name", "message"),
    [
        (111, "ECONNREFUSED", "Connection refused"),
        (11, "EAGAIN", "Resource temporarily unavailable"),
        (2, "ENOENT", "No such file or directory"),
        (512, "ERESTARTSYS", "To be restarted if SA_RESTART is set"),
        (513, "ERESTARTNOINTR", "To be restarted"),
        (514, "ERESTARTNOHAND", "To be restarted if no handler"),
        (516, "ERESTART_RESTARTBLOCK", "Interrupted by signal"),
        (515, "ENOIOCTLCMD", "Unknown error 515"),
    ],
)
def test_errno_name_and_message(n: int, name: str, message: str) -> None:
    assert C.errno_name(n) == name
    assert C.errno_message(n) == message


def test_errno_name_of_unknown_number_is_default() -> None:
    assert C.errno_name(4000) is None
    assert C.errno_name(4000, "E???") == "E???"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0"),
        (9, "SIGKILL"),
        (17, "SIGCHLD"),
        (32, "SIGRTMIN"),
        (33, "SIGRT_1"),
        (34, "SIGRT_2"),
        (63, "SIGRT_31"),
        (64, "SIGRT_32"),
        (65, "65"),
        (-1, "-1"),
    ],
)
def test_signal_name_counts_realtime_signals_like_strace(n: int, expected: str) -> None:
    assert C.signal_name(n) == expected


def test_every_table_is_exported_under_its_name() -> None:
    generated = {
        name: value for name, value in vars(constants_x86_64).items()
        if name.isupper() and isinstance(value, dict)
    }
    assert C.TABLES == generated
    for name, table in C.TABLES.items():
        assert getattr(C, name) is table
