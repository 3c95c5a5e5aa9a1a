"""File and descriptor calls: open, read, write, stat, fcntl, ioctl, pipe, dup, …

Formats follow strace 6.1 (open.c, io.c, stat.c, fcntl.c, ioctl.c). Paths are never cut at -s;
buffers are.
"""
from __future__ import annotations

import functools
import struct

from renacer.schema import captures
from renacer.schema import constants as C

from .common import (
    Decoded,
    DecodeOptions,
    Row,
    buf,
    dirfd,
    extras,
    fd,
    flags,
    int_array,
    int_ptr,
    octal,
    part,
    part_index,
    parts,
    path,
    ptr,
    s32,
    s64,
    signal,
    split_at,
    succeeded,
    table,
    u32,
    unpack,
    xlat,
    xval,
)
from .sockets import iov_arg, iovecs

# Named parts read by position once resolved (part_index): stat is the most frequent call of many
# programs, and the second path is named differently by the calls that share its decoder.
_STATBUF = part_index(("stat", "statbuf"), ("lstat", "statbuf"), ("fstat", "statbuf"), ("newfstatat", "statbuf"))
_SECOND_PATH = part_index(("rename", "newpath"), ("link", "newpath"), ("symlink", "linkpath"),
                          ("renameat", "newpath"), ("renameat2", "newpath"), ("linkat", "newpath"),
                          ("symlinkat", "linkpath"))
# Recordings made before the table named these: the iovec array of readv/writev... was base part 0
# before it moved to the extras, and the xattr calls name no capture today (part 0 is then absent).
_LEGACY_IOV = 0
_LEGACY_XATTR_NAME = 0

_O_CREAT = C.OPEN_FLAGS["O_CREAT"]
_O_TMPFILE = C.OPEN_FLAGS["__O_TMPFILE"]


# Remembered: programs open with a handful of flag sets.
open_flags = functools.lru_cache(maxsize=4096)(C.open_flags)


def _mode_follows(open_flags: int) -> bool:
    """strace prints the mode argument only when the flags make the kernel use it."""
    return bool(open_flags & (_O_CREAT | _O_TMPFILE))


def _path_arg(row: Row, opts: DecodeOptions, arg: str) -> str:
    return path(row["path"], opts, row[arg])


def _second_path(row: Row, opts: DecodeOptions, arg: str) -> str:
    """The other path of rename/link/symlink and their *at forms (a STR capture)."""
    return path(part(row, _SECOND_PATH), opts, row[arg])


# --- open, close ----------------------------------------------------------------------------------


def open_(row: Row, opts: DecodeOptions) -> list[str]:
    oflags = u32(row["a1"])
    args = [_path_arg(row, opts, "a0"), open_flags(oflags)]
    if _mode_follows(oflags):
        args.append(octal(u32(row["a2"]) & 0xFFFF))  # a umode_t: the kernel keeps 16 bits
    return args


def openat(row: Row, opts: DecodeOptions) -> list[str]:
    oflags = u32(row["a2"])
    args = [dirfd(row["a0"]), _path_arg(row, opts, "a1"), open_flags(oflags)]
    if _mode_follows(oflags):
        args.append(octal(u32(row["a3"]) & 0xFFFF))
    return args


def openat2(row: Row, opts: DecodeOptions) -> list[str]:
    how = unpack("<QQQ", parts(row).how)
    if how is None:
        how_text = ptr(row["a2"])
    else:
        oflags, mode, resolve = how
        fields = [f"flags={C.open_flags(oflags)}"]
        if _mode_follows(oflags) or mode:
            fields.append(f"mode={octal(mode)}")
        fields.append(f"resolve={flags(table('RESOLVE'), resolve, 'RESOLVE_???')}")
        how_text = "{" + ", ".join(fields) + "}"
    return [dirfd(row["a0"]), _path_arg(row, opts, "a1"), how_text, str(row["a3"] or 0)]


def creat(row: Row, opts: DecodeOptions) -> list[str]:
    return [_path_arg(row, opts, "a0"), octal(u32(row["a1"]) & 0xFFFF)]


def close(row: Row, opts: DecodeOptions) -> list[str]:
    return [fd(row["a0"])]


