"""Shared pieces of the argument decoders: the result type, options, and strace's formatting
primitives (quoted strings, addresses, integers, flag sets, signal masks).

Everything here works on recorded values only, so a trace decodes the same on any machine.
"""
from __future__ import annotations

import os
import re
import struct
from typing import Any, Callable, Mapping, NamedTuple, Protocol, Union

from renacer.schema import constants as C
from renacer.schema.syscall_table import EXTRAS, PARTS
from renacer.schema.trace import MEM_EXTRAS, MEM_UNREADABLE, failed, split_mem, split_mem_extras

U64 = (1 << 64) - 1


class Row(Protocol):
    """A trace row: anything indexable by the schema's column names (dict, RowView, …)."""

    def __getitem__(self, key: str) -> Any: ...


class DecodeOptions:
    """The decoders' options. A plain class, not a dataclass: dataclasses (+inspect) is ~5 ms of
    every live start-up. Equal and hashed by ``string_size`` and ``xflag`` only."""

    __slots__ = ("string_size", "xflag", "interfaces", "sockets")

    def __init__(self, string_size: int = 32, xflag: int = 0, interfaces: Mapping[int, str] | None = None,
                 sockets: Any = None) -> None:
        self.string_size = string_size  # strace's -s: bytes of each string, elements of each array
        self.xflag = xflag  # strace's -x (1: hex strings with non-ASCII bytes) and -xx (2: all hex)
        # The recording host's interfaces (index -> name, from the trace's metadata): strace names
        # an interface index by asking the running system, a trace by what the recorder saw.
        self.interfaces = interfaces
        # What the renderer learned so far of each process's sockets (fd -> family and protocol),
        # for the calls whose bytes depend on it (netlink messages); None: nothing known.
        self.sockets = sockets

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DecodeOptions):
            return NotImplemented
        return (self.string_size, self.xflag) == (other.string_size, other.xflag)

    def __hash__(self) -> int:
        return hash((self.string_size, self.xflag))

    def __repr__(self) -> str:
        return f"DecodeOptions(string_size={self.string_size}, xflag={self.xflag})"


class Decoded(NamedTuple):
    """What a decoder returns.

    ``entry`` is how many of ``args`` strace prints when the call enters; the rest it prints when
    the call returns (``read(3, `` … ``<... read resumed>"data", 4) = 4``). None means all of
    them. ``entry_sep`` False means the comma after the entry arguments belongs to the exit part
    (clone prints ``clone(child_stack=NULL, flags=…`` then ``, child_tidptr=…)``). ``ret``
    replaces the rendering of a successful return value (hex addresses, ``1 ([{fd=3, …}])``).
    ``late`` is how many trailing characters of the last entry argument strace prints only at
    exit (clone3's `` => {parent_tid=[N]}``), so an unfinished line shows the argument without them.
    """

    args: list[str]
    entry: int | None = None
    ret: str | None = None
    entry_sep: bool = True
    late: int = 0


_tuple_new = tuple.__new__


def split_at(args: list[str], entry: int) -> Decoded:
    """``Decoded(args, entry)`` without the keyword-argument machinery: hot decoders call it for
    every line."""
    return _tuple_new(Decoded, (args, entry, None, True, 0))


def returning(args: list[str], ret: str | None) -> Decoded:
    """``Decoded(args, ret=ret)``, all arguments printed at entry (hot path, see split_at)."""
    return _tuple_new(Decoded, (args, None, ret, True, 0))


DecodeResult = Union[Decoded, list]
Decoder = Callable[[Row, DecodeOptions], DecodeResult]


# --- integers and pointers ----------------------------------------------------------------------


def s64(v: int | None) -> int:
    """A register as a signed 64-bit number."""
    v = (v or 0) & U64
    return v - (1 << 64) if v >> 63 else v


def s32(v: int | None) -> int:
    """The low 32 bits of a register as a C int (fds, pids, ints passed in 64-bit registers)."""
    v = (v or 0) & 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


def u32(v: int | None) -> int:
    return (v or 0) & 0xFFFFFFFF


def ptr(v: int | None) -> str:
    """A pointer as strace prints it: ``NULL`` or ``0x7ffd…``."""
    v = (v or 0) & U64
    return hex(v) if v else "NULL"


def xval(v: int | None) -> str:
    """An undecoded argument: ``%#lx`` (``0`` stays ``0``)."""
    v = (v or 0) & U64
    return hex(v) if v else "0"


def octal(v: int) -> str:
    """A file mode: ``%#03o`` (``0644``, ``000``)."""
    return "0%02o" % v if v else "000"


