"""``renacer-analyze diff``: compare two sides of runs (base and head), and gate CI on the change.

The comparison itself is SQL (``queries/diff_syscalls.sql``, ``diff_targets.sql``,
``diff_runs.sql``): per-run statistics with summary.sql's definitions, per-side summaries,
absolute and relative changes, normalized targets. This module adds what SQL is poor at: the
statistical test on timings, the ``--fail-on`` gates, and the shape of the report.

Deterministic facts and timings are judged differently:

* Counts (calls, errors, bytes per run; connect targets, programs, paths, errno kinds) are
  compared exactly: a run of the same deterministic program makes the same calls, so any
  difference is a change.
* Timings vary from run to run, so a timing change is *significant* only when a test across
  runs and a minimum effect size (``--min-effect``, default 5 %) agree. The test needs at least 3
  runs a side; with fewer, timings are shown and marked "not tested".

Why the exact Mann-Whitney U test over per-run statistics (and not a bootstrap):

* Per-run, not per-call: calls of one run share that run's conditions (machine load, cache
  state), so they are not independent samples; testing the ten thousand reads of run A against
  those of run B would call every bit of run-to-run noise significant. Each run contributes one
  value per metric (its p99, its total, …), and the test asks whether head's runs are shifted
  against base's.
* Exact, hence honest at small n: CI records a handful of runs a side. The exact permutation
  distribution of the rank sum (computed here by dynamic programming, ties given mid-ranks) is
  correct for any n under the null hypothesis that the runs are exchangeable. A percentile
  bootstrap over 3 to 5 values has no such guarantee: its intervals are too narrow at that size
  (coverage well under nominal), so it calls noise significant more often than it says.
* Rank-based: timing distributions are skewed and one run can be an outlier (a page-cache miss,
  a noisy neighbour); ranks bound the influence of any single run.
* Deterministic: no resampling, so no seed, and the same traces always give the same verdict.
The price is resolution: with n and m runs a side the smallest two-sided p is 2 / C(n+m, n) —
0.10 at 3 vs 3, 0.029 at 4 vs 4, 0.0079 at 5 vs 5 — so the report says when the runs given
cannot reach ``alpha``, and 5 runs a side are recommended. Gates state a direction
(``p99(recvfrom) > +20%``), so a timing gate uses the one-sided test in that direction (at 3 vs
3 its smallest p is 0.05). Larger samples (n + m > 24) use the normal approximation with the tie
correction. Several metrics are tested at once without a multiplicity correction (at these
sample sizes any correction would make every change untestable); the minimum effect size is
what keeps noise out, and the report's JSON gives each p-value for a stricter reading.

Gate grammar (``--fail-on``; a malformed gate is an error before any trace is read)::

    gate       := metric [op threshold]
    metric     := func "(" syscall ")" | "total-time" | "wall-time" | "new-errors" | "new-targets"
    func       := calls | errors | bytes | total | avg | p50 | p90 | p99 | max
    op         := ">" | ">=" | "<" | "<="
    threshold  := [sign] number [unit | "%"]      sign := "+" | "-"   unit := ns | us | µs | ms | s

* ``+N`` / ``-N`` (signed): the change, head − base (``calls(connect) > +0``, ``p99(read) > +2ms``).
* ``N%`` (with or without a sign): the relative change (``total-time > +10%``).
* ``N`` (unsigned, no ``%``): head's own value, a budget (``calls(connect) > 10``, ``p99(recvfrom) > 200ms``).
* Timing thresholds other than 0 need a unit; counts take none.
* ``new-errors`` fails when head has errno kinds base never had (timing-dependent ones such as
  EAGAIN excepted, see diff_targets.sql); ``new-targets`` when head connects to, runs or opens
  something base never did. ``new-errors > 2`` allows up to two.
* ``total-time`` is the time spent in syscalls per run; ``wall-time`` how long the command ran.
A gate fails when its condition holds; on a timing change with ≥3 runs a side, only when the
one-sided test also gives p ≤ alpha; with fewer runs a timing change is not tested, so its gate
cannot fail and is reported ``untested``. Counts are per run (the mean over a side's runs).

JSON (``--format json``), stable fields (``format`` names the version)::

    format          "renacer-diff/1"
    base, head      {"traces": [file, …], "runs": n}
    statistics      {"test": "mann-whitney-u", "alpha", "min_effect_pct", "min_runs",
                     "tested": bool, "note"}
    runs            {metric: comparison} for calls, errors, total_time_ns, wall_time_ns
    syscalls        [{"syscall", "status": both|new|vanished, "metrics": {metric: comparison}}]
                    metrics: calls, errors, bytes, total_ns, avg_ns, p50_ns, p90_ns, p99_ns, max_ns
    targets         [{"kind", "target", "base", "head", "base_seen", "head_seen", "change",
                      "deterministic"}]   (every target, changed or not)
    gates           [{"gate", "failed", "tested", "detail", "value", "threshold"}]
    changed         bool: counts, targets or a significant timing differ
    summary         one line for people
    comparison      {"base", "head", "change", "change_pct", "base_runs", "head_runs",
                     "test": {"tested", "p_value", "significant", "note"} (timings only)}
Times are integer ns; counts per run are numbers (fractional when a side's runs differ).
"""
from __future__ import annotations

