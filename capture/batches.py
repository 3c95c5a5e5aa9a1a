"""Turn the recorder's C batches into Arrow record batches of the trace schema, column by column.

The recorder hands over a numpy structured array (one element per ``Rec`` struct) and four byte
arenas. Every column is derived with whole-array numpy operations; only rows that carry a
sockaddr are decoded one by one (a handful per network call, never per syscall in general).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa

from renacer.capture.sockaddr import decode_sockaddr
from renacer.capture.unwind import callchains
from renacer.schema.trace import F_FINISHED, F_HAS_RET, KINDS, MAX_ERRNO, NR_MAX, REC_FIELDS, TRACE_SCHEMA

# ``struct Rec`` of _recorder.pyx, from the schema's record layout (checked field by field
# against the compiled struct below).
REC_DTYPE = np.dtype(list(REC_FIELDS), align=True)
K_SYSCALL = KINDS.index("syscall")
K_EXIT = KINDS.index("exit")
K_SPAWNED = KINDS.index("spawned")

RawBatch = tuple[bytes, ...]  # records and four arenas; with --source a callchain arena too


def check_layout(dtype: np.dtype, layout: tuple[tuple[str, int, int], ...], rec_size: int) -> None:
    """Refuse a record dtype that differs from the compiled ``struct Rec`` (``layout``: each
    field's name, offset and size, from ``_recorder.rec_layout()``) in any field's place or
    width, or in total size: a reordered field must not read as its neighbour's bytes."""
    if dtype.itemsize != rec_size:
        raise RuntimeError(f"REC_DTYPE is {dtype.itemsize} bytes but struct Rec is {rec_size}")
    fields: dict[str, Any] = dict(dtype.fields or {})
    if set(fields) != {name for name, _, _ in layout}:
        raise RuntimeError(f"REC_DTYPE fields {sorted(fields)} differ from struct Rec's {sorted(n for n, _, _ in layout)}")
    for name, offset, size in layout:
        ftype, foffset = fields[name][:2]
        if (foffset, ftype.itemsize) != (offset, size):
            raise RuntimeError(f"REC_DTYPE field {name} is at {foffset} ({ftype.itemsize} bytes) "
                               f"but struct Rec has it at {offset} ({size} bytes)")


def _check_layout() -> None:
    try:
        from renacer.capture._recorder import rec_layout, rec_size
    except ImportError:  # reading a journal on a machine without the compiled recorder
        return
    check_layout(REC_DTYPE, rec_layout(), rec_size())


_check_layout()


@lru_cache(maxsize=1)
def _lookup_tables() -> dict[str, np.ndarray]:
    """Per-number arrays that let every derived column be a numpy gather: the same lookups the
    light live path uses (capture/rows.py builds them once, from the schema tables)."""
    from renacer.capture.rows import lookup_tables

    names, _signals, fd_mode, size_arg = lookup_tables()
    return {"names": np.array(names, dtype=object), "fd_mode": np.array(fd_mode, dtype=np.int8),
            "size_arg": np.array(size_arg, dtype=np.int8)}


@lru_cache(maxsize=1)
def _signal_names() -> np.ndarray:
    from renacer.capture.rows import lookup_tables

    return np.array(lookup_tables()[1], dtype=object)


def _dict_column(codes: np.ndarray, valid: np.ndarray, words: np.ndarray) -> pa.DictionaryArray:
    """A dictionary array holding only the words this batch uses."""
    codes = np.where(valid, codes, 0)
    used, inverse = np.unique(codes[valid], return_inverse=True)
    indices = np.zeros(len(codes), dtype=np.int32)
    indices[valid] = inverse
    mask = ~valid if not valid.all() else None
    return pa.DictionaryArray.from_arrays(
        pa.array(indices, mask=mask), pa.array(words[used].tolist(), type=pa.string())
    )


def _binary_column(lengths: np.ndarray, arena: bytes) -> pa.Array:
    valid = lengths >= 0
    sizes = np.where(valid, lengths, 0).astype(np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(sizes, out=offsets[1:])
    validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(
        pa.binary(), len(lengths), [validity, pa.py_buffer(offsets), pa.py_buffer(arena)],
        null_count=int((~valid).sum()),
    )


def _string_column(binary: pa.Array) -> pa.Array:
    try:
        return binary.cast(pa.string())
    except pa.ArrowInvalid:
        # Paths are bytes to the kernel; keep undecodable ones readable rather than fail.
        return pa.array(
            [None if v is None else v.decode("utf-8", "backslashreplace") for v in binary.to_pylist()],
            type=pa.string(),
        )


def to_record_batch(raw: RawBatch) -> pa.RecordBatch:
    rec_bytes, data, sa, path, mem = raw[:5]
    recs = np.frombuffer(rec_bytes, dtype=REC_DTYPE)
    n = len(recs)
    tables = _lookup_tables()
    kind = recs["kind"]
    flags = recs["flags"]
    is_sys = kind == K_SYSCALL
    has_ret = (flags & F_HAS_RET) != 0
    finished = (flags & F_FINISHED) != 0
    nr = recs["nr"].astype(np.int64)
    nr_idx = np.clip(nr, 0, NR_MAX - 1)
    ret = recs["ret"]
    a0 = recs["a0"]

    name_valid = kind != K_EXIT
    name_codes = np.where(is_sys | (kind == K_SPAWNED), nr_idx, NR_MAX + nr_idx)
    words = np.concatenate([tables["names"], _signal_names()])
    is_err = is_sys & has_ret & (ret < 0) & (ret >= -MAX_ERRNO)  # schema.trace.failed(), vectorised
    errno_words = _errno_words()

    fd_mode = np.where(is_sys, tables["fd_mode"][nr_idx], 0)
    fd_val = np.where(fd_mode == 1, a0.astype(np.int64), ret)
    fd_valid = (fd_mode == 1) | ((fd_mode == 2) & has_ret & (ret >= 0))
    fd_val = np.where(fd_valid, fd_val, 0).astype(np.int64).astype(np.int32)

    size_arg = np.where(is_sys, tables["size_arg"][nr_idx], -1)
    args = np.stack([recs[f"a{i}"] for i in range(6)], axis=1)
    requested = args[np.arange(n), np.clip(size_arg, 0, 5)].astype(np.int64)
    size_ok = has_ret & (ret >= 0)
    size_val = np.where(size_ok, ret, requested)
    size_valid = (size_arg >= 0) & (size_ok | ((size_arg < 6) & (size_arg >= 0)))

    sa_col = _binary_column(recs["sa_len"], sa)
    families: list[str | None] = [None] * n
    addrs: list[str | None] = [None] * n
    ports: list[int | None] = [None] * n
    for i in np.flatnonzero(recs["sa_len"] > 0):
        families[i], addrs[i], ports[i] = decode_sockaddr(sa_col[int(i)].as_py())
    fam_arr = pa.array(families, type=pa.string()).dictionary_encode()

    columns = {
        "seq": pa.array(recs["seq"]),
        "exit_seq": pa.array(recs["exit_seq"], mask=~finished),
        "ts_ns": pa.array(recs["ts"]),
        "dur_ns": pa.array(recs["dur"], mask=~finished),
        "pid": pa.array(recs["pid"]),
        "tid": pa.array(recs["tid"]),
        "kind": _dict_column(kind.astype(np.int64), np.ones(n, dtype=bool), np.array(KINDS, dtype=object)),
        "nr": pa.array(recs["nr"]),
        "name": _dict_column(name_codes, name_valid, words),
        **{f"a{i}": pa.array(recs[f"a{i}"]) for i in range(6)},
        "ret": pa.array(ret, mask=~has_ret),
        "errno": _dict_column(np.where(is_err, -ret, 0), is_err, errno_words),
        "fd": pa.array(fd_val, mask=~fd_valid),
        "family": fam_arr.cast(pa.dictionary(pa.int32(), pa.string())),
        "addr": pa.array(addrs, type=pa.string()),
        "port": pa.array(ports, type=pa.int32()),
        "path": _string_column(_binary_column(recs["path_len"], path)),
        "size": pa.array(size_val, mask=~size_valid),
        "data": _binary_column(recs["data_len"], data),
        "sockaddr": sa_col,
        "mem": _binary_column(recs["mem_len"], mem),
        # --source: a sixth part, the callchain arena (capture/unwind.py)
        "callchain": (pa.array(callchains(raw[5], n), type=pa.list_(pa.uint64())) if len(raw) > 5
                      else pa.nulls(n, pa.list_(pa.uint64()))),
        "src_file": pa.nulls(n, pa.dictionary(pa.int32(), pa.string())),
        "src_line": pa.nulls(n, pa.int32()),
        "src_func": pa.nulls(n, pa.dictionary(pa.int32(), pa.string())),
    }
    return pa.RecordBatch.from_arrays([columns[f.name] for f in TRACE_SCHEMA], schema=TRACE_SCHEMA)


@lru_cache(maxsize=1)
def _errno_words() -> np.ndarray:
    from renacer.schema import constants

    return np.array([constants.errno_name(n) or f"E{n}" for n in range(MAX_ERRNO + 1)], dtype=object)
