"""--engine spark: every canned query on Spark (local mode) returns DuckDB's rows, from the one
DuckDB definition translated by sqlglot (analyze/spark_sql.py). One Spark session serves the
whole test run (it takes seconds to start). Skip these with ``pytest -m 'not spark'``."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from renacer.analyze import engine as eng
from renacer.analyze.cli import app
from tests.analyze import scenarios
from tests.s3server import s3_server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="pip install -e '.[spark]' for the Spark tests")
spark_mod = pytest.importorskip("renacer.analyze.spark")

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_traces"
MASTER = "local[2]"
QUERIES = ["summary", "refused", "dns", "errors", "connections", "slow", "files", "processes"]
runner = CliRunner()


@pytest.fixture(scope="session")
def spark_session():
    return spark_mod.base_session(MASTER)


@pytest.fixture(scope="module")
def scenario_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scenarios")
    for name in ("refusals", "dns_fallback", "failures", "protocols", "processes"):
        getattr(scenarios, name)()[0].save(folder / f"{name}.parquet")
    return folder


@pytest.fixture(scope="module")
def engines(spark_session, scenario_folder: Path):
    """(Spark engine, DuckDB engine) per input: the sample traces, and the analyzer's scenarios."""
    pairs = {}
    for label, folder in (("samples", SAMPLES), ("scenarios", scenario_folder)):
        pairs[label] = (spark_mod.load([str(folder)], MASTER), eng.load([str(folder)]))
    yield pairs
    for s, d in pairs.values():
        s.close()
        d.close()


@pytest.mark.parametrize("inputs", ["samples", "scenarios"])
@pytest.mark.parametrize("query", QUERIES)
def test_each_canned_query_on_spark_equals_duckdb(engines, query: str, inputs: str) -> None:
    spark, duck = engines[inputs]
    expected = duck.run(query)
    got = spark.run(query)
    assert got.columns == expected.columns
    assert got.rows == expected.rows  # percentiles too: Spark's percentile() is exact
    assert expected.rows or query in ("dns", "refused", "processes")


@pytest.mark.parametrize("query, params", [
    ("summary", {"name": "read"}),
    ("slow", {"top": 3, "name": "connect"}),
    ("dns", {"port": 53}),
    ("errors", {"tiny_calls": 1, "tiny_bytes": 100000}),  # tiny receives: printf('%.1f')
])
def test_parameters_are_bound_on_spark_too(engines, query: str, params: dict) -> None:
    spark, duck = engines["scenarios"]
    expected = duck.run(query, params)
    assert expected.rows
    assert spark.run(query, params).rows == expected.rows


def test_hive_partitions_become_columns_on_spark(spark_session) -> None:
    folder = str(SAMPLES / "cache")  # run=cold/, run=warm/
    spark, duck = spark_mod.load([folder], MASTER), eng.load([folder])
    got = spark.run("summary")
    assert got.columns[:2] == ["trace", "run"]
    assert {r[1] for r in got.rows} == {"cold", "warm"}
    assert got.rows == duck.run("summary").rows


def test_cli_engine_spark_prints_what_duckdb_prints(spark_session) -> None:
    trace = str(SAMPLES / "refused_curl.parquet")
    duck = runner.invoke(app, ["refused", trace, "--format", "json"])
    on_spark = runner.invoke(app, ["refused", trace, "--format", "json", "--engine", "spark",
                                   "--spark-master", MASTER])
    assert on_spark.exit_code == 0, on_spark.output
    assert json.loads(on_spark.stdout) == json.loads(duck.stdout)
    assert json.loads(duck.stdout)[0]["target"].startswith("127.0.0.1:")