import functools
import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from renacer.analyze import engine as eng
from renacer.analyze import output

FORMAT_VERSION = "renacer-diff/1"
COUNT_METRICS = ("calls", "errors", "bytes")
TIME_METRICS = ("total_ns", "avg_ns", "p50_ns", "p90_ns", "p99_ns", "max_ns")
RUN_TIME_METRICS = ("total_time_ns", "wall_time_ns")
MIN_RUNS = 3
DEFAULT_ALPHA = 0.05
DEFAULT_MIN_EFFECT = 5.0
# Up to this many runs in all, the test's null distribution is computed exactly.
EXACT_MAX_RUNS = 24

GATE_FUNCS = {"calls": "calls", "errors": "errors", "bytes": "bytes", "total": "total_ns",
              "avg": "avg_ns", "p50": "p50_ns", "p90": "p90_ns", "p99": "p99_ns", "max": "max_ns"}
RUN_GATES = {"total-time": "total_time_ns", "wall-time": "wall_time_ns"}
SET_GATES = ("new-errors", "new-targets")
UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
SHORT = {"total_ns": "total", "avg_ns": "avg", "p50_ns": "p50", "p90_ns": "p90", "p99_ns": "p99",
         "max_ns": "max", "total_time_ns": "total-time", "wall_time_ns": "wall-time"}


# -- the test -------------------------------------------------------------------------------------


def _midranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing the mean of the ranks they span."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


@functools.lru_cache(maxsize=64)
def _rank_sum_counts(doubled_ranks: tuple[int, ...], m: int) -> dict[int, int]:
    """How many of the C(N, m) ways to pick m of the (doubled, so integer) ranks give each sum:
    the exact null distribution of the rank sum, ties included."""
    ways: list[dict[int, int]] = [{0: 1}] + [{} for _ in range(m)]
    for r in doubled_ranks:
        for k in range(m, 0, -1):
            into = ways[k]
            for s, c in ways[k - 1].items():
                into[s + r] = into.get(s + r, 0) + c
    return ways[m]


