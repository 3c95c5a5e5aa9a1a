"""The strace-style ``-e trace=EXPR`` expression: which system calls the recorder traces.

Grammar (strace 6.1's, plus two extensions marked *):

    [trace=|t=] [!]... TOKEN[,TOKEN]...     or  all / none

    TOKEN   name          a system call: ``connect``
            %class        a strace class: ``%network``, ``%%stat``; the classic seven
                          (desc, file, memory, process, signal, ipc, network) also without %,
                          and *any class without % whose name is not also a syscall (``creds``)
            /regex        system calls whose name contains a match (POSIX ERE, re.search like
                          strace's regexec); a closing ``/`` is accepted and ignored
            NUMBER        a system call by number
            all           every system call
            send, recv  * sendto,sendmsg,sendmmsg / recvfrom,recvmsg,recvmmsg
            !TOKEN      * removes what TOKEN selects (``%network,!connect``)
            ?TOKEN        as TOKEN, but selecting nothing is not an error

A leading ``!`` negates the whole list, as in strace (``!open,close`` traces all but those
two) — unless a later token has its own ``!``: then every ``!`` negates just its token
(``!connect,!%file`` traces all but connect and the file class). Tokens without ``!`` are
united and the ``!TOKEN`` ones removed from that union, or from everything when there are no
tokens without ``!``.

Only ``trace=`` is supported for now; other qualifiers (``signal=``, ``status=``, ``read=``, …)
are refused with a message rather than ignored.
"""
from __future__ import annotations

import difflib
import re
from typing import NamedTuple

from renacer.schema.syscall_classes import CLASSES, LEGACY_CLASSES
from renacer.schema.syscalls_x86_64 import SYSCALLS


class FilterError(ValueError):
    """An -e expression that names nothing real or that this recorder does not support."""


class TraceFilter(NamedTuple):  # not a dataclass: dataclasses (+inspect) is ~5 ms of live start-up
    """What the recorder traces: the seccomp filter's syscall numbers, or everything."""

    numbers: frozenset[int]  # x86_64 syscall numbers to trace
    everything: bool  # every known syscall is traced: record without a seccomp filter
    expr: str  # the expression as the user wrote it (recorded in the trace metadata)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(SYSCALLS[n] for n in sorted(self.numbers))

    @property
    def companions(self) -> frozenset[int]:
        """Calls recorded beside this subset but not shown (see COMPANIONS)."""
        return companion_numbers(self.numbers)

    @property
    def socket_only(self) -> frozenset[int]:
        """Companions recorded only when their descriptor is a socket (see SOCKET_ONLY)."""
        return socket_only_numbers(self.numbers)


NUMBER_OF: dict[str, int] = {name: nr for nr, name in SYSCALLS.items()}
ALL_NUMBERS: frozenset[int] = frozenset(SYSCALLS)

# Shorthands the product documentation uses: one word for the family of send/receive calls.
ALIASES: dict[str, frozenset[str]] = {
    "send": frozenset({"sendto", "sendmsg", "sendmmsg"}),
    "recv": frozenset({"recvfrom", "recvmsg", "recvmmsg"}),
}

# A traced call whose outcome arrives through other calls: those are recorded too (the trace
# metadata lists them as ``hidden_syscalls``) and never shown. A non-blocking connect returns
# EINPROGRESS; a refusal arrives later through getsockopt(SO_ERROR) (how curl, libuv, Go, asyncio
# and nginx learn it), a call most programs make rarely. Not poll/epoll (frequent, and their
# results cannot say which error; epoll's do not even name the descriptor).
COMPANIONS: dict[str, tuple[str, ...]] = {"connect": ("getsockopt",)}

# A subset with any network call also records each socket's life, hidden, so that `connections`
# knows every socket it sees used (which kind, made when: socket, accept, accept4, socketpair) and
# how and when it ended (close, shutdown). Programs make few sockets, so these are cheap — except
# close, which most programs call on files all the time: it is recorded only for descriptors the
# recorder saw made as sockets (SOCKET_ONLY), and any other close resumes at its one seccomp stop
# with no exit stop and no row (capture/_recorder.pyx, record_socket_closes_only).
SOCKET_LIFECYCLE: tuple[str, ...] = ("socket", "accept", "accept4", "socketpair", "close", "shutdown")
# Copies of a socket's descriptor (dup, dup2, dup3), hidden too and recorded only when the
# descriptor copied is a socket: the text renderer's socket table (analyze/decode/fdtable.py)
# learns from them which protocol a netlink descriptor speaks, as it learns from socket(). Not
# fcntl's F_DUPFD: fcntl is frequent (F_GETFL/F_SETFL on every non-blocking socket) and a socket
# copied by it is rare.
SOCKET_COPIES: tuple[str, ...] = ("dup", "dup2", "dup3")
SOCKET_ONLY: tuple[str, ...] = ("close",) + SOCKET_COPIES


def companion_numbers(numbers: frozenset[int]) -> frozenset[int]:
    """The companions of the traced ``numbers`` that are not traced themselves."""
    extra = {NUMBER_OF[c] for name, calls in COMPANIONS.items() if NUMBER_OF[name] in numbers for c in calls}
    if numbers & _CLASS_NUMBERS["network"]:
        extra |= {NUMBER_OF[c] for c in SOCKET_LIFECYCLE + SOCKET_COPIES}
    return frozenset(extra) - numbers


def socket_only_numbers(numbers: frozenset[int]) -> frozenset[int]:
    """Companions recorded only on socket descriptors (close and dup*, unless -e traces them)."""
    return companion_numbers(numbers) & {NUMBER_OF[c] for c in SOCKET_ONLY}


