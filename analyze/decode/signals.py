"""Signal calls (rt_sigaction, rt_sigprocmask, kill, tgkill, …) and the ``--- SIGCHLD {…} ---``
signal-delivery lines, from the raw 128-byte siginfo the recorder stores.

Formats follow strace 6.1 (signal.c, printsiginfo.c).
"""
from __future__ import annotations

import struct

from renacer.schema import constants as C
from renacer.schema.syscalls_x86_64 import SYSCALLS

from .common import (
    Decoded,
    DecodeOptions,
    Row,
    flags,
    parts,
    ptr,
    s32,
    sigmask,
    signal,
    succeeded,
    table,
    u32,
    unpack,
    xlat,
    xval,
)

_SIGSET_SIZE = 8  # the kernel's sigset_t on x86_64: anything else makes strace print the pointer


def _sigset(data: bytes | None, addr: int | None, size: int) -> str:
    if not addr:
        return "NULL"
    if size != _SIGSET_SIZE or data is None:
        return ptr(addr)
    return sigmask(data[:size], addr)


_SA_RESTORER = C.SA_FLAGS["SA_RESTORER"]


def sigaction_struct(data: bytes | None, addr: int | None) -> str:
    """The kernel's struct sigaction: ``{sa_handler=…, sa_mask=[…], sa_flags=…[, sa_restorer=…]}``."""
    fields = unpack("<QQQ8s", data)
    if fields is None:
        return ptr(addr)
    handler, sa_flags, restorer, mask = fields
    handler_text = {0: "SIG_DFL", 1: "SIG_IGN"}.get(handler, xval(handler))
    text = (f"{{sa_handler={handler_text}, sa_mask={sigmask(mask)}, "
            f"sa_flags={flags(C.SA_FLAGS, sa_flags, 'SA_???')}")
    if sa_flags & _SA_RESTORER:
        text += f", sa_restorer={ptr(restorer)}"
    return text + "}"


def rt_sigaction(row: Row, opts: DecodeOptions) -> Decoded:
    p = parts(row)
    old = p.oldact if succeeded(row) else None
    return Decoded(
        [signal(s32(row["a0"])), sigaction_struct(p.act, row["a1"]) if row["a1"] else "NULL",
         sigaction_struct(old, row["a2"]) if row["a2"] else "NULL", str(row["a3"] or 0)],
        entry=2,
    )


def rt_sigprocmask(row: Row, opts: DecodeOptions) -> Decoded:
    size = row["a3"] or 0
    p = parts(row)
    old = p.oldset if succeeded(row) else None
    return Decoded(
        [xlat(C.SIG_HOW, u32(row["a0"]), "SIG_???"), _sigset(p.set, row["a1"], size),
         _sigset(old, row["a2"], size), str(size)],
        entry=2,
    )


def kill(row: Row, opts: DecodeOptions) -> list[str]:
    return [str(s32(row["a0"])), signal(s32(row["a1"]))]


def tgkill(row: Row, opts: DecodeOptions) -> list[str]:
    return [str(s32(row["a0"])), str(s32(row["a1"])), signal(s32(row["a2"]))]


def rt_sigreturn(row: Row, opts: DecodeOptions) -> list[str]:
    """strace reads the restored mask from the signal frame on the stack, which is not
    recorded; the shape is kept with the mask unknown."""
    return ["{mask=?}"]


def rt_sigsuspend(row: Row, opts: DecodeOptions) -> list[str]:
    return [ptr(row["a0"]), str(row["a1"] or 0)]


def sigaltstack(row: Row, opts: DecodeOptions) -> Decoded:
    return Decoded([ptr(row["a0"]), ptr(row["a1"])], entry=1)


# --- siginfo --------------------------------------------------------------------------------------

