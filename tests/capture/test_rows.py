"""capture/rows.py (the live path's plain-Python reader of raw batches) yields, column for column,
the values of batches.to_record_batch (the Arrow conversion the trace file gets), on the raw
batches of real recordings; and the live path imports neither numpy, pyarrow nor duckdb."""
from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

from renacer.capture._recorder import Recorder, rec_size
from renacer.capture.batches import to_record_batch
from renacer.capture.filter_expr import parse_trace_expr
from renacer.capture.rows import REC_SIZE, RowBatch
from renacer.capture.session import capture_table, resolve_command
from renacer.schema.syscalls_x86_64 import SYSCALLS
from renacer.schema.trace import TRACE_SCHEMA


class _Keep:
    """A sink that keeps every raw batch and pending snapshot the recorder flushes."""

    wants_pending = True

    def __init__(self, pending: bool) -> None:
        self.raw: list[Any] = []
        self.pending = pending

    def write(self, raw: Any, pending: Any) -> None:
        self.raw.extend(b for b in (raw, pending if self.pending else None) if b is not None)


def record_raw(command: list[str], expr: str | None = None, strsize: int = 64, pending: bool = True) -> list[Any]:
    """The raw batches of a recording, and its snapshots of calls in progress unless pending=False."""
    tf = parse_trace_expr(expr) if expr else None
    numbers = sorted(SYSCALLS) if tf is None else sorted(tf.numbers | tf.companions)
    sink = _Keep(pending)
    # Small flush interval: many batches, with calls still pending across them.
    recorder = Recorder(numbers, tf is None, capture_table(), strsize, sink, live=True, flush_seconds=0.001)
    recorder.start_clock()
    env = [k + b"=" + v for k, v in os.environb.items()]
    recorder.launch(os.fsencode(resolve_command(command)), [os.fsencode(a) for a in command], env, tf is not None)
    recorder.run()
    return sink.raw


@pytest.fixture(scope="module")
def http_port() -> Iterator[int]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()


