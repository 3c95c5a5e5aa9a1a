"""The recorder's constants are the schema's: the committed .pxi is what the generator writes
now, and its numbers are the schema's values."""
from __future__ import annotations

import re
from pathlib import Path

from renacer.schema import captures, gen_pxi, trace
from renacer.schema.syscalls_x86_64 import SYSCALLS

PXI = Path(__file__).resolve().parents[2] / "capture" / "_schema_constants.pxi"
PYX = PXI.with_name("_recorder.pyx")


def _enum_values(text: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2), 0) for m in re.finditer(r"^    (\w+) = (0x[0-9a-f]+|\d+)$", text, re.M)}


def test_committed_pxi_equals_the_generators_output() -> None:
    assert PXI.read_text() == gen_pxi.render()


def test_op_numbers_are_the_capture_ops() -> None:
    values = _enum_values(gen_pxi.render())
    assert {name[3:]: v for name, v in values.items() if name.startswith("OP_")} == {
        name: value for value, name in captures.OP_NAMES.items()}
    assert values["OP_IOCTL_INT"] == captures.IOCTL_INT
    assert sorted(captures.OP_NAMES) == list(range(1, 28))  # every op, nothing else upper-case


def test_kinds_flags_and_syscalls_come_from_the_schema() -> None:
    values = _enum_values(gen_pxi.render())
    assert [values[f"K_{k.upper()}"] for k in trace.KINDS] == list(range(len(trace.KINDS)))
    assert (values["F_HAS_RET"], values["F_FINISHED"], values["NR_MAX"]) == (
        trace.F_HAS_RET, trace.F_FINISHED, trace.NR_MAX)
    by_name = {name: nr for nr, name in SYSCALLS.items()}
    assert (values["NR_EXECVE"], values["NR_EXECVEAT"]) == (by_name["execve"], by_name["execveat"]) == (59, 322)


def test_recorder_has_no_def_constants_and_includes_the_generated_file() -> None:
    source = PYX.read_text()
    assert not re.search(r"^DEF ", source, re.M)
    assert 'include "_schema_constants.pxi"' in source
    # the bare numbers the constants replaced
    for bare in ("nr != 59", "nr != 322", "0x5421", "0x541B", "count == 5 "):
        assert bare not in source, bare
    assert not re.search(r'fail\(b"\w+", 12\)', source), "ENOMEM as a bare 12"


def test_write_leaves_an_unchanged_file_alone(tmp_path: Path) -> None:
    out = tmp_path / "c.pxi"
    assert gen_pxi.write(out) is True
    assert gen_pxi.write(out) is False
    assert out.read_text() == gen_pxi.render()
