"""The fallback for every call without a decoder: its raw arguments in hex, as strace prints a
call it does not decode (``0`` stays ``0``), as many as the call takes (the system call table's
``nargs``, strace's count); six for a number the table does not know."""
from __future__ import annotations

from renacer.schema.nargs_x86_64 import NARGS

from .common import DecodeOptions, Row, xval

_ARGS = tuple(f"a{i}" for i in range(6))


def decode(row: Row, opts: DecodeOptions) -> list[str]:
    n = NARGS.get(row["name"] or "", 6)
    return [xval(row[a]) for a in _ARGS[:n]]
