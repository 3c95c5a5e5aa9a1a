"""``--engine spark``: the canned queries and ``sql`` on Apache Spark (local mode or a cluster).

The same inputs as the DuckDB engine (files, globs, folders, hive partitions; ``s3a://`` for a
cluster whose Spark has the S3 connector) become the same ``events`` view, with the same shared
views (``_views.sql``, translated by analyze/spark_sql.py) and the same ``trace_info`` and
``trace_processes`` tables, so a canned query returns the same rows on both engines.

Types: the trace's uint64 columns (seq, exit_seq, a0…a5) reach Spark as DECIMAL(20,0); the
``events`` view turns them into BIGINT with the same 64 bits (values at or above 2^63 wrap to
negative, as a C int64_t would read them), so bit tests such as ``a1 & 15`` and comparisons with
small constants behave as in DuckDB.

The Python functions the views call (analyze/payload.py: rn_dns, rn_protocol, …) are registered
as Spark Python UDFs: on a cluster, renacer must be installed in the executors' Python.

pyspark is an optional extra (``pip install 'renacer[spark]'``); nothing imports it unless
``--engine spark`` is asked for.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
import urllib.parse
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from renacer import storage
from renacer.analyze import engine as eng
from renacer.analyze import info, inputs, payload, views
from renacer.analyze.errors import first_line
from renacer.schema import captures

INSTALL_HINT = "pip install 'renacer[spark]' (pyspark and sqlglot; Spark also needs Java 17)"
# Small shuffles for local mode: Spark's default of 200 partitions costs seconds on one machine.
LOCAL_SHUFFLE_PARTITIONS = 8
# Shared views left as plain views: a filter over every row, not worth keeping a copy of.
LAZY_VIEWS = frozenset({"syscalls"})
U64_COLUMNS = ("seq", "exit_seq", "a0", "a1", "a2", "a3", "a4", "a5")

_SESSIONS: dict[str, Any] = {}


def _require() -> None:
    try:
        import pyspark  # noqa: F401
        import sqlglot  # noqa: F401
    except ImportError:
        raise eng.InputError(f"--engine spark needs pyspark: {INSTALL_HINT}") from None


def base_session(master: str | None = None) -> Any:
    """The process's SparkSession: ``master`` (``local[2]``, ``spark://host:7077``, ``yarn``, or
    ``sc://host:15002`` for Spark Connect), else ``SPARK_REMOTE``, else local mode."""
    _require()
    from pyspark.sql import SparkSession

    remote = master if master and master.startswith("sc://") else (
        None if master else os.environ.get("SPARK_REMOTE"))
    key = remote or master or "local[*]"
    if key in _SESSIONS:
        return _SESSIONS[key]
    # Local mode's Python workers must run this interpreter (renacer is installed in it).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("renacer-analyze")
    if remote:
        builder = builder.remote(remote)
    else:
        builder = builder.master(key)
        if key.startswith("local"):
            # Local mode listens on loopback only (by default Spark picks an interface address).
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            builder = builder.config("spark.driver.host", "127.0.0.1") \
                .config("spark.driver.bindAddress", "127.0.0.1")
        if key.startswith("local"):
            # Tables a user's `sql` creates go to a temp folder, not into the working directory.
            warehouse = os.path.join(tempfile.gettempdir(), f"renacer-spark-warehouse-{os.getuid()}")
            builder = builder.config("spark.sql.warehouse.dir", warehouse)
            builder = builder.config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false") \
                .config("spark.sql.shuffle.partitions", str(LOCAL_SHUFFLE_PARTITIONS))
    # Hive partition values stay strings, as in DuckDB (hive_types_autocast = false).
    builder = builder.config("spark.sql.sources.partitionColumnTypeInference.enabled", "false") \
        .config("spark.sql.session.timeZone", "UTC")
    try:
        spark = builder.getOrCreate()
    except Exception as e:  # Java missing, master unreachable: pyspark raises its own types
        raise eng.InputError(f"Spark did not start ({key}): {first_line(e)}") from None
    if not remote:
        spark.sparkContext.setLogLevel("FATAL")  # errors reach the user as Error: …
    _SESSIONS[key] = spark
    return spark


