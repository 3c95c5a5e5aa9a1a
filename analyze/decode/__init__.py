"""Argument decoders: one small function per system call, looked up by name.

``decode(row, options)`` turns a recorded row into the argument strings strace would print, from
the recorded columns only (registers, ``data``, ``sockaddr``, ``path``, ``mem`` parts), so a
trace decodes identically on any machine. A call without a decoder, and any decoder that fails
on odd data, falls back to raw hex arguments: decoding never raises.

The registry is data: each family module exports ``DECODERS`` (name -> function) and this module
merges them. To support a new call, add a function to its family and one entry to that dict.
A decoder takes ``(row, DecodeOptions)`` and returns the argument strings (all printed when the
call enters), or a ``Decoded`` saying which are printed at exit and how to show the return value.
"""
from __future__ import annotations

from renacer.schema import constants as C
from renacer.schema.trace import failed

from . import files, generic, memory, processes, signals, sockets
from .common import Decoded, DecodeOptions, Decoder, Row

__all__ = [
    "DECODERS", "Decoded", "DecodeOptions", "Decoder", "Row", "decode", "decode_fast", "error_parts",
    "format_return", "libc_return",
]

DECODERS: dict[str, Decoder] = {
    **files.DECODERS,
    **sockets.DECODERS,
    **processes.DECODERS,
    **memory.DECODERS,
    **signals.DECODERS,
}

_ERESTART = frozenset(
    C.ERRNO_KERNEL[n] for n in ("ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND", "ERESTART_RESTARTBLOCK")
)


_ERROR_TEXT: dict[tuple[int, str, str], str] = {}  # strerror() is slow enough to matter per line
_ERROR_BY_RET: dict[tuple[int, str], str] = {}


def decode_fast(row: Row, options: DecodeOptions) -> Decoded | list[str]:
    """``decode`` without wrapping a plain argument list (the renderer's hot path)."""
    fn = DECODERS.get(row["name"])
    if fn is not None:
        try:
            return fn(row, options)
        except Exception:  # odd recorded bytes must never stop a replay
            pass
    return generic.decode(row, options)


def decode(row: Row, options: DecodeOptions) -> Decoded:
    """The call's arguments as strace prints them (never raises)."""
    result = decode_fast(row, options)
    return result if result.__class__ is Decoded else Decoded(list(result))


def error_parts(row: Row) -> tuple[int, str] | None:
    """(errno, name) when the call failed, else None."""
    ret = row["ret"]
    if not failed(ret):
        return None
    err = -ret
    return err, C.errno_name(err) or row["errno"] or f"E{err}"


def format_return(row: Row, decoded: Decoded, style: str = "strace") -> str:
    """What follows ``= ``: ``3``, ``0x7f…``, ``-1 ECONNREFUSED (Connection refused)``,
    ``? ERESTARTSYS (…)``; with ``style="short"`` errors read ``-ECONNREFUSED``. ``?`` when the
    call never returned."""
    ret = row["ret"]
    if ret is None or row["exit_seq"] is None:
        return "?"
    cached = _ERROR_BY_RET.get((ret, style))
    if cached is not None:
        return cached
    failure = error_parts(row)
    if failure is None:
        return decoded.ret if decoded.ret is not None else str(ret)
    err, name = failure
    key = (err, name, style)
    text = _ERROR_TEXT.get(key)
    if text is None:
        if style == "short":
            text = f"-{name}"
        elif err in _ERESTART:
            text = f"? {name} ({C.errno_message(err)})"
        else:
            text = f"-1 {name} ({C.errno_message(err)})"
        _ERROR_TEXT[key] = text
        if C.errno_name(err):  # the text depends on ret alone: skip the lookups next time
            _ERROR_BY_RET[(ret, style)] = text
    return text


def libc_return(row: Row) -> tuple[int | None, str | None]:
    """(value, error) as a C program sees them: -1 and the errno name on failure."""
    failure = error_parts(row)
    if failure is not None:
        return -1, failure[1]
    return row["ret"], None