def mann_whitney_p(base: Sequence[float], head: Sequence[float], alternative: str = "two-sided") -> float:
    """p-value of the Mann-Whitney U test that head's values are shifted against base's:
    ``greater`` (head larger), ``less`` or ``two-sided``. Exact for up to EXACT_MAX_RUNS values."""
    n, m = len(base), len(head)
    if n == 0 or m == 0:
        raise ValueError("each side needs at least one value")
    big_n = n + m
    ranks = _midranks(list(base) + list(head))
    doubled = [round(2 * r) for r in ranks]
    w = sum(doubled[n:])  # twice head's rank sum
    mean = m * (big_n + 1)  # twice its expectation
    if big_n <= EXACT_MAX_RUNS:
        dist = _rank_sum_counts(tuple(sorted(doubled)), m)
        total = math.comb(big_n, m)
        if alternative == "greater":
            hits = sum(c for s, c in dist.items() if s >= w)
        elif alternative == "less":
            hits = sum(c for s, c in dist.items() if s <= w)
        else:
            hits = sum(c for s, c in dist.items() if abs(s - mean) >= abs(w - mean))
        return min(1.0, hits / total)
    # Normal approximation of U with the tie correction and a continuity correction.
    u = w / 2 - m * (m + 1) / 2
    ties: dict[float, int] = {}
    for r in ranks:
        ties[r] = ties.get(r, 0) + 1
    tie_term = sum(t**3 - t for t in ties.values()) / (big_n * (big_n - 1))
    sigma = math.sqrt(n * m / 12 * ((big_n + 1) - tie_term))
    if sigma == 0:
        return 1.0
    mu = n * m / 2
    upper = 0.5 * math.erfc((u - mu - 0.5) / sigma / math.sqrt(2))  # P(U >= u)
    lower = 0.5 * math.erfc(-(u - mu + 0.5) / sigma / math.sqrt(2))  # P(U <= u)
    if alternative == "greater":
        return min(1.0, upper)
    if alternative == "less":
        return min(1.0, lower)
    return min(1.0, 2 * min(upper, lower))


def smallest_p(n: int, m: int, alternative: str = "two-sided") -> float:
    """The smallest p-value the exact test can give with n and m runs (no ties)."""
    if n == 0 or m == 0:
        return 1.0
    return (1 if alternative != "two-sided" else 2) / math.comb(n + m, n)


# -- the comparison ---------------------------------------------------------------------------------


@dataclass
class Verdict:
    tested: bool
    p_value: float | None
    significant: bool
    note: str

    def document(self) -> dict[str, Any]:
        return {"tested": self.tested, "p_value": self.p_value, "significant": self.significant,
                "note": self.note}


@dataclass
class Comparison:
    """One metric of one syscall (or of whole runs), both sides."""

    metric: str
    base: float | None
    head: float | None
    change: float | None
    change_pct: float | None
    base_runs: list[int]
    head_runs: list[int]
    test: Verdict | None = None

    @property
    def timing(self) -> bool:
        return self.metric in TIME_METRICS or self.metric in RUN_TIME_METRICS

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"base": _number(self.base), "head": _number(self.head), "change": _number(self.change),
               "change_pct": self.change_pct, "base_runs": self.base_runs, "head_runs": self.head_runs}
        if self.test is not None:
            doc["test"] = self.test.document()
        return doc


@dataclass
class SyscallDiff:
    syscall: str
    status: str
    metrics: dict[str, Comparison]


@dataclass(frozen=True)
class Gate:
    text: str
    metric: str  # a metric of diff_syscalls/diff_runs, or new-errors / new-targets
    syscall: str | None
    op: str
    threshold: float
    mode: str  # change, pct, value (head's own value) or count (new-errors / new-targets)


@dataclass
class GateResult:
    gate: Gate
    failed: bool
    detail: str
    value: float | None
    tested: bool = True

    @property
    def result(self) -> str:
        return "FAIL" if self.failed else ("pass" if self.tested else "untested")

    def document(self) -> dict[str, Any]:
        return {"gate": self.gate.text, "failed": self.failed, "tested": self.tested, "detail": self.detail,
                "value": self.value if self.value is None or math.isfinite(self.value) else None,
                "threshold": self.gate.threshold}