def close_range(row: Row, opts: DecodeOptions) -> list[str]:
    return [str(u32(row["a0"])), str(u32(row["a1"])), flags(table("CLOSE_RANGE"), u32(row["a2"]), "CLOSE_RANGE_???")]


# --- read, write ----------------------------------------------------------------------------------


def read(row: Row, opts: DecodeOptions) -> Decoded:
    ret = row["ret"]
    if succeeded(row):
        data = buf(row["data"], ret, opts, row["a1"])
    else:
        data = ptr(row["a1"])
    return split_at([fd(row["a0"]), data, str(row["a2"] or 0)], 1)


def write(row: Row, opts: DecodeOptions) -> list[str]:
    count = row["a2"] or 0
    return [fd(row["a0"]), buf(row["data"], count, opts, row["a1"]), str(count)]


def pread64(row: Row, opts: DecodeOptions) -> Decoded:
    args = read(row, opts).args
    args.append(str(s64(row["a3"])))
    return split_at(args, 1)


def pwrite64(row: Row, opts: DecodeOptions) -> list[str]:
    return [*write(row, opts), str(s64(row["a3"]))]


def _iov_out(row: Row, opts: DecodeOptions) -> str:
    if extras(row) is not None:
        return iov_arg(row, opts)
    if not succeeded(row):
        return ptr(row["a1"])
    return iovecs(part(row, _LEGACY_IOV), row["a2"] or 0, row["data"], row["ret"], opts, row["a1"])


def _iov_in(row: Row, opts: DecodeOptions) -> str:
    # Printed at entry: only what was known then (the bytes gathered), never the result.
    if extras(row) is not None:
        return iov_arg(row, opts)
    return iovecs(part(row, _LEGACY_IOV), row["a2"] or 0, row["data"], None, opts, row["a1"])


def readv(row: Row, opts: DecodeOptions) -> Decoded:
    return Decoded([fd(row["a0"]), _iov_out(row, opts), str(row["a2"] or 0)], entry=1)


def writev(row: Row, opts: DecodeOptions) -> list[str]:
    return [fd(row["a0"]), _iov_in(row, opts), str(row["a2"] or 0)]


def _rwf(v: int | None) -> str:
    return flags(table("RWF"), u32(v), "RWF_???")


def preadv(row: Row, opts: DecodeOptions) -> Decoded:
    return Decoded([*readv(row, opts).args, str(s64(row["a3"]))], entry=1)


def pwritev(row: Row, opts: DecodeOptions) -> list[str]:
    return [*writev(row, opts), str(s64(row["a3"]))]


def preadv2(row: Row, opts: DecodeOptions) -> Decoded:
    return Decoded([*preadv(row, opts).args, _rwf(row["a5"])], entry=1)


def pwritev2(row: Row, opts: DecodeOptions) -> list[str]:
    return [*pwritev(row, opts), _rwf(row["a5"])]


def lseek(row: Row, opts: DecodeOptions) -> list[str]:
    return [fd(row["a0"]), str(s64(row["a1"])), xlat(C.SEEK, u32(row["a2"]), "SEEK_???")]


# --- dup, pipe, fcntl, ioctl ----------------------------------------------------------------------


def dup(row: Row, opts: DecodeOptions) -> list[str]:
    return [fd(row["a0"])]


def dup2(row: Row, opts: DecodeOptions) -> list[str]:
    return [fd(row["a0"]), fd(row["a1"])]


def dup3(row: Row, opts: DecodeOptions) -> list[str]:
    return [fd(row["a0"]), fd(row["a1"]), flags(C.OPEN_FLAGS, u32(row["a2"]), "O_???")]


def pipe(row: Row, opts: DecodeOptions) -> Decoded:
    fds = parts(row).pipefd if succeeded(row) else None
    return Decoded([int_array(fds, row["a0"], 2)], entry=0)


def pipe2(row: Row, opts: DecodeOptions) -> Decoded:
    fds = parts(row).pipefd if succeeded(row) else None
    return Decoded([int_array(fds, row["a0"], 2), flags(C.OPEN_FLAGS, u32(row["a1"]), "O_???")], entry=0)


