"""Start-up of the analyzer CLI, to choose its library on evidence (issue 8).

    python3 bench/bench_cli_startup.py [--runs 9] [--trace T.parquet] [--variant LABEL:SCRIPT[:DIR]] ...

Times, start to exit, ``renacer-analyze --help`` and ``renacer-analyze summary TRACE`` (a small
sample trace), and the bare imports a CLI library costs: ``python -c pass``, ``import argparse``,
``import click``, ``import typer``. Each ``--variant LABEL:SCRIPT[:DIR]`` adds a column set that
runs ``python SCRIPT`` instead of the installed ``renacer-analyze`` (another CLI module over the
same engine, e.g. the typer one it replaced) with DIR, if given, first on the import path
(``pip install --target DIR --no-deps typer==X`` measures another typer). Every round runs every
configuration of every variant once, interleaved (the machine is shared and noisy: a slow moment
hits all of them alike); medians over the rounds, each command's cost over ``python -c pass``,
and each variant's ratio to the installed CLI.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

import _common

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ANALYZE = str(BIN / "renacer-analyze")


def timed(cmd: list[str], env: dict[str, str]) -> float:
    return _common.timed(cmd, env, ok=(0,))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--variant", action="append", default=[], metavar="LABEL:SCRIPT[:DIR]",
                    help="another CLI script (and a folder first on its import path)")
    ap.add_argument("--trace", default=str(ROOT / "sample_traces" / "dns_glibc.parquet"))
    args = ap.parse_args()
    # As on a user's machine: bytecode is cached (a shell's PYTHONDONTWRITEBYTECODE would make
    # every run compile every module again).
    base_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    py = sys.executable
    variants: dict[str, tuple[dict[str, str], list[str]]] = {"installed": (base_env, [ANALYZE])}
    for spec in args.variant:
        label, script, *folder = spec.split(":")
        env = {**base_env, "PYTHONPATH": folder[0]} if folder and folder[0] else base_env
        variants[label] = (env, [py, script])
    configs = {
        "python -c pass": ([py, "-c", "pass"], False),
        "import argparse": ([py, "-c", "import argparse"], False),
        "import click": ([py, "-c", "import click"], False),
        "import typer": ([py, "-c", "import typer"], False),
        "renacer-analyze --help": (["--help"], True),
        "renacer-analyze summary": (["summary", args.trace], True),
    }

    def command(variant: str, name: str) -> list[str]:
        cmd, cli = configs[name]
        return variants[variant][1] + cmd if cli else cmd

    for variant, (env, _) in variants.items():  # warm the bytecode cache and the page cache
        for name in configs:
            timed(command(variant, name), env)
    times: dict[tuple[str, str], list[float]] = {(v, n): [] for v in variants for n in configs}
    for _ in range(args.runs):
        for variant, (env, _) in variants.items():
            for name in configs:
                times[variant, name].append(timed(command(variant, name), env))
    print(f"medians of {args.runs} interleaved runs (min-max), ms; 'over pass' subtracts python -c pass")
    for variant, (env, cli) in variants.items():
        version = subprocess.run([py, "-c", "import importlib.metadata as m; print(m.version('typer'))"],
                                 capture_output=True, text=True, env=env, check=False).stdout.strip() or "none"
        print(f"\n{variant} ({' '.join(cli)}; typer on the path: {version})")
        base = statistics.median(times[variant, "python -c pass"])
        for name in configs:
            values = times[variant, name]
            med = statistics.median(values)
            ratio = med / statistics.median(times["installed", name])
            print(f"  {name:26s} {med * 1e3:7.1f}  ({min(values) * 1e3:.0f}-{max(values) * 1e3:.0f})"
                  f"  over pass {(med - base) * 1e3:+7.1f}  vs installed {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
