"""End-to-end recordings of real programs, with strace as the oracle."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import RENACER, read_trace, renacer_calls, run_renacer, strace_calls, trace_metadata


def syscalls(rows: list[dict], name: str | None = None) -> list[dict]:
    return [r for r in rows if r["kind"] == "syscall" and (name is None or r["name"] == name)]


def test_static_program_records_the_same_calls_and_returns_as_strace(program, tmp_path: Path) -> None:
    exe = program("fileops", static=True)
    work = tmp_path / "work"
    work.mkdir()
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "-w", str(trace), "--", exe, str(work)])
    assert res.returncode == 0, res.stderr
    assert res.stdout == "done\n"
    ours = renacer_calls(read_trace(trace))
    theirs = strace_calls([exe, str(work)], tmp_path)
    assert ours == theirs


def test_dynamic_program_matches_strace_names_and_counts(program, tmp_path: Path) -> None:
    exe = program("fileops")
    work = tmp_path / "work"
    work.mkdir()
    trace = tmp_path / "t.parquet"
    assert run_renacer(["-q", "-w", str(trace), "--", exe, str(work)]).returncode == 0
    ours = renacer_calls(read_trace(trace))
    theirs = strace_calls([exe, str(work)], tmp_path)
    assert ours == theirs


def test_file_calls_carry_paths_fds_sizes_and_payload(program, tmp_path: Path) -> None:
    exe = program("fileops", static=True)
    work = tmp_path / "work"
    work.mkdir()
    trace = tmp_path / "t.parquet"
    run_renacer(["-q", "-w", str(trace), "--", exe, str(work)], check=True)
    rows = read_trace(trace)
    opens = [r for r in syscalls(rows) if r["name"] in ("open", "openat")]
    assert [r["path"] for r in opens] == [f"{work}/data.txt", f"{work}/data.txt", "/nonexistent/renacer"]
    assert opens[0]["fd"] == opens[0]["ret"] == 3
    assert opens[2]["errno"] == "ENOENT" and opens[2]["ret"] == -2 and opens[2]["fd"] is None
    writes = syscalls(rows, "write")
    assert [(w["fd"], w["data"], w["size"]) for w in writes] == [(3, b"hello renacer\n", 14), (1, b"done\n", 5)]
    reads = syscalls(rows, "read")
    assert [(r["data"], r["size"]) for r in reads] == [(b"hello renacer\n", 14), (b"", 0)]
    close_bad = [r for r in syscalls(rows, "close") if r["fd"] == -1]
    assert close_bad[0]["errno"] == "EBADF"


def test_string_size_limits_payload_and_zero_records_none(program, tmp_path: Path) -> None:
    exe = program("fileops", static=True)
    for size, expected in ((4, b"hell"), (0, b"")):
        work = tmp_path / f"w{size}"
        work.mkdir()
        trace = tmp_path / f"t{size}.parquet"
        run_renacer(["-q", "-s", str(size), "-w", str(trace), "--", exe, str(work)], check=True)
        first_write = syscalls(read_trace(trace), "write")[0]
        assert first_write["data"] == expected
        assert first_write["size"] == 14


def test_threads_are_all_recorded_with_their_own_ids(program, tmp_path: Path) -> None:
    exe = program("threads")
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "-w", str(trace), "--", exe])
    assert res.returncode == 0
    reported = res.stdout.split("\n")
    pid = int(next(x for x in reported if x.startswith("pid")).split()[1])
    tids = {int(x.split()[1]) for x in reported if x.startswith("tid")}
    rows = read_trace(trace)
    getppids = syscalls(rows, "getppid")
    assert len(getppids) == 400
    assert {r["tid"] for r in getppids} == tids
    assert {r["pid"] for r in syscalls(rows)} == {pid}
    assert len(tids) == 4 and pid not in tids
    seqs = [r["seq"] for r in rows]
    assert len(set(seqs)) == len(seqs)


def test_fifty_forked_children_nothing_missed_nothing_doubled(program, tmp_path: Path) -> None:
    exe = program("forks")
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "-w", str(trace), "--", exe, "50"])
    assert res.returncode == 0 and res.stdout == f"children 50 sum {sum(range(50))}\n"
    rows = read_trace(trace)
    children = {r["pid"] for r in syscalls(rows, "getppid")}
    assert len(syscalls(rows, "getppid")) == 50 and len(children) == 50
    exits = [r for r in rows if r["kind"] == "exit"]
    assert sorted(r["ret"] for r in exits) == sorted(list(range(50)) + [0])
    assert renacer_calls(rows) == strace_calls([exe, "50"], tmp_path)
    meta = trace_metadata(trace)
    assert meta["events_seen"] == meta["events_written"] == len(rows)
    assert len(meta["processes"]) == 51


def test_pipeline_with_exec_records_both_sides(tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "-w", str(trace), "--", "sh", "-c", "echo piped | tr a-z A-Z"])
    assert res.returncode == 0 and res.stdout == "PIPED\n"
    rows = read_trace(trace)
    execs = [r for r in syscalls(rows, "execve") if r["ret"] == 0]
    assert {os.path.basename(r["path"]) for r in execs} >= {"sh", "tr"}
    writes = [r for r in syscalls(rows, "write") if r["data"] in (b"piped\n", b"PIPED\n")]
    assert sorted(w["data"] for w in writes) == [b"PIPED\n", b"piped\n"]
    assert len({w["pid"] for w in writes}) == 2


def test_signal_handler_gets_its_signal_and_the_delivery_is_recorded(program, tmp_path: Path) -> None:
    exe = program("signals")
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "-w", str(trace), "--", exe])
    assert res.returncode == 0
    assert res.stdout == f"handler got {int(signal.SIGUSR1)}\n"
    sigs = [r for r in read_trace(trace) if r["kind"] == "signal"]
    assert [r["name"] for r in sigs] == ["SIGUSR1"]


@pytest.mark.parametrize("arg,code", [("0", 0), ("3", 3)])
def test_exit_code_is_passed_on(program, tmp_path: Path, arg: str, code: int) -> None:
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "-w", str(trace), "--", program("signals"), arg])
    assert res.returncode == code
    assert trace_metadata(trace)["exit_status"] == {"code": code, "signal": None}
    assert [r["ret"] for r in read_trace(trace) if r["kind"] == "exit"] == [code]


def test_death_by_sigkill_is_recorded_and_passed_on(program, tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "-w", str(trace), "--", program("signals"), "kill"])
    assert res.returncode == -signal.SIGKILL
    killed = [r for r in read_trace(trace) if r["kind"] == "killed"]
    assert [(r["name"], r["nr"]) for r in killed] == [("SIGKILL", signal.SIGKILL)]
    assert trace_metadata(trace)["exit_status"]["signal"] == signal.SIGKILL


def _proc_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def _wait_for(predicate, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


class LineReader:
    """One reader thread per stream, so no line is ever taken by a stale reader."""

    def __init__(self, stream) -> None:
        import queue

        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in iter(stream.readline, ""):
            self.lines.put(line)

    def take(self, count: int, timeout: float = 10.0) -> list[str]:
        import queue

        got: list[str] = []
        end = time.monotonic() + timeout
        while len(got) < count:
            try:
                got.append(self.lines.get(timeout=max(0.0, end - time.monotonic())))
            except queue.Empty:
                break
        return got

    def drain(self) -> list[str]:
        return self.take(10**9, timeout=0.3)


def test_sigstop_and_sigcont_from_outside_behave_as_untraced(program, tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    proc = subprocess.Popen(
        [*RENACER, "-q", "-w", str(trace), "--", program("ticker")],
        stdout=subprocess.PIPE, text=True,
    )
    out = LineReader(proc.stdout)
    child = None
    try:
        assert len(out.take(3)) == 3
        child = int(subprocess.check_output(["pgrep", "-P", str(proc.pid)], text=True).split()[0])
        os.kill(child, signal.SIGSTOP)
        # "t" rather than "T": a stopped tracee shows as traced, under strace as under renacer
        assert _wait_for(lambda: _proc_state(child) in ("T", "t"))
        time.sleep(0.3)
        assert _proc_state(child) in ("T", "t")  # stays stopped, like an untraced process
        out.drain()  # what it printed before the stop
        assert out.take(1, timeout=0.5) == []
        os.kill(child, signal.SIGCONT)
        assert len(out.take(3)) == 3  # and runs again
        os.kill(child, signal.SIGTERM)
        assert proc.wait(timeout=20) == -signal.SIGTERM
    finally:
        proc.kill()
        if child:
            subprocess.run(["kill", "-9", str(child)], capture_output=True)
    kinds = Counter((r["kind"], r["name"]) for r in read_trace(trace) if r["kind"] != "syscall")
    assert kinds[("stopped", "SIGSTOP")] == 1
    assert kinds[("signal", "SIGCONT")] == 1
    assert kinds[("killed", "SIGTERM")] == 1


def test_attach_record_detach_leaves_the_process_running(program, tmp_path: Path) -> None:
    ticker = subprocess.Popen([program("ticker")], stdout=subprocess.PIPE, text=True)
    out = LineReader(ticker.stdout)
    trace = tmp_path / "t.parquet"
    try:
        assert len(out.take(2)) == 2
        rec = subprocess.Popen([*RENACER, "-q", "-w", str(trace), "-p", str(ticker.pid)], stderr=subprocess.PIPE, text=True)
        assert _wait_for(lambda: "TracerPid:\t0" not in Path(f"/proc/{ticker.pid}/status").read_text())
        time.sleep(0.5)
        rec.send_signal(signal.SIGINT)
        assert rec.wait(timeout=20) == 0, rec.stderr.read()
        assert "TracerPid:\t0" in Path(f"/proc/{ticker.pid}/status").read_text()
        before = out.drain()
        after = out.take(3)
        assert len(after) == 3 and int(after[-1]) > int(before[-1])  # it keeps counting
        assert ticker.poll() is None
    finally:
        ticker.kill()
        ticker.wait()
    rows = read_trace(trace)
    assert {r["pid"] for r in rows} == {ticker.pid}
    assert len(syscalls(rows, "write")) >= 5
    assert {r["name"] for r in syscalls(rows)} <= {"write", "clock_nanosleep", "nanosleep", "restart_syscall"}


@pytest.fixture
def listening_port():
    """A TCP port on 127.0.0.1 that accepts connections (into its backlog) for the test."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield server.getsockname()[1]
    server.close()


