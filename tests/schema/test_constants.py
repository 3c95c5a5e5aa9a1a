"""The generated constant tables agree with Python's own view of this platform, the generator
reproduces the checked-in module, and the helpers render values the way strace 6.1 does."""
from __future__ import annotations

import errno
import fcntl
import mmap
import os
import re
import resource
import select
import signal
import socket
import stat
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
    ("rlimit", C.RLIMIT, resource, r"RLIMIT_\w+",
     frozenset({"RLIMIT_OFILE"})),  # glibc's BSD name for RLIMIT_NOFILE; not in uapi
    # S_IFDOOR/S_IFPORT/S_IFWHT are 0 on Linux (Python defines them everywhere)
    ("s_ifmt", C.S_IFMT, stat, r"S_IF(SOCK|LNK|REG|BLK|DIR|CHR|IFO)", frozenset()),
    ("grnd", C.GRND, os, r"GRND_\w+", frozenset()),
    ("rwf", C.RWF, os, r"RWF_\w+", frozenset()),
    ("cld", C.CLD_CODE, os, r"CLD_\w+", frozenset()),
    ("fd_flags", C.FD_FLAGS, fcntl, r"FD_\w+", frozenset()),
    ("scm", C.SCM, socket, r"SCM_\w+",
     # CAN J1939 control messages (SOL_CAN_J1939), not SOL_SOCKET ones
     frozenset({"SCM_J1939_DEST_ADDR", "SCM_J1939_DEST_NAME", "SCM_J1939_ERRQUEUE",
                "SCM_J1939_PRIO"})),
    ("netlink", C.NETLINK_PROTO, socket, r"NETLINK_\w+", frozenset()),
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


# ---------------------------------------------------------------------------------------------
# Tables the decoders look up by name (renacer.analyze.decode.common.table)


# Each name the decoders ask table() for: the generator must provide every one of them except
# PROF_CODE, which no header defines (strace 6.1 prints SIGPROF's codes as numbers too).
DECODER_TABLES = (
    "S_IFMT", "STATX_MASK", "STATX_ATTR", "SI_CODE", "CLD_CODE", "SEGV_CODE", "BUS_CODE",
    "ILL_CODE", "FPE_CODE", "TRAP_CODE", "POLL_CODE", "SYS_CODE", "FD_FLAGS", "NETLINK_PROTO",
    "RLIMIT", "ARCH_PRCTL", "FUTEX_OP", "GRND", "SCM", "RESOLVE", "RWF", "RENAME", "CLOSE_RANGE",
    "TIMER_FLAGS", "RSEQ_FLAGS", "AUDIT_ARCH", "PTRACE_EVENT", "UDP",
)


@pytest.mark.parametrize("name", DECODER_TABLES)
def test_tables_the_decoders_use_are_generated(name: str) -> None:
    assert C.TABLES.get(name), name


def test_si_code_tables_hold_generic_and_per_signal_codes_apart() -> None:
    # the generic codes are the ones a sender sets (<= 0) and SI_KERNEL; positive codes other
    # than SI_KERNEL mean something different for each signal
    assert C.SI_CODE == {"SI_ASYNCNL": -60, "SI_DETHREAD": -7, "SI_TKILL": -6, "SI_SIGIO": -5,
                         "SI_ASYNCIO": -4, "SI_MESGQ": -3, "SI_TIMER": -2, "SI_QUEUE": -1,
                         "SI_USER": 0, "SI_KERNEL": 0x80}
    per_signal = (C.ILL_CODE, C.FPE_CODE, C.SEGV_CODE, C.BUS_CODE, C.TRAP_CODE, C.CLD_CODE,
                  C.POLL_CODE, C.SYS_CODE)
    for codes in per_signal:
        assert codes and all(0 < v < 0x80 for v in codes.values()), codes
    # the arch-specific (__ILL_*, __FPE_*) codes and the NSIG* counts are not names
    assert "ILL_BADIADDR" in C.ILL_CODE and "ILL_BREAK" not in C.ILL_CODE
    assert max(C.FPE_CODE.values()) == C.FPE_CODE["FPE_CONDTRAP"] == 15
    assert C.SEGV_CODE["SEGV_PKUERR"] == 4  # the non-ia64 branch
    assert "TRAP_PERF_FLAG_ASYNC" not in C.TRAP_CODE
    assert C.SYS_CODE == {"SYS_SECCOMP": 1, "SYS_USER_DISPATCH": 2}