@pytest.fixture(scope="module")
def udp_echo() -> Iterator[int]:
    echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    echo.bind(("127.0.0.1", 0))
    echo.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = echo.recvfrom(100)
            except TimeoutError:
                continue
            echo.sendto(data.upper(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield echo.getsockname()[1]
    stop.set()
    thread.join()
    echo.close()


def assert_same_columns(raws: list[Any]) -> int:
    rows = 0
    for raw in raws:
        arrow = to_record_batch(raw)
        light = RowBatch(raw)
        assert light.num_rows == arrow.num_rows
        for field in TRACE_SCHEMA:
            assert light[field.name] == arrow.column(field.name).to_pylist(), field.name
        rows += light.num_rows
    return rows


def test_the_record_layout_is_the_compiled_recorder_s() -> None:
    assert rec_size() == REC_SIZE


def test_rows_equal_arrow_on_dd() -> None:
    raws = record_raw(["dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=3000"])
    assert assert_same_columns(raws) > 6000


def test_rows_equal_arrow_on_curl_against_a_local_server(http_port: int) -> None:
    if subprocess.run(["which", "curl"], capture_output=True).returncode:
        pytest.skip("curl not installed")
    for expr in (None, "network"):
        raws = record_raw(["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{http_port}/"], expr)
        rows = [RowBatch(r) for r in raws]
        assert any(port == http_port for b in rows for port in b["port"])
        assert_same_columns(raws)


def test_rows_equal_arrow_on_threads_forks_signals_and_files(program) -> None:
    for name in ("threads", "forks", "signals", "fileops", "thread_exec"):
        assert assert_same_columns(record_raw([program(name)])) > 0, name


def test_rows_equal_arrow_on_sendmmsg_and_recvmmsg(program, udp_echo: int) -> None:
    raws = record_raw([program("mmsg"), str(udp_echo)])
    names = {n for r in raws for n in RowBatch(r)["name"]}
    assert {"sendmmsg", "recvmmsg"} <= names
    assert_same_columns(raws)


def test_rows_equal_arrow_on_undecodable_paths_errors_and_short_strsize(tmp_path: Path) -> None:
    code = ("import os\n"
            "for p in (b'/nonexistent/\\xff\\xfe', b'/etc/hostname'):\n"
            "    try: os.close(os.open(p, os.O_RDONLY))\n"
            "    except OSError: pass\n"
            "os.write(1, b'\\x00\\xff' * 40)\n"
            "for fd in (-1, -5):\n"
            "    try: os.read(fd, 1)\n"
            "    except OSError: pass\n")
    raws = record_raw([sys.executable, "-c", code], strsize=4)
    rows = [RowBatch(r) for r in raws]
    assert any(p is not None and "\\xff" in p for b in rows for p in b["path"])
    assert any(e == "ENOENT" for b in rows for e in b["errno"])
    assert any(fd == -5 for b in rows for fd in b["fd"])  # a negative descriptor, sign and all
    assert_same_columns(raws)


def test_the_live_path_imports_no_numpy_pyarrow_or_duckdb(tmp_path: Path) -> None:
    """renacer (live text, -c, json) without -w loads none of the heavy libraries."""
    probe = (
        "import sys, runpy\n"
        "from renacer.capture import cli\n"
        "code = cli.main(sys.argv[1:])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'pyarrow', 'duckdb', 'typer', 'rich'})\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy) + '\\n')\n"
    )
    for args in (["--", "true"], ["-c", "--", "true"], ["--format", "json", "--", "true"],
                 ["-c", "-e", "trace=network", "--", "true"]):
        res = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stderr
        assert res.stderr.rstrip().splitlines()[-1] == "HEAVY=", (args, res.stderr[-500:])


def test_the_live_text_path_skips_dataclasses_symbolize_and_fractions() -> None:
    """Live text (and -c with -e) loads neither dataclasses (with inspect, ~5 ms of start-up), the
    symbolizer (only --source needs it), fractions (only -c's interpolated percentiles) nor the
    socket module (~2 ms of enums; the decoders use _socket)."""
    probe = (
        "import sys\n"
        "from renacer.capture import cli\n"
        "code = cli.main(sys.argv[1:])\n"
        "extra = sorted(m for m in ('dataclasses', 'inspect', 'renacer.analyze.symbolize', 'fractions', 'socket') if m in sys.modules)\n"
        "sys.stderr.write('EXTRA=' + ','.join(extra) + '\\n')\n"
    )
    for args in (["-o", "/dev/null", "--", "true"], ["-e", "trace=network", "-o", "/dev/null", "--", "true"]):
        res = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stderr
        assert res.stderr.rstrip().splitlines()[-1] == "EXTRA=", (args, res.stderr[-500:])


def test_a_bare_command_name_is_found_as_shutil_which_finds_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The recorder's own PATH search (no shutil at start-up) agrees with shutil.which: the first
    executable file on PATH, skipping folders, non-executables and missing entries; "" is the
    current directory."""
    import shutil

    from renacer.capture.session import which

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "tool").write_text("#!/bin/sh\n")  # not executable
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "tool").mkdir()  # a folder
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "tool").write_text("#!/bin/sh\n")
    (tmp_path / "c" / "tool").chmod(0o755)
    monkeypatch.chdir(tmp_path / "c")
    for path in (f"{tmp_path}/missing:{tmp_path}/a:{tmp_path}/b:{tmp_path}/c", f"{tmp_path}/a", "", ":/bin",
                 f"{tmp_path}/a::/usr/bin", "/usr/bin:/bin"):
        monkeypatch.setenv("PATH", path)
        for prog in ("tool", "true", "no-such-command-here"):
            assert which(prog) == shutil.which(prog), (path, prog)
    assert which("tool") is None  # PATH=/usr/bin:/bin
    monkeypatch.setenv("PATH", f"{tmp_path}/a:{tmp_path}/c")
    assert which("tool") == f"{tmp_path}/c/tool"