def test_network_filter_records_connects_without_stopping_for_getpid(program, tmp_path: Path, listening_port: int) -> None:
    port = listening_port
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "-e", "trace=network", "-w", str(trace), "--", program("getpid_connect"), "100000", str(port), "10"])
    assert res.returncode == 0 and res.stdout == "connected 10\n"
    rows = read_trace(trace)
    connects = syscalls(rows, "connect")
    assert len(connects) == 10
    assert {(r["family"], r["addr"], r["port"], r["ret"]) for r in connects} == {("AF_INET", "127.0.0.1", port, 0)}
    assert not syscalls(rows, "getpid")
    meta = trace_metadata(trace)
    assert meta["seccomp"] is True
    # 10 sockets + 10 connects, each one seccomp stop and one exit stop, plus process events:
    # far fewer stops than the 100000 getpid calls would need.
    assert meta["ptrace_stops"] < 200


def test_network_filter_without_seccomp_stops_for_every_call_but_records_the_same(program, tmp_path: Path, listening_port: int) -> None:
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "--no-seccomp", "-e", "trace=connect", "-w", str(trace), "--",
                       program("getpid_connect"), "2000", str(listening_port), "3"])
    assert res.returncode == 0
    rows = read_trace(trace)
    meta = trace_metadata(trace)
    # getsockopt is recorded beside connect to learn a non-blocking connect's outcome
    assert meta["hidden_syscalls"] == ["accept", "accept4", "close", "dup", "dup2", "dup3", "getsockopt", "shutdown",
                                       "socket", "socketpair"]
    assert [r["name"] for r in syscalls(rows) if r["name"] not in meta["hidden_syscalls"]] == ["connect"] * 3
    assert meta["ptrace_stops"] > 4000


