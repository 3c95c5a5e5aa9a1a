"""The report opened in a real browser: Debian's chromium, headless, driven by its chromedriver
through Selenium. No console error, the expected headings, one chart per busy syscall, the
connection rows of the real HTTP and refused recordings. A screenshot of each page is kept
in tests/artifacts/ (git-ignored) for a person to look at."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("jinja2", reason="the report needs the 'report' extra: pip install 'renacer[report]'")
pytest.importorskip("matplotlib", reason="the report needs the 'report' extra: pip install 'renacer[report]'")
webdriver = pytest.importorskip("selenium.webdriver", reason="pip install 'renacer[browser]' (selenium)")

from renacer.analyze import engine as eng  # noqa: E402
from renacer.analyze import report  # noqa: E402
from renacer.analyze.cli import app  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2] / "sample_traces"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run does)")


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--disable-background-networking", "--no-first-run"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def open_report(browser, tmp_path: Path, name: str, *traces: Path):
    from selenium.webdriver.common.by import By

    out = tmp_path / f"{name}.html"
    result = CliRunner().invoke(app, ["report", *map(str, traces), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    browser.get(out.as_uri())
    ARTIFACTS.mkdir(exist_ok=True)
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1400, min(max(height, 800), 12000))
    browser.save_screenshot(str(ARTIFACTS / f"report_{name}.png"))
    return By


def console_errors(browser) -> list[dict]:
    return [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]


def busy(path: Path) -> list[str]:
    engine = eng.load([str(path)])
    try:
        return report.busy_syscalls(engine.run("summary"))
    finally:
        engine.close()


def test_http_report_in_a_browser(browser, tmp_path: Path) -> None:
    trace = SAMPLES / "http_curl.parquet"
    By = open_report(browser, tmp_path, "http", trace)
    assert console_errors(browser) == []
    headings = [h.text for h in browser.find_elements(By.TAG_NAME, "h2")]
    assert headings == ["Recording", "Summary", "Latency histograms", "Connections",
                        "Refused connections", "DNS queries", "Errors"]
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.hist")
    assert [c.get_attribute("data-syscall") for c in charts] == busy(trace)
    for chart in charts:  # drawn: an SVG with a size, its title naming the syscall
        svg = chart.find_element(By.TAG_NAME, "svg")
        assert svg.size["width"] > 100 and svg.size["height"] > 50
        assert chart.get_attribute("data-syscall") in svg.text
    rows = browser.find_elements(By.CSS_SELECTOR, "table.connections tbody tr")
    cells = [[td.text for td in r.find_elements(By.TAG_NAME, "td")] for r in rows]
    tcp = [c for c in cells if "127.0.0.1:18080" in c]
    assert len(tcp) == 1 and "HTTP/1.1" in tcp[0] and "tcp" in tcp[0]
    assert browser.find_element(By.CSS_SELECTOR, "figure.timeline svg").size["height"] > 50


def test_refused_report_in_a_browser(browser, tmp_path: Path) -> None:
    trace = SAMPLES / "refused_curl.parquet"
    By = open_report(browser, tmp_path, "refused", trace)
    assert console_errors(browser) == []
    rows = browser.find_elements(By.CSS_SELECTOR, "table.connections tbody tr")
    cells = [[td.text for td in r.find_elements(By.TAG_NAME, "td")] for r in rows]
    refused = [c for c in cells if "127.0.0.1:18081" in c]
    assert len(refused) == 1 and "connect failed: ECONNREFUSED" in refused[0]
    targets = [r.find_element(By.TAG_NAME, "td").text
               for r in browser.find_elements(By.CSS_SELECTOR, "table.refused tbody tr")]
    assert targets == ["127.0.0.1:18081"]
    assert "ECONNREFUSED" in browser.find_element(By.CSS_SELECTOR, "figure.timeline svg").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure.hist")) == len(busy(trace))


def test_two_sided_report_in_a_browser(browser, tmp_path: Path) -> None:
    By = open_report(browser, tmp_path, "two_sides", SAMPLES / "http_curl.parquet", SAMPLES / "refused_curl.parquet")
    assert console_errors(browser) == []
    assert "Comparison" in [h.text for h in browser.find_elements(By.TAG_NAME, "h2")]
    sides = browser.find_elements(By.CSS_SELECTOR, "h3")
    assert any(s.text.startswith("base: ") for s in sides) and any(s.text.startswith("head: ") for s in sides)
    # Side by side: the two columns of a section start at the same height, base on the left.
    first = browser.find_elements(By.CSS_SELECTOR, "table.summary")
    assert len(first) == 2
    assert first[0].location["y"] == first[1].location["y"]
    assert first[0].location["x"] < first[1].location["x"]


def test_the_console_check_sees_errors(browser, tmp_path: Path) -> None:
    # The control for the checks above: a page with a failing script is caught.
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><script>console.error('boom'); undefinedCall();</script></body></html>")
    browser.get(page.as_uri())
    assert len(console_errors(browser)) >= 1
