"""Constant tables and value -> name helpers for the decoders and renderers.

The tables (``dict[str, int]``, name -> value) are generated from the kernel and glibc headers
into constants_x86_64.py; this module re-exports them and turns values back into the names
strace prints. Reverse maps are built once at import: the helpers run for every rendered line.

Canonical names: where several names share a value (EAGAIN/EWOULDBLOCK, SIGABRT/SIGIOT,
O_NONBLOCK/O_NDELAY) the table lists strace's name first, and that is the one returned.
"""
from __future__ import annotations

import os
from typing import Mapping

from .constants_x86_64 import (
    ACCESS,
    AF,
    ARCH_PRCTL,
    AT_FD,
    AT_FLAGS,
    AT_STATX,
    AUDIT_ARCH,
    BUS_CODE,
    CLD_CODE,
    CLOCK,
    CLONE,
    CLOSE_RANGE,
    EPOLL_CTL,
    EPOLL_EVENTS,
    EPOLL_FLAGS,
    ERRNO,
    ERRNO_KERNEL,
    FCNTL_CMD,
    FD_FLAGS,
    FPE_CODE,
    FUTEX_OP,
    GRND,
    IDTYPE,
    ILL_CODE,
    IOCTL,
    IP,
    IPPROTO,
    IPV6,
    KERNEL_HEADERS,
    MADVISE,
    MAP,
    MAP_TYPE,
    MASKS,
    MLOCKALL,
    MREMAP,
    MSG,
    MSYNC,
    NETLINK_PROTO,
    OPEN_ACCMODE,
    OPEN_FLAGS,
    POLL,
    POLL_CODE,
    PROT,
    PTRACE_EVENT,
    RENAME,
    RESOLVE,
    RLIMIT,
    RSEQ_FLAGS,
    RWF,
    SA_FLAGS,
    SCM,
    SEEK,
    SEGV_CODE,
    SHUT,
    SIGNALS,
    SIG_HOW,
    SI_CODE,
    SO,
    SOCK_FLAGS,
    SOCK_TYPE,
    SOL,
    STATX_ATTR,
    STATX_MASK,
    SYS_CODE,
    S_IFMT,
    TCP,
    TIMER_FLAGS,
    TRAP_CODE,
    UDP,
    WAIT,
)

Table = Mapping[str, int]

# Every table by its name, for generic consumers (JSON export, lookups by a column's table).
TABLES: dict[str, dict[str, int]] = {
    "ACCESS": ACCESS, "AF": AF, "ARCH_PRCTL": ARCH_PRCTL, "AT_FD": AT_FD, "AT_FLAGS": AT_FLAGS,
    "AT_STATX": AT_STATX, "AUDIT_ARCH": AUDIT_ARCH, "BUS_CODE": BUS_CODE, "CLD_CODE": CLD_CODE,
    "CLOCK": CLOCK, "CLONE": CLONE, "CLOSE_RANGE": CLOSE_RANGE, "EPOLL_CTL": EPOLL_CTL,
    "EPOLL_EVENTS": EPOLL_EVENTS, "EPOLL_FLAGS": EPOLL_FLAGS, "ERRNO": ERRNO,
    "ERRNO_KERNEL": ERRNO_KERNEL, "FCNTL_CMD": FCNTL_CMD, "FD_FLAGS": FD_FLAGS,
    "FPE_CODE": FPE_CODE, "FUTEX_OP": FUTEX_OP, "GRND": GRND, "IDTYPE": IDTYPE,
    "ILL_CODE": ILL_CODE, "IOCTL": IOCTL, "IP": IP, "IPPROTO": IPPROTO, "IPV6": IPV6,
    "MADVISE": MADVISE, "MAP": MAP, "MAP_TYPE": MAP_TYPE, "MASKS": MASKS, "MLOCKALL": MLOCKALL,
    "MREMAP": MREMAP, "MSG": MSG, "MSYNC": MSYNC, "NETLINK_PROTO": NETLINK_PROTO,
    "OPEN_ACCMODE": OPEN_ACCMODE, "OPEN_FLAGS": OPEN_FLAGS, "POLL": POLL, "POLL_CODE": POLL_CODE,
    "PROT": PROT, "PTRACE_EVENT": PTRACE_EVENT, "RENAME": RENAME, "RESOLVE": RESOLVE,
    "RLIMIT": RLIMIT, "RSEQ_FLAGS": RSEQ_FLAGS, "RWF": RWF, "SA_FLAGS": SA_FLAGS, "SCM": SCM,
    "SEEK": SEEK, "SEGV_CODE": SEGV_CODE, "SHUT": SHUT, "SIGNALS": SIGNALS, "SIG_HOW": SIG_HOW,
    "SI_CODE": SI_CODE, "SO": SO, "SOCK_FLAGS": SOCK_FLAGS, "SOCK_TYPE": SOCK_TYPE, "SOL": SOL,
    "STATX_ATTR": STATX_ATTR, "STATX_MASK": STATX_MASK, "SYS_CODE": SYS_CODE, "S_IFMT": S_IFMT,
    "TCP": TCP, "TIMER_FLAGS": TIMER_FLAGS, "TRAP_CODE": TRAP_CODE, "UDP": UDP, "WAIT": WAIT,
}

