"""Argument decoders: one small function per system call, looked up by name.

``decode(row, options)`` turns a recorded row into the argument strings strace would print, from
the recorded columns only (registers, ``data``, ``sockaddr``, ``path``, ``mem`` parts), so a
trace decodes identically on any machine. A call without a decoder, and any decoder that fails
on odd data, falls back to raw hex arguments: decoding never raises.

The registry is derived from the system call table (schema/syscall_table.py): each call's
``decoder`` names a function of a family module here (``"files.open_"``). To support a new call,
add a function to its family and name it in the call's table row.
A decoder takes ``(row, DecodeOptions)`` and returns the argument strings (all printed when the
call enters), or a ``Decoded`` saying which are printed at exit and how to show the return value.
"""
from __future__ import annotations

from renacer.schema import constants as C
from renacer.schema.syscall_table import DECODER_REFS
from renacer.schema.trace import failed

from . import fdcalls, files, generic, memory, netlink, processes, signals, sockets
from .common import Decoded, DecodeOptions, Decoder, Row

__all__ = [
    "DECODERS", "Decoded", "DecodeOptions", "Decoder", "Row", "decode", "decode_fast", "error_parts",
    "format_return", "libc_return",
]

_FAMILIES = {"files": files, "sockets": sockets, "netlink": netlink, "processes": processes, "memory": memory,
             "signals": signals, "fdcalls": fdcalls}


def _resolve(refs: dict[str, str]) -> dict[str, Decoder]:
    """name -> decoder function from the table's ``"family.function"`` references; a reference
    that names no function is an error at import, not a call silently printed raw."""
    out: dict[str, Decoder] = {}
    for name, ref in refs.items():
        family, _, function = ref.partition(".")
        fn = getattr(_FAMILIES[family], function, None) if family in _FAMILIES else None
        if not callable(fn):
            raise ImportError(f"syscall_table: {name}'s decoder {ref!r} is not a function of analyze/decode/")
        out[name] = fn
    return out


DECODERS: dict[str, Decoder] = _resolve(DECODER_REFS)

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
    return result if isinstance(result, Decoded) else Decoded(list(result))


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