_F = C.FCNTL_CMD
_NO_ARG = {_F[n] for n in ("F_GETFD", "F_GETFL", "F_GETOWN", "F_GETSIG", "F_GETLEASE",
                           "F_GETPIPE_SZ", "F_GET_SEALS")}
_INT_ARG = {_F[n] for n in ("F_DUPFD", "F_DUPFD_CLOEXEC", "F_SETOWN", "F_SETPIPE_SZ")}
_LOCK_ARG = {_F[n] for n in ("F_GETLK", "F_SETLK", "F_SETLKW", "F_OFD_GETLK", "F_OFD_SETLK", "F_OFD_SETLKW")}


def _fd_flags(v: int) -> str:
    return flags(table("FD_FLAGS"), v, "FD_???")


_GETLK = {_F["F_GETLK"], _F["F_OFD_GETLK"]}
_LOCK_TYPES = {"F_RDLCK": 0, "F_WRLCK": 1, "F_UNLCK": 2}


def flock(data: bytes | None, addr: int, with_pid: bool) -> str:
    """struct flock: ``{l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=10}`` (and l_pid
    where the kernel reports the lock holder)."""
    v = unpack("<hh4xqqi", data)
    if v is None:
        return ptr(addr)
    ltype, whence, start, length, pid = v
    text = (f"{{l_type={xlat(_LOCK_TYPES, ltype & 0xFFFF, 'F_???')}, "
            f"l_whence={xlat(C.SEEK, whence & 0xFFFF, 'SEEK_???')}, l_start={start}, l_len={length}")
    return text + (f", l_pid={pid}}}" if with_pid else "}")


def _fcntl_lock(row: Row, args: list[str], cmd: int, arg: int) -> Decoded:
    """The lock commands: the struct flock as passed (F_SETLK…), or as the kernel filled it in
    (F_GETLK, printed at exit); recordings before the struct was captured show its address."""
    if not row["mem"]:
        return Decoded([*args, ptr(arg)])
    if cmd in _GETLK:
        shown = flock(parts(row).flock_out, arg, True) if succeeded(row) else ptr(arg)
        return Decoded([*args, shown], entry=2)
    return Decoded([*args, flock(parts(row).flock, arg, False)])


def fcntl(row: Row, opts: DecodeOptions) -> Decoded:
    cmd = u32(row["a1"])
    arg = row["a2"] or 0
    args = [fd(row["a0"]), xlat(_F, cmd, "F_???")]
    if cmd in _INT_ARG:
        args.append(str(s32(arg)))
    elif cmd == _F["F_SETFD"]:
        args.append(_fd_flags(u32(arg)))
    elif cmd == _F["F_SETFL"]:
        args.append(C.open_flags(u32(arg)))
    elif cmd == _F["F_SETSIG"]:
        args.append(signal(s32(arg)))
    elif cmd in _LOCK_ARG:
        return _fcntl_lock(row, args, cmd, arg)
    elif cmd not in _NO_ARG:
        args.append(xval(arg))
    ret = None
    if succeeded(row):
        value = row["ret"]
        if cmd == _F["F_GETFL"]:
            ret = f"{xval(value)} (flags {C.open_flags(value)})"
        elif cmd == _F["F_GETFD"] and value:
            ret = f"{xval(value)} (flags {_fd_flags(value)})"
    return Decoded(args, ret=ret)


_IOC_DIRS = ("_IOC_NONE", "_IOC_WRITE", "_IOC_READ", "_IOC_READ|_IOC_WRITE")


def ioctl_request(req: int) -> str:
    """The request's name, or strace's ``_IOC(dir, type, nr, size)`` decomposition."""
    name = C.enum_name(C.IOCTL, req)
    if name is not None:
        return name
    return (f"_IOC({_IOC_DIRS[(req >> 30) & 3]}, {xval((req >> 8) & 0xFF)}, "
            f"{xval(req & 0xFF)}, {xval((req >> 16) & 0x3FFF)})")


