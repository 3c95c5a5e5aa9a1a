"""Build the Cython recorder; everything else is declared in pyproject.toml."""
import sys
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

# The recorder's constants come from the schema: regenerate capture/_schema_constants.pxi first
# (written only when it changed, so an unchanged schema rebuilds nothing).
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

setup(ext_modules=cythonize(extensions, include_path=["capture"], compiler_directives={"language_level": "3"}))