@dataclass
class Report:
    base_traces: list[str]
    head_traces: list[str]
    alpha: float
    min_effect: float
    runs: dict[str, Comparison]
    syscalls: list[SyscallDiff]
    targets: list[dict[str, Any]]
    gates: list[GateResult] = field(default_factory=list)

    @property
    def base_runs(self) -> int:
        return len(self.base_traces)

    @property
    def head_runs(self) -> int:
        return len(self.head_traces)

    @property
    def tested(self) -> bool:
        return self.base_runs >= MIN_RUNS and self.head_runs >= MIN_RUNS

    @property
    def failed_gates(self) -> list[GateResult]:
        return [g for g in self.gates if g.failed]

    def count_changes(self) -> list[SyscallDiff]:
        return [s for s in self.syscalls if s.status != "both"
                or any(s.metrics[m].change not in (0, None) for m in ("calls", "errors"))]

    def significant(self) -> list[tuple[str, Comparison]]:
        out = [(s.syscall, c) for s in self.syscalls for c in s.metrics.values() if c.test and c.test.significant]
        return out + [("", c) for c in self.runs.values() if c.test and c.test.significant]

    def target_changes(self) -> list[dict[str, Any]]:
        return [t for t in self.targets if t["change"] != "same"]

    @property
    def changed(self) -> bool:
        return bool(self.count_changes() or self.significant()
                    or any(t["deterministic"] for t in self.target_changes()))

    def statistics_note(self) -> str:
        n, m = self.base_runs, self.head_runs
        if not self.tested:
            return (f"timings: {n} vs {m} run(s), shown but not tested "
                    f"(record at least {MIN_RUNS} runs a side to test them; 5 recommended)")
        exact = "exact " if n + m <= EXACT_MAX_RUNS else ""
        note = (f"timings: {n} vs {m} runs, significant when the {exact}Mann-Whitney U test across "
                f"runs gives p ≤ {self.alpha:g} and the change is at least {self.min_effect:g}%")
        if smallest_p(n, m) > self.alpha:
            note += (f" — with {n} vs {m} runs the smallest two-sided p is {smallest_p(n, m):.2g}, so no "
                     "change can be significant: record more runs (5 a side reach 0.008)")
        return note

    def summary(self) -> str:
        counts = self.count_changes()
        new = [s for s in counts if s.status == "new"]
        gone = [s for s in counts if s.status == "vanished"]
        other = [s for s in counts if s.status == "both"]
        det = [t for t in self.target_changes() if t["deterministic"]]
        sig = self.significant()
        if not (counts or det or sig):
            timing = ("no significant timing change" if self.tested else "timings not tested")
            return f"no change: the same calls, errors and targets; {timing}"
        parts = []
        if other:
            parts.append(f"{len(other)} syscall(s) with other counts ({', '.join(s.syscall for s in other[:5])})")
        if new:
            parts.append(f"{len(new)} new syscall(s) ({', '.join(s.syscall for s in new[:5])})")
        if gone:
            parts.append(f"{len(gone)} vanished syscall(s) ({', '.join(s.syscall for s in gone[:5])})")
        for change in ("new", "vanished"):
            for kind in ("connect", "exec", "open", "error"):
                k = sum(1 for t in det if t["kind"] == kind and t["change"] == change)
                if k:
                    parts.append(f"{k} {change} {_KIND_WORDS[kind]}")
        more = sum(1 for t in det if t["change"] in ("more", "fewer"))
        if more:
            parts.append(f"{more} target(s) with other counts")
        if sig:
            parts.append(f"{len(sig)} significant timing change(s) ("
                         + ", ".join(f"{SHORT.get(c.metric, c.metric)}" + (f"({s})" if s else "") for s, c in sig[:5]) + ")")
        return "changed: " + "; ".join(parts)

    def document(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "base": {"traces": self.base_traces, "runs": self.base_runs},
            "head": {"traces": self.head_traces, "runs": self.head_runs},
            "statistics": {"test": "mann-whitney-u", "alpha": self.alpha, "min_effect_pct": self.min_effect,
                           "min_runs": MIN_RUNS, "tested": self.tested, "note": self.statistics_note()},
            "runs": {m: c.document() for m, c in self.runs.items()},
            "syscalls": [{"syscall": s.syscall, "status": s.status,
                          "metrics": {m: c.document() for m, c in s.metrics.items()}} for s in self.syscalls],
            "targets": self.targets,
            "gates": [g.document() for g in self.gates],
            "changed": self.changed,
            "summary": self.summary(),
        }


_KIND_WORDS = {"connect": "connect target(s)", "exec": "program(s) run", "open": "path(s) opened",
               "error": "error kind(s)"}