# -- the Python UDFs ---------------------------------------------------------------------------------
# Module-level functions (not lambdas): Spark pickles them by reference to this module.


def _b(value: Any) -> bytes | None:
    return bytes(value) if value is not None else None


def udf_mem_part(mem: Any, index: Any) -> bytes | None:
    return payload.mem_part(_b(mem), index)


def udf_mem_i32(mem: Any, index: Any) -> int | None:
    return payload.mem_i32(_b(mem), index)


def udf_mem_timeval_ns(mem: Any, index: Any) -> int | None:
    return payload.mem_timeval_ns(_b(mem), index)


def udf_argv(mem: Any, index: Any) -> str | None:
    return payload.argv_text(_b(mem), index)


def udf_dns(data: Any, tcp: Any) -> dict[str, Any] | None:
    return payload.dns_message(_b(data), bool(tcp))


def udf_protocol(sent: Any, received: Any, port: Any, accepted: Any) -> dict[str, Any]:
    return payload.protocol(None if sent is None else [_b(x) for x in sent],
                            None if received is None else [_b(x) for x in received],
                            port, bool(accepted))


def udf_printf(fmt: Any, *values: Any) -> str | None:
    # DuckDB's printf is C's; Python's % is too (Spark's format_string is Java's).
    if fmt is None or any(v is None for v in values):
        return None
    return fmt % tuple(float(v) if isinstance(v, Decimal) else v for v in values)


def _register_udfs(spark: Any) -> None:
    from pyspark.sql import types as T

    dns = T.StructType([T.StructField("id", T.IntegerType()), T.StructField("response", T.BooleanType()),
                        T.StructField("name", T.StringType()), T.StructField("type", T.StringType()),
                        T.StructField("rcode", T.StringType()), T.StructField("answers", T.IntegerType()),
                        T.StructField("truncated", T.BooleanType())])
    proto = T.StructType([T.StructField("protocol", T.StringType()), T.StructField("detail", T.StringType())])
    specs: dict[str, tuple[Callable[..., Any], Any]] = {
        "rn_mem_part": (udf_mem_part, T.BinaryType()),
        "rn_mem_i32": (udf_mem_i32, T.IntegerType()),
        "rn_mem_timeval_ns": (udf_mem_timeval_ns, T.LongType()),
        "rn_errno_name": (payload.errno_name, T.StringType()),
        "rn_strerror": (payload.strerror, T.StringType()),
        "rn_argv": (udf_argv, T.StringType()),
        "rn_dns": (udf_dns, dns),
        "rn_protocol": (udf_protocol, proto),
        "rn_printf": (udf_printf, T.StringType()),
    }
    for name, (fn, ret) in specs.items():
        spark.udf.register(name, fn, ret)


# -- the engine --------------------------------------------------------------------------------------


