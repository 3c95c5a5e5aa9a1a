"""Decoders read captured memory by the names the system call table gives its parts."""
from __future__ import annotations

import struct

import pytest

from renacer.analyze.decode import DecodeOptions, decode
from renacer.analyze.decode.common import parts
from renacer.schema.trace import join_mem
from tests.analyze.rows import make_row


def test_base_and_extra_parts_by_name() -> None:
    header, control = b"H" * 56, b"C" * 16
    row = make_row("recvmsg", 3, 0x1000, 0, ret=5,
                   mem=join_mem([header, control], [struct.pack("<i", 16), b"I" * 16, b"N" * 8]))
    p = parts(row)
    assert (p.msghdr, p.control) == (header, control)
    assert (p.namelen_in, p.iov, p.iov_counts) == (struct.pack("<i", 16), b"I" * 16, b"N" * 8)
    assert p.named_extras == 3


def test_a_part_not_captured_is_none_and_an_unknown_name_is_an_error() -> None:
    row = make_row("rt_sigaction", 2, 0x1000, 0, 8, mem=join_mem([b"A" * 32, None]))
    p = parts(row)
    assert p.act == b"A" * 32 and p.oldact is None
    with pytest.raises(AttributeError, match="no captured part 'sockaddr'"):
        p.sockaddr  # noqa: B018


def test_a_recording_without_extras_has_none_for_every_extra() -> None:
    row = make_row("accept", 3, 0x1000, 0x2000, ret=4, mem=None)
    p = parts(row)
    assert p.extras is None and p.len_in is None and p.len_out is None


def test_a_named_part_decodes_as_the_positional_one_did() -> None:
    # rt_sigprocmask(SIG_BLOCK, [USR1], [], 8): set is the first part, oldset the second
    row = make_row("rt_sigprocmask", 0, 0x1000, 0x2000, 8,
                   mem=join_mem([struct.pack("<Q", 1 << 9), struct.pack("<Q", 0)]))
    assert decode(row, DecodeOptions()).args == ["SIG_BLOCK", "[USR1]", "[]", "8"]


def test_part_index_resolves_a_named_part_and_refuses_names_at_different_positions() -> None:
    from renacer.analyze.decode.common import part_index

    assert part_index(("newfstatat", "statbuf")) == 0
    assert part_index(("epoll_pwait2", "events")) == 1
    assert part_index(("rename", "newpath"), ("symlink", "linkpath")) == 0
    with pytest.raises(ValueError, match="different positions"):
        part_index(("epoll_wait", "events"), ("epoll_pwait2", "events"))
    with pytest.raises(KeyError):
        part_index(("newfstatat", "no_such_part"))


def test_each_mmsg_message_is_read_after_the_named_parts() -> None:
    row = make_row("sendmmsg", 3, 0x1000, 2, mem=join_mem([b"V" * 64, b"first", b"second"]))
    p = parts(row)
    assert (p.msgvec, p.message(0), p.message(1), p.message(2)) == (b"V" * 64, b"first", b"second", None)
