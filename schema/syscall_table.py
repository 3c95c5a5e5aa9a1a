"""The system call table: everything renacer knows about each x86_64 system call, in one place
(strace's syscallent idea).

One row per call: its number and name (syscalls_x86_64.py, generated from the kernel's
unistd_64.h), its argument count (nargs_x86_64.py, generated from strace's tables), strace's
classes it belongs to (syscall_classes.py, measured against strace), and, from ``SPECS`` below,
what the recorder captures for it, how the ``fd`` and ``size`` columns are filled, the names of
its captured memory parts, and which function decodes it. Those three sources are generated or
measured; ``SPECS`` is the hand-written part. Everything else derives from this table: the
recorder's capture table (captures.CAPTURES), the fd and size rules (captures.FD_FROM_A0,
FD_FROM_RET, SIZE_ARG; capture/rows.py's per-number lookups), the extra-part names
(captures.EXTRAS), the decoder registry (analyze/decode/__init__.py) and the generic decoder's
argument count.

Adding support for a call is one ``SPECS`` line (plus its decoder function, named there as
``"family.function"`` of analyze/decode/).

Spec fields:
    caps     capture ops, in order (schema/captures.py explains each op)
    parts    names of the base ``mem`` parts those ops write, in order: decoders read
             ``parts(row).name`` (analyze/decode/common.py) rather than a position
    fd       A0: the ``fd`` column is the first argument; RET: the return value when >= 0
    size     the ``size`` column is the bytes transferred (ret) or, on failure, argument ``size``
             (an index); RET: the return value only
    extras   names of the extra parts (schema/captures.py), in order
    decoder  ``"family.function"`` in analyze/decode/ that prints the arguments as strace does;
             None: the generic decoder prints ``nargs`` raw arguments
"""
from __future__ import annotations

from typing import NamedTuple

from .captures import (
    ARGV,
    BUF_IN,
    BUF_OUT,
    EPOLL_EVENT,
    FDSETS_IN,
    FDSETS_OUT,
    FLOCK,
    IOCTL_INT,
    IOV_IN,
    IOV_OUT,
    ITIMERSPEC,
    LEN_IN,
    MEM_IN,
    MEM_IN_N,
    MEM_OUT,
    MEM_OUT_LENPTR,
    MEM_OUT_N,
    MEM_OUT_RET,
    MMSG_IN,
    MMSG_OUT,
    MSG_IN,
    MSG_OUT,
    PATH,
    POLLFD,
    PSEL_MASK,
    SA_IN,
    SA_OUT,
    SIGACTION,
    SIGSET,
    STAT_SIZE,
    STATX_SIZE,
    STR,
    TIMESPEC,
    UTSNAME_SIZE,
    XMEM_IN,
    XMEM_OUT,
    Op,
)
from .nargs_x86_64 import NARGS
from .syscall_classes import CLASSES
from .syscalls_x86_64 import SYSCALLS

A0 = "a0"
RET = "ret"


class S(NamedTuple):
    """The hand-written columns of one call (see the module docstring)."""

    caps: tuple[Op, ...] = ()
    parts: tuple[str, ...] = ()
    fd: str | None = None
    size: int | str | None = None
    extras: tuple[str, ...] | None = None
    decoder: str | None = None


