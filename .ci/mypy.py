#!/usr/bin/env python3
"""Run mypy on the renacer package as it is imported: renacer.capture, renacer.analyze, …

The source folders do not carry their import names (capture/ is renacer.capture, renacer_pkg/ is
renacer: pyproject's [tool.setuptools] package-dir), and mypy cannot follow setuptools' editable
import hook. So this builds, from that same package-dir table, a tree of symlinks in which every
folder sits under its import name (.mypy_cache/tree/renacer/capture -> ../../../capture, …), runs
mypy on it with the settings of pyproject's [tool.mypy], and prints the errors under the real
file names. Exit status: mypy's (0 clean, 1 errors, 2 mypy could not run).

    python3 .ci/mypy.py            # the package
    python3 .ci/mypy.py --tests    # the package and tests/
"""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / ".mypy_cache" / "tree"


def build_tree() -> dict[str, str]:
    """Symlink each mapped folder at its import path; returns {tree prefix: real prefix}."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    package_dir: dict[str, str] = config["package-dir"]
    rewrites: dict[str, str] = {}
    top = TREE / "renacer"
    top.mkdir(parents=True, exist_ok=True)
    for name, folder in sorted(package_dir.items(), key=lambda item: item[0].count(".")):
        parts = name.split(".")
        if name == "renacer":
            # The top package's folder holds files only: link them one by one, so that the
            # subpackages below can be links of their own.
            for entry in (ROOT / folder).iterdir():
                if entry.suffix in (".py", ".pyi", ".typed"):
                    _link(top / entry.name, entry)
            rewrites[str(top) + os.sep] = folder + os.sep
            continue
        if name.rsplit(".", 1)[0] not in package_dir or package_dir[name.rsplit(".", 1)[0]] + "/" + parts[-1] != folder:
            _link(TREE.joinpath(*parts), ROOT / folder)
        rewrites[str(TREE.joinpath(*parts)) + os.sep] = folder + os.sep
    return rewrites


def _link(at: Path, target: Path) -> None:
    if at.is_symlink() and at.resolve() == target.resolve():
        return
    if at.is_symlink() or at.exists():
        at.unlink()
    at.symlink_to(os.path.relpath(target, at.parent))


def main(argv: list[str]) -> int:
    rewrites = build_tree()
    targets = ["-p", "renacer"]
    if "--tests" in argv:
        argv = [a for a in argv if a != "--tests"]
        targets += ["-p", "tests"]
    env = dict(os.environ, MYPYPATH=str(TREE) + os.pathsep + str(ROOT))
    cmd = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), *targets, *argv]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    # Longest prefixes first: renacer/analyze/decode/ before renacer/analyze/.
    order = sorted(rewrites.items(), key=lambda item: -len(item[0]))
    relative = [(os.path.relpath(k, ROOT) + os.sep, v) for k, v in order]
    for line in proc.stdout.splitlines():
        for tree_prefix, real in relative:
            if line.startswith(tree_prefix):
                line = real + line[len(tree_prefix):]
                break
        print(line)
    sys.stderr.write(proc.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