def judge_timing(c: Comparison, alpha: float, min_effect: float) -> Verdict:
    """Significant when the two-sided exact test across runs and the minimum effect agree."""
    n, m = len(c.base_runs), len(c.head_runs)
    if n < MIN_RUNS or m < MIN_RUNS:
        return Verdict(False, None, False, f"not tested ({n} vs {m} runs; needs {MIN_RUNS} a side)")
    p = mann_whitney_p(c.base_runs, c.head_runs)
    big_enough = c.change_pct is not None and abs(c.change_pct) >= min_effect
    significant = p <= alpha and big_enough
    if significant:
        note = f"significant (p={p:.2g})"
    elif p <= alpha:
        note = f"below the minimum effect of {min_effect:g}% (p={p:.2g})"
    else:
        note = f"not significant (p={p:.2g})"
    return Verdict(True, p, significant, note)


def _comparison(row: dict[str, Any]) -> Comparison:
    return Comparison(row["metric"], row["base"], row["head"], row["change"], row["change_pct"],
                      [int(v) for v in row["base_runs"]], [int(v) for v in row["head_runs"]])


def compare(base: Sequence[str], head: Sequence[str], gates: Sequence[Gate] = (), *,
            alpha: float = DEFAULT_ALPHA, min_effect: float = DEFAULT_MIN_EFFECT) -> Report:
    """Load both sides, run the diff queries, test the timings and evaluate the gates."""
    engine = eng.load_sides(base, head)
    try:
        base_labels = [t.label for t in engine.traces if t.label.startswith("base/")]
        params = {"base": base_labels}
        syscall_rows = engine.run("diff_syscalls", params).dicts()
        target_rows = engine.run("diff_targets", params).dicts()
        run_rows = engine.run("diff_runs", params).dicts()
        base_paths = [t.path for t in engine.traces if t.label.startswith("base/")]
        head_paths = [t.path for t in engine.traces if t.label.startswith("head/")]
    finally:
        engine.close()
    syscalls: dict[str, SyscallDiff] = {}
    for row in syscall_rows:
        s = syscalls.setdefault(row["syscall"], SyscallDiff(row["syscall"], row["status"], {}))
        s.metrics[row["metric"]] = _comparison(row)
    runs = {row["metric"]: _comparison(row) for row in run_rows}
    for c in [c for s in syscalls.values() for c in s.metrics.values()] + list(runs.values()):
        if c.timing:
            c.test = judge_timing(c, alpha, min_effect)
    targets = [{k: (_number(v) if k in ("base", "head") else v) for k, v in t.items()} for t in target_rows]
    report = Report(base_paths, head_paths, alpha, min_effect, runs, list(syscalls.values()), targets)
    report.gates = [evaluate(g, report) for g in gates]
    return report


def _number(v: float | None) -> float | int | None:
    """Whole numbers as int (JSON shows 12, not 12.0)."""
    if v is None:
        return None
    return int(v) if float(v).is_integer() else v


# -- gates -----------------------------------------------------------------------------------------

_GATE_RE = re.compile(
    r"^\s*(?:(?P<func>[A-Za-z0-9_]+)\s*\(\s*(?P<name>[^()\s]*)\s*\)|(?P<word>[A-Za-z][A-Za-z-]*))"
    r"\s*(?:(?P<op>>=|<=|>|<)\s*(?P<sign>[+-])?\s*(?P<num>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>%|ns|us|µs|ms|s)?)?\s*$")
GATE_HELP = ("a gate is METRIC [OP THRESHOLD]: calls|errors|bytes|total|avg|p50|p90|p99|max(SYSCALL), "
             "total-time, wall-time, new-errors or new-targets; OP one of > >= < <=; THRESHOLD +N or -N "
             "(change), N% (relative change), N (head's own value), times with a unit (ns, us, ms, s); "
             "e.g. 'calls(connect) > +0', 'p99(recvfrom) > +20%', 'new-errors'")


