"""Addresses to ``file:line in function``: the analyzer side of ``--source``.

A ``--source`` recording stores, per syscall row, the return addresses of the calling thread
(``callchain``: the instruction pointer at the syscall, then one return address per frame; for a
thread running CPython code its Python frames instead, as PY_TAG entries naming the metadata's
``source.python_frames``) and,
in the file metadata (``source``), the executable mappings of every process image with the
path and build-id of each object. This module turns those into the frame a user wants to see:
the first frame in the traced program's own code, skipping libc, the dynamic loader, the C++
and Rust standard libraries (``--source-skip`` adds a pattern).

Everything is read from ELF files, never from a live process, so a trace symbolizes again on
another machine that has the binaries: objects are found by build-id (``DIR/.build-id/xx/rest
[.debug]`` under each ``--debug-dir`` and ``/usr/lib/debug``), by name under a debug dir, then at
their recorded path — a file whose build-id differs is never used. DWARF (``.debug_line``,
``.debug_info``) gives file, line and function, inlined functions included (an address inside an
inlined call yields the inlined function, then its caller at the call's line); a stripped object
falls back to its symbol table (function, no line); with no symbols at all the frame is shown as
``object+0xOFFSET``. Decoded tables are cached per object, and compilation units are decoded
only when an address falls inside them.

Imports neither pyarrow nor numpy at module level: the recorder's worker uses the mapping table.
"""
from __future__ import annotations

import bisect
import os
import re
import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

# Re-exported: its home before the live path needed it without the rest of this module.
from renacer.analyze.source_ref import source_text as source_text

# Matched against the object path, the function and the source file of a frame: a match means
# "library code, look further up the stack".
DEFAULT_SKIP_OBJECTS = (
    r"(^|/)(libc|libm|libpthread|libdl|librt|libresolv|libnss_[a-z]+|ld-linux[-a-z0-9_]*|ld|"
    r"libstdc\+\+|libgcc_s|libc\+\+|libc\+\+abi|libunwind|libssl|libcrypto)([.-][^/]*)?$"
    r"|^\[vdso\]$"
)
DEFAULT_SKIP_FUNCTIONS = r"^<?(std|core|alloc|__gnu_cxx|__cxxabiv1)::|^__libc_|^_start$|^_dl_"
# Python frames (--source on CPython): the user's code, not the standard library, site-packages,
# frozen modules or 3.12's C-stack shim frames (--source-skip adds).
PY_DEFAULT_SKIP = r"^<shim>$|^<frozen |/lib/python3\.\d+/|/site-packages/|/dist-packages/"
# A callchain entry with bit 63 set is a Python frame: the rest is its index in the trace's
# python_frames table (metadata source.python_frames: [file, line, function] each). No user-space
# address has that bit, so native code never takes one for an address.
PY_TAG = 1 << 63
DEFAULT_SKIP_FILES = r"^/rustc/|(^|/)library/(std|core|alloc|panic_unwind|panic_abort)/src/|/usr/include/c\+\+/|^\.\./sysdeps/|/glibc[^/]*/"


@dataclass(frozen=True)
class Mapping:
    start: int
    end: int
    offset: int
    path: str


@dataclass(frozen=True)
class Frame:
    """One (possibly inlined) frame: what the renderer and the src_* columns show."""

    file: str | None
    line: int | None
    func: str | None
    obj: str


