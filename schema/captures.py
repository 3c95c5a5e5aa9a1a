"""What memory the recorder copies out of the tracee for each syscall.

This table is the contract between the recorder (which interprets it in C, per stop) and the
decoders (which read the captured bytes back from the ``data``, ``sockaddr``, ``path`` and
``mem`` columns). Each syscall has a tuple of capture ops (its ``caps`` in the system call
table, schema/syscall_table.py); ops that write ``mem`` each append
one length-prefixed part (see ``trace.split_mem``), in the order listed here, so a decoder
finds its parts by position. Entry ops are listed before exit ops. Exit ops (``*_OUT``) run only
when the call succeeded (ret >= 0), so a failed call has no exit parts; a part whose pointer is
NULL or unreadable is stored as ``None``.

Extra parts. Some ops also write *extra* parts, which follow the base parts: such a cell starts
with the word ``MEM_EXTRAS`` and the number of base parts (see ``trace.split_mem_extras``), so
base parts keep the positions they had before extras existed (queries and older traces rely on
them) and old traces, without the header, simply have no extras. Unlike base parts, every extra
an op defines is always written, unreadable where the call failed, so extras keep fixed positions
per syscall (in op order). ``ITEMS`` below names them.

Reads are all or nothing, as strace's: a structure or buffer that ends on an unmapped page is
unreadable (the decoders print its address), never a prefix padded with zeros. Arrays (pollfds,
iovecs) keep the whole elements before an unmapped page, so the decoders can print strace's
``... /* 0x… */`` marker where the readable part ends.

Op fields: ``op`` (below), ``arg`` (index of the pointer argument), ``n`` (index of the length
or count argument, or of the length *pointer* for SA_OUT/MEM_OUT_LENPTR), ``unit`` (bytes per
counted element, or the fixed size for MEM_IN/MEM_OUT).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # at run time these resolve on first use (__getattr__ below): no import cycle
    from .syscall_table import CAPTURES, EXTRAS, FD_FROM_A0, FD_FROM_RET, PARTS, SIZE_ARG  # noqa: F401

# Ops. Values are what the C recorder switches on; never renumber.
PATH = 1  # entry: NUL-terminated string at arg -> ``path`` column
STR = 2  # entry: NUL-terminated string at arg -> mem part (second path of rename, link, …)
BUF_IN = 3  # entry: args[n] bytes at arg -> ``data`` (first -s bytes)
BUF_OUT = 4  # exit: ret bytes at arg -> ``data`` (first -s bytes)
IOV_IN = 5  # entry: iovec array at arg, args[n] entries: each buffer's first -s bytes, one after
#             the other -> ``data``; extras: the raw array (16 bytes an entry, at most -s and
#             IOV_MAX entries), then IOV_COUNTS (uint32 entries tried, then per entry read the
#             bytes taken into ``data``, or MEM_UNREADABLE)
IOV_OUT = 6  # entry: the raw array (extra); exit: IOV_COUNTS (extra) and ``data``, each buffer
#              up to what is left of ret bytes
SA_IN = 7  # entry: sockaddr at arg, args[n] bytes -> ``sockaddr``
SA_OUT = 8  # exit: sockaddr at arg, length read from the socklen_t at args[n], at most the
#             length passed in (LEN_IN) -> ``sockaddr``; extras: see LEN_IN
MSG_IN = 9  # entry: struct msghdr at arg -> mem part (56 raw bytes); its name -> ``sockaddr``;
#             then a mem part with msg_control (up to 256 bytes); its iovecs as IOV_IN (``data``
#             and two extras)
MSG_OUT = 10  # entry: extra with msg_namelen as passed; exit: as MSG_IN, after the kernel filled
#               it in (iovecs up to ret bytes)
MEM_IN = 11  # entry: ``unit`` bytes at arg -> mem part
MEM_OUT = 12  # exit: ``unit`` bytes at arg -> mem part
MEM_IN_N = 13  # entry: args[n] * unit bytes at arg -> mem part (at most 4096)
MEM_OUT_N = 14  # exit: args[n] * unit bytes at arg -> mem part (at most 4096)
MEM_OUT_RET = 15  # exit: ret * unit bytes at arg -> mem part (at most 4096)
MEM_OUT_LENPTR = 16  # exit: the socklen_t at args[n] (at most LEN_IN's) bytes at arg -> mem
#                      part (getsockopt); extras: see LEN_IN
ARGV = 17  # entry: NULL-terminated pointer array at arg -> one mem part of NUL-ended strings;
#            a trailing empty string (two NULs) marks a list cut at 256 entries
MMSG_IN = 18  # entry (sendmmsg): args[n] struct mmsghdr at arg, at most -s and MMSG_MAX -> one mem part with
#               the raw array (64 bytes each), then one part per message with its iovecs' bytes
#               (as IOV_IN) and two extras per message (its raw iovec array, IOV_COUNTS); the
#               first message's address -> ``sockaddr``
MMSG_OUT = 19  # exit (recvmmsg): the same for the ret messages received, each up to its msg_len
LEN_IN = 20  # entry: the int at arg, a value-result length as the caller passed it; SA_OUT and
#              MEM_OUT_LENPTR then write two extras, that length and the one returned (unreadable
#              when the call failed), unless the length could not be read or came back unchanged
XMEM_IN = 21  # entry: extra with ``unit`` bytes at arg
XMEM_OUT = 22  # exit: extra with ``unit`` bytes at arg (unreadable when the call failed)
FDSETS_IN = 23  # entry: three extras, the fd_sets at args arg, arg+1, arg+2, sized by args[n]
FDSETS_OUT = 24  # exit: the same after the call
PSEL_MASK = 25  # entry: pselect6's {sigset_t *ss; size_t ss_len} at arg: extra with its 16 bytes,
#                 then extra with the sigset (ss_len bytes)
FLOCK = 26  # entry: struct flock at arg -> mem part, when fcntl's command args[n] takes one; exit:
#             again for F_GETLK/F_OFD_GETLK
IOCTL_INT = 27  # the int at arg -> mem part, for the ioctl requests (args[n]) that pass one: at
#                 entry FIONBIO, FIOASYNC; at exit FIONREAD/SIOCINQ, TIOCOUTQ/SIOCOUTQ,
#                 SIOCOUTQNSD, SIOCATMARK, FIOGETOWN, SIOCGPGRP
# The ioctl requests IOCTL_INT captures, by name (the recorder's generated constants use them).
IOCTL_INT_IN_REQUESTS = {"FIONBIO": 0x5421, "FIOASYNC": 0x5452}
IOCTL_INT_OUT_REQUESTS = {"FIONREAD": 0x541B, "TIOCOUTQ": 0x5411, "SIOCOUTQNSD": 0x894B, "SIOCATMARK": 0x8905,
                          "FIOGETOWN": 0x8903, "SIOCGPGRP": 0x8904}
IOCTL_INT_IN = frozenset(IOCTL_INT_IN_REQUESTS.values())
IOCTL_INT_OUT = frozenset(IOCTL_INT_OUT_REQUESTS.values())
# fcntl commands whose third argument is a struct flock (FLOCK), and those that fill it in.
FLOCK_CMDS = {"F_GETLK": 5, "F_SETLK": 6, "F_SETLKW": 7, "F_OFD_GETLK": 36, "F_OFD_SETLK": 37, "F_OFD_SETLKW": 38}
FLOCK_OUT_CMDS = ("F_GETLK", "F_OFD_GETLK")

OP_NAMES = {
    value: name
    for name, value in dict(globals()).items()
    if name.isupper() and type(value) is int and not name.startswith("_")  # not TYPE_CHECKING
}

MAX_OPS = 6  # per syscall, as laid out in the C table
MEM_EXTRAS = 0xFFFFFFFE  # first word of a mem cell with extra parts
IOV_MAX_READ = 1024  # the kernel's IOV_MAX: strace shows up to -s of them
FDSET_MAX = 128
FLOCK_SIZE = 32
UTSNAME_SIZE = 390
MAX_MEM_PART = 4096
MAX_SOCKADDR = 128
MSGHDR_SIZE = 56
MMSGHDR_SIZE = 64
MMSG_MAX = 1024  # the kernel's UIO_MAXIOV cap on vlen
MSG_CONTROL_MAX = 256
ARGV_MAX = 256


class Op(NamedTuple):
    op: int
    arg: int
    n: int = 0
    unit: int = 0


STAT_SIZE = 144  # struct stat on x86_64
STATX_SIZE = 256
TIMESPEC = 16
ITIMERSPEC = 32
SIGACTION = 32  # the kernel's struct sigaction on x86_64: handler, flags, restorer, mask
SIGSET = 8
POLLFD = 8
EPOLL_EVENT = 12  # packed on x86_64

# The per-syscall tables (CAPTURES: each call's ops; FD_FROM_A0/FD_FROM_RET: where its ``fd``
# column comes from; SIZE_ARG: which argument is its ``size`` on failure, None for ret only;
# EXTRAS: the names of its extra parts) are views of the one system call table,
# schema/syscall_table.py, where each call is described once.
_TABLE_VIEWS = ("CAPTURES", "FD_FROM_A0", "FD_FROM_RET", "SIZE_ARG", "EXTRAS", "PARTS")


def __getattr__(name: str) -> Any:
    if name in _TABLE_VIEWS:
        from . import syscall_table  # imports this module's ops: resolved on first use

        return getattr(syscall_table, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