SPECS: dict[str, S] = {
    # --- files -------------------------------------------------------------------------------------
    "open": S(caps=(Op(PATH, 0),), fd=RET, decoder="files.open_"),
    "openat": S(caps=(Op(PATH, 1),), fd=RET, decoder="files.openat"),
    "openat2": S(caps=(Op(PATH, 1), Op(MEM_IN, 2, 0, 24)), parts=("how",), fd=RET, decoder="files.openat2"),
    "creat": S(caps=(Op(PATH, 0),), fd=RET, decoder="files.creat"),
    "close": S(fd=A0, decoder="files.close"),
    "close_range": S(fd=A0, decoder="files.close_range"),
    "read": S(caps=(Op(BUF_OUT, 1),), fd=A0, size=2, decoder="files.read"),
    "write": S(caps=(Op(BUF_IN, 1, 2),), fd=A0, size=2, decoder="files.write"),
    "pread64": S(caps=(Op(BUF_OUT, 1),), fd=A0, size=2, decoder="files.pread64"),
    "pwrite64": S(caps=(Op(BUF_IN, 1, 2),), fd=A0, size=2, decoder="files.pwrite64"),
    "readv": S(
        caps=(Op(IOV_OUT, 1, 2),),
        fd=A0,
        size=RET,
        extras=("iov", "iov_counts"),
        decoder="files.readv",
    ),
    "writev": S(
        caps=(Op(IOV_IN, 1, 2),),
        fd=A0,
        size=RET,
        extras=("iov", "iov_counts"),
        decoder="files.writev",
    ),
    "preadv": S(
        caps=(Op(IOV_OUT, 1, 2),),
        fd=A0,
        size=RET,
        extras=("iov", "iov_counts"),
        decoder="files.preadv",
    ),
    "pwritev": S(
        caps=(Op(IOV_IN, 1, 2),),
        fd=A0,
        size=RET,
        extras=("iov", "iov_counts"),
        decoder="files.pwritev",
    ),
    "preadv2": S(
        caps=(Op(IOV_OUT, 1, 2),),
        fd=A0,
        size=RET,
        extras=("iov", "iov_counts"),
        decoder="files.preadv2",
    ),
    "pwritev2": S(
        caps=(Op(IOV_IN, 1, 2),),
        fd=A0,
        size=RET,
        extras=("iov", "iov_counts"),
        decoder="files.pwritev2",
    ),
    "lseek": S(fd=A0, decoder="files.lseek"),
    "dup": S(fd=RET, decoder="files.dup"),
    "dup2": S(fd=RET, decoder="files.dup2"),
    "dup3": S(fd=RET, decoder="files.dup3"),
    "pipe": S(caps=(Op(MEM_OUT, 0, 0, 8),), parts=("pipefd",), decoder="files.pipe"),
    "pipe2": S(caps=(Op(MEM_OUT, 0, 0, 8),), parts=("pipefd",), decoder="files.pipe2"),
    "fcntl": S(caps=(Op(FLOCK, 2, 1),), parts=("flock", "flock_out"), fd=A0, decoder="fdcalls.fcntl"),
    "ioctl": S(caps=(Op(IOCTL_INT, 2, 1),), parts=("intarg",), fd=A0, decoder="files.ioctl"),
    "stat": S(caps=(Op(PATH, 0), Op(MEM_OUT, 1, 0, STAT_SIZE)), parts=("statbuf",), decoder="files.stat"),
    "lstat": S(caps=(Op(PATH, 0), Op(MEM_OUT, 1, 0, STAT_SIZE)), parts=("statbuf",), decoder="files.stat"),
    "fstat": S(caps=(Op(MEM_OUT, 1, 0, STAT_SIZE),), parts=("statbuf",), fd=A0, decoder="files.fstat"),
    "newfstatat": S(
        caps=(Op(PATH, 1), Op(MEM_OUT, 2, 0, STAT_SIZE)),
        parts=("statbuf",),
        decoder="files.newfstatat",
    ),
    "statx": S(caps=(Op(PATH, 1), Op(MEM_OUT, 4, 0, STATX_SIZE)), parts=("statxbuf",), decoder="files.statx"),
    "access": S(caps=(Op(PATH, 0),), decoder="files.access"),
    "faccessat": S(caps=(Op(PATH, 1),), decoder="files.faccessat"),
    "faccessat2": S(caps=(Op(PATH, 1),), decoder="files.faccessat2"),
    "readlink": S(caps=(Op(PATH, 0), Op(MEM_OUT_RET, 1, 0, 1)), parts=("buf",), decoder="files.readlink"),
    "readlinkat": S(caps=(Op(PATH, 1), Op(MEM_OUT_RET, 2, 0, 1)), parts=("buf",), decoder="files.readlinkat"),
    "getcwd": S(caps=(Op(MEM_OUT_RET, 0, 0, 1),), parts=("buf",), decoder="files.getcwd"),
    "unlink": S(caps=(Op(PATH, 0),), decoder="files._one_path"),
    "rmdir": S(caps=(Op(PATH, 0),), decoder="files._one_path"),
    "chdir": S(caps=(Op(PATH, 0),), decoder="files._one_path"),
    "chroot": S(caps=(Op(PATH, 0),), decoder="files._one_path"),
    "unlinkat": S(caps=(Op(PATH, 1),), decoder="files.unlinkat"),
    "mkdir": S(caps=(Op(PATH, 0),), decoder="files.mkdir"),
    "mkdirat": S(caps=(Op(PATH, 1),), decoder="files.mkdirat"),
    "rename": S(caps=(Op(PATH, 0), Op(STR, 1)), parts=("newpath",), decoder="files.rename"),
    "link": S(caps=(Op(PATH, 0), Op(STR, 1)), parts=("newpath",), decoder="files.rename"),
    "symlink": S(caps=(Op(PATH, 0), Op(STR, 1)), parts=("linkpath",), decoder="files.rename"),
    "renameat": S(caps=(Op(PATH, 1), Op(STR, 3)), parts=("newpath",), decoder="files.renameat"),
    "renameat2": S(caps=(Op(PATH, 1), Op(STR, 3)), parts=("newpath",), decoder="files.renameat2"),
    "linkat": S(caps=(Op(PATH, 1), Op(STR, 3)), parts=("newpath",), decoder="files.linkat"),
    "symlinkat": S(caps=(Op(PATH, 0), Op(STR, 2)), parts=("linkpath",), decoder="files.symlinkat"),
    "chmod": S(caps=(Op(PATH, 0),), decoder="files.chmod"),
    "fchmod": S(fd=A0, decoder="files.fchmod"),
    "fchmodat": S(caps=(Op(PATH, 1),), decoder="files.fchmodat"),
    "chown": S(caps=(Op(PATH, 0),), decoder="files.chown"),
    "lchown": S(caps=(Op(PATH, 0),), decoder="files.chown"),
    "fchown": S(fd=A0, decoder="files.fchown"),
    "fchownat": S(caps=(Op(PATH, 1),), decoder="files.fchownat"),
    "truncate": S(caps=(Op(PATH, 0),), decoder="files.truncate"),
    "ftruncate": S(fd=A0, decoder="files.ftruncate"),
    "fsync": S(fd=A0, decoder="files.close"),
    "fdatasync": S(fd=A0, decoder="files.close"),
    "fchdir": S(fd=A0, decoder="files.close"),
    "umask": S(decoder="files.umask"),
    "getdents64": S(fd=A0, size=2, decoder="files.getdents64"),
    "getdents": S(fd=A0, size=2, decoder="files.getdents64"),
    "utimensat": S(caps=(Op(PATH, 1),), decoder="files.utimensat"),
    "sendfile": S(fd=A0, size=3, decoder="files.sendfile"),
    "getxattr": S(decoder="files.getxattr"),
    "lgetxattr": S(decoder="files.getxattr"),
    "fgetxattr": S(fd=A0, decoder="files.fgetxattr"),
    "listxattr": S(decoder="files.listxattr"),
    "llistxattr": S(decoder="files.listxattr"),
    "statfs": S(caps=(Op(PATH, 0),), decoder="files.statfs"),
    "fstatfs": S(fd=A0, decoder="files.fstatfs"),
    # --- sockets -----------------------------------------------------------------------------------
    "socket": S(fd=RET, decoder="sockets.socket_"),
    "socketpair": S(caps=(Op(MEM_OUT, 3, 0, 8),), parts=("sv",), decoder="sockets.socketpair"),
    "connect": S(caps=(Op(SA_IN, 1, 2),), fd=A0, decoder="sockets.connect"),
    "bind": S(caps=(Op(SA_IN, 1, 2),), fd=A0, decoder="sockets.connect"),
    "listen": S(fd=A0, decoder="sockets.listen"),
    "shutdown": S(fd=A0, decoder="sockets.shutdown"),
    "accept": S(
        caps=(Op(LEN_IN, 2), Op(SA_OUT, 1, 2)),
        fd=RET,
        extras=("len_in", "len_out"),
        decoder="sockets.accept",
    ),
    "accept4": S(
        caps=(Op(LEN_IN, 2), Op(SA_OUT, 1, 2)),
        fd=RET,
        extras=("len_in", "len_out"),
        decoder="sockets.accept4",
    ),
    "getsockname": S(
        caps=(Op(LEN_IN, 2), Op(SA_OUT, 1, 2)),
        fd=A0,
        extras=("len_in", "len_out"),
        decoder="sockets.accept",
    ),
    "getpeername": S(
        caps=(Op(LEN_IN, 2), Op(SA_OUT, 1, 2)),
        fd=A0,
        extras=("len_in", "len_out"),
        decoder="sockets.accept",
    ),
    "sendto": S(caps=(Op(BUF_IN, 1, 2), Op(SA_IN, 4, 5)), fd=A0, size=2, decoder="netlink.sendto"),
    "recvfrom": S(
        caps=(Op(LEN_IN, 5), Op(BUF_OUT, 1), Op(SA_OUT, 4, 5)),
        fd=A0,
        size=2,
        extras=("len_in", "len_out"),
        decoder="netlink.recvfrom",
    ),
    "sendmsg": S(
        caps=(Op(MSG_IN, 1),),
        fd=A0,
        size=RET,
        extras=("iov", "iov_counts"),
        parts=("msghdr", "control"),
        decoder="netlink.sendmsg",
    ),
    "recvmsg": S(
        caps=(Op(MSG_OUT, 1),),
        fd=A0,
        size=RET,
        extras=("namelen_in", "iov", "iov_counts"),
        parts=("msghdr", "control"),
        decoder="netlink.recvmsg",
    ),
    "sendmmsg": S(caps=(Op(MMSG_IN, 1, 2),), parts=("msgvec",), fd=A0, extras=(), decoder="sockets.sendmmsg"),
    "recvmmsg": S(
        caps=(Op(XMEM_IN, 4, 0, 16), Op(XMEM_OUT, 4, 0, 16), Op(MMSG_OUT, 1)),
        parts=("msgvec",),
        fd=A0,
        extras=("timeout", "timeout_left"),
        decoder="sockets.recvmmsg",
    ),
    "setsockopt": S(caps=(Op(MEM_IN_N, 3, 4, 1),), parts=("optval",), fd=A0, decoder="sockets.setsockopt"),
    "getsockopt": S(
        caps=(Op(LEN_IN, 4), Op(MEM_OUT_LENPTR, 3, 4)),
        parts=("optval",),
        fd=A0,
        extras=("len_in", "len_out"),
        decoder="sockets.getsockopt",
    ),
    "poll": S(
        caps=(Op(MEM_IN_N, 0, 1, POLLFD), Op(MEM_OUT_N, 0, 1, POLLFD)),
        parts=("fds", "fds_out"),
        decoder="sockets.poll",
    ),
    "ppoll": S(
        caps=(Op(MEM_IN_N, 0, 1, POLLFD), Op(MEM_IN, 2, 0, TIMESPEC), Op(MEM_OUT_N, 0, 1, POLLFD),
              Op(XMEM_IN, 3, 0, SIGSET), Op(XMEM_OUT, 2, 0, TIMESPEC)),
        parts=("fds", "tmo", "fds_out"),
        extras=("sigmask", "left"),
        decoder="sockets.ppoll",
    ),
    "select": S(
        caps=(Op(MEM_IN, 4, 0, TIMESPEC), Op(FDSETS_IN, 1, 0), Op(FDSETS_OUT, 1, 0),
              Op(XMEM_OUT, 4, 0, TIMESPEC)),
        parts=("timeout",),
        extras=("readfds", "writefds", "exceptfds", "readfds_out", "writefds_out", "exceptfds_out", "left"),
        decoder="sockets.select",
    ),
    "pselect6": S(
        caps=(Op(MEM_IN, 4, 0, TIMESPEC), Op(FDSETS_IN, 1, 0), Op(PSEL_MASK, 5), Op(FDSETS_OUT, 1, 0),
              Op(XMEM_OUT, 4, 0, TIMESPEC)),
        parts=("timeout",),
        extras=("readfds", "writefds", "exceptfds", "sigmask_arg", "sigmask", "readfds_out", "writefds_out",
                "exceptfds_out", "left"),
        decoder="sockets.pselect6",
    ),
    "epoll_create": S(fd=RET, decoder="sockets.epoll_create"),
    "epoll_create1": S(fd=RET, decoder="sockets.epoll_create1"),
    "epoll_ctl": S(
        caps=(Op(MEM_IN, 3, 0, EPOLL_EVENT),),
        parts=("event",),
        fd=A0,
        decoder="sockets.epoll_ctl",
    ),
    "epoll_wait": S(
        caps=(Op(MEM_OUT_RET, 1, 0, EPOLL_EVENT),),
        parts=("events",),
        fd=A0,
        decoder="sockets.epoll_wait",
    ),
    "epoll_pwait": S(
        caps=(Op(MEM_OUT_RET, 1, 0, EPOLL_EVENT),),
        parts=("events",),
        fd=A0,
        decoder="sockets.epoll_pwait",
    ),
    "epoll_pwait2": S(
        caps=(Op(MEM_IN, 3, 0, TIMESPEC), Op(MEM_OUT_RET, 1, 0, EPOLL_EVENT)),
        parts=("timeout", "events"),
        fd=A0,
        decoder="sockets.epoll_pwait2",
    ),
    # --- processes ---------------------------------------------------------------------------------
    "getpid": S(decoder="processes.no_args"),
    "getppid": S(decoder="processes.no_args"),
    "gettid": S(decoder="processes.no_args"),
    "getuid": S(decoder="processes.no_args"),
    "geteuid": S(decoder="processes.no_args"),
    "getgid": S(decoder="processes.no_args"),
    "getegid": S(decoder="processes.no_args"),
    "getpgrp": S(decoder="processes.no_args"),
    "setsid": S(decoder="processes.no_args"),
    "fork": S(decoder="processes.no_args"),
    "vfork": S(decoder="processes.no_args"),
    "sched_yield": S(decoder="processes.no_args"),
    "pause": S(decoder="processes.no_args"),
    "sync": S(decoder="processes.no_args"),
    "munlockall": S(decoder="processes.no_args"),
    "vhangup": S(decoder="processes.no_args"),
    "inotify_init": S(fd=RET, decoder="processes.no_args"),
    "restart_syscall": S(decoder="processes.no_args"),
    "execve": S(caps=(Op(PATH, 0), Op(ARGV, 1)), parts=("argv",), decoder="processes.execve"),
    "execveat": S(caps=(Op(PATH, 1), Op(ARGV, 2)), parts=("argv",), decoder="processes.execveat"),
    "clone": S(decoder="processes.clone"),
    "clone3": S(caps=(Op(MEM_IN_N, 0, 1, 1),), parts=("clone_args",), decoder="processes.clone3"),
    "wait4": S(caps=(Op(MEM_OUT, 1, 0, 4),), parts=("wstatus",), decoder="processes.wait4"),
    "waitid": S(decoder="processes.waitid"),
    "exit": S(decoder="processes.exit_"),
    "exit_group": S(decoder="processes.exit_"),
    "getpgid": S(decoder="processes.one_int"),
    "getsid": S(decoder="processes.one_int"),
    "setuid": S(decoder="processes.one_int"),
    "setgid": S(decoder="processes.one_int"),
    "alarm": S(decoder="processes.one_int"),
    "setpgid": S(decoder="processes.two_ints"),
    "setreuid": S(decoder="processes.two_ints"),
    "setregid": S(decoder="processes.two_ints"),
    "setresuid": S(decoder="processes.three_ints"),
    "setresgid": S(decoder="processes.three_ints"),
    "prlimit64": S(
        caps=(Op(MEM_IN, 2, 0, 16), Op(MEM_OUT, 3, 0, 16)),
        parts=("new_limit", "old_limit"),
        decoder="processes.prlimit64",
    ),
    "set_tid_address": S(decoder="processes.set_tid_address"),
    "set_robust_list": S(decoder="processes.set_robust_list"),
    "arch_prctl": S(decoder="processes.arch_prctl"),
    "rseq": S(decoder="processes.rseq"),
    "getrandom": S(caps=(Op(BUF_OUT, 0),), size=1, decoder="processes.getrandom"),
    "uname": S(caps=(Op(MEM_OUT, 0, 0, UTSNAME_SIZE),), parts=("utsname",), decoder="processes.uname"),
    "sysinfo": S(decoder="processes.struct_out"),
    "times": S(decoder="processes.struct_out"),
    "futex": S(decoder="processes.futex"),
    "nanosleep": S(caps=(Op(MEM_IN, 0, 0, TIMESPEC),), parts=("req",), decoder="processes.nanosleep"),
    "clock_nanosleep": S(
        caps=(Op(MEM_IN, 2, 0, TIMESPEC),),
        parts=("req",),
        decoder="processes.clock_nanosleep",
    ),
    "clock_gettime": S(caps=(Op(MEM_OUT, 1, 0, TIMESPEC),), parts=("tp",), decoder="processes.clock_gettime"),
    "gettimeofday": S(caps=(Op(MEM_OUT, 0, 0, TIMESPEC),), parts=("tv",), decoder="processes.gettimeofday"),
    # --- memory ------------------------------------------------------------------------------------
    "mmap": S(decoder="memory.mmap"),
    "mprotect": S(decoder="memory.mprotect"),
    "munmap": S(decoder="memory.munmap"),
    "mlock": S(decoder="memory.munmap"),
    "munlock": S(decoder="memory.munmap"),
    "brk": S(decoder="memory.brk"),
    "mremap": S(decoder="memory.mremap"),
    "madvise": S(decoder="memory.madvise"),
    "msync": S(decoder="memory.msync"),
    "mlockall": S(decoder="memory.mlockall"),
    # --- signals -----------------------------------------------------------------------------------
    "rt_sigaction": S(
        caps=(Op(MEM_IN, 1, 0, SIGACTION), Op(MEM_OUT, 2, 0, SIGACTION)),
        parts=("act", "oldact"),
        decoder="signals.rt_sigaction",
    ),
    "rt_sigprocmask": S(
        caps=(Op(MEM_IN, 1, 0, SIGSET), Op(MEM_OUT, 2, 0, SIGSET)),
        parts=("set", "oldset"),
        decoder="signals.rt_sigprocmask",
    ),
    "kill": S(decoder="signals.kill"),
    "tkill": S(decoder="signals.kill"),
    "tgkill": S(decoder="signals.tgkill"),
    "rt_sigreturn": S(decoder="signals.rt_sigreturn"),
    "rt_sigsuspend": S(decoder="signals.rt_sigsuspend"),
    "sigaltstack": S(decoder="signals.sigaltstack"),
    # --- no decoder yet: the generic decoder prints nargs raw arguments --------------------------
    "copy_file_range": S(fd=A0, size=4),
    "eventfd": S(fd=RET),
    "eventfd2": S(fd=RET, decoder="fdcalls.eventfd2"),
    "fadvise64": S(fd=A0),
    "fallocate": S(fd=A0),
    "fanotify_init": S(fd=RET),
    "flistxattr": S(fd=A0),
    "flock": S(fd=A0),
    "fremovexattr": S(fd=A0),
    "fsetxattr": S(fd=A0),
    "fsmount": S(fd=RET),
    "fsopen": S(fd=RET),
    "fspick": S(fd=RET),
    "inotify_add_watch": S(caps=(Op(PATH, 1),), fd=A0),
    "inotify_init1": S(fd=RET),
    "inotify_rm_watch": S(fd=A0),
    "io_uring_enter": S(fd=A0),
    "io_uring_register": S(fd=A0),
    "io_uring_setup": S(fd=RET),
    "landlock_create_ruleset": S(fd=RET),
    "memfd_create": S(fd=RET),
    "memfd_secret": S(fd=RET),
    "mknod": S(caps=(Op(PATH, 0),)),
    "mknodat": S(caps=(Op(PATH, 1),)),
    "open_tree": S(fd=RET),
    "perf_event_open": S(fd=RET),
    "pidfd_getfd": S(fd=RET),
    "pidfd_open": S(fd=RET),
    "readahead": S(fd=A0),
    "signalfd": S(fd=RET),
    "signalfd4": S(caps=(Op(MEM_IN, 1, 0, SIGSET),), parts=("mask",), fd=RET, decoder="fdcalls.signalfd4"),
    "splice": S(fd=A0, size=4, decoder="fdcalls.splice"),
    "sync_file_range": S(fd=A0),
    "syncfs": S(fd=A0),
    "tee": S(fd=A0),
    "timerfd_create": S(fd=RET, decoder="fdcalls.timerfd_create"),
    "timerfd_gettime": S(caps=(Op(MEM_OUT, 1, 0, ITIMERSPEC),), parts=("curr",), fd=A0,
                            decoder="fdcalls.timerfd_gettime"),
    "timerfd_settime": S(caps=(Op(MEM_IN, 2, 0, ITIMERSPEC), Op(MEM_OUT, 3, 0, ITIMERSPEC)),
                            parts=("new", "old"), fd=A0, decoder="fdcalls.timerfd_settime"),
    "userfaultfd": S(fd=RET),
    "vmsplice": S(fd=A0),
}


