"""How many lines renacer prints exactly as ``strace -f`` does, per test program.

Usage: python bench/strace_lines.py [--before DIR] [PROGRAM[:S] ...]
Each program under tests/programs/ is compiled, run once under ``strace -f -s S`` and once under
renacer (``-s S``), and renacer's ``--style strace`` text is compared line by line with strace's
after the normalization of tests/analyze/test_decode_strace.py (pids, addresses, ports). With
``--before DIR`` (a directory holding an older ``renacer`` package, e.g. built from
``git archive``), the same trace is also rendered by that code, so decoders are compared on
identical recordings.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.analyze.test_decode_strace import join_unfinished, normalize  # noqa: E402

DEFAULT = ["decode_all:32", "decode_net:32", "decode_misc:32", "decode_cmsg:32", "decode_netlink:128",
           "decode_wide:32"]

_RENDER = """
import io, sys
from renacer.analyze.render import RenderOptions, render_trace_file
out = io.StringIO()
render_trace_file([sys.argv[1]], out, RenderOptions(string_size=int(sys.argv[2]), pid_prefix="always", style="strace"))
sys.stdout.write(out.getvalue())
"""


def identical(strace_text: str, renacer_text: str) -> tuple[int, int]:
    expected = normalize(join_unfinished(strace_text))
    actual = normalize(join_unfinished(renacer_text))
    total = sum(map(len, expected.values()))
    same = sum(1 for t, lines in expected.items() for a, b in zip(lines, actual.get(t, [])) if a == b)
    return same, total


def render(trace: Path, size: int, pythonpath: str | None) -> str:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return subprocess.run([sys.executable, "-c", _RENDER, str(trace), str(size)], env=env,
                          capture_output=True, text=True, check=True).stdout


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", help="directory with an older renacer package to render with too")
    parser.add_argument("programs", nargs="*", default=DEFAULT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        header = f"{'program':16} {'-s':>4} {'after':>12}" + (f" {'before':>12}" if args.before else "")
        print(header)
        for spec in args.programs:
            name, _, size_ = spec.partition(":")
            size = int(size_ or 32)
            exe = tmp / name
            subprocess.run(["gcc", "-O1", "-o", str(exe), str(ROOT / "tests/programs" / f"{name}.c"), "-pthread"],
                           check=True)
            work = tmp / f"work-{name}-{size}"
            work.mkdir()
            strace_out = tmp / f"{name}-{size}.strace"
            subprocess.run(["strace", "-f", "-s", str(size), "-o", str(strace_out), str(exe), str(work)],
                           check=True, capture_output=True)
            trace = tmp / f"{name}-{size}.parquet"
            subprocess.run([sys.executable, "-m", "renacer.capture.cli", "-q", "-s", str(size), "-w", str(trace),
                            "--", str(exe), str(work)], check=True, capture_output=True)
            strace_text = strace_out.read_text()
            same, total = identical(strace_text, render(trace, size, None))
            line = f"{name:16} {size:>4} {f'{same}/{total}':>12}"
            if args.before:
                old_same, old_total = identical(strace_text, render(trace, size, args.before))
                line += f" {f'{old_same}/{old_total}':>12}"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
