"""Process, thread and time calls: execve, clone, wait4, exit_group, prlimit64, nanosleep, …

Formats follow strace 6.1 (execve.c, clone.c, wait.c, resource.c, time.c).
"""
from __future__ import annotations

import struct

from renacer.schema import constants as C

from .common import (
    Decoded,
    DecodeOptions,
    Row,
    buf,
    cstr,
    dirfd,
    flags,
    part,
    part_index,
    parts,
    path,
    ptr,
    s32,
    signal,
    succeeded,
    table,
    timespec,
    timeval,
    u32,
    unpack,
    xlat,
    xval,
)

ARGV_CUT = 256  # captures.ARGV_MAX: the recorder's limit on argv entries


# --- execve ---------------------------------------------------------------------------------------


def argv_list(data: bytes | None, opts: DecodeOptions, addr: int | None) -> str:
    """``["ls", "-l"]``: at most -s strings, each cut at -s bytes, ``...`` after the last shown."""
    if data is None or not addr:
        return ptr(addr)
    items = data.split(b"\0")[:-1] if data else []
    cut = len(items) > ARGV_CUT  # the recorder's extra NUL after ARGV_MAX strings
    if cut:
        items = items[:ARGV_CUT]
    shown = [cstr(item, opts) for item in items[: opts.string_size]]
    if cut or len(items) > opts.string_size:
        shown.append("...")
    return "[" + ", ".join(shown) + "]"


def environment(addr: int | None) -> str:
    """The recorder does not capture the environment: strace's ``0x… /* N vars */`` keeps its
    shape with the count unknown."""
    return f"{ptr(addr)} /* ? vars */" if addr else "NULL"


def execve(row: Row, opts: DecodeOptions) -> list[str]:
    return [path(row["path"], opts, row["a0"]), argv_list(parts(row).argv, opts, row["a1"]), environment(row["a2"])]


def execveat(row: Row, opts: DecodeOptions) -> list[str]:
    return [
        dirfd(row["a0"]), path(row["path"], opts, row["a1"]), argv_list(parts(row).argv, opts, row["a2"]),
        environment(row["a3"]), flags(C.AT_FLAGS, u32(row["a4"]), "AT_???"),
    ]


# --- clone ----------------------------------------------------------------------------------------

_CLONE = C.CLONE


def _clone_flags(v: int) -> str:
    sig = v & C.CSIGNAL
    rest = v & ~C.CSIGNAL & ((1 << 64) - 1)
    if not rest:
        return signal(sig) if sig else "0"
    text = flags(_CLONE, rest, "CLONE_???")
    return f"{text}|{signal(sig)}" if sig else text


def clone(row: Row, opts: DecodeOptions) -> Decoded:
    """x86_64 clone(flags, stack, parent_tid, child_tid, tls). strace prints the tid stores at
    exit: ``parent_tid=[N]`` needs the stored value, which is not recorded, so the pointer."""
    v = row["a0"] or 0
    args = [f"child_stack={ptr(row['a1'])}", f"flags={_clone_flags(v)}"]
    later = []
    if v & _CLONE["CLONE_PARENT_SETTID"]:
        # The kernel stores the new thread's id there: it is the return value.
        later.append(f"parent_tid=[{row['ret']}]" if succeeded(row) else f"parent_tid={ptr(row['a2'])}")
    elif v & _CLONE["CLONE_PIDFD"]:
        later.append(f"pidfd={ptr(row['a2'])}")
    if v & _CLONE["CLONE_SETTLS"]:
        later.append(f"tls={ptr(row['a4'])}")
    if v & (_CLONE["CLONE_CHILD_SETTID"] | _CLONE["CLONE_CHILD_CLEARTID"]):
        later.append(f"child_tidptr={ptr(row['a3'])}")
    if not later:
        return Decoded(args)
    return Decoded(args + later, entry=2, entry_sep=False)


_CLONE_ARGS = "<11Q"  # struct clone_args, 88 bytes (flags … cgroup)


