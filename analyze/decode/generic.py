"""The fallback for every call without a decoder: its raw arguments in hex, as strace prints a
call it does not decode (``0`` stays ``0``)."""
from __future__ import annotations

from renacer.schema import syscalls_x86_64

from .common import DecodeOptions, Row, xval

# Argument counts per syscall, when the schema provides them; six otherwise.
_NARGS: dict[str, int] = getattr(syscalls_x86_64, "NARGS", {})


def decode(row: Row, opts: DecodeOptions) -> list[str]:
    n = _NARGS.get(row["name"] or "", 6)
    return [xval(row[f"a{i}"]) for i in range(n)]
