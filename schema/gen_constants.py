"""Generate constants_x86_64.py (name -> value tables) from the system's kernel and libc headers.

Run: python3 -m renacer.schema.gen_constants [INCLUDE_ROOT]   (or python3 schema/gen_constants.py)
It writes the module beside this file; the result is checked in, so decoders never need headers.

The headers are read by a deliberately small preprocessor: object-like ``#define`` lines and
``enum`` members whose values are numbers or simple integer expressions of earlier names
(``|``, ``<<``, ``+``, casts, ``_IOR()`` ioctl numbers); ``#if``/``#ifdef`` are followed for the
x86_64 LP64 configuration. Anything it cannot evaluate is skipped, not guessed.

Which names go into which table, and in which order, is data (``TABLES`` below). The order of a
generated table matters to constants.py: the first name of a value is its canonical name (what
strace prints: EAGAIN not EWOULDBLOCK), and flag sets are rendered in table order (strace's
order, which is not always ascending: O_SYNC must be tried before its subset O_DSYNC).
"""
from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

DEFAULT_ROOT = "/usr/include"
MULTIARCH = "x86_64-linux-gnu"

# Headers in the order a C file would see them: arch headers before the asm-generic ones they
# include (their ``#ifndef X`` guards then keep the arch value), kernel uapi before glibc.
# Each entry lists alternative locations; the first that exists is read.
HEADERS: tuple[tuple[str, ...], ...] = (
    ("asm-generic/errno-base.h",),
    ("asm-generic/errno.h",),
    (f"{MULTIARCH}/asm/signal.h", "asm/signal.h"),
    ("asm-generic/signal-defs.h",),
    ("asm-generic/hugetlb_encode.h",),
    (f"{MULTIARCH}/asm/mman.h", "asm/mman.h"),
    ("asm-generic/mman.h",),
    ("asm-generic/mman-common.h",),
    ("linux/mman.h",),
    ("asm-generic/fcntl.h",),
    ("linux/fcntl.h",),
    ("linux/fs.h",),
    ("asm-generic/socket.h",),
    ("asm-generic/sockios.h",),
    ("linux/sockios.h",),
    ("linux/in.h",),
    ("linux/in6.h",),
    ("linux/tcp.h",),
    ("linux/sched.h",),
    ("asm-generic/ioctl.h",),
    ("asm-generic/ioctls.h",),
    ("asm-generic/poll.h",),
    ("linux/eventpoll.h",),
    ("linux/time.h",),
    ("linux/wait.h",),
    ("linux/stat.h",),
    (f"{MULTIARCH}/asm/siginfo.h", "asm/siginfo.h"),
    ("asm-generic/siginfo.h",),
    (f"{MULTIARCH}/asm/resource.h", "asm/resource.h"),
    ("asm-generic/resource.h",),
    (f"{MULTIARCH}/asm/prctl.h", "asm/prctl.h"),
    ("linux/futex.h",),
    ("linux/random.h",),
    ("linux/openat2.h",),
    ("linux/close_range.h",),
    ("linux/rseq.h",),
    ("linux/elf-em.h",),
    ("linux/audit.h",),
    ("linux/ptrace.h",),
    ("linux/netlink.h",),
    ("linux/udp.h",),
    ("linux/rtnetlink.h",),
    ("linux/sock_diag.h",),
    ("linux/inet_diag.h",),
    ("linux/if_packet.h",),
    ("linux/icmp.h",),
    ("linux/if_arp.h",),
    ("linux/if_ether.h",),
    ("linux/if.h",),
    ("linux/if_addr.h",),
    ("linux/if_link.h",),
    ("linux/ip.h",),
    ("linux/ipv6.h",),
    ("linux/snmp.h",),
    ("linux/unix_diag.h",),
    (f"{MULTIARCH}/bits/eventfd.h", "bits/eventfd.h"),
    (f"{MULTIARCH}/bits/signalfd.h", "bits/signalfd.h"),
    (f"{MULTIARCH}/bits/timerfd.h", "bits/timerfd.h"),
    (f"{MULTIARCH}/sys/timerfd.h", "sys/timerfd.h"),
    (f"{MULTIARCH}/bits/socket.h", "bits/socket.h"),
    (f"{MULTIARCH}/bits/socket_type.h", "bits/socket_type.h"),
    (f"{MULTIARCH}/sys/socket.h", "sys/socket.h"),
    (f"{MULTIARCH}/bits/in.h", "bits/in.h"),
    ("netinet/tcp.h",),
    ("netinet/udp.h",),
    ("unistd.h",),
    # glibc's aliases of kernel names (ENOTSUP, SIGCLD, O_ASYNC, MAP_ANON, …); read last so
    # that where glibc's value differs (O_LARGEFILE is 0 for 64-bit glibc) the kernel's stays.
    (f"{MULTIARCH}/bits/errno.h", "bits/errno.h"),
    (f"{MULTIARCH}/bits/signum-arch.h", "bits/signum-arch.h"),
    (f"{MULTIARCH}/bits/fcntl-linux.h", "bits/fcntl-linux.h"),
    (f"{MULTIARCH}/bits/mman-linux.h", "bits/mman-linux.h"),
)

# The configuration #if lines are evaluated in. Feature-test macros count as enabled so that
# glibc's optional names are seen; __KERNEL__ stays undefined (we want the uapi view).
PREDEFINED: dict[str, int] = {
    "__x86_64__": 1,
    "__LP64__": 1,
    "_LP64": 1,
    "__BITS_PER_LONG": 64,
    "__WORDSIZE": 64,
    "__BYTE_ORDER": 1234,
    "__LITTLE_ENDIAN": 1234,
    "__BIG_ENDIAN": 4321,
    "__LITTLE_ENDIAN_BITFIELD": 1,
}
ENABLED_PREFIXES: tuple[str, ...] = ("__USE_", "__UAPI_DEF_", "_GNU_SOURCE", "_DEFAULT_SOURCE")
# Function-like macros that may appear in #if lines; all are feature tests that we enable.
ENABLED_FUNCTIONS: frozenset[str] = frozenset({"__GLIBC_USE", "__glibc_has_include"})

# sizeof() of the argument types used by the ioctl numbers we decode (x86_64).
SIZEOF: dict[str, int] = {
    "int": 4,
    "unsigned int": 4,
    "long": 8,
    "unsigned long": 8,
    "struct termios2": 44,
    "struct serial_iso7816": 32,
    "long long[2]": 16,  # SIOCGSTAMP_NEW, SIOCGSTAMPNS_NEW
}

# Errno values the kernel returns to a traced process (seen at syscall exit, e.g. a call
# interrupted by a signal) but never exports in uapi headers: include/linux/errno.h.
KERNEL_ERRNO: dict[str, int] = {
    "ERESTARTSYS": 512,
    "ERESTARTNOINTR": 513,
    "ERESTARTNOHAND": 514,
    "ENOIOCTLCMD": 515,
    "ERESTART_RESTARTBLOCK": 516,
    "EPROBE_DEFER": 517,
    "EOPENSTALE": 518,
    "ENOPARAM": 519,
    "EBADHANDLE": 521,
    "ENOTSYNC": 522,
    "EBADCOOKIE": 523,
    "ENOTSUPP": 524,
    "ETOOSMALL": 525,
    "ESERVERFAULT": 526,
    "EBADTYPE": 527,
    "EJUKEBOX": 528,
    "EIOCBQUEUED": 529,
    "ERECALLCONFLICT": 530,
    "ENOGRACE": 531,
}


