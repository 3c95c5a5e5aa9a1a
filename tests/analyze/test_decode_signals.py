"""Signal decoders and the ``--- SIG… {…} ---`` lines print what strace 6.1 prints."""
from __future__ import annotations

import struct

import pytest

from renacer.analyze.decode import DecodeOptions, decode, format_return
from renacer.analyze.decode.common import sigmask, table
from renacer.analyze.decode.signals import siginfo_text, signal_line
from renacer.schema.trace import join_mem
from tests.analyze.rows import make_row

SA_RESTORER, SA_RESTART, SA_SIGINFO, SA_ONSTACK = 0x4000000, 0x10000000, 4, 0x8000000


def text(row: dict) -> str:
    d = decode(row, DecodeOptions())
    return f"{row['name']}({', '.join(d.args)}) = {format_return(row, d)}"


def sigset(*signals: int) -> bytes:
    return struct.pack("<Q", sum(1 << (s - 1) for s in signals))


def sigaction(handler: int, flags: int, restorer: int, *mask: int) -> bytes:
    return struct.pack("<QQQ", handler, flags, restorer) + sigset(*mask)


def code(name: str, value: int, table_name: str) -> str:
    """A si_code as strace names it (the table holds it with that value)."""
    assert table(table_name)[name] == value
    return name


CALLS = {
    "rt_sigaction installs a handler": (
        make_row("rt_sigaction", 10, 0x7FFD0000, 0, 8,
                 mem=join_mem([sigaction(0x556A32B72539, SA_RESTORER | SA_RESTART, 0x7F8BD6258050, 12)])),
        "rt_sigaction(SIGUSR1, {sa_handler=0x556a32b72539, sa_mask=[USR2], sa_flags=SA_RESTORER|SA_RESTART, "
        "sa_restorer=0x7f8bd6258050}, NULL, 8) = 0"),
    "rt_sigaction realtime, old action out": (
        make_row("rt_sigaction", 33, 0x7FFD0000, 0x7FFD0100, 8,
                 mem=join_mem([sigaction(0x1234, SA_RESTORER | SA_ONSTACK | SA_RESTART | SA_SIGINFO, 0x5678),
                               sigaction(0, 0, 0)])),
        "rt_sigaction(SIGRT_1, {sa_handler=0x1234, sa_mask=[], sa_flags=SA_RESTORER|SA_ONSTACK|SA_RESTART|SA_SIGINFO, "
        "sa_restorer=0x5678}, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0"),
    "rt_sigaction ignore": (make_row("rt_sigaction", 13, 0x7FFD0000, 0, 8, mem=join_mem([sigaction(1, 0, 0)])),
                            "rt_sigaction(SIGPIPE, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=0}, NULL, 8) = 0"),
    "rt_sigprocmask block": (make_row("rt_sigprocmask", 0, 0x7FFD0000, 0x7FFD0100, 8,
                                      mem=join_mem([sigset(12, 15), sigset()])),
                             "rt_sigprocmask(SIG_BLOCK, [USR2 TERM], [], 8) = 0"),
    "rt_sigprocmask everything": (make_row("rt_sigprocmask", 0, 0x7FFD0000, 0x7FFD0100, 8,
                                           mem=join_mem([b"\xff" * 8, sigset()])),
                                  "rt_sigprocmask(SIG_BLOCK, ~[], [], 8) = 0"),
    "rt_sigprocmask all but one": (make_row("rt_sigprocmask", 0, 0x7FFD0000, 0, 8,
                                            mem=join_mem([struct.pack("<Q", ~(1 << 32) & (2**64 - 1))])),
                                   "rt_sigprocmask(SIG_BLOCK, ~[RT_1], NULL, 8) = 0"),
    "rt_sigprocmask realtime names": (make_row("rt_sigprocmask", 1, 0x7FFD0000, 0, 8, mem=join_mem([sigset(32, 33)])),
                                      "rt_sigprocmask(SIG_UNBLOCK, [RTMIN RT_1], NULL, 8) = 0"),
    "rt_sigprocmask odd size shows the pointer": (
        make_row("rt_sigprocmask", 2, 0x7FFD0000, 0, 4, err="EINVAL", mem=join_mem([sigset(1)])),
        "rt_sigprocmask(SIG_SETMASK, 0x7ffd0000, NULL, 4) = -1 EINVAL (Invalid argument)"),
    "kill": (make_row("kill", 4170, 10), "kill(4170, SIGUSR1) = 0"),
    "kill probe": (make_row("kill", 4170, 0), "kill(4170, 0) = 0"),
    "tgkill": (make_row("tgkill", 4172, 4172, 9, ret=None, exit_seq=None), "tgkill(4172, 4172, SIGKILL) = ?"),
}


