"""``renacer-analyze report``: one self-contained HTML page about one run, or two side by side.

What goes in: the summary table, a log2 latency histogram per busy syscall, a timeline of the
connections (opened → connect → connected → first byte → closed, errors marked), refused
targets, DNS queries with their latency, and errors with their causes — each from the canned
query that answers it on the command line, so the page and the CLI never disagree.

How it is drawn: Jinja2 fills one template (``templates/report.html.j2``) and matplotlib draws
the charts as inline SVG (text kept as text). The page has no script and fetches nothing, so it
opens offline, from a mail attachment or a CI artifact, in any browser; its size grows with the
number of charts and table rows (both capped), not with the number of events. Both libraries
are the ``report`` extra (``pip install 'renacer[report]'``) so the analyzer itself stays light.

Two sides (base and head: files, folders or globs) put the same sections side by side, under the
diff's verdicts (``renacer-analyze diff``: what changed, tested across runs) and a per-syscall
comparison of calls, p99 and total time computed from each side's summary.
"""
from __future__ import annotations

import datetime as _dt
import io
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import jinja2
import markupsafe

from renacer import files
from renacer.analyze import catalogue, output
from renacer.analyze import engine as eng
from renacer.analyze import hist as histo

TEMPLATES = Path(__file__).resolve().parent / "templates"
# A syscall is busy when it is among the BUSY_MAX largest by total time and completed at least
# BUSY_MIN_CALLS times (one duration is not a distribution): each gets a histogram.
BUSY_MAX = 12
BUSY_MIN_CALLS = 2
# Caps that keep the page small whatever the trace: rows per table, sockets on the timeline.
MAX_ROWS = 500
MAX_TIMELINE = 150
# Steps of each side (the progress bar counts them).
SECTIONS = ("summary", "hist", "timeline", "connections", "refused", "dns", "errors", "charts")

# Timeline phases and their colours (matplotlib's tab10, readable on white).
PHASES = {
    "before connect": "#c7c7c7",
    "connecting": "#ff7f0e",
    "waiting for first byte": "#1f77b4",
    "after first byte": "#2ca02c",
    "after a failed connect": "#f4b6b6",
}
ERROR_COLOUR = "#d62728"


@dataclass
class Table:
    """A result ready for the template: column names and human-readable cells."""

    columns: list[str]
    rows: list[list[str]]
    total: int  # rows before the cap

    @classmethod
    def of(cls, result: eng.Result, drop: Sequence[str] = ()) -> "Table":
        keep = [i for i, c in enumerate(result.columns) if c not in drop]
        rows = [[output.cell_text(result.columns[i], row[i], human=True) for i in keep]
                for row in result.rows[:MAX_ROWS]]
        return cls([result.columns[i] for i in keep], rows, len(result.rows))


@dataclass
class Chart:
    key: str
    svg: markupsafe.Markup
    calls: int


@dataclass
class Side:
    spec: str
    traces: list[dict[str, Any]]
    summary: eng.Result
    tables: dict[str, Table] = field(default_factory=dict)
    hists: dict[str, histo.Histogram] = field(default_factory=dict)  # per syscall, traces added up
    busy: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    timeline: markupsafe.Markup | None = None
    sockets: int = 0


# -- data ---------------------------------------------------------------------------------------------