@dataclass(frozen=True)
class TableSpec:
    """One generated table: the names matching ``include`` (and not ``exclude``) defined in
    ``files``; ``order`` puts names first in strace's rendering order, ``prefer`` picks the
    canonical name among names sharing a value; ``extra`` adds names no header exports."""

    name: str
    doc: str
    files: tuple[str, ...]
    include: str = ""  # empty: no header names (the table is only ``extra``)
    exclude: str = ""
    flags: bool = False  # a bit set (rendered A|B); values are written in hex
    hex_values: bool = False  # write values in hex although the table is not a bit set
    order: tuple[str, ...] = ()
    prefer: tuple[str, ...] = ()
    extra: tuple[tuple[str, int], ...] = ()



def _glibc(name: str) -> tuple[str, str]:
    """Both locations of a glibc bits/ header."""
    return (f"{MULTIARCH}/bits/{name}", f"bits/{name}")


_SIGNAL_H = (f"{MULTIARCH}/asm/signal.h", "asm/signal.h", "asm-generic/signal-defs.h")
_MMAN_H = (
    f"{MULTIARCH}/asm/mman.h", "asm/mman.h", "asm-generic/mman.h", "asm-generic/mman-common.h",
    "linux/mman.h",
)
_BITS_SOCKET_H = _glibc("socket.h")