class ImageTable:
    """The executable mappings of each process image over time, by pid and starting seq.

    A process's table gets a new version when its mappings change (exec, dlopen); a row uses the
    latest version that started at or before its seq.
    """

    def __init__(self) -> None:
        self.versions: dict[int, list[tuple[int, list[Mapping]]]] = {}
        self._starts: dict[tuple[int, int], list[int]] = {}

    def add(self, pid: int, from_seq: int, mappings: list[Mapping]) -> bool:
        """Add a version; False when it equals the current one (another thread, same image)."""
        versions = self.versions.setdefault(pid, [])
        mappings = sorted(mappings, key=lambda m: m.start)
        if versions and versions[-1][1] == mappings:
            return False
        if versions and from_seq < versions[-1][0]:
            from_seq = versions[-1][0]
        versions.append((from_seq, mappings))
        return True

    def version(self, pid: int, seq: int) -> tuple[int, list[Mapping]] | None:
        versions = self.versions.get(pid)
        if not versions:
            return None
        if len(versions) == 1 or seq >= versions[-1][0]:
            return versions[-1]  # the usual case, on every frame of every row: no list built
        i = bisect.bisect_right([v[0] for v in versions], seq) - 1
        return versions[max(i, 0)]

    def find(self, pid: int, seq: int, pc: int) -> Mapping | None:
        v = self.version(pid, seq)
        if v is None:
            return None
        key = (pid, v[0])
        starts = self._starts.get(key)
        if starts is None:
            starts = self._starts[key] = [m.start for m in v[1]]
        i = bisect.bisect_right(starts, pc) - 1
        if i >= 0 and pc < v[1][i].end:
            return v[1][i]
        return None

    def is_latest(self, pid: int, seq: int) -> bool:
        versions = self.versions.get(pid)
        return versions is not None and len(versions) > 0 and self.version(pid, seq) is versions[-1]

    def to_meta(self) -> dict[str, list[Any]]:
        return {str(pid): [[seq, [[m.start, m.end, m.offset, m.path] for m in maps]] for seq, maps in vs]
                for pid, vs in self.versions.items()}

    @classmethod
    def from_meta(cls, doc: dict[str, Any]) -> ImageTable:
        table = cls()
        for pid, versions in doc.items():
            for seq, maps in versions:
                table.versions.setdefault(int(pid), []).append(
                    (int(seq), [Mapping(int(a), int(b), int(c), str(d)) for a, b, c, d in maps]))
        return table


def read_proc_maps(pid: int) -> list[Mapping]:
    """Executable, file-backed mappings of a process (and [vdso]); [] when it is gone."""
    out: list[Mapping] = []
    try:
        with open(f"/proc/{pid}/maps", "rb") as f:
            lines = f.read().decode("utf-8", "backslashreplace").splitlines()
    except OSError:
        return out
    for line in lines:
        parts = line.split(None, 5)
        if len(parts) < 6 or "x" not in parts[1]:
            continue
        path = parts[5].strip()
        if path.endswith(" (deleted)"):
            path = path[: -len(" (deleted)")]
        if not (path.startswith("/") or path == "[vdso]"):
            continue
        lo, hi = parts[0].split("-")
        out.append(Mapping(int(lo, 16), int(hi, 16), int(parts[2], 16), path))
    return out


# --- ELF objects ------------------------------------------------------------------------------

class ElfObject:
    """One ELF file: build-id, load segments, symbols and (when present) DWARF, decoded lazily."""

    def __init__(self, path: str) -> None:
        from elftools.elf.elffile import ELFFile

        self.path = path
        self._file = open(path, "rb")
        self.elf = ELFFile(self._file)
        self.build_id = _build_id(self.elf)
        self.loads = [(s["p_offset"], s["p_vaddr"], s["p_filesz"]) for s in self.elf.iter_segments()
                      if s["p_type"] == "PT_LOAD"]
        self.has_dwarf = self.elf.get_section_by_name(".debug_info") is not None
        self._symbols: tuple[list[int], list[tuple[int, int, str]]] | None = None
        self._dwarf: _Dwarf | None = None

    def bias(self, m: Mapping) -> int:
        """Load bias of a mapping of this file: runtime address minus ELF virtual address."""
        # The segment whose page-aligned file offset is the mapping's (segments of lld-linked
        # objects share pages, so "contains" alone would pick the wrong one).
        for p_offset, p_vaddr, p_filesz in self.loads:
            if p_offset & ~0xFFF == m.offset:
                return m.start - m.offset + p_offset - p_vaddr
        for p_offset, p_vaddr, p_filesz in self.loads:
            if p_offset & ~0xFFF <= m.offset < p_offset + p_filesz:
                return m.start - m.offset + p_offset - p_vaddr
        return m.start - m.offset

    def symbol(self, addr: int) -> str | None:
        if self._symbols is None:
            syms: dict[int, tuple[int, int, str]] = {}
            for name in (".dynsym", ".symtab"):
                sec = self.elf.get_section_by_name(name)
                if sec is None or not hasattr(sec, "iter_symbols"):
                    continue
                for sym in sec.iter_symbols():
                    if sym["st_info"]["type"] in ("STT_FUNC", "STT_GNU_IFUNC") and sym["st_value"] and sym.name:
                        syms[sym["st_value"]] = (sym["st_value"], sym["st_size"], sym.name)
            ordered = sorted(syms.values())
            self._symbols = ([s[0] for s in ordered], ordered)
        starts, ordered = self._symbols
        i = bisect.bisect_right(starts, addr) - 1
        if i < 0:
            return None
        start, size, name = ordered[i]
        if size and addr >= start + size:
            return None
        return _demangle(name)

    def frames(self, addr: int) -> list[tuple[str | None, int | None, str | None]] | None:
        """(file, line, function) from the innermost inlined call outwards, or None (no DWARF
        covers addr)."""
        if not self.has_dwarf:
            return None
        if self._dwarf is None:
            self._dwarf = _Dwarf(self.elf)
        return self._dwarf.frames(addr)