# Control message types, netlink header and message types, more option levels (netdecode).
from . import constants_x86_64 as _generated  # noqa: E402

CMSG_SOCKET = _generated.CMSG_SOCKET
CMSG_IP = _generated.CMSG_IP
NLMSG = _generated.NLMSG
NLM_F = _generated.NLM_F
NLM_F_GET = _generated.NLM_F_GET
NLM_F_NEW = _generated.NLM_F_NEW
NLM_F_DEL = _generated.NLM_F_DEL
NLM_F_ACK = _generated.NLM_F_ACK
RTM = _generated.RTM
SOCK_DIAG = _generated.SOCK_DIAG
NETLINK_OPT = _generated.NETLINK_OPT
PACKET_OPT = _generated.PACKET_OPT
PACKET_TYPE = _generated.PACKET_TYPE
RAW_OPT = _generated.RAW_OPT
ARPHRD = _generated.ARPHRD
ETH_P = _generated.ETH_P
IFF = _generated.IFF
RT_SCOPE = _generated.RT_SCOPE
IFA_F = _generated.IFA_F
TCP_STATE = _generated.TCP_STATE
UDIAG_SHOW = _generated.UDIAG_SHOW
EFD = _generated.EFD
SFD = _generated.SFD
TFD = _generated.TFD
TFD_TIMER = _generated.TFD_TIMER
SPLICE_F = _generated.SPLICE_F
ICMP_TYPE = _generated.ICMP_TYPE
IFA_ATTR = _generated.IFA_ATTR
TABLES.update({
    "CMSG_SOCKET": CMSG_SOCKET, "CMSG_IP": CMSG_IP, "NLMSG": NLMSG, "NLM_F": NLM_F,
    "NLM_F_GET": NLM_F_GET, "NLM_F_NEW": NLM_F_NEW, "NLM_F_DEL": NLM_F_DEL, "NLM_F_ACK": NLM_F_ACK,
    "RTM": RTM, "SOCK_DIAG": SOCK_DIAG, "NETLINK_OPT": NETLINK_OPT, "PACKET_OPT": PACKET_OPT,
    "PACKET_TYPE": PACKET_TYPE, "RAW_OPT": RAW_OPT, "ARPHRD": ARPHRD, "ETH_P": ETH_P, "IFF": IFF,
    "RT_SCOPE": RT_SCOPE, "IFA_F": IFA_F, "TCP_STATE": TCP_STATE, "UDIAG_SHOW": UDIAG_SHOW,
    "EFD": EFD, "SFD": SFD, "TFD": TFD, "TFD_TIMER": TFD_TIMER, "SPLICE_F": SPLICE_F,
    "ICMP_TYPE": ICMP_TYPE, "IFA_ATTR": IFA_ATTR,
})