class SparkEngine(eng.Engine):
    """The DuckDB engine's interface (run, execute, shape) over a Spark session."""

    def __init__(self, spark: Any, traces: list[eng.TraceInput]) -> None:
        super().__init__(None, traces)  # type: ignore[arg-type]
        self.spark = spark
        self.variables: dict[str, Any] = {"rn_fd_openers": sorted(captures.FD_FROM_RET)}
        self._cached: list[Any] = []

    def prepare(self, sql: str) -> None:
        """Create the shared views ``sql`` needs (and theirs), translated, on first use."""
        from renacer.analyze import spark_sql

        objects = views.shared_objects()
        macros = spark_sql.macros()
        order = views.creation_order(sql, self._created, skip=lambda name: name.lower() in macros)
        for name in order:
            try:
                self._create_view(name, objects[name])
            except (spark_sql.TranslationError, eng.QueryError) as e:
                raise eng.QueryError(f"creating the shared view {name} on Spark failed: {e}") from None
            self._created.add(name)

    def _create_view(self, name: str, statement: str) -> None:
        from sqlglot import exp

        from renacer.analyze import spark_sql

        tree = spark_sql.translate(statement, self.variables, name)
        query = tree.expression if isinstance(tree, exp.Create) else tree
        query = self._resolve(query)
        with_ = query.args.get("with_") or query.args.get("with")
        if with_ is not None and with_.args.get("recursive"):
            self._recursive(query).createOrReplaceTempView(name)
            return
        if name in LAZY_VIEWS:
            self._sql(f"CREATE OR REPLACE TEMP VIEW {name} AS {spark_sql.to_spark_sql(query)}")
            return
        self._materialize(self._sql(spark_sql.to_spark_sql(query))).createOrReplaceTempView(name)

    def _sql(self, text: str, args: dict[str, Any] | None = None) -> Any:
        from pyspark.errors import PySparkException

        try:
            return self.spark.sql(text, args=args) if args else self.spark.sql(text)
        except PySparkException as e:
            raise eng.QueryError(_spark_message(e)) from None
        except Exception as e:  # py4j errors of Spark Connect and older paths
            raise eng.QueryError(_spark_message(e)) from None

    # -- rewrites that need Spark's analyzer ------------------------------------------------------
    def _columns(self, ctes: list[Any], source: Any) -> list[str]:
        """The columns of a relation, asked of Spark's analyzer (no job runs)."""
        from sqlglot import exp

        from renacer.analyze import spark_sql

        select = exp.select("*").from_(source.copy())
        if ctes:
            select.set("with_", exp.With(expressions=[c.copy() for c in ctes]))
        return list(self._sql(spark_sql.to_spark_sql(select)).columns)

    def _resolve(self, query: Any) -> Any:
        """Expand ``* EXCLUDE/REPLACE`` and ``UNION ALL BY NAME`` with the real column lists,
        CTE by CTE (each may use those before it)."""
        from sqlglot import exp

        with_ = query.args.get("with_") or query.args.get("with")
        ctes = list(with_.expressions) if with_ is not None else []
        for i, cte in enumerate(ctes):
            cte.set("this", self._resolve_part(cte.this, ctes[:i]))
        body = query.copy()
        body.set("with_", None)
        body = self._resolve_part(body, ctes)
        if ctes:
            body.set("with_", exp.With(expressions=ctes, recursive=with_.args.get("recursive")))
        return body

    def _resolve_part(self, part: Any, ctes: list[Any]) -> Any:
        from sqlglot import exp

        for select in list(part.find_all(exp.Select))[::-1]:  # innermost first
            stars = [e for e in select.expressions if isinstance(e, exp.Star)
                     and (e.args.get("except_") or e.args.get("except") or e.args.get("replace"))]
            if not stars:
                continue
            from_ = select.args.get("from_") or select.args.get("from")
            if from_ is None or select.args.get("joins"):
                raise eng.QueryError("SELECT * EXCLUDE/REPLACE on Spark needs a single FROM source")
            columns = self._columns(ctes, from_.this)
            new: list[Any] = []
            for e in select.expressions:
                if e not in stars:
                    new.append(e)
                    continue
                dropped = {c.name for c in (e.args.get("except_") or e.args.get("except") or [])}
                replaced = {r.alias_or_name: r for r in (e.args.get("replace") or [])}
                for c in columns:
                    if c in dropped:
                        continue
                    new.append(replaced[c].copy() if c in replaced else exp.column(c, quoted=True))
            select.set("expressions", new)
        for union in list(part.find_all(exp.Union))[::-1]:
            if not union.args.get("by_name"):
                continue
            left = self._columns(ctes, exp.Subquery(this=union.this.copy(), alias="rn_l"))
            right = self._columns(ctes, exp.Subquery(this=union.expression.copy(), alias="rn_r"))
            wanted = [exp.column(c, quoted=True) if c in right else exp.alias_(exp.null(), c, quoted=True)
                      for c in left]
            extra = [c for c in right if c not in left]
            if extra:
                raise eng.QueryError(f"UNION BY NAME on Spark: columns {extra} only on the right")
            reordered = exp.select(*wanted).from_(exp.Subquery(this=union.expression.copy(), alias="rn_r"))
            union.set("expression", reordered)
            union.set("by_name", None)
        return part

    def _recursive(self, query: Any) -> Any:
        """``WITH RECURSIVE`` run level by level (Spark 3.5 has no recursive CTE): the other CTEs
        become cached views, the recursive one's anchor is level 0, and its recursive part runs
        against the previous level until a level is empty."""
        from sqlglot import exp

        from renacer.analyze import spark_sql

        with_ = query.args.get("with_") or query.args.get("with")
        renames: dict[str, str] = {}
        uid = f"{id(self):x}"

        def renamed(tree: Any) -> Any:
            def swap(node: Any) -> Any:
                if isinstance(node, exp.Table) and not node.db and node.name in renames:
                    alias = node.alias or node.name
                    return exp.Table(this=exp.to_identifier(renames[node.name]),
                                     alias=exp.TableAlias(this=exp.to_identifier(alias)))
                return node

            return tree.copy().transform(swap)

        result = None
        for cte in with_.expressions:
            name = cte.alias
            body = cte.this
            refs = {t.name for t in body.find_all(exp.Table)}
            if name in refs:
                if not isinstance(body, exp.Union) or body.args.get("distinct"):
                    raise eng.QueryError(f"recursive CTE {name} on Spark must be anchor UNION ALL step")
                level = self._materialize(self._sql(spark_sql.to_spark_sql(renamed(body.this))))
                levels = [level]
                prev_view = f"rn_rec_{uid}_{name}_prev"
                for _ in range(1000):
                    level.createOrReplaceTempView(prev_view)
                    renames[name] = prev_view
                    step = renamed(body.expression)
                    del renames[name]
                    # a recursive step's columns are named by the anchor, as in SQL
                    stepped = self._sql(spark_sql.to_spark_sql(step)).toDF(*levels[0].columns)
                    level = self._materialize(stepped)
                    if level.isEmpty():
                        break
                    levels.append(level)
                whole = levels[0]
                for extra in levels[1:]:
                    whole = whole.unionAll(extra)
                view = f"rn_rec_{uid}_{name}"
                whole.createOrReplaceTempView(view)
                renames[name] = view
            else:
                view = f"rn_rec_{uid}_{name}"
                df = self._sql(spark_sql.to_spark_sql(renamed(body)))
                self._materialize(df).createOrReplaceTempView(view)
                renames[name] = view
        body = query.copy()
        body.set("with_", None)
        result = self._sql(spark_sql.to_spark_sql(renamed(body)))
        return result

    def _materialize(self, df: Any) -> Any:
        """A shared view computed once (kept by the executors, memory then disk): queries and
        the views built on it then plan against its rows instead of re-planning and re-running
        the whole stack of views below it, which costs Spark seconds per view."""
        df = df.localCheckpoint(eager=True)
        self._cached.append(df)
        return df

    # -- running ----------------------------------------------------------------------------------
    def execute(self, sql: str, params: dict[str, Any] | None = None,
                on_progress: Callable[[float], None] | None = None, name: str | None = None) -> eng.Result:
        from renacer.analyze import spark_sql

        self.prepare(sql)
        try:
            tree = spark_sql.translate(sql, self.variables, name)
            tree = self._resolve(tree)
            text = spark_sql.to_spark_sql(tree)
        except spark_sql.TranslationError as e:
            raise eng.QueryError(f"cannot run this on Spark: {e}") from None
        args = dict(params or {})
        df = self._sql(text, args or None)
        try:
            rows = df.collect()
        except Exception as e:
            raise eng.QueryError(_spark_message(e)) from None
        if on_progress is not None:
            on_progress(100.0)
        return eng.Result(list(df.columns), [tuple(_plain(v) for v in row) for row in rows])

    def execute_native(self, sql: str) -> eng.Result:
        """The user's own Spark SQL (``sql --engine spark``), over the same views."""
        self.prepare(sql)
        df = self._sql(sql)
        try:
            rows = df.collect()
        except Exception as e:
            raise eng.QueryError(_spark_message(e)) from None
        return eng.Result(list(df.columns), [tuple(_plain(v) for v in row) for row in rows])

    def run(self, query: str | eng.Query, params: dict[str, Any] | None = None,
            on_progress: Callable[[float], None] | None = None) -> eng.Result:
        q = eng.load_query(query) if isinstance(query, str) else query
        bound = q.bind(params or {})  # the header's defaults, as on DuckDB
        return self.shape(self.execute(q.sql, bound, on_progress, name=q.name))

    def stream(self, sql: str, params: dict[str, Any] | None = None, batch: int = 10_000) -> Any:
        result = self.execute(sql, params)
        for i in range(0, len(result.rows), batch):
            yield result.columns, result.rows[i:i + batch]

    def close(self) -> None:
        for df in self._cached:
            try:
                df.unpersist()
            except Exception:
                pass
        self._cached.clear()