def fd(v: int | None) -> str:
    if v is None:
        return "0"
    v &= 0xFFFFFFFF
    return str(v - 0x100000000 if v & 0x80000000 else v)


_AT_FDCWD = C.AT_FD["AT_FDCWD"] & 0xFFFFFFFF


def dirfd(v: int | None) -> str:
    if v is not None and v & 0xFFFFFFFF == _AT_FDCWD:
        return "AT_FDCWD"
    return fd(v)


# --- tables ---------------------------------------------------------------------------------------


_TABLES: dict[str, Mapping[str, int]] = {}


def table(name: str) -> Mapping[str, int]:
    """The constant table ``name`` of schema.constants; a name it lacks is a LookupError (a
    decoder must not print numbers silently because a table went missing)."""
    found = _TABLES.get(name)
    if found is None:
        found = C.TABLES.get(name)
        if found is None:
            found = getattr(C, name, None)
        if not isinstance(found, Mapping):
            raise LookupError(f"schema.constants has no table {name}")
        _TABLES[name] = found
    return found


def xlat(table_: Mapping[str, int], v: int, unknown: str | None = None) -> str:
    """printxval: the name of v, else ``%#x /* AF_??? */`` (or the plain number without a
    ``unknown`` placeholder, which is how strace prints values of tables it lacks)."""
    name = C.enum_name(table_, v) if table_ else None
    if name is not None:
        return name
    return f"{xval(v)} /* {unknown} */" if unknown else str(v)


_FLAGS_MEMO: dict[tuple[int, int, str | None], str] = {}


def flags(table_: Mapping[str, int], v: int, unknown: str | None = None) -> str:
    """printflags: ``A|B|0x40``; when no flag is known, ``0x40 /* O_??? */``."""
    key = (id(table_), v, unknown)
    text = _FLAGS_MEMO.get(key)
    if text is not None:
        return text
    text = C.flag_names(table_, v) if table_ else xval(v)
    if unknown and text.startswith("0x"):
        text = f"{text} /* {unknown} */"
    if len(_FLAGS_MEMO) > 65536:  # flag values repeat; odd data must not grow this forever
        _FLAGS_MEMO.clear()
    _FLAGS_MEMO[key] = text
    return text


# --- strings --------------------------------------------------------------------------------------

_PLAIN = re.compile(rb'[^\x20-\x21\x23-\x5b\x5d-\x7e]')  # anything needing an escape
# Bytes with no letter escape, followed by an octal digit: strace writes them with three digits
# so the digit cannot be read as part of the escape ("\0031" is \3 then "1").
_OCTAL_BEFORE_DIGIT = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f-\xff](?=[0-7])")
_LETTER = {0x22: '\\"', 0x5C: "\\\\", 0x0C: "\\f", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x0B: "\\v"}
_SHORT = [_LETTER.get(c) or (chr(c) if 0x20 <= c < 0x7F else "\\" + oct(c)[2:]) for c in range(256)]
_LONG_OCT = ["\\%03o" % c for c in range(256)]
_HEX = ["\\x%02x" % c for c in range(256)]


def _needs_hex(data: bytes) -> bool:
    """-x: hex-quote the whole string if any byte is neither printable nor whitespace."""
    return any(c > 0x7E or (c < 0x20 and not 9 <= c <= 13) for c in data)


def _escape(data: bytes, xflag: int) -> str:
    if xflag and (xflag >= 2 or _needs_hex(data)):
        return "".join([_HEX[c] for c in data])
    if not _PLAIN.search(data):
        return data.decode("ascii")
    if not _OCTAL_BEFORE_DIGIT.search(data):
        # str.translate runs the per-byte table in C: the hot path of binary buffers.
        return data.decode("latin-1").translate(_SHORT)
    parts = [_SHORT[c] for c in data]
    for m in _OCTAL_BEFORE_DIGIT.finditer(data):
        i = m.start()
        parts[i] = _LONG_OCT[data[i]]
    return "".join(parts)


def quote(data: bytes, opts: DecodeOptions) -> str:
    """All of ``data`` as a strace string literal (no -s limit: sockaddr paths, sa_data)."""
    return '"' + _escape(data, opts.xflag) + '"'


def buf(data: bytes | None, total: int | None, opts: DecodeOptions, addr: int | None = None) -> str:
    """A buffer of ``total`` bytes of which ``data`` were captured: the first -s bytes quoted,
    ``...`` when more exist. Without captured bytes the address."""
    if data is None:
        return ptr(addr)
    n = len(data)
    limit = opts.string_size
    if total is None:
        total = n
    if n > limit or n > total:
        n = max(min(limit, total), 0)
        data = data[:n]
    return f'"{_escape(data, opts.xflag)}"...' if total > n else f'"{_escape(data, opts.xflag)}"'


