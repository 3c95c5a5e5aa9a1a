"""Build the Cython recorder; everything else is declared in pyproject.toml."""
import os
import sys
from pathlib import Path

from setuptools import Extension, setup

# The recorder reads x86_64 registers and syscall numbers (capture/rn_ptrace.h, schema/
# syscalls_x86_64.py): it builds and runs on x86_64 Linux only. The analyzer reads traces on any
# machine, so elsewhere the distribution installs without the extension and says so.
MACHINE = os.uname().machine if hasattr(os, "uname") else "unknown"
RECORDER_BUILDS = sys.platform == "linux" and MACHINE == "x86_64"

if RECORDER_BUILDS:
    # The recorder's constants come from the schema: regenerate capture/_schema_constants.pxi
    # first (written only when it changed, so an unchanged schema rebuilds nothing).
    sys.path.insert(0, str(Path(__file__).resolve().parent / "schema"))
    import gen_pxi  # noqa: E402

    gen_pxi.write()

extensions = [
    Extension(
        "renacer.capture._recorder",
        sources=["capture/_recorder.pyx"],
        include_dirs=["capture"],
        extra_compile_args=["-O2"],
    )
]

if RECORDER_BUILDS:
    from Cython.Build import cythonize

    ext_modules = cythonize(extensions, include_path=["capture"], compiler_directives={"language_level": "3"})
else:
    sys.stderr.write(
        f"renacer: the recorder (renacer.capture._recorder) builds on x86_64 Linux only; this machine "
        f"is {sys.platform} {MACHINE}. Installing without it: renacer-analyze reads traces recorded "
        "elsewhere; the renacer command will refuse to record here.\n"
    )
    ext_modules = []

setup(ext_modules=ext_modules)
