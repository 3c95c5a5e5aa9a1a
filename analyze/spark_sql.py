"""DuckDB SQL → Spark SQL: the canned queries and ``_views.sql`` have one definition, in DuckDB's
dialect; Spark runs a translation made by sqlglot (a maintained transpiler) plus the rewrites
below, each for a DuckDB feature Spark 3.5 lacks or spells differently. Nothing here is a second
copy of a query.

Rewrites on the syntax tree, before sqlglot writes Spark SQL:
  - macros of ``_views.sql`` (``CREATE MACRO``) are inlined at each call (Spark has no SQL macros);
  - ``getvariable('x')`` becomes the value the engine set (a literal: a list of syscall names);
  - ``ASOF JOIN o ON c.k = o.k … AND c.s >= o.s`` becomes an interval join on
    ``o.s <= c.s < next o.s`` (the next ``s`` per key, from ``lead()``): the same single match;
  - ``list(x ORDER BY k)`` becomes ``transform(array_sort(collect_list(struct(k, x))), …)``
    (Spark's collect_list keeps no order), and a list or string_agg over no rows is NULL, as in
    DuckDB (Spark gives an empty array);
  - ``string_agg(DISTINCT x, sep ORDER BY x)`` becomes ``array_join(array_sort(collect_set(x)))``;
  - ``quantile_cont(x, [p…])`` becomes Spark's exact ``percentile(x, array(p…))``: the same linear
    interpolation between the two nearest values (not ``percentile_approx``);
  - ``printf`` runs as a Python UDF (Java's ``%g`` prints ``1.00000`` where C prints ``1``);
  - ``s[i:j]`` on a string becomes ``substring``; ``('0x' || hex)::BIGINT`` becomes ``conv``;
  - ``x::UBIGINT`` becomes BIGINT (Spark has no unsigned types; seq and the arguments are read as
    signed 64-bit, see analyze/spark.py), its largest value Long.MAX_VALUE;
  - ``$name`` parameters become Spark's named parameter markers ``:name`` (bound, never pasted).
Rewrites that need the columns of a relation (``SELECT * EXCLUDE … REPLACE …``, ``UNION ALL BY
NAME``) and ``WITH RECURSIVE`` (Spark 3.5 has none: it is run level by level) are done by the
Spark engine with its session (analyze/spark.py), since only Spark's analyzer knows the columns.

Per-query text overrides (``OVERRIDES``) cover what a syntax tree cannot tell apart: DuckDB's
``len()`` on a list and ``length()`` on a string both parse as LENGTH, but Spark's LENGTH takes
strings only. Each override names the exact text it replaces; a query that no longer contains
it fails the tests instead of silently drifting.
"""
from __future__ import annotations

import functools
import re
from typing import Any

import sqlglot
from sqlglot import exp

from renacer.analyze import engine as eng

# (query or view name) -> [(DuckDB text, DuckDB text that transpiles the same way in Spark)]
OVERRIDES: dict[str, list[tuple[str, str]]] = {
    # len() of a list: array_length() parses to ARRAY_SIZE, written as SIZE for Spark.
    "files": [("len(o.errors)", "array_length(o.errors)")],
}

LONG_MAX = (1 << 63) - 1


class TranslationError(Exception):
    """DuckDB SQL that this translator cannot turn into Spark SQL."""


def apply_overrides(name: str, sql: str) -> str:
    for old, new in OVERRIDES.get(name, []):
        if old not in sql:
            raise TranslationError(f"the Spark override for {name} no longer matches: {old!r}")
        sql = sql.replace(old, new)
    return sql


def parse(sql: str) -> exp.Expression:
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as e:
        raise TranslationError(f"sqlglot cannot parse the DuckDB SQL: {e}") from None
    if tree is None:
        raise TranslationError("empty SQL")
    return tree


@functools.lru_cache(maxsize=1)
def macros() -> dict[str, tuple[list[str], exp.Expression]]:
    """The macros of ``_views.sql``: name -> (parameter names, body)."""
    out: dict[str, tuple[list[str], exp.Expression]] = {}
    for name, statement in eng.shared_objects().items():
        tree = parse(statement)
        if isinstance(tree, exp.Create) and str(tree.args.get("kind", "")).upper() == "MACRO":
            params = [p.name for p in tree.this.expressions]
            out[name.lower()] = (params, tree.expression)
    return out


def _literal(value: Any) -> exp.Expression:
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, (list, tuple)):
        return exp.Array(expressions=[_literal(v) for v in value])
    raise TranslationError(f"no Spark literal for {value!r}")