def ioctl(row: Row, opts: DecodeOptions) -> Decoded | list[str]:
    """The int of the requests that pass one (captures.IOCTL_INT): ``[2]``, read at entry or
    written by the call; any other argument's memory is not recorded: it is shown as the number
    strace prints for an argument it does not decode."""
    req = u32(row["a1"])
    head = [fd(row["a0"]), ioctl_request(req)]
    if req in captures.IOCTL_INT_OUT:
        value = parts(row).intarg if succeeded(row) else None
        return Decoded([*head, int_ptr(value, row["a2"]) if value is not None else ptr(row["a2"])], entry=2)
    if req in captures.IOCTL_INT_IN and row["mem"]:
        return [*head, int_ptr(parts(row).intarg, row["a2"])]
    return [*head, xval(row["a2"])]


# --- stat -----------------------------------------------------------------------------------------

_S_IFMT = 0o170000


def _file_types() -> dict[int, str]:
    types = table("S_IFMT")
    return {v: k for k, v in reversed(list(types.items()))}


_FILE_TYPES = _file_types()
_DEVICES = {v for v, k in _FILE_TYPES.items() if k in ("S_IFCHR", "S_IFBLK")}
_MODE_MEMO: dict[int, str] = {}


def file_mode(mode: int) -> str:
    """print_symbolic_mode_t: ``S_IFREG|0644``, ``S_IFDIR|S_ISVTX|0777``; the octal number when
    the file type is unknown."""
    text = _MODE_MEMO.get(mode)
    if text is not None:
        return text
    kind = mode & _S_IFMT
    type_name = _FILE_TYPES.get(kind) if kind else ""
    if type_name is None:
        text = octal(mode)
    else:
        special = "".join(name for bit, name in ((0o4000, "S_ISUID|"), (0o2000, "S_ISGID|"), (0o1000, "S_ISVTX|"))
                          if mode & bit)
        text = f"{type_name}{'|' if type_name else ''}{special}{octal(mode & 0o777)}"
    if len(_MODE_MEMO) < 65536:
        _MODE_MEMO[mode] = text
    return text


def _is_device(mode: int) -> bool:
    return mode & _S_IFMT in _DEVICES


def _makedev(dev: int) -> str:
    major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFF & 0xFFFFFFFF)
    minor = (dev & 0xFF) | ((dev >> 12) & ~0xFF & 0xFFFFFFFF)
    return f"makedev({xval(major)}, {xval(minor)})"


_STAT = struct.Struct("<24xI12xQq")


def stat_struct(data: bytes | None, addr: int | None) -> str:
    """struct stat abbreviated as strace prints it: mode, then size (or rdev for devices)."""
    if data is None or len(data) < _STAT.size:
        return ptr(addr)
    mode, rdev, size = _STAT.unpack_from(data)
    second = f"st_rdev={_makedev(rdev)}" if _is_device(mode) else f"st_size={size}"
    return f"{{st_mode={file_mode(mode)}, {second}, ...}}"


def statx_struct(data: bytes | None, addr: int | None) -> str:
    fields = unpack("<I4xQ12xH10xQ", data)
    if fields is None:
        return ptr(addr)
    mask, attributes, mode, size = fields
    return (f"{{stx_mask={flags(table('STATX_MASK'), mask, 'STATX_???')}, "
            f"stx_attributes={flags(table('STATX_ATTR'), attributes, 'STATX_ATTR_???')}, "
            f"stx_mode={file_mode(mode)}, stx_size={size}, ...}}")


def _stat_out(row: Row, arg: str) -> str:
    return stat_struct(part(row, _STATBUF) if succeeded(row) else None, row[arg])


def stat(row: Row, opts: DecodeOptions) -> Decoded:
    return split_at([_path_arg(row, opts, "a0"), _stat_out(row, "a1")], 1)


def fstat(row: Row, opts: DecodeOptions) -> Decoded:
    return split_at([fd(row["a0"]), _stat_out(row, "a1")], 1)


def newfstatat(row: Row, opts: DecodeOptions) -> Decoded:
    # The most frequent call of many programs (every stat() of glibc): kept lean.
    out = part(row, _STATBUF) if succeeded(row) else None
    return split_at(
        [dirfd(row["a0"]), path(row["path"], opts, row["a1"]), stat_struct(out, row["a2"]),
         flags(C.AT_FLAGS, u32(row["a3"]), "AT_???")],
        2,
    )


