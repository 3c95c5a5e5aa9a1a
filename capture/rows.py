"""The recorder's raw C batches as column lists, in plain Python: the live path's reader.

``capture/batches.py`` turns a batch into Arrow columns with numpy, for the trace file. Live
text, JSON, CSV and ``-c`` need neither: the renderer reads rows through a dict of column lists
(``analyze/render/columns.py``), and this module builds exactly that from the same bytes with
``struct.iter_unpack`` and arena slicing. Importing it costs a few milliseconds, where numpy and
pyarrow cost half a second, so the live path is ready before the command starts.

Every column holds the value ``to_record_batch(raw).column(name).to_pylist()`` would hold: the
same derived columns (name, errno, fd, size, family/addr/port, path) from the same schema tables.
tests/capture/test_rows.py checks that, column by column, on real recordings. Columns are built
on first use: a text line needs a dozen of the thirty.
"""
from __future__ import annotations

import struct
from functools import lru_cache
from typing import Any, Callable

from renacer.schema.syscalls_x86_64 import SYSCALLS
from renacer.schema.trace import F_FINISHED, F_HAS_RET, KINDS, MAX_ERRNO, NR_MAX, REC_FIELDS

# schema.trace.failed() inlined as a constant compare: the errno column is built per row on the live
# path, where calling failed() made the column 1.7x slower (8.1 vs 4.9 ms per 100k rows).
_FIRST_ERRNO_RET = -MAX_ERRNO

