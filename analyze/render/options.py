"""What the user asked the renderer for: format, style, -s, -T, -t, -r, -x, [pid N], -c, -e."""
from __future__ import annotations

from typing import Any, NamedTuple

from renacer.analyze.decode import DecodeOptions
from renacer.analyze.decode.fdtable import SocketTable, interfaces_from

FORMATS = ("text", "json", "jsonl", "csv")
STYLES = ("guide", "strace")


class RenderOptions(NamedTuple):  # not a dataclass: dataclasses (+inspect) is ~5 ms of live start-up
    format: str = "text"  # text | json | jsonl | csv
    string_size: int = 32  # -s
    durations: bool = False  # -T
    timestamps: int = 0  # -t (1), -tt (2), -ttt (3)
    relative: bool = False  # -r
    xflag: int = 0  # -x (1), -xx (2)
    # "guide" (the default): the project guide's look, ``close(3) = 0``, errors as ``= -ENOENT``,
    # a non-blocking connect's outcome on its line, the -c table in ms in first-call order.
    # "strace": exactly what strace prints (column-40 padding, ``= -1 ENOENT (No such file…)``,
    # the -c table in seconds, largest total first), for diffing against strace.
    style: str = "guide"
    errno_style: str | None = None  # override: "strace" (= -1 ENOENT (…)) or "short" (= -ENOENT)
    pid_prefix: str = "auto"  # auto: [pid N] while >1 thread; always: "%-5d " (strace -f -o); never
    summary: bool = False  # -c: only the per-syscall table, at the end (text format)
    # Which syscalls to show (numbers, from replay's -e). None: what the recording was asked for,
    # i.e. every recorded call except those the metadata lists as ``hidden_syscalls``.
    syscalls: frozenset[int] | None = None

    @classmethod
    def from_cli(cls, args: Any) -> RenderOptions:
        """From the recorder's argparse namespace (attributes it lacks keep their defaults)."""
        fields = {
            "format": getattr(args, "format", None),
            "string_size": getattr(args, "strsize", None),
            "durations": getattr(args, "durations", None),
            "timestamps": getattr(args, "timestamps", None),
            "relative": getattr(args, "relative", None),
            "xflag": getattr(args, "xflag", None),
            "style": getattr(args, "style", None),
            "errno_style": getattr(args, "errno_style", None),
            "pid_prefix": getattr(args, "pid_prefix", None),
            "summary": getattr(args, "summary", None),
        }
        return cls(**{k: v for k, v in fields.items() if v is not None})

    def decode_options(self, metadata: dict[str, Any] | None = None) -> DecodeOptions:
        """The decoders' options for one trace: its recording host's interfaces, and a fresh
        table of the sockets its calls create (fdtable.SocketTable)."""
        return DecodeOptions(string_size=self.string_size, xflag=self.xflag,
                             interfaces=interfaces_from(metadata), sockets=SocketTable())

    @property
    def strace(self) -> bool:
        return self.style == "strace"

    def errno_text_style(self) -> str:
        return self.errno_style or ("strace" if self.strace else "short")

