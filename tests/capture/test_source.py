"""--source: each recorded call carries the line of the program's own code that made it.

The programs under tests/programs/source/ mark each call with a ``SRC: tag`` comment; the tests
compare the recorded src_line with the marker's line, for C built with and without frame
pointers, PIE and not, threaded, through the program's own shared library, across fork/exec, and
for Rust in debug and release-with-debug-info builds.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import read_trace, run_renacer, trace_metadata

SOURCES = Path(__file__).parent.parent / "programs" / "source"
ANALYZE = [sys.executable, "-m", "renacer.analyze.cli"]


def marker(name: str, tag: str) -> int:
    for no, line in enumerate((SOURCES / name).read_text().splitlines(), 1):
        if f"SRC: {tag} " in line + " ":
            return no
    raise AssertionError(f"no marker {tag!r} in {name}")


def refused_port() -> int:
    """A 127.0.0.1 port nobody listens on (bound, never listened: connect is refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def build(tmp: Path, name: str, *flags: str, out: str | None = None) -> str:
    exe = tmp / (out or Path(name).stem)
    subprocess.run(["gcc", "-g", "-O2", *flags, "-o", str(exe), str(SOURCES / name)], check=True)
    return str(exe)


def calls(rows: list[dict], name: str) -> list[dict]:
    return [r for r in rows if r["kind"] == "syscall" and r["name"] == name]


VARIANTS = {
    "fp-pie": ["-fno-omit-frame-pointer", "-fPIE", "-pie"],
    "nofp-pie": ["-fomit-frame-pointer", "-fPIE", "-pie"],
    "fp-nopie": ["-fno-omit-frame-pointer", "-fno-pie", "-no-pie"],
    "nofp-nopie": ["-fomit-frame-pointer", "-fno-pie", "-no-pie"],
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_c_calls_report_the_line_of_the_call_in_the_source(variant: str, tmp_path: Path) -> None:
    exe = build(tmp_path, "client.c", *VARIANTS[variant])
    trace = tmp_path / "t.parquet"
    res = run_renacer(["--source", "-w", str(trace), "-e", "trace=network,close", "--", exe,
                       str(refused_port())])
    assert res.returncode == 3, res.stderr
    rows = read_trace(trace)
    # the loader's closes (before main) have no location in the program: only one row each
    for name, tag in (("socket", "socket"), ("connect", "connect"), ("close", "close")):
        (row,) = [r for r in calls(rows, name) if r["src_func"] is not None]
        assert (row["src_file"].endswith("client.c"), row["src_line"], row["src_func"]) == \
            (True, marker("client.c", tag), "connect_to_server"), row
        assert len(row["callchain"]) >= 3  # libc, connect_to_server, main (at least)
    (connect,) = calls(rows, "connect")
    assert connect["errno"] == "ECONNREFUSED"
    # the guide's text: the location after the return value
    line = next(ln for ln in res.stderr.splitlines() if ln.startswith("connect("))
    assert line.endswith(f"= -ECONNREFUSED   [{connect['src_file']}:{marker('client.c', 'connect')} in connect_to_server]")


def test_metadata_holds_mappings_and_build_ids_but_no_stack_bytes(tmp_path: Path) -> None:
    exe = build(tmp_path, "client.c", "-fomit-frame-pointer")
    trace = tmp_path / "t.parquet"
    run_renacer(["-q", "--source", "-w", str(trace), "-e", "trace=connect", "--", exe, str(refused_port())])
    meta = trace_metadata(trace)["source"]
    (pid,) = {r["pid"] for r in read_trace(trace) if r["kind"] == "syscall"}
    paths = {m[3] for _, maps in meta["images"][str(pid)] for m in maps}
    assert exe in paths and any("libc.so" in p for p in paths)
    build_id = subprocess.run(["readelf", "-n", exe], capture_output=True, text=True).stdout
    assert meta["objects"][exe] and meta["objects"][exe] in build_id
    # the stack window is never written: the trace is small
    assert os.path.getsize(trace) < 64 * 1024


def test_threads_each_report_their_own_line(tmp_path: Path) -> None:
    exe = build(tmp_path, "threads.c", "-pthread")
    trace = tmp_path / "t.parquet"
    assert run_renacer(["-q", "--source", "-w", str(trace), "-e", "trace=write,clone,clone3", "--", exe]).returncode == 0
    # glibc's clone3 has no CFI at its syscall: the walk still reaches pthread_create's caller
    clones = calls(read_trace(trace), "clone3") or calls(read_trace(trace), "clone")
    assert {(r["src_func"], r["src_line"]) for r in clones} == {("main", marker("threads.c", "create"))}
    rows = calls(read_trace(trace), "write")
    assert len(rows) == 5 and len({r["tid"] for r in rows}) == 5
    got = sorted((r["src_func"], r["src_line"]) for r in rows)
    assert got == sorted([("worker", marker("threads.c", "thread-write"))] * 4
                         + [("main", marker("threads.c", "main-write"))])


def test_call_made_inside_the_programs_own_shared_library(tmp_path: Path) -> None:
    lib = tmp_path / "libsrclib.so"
    subprocess.run(["gcc", "-g", "-O2", "-fomit-frame-pointer", "-shared", "-fPIC", "-o", str(lib),
                    str(SOURCES / "srclib.c")], check=True)
    exe = tmp_path / "uselib"
    subprocess.run(["gcc", "-g", "-O2", "-o", str(exe), str(SOURCES / "uselib.c"), f"-L{tmp_path}",
                    "-lsrclib", f"-Wl,-rpath,{tmp_path}"], check=True)
    trace = tmp_path / "t.parquet"
    assert run_renacer(["-q", "--source", "-w", str(trace), "-e", "trace=openat,close", "--", str(exe)]).returncode == 0
    rows = read_trace(trace)
    opened = [r for r in calls(rows, "openat") if r["path"] == "/dev/null"]
    assert [(r["src_file"].endswith("srclib.c"), r["src_line"], r["src_func"]) for r in opened] == \
        [(True, marker("srclib.c", "lib-open"), "lib_open")]
    closes = [r for r in calls(rows, "close") if r["src_func"] == "main"]
    assert [r["src_line"] for r in closes] == [marker("uselib.c", "main-close")]
    # the loader's own opens (before main) are not the program's: no location
    assert all(r["src_line"] is None for r in calls(rows, "openat") if r["path"] != "/dev/null")


def test_fork_and_exec_both_sides_are_located(tmp_path: Path) -> None:
    exe = build(tmp_path, "forkexec.c", "-fomit-frame-pointer")
    trace = tmp_path / "t.parquet"
    assert run_renacer(["-q", "--source", "-w", str(trace), "-e", "trace=openat", "--", exe]).returncode == 0
    rows = [r for r in calls(read_trace(trace), "openat") if r["path"] == "/dev/null"]
    assert len({r["pid"] for r in rows}) == 2
    assert [(r["src_func"], r["src_line"]) for r in rows] == [("open_as", marker("forkexec.c", "open"))] * 2


def test_attached_process_is_located(tmp_path: Path) -> None:
    exe = build(tmp_path, "ticker.c", "-fomit-frame-pointer")
    proc = subprocess.Popen([exe])
    trace = tmp_path / "t.parquet"
    try:
        rec = subprocess.Popen([sys.executable, "-m", "renacer.capture.cli", "-q", "--source", "-w",
                                str(trace), "-p", str(proc.pid)], stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not os.path.exists(str(trace) + ".journal") and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # let it record a few ticks
        rec.send_signal(2)
        assert rec.wait(timeout=60) == 0, rec.stderr.read()
    finally:
        proc.kill()
        proc.wait()
    rows = calls(read_trace(trace), "getppid")
    assert rows and {(r["src_func"], r["src_line"]) for r in rows} == {("tick", marker("ticker.c", "tick"))}


def test_stripped_binary_falls_back_to_symbols_then_to_addresses(tmp_path: Path) -> None:
    exe = build(tmp_path, "client.c", "-fomit-frame-pointer", "-rdynamic")
    subprocess.run(["strip", "--strip-debug", exe], check=True)  # symbols stay, DWARF goes
    trace = tmp_path / "t.parquet"
    res = run_renacer(["--source", "-w", str(trace), "-e", "trace=connect", "--", exe, str(refused_port())])
    (row,) = calls(read_trace(trace), "connect")
    assert (row["src_file"], row["src_line"], row["src_func"]) == ("client", None, "connect_to_server")
    assert "[client in connect_to_server]" in res.stderr

    bare = build(tmp_path, "client.c", "-fomit-frame-pointer", out="bare")
    subprocess.run(["strip", "--strip-all", bare], check=True)  # no symbols at all
    trace2 = tmp_path / "t2.parquet"
    res = run_renacer(["--source", "-w", str(trace2), "-e", "trace=connect", "--", bare, str(refused_port())])
    assert res.returncode == 3, res.stderr
    (row,) = calls(read_trace(trace2), "connect")
    assert row["src_line"] is None and row["src_func"] is None
    assert row["src_file"].startswith("bare+0x")
    offset = int(row["src_file"].split("+")[1], 16)
    # the offset is a return address inside connect_to_server of the unstripped twin
    twin = build(tmp_path, "client.c", "-fomit-frame-pointer", out="twin")
    nm = subprocess.run(["nm", "-S", twin], capture_output=True, text=True, check=True).stdout
    start, size = next((int(a, 16), int(b, 16)) for a, b, _, n in (ln.split() for ln in nm.splitlines() if len(ln.split()) == 4)
                       if n == "connect_to_server")
    assert start < offset <= start + size
    assert f"[{row['src_file']}]" in res.stderr


def test_separate_debug_file_found_by_build_id(tmp_path: Path) -> None:
    exe = build(tmp_path, "client.c", "-fomit-frame-pointer")
    notes = subprocess.run(["readelf", "-n", exe], capture_output=True, text=True, check=True).stdout
    build_id = notes.split("Build ID:")[1].split()[0]
    debug_dir = tmp_path / "debug"
    target = debug_dir / ".build-id" / build_id[:2] / (build_id[2:] + ".debug")
    target.parent.mkdir(parents=True)
    subprocess.run(["objcopy", "--only-keep-debug", exe, str(target)], check=True)
    subprocess.run(["strip", "--strip-debug", exe], check=True)
    trace = tmp_path / "t.parquet"
    run_renacer(["-q", "--source", "-w", str(trace), "-e", "trace=network", "--", exe, str(refused_port())])
    (row,) = calls(read_trace(trace), "connect")
    assert row["src_line"] is None  # recorded without the debug file: symbols only
    res = subprocess.run(ANALYZE + ["replay", "--debug-dir", str(debug_dir), str(trace)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert f"client.c:{marker('client.c', 'connect')} in connect_to_server]" in res.stderr
    where = f"client.c:{marker('client.c', 'connect')} in connect_to_server"
    for command in ("errors", "refused", "slow"):
        res = subprocess.run(ANALYZE + [command, "--format", "json", str(trace)], capture_output=True, text=True)
        assert not any(where in (r["source"] or "") for r in json.loads(res.stdout))
        res = subprocess.run(ANALYZE + [command, "--format", "json", "--debug-dir", str(debug_dir), str(trace)],
                             capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        assert any(where in (r["source"] or "") for r in json.loads(res.stdout)), (command, res.stdout)


def test_trace_symbolizes_offline_from_a_copy_of_the_binary(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    build_dir.mkdir()
    exe = build(build_dir, "client.c", "-fomit-frame-pointer")
    trace = tmp_path / "t.parquet"
    live = run_renacer(["--source", "-w", str(trace), "-e", "trace=network,close", "--", exe, str(refused_port())])
    other = tmp_path / "elsewhere"
    shutil.copytree(build_dir, other)
    shutil.rmtree(build_dir)  # the recorded path is gone: only the copy can answer
    plain = subprocess.run(ANALYZE + ["replay", str(trace)], capture_output=True, text=True)
    assert plain.stderr == live.stderr  # the recorded locations replay as they were printed
    out = tmp_path / "resym.parquet"
    res = subprocess.run(ANALYZE + ["symbolize", str(trace), "--debug-dir", str(other), "-o", str(out)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    (row,) = calls(read_trace(out), "connect")
    assert (row["src_line"], row["src_func"]) == (marker("client.c", "connect"), "connect_to_server")
    # the canned questions take --debug-dir too
    res = subprocess.run(ANALYZE + ["errors", "--format", "json", "--debug-dir", str(other), str(trace)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert any(f"client.c:{marker('client.c', 'connect')} in connect_to_server" in (r["source"] or "")
               for r in json.loads(res.stdout))
    # without the binary anywhere, the addresses stay (object+offset), never a crash
    shutil.rmtree(other)
    out2 = tmp_path / "resym2.parquet"
    res = subprocess.run(ANALYZE + ["symbolize", str(trace), "--debug-dir", str(tmp_path), "-o", str(out2)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    (row,) = calls(read_trace(out2), "connect")
    assert row["src_file"].startswith("client+0x")


def test_analyzer_groups_by_source_location(tmp_path: Path) -> None:
    exe = build(tmp_path, "client.c", "-fomit-frame-pointer")
    trace = tmp_path / "t.parquet"
    run_renacer(["-q", "--source", "-w", str(trace), "-e", "trace=network,close", "--", exe, str(refused_port())])
    where = f"client.c:{marker('client.c', 'connect')} in connect_to_server"
    res = subprocess.run(ANALYZE + ["summary", "--by", "source", "--format", "json", str(trace)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    connect = [r for r in rows if r["syscall"] == "connect"]
    assert len(connect) == 1 and connect[0]["source"].endswith(where) and connect[0]["errors"] == 1
    for command in ("errors", "refused"):
        res = subprocess.run(ANALYZE + [command, "--format", "json", str(trace)], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        assert any(where in (r.get("source") or "") for r in json.loads(res.stdout)), (command, res.stdout)


def test_json_output_carries_the_source_object(tmp_path: Path) -> None:
    exe = build(tmp_path, "client.c", "-fomit-frame-pointer")
    res = run_renacer(["--source", "--format", "jsonl", "-e", "trace=connect", "--", exe, str(refused_port())])
    (record,) = [json.loads(ln) for ln in res.stdout.splitlines() if '"connect"' in ln]
    assert record["source"]["line"] == marker("client.c", "connect")
    assert record["source"]["function"] == "connect_to_server"


def test_source_skip_moves_to_the_caller(tmp_path: Path) -> None:
    exe = build(tmp_path, "client.c", "-fomit-frame-pointer")
    trace = tmp_path / "t.parquet"
    run_renacer(["-q", "--source", "--source-skip", "^connect_to_server$", "-w", str(trace), "-e",
                 "trace=connect", "--", exe, str(refused_port())])
    (row,) = calls(read_trace(trace), "connect")
    assert row["src_func"] == "main"


def test_bad_source_skip_is_an_error() -> None:
    res = run_renacer(["--source", "--source-skip", "(", "--", "true"])
    assert res.returncode == 2 and res.stderr.startswith("Error: --source-skip")


@pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")
@pytest.mark.parametrize("profile", ["debug", "release"])
def test_rust_program_reports_main_rs_lines_as_in_the_guide(profile: str, tmp_path: Path) -> None:
    cmd = ["cargo", "build", "--offline", "--quiet", "--manifest-path", str(SOURCES / "rust_client" / "Cargo.toml"),
           "--target-dir", str(tmp_path / "target")]
    if profile == "release":
        cmd.append("--release")
    subprocess.run(cmd, check=True, env={**os.environ, "CARGO_TERM_COLOR": "never"})
    exe = tmp_path / "target" / profile / "rust_client"
    trace = tmp_path / "t.parquet"
    res = run_renacer(["--source", "-w", str(trace), "-e", "trace=network", "--", str(exe), str(refused_port())])
    assert res.returncode == 3, res.stderr
    rows = read_trace(trace)
    line = marker("rust_client/src/main.rs", "connect")
    for name in ("socket", "connect"):
        (row,) = calls(rows, name)
        assert (row["src_file"], row["src_line"], row["src_func"]) == ("src/main.rs", line, "connect_to_server")
    assert f"= -ECONNREFUSED   [src/main.rs:{line} in connect_to_server]" in res.stderr


class _Collect:
    """A sink that keeps the raw batches the recorder flushes."""

    wants_pending = False

    def __init__(self) -> None:
        self.batches: list[tuple[bytes, ...]] = []

    def write(self, batch, pending) -> None:  # noqa: ANN001
        if batch is not None:
            self.batches.append(batch)


def test_journal_keeps_callchains_not_stack_bytes_and_reads_old_frames(tmp_path: Path) -> None:
    from renacer.capture._recorder import Recorder, rec_size
    from renacer.capture.journal import JournalWriter, read_journal
    from renacer.capture.session import RecordRequest, base_metadata, capture_table
    from renacer.capture.unwind import STACK_WINDOW, SourceState, Unwinder
    from renacer.schema.syscalls_x86_64 import SYSCALLS

    exe = build(tmp_path, "client.c", "-fomit-frame-pointer")
    sink = _Collect()
    state = SourceState()
    connect_nr = next(nr for nr, name in SYSCALLS.items() if name == "connect")
    rec = Recorder([connect_nr], False, capture_table(), 64, sink)
    rec.enable_source(STACK_WINDOW, state.on_image)
    rec.launch(exe.encode(), [exe.encode(), str(refused_port()).encode()], [], True)
    rec.run()
    (raw,) = sink.batches
    assert len(raw) == 6 and len(raw[5]) > 256  # the stack window (up to the stack top), before unwinding
    converted = Unwinder(state).convert(raw)
    assert len(converted[5]) < 1024  # a callchain: a few addresses
    journal = tmp_path / "t.parquet.journal"
    writer = JournalWriter(str(journal), rec_size())
    writer.begin(base_metadata(RecordRequest(command=[exe])))
    writer.append(raw[:5])  # a frame as renacer wrote them before --source
    writer.append(converted)
    writer.close(remove=False)
    meta, batches, truncated = read_journal(str(journal))
    assert not truncated and [b.num_rows for b in batches] == [2, 2]  # connect, then the exit
    assert batches[0].column("callchain").to_pylist() == [None, None]
    chain, none = batches[1].column("callchain").to_pylist()
    assert none is None
    assert len(chain) >= 3 and state.images.find(next(iter(state.images.versions)), 0, chain[1]).path == exe


def test_unwinder_reads_the_record_fields_where_the_struct_has_them() -> None:
    from renacer.capture.batches import REC_DTYPE
    from renacer.capture.unwind import REC_PID_OFF, REC_SEQ_OFF

    assert (REC_DTYPE.fields["seq"][1], REC_DTYPE.fields["pid"][1]) == (REC_SEQ_OFF, REC_PID_OFF)


def test_inlined_function_is_reported_as_itself(tmp_path: Path) -> None:
    exe = build(tmp_path, "inlined.c", "-fomit-frame-pointer")
    trace = tmp_path / "t.parquet"
    assert run_renacer(["-q", "--source", "-w", str(trace), "-e", "trace=openat", "--", exe]).returncode == 0
    (row,) = [r for r in calls(read_trace(trace), "openat") if r["path"] == "/dev/null"]
    assert (row["src_func"], row["src_line"]) == ("open_quiet", marker("inlined.c", "inlined-open"))


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")
def test_cpp_call_through_libstdcxx_reports_the_users_line(tmp_path: Path) -> None:
    exe = tmp_path / "report"
    subprocess.run(["g++", "-g", "-O2", "-o", str(exe), str(SOURCES / "report.cpp")], check=True)
    trace = tmp_path / "t.parquet"
    assert run_renacer(["-q", "--source", "-w", str(trace), "-e", "trace=openat", "--", str(exe)]).returncode == 0
    (row,) = [r for r in calls(read_trace(trace), "openat") if r["path"] == "/dev/null"]
    assert (row["src_func"], row["src_line"]) == ("write_report", marker("report.cpp", "ofstream"))


def test_killed_recorder_recovers_with_locations(tmp_path: Path) -> None:
    import signal

    from renacer.capture.journal import FRAME_BATCH6, MAGIC, _frames

    exe = build(tmp_path, "ticker.c", "-fomit-frame-pointer")
    trace = tmp_path / "t.parquet"
    journal = Path(str(trace) + ".journal")
    rec = subprocess.Popen([sys.executable, "-m", "renacer.capture.cli", "-q", "--source", "-w", str(trace),
                            "-e", "trace=getppid", "--", exe], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until a batch frame with callchains is on disk
            data = journal.read_bytes() if journal.exists() else b""
            if data.startswith(MAGIC):
                try:
                    if any(kind == FRAME_BATCH6 for kind, _ in _frames(data, "j")[1]):
                        break
                except Exception:
                    pass
            time.sleep(0.1)
    finally:
        os.killpg(rec.pid, signal.SIGKILL)
        rec.wait()
    res = subprocess.run(ANALYZE + ["recover", str(trace)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    rows = calls(read_trace(trace), "getppid")
    assert rows and {(r["src_func"], r["src_line"]) for r in rows} == {("tick", marker("ticker.c", "tick"))}
    assert trace_metadata(trace)["source"]["objects"][exe]


def test_missing_debug_dir_is_bad_input(tmp_path: Path) -> None:
    exe = build(tmp_path, "client.c")
    trace = tmp_path / "t.parquet"
    run_renacer(["-q", "--source", "-w", str(trace), "-e", "trace=connect", "--", exe, str(refused_port())])
    for command in (["replay"], ["errors"], ["symbolize", "-o", str(tmp_path / "o.parquet")]):
        res = subprocess.run(ANALYZE + command + ["--debug-dir", str(tmp_path / "nope"), str(trace)],
                             capture_output=True, text=True)
        assert res.returncode == 2 and res.stderr.startswith("Error: --debug-dir"), (command, res.stderr)
    res = subprocess.run(ANALYZE + ["summary", "--by", "file", str(trace)], capture_output=True, text=True)
    assert res.returncode == 2 and res.stderr.startswith("Error: unknown --by")


def test_same_call_site_from_two_callers_at_the_same_depth(tmp_path: Path) -> None:
    exe = build(tmp_path, "twocallers.c", "-fomit-frame-pointer")
    trace = tmp_path / "t.parquet"
    assert run_renacer(["-q", "--source", "--source-skip", "^emit$", "-w", str(trace), "-e", "trace=write",
                        "--", exe]).returncode == 0
    rows = calls(read_trace(trace), "write")
    a, b = marker("twocallers.c", "from-a"), marker("twocallers.c", "from-b")
    assert [(r["data"], r["src_line"]) for r in rows] == [(b"a", a), (b"b", b)] * 3
    assert len({tuple(r["callchain"][:2]) for r in rows}) == 1  # same pc, same return into emit