TABLES: tuple[TableSpec, ...] = (
    TableSpec("ERRNO", "errno values (uapi)",
              ("asm-generic/errno-base.h", "asm-generic/errno.h", *_glibc("errno.h")),
              r"E[A-Z0-9]+"),
    TableSpec("ERRNO_KERNEL", "kernel-internal errno values a tracer sees (include/linux/errno.h)",
              (), extra=tuple(KERNEL_ERRNO.items())),
    TableSpec("SIGNALS", "signal numbers (realtime signals: see constants.signal_name)",
              (*_SIGNAL_H, *_glibc("signum-arch.h")), r"SIG[A-Z0-9]+",
              exclude=r"SIGRTMIN|SIGRTMAX|SIGSTKSZ"),
    TableSpec("SIG_HOW", "rt_sigprocmask how", _SIGNAL_H, r"SIG_(BLOCK|UNBLOCK|SETMASK)"),
    TableSpec("SA_FLAGS", "sigaction sa_flags", _SIGNAL_H, r"SA_\w+", flags=True,
              order=("SA_RESTORER", "SA_ONSTACK", "SA_RESTART", "SA_NODEFER", "SA_RESETHAND",
                     "SA_SIGINFO", "SA_NOCLDSTOP", "SA_NOCLDWAIT")),
    TableSpec("AF", "address families", _BITS_SOCKET_H, r"AF_\w+", exclude=r"AF_MAX",
              prefer=("AF_UNIX",)),
    TableSpec("SOCK_TYPE", "socket types (the low 4 bits of socket()'s type)",
              (f"{MULTIARCH}/bits/socket_type.h", "bits/socket_type.h"), r"SOCK_\w+",
              exclude=r"SOCK_(CLOEXEC|NONBLOCK)"),
    TableSpec("SOCK_FLAGS", "socket()/accept4() type flags",
              (f"{MULTIARCH}/bits/socket_type.h", "bits/socket_type.h"),
              r"SOCK_(CLOEXEC|NONBLOCK)", flags=True, order=("SOCK_CLOEXEC", "SOCK_NONBLOCK")),
    TableSpec("SHUT", "shutdown how", (f"{MULTIARCH}/sys/socket.h", "sys/socket.h"), r"SHUT_\w+"),
    TableSpec("MSG", "send/recv flags", _BITS_SOCKET_H, r"MSG_\w+", flags=True,
              prefer=("MSG_PROBE",),
              # the kernel's name for 0x10 (glibc calls it MSG_PROXY); strace prints it
              extra=(("MSG_PROBE", 0x10),)),
    TableSpec("SOL", "socket option levels",
              ("asm-generic/socket.h", *_BITS_SOCKET_H, f"{MULTIARCH}/bits/in.h", "bits/in.h",
               "netinet/tcp.h", "netinet/udp.h"), r"SOL_\w+"),
    TableSpec("SO", "SOL_SOCKET options", ("asm-generic/socket.h",), r"SO_\w+"),
    TableSpec("IPPROTO", "IP protocols", ("linux/in.h", "linux/in6.h"), r"IPPROTO_\w+",
              exclude=r"IPPROTO_MAX"),
    TableSpec("IP", "SOL_IP options", ("linux/in.h",), r"(IP|MCAST)_\w+",
              exclude=r"IP_(PMTUDISC_\w+|DEFAULT_MULTICAST_\w+)|MCAST_(EXCLUDE|INCLUDE)"),
    TableSpec("IPV6", "SOL_IPV6 options", ("linux/in6.h",), r"IPV6_\w+",
              exclude=r"IPV6_(TLV_\w+|FL_\w+|FLOWINFO_(FLOWLABEL|PRIORITY)|PRIORITY_\w+"
                      r"|PMTUDISC_\w+|PREFER_SRC_\w+)"),
    TableSpec("TCP", "SOL_TCP options", ("linux/tcp.h",), r"TCP_\w+",
              exclude=r"TCP_(MSS_\w+|REPAIR_(ON|OFF|OFF_NO_WP)|NO_QUEUE|RECV_QUEUE|SEND_QUEUE"
                      r"|QUEUES_NR|NLA_\w+|FLAG_\w+|RESERVED_BITS|DATA_OFFSET|MD5SIG_MAXKEYLEN"
                      r"|MD5SIG_FLAG_\w+|CA_\w+|RECEIVE_ZEROCOPY_\w+)"),
    TableSpec("OPEN_ACCMODE", "the access mode of open flags (flags & O_ACCMODE)",
              ("asm-generic/fcntl.h",), r"O_(RDONLY|WRONLY|RDWR|ACCMODE)"),
    TableSpec("OPEN_FLAGS", "open/fcntl F_SETFL flags (without the access mode)",
              ("asm-generic/fcntl.h", *_glibc("fcntl-linux.h")),
              r"O_\w+|__O_(SYNC|TMPFILE)|FASYNC",
              exclude=r"O_(RDONLY|WRONLY|RDWR|ACCMODE)", flags=True,
              order=("O_CREAT", "O_EXCL", "O_NOCTTY", "O_TRUNC", "O_APPEND", "O_NONBLOCK",
                     "O_SYNC", "O_DSYNC", "__O_SYNC", "O_DIRECT", "O_LARGEFILE", "O_NOFOLLOW",
                     "O_NOATIME", "O_CLOEXEC", "O_PATH", "O_TMPFILE", "__O_TMPFILE",
                     "O_DIRECTORY", "FASYNC")),
    TableSpec("FCNTL_CMD", "fcntl commands", ("asm-generic/fcntl.h", "linux/fcntl.h"),
              r"F_[A-Z0-9_]+",
              exclude=r"F_(OWNER_\w+|RDLCK|WRLCK|UNLCK|EXLCK|SHLCK|SEAL_\w+|LINUX_SPECIFIC_BASE)"),
    TableSpec("AT_FLAGS", "*at() flags", ("linux/fcntl.h",), r"AT_\w+",
              exclude=r"AT_FDCWD|AT_STATX_\w+", flags=True, prefer=("AT_REMOVEDIR",)),
    TableSpec("AT_STATX", "statx sync type (flags & AT_STATX_SYNC_TYPE)", ("linux/fcntl.h",),
              r"AT_STATX_\w+"),
    TableSpec("AT_FD", "special dirfd values", ("linux/fcntl.h",), r"AT_FDCWD"),
    TableSpec("SEEK", "lseek whence", ("linux/fs.h",), r"SEEK_\w+", exclude=r"SEEK_MAX"),
    TableSpec("ACCESS", "access/faccessat mode", ("unistd.h",), r"[RWXF]_OK", flags=True,
              order=("R_OK", "W_OK", "X_OK")),
    TableSpec("PROT", "mmap/mprotect protection", _MMAN_H, r"PROT_\w+", flags=True),
    TableSpec("MAP_TYPE", "mmap mapping type (flags & MAP_TYPE)", _MMAN_H,
              r"MAP_(SHARED|PRIVATE|SHARED_VALIDATE|FILE)"),
    TableSpec("MAP", "mmap flags (without the type and the huge page size)",
              (*_MMAN_H, *_glibc("mman-linux.h")), r"MAP_\w+",
              exclude=r"MAP_(TYPE|SHARED|PRIVATE|SHARED_VALIDATE|FILE|HUGE_\w+)", flags=True,
              order=("MAP_FIXED", "MAP_ANONYMOUS", "MAP_32BIT", "MAP_NORESERVE",
                     "MAP_POPULATE", "MAP_NONBLOCK", "MAP_GROWSDOWN", "MAP_DENYWRITE",
                     "MAP_EXECUTABLE", "MAP_LOCKED", "MAP_STACK", "MAP_HUGETLB", "MAP_SYNC",
                     "MAP_FIXED_NOREPLACE", "MAP_UNINITIALIZED")),
    TableSpec("MREMAP", "mremap flags", _MMAN_H, r"MREMAP_\w+", flags=True),
    TableSpec("MSYNC", "msync flags", _MMAN_H, r"MS_\w+", flags=True,
              order=("MS_SYNC", "MS_ASYNC", "MS_INVALIDATE")),
    TableSpec("MLOCKALL", "mlockall flags", _MMAN_H, r"MCL_\w+", flags=True),
    TableSpec("MADVISE", "madvise advice", _MMAN_H, r"MADV_\w+"),
    TableSpec("CLONE", "clone/clone3/unshare flags (clone() keeps the exit signal in CSIGNAL)",
              ("linux/sched.h",), r"CLONE_\w+", exclude=r"CLONE_ARGS_SIZE_\w+", flags=True),
    TableSpec("IOCTL", "tty, file and socket ioctl requests",
              ("asm-generic/ioctls.h", "asm-generic/sockios.h", "linux/sockios.h"),
              r"(TC|TIOC|FIO|SIOC)\w+", exclude=r"TIOCPKT_\w+|TIOCSER_TEMT",
              hex_values=True),
    TableSpec("POLL", "poll events", ("asm-generic/poll.h",), r"POLL\w+",
              exclude=r"POLLFREE", flags=True),
    TableSpec("EPOLL_EVENTS", "epoll events", ("linux/eventpoll.h",), r"EPOLL[A-Z]+", flags=True),
    TableSpec("EPOLL_CTL", "epoll_ctl op", ("linux/eventpoll.h",), r"EPOLL_CTL_\w+"),
    TableSpec("EPOLL_FLAGS", "epoll_create1 flags", ("linux/eventpoll.h",), r"EPOLL_CLOEXEC",
              flags=True),
    TableSpec("CLOCK", "clock ids", ("linux/time.h",), r"CLOCK_\w+"),
    TableSpec("WAIT", "wait4/waitid options", ("linux/wait.h",), r"__W[A-Z]+|W[A-Z]+", flags=True,
              order=("WNOHANG", "WEXITED", "WSTOPPED", "WCONTINUED", "WNOWAIT", "__WCLONE",
                     "__WALL", "__WNOTHREAD")),
    TableSpec("IDTYPE", "waitid idtype", ("linux/wait.h",), r"P_(ALL|PID|PGID|PIDFD)"),
    TableSpec("FD_FLAGS", "fcntl F_GETFD/F_SETFD flags", ("asm-generic/fcntl.h",), r"FD_CLOEXEC",
              flags=True),
    TableSpec("RENAME", "renameat2 flags", ("linux/fs.h",), r"RENAME_\w+", flags=True),
    TableSpec("RWF", "preadv2/pwritev2 flags", ("linux/fs.h",), r"RWF_\w+",
              exclude=r"RWF_SUPPORTED", flags=True),
    TableSpec("RESOLVE", "openat2 resolve flags", ("linux/openat2.h",), r"RESOLVE_\w+",
              flags=True),
    TableSpec("CLOSE_RANGE", "close_range flags", ("linux/close_range.h",), r"CLOSE_RANGE_\w+",
              flags=True),
    # File types: the S_IFMT bits of a mode (not the mask itself), as print_symbolic_mode_t
    # names them.
    TableSpec("S_IFMT", "file types (mode & S_IFMT)", ("linux/stat.h",),
              r"S_IF(SOCK|LNK|REG|BLK|DIR|CHR|IFO)", hex_values=True),
    TableSpec("STATX_MASK", "statx mask / stx_mask", ("linux/stat.h",), r"STATX_[A-Z_]+",
              exclude=r"STATX_ATTR_\w+|STATX__RESERVED", flags=True,
              # strace tries the deprecated STATX_ALL and STATX_BASIC_STATS before the bits
              order=("STATX_ALL", "STATX_BASIC_STATS")),
    TableSpec("STATX_ATTR", "statx stx_attributes", ("linux/stat.h",), r"STATX_ATTR_\w+",
              flags=True),
    # si_code: the generic values (<= 0, and SI_KERNEL), then one table per signal for the
    # positive codes, which each signal numbers from 1 (signals.py picks the table by signal).
    TableSpec("SI_CODE", "generic si_code values", ("asm-generic/siginfo.h",), r"SI_[A-Z]+"),
    TableSpec("ILL_CODE", "SIGILL si_code", ("asm-generic/siginfo.h",), r"ILL_[A-Z]+"),
    TableSpec("FPE_CODE", "SIGFPE si_code", ("asm-generic/siginfo.h",), r"FPE_[A-Z]+"),
    TableSpec("SEGV_CODE", "SIGSEGV si_code", ("asm-generic/siginfo.h",), r"SEGV_[A-Z]+"),
    TableSpec("BUS_CODE", "SIGBUS si_code", ("asm-generic/siginfo.h",), r"BUS_[A-Z_]+"),
    TableSpec("TRAP_CODE", "SIGTRAP si_code", ("asm-generic/siginfo.h",), r"TRAP_[A-Z]+"),
    TableSpec("CLD_CODE", "SIGCHLD si_code", ("asm-generic/siginfo.h",), r"CLD_[A-Z]+"),
    TableSpec("POLL_CODE", "SIGPOLL si_code", ("asm-generic/siginfo.h",), r"POLL_[A-Z]+"),
    TableSpec("SYS_CODE", "SIGSYS si_code", ("asm-generic/siginfo.h",), r"SYS_[A-Z_]+"),
    TableSpec("RLIMIT", "getrlimit/setrlimit/prlimit64 resources",
              (f"{MULTIARCH}/asm/resource.h", "asm/resource.h", "asm-generic/resource.h"),
              r"RLIMIT_\w+"),
    TableSpec("ARCH_PRCTL", "arch_prctl codes", (f"{MULTIARCH}/asm/prctl.h", "asm/prctl.h"),
              r"ARCH_\w+", hex_values=True),
    # The command in op & FUTEX_CMD_MASK; futex() adds _PRIVATE and FUTEX_CLOCK_REALTIME.
    TableSpec("FUTEX_OP", "futex commands", ("linux/futex.h",), r"FUTEX_[A-Z0-9_]+",
              exclude=r"FUTEX_\w+_PRIVATE|FUTEX_OP_\w+|FUTEX_(PRIVATE_FLAG|CLOCK_REALTIME"
                      r"|CMD_MASK|32|WAITV_MAX|WAITERS|OWNER_DIED|TID_MASK|BITSET_MATCH_ANY)"),
    TableSpec("GRND", "getrandom flags", ("linux/random.h",), r"GRND_\w+", flags=True),
    TableSpec("TIMER_FLAGS", "clock_nanosleep/timer_settime flags", ("linux/time.h",),
              r"TIMER_ABSTIME", flags=True),
    TableSpec("RSEQ_FLAGS", "rseq flags", ("linux/rseq.h",), r"RSEQ_FLAG_\w+", flags=True),
    TableSpec("PTRACE_EVENT", "ptrace event stops (wait status >> 16)", ("linux/ptrace.h",),
              r"PTRACE_EVENT_\w+"),
    TableSpec("AUDIT_ARCH", "seccomp/audit architectures (SIGSYS si_arch)", ("linux/audit.h",),
              r"AUDIT_ARCH_\w+", hex_values=True),
    TableSpec("NETLINK_PROTO", "netlink protocols (socket(AF_NETLINK, …, protocol))",
              ("linux/netlink.h",), r"NETLINK_\w+",
              # SOL_NETLINK options and socket states share the prefix
              exclude=r"NETLINK_(ADD_MEMBERSHIP|DROP_MEMBERSHIP|PKTINFO|BROADCAST_ERROR"
                      r"|NO_ENOBUFS|RX_RING|TX_RING|LISTEN_ALL_NSID|LIST_MEMBERSHIPS|CAP_ACK"
                      r"|EXT_ACK|GET_STRICT_CHK|UNCONNECTED|CONNECTED)"),
    TableSpec("SCM", "SOL_SOCKET control message types", (*_BITS_SOCKET_H, "asm-generic/socket.h"),
              r"SCM_\w+"),
    TableSpec("UDP", "SOL_UDP options", ("linux/udp.h",), r"UDP_\w+",
              exclude=r"UDP_ENCAP_\w+"),
    # Control message types (cmsg_type) by level, as strace names them (its scmvals and
    # ip_cmsg_types): SOL_SOCKET's timestamps under their SO_*_OLD/_NEW names.
    TableSpec("CMSG_SOCKET", "SOL_SOCKET control message types",
              (*_BITS_SOCKET_H, "asm-generic/socket.h"),
              r"SCM_(RIGHTS|CREDENTIALS|WIFI_STATUS|TIMESTAMPING_OPT_STATS|TIMESTAMPING_PKTINFO"
              r"|TXTIME)|SO_TIMESTAMP(NS|ING)?_(OLD|NEW)",
              # the kernel's include/linux/socket.h, not exported to user space
              extra=(("SCM_SECURITY", 3),)),
    TableSpec("CMSG_IP", "SOL_IP control message types", ("linux/in.h",), r"IP_\w+",
              exclude=r"IP_(PMTUDISC_\w+|DEFAULT_MULTICAST_\w+|MAX_MEMBERSHIPS|MULTICAST_\w+"
                      r"|ADD_\w+|DROP_\w+|BLOCK_SOURCE|UNBLOCK_SOURCE|MSFILTER|RECVRETOPTS)",
              prefer=("IP_ORIGDSTADDR",)),
    # Netlink: message types, header flags (by the kind of request), families' message types
    TableSpec("NLMSG", "netlink control message types", ("linux/netlink.h",),
              r"NLMSG_(NOOP|ERROR|DONE|OVERRUN)"),
    TableSpec("NLM_F", "netlink header flags, every message", ("linux/netlink.h",),
              r"NLM_F_(REQUEST|MULTI|ACK|ECHO|DUMP_INTR|DUMP_FILTERED)", flags=True),
    TableSpec("NLM_F_GET", "netlink header flags of GET requests", ("linux/netlink.h",),
              r"NLM_F_(DUMP|ROOT|MATCH|ATOMIC)", flags=True, order=("NLM_F_DUMP",)),
    TableSpec("NLM_F_NEW", "netlink header flags of NEW requests", ("linux/netlink.h",),
              r"NLM_F_(REPLACE|EXCL|CREATE|APPEND)", flags=True),
    TableSpec("NLM_F_DEL", "netlink header flags of DEL requests", ("linux/netlink.h",),
              r"NLM_F_(NONREC|BULK)", flags=True),
    TableSpec("NLM_F_ACK", "netlink header flags of NLMSG_ERROR acknowledgements",
              ("linux/netlink.h",), r"NLM_F_(CAPPED|ACK_TLVS)", flags=True),
    TableSpec("RTM", "NETLINK_ROUTE message types", ("linux/rtnetlink.h",),
              r"RTM_(NEW|DEL|GET|SET)\w+"),
    TableSpec("SOCK_DIAG", "NETLINK_SOCK_DIAG message types",
              ("linux/sock_diag.h", "linux/inet_diag.h"),
              r"SOCK_DIAG_BY_FAMILY|SOCK_DESTROY|TCPDIAG_GETSOCK|DCCPDIAG_GETSOCK"),
    # Option names of the levels strace knows beyond SOL_SOCKET/IP/IPV6/TCP/UDP
    TableSpec("NETLINK_OPT", "SOL_NETLINK options", ("linux/netlink.h",),
              r"NETLINK_(ADD_MEMBERSHIP|DROP_MEMBERSHIP|PKTINFO|BROADCAST_ERROR|NO_ENOBUFS"
              r"|RX_RING|TX_RING|LISTEN_ALL_NSID|LIST_MEMBERSHIPS|CAP_ACK|EXT_ACK|GET_STRICT_CHK)"),
    TableSpec("PACKET_OPT", "SOL_PACKET options", ("linux/if_packet.h",), r"PACKET_\w+",
              # packet types (sll_pkttype), fanout modes and flags, membership types
              exclude=r"PACKET_(HOST|BROADCAST|MULTICAST|OTHERHOST|OUTGOING|LOOPBACK|USER|KERNEL"
                      r"|FASTROUTE|FANOUT_(?!DATA)\w+|MR_\w+)"),
    TableSpec("PACKET_TYPE", "sockaddr_ll packet types", ("linux/if_packet.h",),
              r"PACKET_(HOST|BROADCAST|MULTICAST|OTHERHOST|OUTGOING|LOOPBACK|USER|KERNEL)"),
    TableSpec("ARPHRD", "link types (ifi_type, sll_hatype)", ("linux/if_arp.h",), r"ARPHRD_\w+",
              prefer=("ARPHRD_NETROM",)),
    TableSpec("ETH_P", "link-layer protocols (sll_protocol, AF_PACKET socket protocol)",
              ("linux/if_ether.h",), r"ETH_P_\w+", hex_values=True),
    TableSpec("IFF", "interface flags (ifi_flags)", ("linux/if.h",),
              r"IFF_(UP|BROADCAST|DEBUG|LOOPBACK|POINTOPOINT|NOTRAILERS|RUNNING|NOARP|PROMISC"
              r"|ALLMULTI|MASTER|SLAVE|MULTICAST|PORTSEL|AUTOMEDIA|DYNAMIC|LOWER_UP|DORMANT|ECHO)",
              flags=True),
    TableSpec("RT_SCOPE", "route and address scopes", ("linux/rtnetlink.h",), r"RT_SCOPE_\w+"),
    TableSpec("IFA_F", "address flags (ifa_flags)", ("linux/if_addr.h",), r"IFA_F_\w+",
              flags=True, prefer=("IFA_F_DADFAILED",)),
    TableSpec("TCP_STATE", "TCP states (sock_diag's state bit sets: 1<<TCP_…)", ("netinet/tcp.h",),
              r"TCP_(ESTABLISHED|SYN_SENT|SYN_RECV|FIN_WAIT1|FIN_WAIT2|TIME_WAIT|CLOSE|CLOSE_WAIT"
              r"|LAST_ACK|LISTEN|CLOSING)"),
    TableSpec("UDIAG_SHOW", "unix_diag_req udiag_show flags", ("linux/unix_diag.h",),
              r"UDIAG_SHOW_\w+", flags=True),
    TableSpec("EFD", "eventfd2 flags", _glibc("eventfd.h"), r"EFD_\w+", flags=True,
              order=("EFD_SEMAPHORE", "EFD_CLOEXEC", "EFD_NONBLOCK")),
    TableSpec("SFD", "signalfd4 flags", _glibc("signalfd.h"), r"SFD_\w+", flags=True,
              order=("SFD_CLOEXEC", "SFD_NONBLOCK")),
    TableSpec("TFD", "timerfd_create flags", _glibc("timerfd.h"), r"TFD_(CLOEXEC|NONBLOCK)",
              flags=True, order=("TFD_CLOEXEC", "TFD_NONBLOCK")),
    TableSpec("TFD_TIMER", "timerfd_settime flags", (f"{MULTIARCH}/sys/timerfd.h", "sys/timerfd.h"),
              r"TFD_TIMER_\w+", flags=True),
    TableSpec("SPLICE_F", "splice/tee/vmsplice flags", _glibc("fcntl-linux.h"), r"SPLICE_F_\w+",
              flags=True),
    TableSpec("ICMP_TYPE", "ICMP message types (SOL_RAW ICMP_FILTER bits)", ("linux/icmp.h",),
              r"ICMP_(ECHOREPLY|DEST_UNREACH|SOURCE_QUENCH|REDIRECT|ECHO|TIME_EXCEEDED|PARAMETERPROB"
              r"|TIMESTAMP|TIMESTAMPREPLY|INFO_REQUEST|INFO_REPLY|ADDRESS|ADDRESSREPLY)"),
    TableSpec("IFA_ATTR", "RTM_*ADDR attribute types (nla_type)", ("linux/if_addr.h",),
              r"IFA_(UNSPEC|ADDRESS|LOCAL|LABEL|BROADCAST|ANYCAST|CACHEINFO|MULTICAST|FLAGS"
              r"|RT_PRIORITY|TARGET_NETNSID|PROTO)"),
    # RTM_*LINK attributes and the arrays nested in them, as strace 6.1's rtnl_link.c names them
    TableSpec("IFLA", "RTM_*LINK attribute types (nla_type)", ("linux/if_link.h",),
              r"IFLA_(UNSPEC|ADDRESS|BROADCAST|IFNAME|MTU|LINK|QDISC|STATS|COST|PRIORITY|MASTER|WIRELESS"
              r"|PROTINFO|TXQLEN|MAP|WEIGHT|OPERSTATE|LINKMODE|LINKINFO|NET_NS_PID|IFALIAS|NUM_VF"
              r"|VFINFO_LIST|STATS64|VF_PORTS|PORT_SELF|AF_SPEC|GROUP|NET_NS_FD|EXT_MASK|PROMISCUITY"
              r"|NUM_TX_QUEUES|NUM_RX_QUEUES|CARRIER|PHYS_PORT_ID|CARRIER_CHANGES|PHYS_SWITCH_ID"
              r"|LINK_NETNSID|PHYS_PORT_NAME|PROTO_DOWN|GSO_MAX_SEGS|GSO_MAX_SIZE|PAD|XDP|EVENT"
              r"|NEW_NETNSID|TARGET_NETNSID|CARRIER_UP_COUNT|CARRIER_DOWN_COUNT|NEW_IFINDEX|MIN_MTU"
              r"|MAX_MTU|PROP_LIST|ALT_IFNAME|PERM_ADDRESS|PROTO_DOWN_REASON|PARENT_DEV_NAME"
              r"|PARENT_DEV_BUS_NAME|GRO_MAX_SIZE|TSO_MAX_SIZE|TSO_MAX_SEGS|ALLMULTI)"),
    TableSpec("IFLA_XDP", "IFLA_XDP nested attribute types", ("linux/if_link.h",),
              r"IFLA_XDP_(UNSPEC|FD|ATTACHED|FLAGS|PROG_ID|DRV_PROG_ID|SKB_PROG_ID|HW_PROG_ID|EXPECTED_FD)"),
    TableSpec("XDP_ATTACHED", "IFLA_XDP_ATTACHED values", ("linux/if_link.h",),
              r"XDP_ATTACHED_(NONE|DRV|SKB|HW|MULTI)"),
    TableSpec("IFLA_INET", "IFLA_AF_SPEC AF_INET attribute types", ("linux/if_link.h",),
              r"IFLA_INET_(UNSPEC|CONF)"),
    TableSpec("IFLA_INET6", "IFLA_AF_SPEC AF_INET6 attribute types", ("linux/if_link.h",),
              r"IFLA_INET6_(UNSPEC|FLAGS|CONF|STATS|MCAST|CACHEINFO|ICMP6STATS|TOKEN|ADDR_GEN_MODE|RA_MTU)"),
    TableSpec("IN6_ADDR_GEN_MODE", "IFLA_INET6_ADDR_GEN_MODE values", ("linux/if_link.h",),
              r"IN6_ADDR_GEN_MODE_(EUI64|NONE|STABLE_PRIVACY|RANDOM)"),
    TableSpec("IPV4_DEVCONF", "IFLA_INET_CONF array indexes", ("linux/ip.h",),
              r"IPV4_DEVCONF_(FORWARDING|MC_FORWARDING|PROXY_ARP|ACCEPT_REDIRECTS|SECURE_REDIRECTS|SEND_REDIRECTS"
              r"|SHARED_MEDIA|RP_FILTER|ACCEPT_SOURCE_ROUTE|BOOTP_RELAY|LOG_MARTIANS|TAG|ARPFILTER"
              r"|MEDIUM_ID|NOXFRM|NOPOLICY|FORCE_IGMP_VERSION|ARP_ANNOUNCE|ARP_IGNORE"
              r"|PROMOTE_SECONDARIES|ARP_ACCEPT|ARP_NOTIFY|ACCEPT_LOCAL|SRC_VMARK|PROXY_ARP_PVLAN"
              r"|ROUTE_LOCALNET|IGMPV2_UNSOLICITED_REPORT_INTERVAL|IGMPV3_UNSOLICITED_REPORT_INTERVAL"
              r"|IGNORE_ROUTES_WITH_LINKDOWN|DROP_UNICAST_IN_L2_MULTICAST|DROP_GRATUITOUS_ARP"
              r"|BC_FORWARDING|ARP_EVICT_NOCARRIER)"),
    TableSpec("DEVCONF", "IFLA_INET6_CONF array indexes", ("linux/ipv6.h",),
              r"DEVCONF_(FORWARDING|HOPLIMIT|MTU6|ACCEPT_RA|ACCEPT_REDIRECTS|AUTOCONF|DAD_TRANSMITS"
              r"|RTR_SOLICITS|RTR_SOLICIT_INTERVAL|RTR_SOLICIT_DELAY|USE_TEMPADDR|TEMP_VALID_LFT"
              r"|TEMP_PREFERED_LFT|REGEN_MAX_RETRY|MAX_DESYNC_FACTOR|MAX_ADDRESSES|FORCE_MLD_VERSION"
              r"|ACCEPT_RA_DEFRTR|ACCEPT_RA_PINFO|ACCEPT_RA_RTR_PREF|RTR_PROBE_INTERVAL"
              r"|ACCEPT_RA_RT_INFO_MAX_PLEN|PROXY_NDP|OPTIMISTIC_DAD|ACCEPT_SOURCE_ROUTE"
              r"|MC_FORWARDING|DISABLE_IPV6|ACCEPT_DAD|FORCE_TLLAO|NDISC_NOTIFY"
              r"|MLDV1_UNSOLICITED_REPORT_INTERVAL|MLDV2_UNSOLICITED_REPORT_INTERVAL"
              r"|SUPPRESS_FRAG_NDISC|ACCEPT_RA_FROM_LOCAL|USE_OPTIMISTIC|ACCEPT_RA_MTU|STABLE_SECRET"
              r"|USE_OIF_ADDRS_ONLY|ACCEPT_RA_MIN_HOP_LIMIT|IGNORE_ROUTES_WITH_LINKDOWN"
              r"|DROP_UNICAST_IN_L2_MULTICAST|DROP_UNSOLICITED_NA|KEEP_ADDR_ON_DOWN"
              r"|RTR_SOLICIT_MAX_INTERVAL|SEG6_ENABLED|SEG6_REQUIRE_HMAC|ENHANCED_DAD|ADDR_GEN_MODE"
              r"|DISABLE_POLICY|ACCEPT_RA_RT_INFO_MIN_PLEN|NDISC_TCLASS|RPL_SEG_ENABLED"
              r"|RA_DEFRTR_METRIC|IOAM6_ENABLED|IOAM6_ID|IOAM6_ID_WIDE|NDISC_EVICT_NOCARRIER"
              r"|ACCEPT_UNTRACKED_NA)"),
    TableSpec("IPSTATS_MIB", "IFLA_INET6_STATS array indexes", ("linux/snmp.h",),
              r"IPSTATS_MIB_(NUM|INPKTS|INOCTETS|INDELIVERS|OUTFORWDATAGRAMS|OUTPKTS|OUTOCTETS|INHDRERRORS"
              r"|INTOOBIGERRORS|INNOROUTES|INADDRERRORS|INUNKNOWNPROTOS|INTRUNCATEDPKTS|INDISCARDS"
              r"|OUTDISCARDS|OUTNOROUTES|REASMTIMEOUT|REASMREQDS|REASMOKS|REASMFAILS|FRAGOKS"
              r"|FRAGFAILS|FRAGCREATES|INMCASTPKTS|OUTMCASTPKTS|INBCASTPKTS|OUTBCASTPKTS"
              r"|INMCASTOCTETS|OUTMCASTOCTETS|INBCASTOCTETS|OUTBCASTOCTETS|CSUMERRORS|NOECTPKTS"
              r"|ECT1PKTS|ECT0PKTS|CEPKTS|REASM_OVERLAPS)"),
    TableSpec("ICMP6_MIB", "IFLA_INET6_ICMP6STATS array indexes", ("linux/snmp.h",),
              r"ICMP6_MIB_(NUM|INMSGS|INERRORS|OUTMSGS|OUTERRORS|CSUMERRORS)"),
    TableSpec("INET6_IF_FLAGS", "IFLA_INET6_FLAGS bits (the kernel's include/net/if_inet6.h, not exported)", (),
              flags=True, extra=(("IF_RS_SENT", 0x10), ("IF_RA_RCVD", 0x20), ("IF_RA_MANAGED", 0x40),
                                 ("IF_RA_OTHERCONF", 0x80), ("IF_READY", 0x80000000))),
    TableSpec("RAW_OPT", "SOL_RAW options", ("linux/icmp.h",), r"ICMP_FILTER"),
    # Masks, shifts and limits the helpers in constants.py need to split a value into parts.
    TableSpec("MASKS", "masks, shifts and limits for composite arguments",
              ("asm-generic/fcntl.h", "linux/sched.h", *_MMAN_H, *_SIGNAL_H),
              r"O_ACCMODE|CSIGNAL|MAP_TYPE|MAP_HUGE_SHIFT|MAP_HUGE_MASK|SIGRTMIN",
              hex_values=True,
              # uapi says SIGRTMAX is _NSIG but only the kernel's own asm/signal.h defines it
              extra=(("SIGRTMAX", 64),)),
)


