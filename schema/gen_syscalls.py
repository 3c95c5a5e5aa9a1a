"""Generate syscalls_x86_64.py from the kernel's asm/unistd_64.h.

Run: python3 -m renacer.schema.gen_syscalls [HEADER]  (writes the module beside this file)
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

DEFAULT_HEADER = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
_DEFINE = re.compile(r"^#define\s+__NR_(\w+)\s+(\d+)\s*$")


def parse_unistd(text: str) -> dict[int, str]:
    """Map syscall number -> name from the #define __NR_name N lines of a unistd header."""
    table: dict[int, str] = {}
    for line in text.splitlines():
        match = _DEFINE.match(line.strip())
        if match:
            table[int(match.group(2))] = match.group(1)
    return table


def render_module(table: dict[int, str], header: str) -> str:
    lines = [
        f'"""x86_64 system call numbers, generated from {header} by gen_syscalls.py. Do not edit."""',
        "",
        "SYSCALLS: dict[int, str] = {",
    ]
    lines += [f"    {nr}: {name!r}," for nr, name in sorted(table.items())]
    lines += ["}", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    header = argv[1] if len(argv) > 1 else DEFAULT_HEADER
    table = parse_unistd(Path(header).read_text())
    out = Path(__file__).with_name("syscalls_x86_64.py")
    out.write_text(render_module(table, header))
    print(f"wrote {len(table)} syscalls to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
