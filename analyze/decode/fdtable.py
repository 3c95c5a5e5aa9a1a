"""What a renderer knows of each process's sockets, learned from the calls it has printed.

A netlink message's bytes mean different things per netlink protocol (type 20 is RTM_NEWADDR on
NETLINK_ROUTE, SOCK_DIAG_BY_FAMILY on NETLINK_SOCK_DIAG), and the bytes of sendto/recvmsg do not
say which protocol their socket speaks. strace asks the running system (/proc, sock_diag); a
trace is decoded later, possibly elsewhere, so the renderer learns it from the recorded calls,
in the order it prints them, the way it follows threads: ``socket()`` rows give (family,
protocol) per (process, fd); dup/dup2/dup3/fcntl(F_DUPFD) copy, close forgets, fork copies the
parent's table. Live and replay print the same rows in the same order, so they learn the same
and stay byte-identical. A descriptor the trace never saw created (inherited from before the
recording, or filtered out with -e) is unknown: decoders then fall back to what the row itself
says (an AF_NETLINK address) or print bytes.
"""
from __future__ import annotations

from typing import Any

from renacer.schema import constants as C

from .common import parts

_F_DUPFD = C.FCNTL_CMD["F_DUPFD"]
_F_DUPFD_CLOEXEC = C.FCNTL_CMD["F_DUPFD_CLOEXEC"]
_CLONE_THREAD = C.CLONE["CLONE_THREAD"]
_CLONE_FILES = C.CLONE["CLONE_FILES"]

# calls after which the table changes (the renderer calls ``learn`` for these only)
LEARNS = frozenset({"socket", "close", "dup", "dup2", "dup3", "fcntl", "clone", "clone3", "fork", "vfork"})


def _fd(v: Any) -> int:
    v = (v or 0) & 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


class SocketTable:
    """(pid, fd) -> (family, protocol) of the sockets created in the trace."""

    def __init__(self) -> None:
        self._by_pid: dict[int, dict[int, tuple[int, int]]] = {}

    def get(self, pid: int, fd: Any) -> tuple[int, int] | None:
        fds = self._by_pid.get(pid)
        return fds.get(_fd(fd)) if fds else None

    def learn(self, row: Any) -> None:
        ret = row["ret"]
        if ret is None or ret < 0 or row["exit_seq"] is None:
            return
        name, pid = row["name"], row["pid"]
        if name == "socket":
            self._by_pid.setdefault(pid, {})[ret] = ((row["a0"] or 0) & 0xFFFFFFFF, (row["a2"] or 0) & 0xFFFFFFFF)
            return
        fds = self._by_pid.get(pid)
        if name in ("clone", "clone3", "fork", "vfork"):
            if not fds or ret <= 0:
                return
            flags = row["a0"] or 0
            if name == "clone3":  # the flags are the first field of the captured clone_args
                args = parts(row).clone_args
                flags = int.from_bytes(args[:8], "little") if args and len(args) >= 8 else _CLONE_FILES
            elif name != "clone":
                flags = 0
            if not flags & _CLONE_THREAD:
                # CLONE_FILES shares the table (the same dict), else the child gets a copy
                self._by_pid[ret] = fds if flags & _CLONE_FILES else dict(fds)
            return
        if not fds:
            return
        if name == "close":
            fds.pop(_fd(row["a0"]), None)
        elif name == "dup":
            self._copy(fds, _fd(row["a0"]), ret)
        elif name in ("dup2", "dup3"):
            self._copy(fds, _fd(row["a0"]), _fd(row["a1"]))
        elif name == "fcntl" and (row["a1"] or 0) & 0xFFFFFFFF in (_F_DUPFD, _F_DUPFD_CLOEXEC):
            self._copy(fds, _fd(row["a0"]), ret)

    @staticmethod
    def _copy(fds: dict[int, tuple[int, int]], old: int, new: int) -> None:
        if old == new:
            return
        known = fds.get(old)
        if known is None:
            fds.pop(new, None)
        else:
            fds[new] = known


def interfaces_from(metadata: dict[str, Any] | None) -> dict[int, str] | None:
    table = (metadata or {}).get("interfaces")
    if not table:
        return None
    try:
        return {int(k): str(v) for k, v in table.items()}
    except (AttributeError, ValueError):
        return None