class EvalError(ValueError):
    """An expression this small preprocessor does not evaluate (sizeof, ?:, strings, …)."""


@dataclass
class Definition:
    expr: str  # the C expression text, or the enum value text
    files: list[str]  # every header that defines the name (a name may be in kernel and glibc)
    index: int  # position of its first definition, for stable ordering


# ---------------------------------------------------------------------------------------------
# Lexing helpers


_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_LINE_COMMENT = re.compile(r"//[^\n]*")
_DIRECTIVE = re.compile(r"^\s*#\s*(\w+)\s*(.*)$")
_DEFINE = re.compile(r"^([A-Za-z_]\w*)(\()?\s*(.*)$")
_ENUM_START = re.compile(r"\benum\b[^;{}]*\{")
_ENUM_HEAD = re.compile(r"\benum\b[^;{}()]*$")
_ENUM_ITEM = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:=\s*(.+?))?\s*$", re.S)
_IDENT = re.compile(r"[A-Za-z_]\w*")
_CHAR = re.compile(r"'(\\?.)'")
_NUMBER = re.compile(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b")
_CAST = re.compile(
    r"\(\s*(?:__force\s+)?(?:const\s+)?(?:(?:unsigned|signed)\s+)?"
    r"(?:long\s+long|long|int|short|char|__[us](?:8|16|32|64)|__poll_t|__sighandler_t"
    r"|__kernel_\w+|\w+_t)\s*\)"
)
_IOC_CALL = re.compile(r"\b(_IOWR|_IOR|_IOW|_IO)\s*\(([^()]*)\)")
_DEFINED = re.compile(r"\bdefined\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|([A-Za-z_]\w*))")
_FUNCTION_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\([^()]*\)")

_IOC_DIR = {"_IO": 0, "_IOW": 1, "_IOR": 2, "_IOWR": 3}

_ALLOWED_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Constant,
    ast.BitOr, ast.BitAnd, ast.BitXor, ast.LShift, ast.RShift, ast.Add, ast.Sub, ast.Mult,
    ast.FloorDiv, ast.Mod, ast.Invert, ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
)


