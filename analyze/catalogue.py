"""The canned queries (``queries/NAME.sql``) and what their headers declare.

Each file starts with a comment block: ``-- NAME: what it answers``, then ``Parameters:`` and
``Columns:`` sections of indented ``token  description`` lines. The header is the one place a
parameter is declared: its description, and its default (``(default 20)``), which the engine
binds when the caller gives none and the CLI shows in its help. The SQL is read by DuckDB's own
parser (``extract_statements``, ``tokenize``): statements, their type, their ``$parameters``, and
the names they use, so a ``$`` or a view name inside a string or a comment never counts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import renacer.queries
from renacer.analyze.errors import InputError, QueryError

if TYPE_CHECKING:
    import duckdb

QUERIES_DIR = Path(renacer.queries.__file__).resolve().parent

_HEADER_ENTRY = re.compile(r"^\s{2,}(\$?[A-Za-z_][A-Za-z0-9_]*)\s+(.*)$")
# "(default 20)" or "(default 1000: µs)" is a value; "(default: every syscall)" says what an unset
# parameter (NULL) means.
_DEFAULT_VALUE = re.compile(r"\(default (-?[0-9]+)\b")
_WORD = re.compile(r'"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_]*)')


@dataclass(frozen=True)
class Query:
    """A canned query file and its documented header."""

    name: str
    path: Path
    sql: str
    summary: str
    params: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def defaults(self) -> dict[str, int]:
        """The parameters whose header gives a value for when the caller gives none."""
        out = {}
        for name, text in self.params.items():
            m = _DEFAULT_VALUE.search(text)
            if m:
                out[name] = int(m.group(1))
        return out

    @property
    def used_params(self) -> list[str]:
        """The ``$parameters`` the SQL uses, as DuckDB's parser finds them."""
        return sorted(set().union(*(s.named_parameters for s in statements(self.sql))))

    def bind(self, given: dict[str, Any], used: list[str] | None = None) -> dict[str, Any]:
        """Values for every parameter the SQL uses: the given ones, else the header's default,
        else NULL. A name the header does not declare is an InputError."""
        unknown = set(given) - set(self.params)
        if unknown:
            raise InputError(f"query {self.name} has no parameter {', '.join(sorted(unknown))}")
        defaults = self.defaults
        values = {**defaults, **{k: v for k, v in given.items() if v is not None}}
        return {p: values.get(p) for p in (self.used_params if used is None else used)}


def parse_header(name: str, path: Path, text: str) -> Query:
    """Read the leading comment block: ``-- name: what it answers``, then ``Parameters:`` and
    ``Columns:`` sections whose entries are indented ``token  description`` lines."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].removeprefix(" ") if line.startswith("-- ") else line[2:])
    summary = ""
    if lines and lines[0].startswith(f"{name}:"):
        summary = lines[0][len(name) + 1 :].strip()
    sections: dict[str, dict[str, str]] = {"parameters": {}, "columns": {}}
    current: dict[str, str] | None = None
    last: str | None = None
    for line in lines[1:]:
        head = line.strip().rstrip(":").lower()
        if line and not line[0].isspace() and line.rstrip().endswith(":") and head in sections:
            current, last = sections[head], None
            continue
        if line and not line[0].isspace():
            current = None
            continue
        if current is None:
            continue
        m = _HEADER_ENTRY.match(line)
        if m and (last is None or len(line) - len(line.lstrip()) <= 4):
            last = m.group(1).lstrip("$")
            current[last] = m.group(2).strip()
        elif last is not None and line.strip():
            current[last] += " " + line.strip()
    return Query(name, path, text, summary, sections["parameters"], sections["columns"])


def list_queries() -> list[Query]:
    """Every canned query (``queries/NAME.sql``; files starting with ``_`` are shared SQL)."""
    return [load_query(p.stem) for p in sorted(QUERIES_DIR.glob("*.sql")) if not p.name.startswith("_")]


def load_query(name: str) -> Query:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise InputError(f"no canned query named {name!r}")
    path = QUERIES_DIR / f"{name}.sql"
    if not path.exists():
        known = ", ".join(q.name for q in list_queries())
        raise InputError(f"no canned query named {name!r} (known: {known})")
    return parse_header(name, path, path.read_text())


def shared_sql(name: str) -> str:
    """A shared SQL file, ``queries/_NAME.sql``."""
    return (QUERIES_DIR / f"_{name}.sql").read_text()


# -- reading SQL with DuckDB's parser ---------------------------------------------------------------


def statements(sql: str, con: duckdb.DuckDBPyConnection | None = None) -> list[Any]:
    """The statements of ``sql`` (type, ``named_parameters``, text), as DuckDB parses them; a
    syntax error is a QueryError with DuckDB's message. ``con`` saves creating DuckDB's default
    connection (about 25 ms) on a command that has its own."""
    import duckdb  # here: the CLI reads headers for its options without loading DuckDB

    try:
        return (con or duckdb).extract_statements(sql)
    except duckdb.Error as e:
        raise QueryError(str(e).strip()) from None


def select_statement(sql: str, what: str, con: duckdb.DuckDBPyConnection | None = None) -> Any:
    """The one SELECT (``WITH … SELECT`` too) that ``sql`` must be, else a QueryError naming
    ``what``."""
    import duckdb

    found = statements(sql, con)
    if len(found) != 1:
        raise QueryError(f"{what} must be one statement, not {len(found)}")
    if found[0].type != duckdb.StatementType.SELECT:
        raise QueryError(f"{what} must be a SELECT, not {found[0].type.name}")
    return found[0]


def tokens(sql: str) -> list[tuple[str, Any]]:
    """``sql`` cut into DuckDB's tokens: (text with the blanks after it, token_type)."""
    import duckdb

    raw = sql.encode()  # tokenize's offsets count UTF-8 bytes, and the headers hold µ, —, →
    found = duckdb.tokenize(sql)
    ends = [offset for offset, _ in found[1:]] + [len(raw)]
    return [(raw[offset:end].decode(errors="replace"), kind) for (offset, kind), end in zip(found, ends)]


def words(sql: str) -> set[str]:
    """The identifiers and keywords of ``sql`` (quoted identifiers unquoted), outside comments and
    string literals: the names a statement may refer to."""
    import duckdb

    out: set[str] = set()
    for text, kind in tokens(sql):
        if kind in (duckdb.token_type.identifier, duckdb.token_type.keyword):
            m = _WORD.match(text)
            if m:
                out.add(m.group(1).replace('""', '"') if m.group(1) is not None else m.group(2))
    return out


def code(sql: str) -> str:
    """``sql`` without its comments, string literals as ``''``: the text a check may search for
    a keyword or a ``$`` without matching prose."""
    import duckdb

    out = []
    for text, kind in tokens(sql):
        if kind == duckdb.token_type.comment:
            out.append(" ")
        elif kind == duckdb.token_type.string_const:
            out.append("'' ")
        else:
            out.append(text)
    return "".join(out)
