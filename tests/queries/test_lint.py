"""Lint over queries/: every canned query documents itself, binds instead of pasting, is a
single SELECT, and returns exactly the columns its header lists."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from renacer.analyze import catalogue
from renacer.analyze import engine as eng
from tests.analyze import scenarios

QUERIES = eng.list_queries()
WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|COPY|ATTACH|DETACH|INSTALL|LOAD|PRAGMA|SET|EXPORT|IMPORT|CALL)\b", re.I)
FILE_READERS = re.compile(r"\b(read_parquet|read_csv\w*|read_json\w*|parquet_scan|glob|read_text|read_blob)\s*\(", re.I)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("lint")
    paths = []
    for name in ("refusals", "dns_fallback", "failures", "protocols", "processes"):
        builder, _ = getattr(scenarios, name)()
        paths.append(str(builder.save(folder / f"{name}.parquet")))
    e = eng.load(paths)
    yield e
    e.close()


def test_queries_folder_holds_the_canned_queries() -> None:
    assert len(QUERIES) >= 8


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_header_says_what_it_answers_its_parameters_and_columns(query: eng.Query) -> None:
    first = query.sql.splitlines()[0]
    assert first.startswith(f"-- {query.name}: "), "first line: -- NAME: what it answers"
    assert len(query.summary) > 20
    assert "Parameters:" in query.sql and "Columns:" in query.sql
    assert query.columns, "Columns: lists each output column"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_parameters_used_are_the_parameters_documented(query: eng.Query) -> None:
    assert sorted(query.params) == query.used_params


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_is_one_select_that_reads_no_files(query: eng.Query) -> None:
    statement = catalogue.select_statement(query.sql, query.name)  # DuckDB's parser: one SELECT
    assert statement.type.name == "SELECT"
    body = catalogue.code(query.sql)
    assert not WRITES.search(body)
    assert not FILE_READERS.search(body), "traces come from the views; paths are bound by the engine"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_a_default_is_declared_once_in_the_header(query: eng.Query) -> None:
    # The engine binds the header's "(default N)"; the SQL must not repeat it.
    assert not re.search(r"coalesce\(\s*\$", catalogue.code(query.sql), re.I)
    for name, text in query.params.items():
        if "(default" in text and "(default:" not in text and "(default)" not in text:
            assert name in query.defaults, name


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_columns_returned_are_the_columns_documented(query: eng.Query, engine: eng.Engine) -> None:
    result = engine.execute(query.sql, {p: None for p in query.used_params})
    assert result.columns == list(query.columns)


def test_shared_sql_only_defines_views_and_macros() -> None:
    objects = eng.shared_objects()
    assert {"syscalls", "sockets", "socket_calls", "connects", "procs", "fd_opens", "file_calls"} <= set(objects)
    for name, statement in objects.items():
        body = catalogue.code(statement).strip()
        assert re.match(rf"^CREATE OR REPLACE (VIEW|MACRO) {name}\b", body), name
        assert not FILE_READERS.search(body), name
    statements = catalogue.statements((catalogue.QUERIES_DIR / "_views.sql").read_text())
    assert [s.type.name for s in statements] == ["CREATE"] * len(objects)


def test_sql_files_are_installed_with_the_package() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert '"renacer.queries" = ["*.sql"]' in pyproject