def _inline_macros(tree: exp.Expression) -> exp.Expression:
    defs = macros()
    for _ in range(16):  # a macro body may call another
        calls = [n for n in tree.find_all(exp.Anonymous) if str(n.this).lower() in defs]
        if not calls:
            return tree
        for call in calls:
            params, body = defs[str(call.this).lower()]
            if len(call.expressions) != len(params):
                raise TranslationError(f"{call.this} takes {len(params)} arguments")
            args = dict(zip(params, call.expressions))

            def bind(node: exp.Expression, args: dict[str, exp.Expression] = args) -> exp.Expression:
                if isinstance(node, exp.Column) and not node.table and node.name in args:
                    return args[node.name].copy()
                return node

            call.replace(exp.Paren(this=body.copy().transform(bind)))
    raise TranslationError("macros call each other too deeply")


def _getvariables(tree: exp.Expression, variables: dict[str, Any]) -> exp.Expression:
    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and str(node.this).lower() == "getvariable":
            name = node.expressions[0].name
            if name not in variables:
                raise TranslationError(f"no value for getvariable({name!r}) on Spark")
            return _literal(variables[name])
        return node

    return tree.transform(swap)


def _unsigned(tree: exp.Expression) -> exp.Expression:
    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.UBIGINT:
            inner = node.this
            if isinstance(inner, exp.Literal) and not inner.is_string and int(inner.this) > LONG_MAX:
                return exp.Literal.number(LONG_MAX)
            return exp.Cast(this=inner, to=exp.DataType.build("BIGINT"))
        return node

    return tree.transform(swap)


def _conjuncts(cond: exp.Expression) -> list[exp.Expression]:
    if isinstance(cond, exp.And):
        return _conjuncts(cond.this) + _conjuncts(cond.expression)
    if isinstance(cond, exp.Paren):
        return _conjuncts(cond.this)
    return [cond]


def _asof(tree: exp.Expression) -> exp.Expression:
    """``L ASOF JOIN R r ON L.k = r.k AND L.s >= r.s`` → an inner join of L with
    ``(SELECT *, lead(s) OVER (PARTITION BY k ORDER BY s) AS rn_asof_next FROM R) r`` on
    ``L.k = r.k AND L.s >= r.s AND (r.rn_asof_next IS NULL OR L.s < r.rn_asof_next)``: each L row
    meets the one r row whose interval holds it, the latest with r.s <= L.s."""
    for join in list(tree.find_all(exp.Join)):
        if str(join.args.get("method") or "").upper() != "ASOF":
            continue
        right = join.this
        if not isinstance(right, exp.Table):
            raise TranslationError("ASOF JOIN on Spark needs a table or view on its right side")
        alias = right.alias_or_name
        keys: list[str] = []
        ineq: tuple[exp.Expression, str] | None = None
        for c in _conjuncts(join.args["on"]):
            if isinstance(c, exp.EQ):
                for side in (c.this, c.expression):
                    if isinstance(side, exp.Column) and side.table == alias:
                        keys.append(side.name)
            elif isinstance(c, exp.GTE) and isinstance(c.expression, exp.Column) \
                    and c.expression.table == alias:
                ineq = (c.this, c.expression.name)
            else:
                raise TranslationError(f"unsupported ASOF JOIN condition on Spark: {c.sql('duckdb')}")
        if ineq is None or not keys:
            raise TranslationError("ASOF JOIN on Spark needs equality keys and left.s >= right.s")
        left_s, right_s = ineq
        inner = sqlglot.parse_one(
            f"SELECT *, lead({right_s}) OVER (PARTITION BY {', '.join(keys)} ORDER BY {right_s}) "
            f"AS rn_asof_next FROM {right.this.sql('duckdb')}", read="duckdb")
        join.set("this", exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(alias))))
        join.set("method", None)
        nxt = exp.column("rn_asof_next", table=alias)
        bound = exp.Paren(this=exp.or_(exp.Is(this=nxt, expression=exp.null()),
                                       exp.LT(this=left_s.copy(), expression=nxt.copy())))
        join.set("on", exp.and_(join.args["on"], bound))
    return tree


def _null_if_empty(agg: exp.Expression) -> exp.Expression:
    # DuckDB's list() and string_agg() over no rows are NULL; Spark's collect_list() is [].
    return sqlglot.parse_one("IF(SIZE(rn_x) = 0, NULL, rn_x)", read="spark").transform(
        lambda n: agg.copy() if isinstance(n, exp.Column) and n.name == "rn_x" else n)


def _spark(expr_sql: str, **parts: exp.Expression) -> exp.Expression:
    """Spark SQL text with ``{name}`` holes filled by (copies of) the given trees."""
    tree = sqlglot.parse_one(expr_sql.format(**{k: f"rn_hole_{k}" for k in parts}), read="spark")
    return tree.transform(lambda n: parts[n.name[8:]].copy()
                          if isinstance(n, exp.Column) and n.name.startswith("rn_hole_") else n)


