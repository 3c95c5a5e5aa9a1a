"""Start-up of the analyzer CLI, to choose its library on evidence (issue 8).

    python3 bench/bench_cli_startup.py [--runs 9] [--pythonpath DIR ...] [--trace T.parquet]

Times, start to exit, ``renacer-analyze --help`` and ``renacer-analyze summary TRACE`` (a small
sample trace), and the bare imports a CLI library costs: ``python -c pass``, ``import argparse``,
``import click``, ``import typer``. Each ``--pythonpath DIR`` adds a variant whose runs have DIR
first on the import path, so the same installation is measured with another typer as well
(``pip install --target DIR --no-deps typer==X``). Every round runs every configuration of every
variant once, interleaved (the machine is shared and noisy: a slow moment hits all of them
alike); medians over the rounds, each import's cost over ``python -c pass``, and each variant's
ratio to the installed one.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ANALYZE = str(BIN / "renacer-analyze")


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--pythonpath", action="append", default=[], help="a variant: this folder first on the import path")
    ap.add_argument("--trace", default=str(ROOT / "sample_traces" / "dns_glibc.parquet"))
    args = ap.parse_args()
    # As on a user's machine: bytecode is cached (a shell's PYTHONDONTWRITEBYTECODE would make
    # every run compile every module again).
    base_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    variants: dict[str, dict[str, str]] = {"installed": base_env}
    for folder in args.pythonpath:
        variants[folder] = {**base_env, "PYTHONPATH": folder}
    py = sys.executable
    configs = {
        "python -c pass": [py, "-c", "pass"],
        "import argparse": [py, "-c", "import argparse"],
        "import click": [py, "-c", "import click"],
        "import typer": [py, "-c", "import typer"],
        "renacer-analyze --help": [ANALYZE, "--help"],
        "renacer-analyze summary": [ANALYZE, "summary", args.trace],
    }
    for env in variants.values():  # warm the bytecode cache and the page cache
        for cmd in configs.values():
            timed(cmd, env)
    times: dict[tuple[str, str], list[float]] = {(v, n): [] for v in variants for n in configs}
    for _ in range(args.runs):
        for variant, env in variants.items():
            for name, cmd in configs.items():
                times[variant, name].append(timed(cmd, env))
    print(f"medians of {args.runs} interleaved runs (min-max), ms; 'over pass' subtracts python -c pass")
    for variant, env in variants.items():
        version = subprocess.run([py, "-c", "import importlib.metadata as m; print(m.version('typer'))"],
                                 capture_output=True, text=True, env=env, check=False).stdout.strip()
        print(f"\n{variant}: typer {version}")
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
