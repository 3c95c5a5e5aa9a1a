"""The guide's source suffix of a line, on its own: the live text and record renderers need it,
and importing it from ``symbolize`` (ELF/DWARF reading, ~2 ms) cost every live start-up that much
without ``--source``."""
from __future__ import annotations


def source_text(file: str | None, line: int | None, func: str | None) -> str:
    """The guide's suffix: ``[src/client.rs:45 in connect_to_server]``; "" without a source."""
    if file is None and func is None:
        return ""
    if line is not None:
        return f"[{file}:{line} in {func}]" if func else f"[{file}:{line}]"
    if func:
        return f"[{file} in {func}]" if file else f"[in {func}]"
    return f"[{file}]"
