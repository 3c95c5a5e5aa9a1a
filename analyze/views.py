"""The shared views and macros (``queries/_views.sql``) and the Python SQL functions, created on a
connection only when a statement needs them: doing all of it up front costs more than a small
query does.

Which objects a statement needs is read from its names (DuckDB's tokenizer: never a word in a
comment or a string), then from theirs, so a query on ``connects`` also creates ``socket_calls``
and ``sockets`` first, in dependency order.
"""
from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from typing import Any

import duckdb

from renacer.analyze import catalogue
from renacer.analyze.errors import QueryError

# The Python functions SQL can call (analyze/payload.py). Registering one imports numpy
# (~0.3 s), so each is registered when a statement first needs it.
FUNCTIONS = ("rn_mem_part", "rn_mem_i32", "rn_mem_timeval_ns", "rn_errno_name", "rn_strerror",
             "rn_argv", "rn_dns", "rn_protocol")


_OBJECTS: dict[str, str] = {}


def shared_objects(con: duckdb.DuckDBPyConnection | None = None) -> dict[str, str]:
    """The statements of ``_views.sql`` by the view or macro each creates, in file order (read
    once per process; ``con`` parses them, else DuckDB's default connection, ~50 ms to create)."""
    if _OBJECTS:
        return _OBJECTS
    objects: dict[str, str] = {}
    for statement in catalogue.statements(catalogue.shared_sql("views"), con):
        head = _leading_words(statement.query, 5)
        if [w.upper() for w in head[:3]] == ["CREATE", "OR", "REPLACE"] and len(head) == 5 \
                and head[3].upper() in ("VIEW", "MACRO"):
            objects[head[4]] = statement.query.strip().rstrip(";")
    _OBJECTS.update(objects)
    return _OBJECTS


def _leading_words(sql: str, n: int) -> list[str]:
    """The first ``n`` tokens of ``sql`` that are not comments, as text."""
    return [text.strip() for text, kind in catalogue.tokens(sql) if kind != duckdb.token_type.comment][:n]


def references(sql: str, names: Container[str]) -> set[str]:
    """The ``names`` that ``sql`` refers to."""
    return {w for w in catalogue.words(sql) if w in names}


def creation_order(sql: str, created: Container[str], skip: Callable[[str], bool] = lambda name: False,
                   con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
    """The shared objects ``sql`` needs that are not ``created`` yet, each after the ones it
    needs itself. ``skip``: objects the caller provides otherwise (Spark inlines the macros)."""
    objects = shared_objects(con)
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in created or name in order or name in path or skip(name):
            return
        for dep in sorted(references(objects[name], objects) - {name}):
            visit(dep, path + (name,))
        order.append(name)

    for name in sorted(references(sql, objects)):
        visit(name, ())
    return order


def _function_specs() -> dict[str, tuple[Callable[..., Any], list[Any], Any]]:
    from duckdb import sqltypes as t

    from renacer.analyze import payload

    dns_struct = duckdb.struct_type(
        {"id": t.INTEGER, "response": t.BOOLEAN, "name": t.VARCHAR, "type": t.VARCHAR,
         "rcode": t.VARCHAR, "answers": t.INTEGER, "truncated": t.BOOLEAN}
    )
    proto_struct = duckdb.struct_type({"protocol": t.VARCHAR, "detail": t.VARCHAR})
    blobs = duckdb.list_type(t.BLOB)
    return {
        "rn_mem_part": (payload.mem_part, [t.BLOB, t.INTEGER], t.BLOB),
        "rn_mem_i32": (payload.mem_i32, [t.BLOB, t.INTEGER], t.INTEGER),
        "rn_mem_timeval_ns": (payload.mem_timeval_ns, [t.BLOB, t.INTEGER], t.BIGINT),
        "rn_errno_name": (payload.errno_name, [t.INTEGER], t.VARCHAR),
        "rn_strerror": (payload.strerror, [t.VARCHAR], t.VARCHAR),
        "rn_argv": (payload.argv_text, [t.BLOB, t.INTEGER], t.VARCHAR),
        "rn_dns": (payload.dns_message, [t.BLOB, t.BOOLEAN], dns_struct),
        "rn_protocol": (payload.protocol, [blobs, blobs, t.INTEGER, t.BOOLEAN], proto_struct),
    }


def register_functions(con: duckdb.DuckDBPyConnection, names: Sequence[str] = FUNCTIONS) -> None:
    """Register the named SQL functions. "special" NULL handling: they take and return None
    themselves (rn_protocol must see a NULL list for a socket that only received; a decoder
    returns NULL for bytes that are not what it decodes)."""
    specs = _function_specs()
    for name in names:
        fn, params, ret = specs[name]
        con.create_function(name, fn, params, ret, null_handling="special", side_effects=False)  # type: ignore[call-overload]  # the stubs want enums; DuckDB takes these strings


def prepare(con: duckdb.DuckDBPyConnection, sql: str, created: set[str], functions: set[str]) -> None:
    """Create on ``con`` the shared views and macros ``sql`` uses (and theirs), and register the
    Python functions they call; ``created`` and ``functions`` say what ``con`` has already and are
    updated."""
    objects = shared_objects(con)
    order = creation_order(sql, created, con=con)
    wanted = {w for text in [sql] + [objects[name] for name in order]
              for w in catalogue.words(text) if w in FUNCTIONS}
    if wanted - functions:
        register_functions(con, sorted(wanted - functions))
        functions |= wanted
    for name in order:
        try:
            con.execute(objects[name])
        except duckdb.Error as e:
            raise QueryError(f"creating the shared view {name} failed: {e}") from None
        created.add(name)
