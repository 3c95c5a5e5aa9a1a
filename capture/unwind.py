"""``--source``: turn the stack windows the recorder copied into return addresses.

At each recorded syscall entry the recorder (C, nogil) stores rip, rsp, rbp and a window of the
user stack from rsp (``capture_stack`` in _recorder.pyx) in a sixth arena of the batch. On the
sink's worker thread, off the tracee's path, ``Unwinder.convert`` walks each window with the
call-frame information of the objects involved (``.eh_frame`` through ``.eh_frame_hdr``'s sorted
table, or ``.debug_frame``; pyelftools decodes one FDE at a time, and each decoded row is
cached per object and address, so a call site seen before costs a dictionary look-up per frame)
and replaces the arena by a compact callchain arena. The stack bytes are dropped there: neither
the journal nor the trace ever holds them.

Where an object has no CFI for an address, the walk follows the frame-pointer chain (rbp), as
long as it stays inside the window.

Arenas (little endian):
  stack:     per row [u32 row][u32 n][u64 rip][u64 rsp][u64 rbp][n-24 stack bytes]
  callchain: per row [u32 row][u32 count][count x u64 address]
"""
from __future__ import annotations

import bisect
import io
import struct
import threading
from typing import Any

from renacer.analyze.symbolize import ImageTable, Mapping, open_object, read_build_id, read_proc_maps

STACK_WINDOW = 16384
MAX_FRAMES = 64
# struct Rec offsets (capture/batches.py REC_DTYPE): seq at 0, pid at 88.
REC_SEQ_OFF = 0
REC_PID_OFF = 88

_U32x2 = struct.Struct("<II")
_U64x3 = struct.Struct("<QQQ")
_U64 = struct.Struct("<Q")

# DWARF register numbers on x86_64
_RBP, _RSP, _RA = 6, 7, 16


class SourceState:
    """What --source learns while recording: the mappings of each process image (read while the
    process is stopped, from the loop's on_image callback) and the objects they name."""

    def __init__(self, skip: str | None = None) -> None:
        self.images = ImageTable()
        self.skip = skip
        self.lock = threading.Lock()
        self._journaled: dict[int, int] = {}

    def on_image(self, pid: int, seq: int) -> None:
        maps = read_proc_maps(pid)
        if maps:
            with self.lock:
                self.images.add(pid, seq, maps)

    def refresh(self, pid: int, seq: int) -> bool:
        """A pc outside every known mapping (dlopen since): read the mappings again."""
        maps = read_proc_maps(pid)
        if not maps:
            return False
        with self.lock:
            return self.images.add(pid, seq, maps)

    def new_images(self) -> list[tuple[int, int, list[list[Any]]]]:
        """Image versions learnt since the last call (for the journal): (pid, from_seq, maps)."""
        out = []
        with self.lock:
            for pid, versions in self.images.versions.items():
                done = self._journaled.get(pid, 0)
                for from_seq, maps in versions[done:]:
                    out.append((pid, from_seq, [[m.start, m.end, m.offset, m.path] for m in maps]))
                self._journaled[pid] = len(versions)
        return out

    def metadata(self) -> dict[str, Any]:
        with self.lock:
            images = self.images.to_meta()
            paths = sorted({m.path for vs in self.images.versions.values() for _, ms in vs for m in ms})
        objects: dict[str, str | None] = {}
        for path in paths:
            if path.startswith("/"):  # build-ids read with struct: no pyelftools at the end
                objects[path] = read_build_id(path)
        return {"window": STACK_WINDOW, "skip": self.skip, "images": images, "objects": objects}


