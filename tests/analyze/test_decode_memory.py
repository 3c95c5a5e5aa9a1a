"""Memory decoders print what strace 6.1 prints: addresses in hex, lengths in decimal."""
from __future__ import annotations

import pytest

from renacer.analyze.decode import DecodeOptions, decode, format_return
from tests.analyze.rows import make_row

PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS, MAP_DENYWRITE, MAP_STACK = 2, 0x10, 0x20, 0x800, 0x20000


def text(row: dict) -> str:
    d = decode(row, DecodeOptions())
    return f"{row['name']}({', '.join(d.args)}) = {format_return(row, d)}"


CALLS = {
    "mmap anonymous": (make_row("mmap", 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0,
                                ret=0x7F8BD6405000),
                       "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f8bd6405000"),
    "mmap file at an offset": (make_row("mmap", 0x7FA9BDE26000, 1400832, PROT_READ | PROT_EXEC,
                                        MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE, 3, 0x26000, ret=0x7FA9BDE26000),
                               "mmap(0x7fa9bde26000, 1400832, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, "
                               "0x26000) = 0x7fa9bde26000"),
    "mmap PROT_NONE stack": (make_row("mmap", 0, 8392704, 0, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0,
                                      ret=0x7FEE4942A000),
                             "mmap(NULL, 8392704, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0) = 0x7fee4942a000"),
    "mmap failure is an errno, not an address": (
        make_row("mmap", 0, 1 << 40, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, err="ENOMEM"),
        "mmap(NULL, 1099511627776, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = -1 ENOMEM (Cannot allocate memory)"),
    "mprotect": (make_row("mprotect", 0x7FA9BDFCF000, 16384, PROT_READ), "mprotect(0x7fa9bdfcf000, 16384, PROT_READ) = 0"),
    "munmap": (make_row("munmap", 0x7FA9BDFE2000, 34547), "munmap(0x7fa9bdfe2000, 34547) = 0"),
    "brk query": (make_row("brk", 0, ret=0x56230AB15000), "brk(NULL) = 0x56230ab15000"),
    "brk grow": (make_row("brk", 0x564A00D89000, ret=0x564A00D89000), "brk(0x564a00d89000) = 0x564a00d89000"),
    "madvise": (make_row("madvise", 0x7FEE4942A000, 8368128, 4), "madvise(0x7fee4942a000, 8368128, MADV_DONTNEED) = 0"),
    "mremap": (make_row("mremap", 0x7F0000000000, 4096, 8192, 1, 0, ret=0x7F0000100000),
               "mremap(0x7f0000000000, 4096, 8192, MREMAP_MAYMOVE) = 0x7f0000100000"),
    "unknown prot bit": (make_row("mprotect", 0x1000, 4096, 0x40), "mprotect(0x1000, 4096, 0x40 /* PROT_??? */) = 0"),
}


@pytest.mark.parametrize("row, expected", CALLS.values(), ids=CALLS.keys())
def test_memory_call_matches_strace(row: dict, expected: str) -> None:
    assert text(row) == expected