def clone3(row: Row, opts: DecodeOptions) -> Decoded:
    data = parts(row).clone_args
    size = str(row["a1"] or 0)
    if data is None or len(data) < 64:
        return Decoded([ptr(row["a0"]), size])
    fields = struct.unpack_from(_CLONE_ARGS, data.ljust(88, b"\0"))
    cflags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup = fields
    out = [f"flags={flags(_CLONE, cflags, 'CLONE_???')}"]
    if cflags & _CLONE["CLONE_PIDFD"]:
        out.append(f"pidfd={ptr(pidfd)}")
    if cflags & (_CLONE["CLONE_CHILD_SETTID"] | _CLONE["CLONE_CHILD_CLEARTID"]):
        out.append(f"child_tid={ptr(child_tid)}")
    if cflags & _CLONE["CLONE_PARENT_SETTID"]:
        out.append(f"parent_tid={ptr(parent_tid)}")
    out.append(f"exit_signal={signal(exit_signal) if exit_signal < 1 << 31 else exit_signal}")
    out.append(f"stack={ptr(stack)}")
    out.append(f"stack_size={xval(stack_size)}")
    if cflags & _CLONE["CLONE_SETTLS"]:
        out.append(f"tls={ptr(tls)}")
    if set_tid and set_tid_size:
        out.append(f"set_tid={ptr(set_tid)}")
        out.append(f"set_tid_size={set_tid_size}")
    if len(data) > 80 and cgroup:
        out.append(f"cgroup={cgroup}")
    struct_text = "{" + ", ".join(out) + "}"
    stored = ""
    if succeeded(row) and cflags & _CLONE["CLONE_PARENT_SETTID"]:
        # What the kernel stored at parent_tid: the new thread's id, i.e. the return value. A
        # pidfd's number is not recorded, so it is left out.
        stored = f" => {{parent_tid=[{row['ret']}]}}"
    return Decoded([struct_text + stored, size], entry=1, entry_sep=False, late=len(stored))


# --- wait, exit -----------------------------------------------------------------------------------


def wait_status(status: int) -> str:
    """printstatus: ``[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`` and its siblings."""
    status &= 0xFFFFFFFF
    low = status & 0x7F
    if status & 0xFF == 0x7F:
        sig = (status >> 8) & 0xFF
        text = f"[{{WIFSTOPPED(s) && WSTOPSIG(s) == {signal(sig & 0x7F)}{' | 0x80' if sig & 0x80 else ''}}}"
        rest = status & ~((sig << 8) | 0x7F)
    elif low and low != 0x7F:
        core = " && WCOREDUMP(s)" if status & 0x80 else ""
        text = f"[{{WIFSIGNALED(s) && WTERMSIG(s) == {signal(low)}{core}}}"
        rest = status & ~(low | 0x80)
    elif low == 0:
        text = f"[{{WIFEXITED(s) && WEXITSTATUS(s) == {(status >> 8) & 0xFF}}}"
        rest = status & ~0xFF00
    elif status == 0xFFFF:
        text = "[{WIFCONTINUED(s)}"
        rest = 0
    else:
        return f"[{xval(status)}]"
    if rest:
        event = rest >> 16
        if event:
            text += f" | {xlat(table('PTRACE_EVENT'), event, 'PTRACE_EVENT_???')} << 16"
            rest &= 0xFFFF
        if rest:
            text += f" | {xval(rest)}"
    return text + "]"


def wait4(row: Row, opts: DecodeOptions) -> Decoded:
    status_addr = row["a1"]
    data = parts(row).wstatus if succeeded(row) else None
    if row["ret"] == 0 or data is None or len(data) < 4:
        status = ptr(status_addr)
    else:
        status = wait_status(struct.unpack_from("<I", data)[0])
    return Decoded(
        [str(s32(row["a0"])), status, flags(C.WAIT, u32(row["a2"]), "W???"), ptr(row["a3"])],
        entry=1,
    )