def parse_gate(text: str) -> Gate:
    """One ``--fail-on`` expression; raises InputError (exit 2) saying what is wrong."""
    from renacer.schema.syscalls_x86_64 import SYSCALLS

    m = _GATE_RE.match(text)
    if not m:
        raise eng.InputError(f"bad gate {text!r}: {GATE_HELP}")
    op, sign, num, unit = m.group("op"), m.group("sign"), m.group("num"), m.group("unit")
    if m.group("word"):
        word = m.group("word").lower()
        if word in SET_GATES:
            if op is None:
                return Gate(text, word, None, ">", 0, "count")
            if sign or unit or op not in (">", ">="):
                raise eng.InputError(f"bad gate {text!r}: {word} takes no threshold or a count, "
                                     f"as in '{word}' or '{word} > 2'")
            return Gate(text, word, None, op, float(num), "count")
        if word not in RUN_GATES:
            raise eng.InputError(f"bad gate {text!r}: unknown metric {word!r}; {GATE_HELP}")
        metric, syscall = RUN_GATES[word], None
    else:
        func = m.group("func").lower()
        if func not in GATE_FUNCS:
            raise eng.InputError(f"bad gate {text!r}: unknown metric {func!r}; one of "
                                 f"{', '.join(GATE_FUNCS)} (of a syscall), total-time, wall-time, "
                                 "new-errors, new-targets")
        syscall = m.group("name")
        if syscall not in set(SYSCALLS.values()):
            raise eng.InputError(f"bad gate {text!r}: {syscall!r} is not a syscall name")
        metric = GATE_FUNCS[func]
    if op is None:
        raise eng.InputError(f"bad gate {text!r}: say when it fails, e.g. '{text.strip()} > +10%'")
    timing = metric in TIME_METRICS or metric in RUN_TIME_METRICS
    value = float(num)
    if unit == "%":
        mode = "pct"
    else:
        mode = "change" if sign else "value"
        if unit and not timing:
            raise eng.InputError(f"bad gate {text!r}: {metric} is a count and takes no unit")
        if timing and value != 0 and not unit:
            raise eng.InputError(f"bad gate {text!r}: give the time a unit (ns, us, ms, s) or use a %")
        value *= UNITS.get(unit or "ns", 1) if timing else 1
    if sign == "-":
        value = -value
    return Gate(text, metric, syscall, op, value, mode)


def parse_gates(texts: Sequence[str]) -> list[Gate]:
    return [parse_gate(t) for t in texts]


def evaluate(gate: Gate, report: Report) -> GateResult:
    if gate.mode == "count":
        if gate.metric == "new-errors":
            found = [t for t in report.targets if t["kind"] == "error" and t["change"] == "new" and t["deterministic"]]
            what = "new error kind(s)"
        else:
            found = [t for t in report.targets if t["kind"] != "error" and t["change"] == "new"]
            what = "new target(s)"
        failed = OPS[gate.op](len(found), gate.threshold)
        listed = "; ".join(f"{t['target']} ({_count_text(t['head'])}/run)" if t["kind"] == "error"
                           else f"{t['kind']} {t['target']}" for t in found[:8])
        more = f"; and {len(found) - 8} more" if len(found) > 8 else ""
        return GateResult(gate, failed, f"{len(found)} {what}" + (f": {listed}{more}" if found else ""),
                          float(len(found)))
    if gate.syscall is not None:
        s = next((s for s in report.syscalls if s.syscall == gate.syscall), None)
        c = s.metrics.get(gate.metric) if s else None
        label = f"{gate.syscall} {SHORT.get(gate.metric, gate.metric)}"
        if c is None:
            c = Comparison(gate.metric, None, None, None, None, [], [])
    else:
        c = report.runs[gate.metric]
        label = SHORT.get(gate.metric, gate.metric)
    timing = c.timing
    base = c.base if c.base is not None else (None if timing else 0.0)
    head = c.head if c.head is not None else (None if timing else 0.0)
    if gate.mode == "value":
        subject = head
    elif gate.mode == "change":
        subject = None if head is None and base is None else (head or 0.0) - (base or 0.0)
    else:
        if not base:
            subject = None if not head else math.inf
        else:
            subject = 100.0 * ((head or 0.0) - base) / base
    holds = subject is not None and OPS[gate.op](subject, gate.threshold)
    numbers = f"{label} {_value_text(c.metric, base)} → {_value_text(c.metric, head)}"
    if not timing and head is not None and base is not None:
        numbers += f" ({head - base:+g})"
    elif base and head is not None:
        numbers += f" ({ratio_text(base, head)})"
    elif not base and head:
        numbers += " (new)"
    failed, tested = holds, True
    if timing and gate.mode != "value" and c.base_runs and c.head_runs:
        # A change of a timing is judged by the test across runs; a budget (head's own value)
        # and a syscall one side never made are facts, judged as they are.
        n, m = len(c.base_runs), len(c.head_runs)
        if n >= MIN_RUNS and m >= MIN_RUNS:
            direction = "greater" if gate.op in (">", ">=") else "less"
            p = mann_whitney_p(c.base_runs, c.head_runs, direction)
            failed = holds and p <= report.alpha
            numbers += f", p={p:.2g} one-sided over {n} vs {m} runs"
            if holds and not failed:
                numbers += f" > {report.alpha:g}: not significant"
        else:
            failed, tested = False, False
            numbers += f"; not tested: {n} vs {m} runs, a timing gate needs {MIN_RUNS} a side"
    elif subject is None:
        numbers += ": no value on either side"
    return GateResult(gate, failed, numbers, subject, tested)


