"""renacer: record system calls to Parquet, analyze them with DuckDB."""

__version__ = "0.1.0"
