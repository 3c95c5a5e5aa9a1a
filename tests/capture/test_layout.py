"""The record layout is checked field by field against the compiled struct Rec: a dtype or a
struct format with two fields swapped is refused even when the total size is unchanged."""
from __future__ import annotations

import numpy as np
import pytest

from renacer.capture import batches, rows
from renacer.capture._recorder import rec_layout, rec_size
from renacer.schema.trace import REC_FIELDS


def test_compiled_struct_matches_the_schema_layout() -> None:
    layout = rec_layout()
    assert [name for name, _, _ in layout] == [name for name, _ in REC_FIELDS]
    batches.check_layout(batches.REC_DTYPE, layout, rec_size())
    rows.check_layout(rec_size(), layout)
    assert {name: (off, size) for name, off, size in layout} == {
        name: (batches.REC_DTYPE.fields[name][1], batches.REC_DTYPE.fields[name][0].itemsize)
        for name in batches.REC_DTYPE.names}


def _swapped(a: str, b: str) -> np.dtype:
    fields = list(REC_FIELDS)
    i, j = [k for k, (name, _) in enumerate(fields) if name in (a, b)]
    fields[i], fields[j] = fields[j], fields[i]
    return np.dtype(fields, align=True)


@pytest.mark.parametrize(("a", "b"), [("pid", "tid"), ("seq", "ts"), ("kind", "flags"), ("data_len", "mem_len")])
def test_dtype_with_two_fields_swapped_is_refused(a: str, b: str) -> None:
    dtype = _swapped(a, b)
    assert dtype.itemsize == rec_size()  # the old size-only check let this through
    with pytest.raises(RuntimeError, match="struct Rec has it at"):
        batches.check_layout(dtype, rec_layout(), rec_size())


def test_dtype_with_a_wider_field_is_refused() -> None:
    fields = [(n, "<i8" if n == "pid" else t) for n, t in REC_FIELDS]
    with pytest.raises(RuntimeError):
        batches.check_layout(np.dtype(fields, align=True), rec_layout(), rec_size())


def test_rows_refuses_a_struct_whose_fields_moved() -> None:
    layout = rec_layout()
    moved = tuple((n, 92 if n == "pid" else 88 if n == "tid" else off, size) for n, off, size in layout)
    with pytest.raises(RuntimeError, match="struct Rec has"):
        rows.check_layout(rec_size(), moved)
