"""The ``mem`` cell layout: base parts where queries and older traces expect them, extra parts
behind a header (schema/captures.py), and readers that keep the two apart."""
from __future__ import annotations

from renacer.analyze.decode.common import extras, part
from renacer.analyze.payload import mem_part
from renacer.schema.trace import join_mem, split_mem, split_mem_extras


def test_a_cell_without_extras_reads_as_before() -> None:
    cell = join_mem([b"abc", None, b""])
    assert split_mem_extras(cell) == ([b"abc", None, b""], None)
    assert split_mem(cell) == [b"abc", None, b""]
    assert extras({"mem": cell}) is None


def test_extras_follow_the_base_parts_without_moving_them() -> None:
    cell = join_mem([b"hdr", None], [b"\x05\0\0\0", None, b"xy"])
    assert split_mem_extras(cell) == ([b"hdr", None], [b"\x05\0\0\0", None, b"xy"])
    assert split_mem(cell) == [b"hdr", None]
    # the SQL function and the decoders see base part i at index i, and nothing past the base parts
    assert mem_part(cell, 0) == b"hdr" and mem_part(cell, 1) is None and mem_part(cell, 2) is None
    assert part({"mem": cell}, 0) == b"hdr" and part({"mem": cell}, 2) is None
    assert extras({"mem": cell}) == [b"\x05\0\0\0", None, b"xy"]


def test_a_failed_call_with_no_base_parts_still_has_its_extras() -> None:
    cell = join_mem([], [b"\x6e\0\0\0", None])
    assert split_mem(cell) == []
    assert mem_part(cell, 0) is None
    assert extras({"mem": cell}) == [b"\x6e\0\0\0", None]
