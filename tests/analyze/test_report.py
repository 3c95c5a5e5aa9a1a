"""renacer-analyze report: what the page holds, that it stands alone, and how it is written.

(The page opened in a real browser: test_report_browser.py.)
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("jinja2", reason="the report needs the 'report' extra: pip install 'renacer[report]'")
pytest.importorskip("matplotlib", reason="the report needs the 'report' extra: pip install 'renacer[report]'")

from renacer.analyze import engine as eng  # noqa: E402
from renacer.analyze import report  # noqa: E402
from renacer.analyze.cli import app  # noqa: E402
from tests.analyze import scenarios  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2] / "sample_traces"
HEADINGS = ["Recording", "Summary", "Latency histograms", "Connections", "Refused connections",
            "DNS queries", "Errors"]
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


NARROWED = ("timeline", "connections", "refused", "dns", "errors")


def same_answers(specs: list[str]) -> None:
    full, narrowed = eng.load(specs), eng.load(specs)
    try:
        report.narrow(narrowed)
        assert narrowed.execute("SELECT count(*) FROM events").rows[0][0] < sum(t.rows for t in full.traces)
        for query in NARROWED:
            expected, got = full.run(query), narrowed.run(query)
            assert got.columns == expected.columns
            assert got.rows == expected.rows, f"{query} on {specs}"
    finally:
        full.close()
        narrowed.close()


@pytest.mark.parametrize("scenario", ["refusals", "dns_fallback", "failures", "protocols", "processes"])
def test_the_narrowed_rows_give_the_same_answers_as_every_row(scenario: str, tmp_path: Path) -> None:
    same_answers([str(getattr(scenarios, scenario)()[0].save(tmp_path / f"{scenario}.parquet"))])


def test_the_narrowed_rows_give_the_same_answers_on_every_sample_trace() -> None:
    # All at once: several traces in one engine, the recordings of real programs.
    same_answers([str(SAMPLES)])


@pytest.fixture(scope="module")
def http_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "http.html"
    result = invoke("report", SAMPLES / "http_curl.parquet", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600  # it quotes payloads
    return out.read_text()


def test_page_has_every_section(http_page: str) -> None:
    for heading in HEADINGS:
        assert f">{heading}</h2>" in http_page


def test_page_has_one_histogram_per_busy_syscall(http_page: str) -> None:
    engine = eng.load([str(SAMPLES / "http_curl.parquet")])
    try:
        busy = report.busy_syscalls(engine.run("summary"))
    finally:
        engine.close()
    assert 2 <= len(busy) <= report.BUSY_MAX
    charts = re.findall(r'<figure class="hist" data-syscall="([^"]+)"><svg', http_page)
    assert charts == busy


def test_page_stands_alone(http_page: str) -> None:
    assert "<script" not in http_page.lower()
    assert not re.search(r'(?:src|href)\s*=\s*"(?!#)', http_page), "no reference outside the page"
    assert not re.search(r"url\((?!#)", http_page) and "@import" not in http_page
    assert http_page.count("<svg") >= 3


def test_page_lists_the_connection_and_its_timeline(http_page: str) -> None:
    assert '<table class="connections">' in http_page
    assert "127.0.0.1:18080" in http_page and "HTTP/1.1" in http_page
    assert '<figure class="timeline"><svg' in http_page


def test_refused_page_marks_the_refusal_and_its_cause(tmp_path: Path) -> None:
    out = tmp_path / "refused.html"
    assert invoke("report", SAMPLES / "refused_curl.parquet", "-o", out).exit_code == 0
    page = out.read_text()
    refused = page[page.index('<table class="refused">'):]
    assert "127.0.0.1:18081" in refused[: refused.index("</table>")]
    assert "connect failed: ECONNREFUSED" in page
    assert "nothing is listening at 127.0.0.1:18081" in page
    assert "127.0.0.1:18081 (ECONNREFUSED)" in page  # the timeline's label for the failed socket


def test_dns_page_shows_queries_with_their_latency(tmp_path: Path) -> None:
    out = tmp_path / "dns.html"
    assert invoke("report", SAMPLES / "dns_fallback.parquet", "-o", out).exit_code == 0
    dns = out.read_text().split('<table class="dns">')[1].split("</table>")[0]
    assert "example.test" in dns and "timeout" in dns and "latency_ns" in dns


def test_two_sides_side_by_side_with_a_comparison(tmp_path: Path) -> None:
    out = tmp_path / "diff.html"
    cold, warm = SAMPLES / "cache/run=cold", SAMPLES / "cache/run=warm"
    result = invoke("report", cold, warm, "-o", out)
    assert result.exit_code == 0, result.stderr
    page = out.read_text()
    assert f"<h3>base: {cold}</h3>" in page and f"<h3>head: {warm}</h3>" in page
    comparison = page.split('<table class="comparison">')[1].split("</table>")[0]
    poll = next(row for row in comparison.split("<tr>") if "<td>poll</td>" in row)
    cells = re.findall(r"<td>([^<]*)</td>", poll)
    # calls base, head, ratio; p99 base, head, ratio; total base, head, ratio
    assert float(cells[9]) < 0.01  # warm polls wait µs where cold waited ~300 ms
    for heading in HEADINGS:
        assert f">{heading}</h2>" in page
    # the diff's verdicts (renacer-analyze diff) head the comparison
    assert page.index('id="verdicts"') < page.index('id="comparison"')
    assert "<strong>changed: 2 syscall(s) with other counts (poll, rt_sigaction)</strong>" in page
    assert "<h3>runs (per run: counts are means, times medians)</h3>" in page
    assert re.search(r"<td>time in syscalls</td><td>[^<]+</td><td>[^<]+</td><td>\d+× faster</td>", page)


def test_more_than_two_sides_is_bad_input(tmp_path: Path) -> None:
    t = SAMPLES / "http_curl.parquet"
    result = invoke("report", t, t, t, "-o", tmp_path / "x.html")
    assert result.exit_code == 2
    assert "one side or two" in result.stderr
    assert not (tmp_path / "x.html").exists()


def test_missing_trace_and_unwritable_output_are_bad_input(tmp_path: Path) -> None:
    result = invoke("report", tmp_path / "nope.parquet", "-o", tmp_path / "x.html")
    assert result.exit_code == 2 and result.stderr.startswith("Error: ")
    result = invoke("report", SAMPLES / "http_curl.parquet", "-o", tmp_path / "no" / "dir" / "x.html")
    assert result.exit_code == 2 and result.stderr.startswith("Error: cannot write")
    assert not list(tmp_path.glob("**/.report-*"))


def test_a_link_or_device_as_the_page_is_refused_and_left_alone(tmp_path: Path) -> None:
    import os
    import stat

    target = tmp_path / "victim.txt"
    target.write_text("precious")
    (tmp_path / "link.html").symlink_to(target)
    result = invoke("report", SAMPLES / "http_curl.parquet", "-o", tmp_path / "link.html")
    assert result.exit_code == 2 and "symbolic link" in result.stderr
    assert target.read_text() == "precious" and (tmp_path / "link.html").is_symlink()
    if os.geteuid() == 0:
        dev = tmp_path / "null"
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        result = invoke("report", SAMPLES / "http_curl.parquet", "-o", dev)
        assert result.exit_code == 2 and "character device" in result.stderr
        assert stat.S_ISCHR(os.lstat(dev).st_mode)


def test_an_existing_page_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    out.write_text("old")
    assert invoke("report", SAMPLES / "http_curl.parquet", "-o", out).exit_code == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_without_the_report_extra_it_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "jinja2", None)  # import jinja2 now raises ImportError
    monkeypatch.delitem(sys.modules, "renacer.analyze.report")
    monkeypatch.delattr(sys.modules["renacer.analyze"], "report")
    result = invoke("report", SAMPLES / "http_curl.parquet", "-o", tmp_path / "x.html")
    assert result.exit_code == 2
    assert "pip install 'renacer[report]'" in result.stderr and "jinja2" in result.stderr
    assert not (tmp_path / "x.html").exists()