def _aggregates(tree: exp.Expression) -> exp.Expression:
    def swap(node: exp.Expression) -> exp.Expression:
        where = None
        agg = node
        if isinstance(node, exp.Filter) and isinstance(node.this, (exp.ArrayAgg, exp.GroupConcat)):
            agg, where = node.this, node.expression

        def filtered(e: exp.Expression) -> exp.Expression:
            return exp.Filter(this=e, expression=where.copy()) if where is not None else e

        if isinstance(agg, exp.ArrayAgg):
            inner = agg.this
            if isinstance(inner, exp.Order):
                if len(inner.expressions) != 1:
                    raise TranslationError("list(… ORDER BY) on Spark takes one ordering key")
                key = inner.expressions[0]
                if key.args.get("desc"):
                    raise TranslationError("list(… ORDER BY … DESC) is not translated for Spark")
                collected = filtered(_spark("COLLECT_LIST(NAMED_STRUCT('k', {k}, 'v', {v}))",
                                            k=key.this, v=inner.this))
                return _null_if_empty(_spark("TRANSFORM(ARRAY_SORT({c}), rn_e -> rn_e.v)", c=collected))
            if isinstance(inner, exp.Distinct):
                return _null_if_empty(filtered(_spark("COLLECT_SET({v})", v=inner.expressions[0])))
            return _null_if_empty(filtered(_spark("COLLECT_LIST({v})", v=inner)))
        if isinstance(agg, exp.GroupConcat):
            inner = agg.this
            sep = agg.args.get("separator") or exp.Literal.string(",")
            order = None
            if isinstance(inner, exp.Order):
                order, inner = inner.expressions, inner.this
            if isinstance(inner, exp.Distinct):
                value = inner.expressions[0]
                if order and (len(order) != 1 or order[0].this != value or order[0].args.get("desc")):
                    raise TranslationError("string_agg(DISTINCT x ORDER BY y) on Spark needs y = x")
                return _spark("ARRAY_JOIN(ARRAY_SORT({c}), {s})",
                              c=_null_if_empty(filtered(_spark("COLLECT_SET({v})", v=value))), s=sep)
            if order:
                raise TranslationError("string_agg(x ORDER BY …) is not translated for Spark")
            return _spark("ARRAY_JOIN({c}, {s})",
                          c=_null_if_empty(filtered(_spark("COLLECT_LIST({v})", v=inner))), s=sep)
        if isinstance(node, exp.PercentileCont) and isinstance(node.expression, exp.Array):
            return exp.Anonymous(this="PERCENTILE", expressions=[node.this.copy(), node.expression.copy()])
        return node

    return tree.transform(swap)


def _slices(tree: exp.Expression) -> exp.Expression:
    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Bracket) and len(node.expressions) == 1 and isinstance(node.expressions[0], exp.Slice):
            s = node.expressions[0]
            lo, hi = s.this, s.expression
            if isinstance(lo, exp.Literal) and isinstance(hi, exp.Literal):
                n = int(hi.this) - int(lo.this) + 1
                return exp.Substring(this=node.this.copy(), start=lo.copy(), length=exp.Literal.number(n))
            raise TranslationError("a slice on Spark needs literal bounds")
        return node

    return tree.transform(swap)


def _scalars(tree: exp.Expression) -> exp.Expression:
    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and str(node.this).lower() == "printf":
            return exp.Anonymous(this="rn_printf", expressions=[e.copy() for e in node.expressions])
        if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
            node.set("materialized", None)  # a planner hint Spark does not take
        if isinstance(node, exp.Cast) and node.to.this in (exp.DataType.Type.BIGINT, exp.DataType.Type.INT):
            inner = node.this.unnest() if isinstance(node.this, exp.Paren) else node.this
            if isinstance(inner, exp.DPipe) and isinstance(inner.this, exp.Literal) and inner.this.this == "0x":
                return exp.Cast(this=_spark("CONV({h}, 16, 10)", h=inner.expression), to=node.to.copy())
            if isinstance(inner, exp.DPipe):
                # '0x' || a || b … is left-nested: find the literal at the far left
                parts: list[exp.Expression] = []
                cur: exp.Expression = inner
                while isinstance(cur, exp.DPipe):
                    parts.append(cur.expression)
                    cur = cur.this
                if isinstance(cur, exp.Literal) and cur.this == "0x":
                    hexed = parts.pop()
                    for p in reversed(parts):
                        hexed = exp.DPipe(this=hexed, expression=p.copy())
                    return exp.Cast(this=_spark("CONV({h}, 16, 10)", h=hexed), to=node.to.copy())
        return node

    return tree.transform(swap)


_PARAM_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def translate(sql: str, variables: dict[str, Any], name: str | None = None) -> exp.Expression:
    """The Spark-ready syntax tree of one DuckDB statement (see the module's docstring)."""
    if name:
        sql = apply_overrides(name, sql)
    tree = parse(sql)
    tree = _inline_macros(tree)
    tree = _getvariables(tree, variables)
    tree = _unsigned(tree)
    tree = _asof(tree)
    tree = _aggregates(tree)
    tree = _slices(tree)
    tree = _scalars(tree)
    return tree


def to_spark_sql(tree: exp.Expression) -> str:
    try:
        return tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as e:
        raise TranslationError(f"sqlglot cannot write this for Spark: {e}") from None
