"""The -e trace= expression parser: what each form selects, and how bad input is refused."""
from __future__ import annotations

import pytest

from renacer.capture.filter_expr import FilterError, TraceFilter, parse_trace_expr
from renacer.schema.syscall_classes import CLASSES
from renacer.schema.syscalls_x86_64 import SYSCALLS

NUMBER_OF = {name: nr for nr, name in SYSCALLS.items()}
ALL = frozenset(SYSCALLS)


def numbers(*names: str) -> frozenset[int]:
    return frozenset(NUMBER_OF[n] for n in names)


def cls(name: str) -> frozenset[int]:
    return numbers(*CLASSES[name])


# (expression, the numbers it must select)
SELECTIONS: list[tuple[str, frozenset[int]]] = [
    ("trace=connect", numbers("connect")),
    ("connect", numbers("connect")),
    ("t=connect", numbers("connect")),
    ("trace=read,write", numbers("read", "write")),
    ("trace=read,,write,", numbers("read", "write")),
    ("trace= read , write ", numbers("read", "write")),
    ("trace=42", numbers("connect")),
    ("trace=%network", cls("network")),
    ("trace=network", cls("network")),
    ("trace=%file,%desc", cls("file") | cls("desc")),
    ("trace=%%stat", cls("%stat")),
    ("trace=%stat", numbers("stat")),
    ("trace=stat", numbers("stat")),
    ("trace=creds", cls("creds")),
    ("trace=%pure", cls("pure")),
    ("trace=send", numbers("sendto", "sendmsg", "sendmmsg")),
    ("trace=recv", numbers("recvfrom", "recvmsg", "recvmmsg")),
    ("trace=connect,send,recv", numbers("connect", "sendto", "sendmsg", "sendmmsg", "recvfrom",
                                        "recvmsg", "recvmmsg")),
    ("trace=/^sock", numbers("socket", "socketpair")),
    ("trace=/sock", numbers("socket", "socketpair", "getsockname", "getsockopt", "setsockopt")),
    ("trace=/^sock/", numbers("socket", "socketpair")),
    ("trace=/^(read|write)$", numbers("read", "write")),
    ("trace=all", ALL),
    ("all", ALL),
    ("trace=none", frozenset()),
    ("trace=!none", ALL),
    ("trace=!all", frozenset()),
    ("trace=!connect", ALL - numbers("connect")),
    ("trace=!open,close", ALL - numbers("open", "close")),
    ("trace=!!open", numbers("open")),
    ("trace=!%network", ALL - cls("network")),
    ("trace=%network,!connect", cls("network") - numbers("connect")),
    ("trace=%network,!%desc", cls("network") - cls("desc")),
    ("trace=!connect,!%file", ALL - numbers("connect") - cls("file")),
    ("trace=!%network,read", ALL - cls("network") - numbers("read")),
    ("trace=!%network,read,!write", numbers("read")),
    ("trace=?nosuchcall,read", numbers("read")),
    ("trace=all,!read", ALL - numbers("read")),
]


@pytest.mark.parametrize(("expr", "expected"), SELECTIONS)
def test_expression_selects_syscalls(expr: str, expected: frozenset[int]) -> None:
    result = parse_trace_expr(expr)
    assert isinstance(result, TraceFilter)
    assert set(result.names) == {SYSCALLS[n] for n in expected}
    assert result.numbers == expected
    assert result.expr == expr


@pytest.mark.parametrize(
    ("expr", "everything"),
    [
        ("trace=all", True),
        ("all", True),
        ("trace=!none", True),
        ("trace=/.", True),
        ("trace=%network", False),
        ("trace=!connect", False),
        ("trace=none", False),
    ],
)
def test_everything_is_set_only_when_no_syscall_is_left_out(expr: str, everything: bool) -> None:
    assert parse_trace_expr(expr).everything is everything


