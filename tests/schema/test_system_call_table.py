"""schema/syscall_table.py is the one table of system calls: every call has a row assembled from
the generated names and argument counts, the measured classes and the hand-written SPECS, and
the tables the recorder, the column builders and the decoders read are views of it."""
from __future__ import annotations

import pytest

from renacer.schema import captures, syscall_table
from renacer.schema.nargs_x86_64 import NARGS
from renacer.schema.syscall_classes import CLASSES
from renacer.schema.syscall_table import BY_NAME, BY_NR, SPECS, Syscall
from renacer.schema.syscalls_x86_64 import SYSCALLS

# Base parts (in ``mem``) and named extra parts each op writes; MMSG ops add per-message parts.
BASE_PARTS = {captures.STR: 1, captures.MSG_IN: 2, captures.MSG_OUT: 2, captures.MEM_IN: 1,
              captures.MEM_OUT: 1, captures.MEM_IN_N: 1, captures.MEM_OUT_N: 1, captures.MEM_OUT_RET: 1,
              captures.MEM_OUT_LENPTR: 1, captures.ARGV: 1, captures.MMSG_IN: 1, captures.MMSG_OUT: 1,
              captures.FLOCK: 2, captures.IOCTL_INT: 1}
EXTRA_PARTS = {captures.IOV_IN: 2, captures.IOV_OUT: 2, captures.MSG_IN: 2, captures.MSG_OUT: 3,
               captures.XMEM_IN: 1, captures.XMEM_OUT: 1, captures.FDSETS_IN: 3, captures.FDSETS_OUT: 3,
               captures.PSEL_MASK: 2, captures.LEN_IN: 2}


def test_every_syscall_has_one_row_under_its_number_and_name() -> None:
    assert {nr: row.name for nr, row in BY_NR.items()} == SYSCALLS
    assert all(BY_NAME[row.name] is row for row in BY_NR.values())


def test_rows_carry_the_generated_nargs_and_the_measured_classes() -> None:
    for row in BY_NAME.values():
        assert row.nargs == NARGS[row.name]
        assert row.classes == {cls for cls, members in CLASSES.items() if row.name in members}
    assert BY_NAME["connect"].classes == {"network"}
    assert BY_NAME["read"] == Syscall(0, "read", 3, frozenset({"desc"}), (captures.Op(captures.BUF_OUT, 1),),
                                      (), "a0", 2, None, "files.read")


def test_specs_name_only_real_syscalls() -> None:
    assert set(SPECS) <= set(SYSCALLS.values())


def test_capture_tables_are_views_of_the_table() -> None:
    for name in ("CAPTURES", "FD_FROM_A0", "FD_FROM_RET", "SIZE_ARG", "EXTRAS", "PARTS"):
        assert getattr(captures, name) is getattr(syscall_table, name)
    assert captures.CAPTURES["connect"] == (captures.Op(captures.SA_IN, 1, 2),)
    assert "socket" in captures.FD_FROM_RET and "read" in captures.FD_FROM_A0
    assert captures.SIZE_ARG["write"] == 2 and captures.SIZE_ARG["readv"] is None
    with pytest.raises(AttributeError):
        captures.NO_SUCH_TABLE  # noqa: B018


def test_fd_rules_are_exclusive_and_argument_indices_fit_nargs() -> None:
    assert not captures.FD_FROM_A0 & captures.FD_FROM_RET
    for row in BY_NAME.values():
        if row.fd == "a0":
            assert row.nargs >= 1, row.name
        if isinstance(row.size, int):
            assert row.size < row.nargs, row.name
        for op in row.caps:
            assert op.arg < row.nargs, (row.name, op)
            last = op.arg + 2 if op.op in (captures.FDSETS_IN, captures.FDSETS_OUT) else op.arg
            assert last < row.nargs, (row.name, op)


@pytest.mark.parametrize("name", sorted(n for n, row in BY_NAME.items() if row.caps))
def test_each_call_names_every_part_its_ops_write(name: str) -> None:
    row = BY_NAME[name]
    assert len(row.parts) == sum(BASE_PARTS.get(op.op, 0) for op in row.caps)
    extras = sum(EXTRA_PARTS.get(op.op, 0) for op in row.caps)
    if extras:
        assert row.extras is not None and len(row.extras) == extras
    assert len(set(row.parts) | set(row.extras or ())) == len(row.parts) + len(row.extras or ())


def test_every_decoder_the_table_names_is_a_function() -> None:
    from renacer.analyze.decode import DECODERS, _resolve

    assert set(DECODERS) == {n for n, row in BY_NAME.items() if row.decoder}
    assert DECODERS["lstat"] is DECODERS["stat"]
    with pytest.raises(ImportError, match="not a function"):
        _resolve({"read": "files.no_such_decoder"})
    with pytest.raises(ImportError):
        _resolve({"read": "nofamily.read"})
