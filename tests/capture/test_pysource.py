"""--source on Python programs: the recorded line is the user's Python line, read from the
interpreter's frames while the thread is stopped (capture/pyframes.py).

The programs under tests/programs/python/ mark the expected call with an ``# EXPECT tag`` comment.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from renacer.capture.pyframes import line_at
from tests.conftest import read_trace, run_renacer, trace_metadata

PROGRAMS = Path(__file__).parent.parent / "programs" / "python"
REPO = Path(__file__).parent.parent.parent


def marker(name: str, tag: str = "") -> int:
    for no, line in enumerate((PROGRAMS / name).read_text().splitlines(), 1):
        if line.rstrip().endswith(f"# EXPECT {tag}".rstrip()):
            return no
    raise AssertionError(f"no marker {tag!r} in {name}")


def refused_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# Interpreters with a schema/pyoffsets table: the one running the tests (pyenv 3.11, libpython),
# Debian's (3.11, a static PIE binary), pyenv 3.12 and 3.13 (offsets from its _Py_DebugOffsets)
# where installed.
PY313 = "/root/.pyenv/versions/3.13.0/bin/python3.13"
INTERPRETERS = [sys.executable] + [p for p in ("/usr/bin/python3.11",
                                               "/root/.pyenv/versions/3.12.1/bin/python3.12", PY313)
                                   if Path(p).exists()]
UNKNOWN = "/root/.pyenv/versions/3.10.13/bin/python3.10"


@pytest.fixture(params=INTERPRETERS)
def python(request) -> str:
    return request.param


def record(tmp_path: Path, name: str, python: str = sys.executable) -> list[dict]:
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "--source", "-f", "-w", str(trace), "-e", "trace=connect", "--",
                       python, str(PROGRAMS / name), str(refused_port())])
    assert res.returncode == 0, res.stderr
    return [r for r in read_trace(trace) if r["kind"] == "syscall" and r["name"] == "connect"]


def where(row: dict) -> tuple[str, int, str]:
    return (Path(row["src_file"]).name, row["src_line"], row["src_func"])


def test_blocking_client_reports_the_users_line_not_socket_py(tmp_path: Path, python: str) -> None:
    rows = [r for r in record(tmp_path, "blocking_client.py", python) if r["errno"] == "ECONNREFUSED"]
    assert [where(r) for r in rows] == [("blocking_client.py", marker("blocking_client.py"),
                                         "connect_to_server")]


def test_each_thread_reports_its_own_line(tmp_path: Path, python: str) -> None:
    rows = record(tmp_path, "threaded_client.py", python)
    assert len({r["tid"] for r in rows}) == 2
    assert [where(r) for r in rows] == [
        ("threaded_client.py", marker("threaded_client.py", "first"), "first"),
        ("threaded_client.py", marker("threaded_client.py", "second"), "second")]


def test_forked_python_child_reports_its_own_line(tmp_path: Path, python: str) -> None:
    rows = record(tmp_path, "forking_client.py", python)
    assert len({r["pid"] for r in rows}) == 2
    assert sorted(where(r) for r in rows) == sorted([
        ("forking_client.py", marker("forking_client.py", "attempt"), "attempt"),
        ("forking_client.py", marker("forking_client.py", "child"), "child_work")])


def _sample() -> int:
    total = 0
    for i in range(3):
        total += (i *
                  2)
    try:
        raise ValueError("x")
    except ValueError:
        total -= 1
    return total


@pytest.mark.parametrize("code", [_sample.__code__, line_at.__code__, marker.__code__])
def test_location_table_decoder_matches_co_positions(code) -> None:
    for index, (line, *_rest) in enumerate(code.co_positions()):
        assert line_at(code.co_linetable, code.co_firstlineno, index) == line, index


def test_generated_offsets_table_matches_the_headers() -> None:
    import sysconfig

    from renacer.schema import gen_pyoffsets, pyoffsets_311

    include = sysconfig.get_paths()["include"]
    if sys.version_info[:2] != (3, 11) or not Path(include, "internal", "pycore_frame.h").exists():
        pytest.skip("needs CPython 3.11 internal headers")
    assert gen_pyoffsets.offsets(include) == pyoffsets_311.OFFSETS


@pytest.mark.parametrize("name,func", [("asyncio_client.py", "fetch"), ("urllib_client.py", "get")])
def test_library_clients_report_the_users_line(name: str, func: str, tmp_path: Path, python: str) -> None:
    # asyncio: the coroutine awaiting the connection; urllib: the user's urlopen, not http/client.py
    rows = record(tmp_path, name, python)
    assert rows and {where(r) for r in rows} == {(name, marker(name), func)}


def test_metadata_has_a_python_section(tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    run_renacer(["-q", "--source", "-w", str(trace), "-e", "trace=connect", "--",
                 sys.executable, str(PROGRAMS / "blocking_client.py"), str(refused_port())])
    assert trace_metadata(trace)["source"]["python"] == {}  # a known interpreter: nothing to say


@pytest.mark.skipif(not Path(UNKNOWN).exists(), reason="needs a CPython without an offsets table")
def test_unknown_interpreter_version_gives_native_frames_and_says_why(tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    run_renacer(["-q", "--source", "-w", str(trace), "-e", "trace=connect", "--",
                 UNKNOWN, str(PROGRAMS / "blocking_client.py"), str(refused_port())])
    (row,) = [r for r in read_trace(trace) if r["name"] == "connect"]
    assert not (row["src_file"] or "").endswith(".py")  # a native frame, never a guessed Python line
    (note,) = trace_metadata(trace)["source"]["python"].values()
    assert "CPython 3.10 is not known" in note


def test_generated_312_table_matches_its_headers() -> None:
    include = "/root/.pyenv/versions/3.12.1/include/python3.12"
    if not Path(include, "internal", "pycore_frame.h").exists():
        pytest.skip("needs CPython 3.12 internal headers")
    from renacer.schema import gen_pyoffsets, pyoffsets_312

    assert gen_pyoffsets.offsets(include) == pyoffsets_312.OFFSETS


def test_replay_and_analyzer_use_the_python_line_offline(tmp_path: Path) -> None:
    import json
    import subprocess

    trace = tmp_path / "t.parquet"
    live = run_renacer(["--source", "-f", "-w", str(trace), "-e", "trace=connect", "--",
                        sys.executable, str(PROGRAMS / "threaded_client.py"), str(refused_port())])
    analyze = [sys.executable, "-m", "renacer.analyze.cli"]
    replay = subprocess.run(analyze + ["replay", str(trace)], capture_output=True, text=True)
    assert replay.stderr == live.stderr  # no interpreter needed: the recorded lines replay
    for command in ("errors",):
        res = subprocess.run(analyze + [command, "--format", "json", str(trace)], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        sources = {r["source"] for r in json.loads(res.stdout)}
        for tag in ("first", "second"):
            assert any(f"threaded_client.py:{marker('threaded_client.py', tag)} in {tag}" in (s or "")
                       for s in sources), (command, sources)


def test_recording_every_call_still_finds_the_interpreter_mapped_after_the_first_calls(tmp_path: Path) -> None:
    # the loader's first calls come before libpython is mapped: the look-up is redone on new code
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "--source", "-w", str(trace), "--", sys.executable,
                       str(PROGRAMS / "blocking_client.py"), str(refused_port())])
    assert res.returncode == 0, res.stderr
    (row,) = [r for r in read_trace(trace) if r["name"] == "connect"]
    assert where(row) == ("blocking_client.py", marker("blocking_client.py"), "connect_to_server")


@pytest.mark.parametrize("path", [p for p in (
    "/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0", "/usr/bin/python3.11",
    "/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0") if Path(p).exists()])
def test_gnu_hash_lookup_finds_pyruntime_where_pyelftools_does(path: str) -> None:
    from elftools.elf.elffile import ELFFile

    from renacer.capture.pyframes import _gnu_hash_lookup

    with open(path, "rb") as fh:
        (sym,) = ELFFile(fh).get_section_by_name(".dynsym").get_symbol_by_name("_PyRuntime")
    low, addr, _ = _gnu_hash_lookup(path, b"_PyRuntime")
    assert addr == sym["st_value"]
    assert _gnu_hash_lookup(path, b"no_such_symbol_here")[1] is None


# Runs the recorder with each PyFrames reporting its per-image caches when the trace is written.
HELD = """
import json, sys
import renacer.capture.pyframes as pf
REPORT = sys.argv.pop(1)
made = []
init, meta = pf.PyFrames.__init__, pf.PyFrames.metadata
def __init__(self, *a, **k):
    init(self, *a, **k)
    made.append(self)
