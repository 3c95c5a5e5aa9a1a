"""``renacer -q -w`` on a terminal: a one-line status, redrawn in place a few times a second,
erased at the end; never when stdout is not a terminal."""
from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pyarrow.parquet as pq
import pytest

from renacer.capture import status
from tests.conftest import RENACER
from tests.terminal import run_on_terminal

# ~400K syscalls: enough for several flushes of full batches.
BUSY = ["--", "dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=200000"]
LINE = re.compile(rb"recording \S+: [\d,]+ events, [\d,]+ events/s, [\d.]+ (?:B|KiB|MiB|GiB) written")


def test_quiet_recording_on_a_terminal_shows_a_status_line(tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    seen = run_on_terminal(RENACER + ["-q", "-w", str(trace)] + BUSY)
    assert seen.returncode == 0
    lines = LINE.findall(seen.terminal)
    assert lines, seen.terminal[-500:]
    assert seen.terminal.rstrip(b"\r\n").endswith(status.CLEAR.encode())  # erased at the end
    events = [int(m.split(b": ")[1].split(b" ")[0].replace(b",", b"")) for m in lines]
    assert events == sorted(events)
    assert events[-1] <= pq.read_metadata(trace).num_rows


def test_quiet_recording_with_stdout_not_a_terminal_shows_none(tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    seen = run_on_terminal(RENACER + ["-q", "-w", str(trace)] + BUSY, stdout_tty=False)
    assert seen.returncode == 0
    assert not LINE.search(seen.terminal) and b"recording" not in seen.terminal
    assert b"recording" not in seen.stdout
    assert pq.read_metadata(trace).num_rows > 200_000


def test_status_is_wanted_only_quiet_writing_and_on_terminals(monkeypatch: pytest.MonkeyPatch) -> None:
    tty = SimpleNamespace(isatty=lambda: True)
    pipe = SimpleNamespace(isatty=lambda: False)
    monkeypatch.setattr(sys, "stdout", tty)
    monkeypatch.setattr(sys, "stderr", tty)
    assert status.wanted(True, "t.parquet")
    assert not status.wanted(False, "t.parquet")  # live output instead
    assert not status.wanted(True, None)
    monkeypatch.setattr(sys, "stdout", pipe)
    assert not status.wanted(True, "t.parquet")


def test_redrawn_at_most_a_few_times_a_second(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clock = [100.0]
    monkeypatch.setattr(status.time, "monotonic", lambda: clock[0])
    (tmp_path / "t.parquet").write_bytes(b"x" * 2048)
    out = io.StringIO()
    line = status.StatusLine(str(tmp_path / "t.parquet"), out)
    batch = SimpleNamespace(num_rows=1000)
    for _ in range(40):  # 40 flushes in one second
        clock[0] += 0.025
        line.write(batch, None)
    assert out.getvalue().count("recording") == status.MAX_PER_SECOND
    assert [int(n.replace(",", "")) for n in re.findall(r": ([\d,]+) events,", out.getvalue())] == [
        1_000, 11_000, 21_000, 31_000]
    clock[0] += 1  # a quiet second, then one more flush: drawn, with the rate since the last line
    line.write(batch, None)
    # 10,000 events since the line drawn at 100.775 s, 1.225 s ago
    assert out.getvalue().endswith("41,000 events, 8,163 events/s, 2.0 KiB written")
    line.close({})
    assert out.getvalue().endswith(status.CLEAR)


def test_the_status_line_and_the_live_renderer_are_consumers(tmp_path: Path) -> None:
    # The session calls begin/write/close on every consumer, without asking what it has.
    from renacer.analyze.render import RenderOptions
    from renacer.analyze.render.live import live_renderer
    from renacer.capture.consumer import Consumer

    line = status.StatusLine(str(tmp_path / "t.parquet"), io.StringIO())
    assert isinstance(line, Consumer)
    assert isinstance(live_renderer(io.StringIO(), RenderOptions()), Consumer)
    line.begin({"start_wall_ns": 1})  # nothing to set up: no output, no error
    line.close({})
    assert line.events == 0 and not line.shown