def test_tables_that_share_a_prefix_with_other_names_keep_only_their_own() -> None:
    # NETLINK_* socket options (SOL_NETLINK) are not protocols
    assert "NETLINK_ADD_MEMBERSHIP" not in C.NETLINK_PROTO
    assert C.enum_name(C.NETLINK_PROTO, 4) == "NETLINK_SOCK_DIAG"  # not NETLINK_INET_DIAG
    # UDP_ENCAP_* are UDP_ENCAP option values, not option names
    assert C.UDP == {"UDP_CORK": 1, "UDP_ENCAP": 100, "UDP_NO_CHECK6_TX": 101,
                     "UDP_NO_CHECK6_RX": 102, "UDP_SEGMENT": 103, "UDP_GRO": 104}
    # futex commands only: _PRIVATE and FUTEX_CLOCK_REALTIME are added by the decoder
    assert set(C.FUTEX_OP.values()) == set(range(14))
    assert C.FUTEX_OP["FUTEX_LOCK_PI2"] == 13
    assert C.PTRACE_EVENT["PTRACE_EVENT_STOP"] == 128
    assert "PTRACE_EVENTMSG_SYSCALL_ENTRY" not in C.PTRACE_EVENT
    assert "STATX__RESERVED" not in C.STATX_MASK and "S_IFMT" not in C.S_IFMT
    assert "RWF_SUPPORTED" not in C.RWF


def test_values_python_does_not_know() -> None:
    assert C.enum_name(C.ARCH_PRCTL, 0x1002) == "ARCH_SET_FS"
    assert C.ARCH_PRCTL["ARCH_MAP_VDSO_64"] == 0x2003
    assert C.AUDIT_ARCH["AUDIT_ARCH_X86_64"] == 0xC000003E
    assert C.AUDIT_ARCH["AUDIT_ARCH_I386"] == 0x40000003
    assert C.AUDIT_ARCH["AUDIT_ARCH_AARCH64"] == 0xC00000B7
    assert C.RESOLVE["RESOLVE_CACHED"] == 0x20
    assert C.CLOSE_RANGE == {"CLOSE_RANGE_UNSHARE": 2, "CLOSE_RANGE_CLOEXEC": 4}
    assert C.RENAME == {"RENAME_NOREPLACE": 1, "RENAME_EXCHANGE": 2, "RENAME_WHITEOUT": 4}
    assert C.GRND["GRND_INSECURE"] == 4
    assert C.TIMER_FLAGS == {"TIMER_ABSTIME": 1}
    assert C.RSEQ_FLAGS == {"RSEQ_FLAG_UNREGISTER": 1}
    assert C.STATX_ATTR["STATX_ATTR_MOUNT_ROOT"] == 0x2000


def test_audit_arch_has_every_architecture_the_header_lists() -> None:
    header = Path(gen_constants.DEFAULT_ROOT) / "linux/audit.h"
    if not header.is_file():
        pytest.skip("no linux/audit.h")
    names = set(re.findall(r"^#define\s+(AUDIT_ARCH_\w+)", header.read_text(), re.M))
    assert names and names == set(C.AUDIT_ARCH)


