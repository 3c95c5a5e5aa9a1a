"""Process, thread and time decoders print what strace 6.1 prints for the same recorded call."""
from __future__ import annotations

import struct

import pytest

from renacer.analyze.decode import DecodeOptions, decode, format_return
from renacer.analyze.decode.processes import wait_status
from renacer.schema.trace import join_mem
from tests.analyze.rows import make_row

CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND = 0x100, 0x200, 0x400, 0x800
CLONE_THREAD, CLONE_SYSVSEM, CLONE_SETTLS, CLONE_PARENT_SETTID = 0x10000, 0x40000, 0x80000, 0x100000
CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, SIGCHLD = 0x200000, 0x1000000, 17
RLIMIT_STACK = "RLIMIT_STACK"


def text(row: dict, string_size: int = 32) -> str:
    d = decode(row, DecodeOptions(string_size=string_size))
    return f"{row['name']}({', '.join(d.args)}) = {format_return(row, d)}"


def argv(*items: bytes) -> bytes:
    return b"".join(i + b"\0" for i in items)


def status_part(status: int) -> bytes:
    return join_mem([struct.pack("<I", status)])


THREAD_FLAGS = (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS
                | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)
CLONE_ARGS = struct.pack("<11Q", THREAD_FLAGS, 0, 0x7FEE49C2A990, 0x7FEE49C2A990, 0, 0x7FEE4942A000, 0x7FFF80,
                         0x7FEE49C2A6C0, 0, 0, 0)

CALLS = {
    "execve": (make_row("execve", 0x7FFD0000, 0x7FFD0100, 0x7FFC62DF10C0, path="/bin/true",
                        mem=join_mem([argv(b"/bin/true", b"--renacer", b"two words")])),
               'execve("/bin/true", ["/bin/true", "--renacer", "two words"], 0x7ffc62df10c0 /* ? vars */) = 0'),
    "execve missing": (make_row("execve", 0x7FFD0000, 0x7FFD0100, 0x7FFD0200, err="ENOENT", path="/nope",
                                mem=join_mem([argv(b"nope")])),
                       'execve("/nope", ["nope"], 0x7ffd0200 /* ? vars */) = -1 ENOENT (No such file or directory)'),
    "execve empty argv, NULL env": (make_row("execve", 0x7FFD0000, 0x7FFD0100, 0, path="/bin/true", mem=join_mem([b""])),
                                    'execve("/bin/true", [], NULL) = 0'),
    "clone fork-like": (make_row("clone", CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD, 0, 0, 0x7F8BD6219A10, 0,
                                 ret=4171),
                        "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
                        "child_tidptr=0x7f8bd6219a10) = 4171"),
    "clone only a signal": (make_row("clone", SIGCHLD, 0, ret=99), "clone(child_stack=NULL, flags=SIGCHLD) = 99"),
    "clone thread stores the tid at parent_tid": (
        make_row("clone", THREAD_FLAGS, 0x7F00, 0x7F10, 0x7F10, 0x7F20, ret=5703),
        "clone(child_stack=0x7f00, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|"
        "CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, parent_tid=[5703], tls=0x7f20, child_tidptr=0x7f10) = 5703"),
    "clone3 thread": (
        make_row("clone3", 0x7FFD0000, 88, ret=5703, mem=join_mem([CLONE_ARGS])),
        "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|"
        "CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7fee49c2a990, parent_tid=0x7fee49c2a990, exit_signal=0, "
        "stack=0x7fee4942a000, stack_size=0x7fff80, tls=0x7fee49c2a6c0} => {parent_tid=[5703]}, 88) = 5703"),
    "wait4 exited": (make_row("wait4", 4171, 0x7FFD0000, 0, 0, ret=4171, mem=status_part(0)),
                     "wait4(4171, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 4171"),
    "wait4 killed": (make_row("wait4", -1, 0x7FFD0000, 0, 0, ret=4172, mem=status_part(9)),
                     "wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0, NULL) = 4172"),
    "wait4 nothing ready": (make_row("wait4", -1, 0x7FFD0000, 1, 0, ret=0),
                            "wait4(-1, 0x7ffd0000, WNOHANG, NULL) = 0"),
    "wait4 no children": (make_row("wait4", -1, 0x7FFD0000, 0, 0, err="ECHILD"),
                          "wait4(-1, 0x7ffd0000, 0, NULL) = -1 ECHILD (No child processes)"),
    "exit_group never returns": (make_row("exit_group", 0, ret=None, exit_seq=None), "exit_group(0) = ?"),
    "getpid has no arguments": (make_row("getpid", 0x1234, 0x5678, ret=4170), "getpid() = 4170"),
    "prlimit64": (make_row("prlimit64", 0, 3, 0, 0x7FFD0000, mem=join_mem([None, struct.pack("<QQ", 8 << 20, 2**64 - 1)])),
                  f"prlimit64(0, {RLIMIT_STACK}, NULL, {{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}}) = 0"),
    "set_robust_list": (make_row("set_robust_list", 0x7F8BD6219A20, 24), "set_robust_list(0x7f8bd6219a20, 24) = 0"),
    "rseq": (make_row("rseq", 0x7FA9BDDFE060, 0x20, 0, 0x53053053), "rseq(0x7fa9bddfe060, 0x20, 0, 0x53053053) = 0"),
    "nanosleep": (make_row("nanosleep", 0x7FFD0000, 0, mem=join_mem([struct.pack("<qq", 0, 20_000_000)])),
                  "nanosleep({tv_sec=0, tv_nsec=20000000}, NULL) = 0"),
    "clock_nanosleep": (make_row("clock_nanosleep", 0, 0, 0x7FFD0000, 0x7FFD0100,
                                 mem=join_mem([struct.pack("<qq", 0, 20_000_000)])),
                        "clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=20000000}, 0x7ffd0100) = 0"),
}


