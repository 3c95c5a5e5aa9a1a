"""Memory calls: mmap, mprotect, munmap, brk, mremap, madvise, …

Formats follow strace 6.1 (mem.c): addresses in hex, lengths in decimal, and a hex return value
for the calls that return an address.
"""
from __future__ import annotations

import functools

from renacer.schema import constants as C

from .common import Decoded, DecodeOptions, Row, flags, ptr, returning, s32, succeeded, u32, xlat, xval


def _address_ret(row: Row) -> str | None:
    return xval(row["ret"]) if succeeded(row) else None


def _prot(v: int | None) -> str:
    return flags(C.PROT, u32(v), "PROT_???")


def mmap(row: Row, opts: DecodeOptions) -> Decoded:
    return returning(
        [ptr(row["a0"]), str(row["a1"] or 0), _prot(row["a2"]), _map_flags(u32(row["a3"])),
         str(s32(row["a4"])), xval(row["a5"])],
        _address_ret(row),
    )


_map_flags = functools.lru_cache(maxsize=4096)(C.mmap_flags)


def mprotect(row: Row, opts: DecodeOptions) -> list[str]:
    return [ptr(row["a0"]), str(row["a1"] or 0), _prot(row["a2"])]


def munmap(row: Row, opts: DecodeOptions) -> list[str]:
    return [ptr(row["a0"]), str(row["a1"] or 0)]


def brk(row: Row, opts: DecodeOptions) -> Decoded:
    return returning([ptr(row["a0"])], _address_ret(row))


def mremap(row: Row, opts: DecodeOptions) -> Decoded:
    v = u32(row["a3"])
    args = [ptr(row["a0"]), str(row["a1"] or 0), str(row["a2"] or 0), flags(C.MREMAP, v, "MREMAP_???")]
    if v & C.MREMAP.get("MREMAP_FIXED", 0):
        args.append(ptr(row["a4"]))
    return Decoded(args, ret=_address_ret(row))


def madvise(row: Row, opts: DecodeOptions) -> list[str]:
    return [ptr(row["a0"]), str(row["a1"] or 0), xlat(C.MADVISE, s32(row["a2"]), "MADV_???")]


def msync(row: Row, opts: DecodeOptions) -> list[str]:
    return [ptr(row["a0"]), str(row["a1"] or 0), flags(C.MSYNC, u32(row["a2"]), "MS_???")]


def mlockall(row: Row, opts: DecodeOptions) -> list[str]:
    return [flags(C.MLOCKALL, u32(row["a0"]), "MCL_???")]