_SIGCHLD = C.SIGNALS["SIGCHLD"]
_FAULTS = {C.SIGNALS[n] for n in ("SIGILL", "SIGFPE", "SIGSEGV", "SIGBUS")}
_SIGPOLL = C.SIGNALS["SIGPOLL"]
_SIGSYS = C.SIGNALS["SIGSYS"]
# Per-signal si_code tables, consulted when the generic SI_* table has no name (strace's order).
_CODE_TABLES = {
    C.SIGNALS["SIGTRAP"]: "TRAP_CODE", _SIGCHLD: "CLD_CODE", _SIGPOLL: "POLL_CODE",
    C.SIGNALS["SIGILL"]: "ILL_CODE",
    C.SIGNALS["SIGFPE"]: "FPE_CODE", C.SIGNALS["SIGSEGV"]: "SEGV_CODE",
    C.SIGNALS["SIGBUS"]: "BUS_CODE", _SIGSYS: "SYS_CODE",
}
_SI_USER, _SI_TIMER, _SI_TKILL, _CLD_EXITED = 0, -2, -6, 1


def si_code_name(signo: int, code: int) -> str:
    name = C.enum_name(table("SI_CODE"), code)
    if name is None and signo in _CODE_TABLES:
        name = C.enum_name(table(_CODE_TABLES[signo]), code)
    return name if name is not None else xval(code & 0xFFFFFFFF)


def siginfo_text(data: bytes | None) -> str:
    """printsiginfo of a raw x86_64 siginfo_t."""
    if data is None or len(data) < 12:
        return "{}"
    data = data.ljust(128, b"\0")
    signo, errno_, code = struct.unpack_from("<iii", data)
    if signo == 0:
        return "{}"
    out = [f"si_signo={signal(signo)}", f"si_code={si_code_name(signo, code)}"]
    if errno_:
        out.append(f"si_errno={C.errno_name(errno_) or errno_}")
    pid, uid = struct.unpack_from("<iI", data, 16)
    source = [f"si_pid={pid}", f"si_uid={uid}"]
    sival_int, sival_ptr = struct.unpack_from("<iQ", data, 24)[0], struct.unpack_from("<Q", data, 24)[0]
    value = [f"si_int={sival_int}", f"si_ptr={ptr(sival_ptr)}"]
    if code <= 0:
        if code in (_SI_USER, _SI_TKILL):
            out += source
        elif code == _SI_TIMER:
            timerid, overrun = struct.unpack_from("<ii", data, 16)
            out += [f"si_timerid={xval(timerid & 0xFFFFFFFF)}", f"si_overrun={overrun}", *value]
        else:
            out += source + (value if sival_ptr else [])
    elif signo == _SIGCHLD:
        status, utime, stime = struct.unpack_from("<i4xqq", data, 24)
        out += source
        out.append(f"si_status={status if code == _CLD_EXITED else signal(status)}")
        out += [f"si_utime={utime}", f"si_stime={stime}"]
    elif signo in _FAULTS:
        out.append(f"si_addr={ptr(struct.unpack_from('<Q', data, 16)[0])}")
    elif signo == _SIGPOLL:
        if code in (1, 2, 3):  # POLL_IN, POLL_OUT, POLL_MSG
            out.append(f"si_band={struct.unpack_from('<q', data, 16)[0]}")
    elif signo == _SIGSYS:
        call_addr, nr, arch = struct.unpack_from("<QiI", data, 16)
        out += [f"si_call_addr={ptr(call_addr)}", f"si_syscall=__NR_{SYSCALLS.get(nr, nr)}",
                f"si_arch={xlat(table('AUDIT_ARCH'), arch, 'AUDIT_ARCH_???')}"]
    else:
        if pid or uid:
            out += source
        if sival_ptr:
            out += value
    return "{" + ", ".join(out) + "}"


def signal_line(name: str | None, nr: int, mem_part: bytes | None) -> str:
    """``--- SIGCHLD {si_signo=SIGCHLD, …} ---`` (without the line prefix)."""
    # The number, not the recorded name: realtime signals must read as strace names them.
    return f"--- {signal(nr)} {siginfo_text(mem_part)} ---"
