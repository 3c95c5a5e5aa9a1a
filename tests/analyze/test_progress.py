"""Progress bars are for people: drawn on a terminal, never when stdout is a pipe or a file,
never in json/csv output."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from renacer.analyze import output
from tests.terminal import run_on_terminal

SAMPLES = Path(__file__).resolve().parents[2] / "sample_traces"
ANALYZE = [sys.executable, "-m", "renacer.analyze.cli"]
BAR = "━".encode()  # rich's bar


def report(tmp_path: Path, **where: bool):
    pytest.importorskip("matplotlib", reason="the report needs the 'report' extra: pip install 'renacer[report]'")
    out = tmp_path / "r.html"
    seen = run_on_terminal(ANALYZE + ["report", str(SAMPLES / "http_curl.parquet"), "-o", str(out)], **where)
    assert seen.returncode == 0, seen
    assert out.read_text().startswith("<!DOCTYPE html>")
    return seen


def test_report_on_a_terminal_draws_a_progress_bar(tmp_path: Path) -> None:
    seen = report(tmp_path)
    assert BAR in seen.terminal and b"report" in seen.terminal


def test_report_with_stdout_not_a_terminal_draws_none(tmp_path: Path) -> None:
    seen = report(tmp_path, stdout_tty=False)  # stderr is still a terminal
    assert BAR not in seen.terminal and BAR not in seen.stdout
    assert b"\x1b[" not in seen.terminal  # no cursor movement either
    assert seen.stdout.decode().startswith("Wrote ")


@pytest.fixture(scope="module")
def many_traces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough traces for a query over them to get a bar (cli.PROGRESS_MIN_TRACES)."""
    import shutil

    from renacer.analyze.cli import PROGRESS_MIN_TRACES

    folder = tmp_path_factory.mktemp("many")
    for i in range(PROGRESS_MIN_TRACES):
        shutil.copy(SAMPLES / "http_curl.parquet", folder / f"run{i:03d}.parquet")
    return folder


def test_a_query_over_many_traces_on_a_terminal_draws_a_progress_bar(many_traces: Path) -> None:
    seen = run_on_terminal(ANALYZE + ["connections", str(many_traces)])
    assert seen.returncode == 0
    assert BAR in seen.terminal and b"connections: 50 trace(s)" in seen.terminal
    assert b"pid" in seen.terminal  # and then the table (squeezed to the terminal's width)


def test_a_query_over_many_traces_draws_none_off_a_terminal_or_in_json(many_traces: Path) -> None:
    seen = run_on_terminal(ANALYZE + ["connections", str(many_traces)], stdout_tty=False)
    assert seen.returncode == 0
    assert BAR not in seen.terminal + seen.stdout and b"trace(s)" not in seen.terminal + seen.stdout
    assert b"127.0.0.1:18080" in seen.stdout
    seen = run_on_terminal(ANALYZE + ["connections", str(many_traces), "--format", "json"])
    assert seen.returncode == 0
    assert BAR not in seen.terminal and b"trace(s)" not in seen.terminal
    assert seen.terminal.lstrip().startswith(b"[")


def test_progress_is_wanted_only_for_people(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    for out_tty, err_tty, fmt, wanted in [(True, True, "table", True), (True, True, "text", True),
                                          (True, True, "json", False), (True, True, "csv", False),
                                          (True, True, "markdown", False), (False, True, "table", False),
                                          (True, False, "table", False)]:
        monkeypatch.setattr(sys, "stdout", Tty(out_tty))
        monkeypatch.setattr(sys, "stderr", Tty(err_tty))
        assert output.interactive(fmt) is wanted, (out_tty, err_tty, fmt)


def test_disabled_progress_helpers_do_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with output.progress("x", False) as on_progress:
        assert on_progress is None
    with output.steps("x", 3, False) as advance:
        advance("next")
    with output.spinner("x", False):
        pass
    assert list(output.counted(iter(range(5)), 5, None)) == [0, 1, 2, 3, 4]
    assert capsys.readouterr() == ("", "")


def test_counted_reports_percentages_and_passes_items_through() -> None:
    seen: list[float] = []
    assert list(output.counted(iter(range(10)), 10, seen.append, every=4)) == list(range(10))
    assert seen == [40.0, 80.0, 100.0]