def test_a_connect_subset_records_its_outcome_calls_as_hidden_companions(tmp_path: Path) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-e", "trace=connect", "-w", str(trace), "--", "curl", "-s", f"http://127.0.0.1:{port}/"])
    assert res.returncode == 7
    meta = trace_metadata(trace)
    assert meta["hidden_syscalls"] == ["accept", "accept4", "close", "dup", "dup2", "dup3", "getsockopt",
                                       "shutdown", "socket", "socketpair"] and meta["seccomp"] is True
    rows = syscalls(read_trace(trace))
    assert {r["name"] for r in rows} == {"connect", "getsockopt", "socket", "socketpair", "close"}
    assert "getsockopt(" not in res.stderr and "socket(" not in res.stderr and "connect(" in res.stderr  # recorded, not shown


def test_a_subset_without_connect_records_nothing_more(program, tmp_path: Path, listening_port: int) -> None:
    trace = tmp_path / "t.parquet"
    run_renacer(["-q", "-e", "trace=getpid", "-w", str(trace), "--", program("getpid_connect"), "10",
                 str(listening_port), "1"], check=True)
    assert trace_metadata(trace)["hidden_syscalls"] == []
    assert {r["name"] for r in syscalls(read_trace(trace))} == {"getpid"}


def test_connection_refused_is_recorded_with_its_errno(program, tmp_path: Path) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    trace = tmp_path / "t.parquet"
    run_renacer(["-q", "-e", "trace=connect", "-w", str(trace), "--", program("getpid_connect"), "0", str(port), "1"], check=True)
    (connect,) = syscalls(read_trace(trace), "connect")
    assert (connect["errno"], connect["ret"], connect["port"]) == ("ECONNREFUSED", -111, port)