def strip_comments(text: str) -> str:
    """Remove comments but keep line numbers (a comment may span lines inside an enum)."""
    text = _BLOCK_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n") or " ", text)
    return _LINE_COMMENT.sub("", text)


def logical_lines(text: str) -> Iterator[str]:
    """Lines with backslash continuations joined."""
    pending = ""
    for line in text.splitlines():
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield pending + line
        pending = ""
    if pending:
        yield pending


def safe_eval(py_expr: str) -> int:
    """Evaluate an integer expression using only arithmetic, bit and logical operators."""
    try:
        tree = ast.parse(py_expr.strip(), mode="eval")
    except SyntaxError as exc:
        raise EvalError(py_expr) from exc
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise EvalError(py_expr)
        if isinstance(node, ast.Constant) and not isinstance(node.value, int):
            raise EvalError(py_expr)
    try:
        value = eval(compile(tree, "<header>", "eval"), {"__builtins__": {}}, {})  # noqa: S307
    except (ArithmeticError, ValueError) as exc:
        raise EvalError(py_expr) from exc
    return int(value)


def c_to_python(expr: str) -> str:
    """Rewrite C integer syntax (suffixes, octal, char literals, casts, &&/||/!) for safe_eval."""
    expr = _CHAR.sub(lambda m: str(ord(m.group(1)[-1])), expr)
    expr = _CAST.sub(" ", expr)

    def number(m: re.Match[str]) -> str:
        text = m.group(1)
        try:
            if len(text) > 1 and text[0] == "0" and text[1] not in "xX":
                return str(int(text, 8))
            return str(int(text, 0))
        except ValueError as exc:  # e.g. 08: not a C integer literal either
            raise EvalError(text) from exc

    expr = _NUMBER.sub(number, expr)
    expr = expr.replace("&&", " and ").replace("||", " or ").replace("/", "//")
    return re.sub(r"!(?!=)", " not ", expr)