def _plain(value: Any) -> Any:
    """Spark's values as DuckDB's Python client gives them (Row → dict, integral Decimal → int)."""
    from pyspark.sql import Row

    if isinstance(value, Row):
        return {k: _plain(v) for k, v in value.asDict(recursive=False).items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


_SPARK_CLASS = re.compile(r"^\[[A-Z_.]+\]\s*")


def _spark_message(e: BaseException) -> str:
    text = str(e).strip()
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("\tat ")]
    first = lines[0] if lines else type(e).__name__
    if first.startswith("An error occurred while calling") and len(lines) > 1:
        # py4j: the Java exception is on the next line (": org.apache….SomeException: message")
        first = re.sub(r"^:\s*([\w.$]+(Exception|Error):\s*)?", "", lines[1])
    return _SPARK_CLASS.sub("", first) if len(first) < 600 else first[:600] + "…"


# -- loading -----------------------------------------------------------------------------------------


def _spark_path(p: str) -> str:
    return "s3a://" + p[len("s3://"):] if p.startswith("s3://") else p


def _remote_inputs(specs: Sequence[str]) -> tuple[list[str], list[eng.TraceInput]]:
    """Listing and footers of s3:// / s3a:// traces, read by the driver through pyarrow (the
    rows are read by Spark's own S3 connector)."""
    from renacer.schema.trace import METADATA_KEY, TraceFormatError, read_metadata

    objects: list[storage.RemoteObject] = []
    try:
        fs = storage.filesystem()
        for spec in specs:
            objects.extend(storage.list_traces(spec, fs))
        footers = storage.read_footers(objects)
    except storage.StorageError as e:
        raise eng.InputError(str(e)) from None
    urls = [_spark_path(o.url) for o in objects]
    labels = inputs.labels(urls)
    traces = []
    for o, url, label in zip(objects, urls, labels):
        kv, rows, groups = footers[o.url]
        try:
            meta = read_metadata(kv, source=o.url)
        except TraceFormatError as e:
            raise eng.InputError(str(e)) from None
        except (ValueError, TypeError):
            raise eng.InputError(f"{o.url} has unreadable renacer metadata ({METADATA_KEY.decode()})") from None
        traces.append(eng.TraceInput(url, label, inputs.partitions(url.split("://", 1)[1]), meta, rows,
                                     groups, o.size))
    return urls, traces


