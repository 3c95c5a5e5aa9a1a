"""The DuckDB → Spark SQL translation (analyze/spark_sql.py), without starting Spark: every canned
query and shared view translates, each rewrite produces what Spark needs, overrides still match."""
from __future__ import annotations

import subprocess
import sys

import pytest

from renacer.analyze import catalogue
from renacer.analyze import engine as eng

spark_sql = pytest.importorskip("renacer.analyze.spark_sql", reason="sqlglot is a test dependency")
VARIABLES = {"rn_fd_openers": ["accept", "openat", "socket"]}


def spark(sql: str, name: str | None = None) -> str:
    return spark_sql.to_spark_sql(spark_sql.translate(sql, VARIABLES, name))


@pytest.mark.parametrize("query", [q.name for q in eng.list_queries()])
def test_every_canned_query_translates(query: str) -> None:
    text = catalogue.code(spark(eng.load_query(query).sql, query))
    assert "ASOF" not in text and "QUALIFY" not in text and "$" not in text


@pytest.mark.parametrize("view", [n for n, sql in eng.shared_objects().items() if "MACRO" not in sql.upper()[:200]])
def test_every_shared_view_translates(view: str) -> None:
    assert "GETVARIABLE" not in spark(eng.shared_objects()[view], view).upper()


def test_overrides_still_match_their_queries() -> None:
    for name, pairs in spark_sql.OVERRIDES.items():
        sql = eng.load_query(name).sql
        for old, _ in pairs:
            assert old in sql, (name, old)


def test_asof_join_becomes_an_interval_join_on_the_next_key() -> None:
    text = spark("SELECT c.seq, o.seq AS open_seq FROM c ASOF JOIN o ON c.pid = o.pid AND c.seq >= o.seq")
    assert "LEAD(seq) OVER (PARTITION BY pid ORDER BY seq" in text
    assert "o.rn_asof_next IS NULL OR c.seq < o.rn_asof_next" in text


def test_macros_are_inlined_with_their_arguments() -> None:
    text = spark("SELECT rn_endpoint(f, a, p) FROM t")
    assert "RN_ENDPOINT" not in text.upper() and "'AF_INET6'" in text and "a || ':' || p" in text


def test_ordered_lists_keep_their_order_and_are_null_when_empty() -> None:
    text = spark("SELECT list(data ORDER BY seq) FILTER (WHERE dir = 'out') FROM t")
    assert "ARRAY_SORT(COLLECT_LIST(STRUCT(seq AS k, data AS v)) FILTER(WHERE dir = 'out'))" in text
    assert text.startswith("SELECT IF(SIZE(")


def test_percentiles_are_exact_on_spark() -> None:
    text = spark("SELECT quantile_cont(dur_ns, [0.5, 0.99]) FROM t")
    assert "PERCENTILE(dur_ns, ARRAY(0.5, 0.99))" in text and "APPROX" not in text.upper()


def test_parameters_stay_bound_parameters() -> None:
    assert spark("SELECT * FROM t WHERE $name IS NULL OR name = $name").count(":name") == 2


def test_engine_spark_without_pyspark_says_how_to_install_it(tmp_path) -> None:
    code = ("import sys; sys.modules['pyspark'] = None; "
            "from renacer.analyze.cli import main; sys.argv = ['renacer-analyze', 'summary', '--engine', 'spark', "
            f"{str(catalogue.QUERIES_DIR.parent / 'sample_traces' / 'http_curl.parquet')!r}]; main()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "pip install 'renacer[spark]'" in result.stderr