class _CFI:
    """The unwind rules of one object, looked up by ELF virtual address."""

    def __init__(self, elf: Any) -> None:
        from elftools.dwarf.callframe import CallFrameInfo
        from elftools.dwarf.structs import DWARFStructs

        self.rules: dict[int, tuple[int, int, int | None, int | None] | None] = {}
        self._locs: list[int] = []
        self._fdes: list[int] = []
        self._entries: list[Any] | None = None
        structs = DWARFStructs(little_endian=True, dwarf_format=32, address_size=8)
        self.cfi = None
        eh = elf.get_section_by_name(".eh_frame")
        hdr = elf.get_section_by_name(".eh_frame_hdr")
        if eh is not None and eh["sh_type"] != "SHT_NOBITS":
            data = eh.data()
            self.cfi = CallFrameInfo(io.BytesIO(data), len(data), eh["sh_addr"], structs, for_eh_frame=True)
            self.base = eh["sh_addr"]
            if hdr is not None and not self._read_hdr(hdr):
                self._entries = None
            if not self._locs:
                self._index_all()
        else:
            dbg = elf.get_section_by_name(".debug_frame")
            if dbg is not None and dbg["sh_type"] != "SHT_NOBITS":
                data = dbg.data()
                self.cfi = CallFrameInfo(io.BytesIO(data), len(data), dbg["sh_addr"], structs)
                self.base = 0
                self._index_all()

    def _read_hdr(self, hdr: Any) -> bool:
        data = hdr.data()
        if len(data) < 12 or data[0] != 1:
            return False
        # the usual encodings: eh_frame_ptr pcrel|sdata4, fde_count udata4, table datarel|sdata4
        if data[1] != 0x1B or data[2] != 0x03 or data[3] != 0x3B:
            return False
        (count,) = struct.unpack_from("<I", data, 8)
        table = struct.unpack_from(f"<{2 * count}i", data, 12)
        addr = hdr["sh_addr"]
        self._locs = [addr + v for v in table[0::2]]
        self._fdes = [addr + v - self.base for v in table[1::2]]  # offsets in .eh_frame
        return True

    def _index_all(self) -> None:
        from elftools.dwarf.callframe import FDE

        pairs = []
        try:
            for e in self.cfi.get_entries() if self.cfi is not None else ():
                if isinstance(e, FDE):
                    pairs.append((e.header["initial_location"], e.offset))
        except Exception:
            pass
        pairs.sort()
        self._locs = [p[0] for p in pairs]
        self._fdes = [p[1] for p in pairs]

    def rule(self, addr: int) -> tuple[int, int, int | None, int | None] | None:
        """(cfa register, cfa offset, return-address offset, rbp offset) at addr, or None."""
        if addr in self.rules:
            return self.rules[addr]
        found = None
        i = bisect.bisect_right(self._locs, addr) - 1
        if i >= 0 and self.cfi is not None:
            try:
                fde: Any = self.cfi._parse_entry_at(self._fdes[i])  # an FDE: _fdes holds FDE offsets only
                start = fde.header["initial_location"]
                if start <= addr < start + fde.header["address_range"]:
                    found = _row_rule(fde.get_decoded().table, addr)
            except Exception:  # a malformed or unusual FDE: fall back to frame pointers
                found = None
        self.rules[addr] = found
        return found


def _row_rule(table: list[dict[Any, Any]], addr: int) -> tuple[int, int, int | None, int | None] | None:
    row = None
    for r in table:
        if r["pc"] <= addr:
            row = r
        else:
            break
    if row is None:
        return None
    cfa = row["cfa"]
    if cfa.expr is not None or cfa.reg not in (_RBP, _RSP):
        return None
    ra = row.get(_RA)
    ra_off = ra.arg if ra is not None and ra.type == "OFFSET" else -8
    bp = row.get(_RBP)
    bp_off = bp.arg if bp is not None and bp.type == "OFFSET" else None
    return cfa.reg, cfa.offset, ra_off, bp_off