# A link's netlink attributes (RTM_*LINK) and the arrays nested in them.
IFLA = _generated.IFLA
IFLA_XDP = _generated.IFLA_XDP
XDP_ATTACHED = _generated.XDP_ATTACHED
IFLA_INET = _generated.IFLA_INET
IFLA_INET6 = _generated.IFLA_INET6
IN6_ADDR_GEN_MODE = _generated.IN6_ADDR_GEN_MODE
IPV4_DEVCONF = _generated.IPV4_DEVCONF
DEVCONF = _generated.DEVCONF
IPSTATS_MIB = _generated.IPSTATS_MIB
ICMP6_MIB = _generated.ICMP6_MIB
INET6_IF_FLAGS = _generated.INET6_IF_FLAGS
TABLES.update({
    "IFLA": IFLA, "IFLA_XDP": IFLA_XDP, "XDP_ATTACHED": XDP_ATTACHED, "IFLA_INET": IFLA_INET,
    "IFLA_INET6": IFLA_INET6, "IN6_ADDR_GEN_MODE": IN6_ADDR_GEN_MODE, "IPV4_DEVCONF": IPV4_DEVCONF,
    "DEVCONF": DEVCONF, "IPSTATS_MIB": IPSTATS_MIB, "ICMP6_MIB": ICMP6_MIB, "INET6_IF_FLAGS": INET6_IF_FLAGS,
})

O_ACCMODE = MASKS["O_ACCMODE"]
MAP_TYPE_MASK = MASKS["MAP_TYPE"]
MAP_HUGE_SHIFT = MASKS["MAP_HUGE_SHIFT"]
MAP_HUGE_MASK = MASKS["MAP_HUGE_MASK"]
CSIGNAL = MASKS["CSIGNAL"]
SIGRTMIN = MASKS["SIGRTMIN"]  # the kernel's (32); glibc reserves two and reports 34
SIGRTMAX = MASKS["SIGRTMAX"]
# Kernel-internal (include/linux/net.h), not in uapi headers: socket()'s type is 4 bits of type
# and the rest flags.
SOCK_TYPE_MASK = 0xF

_U64 = (1 << 64) - 1

# Messages strace prints for the restart codes, which strerror() does not know.
_KERNEL_ERRNO_MESSAGES: dict[int, str] = {
    ERRNO_KERNEL["ERESTARTSYS"]: "To be restarted if SA_RESTART is set",
    ERRNO_KERNEL["ERESTARTNOINTR"]: "To be restarted",
    ERRNO_KERNEL["ERESTARTNOHAND"]: "To be restarted if no handler",
    ERRNO_KERNEL["ERESTART_RESTARTBLOCK"]: "Interrupted by signal",
}

FlagList = tuple[tuple[int, str], ...]


def _reverse(table: Table) -> dict[int, str]:
    """value -> the first (canonical) name listed for it."""
    out: dict[int, str] = {}
    for name, value in table.items():
        out.setdefault(value, name)
    return out


def _flag_list(table: Table) -> tuple[FlagList, str | None]:
    """Non-zero flags in rendering order (one name per value), and the name of 0 if any."""
    seen: set[int] = set()
    flags: list[tuple[int, str]] = []
    zero: str | None = None
    for name, value in table.items():
        if value == 0:
            zero = zero or name
        elif value not in seen:
            seen.add(value)
            flags.append((value, name))
    return tuple(flags), zero


