"""Calls without a decoder print raw hex arguments; no recorded bytes can make a decoder fail."""
from __future__ import annotations

import random

import pytest

from renacer.analyze.decode import DECODERS, Decoded, DecodeOptions, decode, format_return
from renacer.schema import captures
from renacer.schema.trace import join_mem, split_mem_extras
from tests.analyze.rows import make_row

U64 = 2**64 - 1


def test_a_call_without_a_decoder_prints_hex_arguments() -> None:
    row = make_row("kexec_load", 0, 0x10, 0xFFFFFFFFFFFFFFFF, 7, 0, 0)
    d = decode(row, DecodeOptions())
    assert d.args[:4] == ["0", "0x10", "0xffffffffffffffff", "0x7"]
    assert format_return(row, d) == "0"


def test_a_syscall_number_without_a_name_still_renders() -> None:
    d = decode(make_row(None, 1, 2), DecodeOptions())  # type: ignore[arg-type]
    assert d.args[:2] == ["0x1", "0x2"]


def _register(rng: random.Random) -> int:
    return rng.choice([0, 1, 2, 3, 16, 28, 110, 128, 0x7FFD0000, U64, U64 - 99, 1 << 31, 1 << 63, rng.getrandbits(64),
                       rng.getrandbits(8), rng.getrandbits(32)])


def _bytes(rng: random.Random) -> bytes | None:
    kind = rng.randrange(5)
    if kind == 0:
        return None
    if kind == 1:
        return b""
    return bytes(rng.getrandbits(8) for _ in range(rng.choice([1, 2, 3, 7, 12, 16, 28, 56, 128, 144, 256, 300])))


def _mem(rng: random.Random) -> bytes | None:
    r = rng.random()
    if r < 0.3:
        return _bytes(rng)  # garbage framing
    if r < 0.6:  # base parts and extra parts (iovec arrays, lengths, fd_sets, …)
        return join_mem([_bytes(rng) for _ in range(rng.randrange(4))],
                        [_bytes(rng) for _ in range(rng.randrange(10))])
    return join_mem([_bytes(rng) for _ in range(rng.randrange(4))])


def _random_row(name: str, rng: random.Random) -> dict:
    ret = rng.choice([0, 1, 3, 16, -1, -4, -11, -111, -512, 2**40, None])
    row = make_row(name, *[_register(rng) for _ in range(6)], ret=ret)
    row.update(
        exit_seq=None if ret is None else 1,
        data=_bytes(rng), sockaddr=_bytes(rng), mem=_mem(rng),
        path=rng.choice([None, "", "/tmp/x", "caf\udce9", "\x00\x01"]),
    )
    return row


@pytest.mark.parametrize("name", sorted(DECODERS))
def test_decoders_survive_random_recorded_bytes(name: str) -> None:
    rng = random.Random(name)  # deterministic per decoder
    opts = [DecodeOptions(), DecodeOptions(string_size=0), DecodeOptions(string_size=3, xflag=1),
            DecodeOptions(xflag=2)]
    for i in range(300):
        row = _random_row(name, rng)
        result = DECODERS[name](row, opts[i % len(opts)])  # the decoder itself, not the safety net
        args = result.args if isinstance(result, Decoded) else result
        assert all(isinstance(a, str) for a in args)
        format_return(row, result if isinstance(result, Decoded) else Decoded(args))


# Mem parts each entry op writes. IOV_IN and MSG_IN count the raw iovec array the decoders use
# when a recording has it (proposed to the recorder: part 0 of writev, part 2 of sendmsg).
_ENTRY_MEM_OPS = {captures.STR: 1, captures.MEM_IN: 1, captures.MEM_IN_N: 1, captures.ARGV: 1, captures.MSG_IN: 3,
                  captures.MMSG_IN: 1, captures.IOV_IN: 1, captures.FLOCK: 1, captures.IOCTL_INT: 1}
# Extra parts written at entry (the first ones of captures.EXTRAS); None: all of them.
_ENTRY_EXTRAS = {"writev": 2, "pwritev": 2, "pwritev2": 2, "readv": 1, "preadv": 1, "preadv2": 1, "sendmsg": 2,
                 "recvmsg": 1, "recvmmsg": 1, "sendmmsg": None, "select": 3, "pselect6": 5, "ppoll": 1}


def _known_at_entry(row: dict) -> dict:
    """The row as the recorder knows it while the call is in progress."""
    ops = captures.CAPTURES.get(row["name"], ())
    kinds = {op.op for op in ops}
    keep = sum(_ENTRY_MEM_OPS.get(op.op, 0) for op in ops)
    parts, extras = split_mem_extras(row["mem"]) if row["mem"] else ([], None)
    if extras is not None:
        keep_x = _ENTRY_EXTRAS.get(row["name"], 0)
        extras = extras if keep_x is None else extras[:keep_x]
    entry_row = dict(row, exit_seq=None, ret=None, errno=None, dur_ns=None)
    entry_row["data"] = row["data"] if kinds & {captures.BUF_IN, captures.IOV_IN, captures.MSG_IN, captures.MMSG_IN} else None
    entry_row["sockaddr"] = row["sockaddr"] if kinds & {captures.SA_IN, captures.MSG_IN, captures.MMSG_IN} else None
    if extras is not None:
        entry_row["mem"] = join_mem(parts[:keep], extras)
    else:
        entry_row["mem"] = join_mem(parts[:keep]) if keep and parts else None
    return entry_row


def _entry_part(d: Decoded) -> list[str]:
    k = len(d.args) if d.entry is None else min(d.entry, len(d.args))
    head = list(d.args[:k])
    if d.late and head:
        head[-1] = head[-1][: -d.late]
    return head


@pytest.mark.parametrize("name", sorted(n for n in DECODERS if n in captures.CAPTURES or n in ("socket", "close")))
def test_what_prints_at_entry_needs_only_what_is_known_at_entry(name: str) -> None:
    """A live ``<unfinished ...>`` line is decoded from the call in progress, a replayed one from
    the finished row: they must print the same."""
    rng = random.Random("entry" + name)
    for _ in range(200):
        row = _random_row(name, rng)
        if row["mem"] is not None and rng.random() < 0.5:
            row["mem"] = join_mem([_bytes(rng) for _ in range(4)])  # well-formed parts
        full = decode(row, DecodeOptions())
        partial = decode(_known_at_entry(row), DecodeOptions())
        assert _entry_part(full) == _entry_part(partial), row