def waitid(row: Row, opts: DecodeOptions) -> Decoded:
    return Decoded(
        [xlat(C.IDTYPE, u32(row["a0"]), "P_???"), str(s32(row["a1"])), ptr(row["a2"]),
         flags(C.WAIT, u32(row["a3"]), "W???"), ptr(row["a4"])],
        entry=2,
    )


def exit_(row: Row, opts: DecodeOptions) -> list[str]:
    return [str(s32(row["a0"]))]


def no_args(row: Row, opts: DecodeOptions) -> list[str]:
    return []


def uname(row: Row, opts: DecodeOptions) -> Decoded:
    """``{sysname="Linux", nodename="vm", ...}`` (strace's abbreviated struct utsname)."""
    data = parts(row).utsname if succeeded(row) else None
    if data is None or len(data) < 130:
        return Decoded([ptr(row["a0"])], entry=0)
    fields = [cstr(data[i * 65:(i + 1) * 65], opts, limit=False) for i in range(2)]
    return Decoded([f"{{sysname={fields[0]}, nodename={fields[1]}, ...}}"], entry=0)


def struct_out(row: Row, opts: DecodeOptions) -> Decoded:
    """uname, sysinfo, times: one struct the kernel fills; not recorded, so its address."""
    return Decoded([ptr(row["a0"])], entry=0)


def one_int(row: Row, opts: DecodeOptions) -> list[str]:
    return [str(s32(row["a0"]))]


def two_ints(row: Row, opts: DecodeOptions) -> list[str]:
    return [str(s32(row["a0"])), str(s32(row["a1"]))]


def three_ints(row: Row, opts: DecodeOptions) -> list[str]:
    return [str(s32(row["a0"])), str(s32(row["a1"])), str(s32(row["a2"]))]


# --- process setup --------------------------------------------------------------------------------


def _rlim(v: int) -> str:
    if v == (1 << 64) - 1:
        return "RLIM64_INFINITY"
    if v and v % 1024 == 0:
        return f"{v // 1024}*1024"
    return str(v)


def _rlimit(data: bytes | None, addr: int | None) -> str:
    v = unpack("<QQ", data)
    if v is None:
        return ptr(addr)
    return f"{{rlim_cur={_rlim(v[0])}, rlim_max={_rlim(v[1])}}}"


def prlimit64(row: Row, opts: DecodeOptions) -> Decoded:
    p = parts(row)
    old = p.old_limit if succeeded(row) else None
    return Decoded(
        [str(s32(row["a0"])), xlat(table("RLIMIT"), u32(row["a1"]), "RLIMIT_???"),
         _rlimit(p.new_limit, row["a2"]), _rlimit(old, row["a3"])],
        entry=3,
    )


def set_tid_address(row: Row, opts: DecodeOptions) -> list[str]:
    return [ptr(row["a0"])]


def set_robust_list(row: Row, opts: DecodeOptions) -> list[str]:
    return [ptr(row["a0"]), str(row["a1"] or 0)]


def arch_prctl(row: Row, opts: DecodeOptions) -> list[str]:
    return [xlat(table("ARCH_PRCTL"), u32(row["a0"]), "ARCH_???"), xval(row["a1"])]


def rseq(row: Row, opts: DecodeOptions) -> list[str]:
    return [ptr(row["a0"]), xval(u32(row["a1"])), flags(table("RSEQ_FLAGS"), s32(row["a2"]) & 0xFFFFFFFF, "RSEQ_FLAG_???"),
            xval(u32(row["a3"]))]


def getrandom(row: Row, opts: DecodeOptions) -> Decoded:
    """The random bytes, always in hex as strace prints them; their address when not recorded
    (the call failed, or a recording before they were captured)."""
    data = row["data"] if succeeded(row) else None
    shown = ptr(row["a0"]) if data is None else buf(data, row["ret"], DecodeOptions(opts.string_size, 2))
    return Decoded([shown, str(row["a1"] or 0), flags(table("GRND"), u32(row["a2"]), "GRND_???")], entry=0)


# --- futex ----------------------------------------------------------------------------------------