# ``struct Rec`` of _recorder.pyx as a struct format, from the schema's record layout: every
# field is naturally aligned in the C struct, so packed little-endian formats line up with it
# (check_layout compares each field's offset with the compiled struct's); the struct ends padded
# to its widest member.
_REC_FIELDS = tuple(name for name, _ in REC_FIELDS)
_CODES = {"<u8": "Q", "<i8": "q", "<i4": "i", "<i2": "h", "u1": "B"}
_REC_FORMAT = "<" + "".join(_CODES[t] for _, t in REC_FIELDS)
REC_SIZE = -(-struct.calcsize(_REC_FORMAT) // 8) * 8
_REC = struct.Struct(_REC_FORMAT + "x" * (REC_SIZE - struct.calcsize(_REC_FORMAT)))
_SYSCALL, _EXIT, _SPAWNED = KINDS.index("syscall"), KINDS.index("exit"), KINDS.index("spawned")

RawBatch = tuple[bytes, ...]  # records and four arenas; with --source a callchain arena too


def rec_offsets() -> tuple[tuple[str, int, int], ...]:
    """(name, offset, size) of each field as this module reads it."""
    out = []
    for i, (name, _) in enumerate(REC_FIELDS):
        prefix = _REC_FORMAT[: i + 2]  # "<" and the codes up to and including this field
        size = struct.calcsize("<" + _REC_FORMAT[i + 1])
        out.append((name, struct.calcsize(prefix) - size, size))
    return tuple(out)


def check_layout(rec_size: int, layout: tuple[tuple[str, int, int], ...] | None = None) -> None:
    """Refuse to read records of another layout (the compiled recorder is the authority): the
    total size and, field by field, each offset and size (``_recorder.rec_layout()``)."""
    if rec_size != REC_SIZE:
        raise RuntimeError(f"capture/rows.py reads {REC_SIZE}-byte records but struct Rec is {rec_size}")
    if layout is None:
        from renacer.capture._recorder import rec_layout

        layout = rec_layout()
    if sorted(layout) != sorted(rec_offsets()):
        raise RuntimeError(f"capture/rows.py reads fields {rec_offsets()} but struct Rec has {layout}")


@lru_cache(maxsize=1)
def lookup_tables() -> tuple[list[str], list[str], list[int], list[int]]:
    """Per-number lookups, for this module and batches.py alike: syscall names, signal names, where a call's
    descriptor is (0 none, 1 first argument, 2 return value) and which argument is its size
    (-1 none, 6 only the return value)."""
    from renacer.schema import constants
    from renacer.schema.syscall_table import A0, BY_NR, RET

    names = [SYSCALLS.get(nr, f"syscall_{nr}") for nr in range(NR_MAX)]
    signals = [constants.signal_name(n) for n in range(NR_MAX)]
    fd_mode = [0] * NR_MAX
    size_arg = [-1] * NR_MAX
    for nr, call in BY_NR.items():
        if nr < NR_MAX:
            fd_mode[nr] = 1 if call.fd == A0 else 2 if call.fd == RET else 0
            if call.size is not None:
                size_arg[nr] = 6 if call.size == RET else int(call.size)
    return names, signals, fd_mode, size_arg


@lru_cache(maxsize=4096)
def _errno_word(n: int) -> str:
    from renacer.schema import constants

    return constants.errno_name(n) or f"E{n}"


def _i32(v: int) -> int:
    """numpy's wrap-around cast of an int64 to int32."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def _i64(v: int) -> int:
    """numpy's wrap-around cast of a uint64 to int64."""
    return v - (1 << 64) if v & (1 << 63) else v


def _clip(nr: int) -> int:
    return 0 if nr < 0 else NR_MAX - 1 if nr >= NR_MAX else nr


def _slices(lengths: list[int], arena: bytes) -> list[bytes | None]:
    """Cut an arena by the records' lengths; a negative length is a NULL cell."""
    out: list[bytes | None] = []
    append = out.append
    pos = 0
    for n in lengths:
        if n < 0:
            append(None)
        else:
            append(arena[pos:pos + n])
            pos += n
    return out


class RowBatch(dict):
    """A batch's columns, by trace-schema name, each a list built on first use.

    ``num_rows`` as on an Arrow batch; the renderer takes it as it takes its own column lists.
    """

    def __init__(self, raw: RawBatch) -> None:
        super().__init__()
        self._recs, self._data, self._sa, self._path, self._mem = raw[:5]
        self._callchains = raw[5] if len(raw) > 5 else None  # --source: the callchain arena
        self.num_rows = len(self._recs) // REC_SIZE

    @property
    def _base(self) -> dict[str, Any]:
        """The records' fields as tuples, unpacked on first use (a consumer that only counts rows,
        like the -q status line, never pays for it)."""
        base = self.__dict__.get("_unpacked")
        if base is None:
            columns = list(zip(*_REC.iter_unpack(self._recs))) if self._recs else [()] * len(_REC_FIELDS)
            base = self.__dict__["_unpacked"] = dict(zip(_REC_FIELDS, columns))
        return base

    def __missing__(self, name: str) -> list[Any]:
        build = _BUILDERS.get(name)
        values = build(self) if build is not None else [None] * self.num_rows
        self[name] = values
        return values

    # -- columns ---------------------------------------------------------------------------------

    def _flags(self, bit: int) -> list[bool]:
        return [bool(f & bit) for f in self._base["flags"]]

    def _col_finished(self, field: str) -> list[Any]:
        return [v if f & F_FINISHED else None for v, f in zip(self._base[field], self._base["flags"])]

    def _kind(self) -> list[str]:
        return [KINDS[k] for k in self._base["kind"]]

    def _name(self) -> list[str | None]:
        names, signals, _, _ = lookup_tables()
        # a spawned row is named after its creating call (clone, fork, vfork), others after a signal
        return [None if k == _EXIT else names[_clip(nr)] if k == _SYSCALL or k == _SPAWNED else signals[_clip(nr)]
                for k, nr in zip(self._base["kind"], self._base["nr"])]

    def _ret(self) -> list[int | None]:
        return [r if f & F_HAS_RET else None for r, f in zip(self._base["ret"], self._base["flags"])]

    def _errno(self) -> list[str | None]:
        return [_errno_word(-r) if k == _SYSCALL and f & F_HAS_RET and _FIRST_ERRNO_RET <= r < 0 else None
                for k, f, r in zip(self._base["kind"], self._base["flags"], self._base["ret"])]

    def _fd(self) -> list[int | None]:
        fd_mode = lookup_tables()[2]
        out: list[int | None] = []
        for k, nr, f, r, a0 in zip(self._base["kind"], self._base["nr"], self._base["flags"],
                                   self._base["ret"], self._base["a0"]):
            mode = fd_mode[_clip(nr)] if k == _SYSCALL else 0
            if mode == 1:
                out.append(_i32(a0))
            elif mode == 2 and f & F_HAS_RET and r >= 0:
                out.append(_i32(r))
            else:
                out.append(None)
        return out

    def _size(self) -> list[int | None]:
        size_arg = lookup_tables()[3]
        b = self._base
        args = (b["a0"], b["a1"], b["a2"], b["a3"], b["a4"], b["a5"])
        out: list[int | None] = []
        for i, (k, nr, f, r) in enumerate(zip(b["kind"], b["nr"], b["flags"], b["ret"])):
            which = size_arg[_clip(nr)] if k == _SYSCALL else -1
            if which < 0:
                out.append(None)
            elif f & F_HAS_RET and r >= 0:
                out.append(r)
            elif which < 6:
                out.append(_i64(args[which][i]))
            else:
                out.append(None)
        return out

    def _callchain(self) -> list[Any]:
        if self._callchains is None:
            return [None] * self.num_rows
        from renacer.capture.unwind import callchains

        return callchains(self._callchains, self.num_rows)

    def _peers(self) -> None:
        from renacer.capture.sockaddr import decode_sockaddr

        n = self.num_rows
        families: list[str | None] = [None] * n
        addrs: list[str | None] = [None] * n
        ports: list[int | None] = [None] * n
        for i, raw in enumerate(self["sockaddr"]):
            if raw:
                families[i], addrs[i], ports[i] = decode_sockaddr(raw)
        self["family"], self["addr"], self["port"] = families, addrs, ports

    def _peer(self, name: str) -> list[Any]:
        self._peers()
        return self[name]

    def _path_col(self) -> list[str | None]:
        return [None if v is None else v.decode("utf-8", "backslashreplace")
                for v in _slices(self._base["path_len"], self._path)]


def _arg(field: str) -> Callable[[RowBatch], list[Any]]:
    return lambda b: list(b._base[field])


_BUILDERS: dict[str, Callable[[RowBatch], list[Any]]] = {
    "seq": _arg("seq"),
    "exit_seq": lambda b: b._col_finished("exit_seq"),
    "ts_ns": _arg("ts"),
    "dur_ns": lambda b: b._col_finished("dur"),
    "pid": _arg("pid"),
    "tid": _arg("tid"),
    "kind": RowBatch._kind,
    "nr": _arg("nr"),
    "name": RowBatch._name,
    **{f"a{i}": _arg(f"a{i}") for i in range(6)},
    "ret": RowBatch._ret,
    "errno": RowBatch._errno,
    "fd": RowBatch._fd,
    "family": lambda b: b._peer("family"),
    "addr": lambda b: b._peer("addr"),
    "port": lambda b: b._peer("port"),
    "path": RowBatch._path_col,
    "size": RowBatch._size,
    "data": lambda b: _slices(b._base["data_len"], b._data),
    "sockaddr": lambda b: _slices(b._base["sa_len"], b._sa),
    "mem": lambda b: _slices(b._base["mem_len"], b._mem),
    "callchain": RowBatch._callchain,
}


def row_batch(raw: RawBatch | None) -> RowBatch | None:
    return None if raw is None else RowBatch(raw)