# -- the report for people -------------------------------------------------------------------------


def _count_text(v: float | None) -> str:
    if v is None:
        return "-"
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}"


def _value_text(metric: str, v: float | None) -> str:
    if v is None:
        return "-"
    if metric.endswith("_ns"):
        return output.format_ns(v)
    return _count_text(v)


def _pct_text(pct: float) -> str:
    if abs(pct) < 0.05:
        return "±0%"
    return f"{pct:+.0f}%" if abs(pct) >= 1 else f"{pct:+.1f}%"


def ratio_text(base: float | None, head: float | None) -> str:
    """``15× faster``, ``2.1× slower``, ``+12%``, ``=``: how head's time compares with base's."""
    if not base or head is None:
        return "new" if head else ""
    if head == base:
        return "="
    if head == 0:
        return "gone"
    r = head / base
    if r >= 2 or r <= 0.5:
        x = r if r > 1 else 1 / r
        return f"{x:.0f}× {'slower' if r > 1 else 'faster'}" if x >= 10 else f"{x:.1f}× {'slower' if r > 1 else 'faster'}"
    return _pct_text(100 * (r - 1))


def _pair(c: Comparison | None) -> str:
    if c is None:
        return "-"
    return f"{_value_text(c.metric, c.base)} → {_value_text(c.metric, c.head)}"


def _test_text(comparisons: Sequence[Comparison], tested: bool) -> str:
    if not tested:
        return "not tested"
    sig = [c for c in comparisons if c.test and c.test.significant]
    if not sig:
        return "no significant change"
    return ", ".join(f"{SHORT[c.metric]} {_pct_text(c.change_pct or 0)} (p={c.test.p_value:.2g})"
                     for c in sig if c.test)


def render(report: Report, fmt: str) -> None:
    """The report: for people (table, markdown), for tools (json), or flat rows (csv)."""
    lines, sections, footer = readable(report)
    flat_columns = ["syscall", "status", "metric", "base", "head", "change", "change_pct", "p_value", "significant"]
    flat = [(s.syscall, s.status, c.metric, _number(c.base), _number(c.head), _number(c.change), c.change_pct,
             c.test.p_value if c.test else None, c.test.significant if c.test else None)
            for s in report.syscalls for c in s.metrics.values()]
    flat += [("", "run", c.metric, _number(c.base), _number(c.head), _number(c.change), c.change_pct,
              c.test.p_value if c.test else None, c.test.significant if c.test else None)
             for c in report.runs.values()]
    if fmt == "markdown":
        # A CI summary is read from the top: the verdict and the gates first, the long table last.
        lines, footer = lines + [f"**{line}**" for line in footer], []
        sections = sections[3:] + sections[:1] + sections[2:3] + sections[1:2]
    output.render_report(lines, sections, fmt, report.document(), (flat_columns, flat), footer=footer)