def busy_syscalls(summary: eng.Result) -> list[str]:
    """The syscalls that get a histogram: largest total time first, see BUSY_MAX."""
    per: dict[str, tuple[int, int]] = {}
    for r in summary.dicts():  # several traces in a side: add them up
        total, calls = per.get(r["syscall"], (0, 0))
        per[r["syscall"]] = (total + (r["total_ns"] or 0), calls + r["calls"])
    ranked = sorted(per.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return [name for name, (_, calls) in ranked[:BUSY_MAX] if calls >= BUSY_MIN_CALLS]


def collect(spec: str, advance: Any) -> Side:
    """Run each section's query on one side and draw its charts."""
    engine = eng.load([spec])
    try:
        info = eng.info_rows(engine)
        advance(f"{spec}: summary")
        summary = engine.run("summary")
        side = Side(spec, info, summary)
        side.tables["summary"] = Table.of(summary)
        advance(f"{spec}: histograms")
        hist = engine.run("hist", {"unit_ns": histo.UNITS["us"][0]})
        merged = merge_traces(histo.from_rows(hist.columns, hist.rows, None))
        advance(f"{spec}: timeline")
        narrow(engine)
        timeline = engine.run("timeline")
        side.sockets = len(timeline.rows)
        for name in ("connections", "refused", "dns", "errors"):
            advance(f"{spec}: {name}")
            # connections' detail (payload summaries) is long; its protocol column stays
            side.tables[name] = Table.of(engine.run(name), drop=("detail",) if name == "connections" else ())
        advance(f"{spec}: charts")
        side.hists = merged
        side.busy = [name for name in busy_syscalls(summary) if name in merged]
        side.timeline = timeline_svg(timeline, info) if timeline.rows else None
        return side
    finally:
        engine.close()


def draw_histograms(sides: list[Side]) -> list[str]:
    """One chart per busy syscall on each side, and the syscalls in page order. With two sides,
    a syscall busy on either gets a chart on both, over the same buckets, so they line up."""
    names = list(dict.fromkeys(name for side in sides for name in side.busy))
    for name in names:
        present = [side.hists[name] for side in sides if name in side.hists]
        los = [lo for h in present for lo, _, _ in h.buckets]
        for side in sides:
            h = side.hists.get(name)
            if h is None:
                continue
            if len(sides) > 1:  # same first and last bucket on both sides
                ends = [(lo, 1 if lo == 0 else lo * 2, 0) for lo in (min(los), max(los))]
                have = {lo for lo, _, _ in h.buckets}
                h = histo.Histogram(h.key, None, histo.fill(sorted(h.buckets + [e for e in ends if e[0] not in have]), None))
            side.charts.append(Chart(name, hist_svg(h), h.total))
    return names


def merge_traces(hists: list[histo.Histogram]) -> dict[str, histo.Histogram]:
    """One histogram per syscall over every trace of a side."""
    counts: dict[str, dict[int, tuple[int, int]]] = {}
    for h in hists:
        per = counts.setdefault(h.key, {})
        for lo, hi, c in h.buckets:
            per[lo] = (hi, per.get(lo, (hi, 0))[1] + c)
    return {key: histo.Histogram(key, None, histo.fill(sorted((lo, hi, c) for lo, (hi, c) in per.items()), None))
            for key, per in counts.items()}


def compare(base: Side, head: Side) -> Table:
    """Per syscall: calls, p99 and total time on each side and head/base. A side of several
    traces adds calls and totals; its p99 is the worst of its traces' (the column says so)."""

    def per_side(side: Side) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for r in side.summary.dicts():
            d = out.setdefault(r["syscall"], {"calls": 0, "total_ns": 0, "p99_ns": None})
            d["calls"] += r["calls"]
            d["total_ns"] += r["total_ns"] or 0
            if r["p99_ns"] is not None:
                d["p99_ns"] = max(d["p99_ns"] or 0, r["p99_ns"])
        return out

    b, h = per_side(base), per_side(head)
    multi = len(base.traces) > 1 or len(head.traces) > 1
    p99 = "p99 (worst trace)" if multi else "p99"
    names = sorted(set(b) | set(h), key=lambda n: (-max(b.get(n, {}).get("total_ns", 0),
                                                          h.get(n, {}).get("total_ns", 0)), n))
    columns = ["syscall", "calls base", "calls head", "calls ×", f"{p99} base", f"{p99} head", f"{p99} ×",
               "total base", "total head", "total ×"]
    rows = []
    for n in names[:MAX_ROWS]:
        x, y = b.get(n, {}), h.get(n, {})
        rows.append([n, _num(x.get("calls")), _num(y.get("calls")), _ratio(x.get("calls"), y.get("calls")),
                     _dur(x.get("p99_ns")), _dur(y.get("p99_ns")), _p99_ratio(x.get("p99_ns"), y.get("p99_ns")),
                     _dur(x.get("total_ns")), _dur(y.get("total_ns")), _ratio(x.get("total_ns"), y.get("total_ns"))])
    return Table(columns, rows, len(names))


def _num(v: Any) -> str:
    return output.NULL_TEXT if v is None else str(v)


def _dur(v: Any) -> str:
    return output.NULL_TEXT if v is None else output.format_ns(v)


def _p99_ratio(base: Any, head: Any) -> str:
    # No p99 on a side (under 2 completed calls) is not the syscall's absence: no ratio.
    return output.NULL_TEXT if base is None or head is None else _ratio(base, head)


def _ratio(base: Any, head: Any) -> str:
    """head / base, or what happened when one side has none."""
    if base is None and head is None:
        return output.NULL_TEXT
    if base is None:
        return "new"
    if head is None:
        return "gone"
    if base == 0:
        return output.NULL_TEXT if head == 0 else "new"
    return f"{head / base:.2f}"


# -- charts ------------------------------------------------------------------------------------------


def _import_matplotlib() -> None:
    try:
        import matplotlib.backends.backend_svg  # noqa: F401
        import matplotlib.figure  # noqa: F401
    except ImportError:  # reported where it is used
        pass


def _figure(width: float, height: float) -> Any:
    # The object API, not pyplot: no global figure registry, no GUI backend to pick.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=72)


def _svg(fig: Any, tight: bool = True) -> markupsafe.Markup:
    import matplotlib

    # Text stays text (smaller, selectable); no date and fixed ids, so the same trace gives the
    # same page.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "renacer"}):
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "renacer"},
                    bbox_inches="tight" if tight else None)
    text = buf.getvalue()
    return markupsafe.Markup(text[text.index("<svg"):])  # inline in HTML: no XML prolog