# Keyed by id(): the tables are constants that live as long as the process, so an id found
# here is that table (no other object can have it meanwhile).
_REVERSE: dict[int, dict[int, str]] = {id(t): _reverse(t) for t in TABLES.values()}
_FLAGS: dict[int, tuple[FlagList, str | None]] = {id(t): _flag_list(t) for t in TABLES.values()}
_ERRNO_NAMES: dict[int, str] = {**_reverse(ERRNO_KERNEL), **_reverse(ERRNO)}
_SIGNAL_NAMES: dict[int, str] = {
    **{n: f"SIGRT_{n - SIGRTMIN}" for n in range(SIGRTMIN + 1, SIGRTMAX + 1)},
    SIGRTMIN: "SIGRTMIN",
    **_reverse(SIGNALS),
}


def enum_name(table: Table, value: int, default: str | None = None) -> str | None:
    """The canonical name of value in table, or default."""
    reverse = _REVERSE.get(id(table))
    if reverse is None:  # a caller's own table: not worth caching
        reverse = _reverse(table)
    return reverse.get(value, default)


def flag_names(table: Table, value: int) -> str:
    """A bit set strace-style: ``A|B|0x40``; unknown bits as one hex number; ``0`` when empty
    (or the table's name for 0, e.g. PROT_NONE, F_OK).

    Flags are tried in table order and take their bits away, so a multi-bit flag listed before
    its parts wins (O_SYNC before O_DSYNC).
    """
    cached = _FLAGS.get(id(table))
    flags, zero = cached if cached is not None else _flag_list(table)
    rest = value & _U64
    if rest == 0:
        return zero or "0"
    parts: list[str] = []
    for bits, name in flags:
        if rest & bits == bits:
            parts.append(name)
            rest &= ~bits
            if not rest:
                break
    if rest:
        parts.append(hex(rest))
    return "|".join(parts)


def open_flags(value: int) -> str:
    """open/openat/fcntl(F_SETFL) flags: the access mode, then the flag bits."""
    mode = _REVERSE[id(OPEN_ACCMODE)][value & O_ACCMODE]
    rest = value & ~O_ACCMODE & _U64
    return f"{mode}|{flag_names(OPEN_FLAGS, rest)}" if rest else mode


def socket_type(value: int) -> str:
    """socket()/socketpair() type: ``SOCK_STREAM|SOCK_CLOEXEC``."""
    kind = value & SOCK_TYPE_MASK
    rest = value & ~SOCK_TYPE_MASK & _U64
    name = _REVERSE[id(SOCK_TYPE)].get(kind) or (hex(kind) if kind else "0")
    return f"{name}|{flag_names(SOCK_FLAGS, rest)}" if rest else name


def mmap_flags(value: int) -> str:
    """mmap flags strace-style: ``MAP_PRIVATE|MAP_ANONYMOUS|21<<MAP_HUGE_SHIFT``."""
    value &= _U64
    kind = value & MAP_TYPE_MASK
    huge = (value >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK
    rest = value & ~MAP_TYPE_MASK & ~(MAP_HUGE_MASK << MAP_HUGE_SHIFT)
    parts = [enum_name(MAP_TYPE, kind) or f"{kind:#x} /* MAP_??? */"]
    if rest:
        parts.append(flag_names(MAP, rest))
    if huge:
        parts.append(f"{huge}<<MAP_HUGE_SHIFT")
    return "|".join(parts)


def errno_name(n: int, default: str | None = None) -> str | None:
    """``ECONNREFUSED`` for 111 (also the kernel-internal ERESTARTSYS & co.), else default."""
    return _ERRNO_NAMES.get(n, default)


def errno_message(n: int) -> str:
    """The text strace prints after an errno: strerror, or strace's text for restart codes."""
    return _KERNEL_ERRNO_MESSAGES.get(n) or os.strerror(n)


def signal_name(n: int) -> str:
    """``SIGTERM``; realtime signals as strace prints them (``SIGRTMIN``, ``SIGRT_1`` …
    ``SIGRT_32``, counted from the kernel's SIGRTMIN 32); otherwise the number."""
    return _SIGNAL_NAMES.get(n) or str(n)