def metadata(self):
    out = meta(self)
    with open(REPORT, "w") as f:
        json.dump({"held": self.cached(), "learnt": self.learnt}, f)
    return out
pf.PyFrames.__init__, pf.PyFrames.metadata = __init__, metadata
from renacer.capture.cli import main
sys.argv[0] = "renacer"
main()
"""


def test_per_process_caches_are_released_when_processes_exit(tmp_path: Path) -> None:
    trace, report = tmp_path / "t.parquet", tmp_path / "held.json"
    res = subprocess.run([sys.executable, "-c", HELD, str(report), "-q", "--source", "-f", "-w", str(trace),
                          "-e", "trace=connect", "--", sys.executable, str(PROGRAMS / "many_children.py"),
                          str(refused_port()), "6"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    rows = [r for r in read_trace(trace) if r["name"] == "connect"]
    assert len({r["pid"] for r in rows}) == 6
    assert {where(r) for r in rows} == {("many_children.py", marker("many_children.py", "child"), "child_work")}
    held = json.loads(report.read_text())
    assert held["learnt"] >= 6  # each child's code objects were learnt under its own image ...
    assert held["held"] == {"codes": 0, "images": 0, "lines": 0}  # ... and forgotten once it exited


def test_symbolize_and_debug_dir_keep_the_recorded_python_lines(tmp_path: Path) -> None:
    trace, out = tmp_path / "t.parquet", tmp_path / "s.parquet"
    live = run_renacer(["--source", "-f", "-w", str(trace), "-e", "trace=connect", "--",
                        sys.executable, str(PROGRAMS / "threaded_client.py"), str(refused_port())])
    assert live.returncode == 0, live.stderr
    analyze = [sys.executable, "-m", "renacer.analyze.cli"]
    res = subprocess.run(analyze + ["symbolize", str(trace), "-o", str(out), "--debug-dir", str(tmp_path)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    before = [where(r) for r in read_trace(trace) if r["name"] == "connect"]
    after = [where(r) for r in read_trace(out) if r["name"] == "connect"]
    assert after == before and {f for f, _, _ in after} == {"threaded_client.py"}
    replay = subprocess.run(analyze + ["replay", "--debug-dir", str(tmp_path), str(trace)],
                            capture_output=True, text=True)
    assert replay.stderr == live.stderr  # live == replay, with the binaries looked up again


def test_full_python_stack_is_in_the_callchain_innermost_first(tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "--source", "-w", str(trace), "-e", "trace=connect", "--",
                       sys.executable, str(PROGRAMS / "urllib_client.py"), str(refused_port())])
    assert res.returncode == 0, res.stderr
    from renacer.analyze.symbolize import python_stack

    table = trace_metadata(trace)["source"]["python_frames"]
    (row, *_) = [r for r in read_trace(trace) if r["name"] == "connect"]
    stack = python_stack(row["callchain"], table)
    assert len(stack) == len(row["callchain"]) > 3  # every entry a Python frame
    assert stack[0][0].endswith("/socket.py")  # innermost: the standard library's connect ...
    assert (Path(stack[-1][0]).name, stack[-1][2]) == ("urllib_client.py", "<module>")  # ... outermost
    chosen = next(f for f in stack if f[0].endswith("urllib_client.py"))
    assert (Path(chosen[0]).name, chosen[1], chosen[2]) == where(row)


def test_an_older_trace_keeps_its_python_lines_when_symbolized_again(tmp_path: Path) -> None:
    # recorded before the Python stack joined the callchain: only src_* held the Python line
    import pyarrow as pa

    from renacer.analyze.symbolize import PY_TAG
    from renacer.capture.sinks import write_whole_trace

    trace, old, out = tmp_path / "t.parquet", tmp_path / "old.parquet", tmp_path / "s.parquet"
    run_renacer(["-q", "--source", "-w", str(trace), "-e", "trace=connect", "--",
                 sys.executable, str(PROGRAMS / "blocking_client.py"), str(refused_port())])
    table = pq.read_table(trace)
    chains = [[v for v in c if v < PY_TAG] or [1] if c is not None else None
              for c in table.column("callchain").to_pylist()]
    table = table.set_column(table.schema.get_field_index("callchain"), "callchain",
                             pa.array(chains, type=pa.list_(pa.uint64())))
    meta = trace_metadata(trace)
    del meta["source"]["python_frames"]
    write_whole_trace(table, meta, str(old), "trace")
    res = subprocess.run([sys.executable, "-m", "renacer.analyze.cli", "symbolize", str(old), "-o", str(out)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    (row,) = [r for r in read_trace(out) if r["name"] == "connect"]
    assert where(row) == ("blocking_client.py", marker("blocking_client.py"), "connect_to_server")


def test_generated_313_table_matches_its_headers() -> None:
    include = "/root/.pyenv/versions/3.13.0/include/python3.13"
    if not Path(include, "internal", "pycore_runtime.h").exists():
        pytest.skip("needs CPython 3.13 internal headers")
    from renacer.schema import gen_pyoffsets, pyoffsets_313

    assert gen_pyoffsets.generate(include, "3.13") == Path(pyoffsets_313.__file__).read_text()


@pytest.mark.skipif(not Path(PY313).exists(), reason="needs CPython 3.13")
def test_313_offsets_come_from_the_interpreters_debug_offsets(tmp_path: Path) -> None:
    # the values read from the tracee's _Py_DebugOffsets are the running interpreter's own layout
    from renacer.capture.pyframes import PyFrames

    proc = subprocess.Popen([PY313, "-c", "import sys, time; print('up', flush=True); time.sleep(60)"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "up\n"
        found = PyFrames()._find_runtime(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    assert found is not None
    table = found[1]
    assert table["tstate_cframe"] == -1 and table["frame_owner_cstack"] == 3
    # PyCodeObject's co_firstlineno lies past PyObject_VAR_HEAD; PyBytes' ob_sval after ob_size
    assert table["code_firstlineno"] > 24 and table["bytes_sval"] == 32 and table["bytes_size"] == 16
