"""Build the Cython recorder; everything else is declared in pyproject.toml."""
from Cython.Build import cythonize
from setuptools import Extension, setup

extensions = [
    Extension(
        "renacer.capture._recorder",
        sources=["capture/_recorder.pyx"],
        include_dirs=["capture"],
        extra_compile_args=["-O2"],
    )
]

setup(ext_modules=cythonize(extensions, include_path=["capture"], compiler_directives={"language_level": "3"}))
