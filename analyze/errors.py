"""The analyzer's two expected failures; the CLI prints either as ``Error: …`` and exits 2."""
from __future__ import annotations


class InputError(Exception):
    """A trace that cannot be read (missing, not Parquet, not renacer, too new, truncated), or an
    argument that names nothing (an unknown query or parameter)."""


class QueryError(Exception):
    """SQL that DuckDB rejected or that failed while running (DuckDB's message)."""


def first_line(e: BaseException) -> str:
    """The first line of an exception's message (DuckDB's carry a LINE/caret block after it)."""
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