def hist_svg(h: histo.Histogram) -> markupsafe.Markup:
    """A log2 histogram as bars, bucket labels as bpftrace writes them."""
    fig = _figure(5.2, 2.4)
    ax = fig.add_subplot()
    labels = [f"[{histo._size(lo, True)}, {histo._size(hi, True)})" for lo, hi, _ in h.buckets]
    counts = [c for _, _, c in h.buckets]
    ax.bar(range(len(counts)), counts, color="#1f77b4", width=0.85)
    ax.set_xticks(range(len(counts)), labels, rotation=45, ha="right", fontsize=7)
    ax.set_xlabel("duration (µs)", fontsize=8)
    ax.set_ylabel("calls", fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # calls are whole
    ax.set_title(f"{h.key}: {h.total} calls", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    # Fixed margins (room for the slanted bucket labels): one layout pass instead of two.
    fig.subplots_adjust(left=0.12, right=0.98, top=0.88, bottom=0.36)
    return _svg(fig, tight=False)


def phases(r: dict[str, Any], end: int) -> list[tuple[str, int, int]]:
    """A socket's life (a ``timeline`` row) cut into (phase, start ns, stop ns) spans."""
    failed = r["result"] not in (None, "connected")
    marks: list[tuple[str, int | None]] = [
        ("before connect" if r["connect_ns"] is not None else "waiting for first byte", r["opened_ns"]),
        ("connecting", r["connect_ns"]),
        ("after a failed connect" if failed else "waiting for first byte", r["outcome_ns"]),
        ("after first byte", r["first_byte_ns"]),
    ]
    points = [(phase, t) for phase, t in marks if t is not None]
    spans = []
    for i, (phase, start) in enumerate(points):
        stop = points[i + 1][1] if i + 1 < len(points) else end
        spans.append((phase, start, max(stop, start)))
    return spans


def timeline_svg(timeline: eng.Result, info: list[dict[str, Any]]) -> markupsafe.Markup:
    """One row per socket: its phases as coloured spans, errors as red crosses (ms axis)."""
    rows = timeline.dicts()[:MAX_TIMELINE]
    only = len(info) == 1
    ends = {t["trace"]: t.get("duration_ns") for t in info}
    fig = _figure(9.0, 1.0 + 0.28 * len(rows))
    ax = fig.add_subplot()
    for y, r in enumerate(rows):
        times = [v for v in (r["opened_ns"], r["connect_ns"], r["outcome_ns"], r["first_byte_ns"]) if v is not None]
        end = r["closed_ns"]
        if end is None:  # open at the end of the recording
            end = max([ends.get(info[0]["trace"] if only else r["trace"]) or 0] + times)
        for phase, start, stop in phases(r, end):
            ax.broken_barh([(start / 1e6, (stop - start) / 1e6)], (y - 0.35, 0.7), facecolors=PHASES[phase])
        if r["error"]:
            failed = r["result"] not in (None, "connected")
            at = (r["outcome_ns"] if failed else None) or end
            ax.plot([at / 1e6], [y], marker="X", color=ERROR_COLOUR, markersize=8, linestyle="")
    labels = [("" if only else f"{r['trace']} ") + f"{r['pid']}/{r['fd']} {r['peer'] or r['proto']}"
              + (f" ({r['error']})" if r["error"] else "") for r in rows]
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel("ms since the recording started", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


# -- the page ----------------------------------------------------------------------------------------


def render_html(sides: list[Side], comparison: Table | None, verdicts: Verdicts | None = None) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("report.html.j2").render(
        sides=sides, comparison=comparison, verdicts=verdicts, phases=PHASES, error_colour=ERROR_COLOUR,
        busy_max=BUSY_MAX, max_timeline=MAX_TIMELINE, fmt_ns=_dur,
        generated=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def write_report(specs: Sequence[str], out: Path | str, progress: bool = False) -> None:
    """Collect every side, render, write ``out`` atomically (temp file + rename, mode 0600: the
    page quotes payloads such as DNS names and HTTP request lines)."""
    # matplotlib takes ~0.5 s to import: do it while DuckDB (which releases the GIL) works.
    warm = threading.Thread(target=_import_matplotlib, daemon=True)
    warm.start()
    with output.steps("report", len(SECTIONS) * len(specs) + 2, progress) as advance:
        sides = [collect(spec, advance) for spec in specs]
        advance("writing the page")
        warm.join()
        draw_histograms(sides)
        verdicts = diff_verdicts(specs) if len(sides) == 2 else None
        html = render_html(sides, compare(sides[0], sides[1]) if len(sides) == 2 else None, verdicts)
        try:
            # never over a link, a device or another user's file (renacer/files.py)
            files.check_new_file(str(out), "report")
            fd, tmp = files.temp_beside(str(out), ".html", "report")
        except files.UnsafeOutput as e:
            raise output.OutputError(str(e)) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(html)
            files.replace_with(tmp, str(out), "report")
        except files.UnsafeOutput as e:
            raise output.OutputError(str(e)) from None
        except OSError as e:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise output.OutputError(f"cannot write {out}: {e.strerror}") from None
        advance()


@dataclass
class Verdicts:
    """The diff's reading of two sides (analyze/diff.py): its lines, tables and verdict."""

    lines: list[str]
    tables: list[tuple[str, Table]]
    verdict: list[str]


def diff_verdicts(specs: Sequence[str]) -> Verdicts:
    from renacer.analyze import diff

    report = diff.compare([specs[0]], [specs[1]])
    lines, sections, footer = diff.readable(report)
    tables = [(sec.title, Table(list(sec.columns), [[output.cell_text(c, v, human=True) for c, v in zip(sec.columns, row)]
                                                     for row in sec.rows[:MAX_ROWS]], len(sec.rows)))
              for sec in sections]
    return Verdicts(lines, tables, footer)


def narrow(engine: eng.Engine) -> None:
    """Make ``events`` the rows the network and error sections read (``_report_rows.sql``),
    kept in a temporary table: those queries then give the same answers for a fraction of the
    cost. Run after the sections that need every row (summary, histograms)."""
    sql = catalogue.shared_sql("report_rows")
    engine.prepare("SELECT * FROM fd_opens")
    con = engine.con
    # fd_opens once (a scan of every row), both small tables from it.
    con.execute("CREATE OR REPLACE TEMP TABLE rn_report_opens AS SELECT trace, pid, fd, seq, name FROM fd_opens")
    con.execute("CREATE OR REPLACE TEMP TABLE rn_report_socket_fds AS SELECT DISTINCT trace, pid, fd "
                "FROM rn_report_opens WHERE name IN ('socket', 'accept', 'accept4')")
    sockets = con.execute("SELECT count(*) FROM rn_report_socket_fds").fetchall()[0][0]
    # The last event to end matters to dns only, so to traces with sockets (it costs a scan).
    last = (" UNION SELECT trace, arg_max(seq, ts_ns + coalesce(dur_ns, 0)) FROM events GROUP BY trace"
            if sockets else "")
    con.execute("CREATE OR REPLACE TEMP TABLE rn_report_seqs AS SELECT trace, seq FROM rn_report_opens" + last)
    con.execute("CREATE OR REPLACE TEMP TABLE rn_report_rows AS " + sql)
    con.execute("CREATE OR REPLACE VIEW events AS SELECT * FROM rn_report_rows")