def test_sql_on_spark_is_spark_sql_over_the_same_views(spark_session) -> None:
    folder = str(SAMPLES / "cache")
    query = "SELECT run, count(*) AS calls FROM syscalls GROUP BY run ORDER BY run"
    result = runner.invoke(app, ["sql", "--engine", "spark", "--spark-master", MASTER, query, folder,
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(runner.invoke(app, ["sql", query, folder, "--format", "json"]).stdout)


def test_bad_spark_sql_exits_2(spark_session) -> None:
    result = runner.invoke(app, ["sql", "--engine", "spark", "--spark-master", MASTER, "SELEC 1",
                                 str(SAMPLES / "http_curl.parquet")])
    assert result.exit_code == 2
    assert "Error: " in result.output and "SELEC" in result.output


def test_a_bad_trace_exits_2_before_spark_reads_it(spark_session, tmp_path: Path) -> None:
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"not parquet")
    result = runner.invoke(app, ["summary", "--engine", "spark", "--spark-master", MASTER, str(junk)])
    assert result.exit_code == 2
    assert f"{junk} is not a Parquet file" in result.output


@pytest.mark.s3
def test_s3a_without_the_s3_connector_says_how_to_add_it(spark_session, s3_server, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing and footers go through pyarrow (so a bad key is caught first); the rows are
    Spark's to read, and a Spark without hadoop-aws cannot: the error says what to add."""
    s3_server.client().create_bucket(Bucket="spark-fleet")
    s3_server.client().upload_file(str(SAMPLES / "http_curl.parquet"), "spark-fleet", "app/host=a/trace.parquet")
    for k, v in s3_server.env(tmp_path).items():
        if k.startswith("AWS_"):
            monkeypatch.setenv(k, v)
    result = runner.invoke(app, ["summary", "--engine", "spark", "--spark-master", MASTER, "s3a://spark-fleet/app/"])
    assert result.exit_code == 2
    assert "no S3 connector for s3a://" in result.output and "hadoop-aws" in result.output
    missing = runner.invoke(app, ["summary", "--engine", "spark", "--spark-master", MASTER, "s3a://spark-fleet/nothing/"])
    assert missing.exit_code == 2 and "no such key" in missing.output


def _readme_block(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    m = re.search(rf"<!-- {marker} -->\s*```sql\n(.*?)```", text, re.S)
    assert m, f"README has no {marker} block"
    return m.group(1)


def test_the_readme_table_definition_reads_traces_in_spark_and_duckdb(spark_session, tmp_path: Path) -> None:
    for key, sample in {"host=a/run=cold": "http_curl.parquet", "host=b/run=warm": "dns_glibc.parquet"}.items():
        (tmp_path / key).mkdir(parents=True)
        shutil.copyfile(SAMPLES / sample, tmp_path / key / "trace.parquet")
    ddl = _readme_block("spark-table").replace("s3a://traces/app/", str(tmp_path) + "/")
    session = spark_session.newSession()
    for statement in [s for s in ddl.split(";") if s.strip()]:
        session.sql(statement)
    spark_rows = session.sql("SELECT host, run, count(*), sum(seq), max(a1), count(data) FROM renacer_events "
                             "GROUP BY host, run ORDER BY host").collect()
    session.sql("DROP TABLE renacer_events")
    con = duckdb.connect()
    duck_rows = con.execute(
        "SELECT host, run, count(*), sum(seq), max(a1), count(data) FROM read_parquet($p, hive_partitioning = true) "
        "GROUP BY host, run ORDER BY host", {"p": str(tmp_path / "**" / "*.parquet")}).fetchall()
    assert [tuple(int(v) if not isinstance(v, str) else v for v in r) for r in spark_rows] == \
        [tuple(int(v) if not isinstance(v, str) else v for v in r) for r in duck_rows]
    # every column of the trace schema is declared, with a type the Parquet type maps to
    declared = dict(re.findall(r"^\s+(\w+) ([A-Z]+(?:\(20,0\))?(?:<[^>]+>)?)", ddl, re.M))
    declared.update(dict(re.findall(r"(\w+) ([A-Z]+(?:\(20,0\))?(?:<[^>]+>)?),", ddl)))
    described = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($p))",
                                 {"p": str(SAMPLES / "http_curl.parquet")}).fetchall())
    duck_to_spark = {"UBIGINT": "DECIMAL(20,0)", "BIGINT": "BIGINT", "INTEGER": "INT", "SMALLINT": "SMALLINT",
                     "VARCHAR": "STRING", "BLOB": "BINARY", "UBIGINT[]": "ARRAY<DECIMAL(20,0)>"}
    assert {c: duck_to_spark[t] for c, t in described.items()} == {c: declared[c] for c in described}
