"""renacer: record system calls to Parquet, analyze them with DuckDB."""

# The one place the version is written: pyproject.toml reads it from here
# ([tool.setuptools.dynamic]); a plain string keeps `import renacer` free of importlib.metadata.
__version__ = "0.1.0"