class Syscall(NamedTuple):
    """One row of the table."""

    nr: int
    name: str
    nargs: int
    classes: frozenset[str]
    caps: tuple[Op, ...]
    parts: tuple[str, ...]
    fd: str | None
    size: int | str | None
    extras: tuple[str, ...] | None
    decoder: str | None


def _build() -> dict[str, Syscall]:
    unknown = set(SPECS) - set(SYSCALLS.values())
    if unknown:
        raise ValueError(f"SPECS names calls x86_64 does not have: {sorted(unknown)}")
    classes: dict[str, set[str]] = {}
    for cls, members in CLASSES.items():
        for name in members:
            classes.setdefault(name, set()).add(cls)
    rows = {}
    for nr, name in sorted(SYSCALLS.items()):
        spec = SPECS.get(name, S())
        rows[name] = Syscall(nr, name, NARGS[name], frozenset(classes.get(name, ())), *spec)
    return rows


BY_NAME: dict[str, Syscall] = _build()
BY_NR: dict[int, Syscall] = {row.nr: row for row in BY_NAME.values()}

# --- derived views (what the recorder, the column builders and the decoders read) ----------------
CAPTURES: dict[str, tuple[Op, ...]] = {s.name: s.caps for s in BY_NAME.values() if s.caps}
FD_FROM_A0: frozenset[str] = frozenset(s.name for s in BY_NAME.values() if s.fd == A0)
FD_FROM_RET: frozenset[str] = frozenset(s.name for s in BY_NAME.values() if s.fd == RET)
SIZE_ARG: dict[str, int | None] = {
    s.name: (None if s.size == RET else s.size) for s in BY_NAME.values() if s.size is not None  # type: ignore[misc]
}
EXTRAS: dict[str, tuple[str, ...]] = {s.name: s.extras for s in BY_NAME.values() if s.extras is not None}
PARTS: dict[str, tuple[str, ...]] = {s.name: s.parts for s in BY_NAME.values() if s.parts}
DECODER_REFS: dict[str, str] = {s.name: s.decoder for s in BY_NAME.values() if s.decoder}