def cstr(data: bytes | None, opts: DecodeOptions, addr: int | None = None, limit: bool = True) -> str:
    """A NUL-terminated string (argv entries: -s limited; paths: ``limit=False``)."""
    if data is None:
        return ptr(addr)
    nul = data.find(b"\0")
    if nul >= 0:
        data = data[:nul]
    if limit and len(data) > opts.string_size:
        return '"' + _escape(data[: opts.string_size], opts.xflag) + '"...'
    return '"' + _escape(data, opts.xflag) + '"'


_PLAIN_STR = re.compile(r'[^\x20-\x21\x23-\x5b\x5d-\x7e]')


def path(value: str | bytes | None, opts: DecodeOptions, addr: int | None = None) -> str:
    """A path argument, never cut at -s (strace prints whole paths)."""
    if value is None:
        return ptr(addr)
    if value.__class__ is str and not opts.xflag and not _PLAIN_STR.search(value):
        return f'"{value}"'  # printable ASCII: nothing to escape (the common case)
    data = os.fsencode(value) if isinstance(value, str) else value
    return cstr(data, opts, limit=False)


# --- mem parts ------------------------------------------------------------------------------------


def mem_parts(row: Row) -> list[bytes | None]:
    return split_mem(row["mem"])


_LEN = struct.Struct("<I")


def part(row: Row, index: int) -> bytes | None:
    """Part ``index`` of the row's ``mem`` (None when missing or unreadable), without splitting
    the parts before it."""
    mem = row["mem"]
    if not mem:
        return None
    pos, n, i = 0, len(mem), 0
    if n >= 8 and _LEN.unpack_from(mem, 0)[0] == MEM_EXTRAS:  # extras follow the base parts
        if index >= _LEN.unpack_from(mem, 4)[0]:
            return None
        pos = 8
    while pos + 4 <= n:
        (length,) = _LEN.unpack_from(mem, pos)
        pos += 4
        if length == MEM_UNREADABLE:
            if i == index:
                return None
        else:
            if i == index:
                return bytes(mem[pos:pos + length])
            pos += length
        i += 1
    return None


def extras(row: Row) -> list[bytes | None] | None:
    """The row's extra parts (schema/captures.py ``EXTRAS``), or None for a recording made
    before they existed: decoders then print what the base parts allow, as before."""
    return split_mem_extras(row["mem"])[1]


def extra(xs: list[bytes | None] | None, index: int) -> bytes | None:
    return xs[index] if xs is not None and index < len(xs) else None


_PART_INDEX: dict[str, dict[str, int]] = {name: {p: i for i, p in enumerate(ps)} for name, ps in PARTS.items()}
_EXTRA_INDEX: dict[str, dict[str, int]] = {name: {x: i for i, x in enumerate(xs)} for name, xs in EXTRAS.items()}
_UNREAD: Any = object()


class Parts:
    """A row's captured memory by name: the base parts and extra parts its call's row of the
    system call table names (schema/syscall_table.py ``parts`` and ``extras``), so a decoder
    reads ``parts(row).msghdr`` or ``parts(row).len_in`` rather than a position. A part that was
    not captured (failed call, NULL or unreadable pointer, a recording without extras) is None;
    a name the call does not have is an AttributeError. Parts are cut from ``mem`` on first use.

    ``parts(row)`` returns an instance of the call's own subclass, whose part names are
    properties: a name costs a property call, not a failed attribute lookup (3x slower)."""

    __slots__ = ("_row", "_xs")
    _base: dict[str, int] = {}
    _extra_at: dict[str, int] = {}

    def __init__(self, row: Row) -> None:
        self._row = row
        self._xs = _UNREAD

    @property
    def extras(self) -> list[bytes | None] | None:
        """All extra parts in order (None for a recording made before extras existed)."""
        if self._xs is _UNREAD:
            self._xs = extras(self._row)
        return self._xs

    @property
    def named_extras(self) -> int:
        """How many extras the call names; mmsg calls add a pair per message after them."""
        return len(self._extra_at)

    def extra(self, index: int) -> bytes | None:
        return extra(self.extras, index)

    def message(self, k: int) -> bytes | None:
        """Message ``k``'s bytes of an mmsg call: the recorder writes one base part per message
        after the parts the call names (``msgvec``)."""
        return part(self._row, len(self._base) + k)

    def __getattr__(self, name: str) -> bytes | None:
        # reached only for a name the call's class has no property for
        raise AttributeError(f"{self._row['name']} has no captured part {name!r}")