def readable(report: Report) -> tuple[list[str], list[output.Section], list[str]]:
    """What a person reads of a diff: lines about the sides, the sections (runs, syscalls,
    targets, gates) and the verdict lines. The terminal, markdown and the HTML report show it."""
    n, m = report.base_runs, report.head_runs
    lines = [
        f"base: {n} run(s): {_files(report.base_traces)}",
        f"head: {m} run(s): {_files(report.head_traces)}",
        report.statistics_note(),
    ]
    run_rows = []
    for metric, title in (("calls", "calls"), ("errors", "errors"), ("total_time_ns", "time in syscalls"),
                          ("wall_time_ns", "wall time")):
        c = report.runs[metric]
        change = (ratio_text(c.base, c.head) if c.timing
                  else ("=" if not c.change else f"{c.change:+g}"))
        run_rows.append((title, _value_text(metric, c.base), _value_text(metric, c.head), change,
                         (c.test.note if c.test else "exact")))
    any_bytes = any(s.metrics["bytes"].base or s.metrics["bytes"].head for s in report.syscalls)
    columns = ["syscall", "calls", "errors", "total", "avg", "p50", "p99"] + (["bytes"] if any_bytes else []) + ["change", "test"]
    rows = []
    for s in report.syscalls:
        mt = s.metrics
        changes = [] if s.status == "both" else [s.status]
        for k in ("calls", "errors"):
            if s.status == "both" and mt[k].change:
                changes.append(f"{k} {mt[k].change:+g}")
        if s.status == "both":
            changes.append(ratio_text(mt["total_ns"].base, mt["total_ns"].head))
        row = [s.syscall, _pair(mt["calls"]), _pair(mt["errors"]), _pair(mt["total_ns"]), _pair(mt["avg_ns"]),
               _pair(mt["p50_ns"]), _pair(mt["p99_ns"])]
        if any_bytes:
            row.append(_pair(mt["bytes"]))
        tested = report.tested and s.status == "both"
        row += [", ".join(c for c in changes if c), _test_text([mt[k] for k in TIME_METRICS], tested)
                if s.status == "both" else "-"]
        rows.append(tuple(row))
    changed_targets = report.target_changes()
    target_rows = [(t["kind"], t["target"], _count_text(t["base"]), _count_text(t["head"]),
                    t["change"] + ("" if t["deterministic"] else " (timing)")) for t in changed_targets]
    same = len(report.targets) - len(changed_targets)
    sections = [
        output.Section("runs (per run: counts are means, times medians)", ["", "base", "head", "change", "test"], run_rows),
        output.Section("syscalls (per run)", columns, rows),
        output.Section(f"targets that changed ({same} unchanged)", ["kind", "target", "base", "head", "change"],
                       target_rows, empty="(none: the same connect targets, programs, paths and errno kinds)"),
    ]
    if report.gates:
        sections.append(output.Section("gates", ["result", "gate", "numbers"],
                                       [(g.result, g.gate.text, g.detail) for g in report.gates]))
    footer = [report.summary()]
    if report.gates:
        failed = len(report.failed_gates)
        untested = sum(1 for g in report.gates if not g.tested)
        footer.append((f"{failed} of {len(report.gates)} gate(s) failed" if failed else "no gate failed")
                      + (f" ({untested} not tested: a timing gate needs {MIN_RUNS} runs a side)" if untested else ""))
    if not report.tested:  # the note above says timings are not tested: no column repeating it
        for section in sections[:2]:
            i = section.columns.index("test")
            section.columns = section.columns[:i] + section.columns[i + 1:]
            section.rows = [r[:i] + r[i + 1:] for r in section.rows]
    return lines, sections, footer


def _files(paths: Sequence[str]) -> str:
    import os

    shown = ", ".join(os.path.relpath(p) if not os.path.relpath(p).startswith("../..") else p for p in paths[:3])
    return shown + (f", … ({len(paths) - 3} more)" if len(paths) > 3 else "")