# ---------------------------------------------------------------------------------------------
# The header reader


class HeaderEnv:
    """Names defined by a sequence of headers, evaluated lazily like the C preprocessor does."""

    def __init__(self) -> None:
        self.defs: dict[str, Definition] = {}
        self._values: dict[str, int | None] = {}
        self._enum_values: dict[str, int] = {}
        self._counter = 0

    # -- reading --------------------------------------------------------------------------

    def read(self, text: str, source: str) -> None:
        # Conditional stack entries: (active, branch_taken, undecidable)
        stack: list[tuple[bool, bool, bool]] = []
        enum_body: str | None = None
        enum_head = ""  # ``enum tag`` whose ``{`` is on a later line (glibc style)
        for line in logical_lines(strip_comments(text)):
            active = all(frame[0] for frame in stack)
            directive = _DIRECTIVE.match(line)
            if directive:
                self._directive(directive.group(1), directive.group(2).strip(), stack, source)
                continue
            if not active:
                continue
            if enum_body is None:
                line, enum_head = enum_head + " " + line, ""
                start = _ENUM_START.search(line)
                if start is None:
                    if _ENUM_HEAD.search(line):
                        enum_head = line
                    continue
                enum_body, line = "", line[start.end():]
            if "}" in line:
                self._enum(enum_body + line.split("}", 1)[0], source)
                enum_body = None
            else:
                enum_body += line + "\n"

    def _directive(
        self, name: str, rest: str, stack: list[tuple[bool, bool, bool]], source: str
    ) -> None:
        parent_active = all(frame[0] for frame in stack)
        if name in ("ifdef", "ifndef"):
            defined = self.is_defined(rest.split()[0]) if rest else False
            cond = defined if name == "ifdef" else not defined
            stack.append((cond, cond, False))
        elif name == "if":
            cond, unknown = self._condition(rest)
            stack.append((cond, cond, unknown))
        elif name == "elif" and stack:
            _, taken, unknown = stack.pop()
            cond, now_unknown = self._condition(rest)
            unknown = unknown or now_unknown
            # With an undecidable earlier branch we read every branch rather than guess.
            active = cond and (not taken or unknown)
            stack.append((active, taken or cond, unknown))
        elif name == "else" and stack:
            _, taken, unknown = stack.pop()
            stack.append((not taken or unknown, True, unknown))
        elif name == "endif" and stack:
            stack.pop()
        elif name == "define" and parent_active:
            self._define(rest, source)
        # #include, #error, #pragma and #undef are ignored: the header list is explicit, and
        # these headers only #undef local helpers, never a constant we tabulate.

    def _condition(self, expr: str) -> tuple[bool, bool]:
        """(value, undecidable) of an #if expression; undecidable ones count as true."""

        def defined(m: re.Match[str]) -> str:
            return "1" if self.is_defined(m.group(1) or m.group(2)) else "0"

        expr = _DEFINED.sub(defined, expr)
        expr = _FUNCTION_CALL.sub(lambda m: "1" if m.group(1) in ENABLED_FUNCTIONS else "(?)", expr)

        def ident(m: re.Match[str]) -> str:
            word = m.group(0)
            if word in ("and", "or", "not"):
                return word
            value = self.value(word)
            return str(value) if value is not None else "0"  # C: unknown names are 0

        try:
            py = _IDENT.sub(ident, c_to_python(expr))
            return bool(safe_eval(py)), False
        except EvalError:
            return True, True

    def _define(self, rest: str, source: str) -> None:
        match = _DEFINE.match(rest)
        if not match or match.group(2):  # function-like macros are not constants
            return
        name, expr = match.group(1), match.group(3).strip()
        self._add(name, expr, source)

    def _enum(self, body: str, source: str) -> None:
        next_value: int | None = 0
        for item in body.split(","):
            match = _ENUM_ITEM.match(item)
            if not match:
                continue
            name, expr = match.group(1), match.group(2)
            if expr is not None:
                try:
                    next_value = self.evaluate(expr)
                except EvalError:
                    next_value = None
            if next_value is not None:
                self._enum_values.setdefault(name, next_value)
                self._add(name, str(next_value), source)
                # keep the written expression: ``MSG_TRYHARD = MSG_DONTROUTE`` is an alias
                if expr is not None and _IDENT.fullmatch(expr.strip()):
                    self.defs[name].expr = expr.strip()
                next_value += 1

    def _add(self, name: str, expr: str, source: str) -> None:
        existing = self.defs.get(name)
        if existing is None:
            self.defs[name] = Definition(expr, [source], self._counter)
            self._counter += 1
        elif source not in existing.files:
            existing.files.append(source)

    # -- evaluation -----------------------------------------------------------------------

    def forget_values(self) -> None:
        """Drop values computed while reading: like macros, a name is evaluated where it is
        used, after every header has been read (a name may refer to one defined later)."""
        self._values.clear()

    def is_defined(self, name: str) -> bool:
        return name in self.defs or name in PREDEFINED or name.startswith(ENABLED_PREFIXES)

    def value(self, name: str) -> int | None:
        """The integer value of a name, or None when it is not a simple integer constant."""
        if name in PREDEFINED:
            return PREDEFINED[name]
        if name.startswith(ENABLED_PREFIXES):
            return 1
        if name in self._values:
            return self._values[name]
        definition = self.defs.get(name)
        if definition is None:
            return None
        self._values[name] = None  # breaks cycles such as ``#define X X``
        expr = definition.expr
        result: int | None
        if expr.strip() == name:
            result = self._enum_values.get(name)
        else:
            try:
                result = self.evaluate(expr)
            except EvalError:
                result = None
        self._values[name] = result
        return result

    def evaluate(self, expr: str) -> int:
        expr = _IOC_CALL.sub(self._ioc, expr)

        def ident(m: re.Match[str]) -> str:
            value = self.value(m.group(0))
            if value is None:
                raise EvalError(m.group(0))
            return f"({value})"

        return safe_eval(_IDENT.sub(ident, c_to_python(expr)))

    def _ioc(self, m: re.Match[str]) -> str:
        """_IO/_IOR/_IOW/_IOWR(type, nr[, argtype]) as the asm-generic encoding computes it."""
        args = [a.strip() for a in m.group(2).split(",")]
        size = 0
        if len(args) == 3:
            if args[2] not in SIZEOF:
                raise EvalError(m.group(0))
            size = SIZEOF[args[2]]
        kind, nr = (self.evaluate(a) for a in args[:2])
        return str(_IOC_DIR[m.group(1)] << 30 | size << 16 | kind << 8 | nr)

    def is_alias(self, name: str, others: set[str]) -> bool:
        """True when name is defined as just another name of the same table."""
        expr = self.defs[name].expr.strip().strip("()").strip()
        return expr != name and expr in others