def load(specs: Sequence[str], master: str | None = None) -> SparkEngine:
    """Find and check traces (as the DuckDB engine does), then read them with Spark."""
    if not specs:
        raise eng.InputError("no trace given")
    remote = [s for s in specs if storage.is_remote(s)]
    local = [s for s in specs if not storage.is_remote(s)]
    if remote and local:
        raise eng.InputError("--engine spark reads either local paths or s3a:// locations, not both")
    _require()
    if remote:
        paths, traces = _remote_inputs(remote)
    else:
        import duckdb

        paths = eng.expand_inputs(local)
        con = duckdb.connect(":memory:")
        try:
            traces = eng.inspect_inputs(con, paths)
        finally:
            con.close()
    spark = base_session(master).newSession()
    _register_udfs(spark)
    engine = SparkEngine(spark, traces)
    _create_events(engine, paths)
    _create_metadata_tables(engine)
    return engine


def _base_path(paths: list[str]) -> str:
    """The folder above the first hive partition folder (``…/host=a/run=b/t.parquet`` → ``…``),
    so Spark reads the same partition columns as DuckDB."""
    scheme = ""
    if "://" in paths[0]:
        scheme = paths[0].split("://", 1)[0] + "://"
        paths = [p.split("://", 1)[1] for p in paths]
    dirs = [p.rsplit("/", 1)[0] for p in paths]
    common = os.path.commonpath(dirs) if len(dirs) > 1 else dirs[0]
    parts = common.split("/")
    for i, part in enumerate(parts):
        if "=" in part:
            return scheme + ("/".join(parts[:i]) or "/")
    return scheme + common


