"""--source for Python programs: the Python stack of a stopped CPython thread, read from its memory.

Follows the route CPython documents for debuggers: the ``_PyRuntime`` symbol (ELF symbol table of
the python binary or libpython, plus the load bias from /proc/PID/maps) -> interpreters -> thread
states matched by native thread id -> the frame chain -> code objects, whose line comes from the
location table (Objects/locations.md). Offsets per CPython minor version are data in
schema/pyoffsets_<ver>.py.

Split in three so that a traced call costs no Python:
- per process image, once (``find_process``, called by the recorder with the thread stopped):
  where _PyRuntime is, and the offsets of its version, handed to C in ``OFFSET_ORDER``;
- per call, in C (``py_capture`` in _recorder.pyx, nogil): the frame chain walked with
  process_vm_readv, each frame kept as (code id, instruction index) in the stack arena;
- per code object, once (``learn``, the thread still stopped): its file, qualified name and
  line table copied here, under an id that is never reused;
- off the tracee's path, on the sink's worker (``convert``): (code id, index) -> line, interned as
  (file, line, function) frames; each row's Python stack joins its callchain as tagged entries
  (analyze/symbolize.py PY_TAG), innermost first. Such a row has no native addresses: the C
  frames of a thread running Python are the interpreter's, so neither registers nor a stack
  window are read for it.
Anything unknown or unreadable gives no Python stack and a note, never a crash nor a wrong line.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import re
import struct
from collections import defaultdict
from functools import lru_cache
from typing import Any

from renacer.analyze.symbolize import PY_TAG

MAX_FRAMES = 64
# The offsets the recorder's C reader takes, in this order (PY_NOFF in _recorder.pyx). A version
# whose thread state points at its frame directly (3.13) has tstate_cframe -1 and the frame's
# offset in the thread state as cframe_current_frame.
OFFSET_ORDER = ("runtime_interpreters_head", "interp_threads_head", "interp_next", "tstate_next",
                "tstate_native_thread_id", "tstate_cframe", "cframe_current_frame", "frame_f_code",
                "frame_previous", "frame_prev_instr", "code_firstlineno", "frame_owner",
                "frame_owner_cstack", "code_adaptive")
# Stack-arena entries (_recorder.pyx): [u32 row][u32 size][size bytes]
PY_ROW_FLAG = 0x80000000  # the row's Python frames: size/8 x [u32 code id][i32 index], or 4 bytes: failed
PY_END_ROW = 0xFFFFFFFF   # [u32 gen]: a process image is gone
RELEASE_AFTER = 2         # batches an image's codes are kept after its end (rows still to come)
_LIB = re.compile(r"/(lib)?python(3\.\d+)(\.so[.\d]*)?$|/libpython(3\.\d+)\.so")
# libc's pread through PyDLL: the GIL is kept across the read. os.pread releases it, and each
# re-acquisition waits for the busy sink worker (switch interval), ~10x the read itself.
_LIBC = ctypes.PyDLL(None, use_errno=True)
_LIBC.pread.restype = ctypes.c_ssize_t
_LIBC.pread.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_long]
_Q = struct.Struct("<Q")
_I = struct.Struct("<i")
_U32 = struct.Struct("<I")
_U32x2 = struct.Struct("<II")
_PAIR = struct.Struct("<Ii")
REC_PID_OFF = 88  # struct Rec (capture/batches.py REC_DTYPE)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    b = data[pos]
    pos += 1
    val, shift = b & 63, 6
    while b & 64:
        b = data[pos]
        pos += 1
        val |= (b & 63) << shift
        shift += 6
    return val, pos


def _svarint(data: bytes, pos: int) -> tuple[int, int]:
    val, pos = _varint(data, pos)
    return (-(val >> 1) if val & 1 else val >> 1), pos


def line_at(linetable: bytes, firstlineno: int, index: int) -> int | None:
    """The line of code unit ``index`` in a 3.11 location table (None: no location)."""
    line, unit, pos, n = firstlineno, 0, 0, len(linetable)
    while pos < n:
        first = linetable[pos]
        pos += 1
        code, length = (first >> 3) & 15, (first & 7) + 1
        here: int | None = line
        if code == 15:
            here = None
        elif code == 14:
            delta, pos = _svarint(linetable, pos)
            line += delta
            here = line
            _, pos = _varint(linetable, pos)
            _, pos = _varint(linetable, pos)
            _, pos = _varint(linetable, pos)
        elif code == 13:
            delta, pos = _svarint(linetable, pos)
            line += delta
            here = line
        elif code >= 10:
            line += code - 10
            here = line
            pos += 2
        else:
            pos += 1
        if unit <= index < unit + length:
            return here
        unit += length
    return None


def _gnu_hash_lookup(path: str, name: bytes) -> tuple[int, int | None, bool] | None:
    """(lowest PT_LOAD vaddr, the symbol's value or None, position independent) from the ELF's
    GNU hash table, read with struct: pyelftools' import alone costs ~80 ms, paid while the
    tracee waits. None: no GNU hash table (the caller asks pyelftools)."""
    with open(path, "rb") as fh:
        head = fh.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
            return None
        e_type, = struct.unpack_from("<H", head, 16)
        phoff, shoff = struct.unpack_from("<QQ", head, 32)
        phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", head, 54)
        fh.seek(phoff)
        ph = fh.read(phentsize * phnum)
        loads = [struct.unpack_from("<Q", ph, i * phentsize + 16)[0] for i in range(phnum)
                 if struct.unpack_from("<I", ph, i * phentsize)[0] == 1]
        low = min(loads, default=0)
        fh.seek(shoff)
        sh = fh.read(shentsize * shnum)
        secs = [struct.unpack_from("<IIQQQQIIQQ", sh, i * shentsize) for i in range(shnum)]

        def data(sec: tuple[int, ...]) -> bytes:
            fh.seek(sec[4])
            return fh.read(sec[5])

        gnu = next((x for x in secs if x[1] == 0x6FFFFFF6), None)
        if gnu is None or gnu[6] >= len(secs):
            return None
        dynsym = secs[gnu[6]]
        strtab = data(secs[dynsym[6]])
        table = data(gnu)
        syms = data(dynsym)
    nbuckets, symoffset, bloom_size, _shift = struct.unpack_from("<4I", table, 0)
    buckets_at = 16 + 8 * bloom_size
    chain_at = buckets_at + 4 * nbuckets
    h = 5381
    for c in name:
        h = (h * 33 + c) & 0xFFFFFFFF
    ix = struct.unpack_from("<I", table, buckets_at + 4 * (h % nbuckets))[0]
    dyn = e_type == 3
    if ix < symoffset:
        return low, None, dyn
    while True:
        ch = struct.unpack_from("<I", table, chain_at + 4 * (ix - symoffset))[0]
        if (ch | 1) == (h | 1):
            st_name, = struct.unpack_from("<I", syms, ix * 24)
            if strtab[st_name : st_name + len(name) + 1] == name + b"\0":
                return low, struct.unpack_from("<Q", syms, ix * 24 + 8)[0], dyn
        if ch & 1:
            return low, None, dyn
        ix += 1


@lru_cache(maxsize=16)
def _runtime_symbol(path: str, ino: int, mtime_ns: int) -> tuple[int, int | None, bool]:
    """(lowest PT_LOAD vaddr, _PyRuntime's address or None, position independent) of one object;
    the GNU hash table first: building the whole symbol index of libpython takes ~0.5 s."""
    try:
        quick = _gnu_hash_lookup(path, b"_PyRuntime")
    except (OSError, struct.error, IndexError):
        quick = None
    if quick is not None and quick[1] is not None:
        return quick
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    with open(path, "rb") as fh:
        elf = ELFFile(fh)
        low = min((s["p_vaddr"] for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"), default=0)
        dyn = elf.header["e_type"] == "ET_DYN"
        for name in (".symtab", ".dynsym"):
            sec = elf.get_section_by_name(name)
            syms = sec.get_symbol_by_name("_PyRuntime") if isinstance(sec, SymbolTableSection) else None
            if syms:
                return low, syms[0]["st_value"], dyn
    return low, None, dyn


class PyFrames:
    """Per process: where _PyRuntime is and which offsets apply; per code object: its file, name
    and line table; per batch: the recorded (code id, index) pairs become Python frames."""

    def __init__(self) -> None:
        self.notes: dict[str, str] = {}
        self._codes: dict[int, tuple[str, str, bytes, int]] = {}  # code id -> file, name, lines, first
        self._gen_codes: dict[int, list[int]] = defaultdict(list)
        self._tables: dict[int, dict[str, int]] = {}  # image number (gen) -> its offsets table
        self._lines: dict[int, dict[int, int]] = {}  # code id -> instruction index -> frame index
        self._rows: dict[bytes, bytes] = {}  # a row's rip + raw pairs -> its callchain entry
        self._ended: list[tuple[int, int]] = []  # (batch number, gen) waiting for release
        self._batches = 0
        self.learnt = 0  # code objects copied
        self._gens = 0
        # the interned frames the trace's callchains name (metadata source.python_frames)
        self.frames: list[tuple[str, int | None, str]] = []
        self._frame_ids: dict[tuple[str, int | None, str], int] = {}

    # --- per process image, the thread stopped -------------------------------------------------
    def find_process(self, pid: int) -> tuple[int, ...] | None:
        """(image number, _PyRuntime's address, *offsets in OFFSET_ORDER), or None: no known
        CPython here. The image number (gen) names the codes learnt under it, released together."""
        try:
            found = self._find_runtime(pid)
        except Exception as exc:  # unreadable maps or ELF: native frames only
            self.notes[str(pid)] = f"no Python stack: {exc}"
            return None
        if found is None:
            return None
        runtime, o = found
        try:
            offsets = tuple(o.get(k, -1 if k == "tstate_cframe" else 3) if k in (
                "tstate_cframe", "frame_owner_cstack") else o[k] for k in OFFSET_ORDER)
        except KeyError as exc:
            self.notes[str(pid)] = f"no Python stack: offsets table lacks {exc}"
            return None
        self._gens += 1
        self._tables[self._gens] = o
        return (self._gens, runtime, *offsets)

    def _find_runtime(self, pid: int) -> tuple[int, dict[str, int]] | None:
        maps: dict[str, int] = {}
        with open(f"/proc/{pid}/maps") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and int(parts[2], 16) == 0 and _LIB.search(parts[5]):
                    maps.setdefault(parts[5], int(parts[0].split("-")[0], 16))
        for path, start in sorted(maps.items(), key=lambda kv: "libpython" not in kv[0]):
            m = _LIB.search(path)
            assert m is not None
            version = m.group(2) or m.group(4)
            st = os.stat(path)
            low, addr, dyn = _runtime_symbol(path, st.st_ino, st.st_mtime_ns)
            if addr is None:
                continue
            try:
                mod = importlib.import_module(f"renacer.schema.pyoffsets_{version.replace('.', '')}")
            except ImportError:
                self.notes[str(pid)] = f"CPython {version} is not known (no schema/pyoffsets table): native frames only"
                return None
            bias = start - (low & ~0xFFF) if dyn else 0
            table = getattr(mod, "OFFSETS", None)
            if table is None:  # 3.13+: the interpreter's own _Py_DebugOffsets
                table = debug_offsets(pid, addr + bias, version, mod.DEBUG_OFFSETS, mod.DEBUG_CONSTANTS)
                if isinstance(table, str):
                    self.notes[str(pid)] = table
                    return None
            return addr + bias, table
        return None

    # --- per code object, the thread stopped ---------------------------------------------------
    def learn(self, pid: int, gen: int, code_id: int, code: int, first: int) -> bool:
        """Copy a code object's file, qualified name and line table (False: unreadable)."""
        try:
            o = self._tables[gen]
            fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY | os.O_CLOEXEC)
            try:
                fname = _str(fd, _ptr(fd, code + o["code_filename"]), o)
                func = _str(fd, _ptr(fd, code + o["code_qualname"]), o)
                lt = _ptr(fd, code + o["code_linetable"])
                size = _ptr(fd, lt + o["bytes_size"])
                table = _read(fd, lt + o["bytes_sval"], min(size, 1 << 20))
            finally:
                os.close(fd)
        except Exception as exc:  # a read that fails: native frames, and why
            self.notes[str(pid)] = f"Python stack read failed: {exc}"
            return False
        self._codes[code_id] = (fname, func, table, first)
        self.learnt += 1
        self._gen_codes[gen].append(code_id)
        return True

    # --- off the tracee's path: the sink's worker ----------------------------------------------
    def frame_id(self, frame: tuple[str, int | None, str]) -> int:
        i = self._frame_ids.get(frame)
        if i is None:
            i = self._frame_ids[frame] = len(self.frames)
            self.frames.append(frame)
        return i

    def _row_tail(self, pid: int, raw: bytes) -> bytes:
        """A row's raw (code id, index) pairs -> its Python frames as tagged callchain entries."""
        if len(raw) == 4:
            self.notes.setdefault(str(pid), "Python stack read failed (an unreadable frame): native frames")
            return b""
        ids = []
        for cid, index in _PAIR.iter_unpack(raw):
            lines = self._lines.get(cid)
            fid = lines.get(index) if lines is not None else None
            if fid is None:
                code = self._codes.get(cid)
                if code is None:  # released already: never guess
                    self.notes.setdefault(str(pid), "Python stack resolved too late: native frames")
                    return b""
                fname, func, table, first = code
                line = line_at(table, first, index) if index >= 0 else None
                fid = self._lines.setdefault(cid, {})[index] = self.frame_id((fname, line, func))
            ids.append(PY_TAG | fid)
        return struct.pack(f"<{len(ids)}Q", *ids)

    def convert(self, raw: tuple[bytes, ...] | None, unwinder: Any, pending: bool = False) -> tuple[bytes, ...] | None:
        """A raw batch whose stack arena holds Python entries too -> a callchain arena: a row with
        a Python stack has its Python frames, innermost first (the recorder read no registers nor
        stack window for it: they would only unwind libpython); the other rows' windows go to the
        unwinder as before."""
        if raw is None or len(raw) < 6:
            return raw
        recs, arena = raw[0], raw[5]
        regs: dict[int, bytes] = {}  # row -> its rip, rsp, rbp (no stack window)
        py: dict[int, bytes] = {}
        stacks: list[bytes] = []
        ended: list[int] = []
        pos, n = 0, len(arena)
        unpack = _U32x2.unpack_from
        while pos + 8 <= n:
            row, size = unpack(arena, pos)
            if row == PY_END_ROW:
                ended.append(_U32.unpack_from(arena, pos + 8)[0])
            elif row & PY_ROW_FLAG:
                py[row & ~PY_ROW_FLAG] = arena[pos + 8 : pos + 8 + size]
            elif size == 24:
                regs[row] = arena[pos + 8 : pos + 32]
            else:
                stacks.append(arena[pos : pos + 8 + size])
            pos += 8 + size
        if not py and not ended and not regs:
            return unwinder.convert(raw)
        chains: list[bytes] = []
        for row, rip in regs.items():
            if row not in py:
                stacks.append(_U32x2.pack(row, 24) + rip)
        out = unwinder.convert((*raw[:5], b"".join(stacks))) if stacks else (*raw[:5], b"")
        native = out[5]
        rec_size = unwinder.rec_size
        cache = self._rows
        for row, raw_py in py.items():
            pc = regs[row][:8] if row in regs else None
            key = (pc or b"") + raw_py
            body = cache.get(key)
            if body is None:
                tail = self._row_tail(_I.unpack_from(recs, row * rec_size + REC_PID_OFF)[0], raw_py)
                if pc is None and not tail:
                    continue
                count = len(tail) // 8 + (1 if pc is not None else 0)
                body = _U32.pack(count) + (pc or b"") + tail
                if len(cache) > 100_000:
                    cache.clear()
                cache[key] = body
            chains.append(_U32.pack(row) + body)
        out = (*out[:5], native + b"".join(chains))
        if not pending:
            self._release(ended)
        return out

    def _release(self, ended: list[int]) -> None:
        """Forget the codes of images gone RELEASE_AFTER batches ago (exec, exit): rows captured
        before the end may still come in the next batch or two (the execve call itself)."""
        self._batches += 1
        self._ended.extend((self._batches, gen) for gen in ended)
        while self._ended and self._ended[0][0] <= self._batches - RELEASE_AFTER:
            self._forget(self._ended.pop(0)[1])

    def _forget(self, gen: int) -> None:
        """An image's offsets, code objects and their lines; the per-row cache names its code ids
        (never reused, so never wrong) and is emptied with it."""
        self._tables.pop(gen, None)
        for cid in self._gen_codes.pop(gen, ()):
            self._codes.pop(cid, None)
            self._lines.pop(cid, None)
        self._rows.clear()

    def cached(self) -> dict[str, int]:
        """Sizes of the per-image caches (tests: released at exit)."""
        return {"codes": len(self._codes), "images": len(self._tables), "lines": len(self._lines)}

    def metadata(self) -> list[list[Any]]:
        """The interned frames, for the trace metadata (source.python_frames). Called once the
        last batch is converted: the codes of every image that ended are released now."""
        for _, gen in self._ended:
            self._forget(gen)
        self._ended.clear()
        return [list(f) for f in self.frames]


def debug_offsets(pid: int, runtime: int, version: str, at: dict[str, int],
                  const: dict[str, int]) -> dict[str, int] | str:
    """The offsets table of a 3.13+ interpreter, read from the _Py_DebugOffsets at the start of
    its _PyRuntime (static data: there before the interpreter starts). A str: why not."""
    fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY | os.O_CLOEXEC)
    try:
        raw = _read(fd, runtime, const["size"])
    finally:
        os.close(fd)
    if raw[:8] != b"xdebugpy":
        return f"CPython {version}: no _Py_DebugOffsets cookie at _PyRuntime: native frames only"
    hexver = _Q.unpack_from(raw, at["version"])[0]
    if f"{hexver >> 24}.{(hexver >> 16) & 0xFF}" != version:
        return f"CPython {version}: _Py_DebugOffsets says {hexver:#x}: native frames only"
    if _Q.unpack_from(raw, at["free_threaded"])[0]:
        return f"CPython {version} free-threaded build: not supported, native frames only"
    table = {k: _Q.unpack_from(raw, pos)[0] for k, pos in at.items() if k not in ("version", "free_threaded")}
    # the thread state points at the current frame itself (no _PyCFrame since 3.13)
    table["tstate_cframe"] = -1
    table["frame_owner_cstack"] = const["frame_owner_cstack"]
    table["unicode_compact_data"] = table["unicode_ascii_data"] + const["unicode_compact_extra"]
    return table


def _read(fd: int, addr: int, size: int) -> bytes:
    if addr >= 1 << 63 or addr == 0:
        raise OSError("bad address")
    buf = ctypes.create_string_buffer(size)
    if _LIBC.pread(fd, buf, size, addr) != size:
        raise OSError(ctypes.get_errno(), "short read of the tracee's memory")
    return buf.raw


def _ptr(fd: int, addr: int) -> int:
    return _Q.unpack(_read(fd, addr, 8))[0]


def _str(fd: int, obj: int, o: dict[str, int]) -> str:
    length = _ptr(fd, obj + o["unicode_length"])
    state = _I.unpack(_read(fd, obj + o["unicode_state"], 4))[0]
    kind, compact, ascii_ = (state >> 2) & 7, (state >> 5) & 1, (state >> 6) & 1
    if not compact or length > 4096 or kind not in (1, 2, 4):
        return "?"
    data_off = o["unicode_ascii_data"] if ascii_ else o["unicode_compact_data"]
    raw = _read(fd, obj + data_off, length * kind)
    return raw.decode({1: "latin-1", 2: "utf-16-le", 4: "utf-32-le"}[kind])