# ---------------------------------------------------------------------------------------------
# Tables


def find_headers(root: Path) -> list[tuple[str, Path]]:
    """(relative name, path) of each header that exists, in HEADERS order."""
    found: list[tuple[str, Path]] = []
    for alternatives in HEADERS:
        for rel in alternatives:
            path = root / rel
            if path.is_file():
                found.append((rel, path))
                break
    return found


def read_headers(root: Path) -> tuple[HeaderEnv, list[str]]:
    env = HeaderEnv()
    used: list[str] = []
    for rel, path in find_headers(root):
        env.read(path.read_text(errors="replace"), rel)
        used.append(rel)
    env.forget_values()
    return env, used


def build_table(env: HeaderEnv, spec: TableSpec) -> dict[str, int]:
    """The spec's names with their values, canonical names and strace's order first."""
    include = re.compile(spec.include) if spec.include else None
    exclude = re.compile(spec.exclude) if spec.exclude else None
    wanted = set(spec.files)
    values: dict[str, int] = {}
    for name, definition in env.defs.items():
        if include is None or not include.fullmatch(name):
            continue
        if exclude and exclude.fullmatch(name):
            continue
        if not wanted.intersection(definition.files):
            continue
        value = env.value(name)
        if value is not None:
            values[name] = value
    for name, value in spec.extra:
        values.setdefault(name, value)
    names = set(values)
    position = {name: i for i, name in enumerate(spec.order)}
    preferred = set(spec.prefer)

    def key(name: str) -> tuple[int, int, int, int, int]:
        listed = position.get(name, len(position))
        alias = name in env.defs and env.is_alias(name, names)
        index = env.defs[name].index if name in env.defs else sys.maxsize
        return (listed, values[name], name not in preferred, alias, index)

    return {name: values[name] for name in sorted(values, key=key)}