def _build_id(elf: Any) -> str | None:
    for sec in elf.iter_sections():
        if sec["sh_type"] == "SHT_NOTE":
            for note in sec.iter_notes():
                if note["n_type"] == "NT_GNU_BUILD_ID":
                    return str(note["n_desc"])
    return None


def read_build_id(path: str) -> str | None:
    """An object's GNU build-id (hex), as ``ElfObject.build_id`` gives it, read with struct from
    its SHT_NOTE sections: the trace metadata names every mapped object, and pyelftools' import
    and section parsing cost ~0.3 s at the end of each --source recording. None: no build-id,
    or not an ELF file."""
    key = _file_key(path)
    return _read_build_id(*key) if key is not None else None


def _file_key(path: str) -> tuple[str, int, int] | None:
    """(path, mtime, size) of a regular file, the cache key of what is read from it; None if
    it is missing or not a regular file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    return path, st.st_mtime_ns, st.st_size


@lru_cache(maxsize=256)
def _read_build_id(path: str, mtime_ns: int, size: int) -> str | None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
            if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
                return None
            (shoff,) = struct.unpack_from("<Q", head, 40)
            shentsize, shnum = struct.unpack_from("<HH", head, 58)
            fh.seek(shoff)
            sh = fh.read(shentsize * shnum)
            for i in range(shnum):
                _, sh_type, _, _, off, sz = struct.unpack_from("<IIQQQQ", sh, i * shentsize)
                if sh_type != 7:  # SHT_NOTE
                    continue
                fh.seek(off)
                notes = fh.read(sz)
                pos = 0
                while pos + 12 <= len(notes):
                    namesz, descsz, ntype = struct.unpack_from("<III", notes, pos)
                    name_at = pos + 12
                    desc_at = name_at + ((namesz + 3) & ~3)
                    if ntype == 3 and notes[name_at : name_at + namesz] == b"GNU\0":
                        return notes[desc_at : desc_at + descsz].hex()
                    pos = desc_at + ((descsz + 3) & ~3)
    except (OSError, struct.error):
        return None
    return None


@lru_cache(maxsize=256)
def load_object(path: str, mtime_ns: int, size: int) -> ElfObject | None:
    """Cached by path and stat, so a rebuilt binary is read again."""
    try:
        return ElfObject(path)
    except Exception:  # not ELF, unreadable, truncated: never a crash, just no symbols
        return None


def open_object(path: str) -> ElfObject | None:
    key = _file_key(path)
    return load_object(*key) if key is not None else None


def build_id_of(path: str) -> str | None:
    obj = open_object(path)
    return obj.build_id if obj is not None else None


# --- DWARF --------------------------------------------------------------------------------------

class _Dwarf:
    """Compilation-unit ranges at first use; a CU's line table and function tree when an address
    falls in it."""

    def __init__(self, elf: Any) -> None:
        self.info = elf.get_dwarf_info(relocate_dwarf_sections=False)
        self.cu_ranges: list[tuple[int, int, Any]] = []
        self._cus: dict[int, _Unit] = {}
        self._starts: list[int] = []
        # .debug_aranges maps addresses to CUs without parsing any DIE; without it, every CU's
        # top DIE is read once.
        try:
            self.aranges = self.info.get_aranges()
        except Exception:
            self.aranges = None
        if self.aranges is not None:
            return
        for cu in self.info.iter_CUs():
            top = cu.get_top_DIE()
            for lo, hi in _die_ranges(self.info, cu, top):
                if hi > lo:
                    self.cu_ranges.append((lo, hi, cu))
        self.cu_ranges.sort(key=lambda r: r[0])
        self._starts = [r[0] for r in self.cu_ranges]

    def _unit(self, cu: Any) -> _Unit:
        unit = self._cus.get(cu.cu_offset)
        if unit is None:
            unit = self._cus[cu.cu_offset] = _Unit(self.info, cu)
        return unit

    def frames(self, addr: int) -> list[tuple[str | None, int | None, str | None]] | None:
        if self.aranges is not None:
            off = self.aranges.cu_offset_at_addr(addr)
            if off is None:
                return None
            return self._unit(self.info.get_CU_at(off)).frames(addr)
        i = bisect.bisect_right(self._starts, addr) - 1
        # ranges may nest or overlap a little: look back a few
        for j in range(i, max(i - 8, -1), -1):
            lo, hi, cu = self.cu_ranges[j]
            if lo <= addr < hi:
                return self._unit(cu).frames(addr)
        return None


def _attr_int(die: Any, name: str) -> int | None:
    a = die.attributes.get(name)
    return None if a is None else a.value


def _die_ranges(info: Any, cu: Any, die: Any) -> list[tuple[int, int]]:
    attrs = die.attributes
    if "DW_AT_ranges" in attrs:
        rl = info.range_lists()
        if rl is None:
            return []
        try:
            entries = rl.get_range_list_at_offset(attrs["DW_AT_ranges"].value, cu=cu)
        except Exception:
            return []
        base = _attr_int(cu.get_top_DIE(), "DW_AT_low_pc") or 0
        out = []
        for e in entries:
            if hasattr(e, "base_address"):
                base = e.base_address
            elif getattr(e, "is_absolute", False):
                out.append((e.begin_offset, e.end_offset))
            else:
                out.append((base + e.begin_offset, base + e.end_offset))
        return out
    if "DW_AT_low_pc" in attrs and "DW_AT_high_pc" in attrs:
        lo = attrs["DW_AT_low_pc"].value
        hi_attr = attrs["DW_AT_high_pc"]
        hi = hi_attr.value if hi_attr.form == "DW_FORM_addr" else lo + hi_attr.value
        return [(lo, hi)]
    return []


def _die_name(die: Any, depth: int = 0) -> str | None:
    attrs = die.attributes
    for key in ("DW_AT_name",):
        if key in attrs:
            v = attrs[key].value
            return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
    if depth < 4:
        for ref in ("DW_AT_abstract_origin", "DW_AT_specification"):
            if ref in attrs:
                try:
                    return _die_name(die.get_DIE_from_attribute(ref), depth + 1)
                except Exception:
                    return None
    return None


class _Unit:
    def __init__(self, info: Any, cu: Any) -> None:
        self.files: list[str | None] = []
        self.rows: list[tuple[int, int, int, bool]] = []  # address, file index, line, end
        lp = info.line_program_for_CU(cu)
        if lp is not None:
            version = lp.header["version"]
            dirs = [d.decode("utf-8", "replace") if isinstance(d, bytes) else str(d)
                    for d in lp.header["include_directory"]]
            for k, fe in enumerate(lp.header["file_entry"]):
                name = fe.name.decode("utf-8", "replace") if isinstance(fe.name, bytes) else str(fe.name)
                d = fe.dir_index
                # The compilation directory (index 0 in DWARF 5, implicit in 4) stays implicit:
                # the file reads as the compiler was given it (src/main.rs).
                if version >= 5:
                    prefix = dirs[d] if 0 < d < len(dirs) else ""
                else:
                    prefix = dirs[d - 1] if 0 < d <= len(dirs) else ""
                self.files.append(name if name.startswith("/") or not prefix else f"{prefix}/{name}")
            base = 0 if version >= 5 else 1
            self._file_base = base
            try:
                self.rows = _line_rows(lp)
            except Exception:  # an opcode we do not know: pyelftools' own (slower) decoder
                self.rows = [(e.state.address, e.state.file, e.state.line, bool(e.state.end_sequence))
                             for e in lp.get_entries() if e.state is not None]
            self.rows.sort(key=lambda r: (r[0], not r[3]))
        self._addrs = [r[0] for r in self.rows]
        self.info = info
        self.cu = cu

    def _scopes(self, die: Any, addr: int, depth: int, out: list[Any]) -> None:
        """Functions and inlined calls containing addr: (depth, name, call_file, call_line).
        Only subtrees that contain addr are entered (DW_AT_sibling lets pyelftools skip the
        rest), so a large unit is not decoded as a whole."""
        info, cu = self.info, self.cu
        for child in die.iter_children():
            tag = child.tag
            if tag in ("DW_TAG_subprogram", "DW_TAG_inlined_subroutine"):
                if any(lo <= addr < hi for lo, hi in _die_ranges(info, cu, child)):
                    out.append((depth, _die_name(child), _attr_int(child, "DW_AT_call_file"),
                                _attr_int(child, "DW_AT_call_line")))
                    self._scopes(child, addr, depth + 1, out)
            elif tag == "DW_TAG_lexical_block":
                ranges = _die_ranges(info, cu, child)
                if not ranges or any(lo <= addr < hi for lo, hi in ranges):
                    self._scopes(child, addr, depth + 1, out)
            elif tag in ("DW_TAG_namespace", "DW_TAG_module", "DW_TAG_structure_type",
                         "DW_TAG_class_type", "DW_TAG_union_type"):
                self._scopes(child, addr, depth, out)

    def _file(self, index: int | None) -> str | None:
        if index is None:
            return None
        k = index - self._file_base if hasattr(self, "_file_base") else index
        return self.files[k] if 0 <= k < len(self.files) else None

    def line_at(self, addr: int) -> tuple[str | None, int | None]:
        i = bisect.bisect_right(self._addrs, addr) - 1
        if i < 0:
            return None, None
        a, f, line, end = self.rows[i]
        if end:
            return None, None
        return self._file(f), line

    def frames(self, addr: int) -> list[tuple[str | None, int | None, str | None]]:
        file, line = self.line_at(addr)
        found: list[Any] = []
        self._scopes(self.cu.get_top_DIE(), addr, 0, found)
        scopes = sorted(found, key=lambda s: -s[0])
        if not scopes:
            return [(file, line, None)]
        out = []
        for depth, name, call_file, call_line in scopes:
            out.append((file, line, name))
            if call_line is None:
                break  # a real (not inlined) function: the outermost of this address
            file, line = self._file(call_file), call_line
        return out


_V0_CRATE = re.compile(r"C(?:s[0-9A-Za-z]*_)?(\d+)")


def _uleb(data: bytes, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, i


def _sleb(data: bytes, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            if b & 0x40:
                result -= 1 << shift
            return result, i


def _line_rows(lp: Any) -> list[tuple[int, int, int, bool]]:
    """The rows of a DWARF 2-5 line program (address, file, line, end_sequence): the state
    machine of DWARF 5 section 6.2 over the raw bytes, about ten times faster than pyelftools'
    construct-based decoder on large units. Only rows are kept (no columns, no views)."""
    h = lp.header
    lp.stream.seek(lp.program_start_offset)
    data = lp.stream.read(lp.program_end_offset - lp.program_start_offset)
    min_len = h["minimum_instruction_length"]
    line_base, line_range, opcode_base = h["line_base"], h["line_range"], h["opcode_base"]
    lengths = list(h["standard_opcode_lengths"])
    default_stmt = bool(h["default_is_stmt"])
    rows: list[tuple[int, int, int, bool]] = []
    add = rows.append
    address, file, line = 0, 1, 1
    i, n = 0, len(data)
    while i < n:
        op = data[i]
        i += 1
        if op >= opcode_base:
            adj = op - opcode_base
            address += (adj // line_range) * min_len
            line += line_base + adj % line_range
            add((address, file, line, False))
        elif op == 0:  # extended
            size, i = _uleb(data, i)
            end = i + size
            sub = data[i]
            if sub == 1:  # end_sequence
                add((address, file, line, True))
                address, file, line = 0, 1, 1
            elif sub == 2:  # set_address
                address = int.from_bytes(data[i + 1 : end], "little")
            i = end  # define_file, set_discriminator and vendor ops: nothing a row needs
        elif op == 1:  # copy
            add((address, file, line, False))
        elif op == 2:  # advance_pc
            v, i = _uleb(data, i)
            address += v * min_len
        elif op == 3:  # advance_line
            v, i = _sleb(data, i)
            line += v
        elif op == 4:  # set_file
            file, i = _uleb(data, i)
        elif op == 5:  # set_column
            _, i = _uleb(data, i)
        elif op in (6, 7, 10, 11):  # negate_stmt, basic_block, prologue_end, epilogue_begin
            pass
        elif op == 8:  # const_add_pc
            address += ((255 - opcode_base) // line_range) * min_len
        elif op == 9:  # fixed_advance_pc
            address += int.from_bytes(data[i : i + 2], "little")
            i += 2
        else:  # set_isa (12) and unknown standard opcodes: skip their ULEB operands
            for _ in range(lengths[op - 1] if op - 1 < len(lengths) else 0):
                _, i = _uleb(data, i)
    del default_stmt
    return rows


def _demangle(name: str) -> str:
    """Rust legacy/v0 and C++ names shortened where it is cheap; full demangling is out of scope.
    A v0 name (``_R…``, the precompiled std's) becomes ``crate::…``: enough to tell the standard
    library from the program."""
    if name.startswith("_R"):
        m = _V0_CRATE.search(name)
        if m:
            n = int(m.group(1))
            return name[m.end() : m.end() + n] + "::…"
        return name
    if name.startswith("_ZN") and name.endswith("E"):
        parts, i, s = [], 3, name
        while i < len(s) and s[i].isdigit():
            j = i
            while s[j].isdigit():
                j += 1
            n = int(s[i:j])
            parts.append(s[j : j + n])
            i = j + n
        if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
            parts.pop()
        if parts:
            text = "::".join(parts)
            for code, ch in _ESCAPES:
                text = text.replace(code, ch)
            return text[1:] if text.startswith("_$") else text
    return name


_ESCAPES = (("$LT$", "<"), ("$GT$", ">"), ("$RF$", "&"), ("$BP$", "*"), ("$u20$", " "),
            ("$C$", ","), ("$u7b$", "{"), ("$u7d$", "}"), ("$u27$", "'"), ("$SP$", "@"), ("..", "::"))


# --- choosing the frame -------------------------------------------------------------------------

class Symbolizer:
    """Callchains to the frame to show, cached per object address and per callchain."""

    def __init__(self, images: ImageTable, objects: dict[str, str | None] | None = None,
                 debug_dirs: Iterable[str] = (), skip: str | None = None) -> None:
        self.images = images
        self.objects = objects if objects is not None else {}  # recorded path -> build-id
        self.debug_dirs = [d for d in debug_dirs]
        self._skip_obj = re.compile(DEFAULT_SKIP_OBJECTS)
        self._skip_func = re.compile(DEFAULT_SKIP_FUNCTIONS)
        self._skip_file = re.compile(DEFAULT_SKIP_FILES)
        self._skip_user = re.compile(skip) if skip else None
        self._resolved: dict[str, tuple[ElfObject | None, ElfObject | None]] = {}
        self._addr_cache: dict[tuple[str, int, bool], list[Frame]] = {}
        self._chain_cache: dict[tuple[int, tuple[int, ...]], Frame | None] = {}
        # --source on Python: the interned Python frames the callchains' tagged entries name
        # (live: pyframes' growing list; offline: the metadata's)
        self.python_frames: list[Any] = []
        self._py_skip = re.compile(PY_DEFAULT_SKIP + (f"|{skip}" if skip else ""))
        self._py_cache: dict[tuple[int, ...], Frame | None] = {}
        self.keep_python_src = False

    @classmethod
    def from_metadata(cls, meta: dict[str, Any], debug_dirs: Iterable[str] = (),
                      skip: str | None = None) -> Symbolizer | None:
        src = meta.get("source")
        if not isinstance(src, dict):
            return None
        sym = cls(ImageTable.from_meta(src.get("images", {})), dict(src.get("objects", {})),
                  debug_dirs, skip if skip is not None else src.get("skip"))
        sym.python_frames = list(src.get("python_frames") or [])
        # recorded before Python stacks joined the callchain: the Python line is in src_* only
        sym.keep_python_src = "python" in src and "python_frames" not in src
        return sym

    def python_frame(self, chain: list[int] | tuple[int, ...]) -> Frame | None:
        """The innermost Python frame of the user's code among a callchain's Python frames
        (recorded, never re-derived from binaries: --debug-dir cannot improve them), or None."""
        if not chain or chain[-1] < PY_TAG:  # native only (Python frames come last)
            return None
        key = tuple(chain)
        if key in self._py_cache:
            return self._py_cache[key]
        table = self.python_frames
        for v in chain:
            if v >= PY_TAG:
                i = v - PY_TAG
                if i < len(table):
                    file, line, func = table[i]
                    if not self._py_skip.search(file):
                        hit = Frame(file, line, func, "python")
                        break
        else:
            hit = None
        if len(self._py_cache) > 200_000:
            self._py_cache.clear()
        self._py_cache[key] = hit
        return hit

    # which files stand for a recorded object
    def _resolve(self, path: str) -> tuple[ElfObject | None, ElfObject | None]:
        hit = self._resolved.get(path)
        if hit is not None:
            return hit
        want = self.objects.get(path)
        if want is None:  # live: the build-id of the file at its path, for /usr/lib/debug
            here = open_object(path)
            want = here.build_id if here is not None else None
        candidates: list[str] = []
        debug_candidates: list[str] = []
        roots = self.debug_dirs + ["/usr/lib/debug"]
        if want:
            for root in roots:
                debug_candidates.append(os.path.join(root, ".build-id", want[:2], want[2:] + ".debug"))
                candidates.append(os.path.join(root, ".build-id", want[:2], want[2:]))
        for root in self.debug_dirs:
            candidates.append(os.path.join(root, os.path.basename(path)))
            debug_candidates.append(os.path.join(root, os.path.basename(path) + ".debug"))
        candidates.append(path)
        binary = None
        for c in candidates:
            obj = open_object(c)
            if obj is not None and (want is None or obj.build_id == want):
                binary = obj
                break
        debug = None
        for c in debug_candidates:
            obj = open_object(c)
            if obj is not None and obj.has_dwarf and (want is None or obj.build_id == want):
                debug = obj
                break
        if debug is None and binary is not None and binary.has_dwarf:
            debug = binary
        self._resolved[path] = (binary, debug)
        return binary, debug

    def _bias(self, m: Mapping, binary: ElfObject | None) -> int:
        if binary is not None:
            return binary.bias(m)
        return m.start - m.offset  # a guess good for the usual first text mapping

    def frames_at(self, m: Mapping, pc: int, is_return: bool) -> list[Frame]:
        binary, debug = self._resolve(m.path)
        rel = pc - self._bias(m, binary)
        key = (m.path, rel, is_return)
        hit = self._addr_cache.get(key)
        if hit is not None:
            return hit
        look = rel - 1 if is_return else rel  # a return address belongs to the call before it
        name = os.path.basename(m.path)
        out: list[Frame] = []
        found = debug.frames(look) if debug is not None else None
        if found:
            out = [Frame(f, line, fn, m.path) for f, line, fn in found]
            if out[-1].func is None and binary is not None:
                out[-1] = Frame(out[-1].file, out[-1].line, binary.symbol(look), m.path)
        else:
            sym = binary.symbol(look) if binary is not None else None
            if sym is None and debug is not None:
                sym = debug.symbol(look)
            out = [Frame(name, None, sym, m.path)] if sym else [Frame(f"{name}+{rel:#x}", None, None, m.path)]
        self._addr_cache[key] = out
        return out

    def _skip_object(self, path: str) -> bool:
        u = self._skip_user
        return bool(self._skip_obj.search(os.path.basename(path)) or (u is not None and u.search(path)))

    def _skip_by_symbol(self, m: Mapping, pc: int, is_return: bool) -> bool:
        """A frame whose enclosing (not inlined) function is library code by its symbol name. A
        user function inlined into it is missed, and the walk goes on to its caller."""
        binary, _ = self._resolve(m.path)
        if binary is None:
            return False
        name = binary.symbol(pc - self._bias(m, binary) - (1 if is_return else 0))
        return bool(name and self._skip_func.search(name))

    def skipped(self, f: Frame) -> bool:
        if self._skip_obj.search(os.path.basename(f.obj)) or (f.func and self._skip_func.search(f.func)):
            return True
        if f.file and f.line is not None and self._skip_file.search(f.file):
            return True
        u = self._skip_user
        return u is not None and bool(u.search(f.obj) or (f.func and u.search(f.func)) or (f.file and u.search(f.file)))

    def locate(self, pid: int, seq: int, chain: list[int] | tuple[int, ...] | None) -> Frame | None:
        """The frame to show for one recorded call, or None (no frame in the program's code)."""
        if not chain:
            return None
        v = self.images.version(pid, seq)
        key = (id(v[1]) if v else 0, tuple(chain))
        if key in self._chain_cache:
            return self._chain_cache[key]
        result = None
        for k, pc in enumerate(chain):
            m = self.images.find(pid, seq, pc)
            if m is None or m.path == "[vdso]" or self._skip_object(m.path):
                continue  # libc, the loader, …: not even their symbols are needed
            if self._skip_by_symbol(m, pc, k > 0):
                continue  # std::…/core::… code linked into the program: no DWARF needed
            for f in self.frames_at(m, pc, k > 0):
                if not self.skipped(f):
                    result = f
                    break
            if result is not None:
                break
        if len(self._chain_cache) > 200_000:
            self._chain_cache.clear()
        self._chain_cache[key] = result
        return result

    def annotate(self, batch: Any) -> Any:
        """A record batch with src_file/src_line/src_func filled from its callchains."""
        import pyarrow as pa

        chains = batch.column("callchain")
        if chains.null_count == len(chains):
            return batch
        pids = batch.column("pid").to_pylist()
        seqs = batch.column("seq").to_pylist()
        files: list[str | None] = []
        lines: list[int | None] = []
        funcs: list[str | None] = []
        for pid, seq, chain in zip(pids, seqs, chains.to_pylist()):
            try:
                f = (self.python_frame(chain) or self.locate(pid, seq, chain)) if chain else None
            except Exception:  # an ELF or DWARF we cannot read: no location, never a crash
                f = None
            files.append(f.file if f else None)
            lines.append(f.line if f else None)
            funcs.append(f.func if f else None)
        if self.keep_python_src:  # a recorded Python line (a .py file) is never replaced
            olds = [batch.column(c).to_pylist() for c in ("src_file", "src_line", "src_func")]
            for r, old in enumerate(olds[0]):
                if old is not None and old.endswith(".py"):
                    files[r], lines[r], funcs[r] = old, olds[1][r], olds[2][r]
        dict_str = pa.dictionary(pa.int32(), pa.string())
        names = batch.schema.names
        cols = list(batch.columns)
        cols[names.index("src_file")] = pa.array(files, type=pa.string()).dictionary_encode().cast(dict_str)
        cols[names.index("src_line")] = pa.array(lines, type=pa.int32())
        cols[names.index("src_func")] = pa.array(funcs, type=pa.string()).dictionary_encode().cast(dict_str)
        return pa.RecordBatch.from_arrays(cols, schema=batch.schema)


def python_stack(chain: list[int] | None, table: list[Any]) -> list[tuple[str, int | None, str]]:
    """The Python frames of one recorded callchain, innermost first: (file, line, function)."""
    return [tuple(table[v - PY_TAG]) for v in chain or () if v >= PY_TAG and v - PY_TAG < len(table)]


def unpack_u64(data: bytes, off: int) -> int:
    return struct.unpack_from("<Q", data, off)[0]


# --- offline: replay --debug-dir, renacer-analyze symbolize ---------------------------------------

_RESYMBOLIZERS: dict[tuple[int, tuple[str, ...]], Symbolizer | None] = {}


def resymbolizer(meta: dict[str, Any], debug_dirs: Iterable[str]) -> Symbolizer | None:
    """One symbolizer per trace metadata and set of debug dirs (its caches serve every row group)."""
    key = (id(meta), tuple(debug_dirs))
    if key not in _RESYMBOLIZERS:
        _RESYMBOLIZERS[key] = Symbolizer.from_metadata(meta, key[1])
    return _RESYMBOLIZERS[key]


def annotate_table(sym: Symbolizer, table: Any) -> Any:
    """A table's callchains symbolized, batch by batch (replay --debug-dir, symbolize)."""
    import pyarrow as pa

    if "callchain" not in table.schema.names or table.num_rows == 0:
        return table
    batches = [sym.annotate(b) for b in table.combine_chunks().to_batches()]
    return pa.Table.from_batches(batches, schema=table.schema)



def symbolize_file(path: str, out: str, debug_dirs: list[str], skip: str | None = None) -> tuple[int, int]:
    """Write OUT: the trace at PATH with src_file/src_line/src_func found again from binaries and
    debug files on this machine. Returns (calls with a callchain, calls located)."""
    import pyarrow.parquet as pq

    from renacer import files
    from renacer.capture.sinks import write_whole_trace
    from renacer.schema.trace import TRACE_SCHEMA, TraceFormatError, read_metadata

    pf = pq.ParquetFile(path)
    meta = read_metadata(pf.metadata.metadata, path)
    sym = Symbolizer.from_metadata(meta, debug_dirs, skip)
    if sym is None:
        raise TraceFormatError(f"{path} was recorded without --source: it holds no callchains")
    files.check_new_file(out, "symbolized trace")
    table = annotate_table(sym, pf.read().cast(TRACE_SCHEMA))
    chains = table.column("callchain")
    rows = len(chains) - chains.null_count
    located = rows - (table.column("src_file").null_count - chains.null_count)
    meta["symbolized"] = {"debug_dirs": list(debug_dirs), "skip": skip}
    write_whole_trace(table, meta, out, "symbolized trace")
    return rows, located