# How many arguments strace shows per futex command (the low 7 bits of op), after uaddr and op:
# val, then timeout or val2, uaddr2, val3 as each command uses them.
_FUTEX_TAIL = {0: ("val", "timeout"), 1: ("val",), 2: ("val",), 3: ("val", "val2", "uaddr2"),
               4: ("val", "val2", "uaddr2", "val3"), 5: ("val", "val2", "uaddr2", "val3"), 6: ("timeout",),
               7: (), 8: (), 9: ("val", "timeout", "val3"), 10: ("val", "val3"),
               11: ("val", "timeout", "uaddr2"), 12: ("val", "val2", "uaddr2", "val3"), 13: ("timeout",)}
_FUTEX_PRIVATE, _FUTEX_CLOCK_REALTIME = 128, 256


def _futex_op(op: int) -> str:
    names = table("FUTEX_OP")
    cmd = op & ~(_FUTEX_PRIVATE | _FUTEX_CLOCK_REALTIME)
    name = C.enum_name(names, cmd) if names else None
    if name is None:
        return xval(op)
    text = name + ("_PRIVATE" if op & _FUTEX_PRIVATE else "")
    return text + ("|FUTEX_CLOCK_REALTIME" if op & _FUTEX_CLOCK_REALTIME else "")


def futex(row: Row, opts: DecodeOptions) -> list[str]:
    """futex(uaddr, op, …) with the arguments its command uses. The timeout is not recorded (its
    pointer is shown); the command names need a FUTEX_OP table in schema.constants."""
    op = u32(row["a1"])
    val3 = u32(row["a5"])
    # the bitset commands' match-any mask has a name
    val3_text = "FUTEX_BITSET_MATCH_ANY" if val3 == 0xFFFFFFFF and op & 127 in (9, 10) else xval(val3)
    values = {"val": str(u32(row["a2"])), "timeout": ptr(row["a3"]), "val2": str(u32(row["a3"])),
              "uaddr2": ptr(row["a4"]), "val3": val3_text}
    tail = _FUTEX_TAIL.get(op & 127)
    if tail is None:
        return [ptr(row["a0"]), _futex_op(op), *(xval(row[f"a{i}"]) for i in range(2, 6))]
    return [ptr(row["a0"]), _futex_op(op), *(values[name] for name in tail)]


# --- time -----------------------------------------------------------------------------------------


# The clock calls of event loops, read by position once resolved by name (part_index): parts(row)
# costs ~300 ns a call, 10-20% of decoding one of them.
_NANOSLEEP_REQ = part_index(("nanosleep", "req"))
_CLOCK_NANOSLEEP_REQ = part_index(("clock_nanosleep", "req"))
_CLOCK_GETTIME_TP = part_index(("clock_gettime", "tp"))
_GETTIMEOFDAY_TV = part_index(("gettimeofday", "tv"))


def _clock(v: int | None) -> str:
    return xlat(C.CLOCK, s32(v), "CLOCK_???")


def nanosleep(row: Row, opts: DecodeOptions) -> Decoded:
    return Decoded([timespec(part(row, _NANOSLEEP_REQ), row["a0"]), ptr(row["a1"])], entry=1)


def clock_nanosleep(row: Row, opts: DecodeOptions) -> Decoded:
    return Decoded(
        [_clock(row["a0"]), flags(table("TIMER_FLAGS"), u32(row["a1"]), "TIMER_???"),
         timespec(part(row, _CLOCK_NANOSLEEP_REQ), row["a2"]), ptr(row["a3"])],
        entry=3,
    )


def clock_gettime(row: Row, opts: DecodeOptions) -> Decoded:
    out = part(row, _CLOCK_GETTIME_TP) if succeeded(row) else None
    return Decoded([_clock(row["a0"]), timespec(out, row["a1"])], entry=1)


def gettimeofday(row: Row, opts: DecodeOptions) -> Decoded:
    out = part(row, _GETTIMEOFDAY_TV) if succeeded(row) else None
    return Decoded([timeval(out, row["a0"]), ptr(row["a1"])], entry=0)