def kernel_version(root: Path) -> str:
    path = root / "linux/version.h"
    if not path.is_file():
        return "unknown"
    text = path.read_text()
    parts = [re.search(rf"#define LINUX_VERSION_{p}\s+(\d+)", text) for p in
             ("MAJOR", "PATCHLEVEL", "SUBLEVEL")]
    return ".".join(m.group(1) for m in parts if m) or "unknown"


def render_module(tables: dict[str, dict[str, int]], used: list[str], version: str) -> str:
    lines = [
        '"""x86_64 Linux constant tables: name -> value.',
        "",
        "GENERATED by schema/gen_constants.py from the kernel uapi and glibc headers below",
        f"(linux-libc-dev {version}). DO NOT EDIT: change the generator and re-run it.",
        "",
        "In each table the first name listed for a value is the canonical one (what strace",
        "prints), and flag tables are in the order their names are rendered.",
        "",
        "Headers read, in order:",
        *(f"    {rel}" for rel in used),
        '"""',
        "",
        "# The linux-libc-dev version the tables were generated from.",
        f"KERNEL_HEADERS: str = {version!r}",
        "",
    ]
    for spec in TABLES:
        table = tables[spec.name]
        lines.append(f"# {spec.doc}")
        lines.append(f"{spec.name}: dict[str, int] = {{")
        for name, value in table.items():
            in_hex = (spec.flags or spec.hex_values) and value >= 0
            shown = hex(value) if in_hex else str(value)
            lines.append(f"    {name!r}: {shown},")
        lines += ["}", ""]
    return "\n".join(lines)


def generate(root: str | Path = DEFAULT_ROOT) -> str:
    """The text of constants_x86_64.py for the headers under root."""
    root = Path(root)
    env, used = read_headers(root)
    tables = {spec.name: build_table(env, spec) for spec in TABLES}
    return render_module(tables, used, kernel_version(root))


def main(argv: list[str]) -> int:
    root = argv[1] if len(argv) > 1 else DEFAULT_ROOT
    text = generate(root)
    out = Path(__file__).with_name("constants_x86_64.py")
    out.write_text(text)
    print(f"wrote {len(TABLES)} tables to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