class Unwinder:
    """Stack windows to callchains, with per-object CFI tables cached for the whole recording."""

    def __init__(self, state: SourceState) -> None:
        self.state = state
        self._cfi: dict[str, _CFI | None] = {}
        self._bias: dict[tuple[str, int, int], int | None] = {}
        self._memo: dict[tuple[int, int, int, int], tuple[list[int], list[tuple[int, int]], int | None]] = {}
        self.rows = 0
        self.frames = 0

    def _object(self, m: Mapping) -> tuple[_CFI | None, int]:
        key = (m.path, m.start, m.offset)
        bias = self._bias.get(key)
        cfi = self._cfi.get(m.path)
        if bias is None or (cfi is None and m.path not in self._cfi):
            obj = open_object(m.path) if m.path.startswith("/") else None
            if obj is None:
                self._cfi[m.path] = None
                self._bias[key] = m.start - m.offset
                return None, m.start - m.offset
            if m.path not in self._cfi:
                try:
                    self._cfi[m.path] = _CFI(obj.elf)
                except Exception:
                    self._cfi[m.path] = None
            bias = self._bias[key] = obj.bias(m)
            cfi = self._cfi[m.path]
        return cfi, bias

    def walk(self, pid: int, seq: int, rip: int, rsp: int, rbp: int, stack: bytes | memoryview,
             refreshed: set[int]) -> list[int]:
        """The callchain of one row. A call site seen before at the same stack depth usually
        has the same frames: the walk's reads (stack words, and rbp if it mattered) are kept,
        and a row whose words match reuses the chain for a few compares instead of a walk."""
        version = self.state.images.version(pid, seq)
        key = (pid, version[0] if version else -1, rip, rsp)
        hit = self._memo.get(key)
        if hit is not None:
            chain, reads, rbp_used = hit
            n = len(stack)
            unpack = _U64.unpack_from
            for off, value in reads:
                if off + 8 > n or unpack(stack, off)[0] != value:
                    break
            else:
                if rbp_used is None or rbp_used == rbp:
                    self.rows += 1
                    self.frames += len(chain)
                    return chain
        chain, reads, rbp_used = self._walk(pid, seq, rip, rsp, rbp, stack, refreshed)
        if len(self._memo) > 100_000:
            self._memo.clear()
        self._memo[key] = (chain, reads, rbp_used)
        self.rows += 1
        self.frames += len(chain)
        return chain

    def _walk(self, pid: int, seq: int, rip: int, rsp: int, rbp: int, stack: bytes | memoryview,
              refreshed: set[int]) -> tuple[list[int], list[tuple[int, int]], int | None]:
        images = self.state.images
        chain = [rip]
        pc, sp, bp = rip, rsp, rbp
        lo, hi = rsp, rsp + len(stack)
        unpack = _U64.unpack_from
        reads: list[tuple[int, int]] = []
        bp_is_reg = True  # bp still holds the register's value (not one reloaded from the stack)
        rbp_used = False

        def word(addr: int) -> int:
            value = unpack(stack, addr - lo)[0]
            reads.append((addr - lo, value))
            return value

        first = True
        for _ in range(MAX_FRAMES):
            m = images.find(pid, seq, pc)
            if m is None and pid not in refreshed and images.is_latest(pid, seq):
                refreshed.add(pid)
                if self.state.refresh(pid, seq):
                    m = images.find(pid, seq, pc)
            rule = None
            if m is not None:
                cfi, bias = self._object(m)
                if cfi is not None:
                    rule = cfi.rule(pc - bias - (0 if first else 1))
            if rule is not None:
                reg, off, ra_off, bp_off = rule
                if reg != _RSP:
                    rbp_used = rbp_used or bp_is_reg
                cfa = (sp if reg == _RSP else bp) + off
                at = cfa + (ra_off if ra_off is not None else -8)
                if not (lo <= at and at + 8 <= hi):
                    break
                ra = word(at)
                if bp_off is not None:
                    b = cfa + bp_off
                    if lo <= b and b + 8 <= hi:
                        bp = word(b)
                        bp_is_reg = False
            elif first and sp + 8 <= hi and images.find(pid, seq, word(sp)) is not None:
                # no CFI at the syscall itself (glibc's clone3 ends its FDE before the syscall
                # instruction): a stub that pushed nothing, its return address at rsp
                cfa = sp + 8
                ra = word(sp)
            else:
                # no CFI here: the frame-pointer chain, while it stays in the window
                rbp_used = rbp_used or bp_is_reg
                if not (lo <= bp and bp + 16 <= hi and bp >= sp):
                    break
                cfa = bp + 16
                ra = word(bp + 8)
                bp = word(bp)
                bp_is_reg = False
            if ra == 0 or cfa <= sp:
                break
            chain.append(ra)
            pc, sp, first = ra, cfa, False
        return chain, reads, (rbp if rbp_used else None)

    def convert(self, raw: tuple[bytes, ...] | None) -> tuple[bytes, ...] | None:
        """A raw batch whose sixth part is the stack arena -> the same with a callchain arena."""
        if raw is None or len(raw) < 6:
            return raw
        recs, arena = raw[0], raw[5]
        rec_size = self.rec_size
        out: list[bytes] = []
        refreshed: set[int] = set()
        pos, n = 0, len(arena)
        view = memoryview(arena)
        while pos + 8 <= n:
            row, size = _U32x2.unpack_from(arena, pos)
            pos += 8
            if size >= 24:
                rip, rsp, rbp = _U64x3.unpack_from(arena, pos)
                (seq,) = _U64.unpack_from(recs, row * rec_size + REC_SEQ_OFF)
                (pid,) = struct.unpack_from("<i", recs, row * rec_size + REC_PID_OFF)
                try:
                    chain = self.walk(pid, seq, rip, rsp, rbp, view[pos + 24 : pos + size], refreshed)
                except Exception:  # an object we cannot parse: the row keeps its pc, never a crash
                    chain = [rip]
                out.append(_U32x2.pack(row, len(chain)) + struct.pack(f"<{len(chain)}Q", *chain))
            pos += size
        return (*raw[:5], b"".join(out))

    @property
    def rec_size(self) -> int:
        from renacer.capture._recorder import rec_size

        return rec_size()


def callchains(arena: bytes, nrows: int) -> list[list[int] | None]:
    """Decode a callchain arena into one entry per row (None where the row has none)."""
    out: list[list[int] | None] = [None] * nrows
    pos, n = 0, len(arena)
    while pos + 8 <= n:
        row, count = _U32x2.unpack_from(arena, pos)
        pos += 8
        if row < nrows:
            out[row] = list(struct.unpack_from(f"<{count}Q", arena, pos))
        pos += 8 * count
    return out