# What strace 6.1 printed on this machine for a small C program (statx, getrandom,
# arch_prctl, renameat2, close_range, preadv2, socket(AF_NETLINK), fcntl(F_SETFD),
# futex, rt_tgsigqueueinfo of each signal with si_code 1).
@pytest.mark.parametrize(
    ("table", "value", "expected"),
    [
        ("STATX_MASK", 0xFFF, "STATX_ALL"),
        ("STATX_MASK", 0x1FFF, "STATX_ALL|STATX_MNT_ID"),
        ("STATX_MASK", 0x17FF, "STATX_BASIC_STATS|STATX_MNT_ID"),
        ("STATX_MASK", 0x2001, "STATX_TYPE|STATX_DIOALIGN"),
        ("STATX_MASK", 0x173F, "STATX_TYPE|STATX_MODE|STATX_NLINK|STATX_UID|STATX_GID|"
                               "STATX_ATIME|STATX_INO|STATX_SIZE|STATX_BLOCKS|STATX_MNT_ID"),
        ("STATX_ATTR", 0x2000, "STATX_ATTR_MOUNT_ROOT"),
        ("GRND", 1, "GRND_NONBLOCK"),
        ("GRND", 7, "GRND_NONBLOCK|GRND_RANDOM|GRND_INSECURE"),
        ("RENAME", 3, "RENAME_NOREPLACE|RENAME_EXCHANGE"),
        ("CLOSE_RANGE", 6, "CLOSE_RANGE_UNSHARE|CLOSE_RANGE_CLOEXEC"),
        ("RWF", 9, "RWF_HIPRI|RWF_NOWAIT"),
        ("FD_FLAGS", 1, "FD_CLOEXEC"),
        ("TIMER_FLAGS", 0, "0"),
    ],
)
def test_new_flag_tables_render_like_strace(table: str, value: int, expected: str) -> None:
    assert C.flag_names(C.TABLES[table], value) == expected


@pytest.mark.parametrize(
    ("table", "value", "expected"),
    [
        ("ARCH_PRCTL", 0x1003, "ARCH_GET_FS"),
        ("ARCH_PRCTL", 0x1002, "ARCH_SET_FS"),
        ("RLIMIT", 3, "RLIMIT_STACK"),
        ("RLIMIT", 7, "RLIMIT_NOFILE"),
        ("NETLINK_PROTO", 0, "NETLINK_ROUTE"),
        ("NETLINK_PROTO", 4, "NETLINK_SOCK_DIAG"),
        ("FUTEX_OP", 1, "FUTEX_WAKE"),
        ("FUTEX_OP", 9, "FUTEX_WAIT_BITSET"),
        ("SEGV_CODE", 1, "SEGV_MAPERR"),
        ("TRAP_CODE", 1, "TRAP_BRKPT"),
        ("BUS_CODE", 1, "BUS_ADRALN"),
        ("ILL_CODE", 1, "ILL_ILLOPC"),
        ("FPE_CODE", 1, "FPE_INTDIV"),
        ("SYS_CODE", 2, "SYS_USER_DISPATCH"),
        ("POLL_CODE", 1, "POLL_IN"),
        ("CLD_CODE", 1, "CLD_EXITED"),
        ("SCM", 1, "SCM_RIGHTS"),
    ],
)
def test_new_enum_tables_name_values_like_strace(table: str, value: int, expected: str) -> None:
    assert C.enum_name(C.TABLES[table], value) == expected


def test_decoders_render_the_new_tables_like_strace() -> None:
    from renacer.analyze.decode import files, signals

    assert files.file_mode(0o100644) == "S_IFREG|0644"
    assert files.file_mode(0o40755) == "S_IFDIR|0755"
    assert files.file_mode(0o20666) == "S_IFCHR|0666"
    assert files.file_mode(0o41777) == "S_IFDIR|S_ISVTX|0777"
    sig = C.SIGNALS
    assert signals.si_code_name(sig["SIGSEGV"], 1) == "SEGV_MAPERR"
    assert signals.si_code_name(sig["SIGIO"], 1) == "POLL_IN"
    assert signals.si_code_name(sig["SIGCHLD"], 1) == "CLD_EXITED"
    assert signals.si_code_name(sig["SIGSYS"], 2) == "SYS_USER_DISPATCH"
    assert signals.si_code_name(sig["SIGTERM"], 0) == "SI_USER"
    assert signals.si_code_name(sig["SIGSEGV"], 0x80) == "SI_KERNEL"
    assert signals.si_code_name(sig["SIGUSR1"], -6) == "SI_TKILL"
    # strace 6.1 has no names for SIGPROF's codes either
    assert signals.si_code_name(sig["SIGPROF"], 1) == "0x1"