def _statx_flags(v: int) -> str:
    sync_mask = C.AT_STATX["AT_STATX_SYNC_TYPE"]
    sync = xlat(C.AT_STATX, v & sync_mask, "AT_STATX_???")
    rest = v & ~sync_mask
    return f"{sync}|{flags(C.AT_FLAGS, rest, 'AT_???')}" if rest else sync


def statx(row: Row, opts: DecodeOptions) -> Decoded:
    out = parts(row).statxbuf if succeeded(row) else None
    return Decoded(
        [dirfd(row["a0"]), _path_arg(row, opts, "a1"), _statx_flags(u32(row["a2"])),
         flags(table("STATX_MASK"), u32(row["a3"]), "STATX_???"), statx_struct(out, row["a4"])],
        entry=4,
    )


# --- paths ----------------------------------------------------------------------------------------


def _access_mode(v: int) -> str:
    return flags(C.ACCESS, v, "?_OK")


def access(row: Row, opts: DecodeOptions) -> list[str]:
    return [_path_arg(row, opts, "a0"), _access_mode(u32(row["a1"]))]


def faccessat(row: Row, opts: DecodeOptions) -> list[str]:
    return [dirfd(row["a0"]), _path_arg(row, opts, "a1"), _access_mode(u32(row["a2"]))]


# faccessat2's 0x200 is AT_EACCESS, not AT_REMOVEDIR (the table's first name for it).
_FACCESSAT2_FLAGS = {k: v for k, v in C.AT_FLAGS.items() if k != "AT_REMOVEDIR"}


def faccessat2(row: Row, opts: DecodeOptions) -> list[str]:
    return [*faccessat(row, opts), flags(_FACCESSAT2_FLAGS, u32(row["a3"]), "AT_???")]


def _link_target(row: Row, arg: str, opts: DecodeOptions) -> str:
    data = parts(row).buf if succeeded(row) else None
    return buf(data, row["ret"], opts, row[arg]) if data is not None else ptr(row[arg])


def readlink(row: Row, opts: DecodeOptions) -> Decoded:
    return Decoded([_path_arg(row, opts, "a0"), _link_target(row, "a1", opts), str(row["a2"] or 0)], entry=1)


def readlinkat(row: Row, opts: DecodeOptions) -> Decoded:
    return Decoded(
        [dirfd(row["a0"]), _path_arg(row, opts, "a1"), _link_target(row, "a2", opts), str(row["a3"] or 0)],
        entry=2,
    )


def getcwd(row: Row, opts: DecodeOptions) -> Decoded:
    data = parts(row).buf if succeeded(row) else None
    text = path(data, opts) if data is not None else ptr(row["a0"])
    return Decoded([text, str(row["a1"] or 0)], entry=0)


def _one_path(row: Row, opts: DecodeOptions) -> list[str]:
    return [_path_arg(row, opts, "a0")]


def unlinkat(row: Row, opts: DecodeOptions) -> list[str]:
    return [dirfd(row["a0"]), _path_arg(row, opts, "a1"), flags(C.AT_FLAGS, u32(row["a2"]), "AT_???")]


def mkdir(row: Row, opts: DecodeOptions) -> list[str]:
    return [_path_arg(row, opts, "a0"), octal(u32(row["a1"]) & 0xFFFF)]


def mkdirat(row: Row, opts: DecodeOptions) -> list[str]:
    return [dirfd(row["a0"]), _path_arg(row, opts, "a1"), octal(u32(row["a2"]) & 0xFFFF)]


def rename(row: Row, opts: DecodeOptions) -> list[str]:
    return [_path_arg(row, opts, "a0"), _second_path(row, opts, "a1")]


def renameat(row: Row, opts: DecodeOptions) -> list[str]:
    return [dirfd(row["a0"]), _path_arg(row, opts, "a1"), dirfd(row["a2"]), _second_path(row, opts, "a3")]


def renameat2(row: Row, opts: DecodeOptions) -> list[str]:
    return [*renameat(row, opts), flags(table("RENAME"), u32(row["a4"]), "RENAME_???")]