@pytest.mark.parametrize("row, expected", CALLS.values(), ids=CALLS.keys())
def test_signal_call_matches_strace(row: dict, expected: str) -> None:
    assert text(row) == expected


def siginfo(signo: int, si_code: int, *words: int, fmt: str = "") -> bytes:
    head = struct.pack("<iii4x", signo, 0, si_code)
    return (head + struct.pack("<" + fmt, *words)).ljust(128, b"\0")


SIGINFOS = {
    "kill": (siginfo(10, 0, 4170, 0, fmt="iI"),
             f"{{si_signo=SIGUSR1, si_code={code('SI_USER', 0, 'SI_CODE')}, si_pid=4170, si_uid=0}}"),
    "tgkill": (siginfo(10, -6, 4170, 0, fmt="iI"),
               f"{{si_signo=SIGUSR1, si_code={code('SI_TKILL', -6, 'SI_CODE')}, si_pid=4170, si_uid=0}}"),
    "child exited": (siginfo(17, 1, 4171, 0, 0, 0, 0, fmt="iIi4xqq"),
                     f"{{si_signo=SIGCHLD, si_code={code('CLD_EXITED', 1, 'CLD_CODE')}, si_pid=4171, si_uid=0, "
                     "si_status=0, si_utime=0, si_stime=0}"),
    "child killed": (siginfo(17, 2, 4172, 0, 9, 1, 2, fmt="iIi4xqq"),
                     f"{{si_signo=SIGCHLD, si_code={code('CLD_KILLED', 2, 'CLD_CODE')}, si_pid=4172, si_uid=0, "
                     "si_status=SIGKILL, si_utime=1, si_stime=2}"),
    "segfault": (siginfo(11, 1, 0, fmt="Q"),
                 f"{{si_signo=SIGSEGV, si_code={code('SEGV_MAPERR', 1, 'SEGV_CODE')}, si_addr=NULL}}"),
    "queued with a value": (siginfo(34, -1, 7, 0, 42, fmt="iIQ"),
                            f"{{si_signo=SIGRT_2, si_code={code('SI_QUEUE', -1, 'SI_CODE')}, si_pid=7, si_uid=0, "
                            "si_int=42, si_ptr=0x2a}"),
    "empty": (b"\0" * 128, "{}"),
}


@pytest.mark.parametrize("raw, expected", SIGINFOS.values(), ids=SIGINFOS.keys())
def test_siginfo_is_decoded_from_the_raw_128_bytes(raw: bytes, expected: str) -> None:
    assert siginfo_text(raw) == expected


def test_signal_line_names_the_signal_by_number() -> None:
    assert signal_line("SIGRTMIN+1", 33, None) == "--- SIGRT_1 {} ---"


def test_signal_masks_flip_to_the_complement_at_two_thirds() -> None:
    assert sigmask(struct.pack("<Q", (1 << 41) - 1)) .startswith("[HUP INT")
    assert sigmask(struct.pack("<Q", (1 << 42) - 1)).startswith("~[RT_11 ")
