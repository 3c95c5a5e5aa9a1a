"""What memory the recorder copies out of the tracee for each syscall.

This table is the contract between the recorder (which interprets it in C, per stop) and the
decoders (which read the captured bytes back from the ``data``, ``sockaddr``, ``path`` and
``mem`` columns). Each syscall has a tuple of capture ops; ops that write ``mem`` each append
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

from typing import NamedTuple

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
MMSG_IN = 18  # entry (sendmmsg): args[n] struct mmsghdr at arg, at most 8 -> one mem part with
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
#                 SIOCOUTQNSD, SIOCATMARK
IOCTL_INT_IN = frozenset({0x5421, 0x5452})
IOCTL_INT_OUT = frozenset({0x541B, 0x5411, 0x894B, 0x8905})

MAX_OPS = 6  # per syscall, as laid out in the C table
MEM_EXTRAS = 0xFFFFFFFE  # first word of a mem cell with extra parts
IOV_MAX_READ = 64
FDSET_MAX = 128
FLOCK_SIZE = 32
UTSNAME_SIZE = 390
MAX_MEM_PART = 4096
MAX_SOCKADDR = 128
MSGHDR_SIZE = 56
MMSGHDR_SIZE = 64
MMSG_MAX = 8
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
SIGACTION = 32  # the kernel's struct sigaction on x86_64: handler, flags, restorer, mask
SIGSET = 8
POLLFD = 8
EPOLL_EVENT = 12  # packed on x86_64

CAPTURES: dict[str, tuple[Op, ...]] = {
    # buffers
    "read": (Op(BUF_OUT, 1),),
    "write": (Op(BUF_IN, 1, 2),),
    "pread64": (Op(BUF_OUT, 1),),
    "pwrite64": (Op(BUF_IN, 1, 2),),
    "readv": (Op(IOV_OUT, 1, 2),),
    "writev": (Op(IOV_IN, 1, 2),),
    "preadv": (Op(IOV_OUT, 1, 2),),
    "pwritev": (Op(IOV_IN, 1, 2),),
    "preadv2": (Op(IOV_OUT, 1, 2),),
    "pwritev2": (Op(IOV_IN, 1, 2),),
    "getrandom": (Op(BUF_OUT, 0),),
    # sockets
    "sendto": (Op(BUF_IN, 1, 2), Op(SA_IN, 4, 5)),
    "recvfrom": (Op(LEN_IN, 5), Op(BUF_OUT, 1), Op(SA_OUT, 4, 5)),
    "sendmsg": (Op(MSG_IN, 1),),
    "recvmsg": (Op(MSG_OUT, 1),),
    "sendmmsg": (Op(MMSG_IN, 1, 2),),
    "recvmmsg": (Op(XMEM_IN, 4, 0, 16), Op(XMEM_OUT, 4, 0, 16), Op(MMSG_OUT, 1)),
    "connect": (Op(SA_IN, 1, 2),),
    "bind": (Op(SA_IN, 1, 2),),
    "accept": (Op(LEN_IN, 2), Op(SA_OUT, 1, 2)),
    "accept4": (Op(LEN_IN, 2), Op(SA_OUT, 1, 2)),
    "getsockname": (Op(LEN_IN, 2), Op(SA_OUT, 1, 2)),
    "getpeername": (Op(LEN_IN, 2), Op(SA_OUT, 1, 2)),
    "setsockopt": (Op(MEM_IN_N, 3, 4, 1),),
    "getsockopt": (Op(LEN_IN, 4), Op(MEM_OUT_LENPTR, 3, 4)),
    "socketpair": (Op(MEM_OUT, 3, 0, 8),),
    # files
    "open": (Op(PATH, 0),),
    "creat": (Op(PATH, 0),),
    "openat": (Op(PATH, 1),),
    "openat2": (Op(PATH, 1), Op(MEM_IN, 2, 0, 24)),
    "stat": (Op(PATH, 0), Op(MEM_OUT, 1, 0, STAT_SIZE)),
    "lstat": (Op(PATH, 0), Op(MEM_OUT, 1, 0, STAT_SIZE)),
    "fstat": (Op(MEM_OUT, 1, 0, STAT_SIZE),),
    "newfstatat": (Op(PATH, 1), Op(MEM_OUT, 2, 0, STAT_SIZE)),
    "statx": (Op(PATH, 1), Op(MEM_OUT, 4, 0, STATX_SIZE)),
    "access": (Op(PATH, 0),),
    "faccessat": (Op(PATH, 1),),
    "faccessat2": (Op(PATH, 1),),
    "readlink": (Op(PATH, 0), Op(MEM_OUT_RET, 1, 0, 1)),
    "readlinkat": (Op(PATH, 1), Op(MEM_OUT_RET, 2, 0, 1)),
    "unlink": (Op(PATH, 0),),
    "unlinkat": (Op(PATH, 1),),
    "mkdir": (Op(PATH, 0),),
    "mkdirat": (Op(PATH, 1),),
    "rmdir": (Op(PATH, 0),),
    "chdir": (Op(PATH, 0),),
    "chroot": (Op(PATH, 0),),
    "rename": (Op(PATH, 0), Op(STR, 1)),
    "renameat": (Op(PATH, 1), Op(STR, 3)),
    "renameat2": (Op(PATH, 1), Op(STR, 3)),
    "link": (Op(PATH, 0), Op(STR, 1)),
    "linkat": (Op(PATH, 1), Op(STR, 3)),
    "symlink": (Op(PATH, 0), Op(STR, 1)),
    "symlinkat": (Op(PATH, 0), Op(STR, 2)),
    "chmod": (Op(PATH, 0),),
    "fchmodat": (Op(PATH, 1),),
    "chown": (Op(PATH, 0),),
    "lchown": (Op(PATH, 0),),
    "fchownat": (Op(PATH, 1),),
    "truncate": (Op(PATH, 0),),
    "utimensat": (Op(PATH, 1),),
    "statfs": (Op(PATH, 0),),
    "mknod": (Op(PATH, 0),),
    "mknodat": (Op(PATH, 1),),
    "inotify_add_watch": (Op(PATH, 1),),
    "getcwd": (Op(MEM_OUT_RET, 0, 0, 1),),
    "pipe": (Op(MEM_OUT, 0, 0, 8),),
    "pipe2": (Op(MEM_OUT, 0, 0, 8),),
    "fcntl": (Op(FLOCK, 2, 1),),
    "ioctl": (Op(IOCTL_INT, 2, 1),),
    "uname": (Op(MEM_OUT, 0, 0, UTSNAME_SIZE),),
    # processes
    "execve": (Op(PATH, 0), Op(ARGV, 1)),
    "execveat": (Op(PATH, 1), Op(ARGV, 2)),
    "wait4": (Op(MEM_OUT, 1, 0, 4),),
    "clone3": (Op(MEM_IN_N, 0, 1, 1),),
    "prlimit64": (Op(MEM_IN, 2, 0, 16), Op(MEM_OUT, 3, 0, 16)),
    # signals
    "rt_sigaction": (Op(MEM_IN, 1, 0, SIGACTION), Op(MEM_OUT, 2, 0, SIGACTION)),
    "rt_sigprocmask": (Op(MEM_IN, 1, 0, SIGSET), Op(MEM_OUT, 2, 0, SIGSET)),
    # time and waiting
    "nanosleep": (Op(MEM_IN, 0, 0, TIMESPEC),),
    "clock_nanosleep": (Op(MEM_IN, 2, 0, TIMESPEC),),
    "clock_gettime": (Op(MEM_OUT, 1, 0, TIMESPEC),),
    "gettimeofday": (Op(MEM_OUT, 0, 0, TIMESPEC),),
    "select": (Op(MEM_IN, 4, 0, TIMESPEC), Op(FDSETS_IN, 1, 0), Op(FDSETS_OUT, 1, 0),
               Op(XMEM_OUT, 4, 0, TIMESPEC)),
    "pselect6": (Op(MEM_IN, 4, 0, TIMESPEC), Op(FDSETS_IN, 1, 0), Op(PSEL_MASK, 5),
                 Op(FDSETS_OUT, 1, 0), Op(XMEM_OUT, 4, 0, TIMESPEC)),
    "poll": (Op(MEM_IN_N, 0, 1, POLLFD), Op(MEM_OUT_N, 0, 1, POLLFD)),
    "ppoll": (Op(MEM_IN_N, 0, 1, POLLFD), Op(MEM_IN, 2, 0, TIMESPEC), Op(MEM_OUT_N, 0, 1, POLLFD),
              Op(XMEM_IN, 3, 0, SIGSET), Op(XMEM_OUT, 2, 0, TIMESPEC)),
    "epoll_ctl": (Op(MEM_IN, 3, 0, EPOLL_EVENT),),
    "epoll_wait": (Op(MEM_OUT_RET, 1, 0, EPOLL_EVENT),),
    "epoll_pwait": (Op(MEM_OUT_RET, 1, 0, EPOLL_EVENT),),
    "epoll_pwait2": (Op(MEM_IN, 3, 0, TIMESPEC), Op(MEM_OUT_RET, 1, 0, EPOLL_EVENT)),
}

# How the ``fd`` column is filled: from the first argument, or from the return value.
FD_FROM_RET = frozenset(
    {
        "socket", "open", "openat", "openat2", "creat", "accept", "accept4", "dup", "dup2", "dup3",
        "epoll_create", "epoll_create1", "eventfd", "eventfd2", "signalfd", "signalfd4",
        "timerfd_create", "inotify_init", "inotify_init1", "memfd_create", "pidfd_open",
        "fanotify_init", "userfaultfd", "perf_event_open", "io_uring_setup", "open_tree",
        "fsopen", "fspick", "fsmount", "memfd_secret", "landlock_create_ruleset", "pidfd_getfd",
    }
)
FD_FROM_A0 = frozenset(
    {
        "read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev",
        "preadv2", "pwritev2", "close", "fstat", "lseek", "ioctl", "fcntl", "flock", "fsync",
        "fdatasync", "ftruncate", "fchmod", "fchown", "fchdir", "getdents", "getdents64",
        "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "connect", "bind",
        "listen", "shutdown", "getsockname", "getpeername", "setsockopt", "getsockopt",
        "sendfile", "fadvise64", "fallocate", "fstatfs", "fsetxattr", "fgetxattr",
        "flistxattr", "fremovexattr", "syncfs", "sync_file_range", "readahead", "epoll_ctl",
        "epoll_wait", "epoll_pwait", "epoll_pwait2", "timerfd_settime", "timerfd_gettime",
        "inotify_add_watch", "inotify_rm_watch", "copy_file_range", "splice", "tee",
        "vmsplice", "io_uring_enter", "io_uring_register", "close_range",
    }
)
# Calls whose ``size`` column is the bytes transferred (ret) or, on failure, the count argument.
SIZE_ARG = {
    "read": 2, "write": 2, "pread64": 2, "pwrite64": 2, "sendto": 2, "recvfrom": 2,
    "readv": None, "writev": None, "preadv": None, "pwritev": None, "preadv2": None,
    "pwritev2": None, "sendmsg": None, "recvmsg": None, "sendfile": 3, "splice": 4,
    "copy_file_range": 4, "getrandom": 1, "getdents64": 2, "getdents": 2,
}

# The extra parts of each syscall, by name, in order (the decoders index them through this).
# ``iov``/``iov_counts`` are capture_iov's pair; an mmsg call has one pair per message after these.
EXTRAS: dict[str, tuple[str, ...]] = {
    **{n: ("iov", "iov_counts") for n in ("readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2")},
    "sendmsg": ("iov", "iov_counts"),
    "recvmsg": ("namelen_in", "iov", "iov_counts"),
    "recvfrom": ("len_in", "len_out"),
    **{n: ("len_in", "len_out") for n in ("accept", "accept4", "getsockname", "getpeername", "getsockopt")},
    "recvmmsg": ("timeout", "timeout_left"),
    "sendmmsg": (),
    "select": ("readfds", "writefds", "exceptfds", "readfds_out", "writefds_out", "exceptfds_out", "left"),
    "pselect6": ("readfds", "writefds", "exceptfds", "sigmask_arg", "sigmask", "readfds_out",
                 "writefds_out", "exceptfds_out", "left"),
    "ppoll": ("sigmask", "left"),
}