def linkat(row: Row, opts: DecodeOptions) -> list[str]:
    return [*renameat(row, opts), flags(C.AT_FLAGS, u32(row["a4"]), "AT_???")]


def symlinkat(row: Row, opts: DecodeOptions) -> list[str]:
    return [_path_arg(row, opts, "a0"), dirfd(row["a1"]), _second_path(row, opts, "a2")]


def chmod(row: Row, opts: DecodeOptions) -> list[str]:
    return [_path_arg(row, opts, "a0"), octal(u32(row["a1"]) & 0xFFFF)]


def fchmod(row: Row, opts: DecodeOptions) -> list[str]:
    return [fd(row["a0"]), octal(u32(row["a1"]) & 0xFFFF)]


def fchmodat(row: Row, opts: DecodeOptions) -> list[str]:
    return [dirfd(row["a0"]), _path_arg(row, opts, "a1"), octal(u32(row["a2"]) & 0xFFFF)]


def _id(v: int | None) -> str:
    return str(s32(v))


def chown(row: Row, opts: DecodeOptions) -> list[str]:
    return [_path_arg(row, opts, "a0"), _id(row["a1"]), _id(row["a2"])]


def fchown(row: Row, opts: DecodeOptions) -> list[str]:
    return [fd(row["a0"]), _id(row["a1"]), _id(row["a2"])]


def fchownat(row: Row, opts: DecodeOptions) -> list[str]:
    return [dirfd(row["a0"]), _path_arg(row, opts, "a1"), _id(row["a2"]), _id(row["a3"]),
            flags(C.AT_FLAGS, u32(row["a4"]), "AT_???")]


def truncate(row: Row, opts: DecodeOptions) -> list[str]:
    return [_path_arg(row, opts, "a0"), str(s64(row["a1"]))]


def ftruncate(row: Row, opts: DecodeOptions) -> list[str]:
    return [fd(row["a0"]), str(s64(row["a1"]))]


def umask(row: Row, opts: DecodeOptions) -> Decoded:
    ret = octal(row["ret"]) if succeeded(row) else None
    return Decoded([octal(u32(row["a0"]) & 0xFFFF)], ret=ret)


def getdents64(row: Row, opts: DecodeOptions) -> Decoded:
    """The directory entries are not recorded: their address is shown."""
    return Decoded([fd(row["a0"]), ptr(row["a1"]), str(u32(row["a2"]))], entry=1)


def utimensat(row: Row, opts: DecodeOptions) -> list[str]:
    where = _path_arg(row, opts, "a1") if row["a1"] else "NULL"
    return [dirfd(row["a0"]), where, ptr(row["a2"]), flags(C.AT_FLAGS, u32(row["a3"]), "AT_???")]


def _xattr_name(row: Row, opts: DecodeOptions, arg: str) -> str:
    return path(part(row, _LEGACY_XATTR_NAME), opts, row[arg])


def getxattr(row: Row, opts: DecodeOptions) -> Decoded:
    """Path and attribute name (when captured), then the value's address and its size."""
    return split_at([_path_arg(row, opts, "a0"), _xattr_name(row, opts, "a1"), ptr(row["a2"]), str(row["a3"] or 0)], 2)


def fgetxattr(row: Row, opts: DecodeOptions) -> Decoded:
    return split_at([fd(row["a0"]), _xattr_name(row, opts, "a1"), ptr(row["a2"]), str(row["a3"] or 0)], 2)


def listxattr(row: Row, opts: DecodeOptions) -> Decoded:
    return split_at([_path_arg(row, opts, "a0"), ptr(row["a1"]), str(row["a2"] or 0)], 1)


def sendfile(row: Row, opts: DecodeOptions) -> list[str]:
    return [fd(row["a0"]), fd(row["a1"]), ptr(row["a2"]), str(row["a3"] or 0)]


def statfs(row: Row, opts: DecodeOptions) -> Decoded:
    return Decoded([_path_arg(row, opts, "a0"), ptr(row["a1"])], entry=1)


def fstatfs(row: Row, opts: DecodeOptions) -> Decoded:
    return Decoded([fd(row["a0"]), ptr(row["a1"])], entry=1)