@pytest.mark.parametrize("row, expected", CALLS.values(), ids=CALLS.keys())
def test_process_call_matches_strace(row: dict, expected: str) -> None:
    assert text(row) == expected


STATUSES = {
    "exited 0": (0x0000, "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]"),
    "exited 3": (0x0300, "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]"),
    "killed": (0x0009, "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}]"),
    "core dumped": (0x008B, "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}]"),
    "stopped": (0x137F, "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}]"),
    "stopped by a ptrace trap": (0x857F, "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP | 0x80}]"),
    "continued": (0xFFFF, "[{WIFCONTINUED(s)}]"),
}


@pytest.mark.parametrize("status, expected", STATUSES.values(), ids=STATUSES.keys())
def test_wait_status_uses_strace_macros(status: int, expected: str) -> None:
    assert wait_status(status) == expected


def test_argv_shows_at_most_s_strings_each_cut_at_s_bytes() -> None:
    row = make_row("execve", 0x7FFD0000, 0x7FFD0100, 0x7FFD0200, path="/bin/true",
                   mem=join_mem([argv(b"/bin/true", *[str(i).encode() for i in range(1, 11)])]))
    assert text(row, string_size=5) == ('execve("/bin/true", ["/bin/"..., "1", "2", "3", "4", ...], '
                                        "0x7ffd0200 /* ? vars */) = 0")


def test_argv_cut_by_the_recorder_ends_with_dots() -> None:
    items = [b"a"] * 256
    row = make_row("execve", 0x7FFD0000, 0x7FFD0100, 0x7FFD0200, path="/x", mem=join_mem([argv(*items) + b"\0"]))
    args = decode(row, DecodeOptions(string_size=1000)).args
    assert args[1].endswith('"a", ...]') and args[1].count('"a"') == 256


def test_clone_prints_its_tid_stores_after_the_call_returns() -> None:
    d = decode(make_row("clone", CLONE_CHILD_SETTID | SIGCHLD, 0, 0, 0x7F10, ret=9), DecodeOptions())
    assert (d.entry, d.entry_sep) == (2, False)


def test_wait4_prints_only_the_pid_at_entry() -> None:
    assert decode(make_row("wait4", 5, 0x7FFD0000, 0, 0, ret=5, mem=status_part(0)), DecodeOptions()).entry == 1


def test_uname_prints_sysname_and_nodename_then_an_ellipsis() -> None:
    uts = b"".join(s.ljust(65, b"\0") for s in (b"Linux", b"vm", b"6.1.0", b"#1 SMP", b"x86_64", b"(none)"))
    row = make_row("uname", 0x7FFD0000, ret=0, mem=join_mem([uts]))
    assert text(row) == 'uname({sysname="Linux", nodename="vm", ...}) = 0'
    bad = make_row("uname", 0x7FFD0000, err="EFAULT")
    assert text(bad) == "uname(0x7ffd0000) = -1 EFAULT (Bad address)"


def test_getrandom_prints_the_bytes_in_hex() -> None:
    row = make_row("getrandom", 0x7FFD0000, 4, 0, ret=4, data=b"\x12\x34AB")
    assert text(row) == 'getrandom("\\x12\\x34\\x41\\x42", 4, 0) = 4'
    assert text(row, string_size=2) == 'getrandom("\\x12\\x34"..., 4, 0) = 4'


def test_futex_bitset_commands_name_the_match_any_mask() -> None:
    row = make_row("futex", 0x7FFD0000, 9 | 256, 5, 0, 0, 0xFFFFFFFF, ret=0)
    assert text(row).endswith(", 5, NULL, FUTEX_BITSET_MATCH_ANY) = 0")