def _file_key(uri: str) -> str:
    """A path as the user gave it, from Spark's file URI (``file:/a%20b/t.parquet`` → ``/a b/t.parquet``)."""
    text = urllib.parse.unquote(uri)
    if text.startswith("file://"):
        return text[len("file://"):]
    if text.startswith("file:"):
        return text[len("file:"):]
    return text


def _create_events(engine: SparkEngine, paths: list[str]) -> None:
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    spark = engine.spark
    hive = bool(engine.partition_columns)
    reader = spark.read
    if hive:
        reader = reader.option("basePath", _base_path(paths))
    try:
        df = reader.parquet(*paths)
    except Exception as e:
        msg = _spark_message(e)
        if "s3a" in msg.lower() and ("no filesystem" in msg.lower() or "classnotfound" in msg.lower()):
            msg = ("this Spark has no S3 connector for s3a:// (add org.apache.hadoop:hadoop-aws to "
                   "spark.jars.packages, see the README): " + msg)
        raise eng.InputError(f"Spark cannot read the traces: {msg}") from None
    if not hive:
        df = df.drop(*[c for c in engine.traces[0].partitions if c in df.columns])
    cols = []
    for field in df.schema.fields:
        c = F.col(f"`{field.name}`")
        if field.name in U64_COLUMNS and isinstance(field.dataType, T.DecimalType):
            # the same 64 bits as a signed BIGINT
            wrapped = F.when(c >= F.lit(Decimal(1 << 63)), c - F.lit(Decimal(1 << 64))).otherwise(c)
            c = wrapped.cast("bigint").alias(field.name)
        cols.append(c)
    label_of = {os.path.abspath(t.path) if "://" not in t.path else t.path: t.label for t in engine.traces}
    df = df.select(*cols, F.input_file_name().alias("rn_file"))
    files = [r[0] for r in df.select("rn_file").distinct().collect()]
    mapping = []
    for uri in files:
        key = _file_key(uri)
        label = label_of.get(key) or label_of.get(_spark_path(key))
        if label is None and uri.startswith("s3a:"):
            label = label_of.get(urllib.parse.unquote(uri))
        if label is None:
            raise eng.InputError(f"Spark read a file renacer did not list: {uri}")
        mapping.append((uri, label))
    labels = spark.createDataFrame(mapping, "rn_file string, trace string")
    events = df.join(F.broadcast(labels), "rn_file").drop("rn_file")
    events.createOrReplaceTempView("events")


def _create_metadata_tables(engine: SparkEngine) -> None:
    spark = engine.spark
    info_rows, procs = info.metadata_rows(engine.traces)  # the DuckDB engine's rows
    spark.createDataFrame(info_rows, "trace string, file string, rows bigint, hostname string, "
                          "command array<string>, start_wall_ns bigint, exit_status string, "
                          "events_seen bigint, events_written bigint, metadata string"
                          ).createOrReplaceTempView("trace_info")
    spark.createDataFrame(procs, "trace string, pid int, ppid int, exe string, argv array<string>, "
                          "command string").createOrReplaceTempView("trace_processes")