def test_curl_against_a_local_http_server(tmp_path: Path) -> None:
    import http.server

    (tmp_path / "index.html").write_text("hello from renacer test\n")
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    trace = tmp_path / "t.parquet"
    try:
        res = run_renacer(["-q", "-w", str(trace), "--", "curl", "-s", f"http://127.0.0.1:{port}/index.html"])
    finally:
        httpd.shutdown()
    assert res.returncode == 0 and res.stdout == "hello from renacer test\n"
    rows = read_trace(trace)
    connects = [r for r in syscalls(rows, "connect") if r["port"] == port]
    assert connects and connects[0]["addr"] == "127.0.0.1"
    sent = b"".join(r["data"] or b"" for r in syscalls(rows)
                    if r["name"] in ("sendto", "write", "sendmsg") and r["fd"] == connects[0]["fd"])
    assert sent.startswith(b"GET /index.html HTTP/1.1\r\n")
    received = [r["data"] for r in syscalls(rows) if r["name"] in ("recvfrom", "read") and r["fd"] == connects[0]["fd"] and r["data"]]
    assert received[0].startswith(b"HTTP/1.0 200 OK")


def test_trace_file_is_private_and_self_describing(program, tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    run_renacer(["-q", "-w", str(trace), "--", program("signals")], check=True)
    assert os.stat(trace).st_mode & 0o777 == 0o600
    meta = trace_metadata(trace)
    for key in ("schema_version", "renacer_version", "arch", "kernel", "hostname", "command", "filter",
                "string_size", "start_wall_ns", "start_mono_ns", "exit_status", "processes", "events_seen",
                "events_written"):
        assert key in meta
    assert meta["processes"][0]["argv"] == [program("signals")]
    md = pq.read_metadata(trace)
    assert md.row_group(0).column(0).compression == "ZSTD"
    assert not Path(str(trace) + ".journal").exists()


def test_program_output_stays_on_stdout_and_trace_text_on_stderr(tmp_path: Path) -> None:
    res = run_renacer(["--", "echo", "only this"])
    assert res.returncode == 0
    assert res.stdout == "only this\n"
    assert "execve(" in res.stderr and "write(" in res.stderr


def test_sendmmsg_and_recvmmsg_capture_every_message(program, tmp_path: Path) -> None:
    from renacer.schema.trace import split_mem

    echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    echo.bind(("127.0.0.1", 0))
    echo.settimeout(10)
    port = echo.getsockname()[1]

    def serve() -> None:
        for _ in range(2):
            data, peer = echo.recvfrom(100)
            echo.sendto(data.upper(), peer)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "-e", "trace=sendmmsg,recvmmsg", "-w", str(trace), "--", program("mmsg"), str(port)])
    server.join(10)
    echo.close()
    assert res.returncode == 0 and res.stdout == "sent 2 got 2\n"
    rows = syscalls(read_trace(trace))
    (sent,) = [r for r in rows if r["name"] == "sendmmsg"]
    assert sent["ret"] == 2
    headers, *messages = split_mem(sent["mem"])
    assert len(headers) == 2 * 64 and messages == [b"first datagram", b"second one"]
    received = [m for r in rows if r["name"] == "recvmmsg" for m in split_mem(r["mem"])[1:]]
    assert received == [b"FIRST DATAGRAM", b"SECOND ONE"]