def _base_part(index: int) -> property:
    return property(lambda self: part(self._row, index))


def _extra_part(index: int) -> property:
    return property(lambda self: extra(self.extras, index))


def _parts_class(name: str) -> type[Parts]:
    base, extra_at = _PART_INDEX.get(name, {}), _EXTRA_INDEX.get(name, {})
    ns: dict[str, Any] = {"__slots__": (), "_base": base, "_extra_at": extra_at}
    for p, i in base.items():
        ns[p] = _base_part(i)
    for x, i in extra_at.items():
        ns[x] = _extra_part(i)
    clash = set(ns) & set(dir(Parts)) - {"__slots__", "_base", "_extra_at"}
    if clash:
        raise TypeError(f"{name}: part names {sorted(clash)} clash with Parts' own attributes")
    return type(f"Parts_{name}", (Parts,), ns)


_PARTS_CLASSES: dict[str, type[Parts]] = {name: _parts_class(name) for name in {*PARTS, *EXTRAS}}


def parts(row: Row) -> Parts:
    return _PARTS_CLASSES.get(row["name"] or "", Parts)(row)


def part_index(*calls: tuple[str, str]) -> int:
    """Where the system call table puts a call's named base part in ``mem``, resolved once at
    import: a hot decoder (or one shared by calls that name the part differently) then reads
    ``part(row, INDEX)`` at the cost of a position, with the name checked against the table.
    Every ``(call, part name)`` given must sit at the same position."""
    found = {_PART_INDEX[call][name] for call, name in calls}
    if len(found) != 1:
        raise ValueError(f"parts {calls} sit at different positions {sorted(found)}")
    return found.pop()


def unpack(fmt: str, data: bytes | None, offset: int = 0) -> tuple[Any, ...] | None:
    """struct.unpack_from, or None when the captured bytes are too short."""
    if data is None or len(data) < offset + struct.calcsize(fmt):
        return None
    return struct.unpack_from(fmt, data, offset)


def succeeded(row: Row) -> bool:
    """The call returned, and not -errno."""
    ret = row["ret"]
    return ret is not None and not failed(ret)


def returned(row: Row) -> bool:
    return row["exit_seq"] is not None and row["ret"] is not None


# --- signals --------------------------------------------------------------------------------------


def signal(n: int) -> str:
    """A signal argument (kill, tgkill, SIGCHLD's si_status): ``SIGTERM``, or the number."""
    return C.signal_name(n) if n > 0 else str(n)


def _mask_name(sig: int) -> str:
    name = C.signal_name(sig)
    if name.startswith("SIGRT_"):
        return "RT_" + name[6:]
    return name[3:] if name.startswith("SIG") else name


def sigmask(data: bytes | None, addr: int | None = None) -> str:
    """A sigset_t strace-style: ``[USR2 TERM]``, ``[]``, or ``~[KILL STOP]`` when two thirds or
    more of the bits are set (the complement is shorter)."""
    if data is None:
        return ptr(addr)
    words = (len(data) + 3) // 4
    mask = int.from_bytes(data[: words * 4].ljust(words * 4, b"\0"), "little")
    bits = words * 32
    prefix = ""
    if bin(mask).count("1") >= bits * 2 // 3:
        mask = ~mask & ((1 << bits) - 1)
        prefix = "~"
    names = [_mask_name(i + 1) for i in range(bits) if mask >> i & 1]
    return prefix + "[" + " ".join(names) + "]"


# --- structs --------------------------------------------------------------------------------------


def timespec(data: bytes | None, addr: int | None = None) -> str:
    v = unpack("<qq", data)
    if v is None:
        return ptr(addr)
    return f"{{tv_sec={v[0]}, tv_nsec={v[1]}}}"


def timeval(data: bytes | None, addr: int | None = None) -> str:
    v = unpack("<qq", data)
    if v is None:
        return ptr(addr)
    return f"{{tv_sec={v[0]}, tv_usec={v[1]}}}"


def int_array(data: bytes | None, addr: int | None = None, count: int | None = None) -> str:
    """``[3, 4]`` from captured C ints."""
    if data is None or len(data) < 4:
        return ptr(addr)
    n = len(data) // 4 if count is None else min(count, len(data) // 4)
    return "[" + ", ".join(str(x) for x in struct.unpack_from(f"<{n}i", data)) + "]"


def int_ptr(data: bytes | None, addr: int | None = None) -> str:
    """``[1]``: an int the argument points to."""
    v = unpack("<i", data)
    return ptr(addr) if v is None else f"[{v[0]}]"