# strace's qualifiers and their abbreviations; all but trace are refused by name.
TRACE_QUALIFIERS: frozenset[str] = frozenset({"trace", "t"})
OTHER_QUALIFIERS: frozenset[str] = frozenset(
    {
        "abbrev", "a", "verbose", "v", "raw", "x", "signal", "signals", "s", "read", "reads",
        "r", "write", "writes", "w", "fault", "inject", "status", "quiet", "silent", "silence",
        "q", "decode-fds", "decode-fd", "kvm", "trace-fds", "trace-fd", "fd", "fds",
    }
)

_QUALIFIER = re.compile(r"^([a-z][a-z-]*)=(.*)$", re.S)

_CLASS_NUMBERS: dict[str, frozenset[int]] = {
    name: frozenset(NUMBER_OF[s] for s in members) for name, members in CLASSES.items()
}
_ALIAS_NUMBERS: dict[str, frozenset[int]] = {
    name: frozenset(NUMBER_OF[s] for s in members) for name, members in ALIASES.items()
}
# Bare words that name a class: strace's legacy seven, and any other class that no syscall
# shadows (``stat`` stays the syscall; ``%stat`` is the class).
_BARE_CLASSES: frozenset[str] = LEGACY_CLASSES | frozenset(
    name for name in CLASSES if name not in NUMBER_OF and not name.startswith("%")
)


def parse_trace_expr(expr: str) -> TraceFilter:
    """Parse ``trace=EXPR`` (or a bare ``EXPR``) into the set of syscall numbers to trace."""
    body = _strip_qualifier(expr)
    shown = f"trace={body}"
    # Once a later token has its own '!', a leading one belongs to the first token only.
    per_token = any(t.strip().startswith("!") for t in body.split(",")[1:])
    negations = 0 if per_token else len(body) - len(body.lstrip("!"))
    body = body[negations:]
    explicit = body in ("all", "none")  # asking for nothing is fine; arriving at it is not
    if explicit:
        selected = ALL_NUMBERS if body == "all" else frozenset()
    else:
        selected = _select(body, shown)
    if negations % 2:
        selected = ALL_NUMBERS - selected
    if not selected and not explicit:
        raise FilterError(f"-e {shown} selects no system call")
    return TraceFilter(numbers=selected, everything=selected >= ALL_NUMBERS, expr=expr)


def _strip_qualifier(expr: str) -> str:
    match = _QUALIFIER.match(expr.strip())
    if not match:
        return expr.strip()
    qualifier, body = match.groups()
    if qualifier in TRACE_QUALIFIERS:
        return body.strip()
    if qualifier in OTHER_QUALIFIERS:
        raise FilterError(
            f"-e {qualifier}=… is not supported yet: renacer supports only -e trace=EXPR"
        )
    raise FilterError(
        f"unknown qualifier '{qualifier}=' in -e {expr.strip()}: renacer supports only "
        f"-e trace=EXPR"
    )


def _select(body: str, shown: str) -> frozenset[int]:
    tokens = [t.strip() for t in body.split(",") if t.strip()]
    if not tokens:
        raise FilterError(f"-e {shown}: no system call given")
    included: set[int] = set()
    excluded: set[int] = set()
    any_included = False
    for token in tokens:
        negated = token.startswith("!")
        word = token[1:].strip() if negated else token
        optional = word.startswith("?")
        word = word.lstrip("?")
        numbers = _resolve(word, shown, optional)
        if negated:
            excluded |= numbers
        else:
            included |= numbers
            any_included = True
    base = included if any_included else set(ALL_NUMBERS)
    return frozenset(base - excluded)


def _resolve(word: str, shown: str, optional: bool) -> frozenset[int]:
    """The numbers one token selects; unknown words raise unless the token was ``?word``."""
    try:
        return _lookup(word, shown)
    except FilterError:
        if optional:
            return frozenset()
        raise


def _lookup(word: str, shown: str) -> frozenset[int]:
    if not word:
        raise FilterError(f"-e {shown}: empty name after '!' or '?'")
    if word.isdigit():
        if int(word) in SYSCALLS:
            return frozenset({int(word)})
        raise FilterError(f"unknown syscall number {word} in -e {shown}")
    if word.startswith("/"):
        return _regex(word, shown)
    if word.startswith("%"):
        name = word[1:]
        if name in _CLASS_NUMBERS:
            return _CLASS_NUMBERS[name]
        raise FilterError(
            f"unknown syscall class '{word}' in -e {shown}{_suggest(word, _class_words())}"
        )
    if word == "all":
        return ALL_NUMBERS
    if word in _BARE_CLASSES:
        return _CLASS_NUMBERS[word]
    if word in _ALIAS_NUMBERS:
        return _ALIAS_NUMBERS[word]
    if word in NUMBER_OF:
        return frozenset({NUMBER_OF[word]})
    candidates = [*NUMBER_OF, *_ALIAS_NUMBERS, *_BARE_CLASSES, *_class_words()]
    raise FilterError(f"unknown syscall '{word}' in -e {shown}{_suggest(word, candidates)}")


def _regex(word: str, shown: str) -> frozenset[int]:
    pattern = word[1:]
    # strace's syntax is /regex; /regex/ is what people type. No name contains '/', so a
    # trailing one can only be that closing slash.
    if pattern.endswith("/") and not pattern.endswith("\\/"):
        pattern = pattern[:-1]
    if not pattern:
        raise FilterError(f"empty regular expression in -e {shown}")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise FilterError(f"bad regular expression '{pattern}' in -e {shown}: {exc}") from None
    numbers = frozenset(nr for name, nr in NUMBER_OF.items() if compiled.search(name))
    if not numbers:
        raise FilterError(f"regular expression '{pattern}' in -e {shown} matches no syscall")
    return numbers


def _class_words() -> list[str]:
    return [f"%{name}" for name in CLASSES]


def _suggest(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