def test_ignored_signals_are_inherited_as_without_renacer(tmp_path: Path) -> None:
    """Like nohup: a SIGHUP ignored by renacer's parent stays ignored in the command."""
    probe = ["sh", "-c", "grep SigIgn /proc/$$/status"]

    def ignoring_hup() -> None:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    untraced = subprocess.run(probe, capture_output=True, text=True, preexec_fn=ignoring_hup).stdout
    traced = subprocess.run([*RENACER, "-q", "--", *probe], capture_output=True, text=True, preexec_fn=ignoring_hup).stdout
    assert traced == untraced
    assert int(traced.split()[1], 16) & (1 << (signal.SIGHUP - 1))


def test_signal_to_the_whole_process_group_reaches_the_command_once(program, tmp_path: Path) -> None:
    rec = subprocess.Popen([*RENACER, "-q", "--", program("sigcount")], stdout=subprocess.PIPE, text=True,
                           start_new_session=True)
    assert rec.stdout.readline() == "ready\n"
    os.killpg(rec.pid, signal.SIGTERM)  # what timeout(1), systemd or kill -TERM -PGID do
    out, _ = rec.communicate(timeout=20)
    assert out == "SIGTERM 1\n"


def test_signal_sent_to_renacer_alone_is_passed_on_to_the_command(program, tmp_path: Path) -> None:
    rec = subprocess.Popen([*RENACER, "-q", "--", program("sigcount")], stdout=subprocess.PIPE, text=True)
    assert rec.stdout.readline() == "ready\n"
    rec.send_signal(signal.SIGTERM)
    out, _ = rec.communicate(timeout=20)
    assert out == "SIGTERM 1\n"


def test_exec_from_a_second_thread_keeps_the_leaders_call_in_flight(program, tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "-w", str(trace), "--", program("thread_exec"), "/bin/echo", "replaced"])
    assert res.returncode == 0 and res.stdout == "replaced\n"
    rows = read_trace(trace)
    pipe_reads = [r for r in syscalls(rows, "read") if r["a2"] == 1 and r["ret"] is None]
    assert len(pipe_reads) == 1  # the leader's read never returned, and is not lost
    pids = {r["pid"] for r in syscalls(rows)}
    assert len(pids) == 1


def test_thread_churn_keeps_one_process_and_every_call(program, tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "-e", "trace=getppid", "-w", str(trace), "--", program("thread_churn"), "500"])
    assert res.returncode == 0
    rows = read_trace(trace)
    assert len(syscalls(rows, "getppid")) == 2000
    assert {r["pid"] for r in rows} == {rows[0]["pid"]}
    assert len(trace_metadata(trace)["processes"]) == 1


def test_attach_to_two_processes_and_detach_on_sigterm(program, tmp_path: Path) -> None:
    tickers = [subprocess.Popen([program("ticker")], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    readers = [LineReader(t.stdout) for t in tickers]
    trace = tmp_path / "t.parquet"
    try:
        for r in readers:
            assert len(r.take(1)) == 1
        rec = subprocess.Popen([*RENACER, "-q", "-w", str(trace), "-p", str(tickers[0].pid), "-p", str(tickers[1].pid)],
                               stderr=subprocess.PIPE, text=True)
        assert _wait_for(lambda: all("TracerPid:\t0" not in Path(f"/proc/{t.pid}/status").read_text() for t in tickers))
        time.sleep(0.5)
        rec.send_signal(signal.SIGTERM)
        assert rec.wait(timeout=20) == 0, rec.stderr.read()
        for t, r in zip(tickers, readers):
            assert "TracerPid:\t0" in Path(f"/proc/{t.pid}/status").read_text()
            r.drain()
            assert len(r.take(2)) == 2 and t.poll() is None  # still running, still printing
    finally:
        for t in tickers:
            t.kill()
            t.wait()
    rows = read_trace(trace)
    assert {r["pid"] for r in syscalls(rows, "write")} == {t.pid for t in tickers}
    assert trace_metadata(trace)["attached_pids"] == [t.pid for t in tickers]
