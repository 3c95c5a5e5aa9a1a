"""--source for Python programs: the Python stack of a stopped CPython thread, read from its memory.

Follows the route CPython documents for debuggers: the ``_PyRuntime`` symbol (ELF symbol table of
the python binary or libpython, plus the load bias from /proc/PID/maps) -> interpreters -> thread
states matched by native thread id -> the frame chain -> code objects, whose line comes from the
location table (Objects/locations.md). Offsets per CPython minor version are data in
schema/pyoffsets_<ver>.py. Called from the recorder loop while the thread is stopped, so the
read is consistent; anything unknown or unreadable gives no Python stack and a note, never a crash.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import re
import struct
from functools import lru_cache
from typing import Any

MAX_FRAMES = 64
# The user's code: not the standard library, site-packages, frozen modules or 3.12's C-stack
# shim frames (--source-skip adds).
DEFAULT_SKIP = r"^<shim>$|^<frozen |/lib/python3\.\d+/|/site-packages/|/dist-packages/"
_LIB = re.compile(r"/(lib)?python(3\.\d+)(\.so[.\d]*)?$|/libpython(3\.\d+)\.so")
# libc's pread through PyDLL: the GIL is kept across the read. os.pread releases it, and each
# re-acquisition waits for the busy sink worker (switch interval), ~10x the read itself.
_LIBC = ctypes.PyDLL(None, use_errno=True)
_LIBC.pread.restype = ctypes.c_ssize_t
_LIBC.pread.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_long]
_Q = struct.Struct("<Q")
_I = struct.Struct("<i")


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


@lru_cache(maxsize=16)
def _runtime_symbol(path: str, ino: int, mtime_ns: int) -> tuple[int, int | None, bool]:
    """(lowest PT_LOAD vaddr, _PyRuntime's address or None, position independent) of one object;
    the GNU hash table first: building the whole symbol index of libpython takes ~0.5 s."""
    from elftools.elf.elffile import ELFFile

    with open(path, "rb") as fh:
        elf = ELFFile(fh)
        low = min((s["p_vaddr"] for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"), default=0)
        dyn = elf.header["e_type"] == "ET_DYN"
        hashed = elf.get_section_by_name(".gnu.hash")
        if hashed is not None and hasattr(hashed, "get_symbol"):
            sym = hashed.get_symbol("_PyRuntime")
            if sym is not None:
                return low, sym["st_value"], dyn
        for name in (".symtab", ".dynsym"):
            sec = elf.get_section_by_name(name)
            syms = sec.get_symbol_by_name("_PyRuntime") if sec is not None else None
            if syms:
                return low, syms[0]["st_value"], dyn
    return low, None, dyn


class PyFrames:
    """Per process: where _PyRuntime is and which offset table applies; per row: the Python stack."""

    def __init__(self, skip: str | None = None) -> None:
        self.skip = re.compile(DEFAULT_SKIP + (f"|{skip}" if skip else ""))
        self.stacks: dict[int, list[tuple[str, int | None, str]]] = {}  # seq -> frames, innermost first
        self._procs: dict[int, tuple[int, dict[str, int]] | None] = {}
        self._fds: dict[int, int] = {}
        self._codes: dict[tuple[int, int, int], tuple[str, str, bytes]] = {}
        self._lines: dict[tuple[int, int, int, int], int | None] = {}
        self.notes: dict[str, str] = {}

    # --- process discovery ---------------------------------------------------------------------
    def forget(self, pid: int) -> None:
        """A new image (exec): look again."""
        self._procs.pop(pid, None)
        fd = self._fds.pop(pid, None)
        if fd is not None:
            os.close(fd)

    def _runtime(self, pid: int) -> tuple[int, dict[str, int]] | None:
        if pid in self._procs:
            return self._procs[pid]
        found: tuple[int, dict[str, int]] | None = None
        try:
            found = self._find_runtime(pid)
        except Exception as exc:  # unreadable maps or ELF: native frames only
            self.notes[str(pid)] = f"no Python stack: {exc}"
        self._procs[pid] = found
        return found

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
                table = importlib.import_module(
                    f"renacer.schema.pyoffsets_{version.replace('.', '')}").OFFSETS
            except ImportError:
                self.notes[str(pid)] = f"CPython {version} is not known (no schema/pyoffsets table): native frames only"
                return None
            bias = start - (low & ~0xFFF) if dyn else 0
            return addr + bias, table
        return None

    # --- reading, while the thread is stopped --------------------------------------------------
    def _read(self, pid: int, addr: int, size: int) -> bytes:
        fd = self._fds.get(pid)
        if fd is None:
            fd = self._fds[pid] = os.open(f"/proc/{pid}/mem", os.O_RDONLY | os.O_CLOEXEC)
        if addr >= 1 << 63:
            raise OSError("bad address")
        buf = ctypes.create_string_buffer(size)
        if _LIBC.pread(fd, buf, size, addr) != size:
            raise OSError(ctypes.get_errno(), "short read of the tracee's memory")
        return buf.raw

    def _ptr(self, pid: int, addr: int) -> int:
        return _Q.unpack(self._read(pid, addr, 8))[0]

    def _str(self, pid: int, obj: int, o: dict[str, int]) -> str:
        length = self._ptr(pid, obj + o["unicode_length"])
        state = _I.unpack(self._read(pid, obj + o["unicode_state"], 4))[0]
        kind, compact, ascii_ = (state >> 2) & 7, (state >> 5) & 1, (state >> 6) & 1
        if not compact or length > 4096:
            return "?"
        data_off = o["unicode_ascii_data"] if ascii_ else o["unicode_compact_data"]
        raw = self._read(pid, obj + data_off, length * kind)
        return raw.decode({1: "latin-1", 2: "utf-16-le", 4: "utf-32-le"}[kind])

    def _code(self, pid: int, code: int, o: dict[str, int]) -> tuple[str, str, bytes, int]:
        first = _I.unpack(self._read(pid, code + o["code_firstlineno"], 4))[0]
        key = (pid, code, first)  # the first line guards against a freed code object's reused address
        hit = self._codes.get(key)
        if hit is None:
            fname = self._str(pid, self._ptr(pid, code + o["code_filename"]), o)
            func = self._str(pid, self._ptr(pid, code + o["code_qualname"]), o)
            lt = self._ptr(pid, code + o["code_linetable"])
            size = self._ptr(pid, lt + o["bytes_size"])
            table = self._read(pid, lt + o["bytes_sval"], min(size, 1 << 20))
            hit = self._codes[key] = (fname, func, table)
        return hit[0], hit[1], hit[2], first

    def stack(self, pid: int, tid: int) -> list[tuple[str, int | None, str]] | None:
        rt = self._runtime(pid)
        if rt is None:
            return None
        runtime, o = rt
        interp = self._ptr(pid, runtime + o["runtime_interpreters_head"])
        while interp:
            ts = self._ptr(pid, interp + o["interp_threads_head"])
            while ts:
                if self._ptr(pid, ts + o["tstate_native_thread_id"]) == tid:
                    return self._frames(pid, ts, o)
                ts = self._ptr(pid, ts + o["tstate_next"])
            interp = self._ptr(pid, interp + o["interp_next"])
        return None

    def _frames(self, pid: int, ts: int, o: dict[str, int]) -> list[tuple[str, int | None, str]]:
        cframe = self._ptr(pid, ts + o["tstate_cframe"])
        frame = self._ptr(pid, cframe + o["cframe_current_frame"]) if cframe else 0
        out: list[tuple[str, int | None, str]] = []
        lo = min(o["frame_f_code"], o["frame_previous"], o["frame_prev_instr"])
        span = max(o["frame_f_code"], o["frame_previous"], o["frame_prev_instr"]) + 8 - lo
        while frame and len(out) < MAX_FRAMES:
            raw = self._read(pid, frame + lo, span)  # the three fields in one read
            code = _Q.unpack_from(raw, o["frame_f_code"] - lo)[0]
            prev_instr = _Q.unpack_from(raw, o["frame_prev_instr"] - lo)[0]
            fname, func, table, first = self._code(pid, code, o)
            index = (prev_instr - (code + o["code_adaptive"])) // 2
            key = (pid, code, first, index)
            line = self._lines.get(key, -1)
            if line == -1:
                line = self._lines[key] = line_at(table, first, index) if index >= 0 else None
            out.append((fname, line, func))
            frame = _Q.unpack_from(raw, o["frame_previous"] - lo)[0]
        return out

    def on_entry(self, pid: int, tid: int, seq: int) -> None:
        """Recorder callback at each recorded entry with --source (the thread is stopped)."""
        if self._procs.get(pid, 0) is None:
            return
        try:
            frames = self.stack(pid, tid)
        except Exception as exc:  # a read that fails: native frames, and why
            self.notes[str(pid)] = f"Python stack read failed: {exc}"
            return
        if frames:
            self.stacks[seq] = frames

    def choose(self, frames: list[tuple[str, int | None, str]]) -> tuple[str, int | None, str] | None:
        for f in frames:
            if not self.skip.search(f[0]):
                return f
        return None

    def annotate(self, batch: Any, keep: bool = False) -> Any:
        """Override src_file/src_line/src_func with the chosen Python frame where one was read."""
        import pyarrow as pa

        seqs = batch.column("seq").to_pylist()
        take = self.stacks.get if keep else self.stacks.pop  # pending rows come again, finished
        picks = [self.choose(take(s)) if s in self.stacks else None for s in seqs]
        if not any(picks):
            return batch
        names = batch.schema.names
        cols = list(batch.columns)
        olds = [cols[names.index(c)].to_pylist() for c in ("src_file", "src_line", "src_func")]
        new = [[p[i] if p else olds[i][r] for r, p in enumerate(picks)] for i in range(3)]
        dict_str = pa.dictionary(pa.int32(), pa.string())
        cols[names.index("src_file")] = pa.array(new[0], type=pa.string()).dictionary_encode().cast(dict_str)
        cols[names.index("src_line")] = pa.array(new[1], type=pa.int32())
        cols[names.index("src_func")] = pa.array(new[2], type=pa.string()).dictionary_encode().cast(dict_str)
        return pa.RecordBatch.from_arrays(cols, schema=batch.schema)