def test_filter_is_frozen_and_hashable() -> None:
    result = parse_trace_expr("trace=connect")
    with pytest.raises(AttributeError):
        result.everything = True  # type: ignore[misc]
    assert hash(result) == hash(parse_trace_expr("trace=connect"))


# (expression, words the error message must contain)
ERRORS: list[tuple[str, tuple[str, ...]]] = [
    ("trace=conect", ("unknown syscall 'conect' in -e trace=conect (did you mean 'connect'?)",)),
    ("conect", ("unknown syscall 'conect' in -e trace=conect", "'connect'")),
    ("trace=read,opne", ("unknown syscall 'opne'", "did you mean 'open'?")),
    ("trace=%netwrk", ("unknown syscall class '%netwrk'", "did you mean '%network'?")),
    ("trace=netwrk", ("unknown syscall 'netwrk'", "did you mean 'network'?")),
    ("trace=%connect", ("unknown syscall class '%connect'",)),
    ("trace=!conect", ("unknown syscall 'conect'", "did you mean 'connect'?")),
    ("trace=xyzzyq", ("unknown syscall 'xyzzyq'",)),
    ("trace=9999", ("unknown syscall number 9999",)),
    ("trace=/[", ("bad regular expression '['",)),
    ("trace=/^nosuchcall", ("regular expression '^nosuchcall'", "matches no syscall")),
    ("trace=/", ("empty regular expression",)),
    ("trace=", ("no system call given",)),
    ("trace=,", ("no system call given",)),
    ("", ("no system call given",)),
    ("trace=!", ("no system call given",)),
    ("trace=%network,!%network", ("selects no system call",)),
    ("trace=!/.", ("selects no system call",)),
    ("trace=?nosuchcall", ("selects no system call",)),
    ("signal=none", ("-e signal=", "not supported", "only -e trace=")),
    ("status=failed", ("-e status=", "not supported")),
    ("read=3", ("-e read=", "not supported")),
    ("bogus=1", ("unknown qualifier 'bogus='", "only -e trace=")),
]


@pytest.mark.parametrize(("expr", "fragments"), ERRORS)
def test_bad_expression_is_refused_with_a_clear_message(
    expr: str, fragments: tuple[str, ...]
) -> None:
    with pytest.raises(FilterError) as caught:
        parse_trace_expr(expr)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_filter_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_trace_expr("trace=conect")


def test_names_follow_syscall_numbers() -> None:
    assert parse_trace_expr("trace=openat,read,write").names == ("read", "write", "openat")


def test_a_subset_with_connect_brings_the_calls_that_tell_its_outcome() -> None:
    def companions(expr: str) -> set[str]:
        return {SYSCALLS[n] for n in parse_trace_expr(expr).companions}

    lifecycle = {"socket", "accept", "accept4", "socketpair", "close", "shutdown", "dup", "dup2", "dup3"}
    assert companions("trace=connect") == {"getsockopt"} | lifecycle
    # a traced call is shown, not hidden
    assert companions("trace=connect,getsockopt,socket,accept,accept4,socketpair,close,shutdown,dup,dup2,dup3") == set()
    assert companions("trace=%file") == set()
    # the rest of the lifecycle is in the class; copies of a socket teach the text its protocol
    assert companions("trace=network") == {"close", "dup", "dup2", "dup3"}
    assert companions("trace=sendto") == lifecycle


def test_a_hidden_close_is_recorded_only_for_sockets_and_a_traced_one_always() -> None:
    def socket_only(expr: str) -> set[str]:
        return {SYSCALLS[n] for n in parse_trace_expr(expr).socket_only}

    assert socket_only("trace=network") == {"close", "dup", "dup2", "dup3"}
    assert socket_only("trace=connect") == {"close", "dup", "dup2", "dup3"}
    assert socket_only("trace=network,close,dup,dup2,dup3") == set()
    assert socket_only("trace=network,close") == {"dup", "dup2", "dup3"}
    assert socket_only("trace=read,openat") == set()
