"""strace's system call classes (``-e trace=%network`` …) as data, for x86_64.

Membership is strace 6.1's (its linux/x86_64/syscallent.h flags TD, TF, TN, …, noted beside
each class), measured rather than transcribed: a test program made every x86_64 system call
under a seccomp filter that failed them all with ENOSYS, and ``strace -e trace=%CLASS`` listed
which it printed. tests/schema/test_syscall_classes.py repeats that measurement when strace is
installed, so a drift shows up as a failing test.

Keys are strace's class names without the leading ``%`` (``%%stat`` is ``%stat``).
"""
from __future__ import annotations

CLASSES: dict[str, frozenset[str]] = {
    "desc": frozenset({  # TD
        "bpf", "close", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
        "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2", "epoll_wait", "eventfd",
        "eventfd2", "execveat", "faccessat", "faccessat2", "fadvise64", "fallocate",
        "fanotify_init", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown", "fchownat",
        "fcntl", "fdatasync", "fgetxattr", "finit_module", "flistxattr", "flock", "fremovexattr",
        "fsconfig", "fsetxattr", "fsmount", "fsopen", "fspick", "fstat", "fstatfs", "fsync",
        "ftruncate", "futimesat", "getdents", "getdents64", "inotify_add_watch", "inotify_init",
        "inotify_init1", "inotify_rm_watch", "io_uring_enter", "io_uring_register",
        "io_uring_setup", "ioctl", "kexec_file_load", "landlock_add_rule",
        "landlock_create_ruleset", "landlock_restrict_self", "linkat", "lseek", "memfd_create",
        "memfd_secret", "mkdirat", "mknodat", "mmap", "mount_setattr", "move_mount",
        "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedsend",
        "name_to_handle_at", "newfstatat", "open", "open_by_handle_at", "open_tree", "openat",
        "openat2", "perf_event_open", "pidfd_getfd", "pidfd_open", "pidfd_send_signal", "pipe",
        "pipe2", "poll", "ppoll", "pread64", "preadv", "preadv2", "process_madvise",
        "process_mrelease", "pselect6", "pwrite64", "pwritev", "pwritev2", "quotactl_fd", "read",
        "readahead", "readlinkat", "readv", "renameat", "renameat2", "select", "sendfile", "setns",
        "signalfd", "signalfd4", "splice", "statx", "symlinkat", "sync_file_range", "syncfs",
        "tee", "timerfd_create", "timerfd_gettime", "timerfd_settime", "unlinkat", "userfaultfd",
        "utimensat", "vmsplice", "write", "writev",
    }),
    "file": frozenset({  # TF
        "access", "acct", "chdir", "chmod", "chown", "chroot", "creat", "execve", "execveat",
        "faccessat", "faccessat2", "fanotify_mark", "fchmodat", "fchownat", "fsconfig", "fspick",
        "futimesat", "getcwd", "getxattr", "inotify_add_watch", "lchown", "lgetxattr", "link",
        "linkat", "listxattr", "llistxattr", "lremovexattr", "lsetxattr", "lstat", "mkdir",
        "mkdirat", "mknod", "mknodat", "mount", "mount_setattr", "move_mount", "name_to_handle_at",
        "newfstatat", "open", "open_tree", "openat", "openat2", "pivot_root", "quotactl",
        "readlink", "readlinkat", "removexattr", "rename", "renameat", "renameat2", "rmdir",
        "setxattr", "stat", "statfs", "statx", "swapoff", "swapon", "symlink", "symlinkat",
        "truncate", "umount2", "unlink", "unlinkat", "uselib", "utime", "utimensat", "utimes",
    }),
    "memory": frozenset({  # TM
        "brk", "get_mempolicy", "io_destroy", "io_setup", "io_uring_register", "madvise", "mbind",
        "migrate_pages", "mincore", "mlock", "mlock2", "mlockall", "mmap", "move_pages",
        "mprotect", "mremap", "msync", "munlock", "munlockall", "munmap", "pkey_mprotect",
        "remap_file_pages", "set_mempolicy", "set_mempolicy_home_node", "shmat", "shmdt",
    }),
    "process": frozenset({  # TP
        "clone", "clone3", "execve", "execveat", "exit", "exit_group", "fork", "kill",
        "pidfd_send_signal", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "tgkill", "tkill", "vfork",
        "wait4", "waitid",
    }),
    "signal": frozenset({  # TS
        "io_uring_enter", "kill", "pause", "pidfd_send_signal", "rt_sigaction", "rt_sigpending",
        "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
        "rt_tgsigqueueinfo", "sigaltstack", "signalfd", "signalfd4", "tgkill", "tkill",
    }),
    "ipc": frozenset({  # TI
        "msgctl", "msgget", "msgrcv", "msgsnd", "semctl", "semget", "semop", "semtimedop", "shmat",
        "shmctl", "shmdt", "shmget",
    }),
    "network": frozenset({  # TN
        "accept", "accept4", "bind", "connect", "getpeername", "getpmsg", "getsockname",
        "getsockopt", "listen", "putpmsg", "recvfrom", "recvmmsg", "recvmsg", "sendfile",
        "sendmmsg", "sendmsg", "sendto", "setsockopt", "shutdown", "socket", "socketpair",
    }),
    "stat": frozenset({  # TST
        "stat",
    }),
    "lstat": frozenset({  # TLST
        "lstat",
    }),
    "fstat": frozenset({  # TFST
        "fstat", "newfstatat", "statx",
    }),
    "%stat": frozenset({  # TSTA
        "fstat", "lstat", "newfstatat", "stat", "statx",
    }),
    "statfs": frozenset({  # TSF
        "statfs",
    }),
    "fstatfs": frozenset({  # TFSF
        "fstatfs",
    }),
    "%statfs": frozenset({  # TSFA
        "fstatfs", "statfs", "ustat",
    }),
    "pure": frozenset({  # PU
        "getegid", "geteuid", "getgid", "getpgrp", "getpid", "getppid", "gettid", "getuid",
    }),
    "creds": frozenset({  # TC
        "capget", "capset", "getegid", "geteuid", "getgid", "getgroups", "getresgid", "getresuid",
        "getuid", "prctl", "setfsgid", "setfsuid", "setgid", "setgroups", "setregid", "setresgid",
        "setresuid", "setreuid", "setuid",
    }),
    "clock": frozenset({  # TCL
        "adjtimex", "clock_adjtime", "clock_getres", "clock_gettime", "clock_settime",
        "gettimeofday", "settimeofday", "time",
    }),
}

# Classes strace also accepts without the ``%`` (its legacy spelling); every other class needs
# it, and ``stat``, ``lstat``, ``fstat``, ``statfs``, ``fstatfs`` without it are system calls.
LEGACY_CLASSES: frozenset[str] = frozenset(
    {"desc", "file", "memory", "process", "signal", "ipc", "network"}
)
