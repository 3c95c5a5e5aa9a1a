"""Descriptor-creating and pipe calls strace decodes and the generic decoder would print as six raw
registers: eventfd2, signalfd4, timerfd_create/settime/gettime, splice (strace 6.1's formats).

Arguments the kernel reads as ``int``/``unsigned int`` are cut to their low 32 bits, as the kernel
cuts them (a register's upper half is whatever the caller left there). The memory these calls
point to is captured per schema/captures.py: signalfd4's mask at entry, timerfd_settime's new
value at entry and old value at exit, timerfd_gettime's value at exit.
"""
from __future__ import annotations

import struct

from renacer.schema import constants as C

from . import files
from .common import Decoded, DecodeOptions, Row, fd, flags, parts, ptr, s32, sigmask, succeeded, table, u32, xlat


def _itimerspec(data: bytes | None, addr: int | None) -> str:
    if not addr:
        return "NULL"
    if data is None or len(data) < 32:
        return ptr(addr)
    isec, insec, vsec, vnsec = struct.unpack_from("<qqqq", data)
    return (f"{{it_interval={{tv_sec={isec}, tv_nsec={insec}}}, "
            f"it_value={{tv_sec={vsec}, tv_nsec={vnsec}}}}}")


def eventfd2(row: Row, opts: DecodeOptions) -> list[str]:
    return [str(u32(row["a0"])), flags(table("EFD"), u32(row["a1"]), "EFD_???")]


def signalfd4(row: Row, opts: DecodeOptions) -> list[str]:
    return [fd(row["a0"]), sigmask(parts(row).mask, row["a1"]), str(row["a2"] or 0),
            flags(table("SFD"), u32(row["a3"]), "SFD_???")]


def timerfd_create(row: Row, opts: DecodeOptions) -> list[str]:
    return [xlat(C.CLOCK, u32(row["a0"]), "CLOCK_???"), flags(table("TFD"), u32(row["a1"]), "TFD_???")]


def timerfd_settime(row: Row, opts: DecodeOptions) -> Decoded:
    p = parts(row)
    old = p.old if succeeded(row) else None
    return Decoded(
        [fd(row["a0"]), flags(table("TFD_TIMER"), u32(row["a1"]), "TFD_TIMER_???"),
         _itimerspec(p.new, row["a2"]), _itimerspec(old, row["a3"])],
        entry=3,
    )


def timerfd_gettime(row: Row, opts: DecodeOptions) -> Decoded:
    value = parts(row).curr if succeeded(row) else None
    return Decoded([fd(row["a0"]), _itimerspec(value, row["a1"])], entry=1)


def splice(row: Row, opts: DecodeOptions) -> list[str]:
    """The offsets show as pointers (their loff_t is not recorded); flags are an unsigned int."""
    return [str(s32(row["a0"])), ptr(row["a1"]), str(s32(row["a2"])), ptr(row["a3"]),
            str(row["a4"] or 0), flags(table("SPLICE_F"), u32(row["a5"]), "SPLICE_F_???")]


_F_GETLEASE = C.FCNTL_CMD["F_GETLEASE"]
_LEASES = {0: "F_RDLCK", 1: "F_WRLCK", 2: "F_UNLCK"}  # asm-generic/fcntl.h's lock types


def fcntl(row: Row, opts: DecodeOptions) -> Decoded:
    """files.fcntl, and F_GETLEASE's return annotated as strace does: ``= 0x2 (F_UNLCK)``."""
    decoded = files.fcntl(row, opts)
    result = decoded if isinstance(decoded, Decoded) else Decoded(list(decoded))
    ret = row["ret"]
    if u32(row["a1"]) == _F_GETLEASE and succeeded(row) and ret in _LEASES:
        return Decoded(result.args, result.entry, f"{hex(ret)} ({_LEASES[ret]})", result.entry_sep, result.late)
    return result
