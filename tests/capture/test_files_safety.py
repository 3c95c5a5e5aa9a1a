"""Files renacer writes cannot harm the machine, and a broken recording loses nothing it flushed.

Each test runs the real recorder or analyzer as a user would: device nodes and FIFOs named as the
trace, links planted by another user, outputs of every kind checked for their mode, a recorder
killed early, a full disk, a recording still running when someone tries to recover it.
"""
from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import RENACER, run_renacer, trace_metadata

ANALYZE = [sys.executable, "-c", "from renacer.analyze.cli import main; main()"]
NOBODY = 65534  # another user, who plants links in a shared folder

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (device nodes, chown, tmpfs)")


def analyze(*args: object, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*ANALYZE, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def assert_clean_error(res: subprocess.CompletedProcess, *fragments: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert res.stderr.startswith("Error: "), res.stderr
    assert "Traceback" not in res.stderr
    for fragment in fragments:
        assert fragment in res.stderr, res.stderr


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def victim(tmp_path: Path) -> Path:
    """A file that belongs to nobody else's business: renacer must leave it exactly as it is."""
    v = tmp_path / "victim.conf"
    v.write_text("precious\n")
    os.chmod(v, 0o644)
    return v


def plant_link(link: Path, target: Path) -> None:
    os.symlink(target, link)
    if os.geteuid() == 0:
        os.lchown(link, NOBODY, NOBODY)


# -- what -w accepts ---------------------------------------------------------------------------------


@needs_root
def test_a_device_node_as_trace_is_refused_and_keeps_its_mode(tmp_path: Path) -> None:
    dev = tmp_path / "null"
    os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    os.chmod(dev, 0o666)
    marker = tmp_path / "ran"
    res = run_renacer(["-q", "-w", str(dev), "--", "touch", str(marker)])
    assert_clean_error(res, str(dev), "character device")
    assert mode(dev) == 0o666 and stat.S_ISCHR(os.lstat(dev).st_mode)
    assert not marker.exists()  # refused before the command started


def test_a_fifo_as_trace_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    res = run_renacer(["-q", "-w", str(fifo), "--", "true"], timeout=30)
    assert_clean_error(res, "FIFO")


def test_the_analyzer_refuses_a_fifo_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.parquet"
    os.mkfifo(fifo)
    assert_clean_error(analyze("summary", fifo, timeout=30), "FIFO")


def test_a_directory_as_trace_is_refused(tmp_path: Path) -> None:
    assert_clean_error(run_renacer(["-q", "-w", str(tmp_path), "--", "true"]), "directory")


@pytest.mark.parametrize("name", ["t.parquet", "t.parquet.journal"])
def test_a_planted_link_for_the_trace_or_its_journal_is_refused(tmp_path: Path, name: str) -> None:
    target = victim(tmp_path)
    plant_link(tmp_path / name, target)
    marker = tmp_path / "ran"
    res = run_renacer(["-q", "-w", str(tmp_path / "t.parquet"), "--", "touch", str(marker)])
    assert_clean_error(res, "symbolic link")
    assert target.read_text() == "precious\n" and mode(target) == 0o644
    assert not marker.exists()
    assert os.path.islink(tmp_path / name)  # not removed either: it is not ours
    if name.endswith(".journal"):
        assert not (tmp_path / "t.parquet").exists()  # the trace created a moment before is gone


@needs_root
def test_a_file_of_another_user_is_not_replaced(tmp_path: Path) -> None:
    theirs = tmp_path / "t.parquet"
    theirs.write_text("their data\n")
    os.chown(theirs, NOBODY, NOBODY)
    res = run_renacer(["-q", "-w", str(theirs), "--", "true"])
    assert_clean_error(res, "belongs to uid 65534")
    assert theirs.read_text() == "their data\n"


def test_an_existing_trace_of_ours_is_replaced_by_a_new_private_file(tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    trace.write_text("old\n")
    os.chmod(trace, 0o644)
    assert run_renacer(["-q", "-w", str(trace), "--", "true"]).returncode == 0
    assert mode(trace) == 0o600 and trace_metadata(trace)["events_written"] > 0


@pytest.mark.parametrize("path", ["/proc/renacer-x.parquet", "/sys/renacer-t.parquet"])
def test_an_uncreatable_trace_fails_before_the_command_runs(tmp_path: Path, path: str) -> None:
    marker = tmp_path / "ran"
    res = run_renacer(["-q", "-w", path, "--", "touch", str(marker)])
    assert_clean_error(res, path)
    assert not marker.exists()


def test_an_empty_trace_name_is_refused() -> None:
    assert_clean_error(run_renacer(["-q", "-w", "", "--", "true"]), "-w needs a file name")


def test_the_same_file_for_trace_and_text_output_is_refused(tmp_path: Path) -> None:
    both = tmp_path / "x.parquet"
    assert_clean_error(run_renacer(["-w", str(both), "-o", str(both), "--", "true"]), "same file")
    assert not both.exists()


def test_a_trace_name_that_is_not_utf8_records_a_readable_trace(tmp_path: Path) -> None:
    name = os.fsencode(tmp_path) + b"/caf\xe9.parquet"
    res = subprocess.run([*map(os.fsencode, RENACER), b"-q", b"-w", name, b"--", b"true"],
                         capture_output=True, timeout=60)
    assert res.returncode == 0, res.stderr
    with open(name, "rb") as f:
        assert pq.read_metadata(f).num_rows > 0
    # DuckDB takes UTF-8 paths only: the analyzer must say so rather than crash
    res = subprocess.run([*map(os.fsencode, ANALYZE), b"info", name], capture_output=True, timeout=60)
    assert res.returncode in (0, 2) and b"Traceback" not in res.stderr, res.stderr


# -- modes of every output -----------------------------------------------------------------------


def test_every_output_file_is_private(tmp_path: Path) -> None:
    trace, live = tmp_path / "t.parquet", tmp_path / "live.txt"
    assert run_renacer(["-w", str(trace), "-o", str(live), "--", "true"]).returncode == 0
    replayed, exported = tmp_path / "replay.txt", tmp_path / "export.json"
    assert analyze("replay", trace, "-o", replayed).returncode == 0
    assert analyze("export", trace, "-o", exported).returncode == 0
    for path in (trace, live, replayed, exported):
        assert mode(path) == 0o600, path
    assert live.read_text() == replayed.read_text()


def test_live_output_to_a_planted_link_is_refused(tmp_path: Path) -> None:
    target = victim(tmp_path)
    plant_link(tmp_path / "out.txt", target)
    res = run_renacer(["-o", str(tmp_path / "out.txt"), "--", "true"])
    assert_clean_error(res, "symbolic link")
    assert target.read_text() == "precious\n"
    trace = tmp_path / "t.parquet"
    assert run_renacer(["-q", "-w", str(trace), "--", "true"]).returncode == 0
    for command in ("replay", "export"):
        assert_clean_error(analyze(command, trace, "-o", tmp_path / "out.txt"), "symbolic link")
    assert target.read_text() == "precious\n" and mode(target) == 0o644


def test_live_output_to_dev_stdout_goes_to_our_stdout(tmp_path: Path) -> None:
    res = run_renacer(["-o", "/dev/stdout", "-e", "trace=exit_group", "--", "true"])
    assert res.returncode == 0, res.stderr
    assert "exit_group(0)" in res.stdout


# -- the journal: from the first flush, locked while recording, recovered safely --------------------


def _wait_for(predicate, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _flushed_events(journal: Path) -> int:
    """Events in the journal's complete batch frames (read with the journal's own reader)."""
    from renacer.capture._recorder import rec_size
    from renacer.capture.journal import _frames, _raw_batches

    try:
        payloads = _frames(journal.read_bytes(), str(journal))[1]
    except Exception:  # the metadata frame itself is not complete yet
        return 0
    return sum(len(raw[0]) // rec_size() for raw in _raw_batches(payloads, str(journal)))


def test_a_recorder_killed_after_its_first_flush_loses_nothing_of_it(tmp_path: Path) -> None:
    """The journal receives the first flush even while pyarrow is still being imported."""
    trace = tmp_path / "t.parquet"
    journal = Path(str(trace) + ".journal")
    rec = subprocess.Popen([*RENACER, "-q", "-w", str(trace), "--", "dd", "if=/dev/zero", "of=/dev/null",
                            "bs=1", "count=100000000"], stderr=subprocess.DEVNULL, start_new_session=True)
    flushed = 0
    try:
        # the first flush complete on disk (by count or by time, within about a second of dd),
        # checked with the journal's own reader so the kill never lands mid-frame
        def first_flush() -> bool:
            nonlocal flushed
            flushed = _flushed_events(journal) if journal.exists() else 0
            return flushed > 0

        _wait_for(first_flush)
    finally:
        os.killpg(rec.pid, signal.SIGKILL)
        rec.wait()
    assert mode(journal) == 0o600
    info = analyze("info", trace)
    assert_clean_error(info, "truncated", "renacer-analyze recover")
    res = analyze("recover", trace)
    assert res.returncode == 0, res.stderr
    table = pq.read_table(trace)
    assert table.num_rows >= flushed > 1000 and mode(trace) == 0o600
    assert set(table.column("name").to_pylist()) >= {"execve", "read", "write"}
    record = json.loads(analyze("info", trace, "--format", "json").stdout)[0]
    assert record["recovered"].startswith("yes")


def test_a_recorder_killed_before_any_flush_leaves_a_journal_that_recovers(program, tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    rec = subprocess.Popen([*RENACER, "-q", "-w", str(trace), "--", program("ticker")],
                           stdout=subprocess.DEVNULL, start_new_session=True)
    journal = Path(str(trace) + ".journal")
    try:  # once a batch is on disk in the journal, whatever the machine's load (not after a fixed time)
        _wait_for(lambda: journal.exists() and _flushed_events(journal) > 0)
    finally:
        os.killpg(rec.pid, signal.SIGKILL)
    rec.wait()
    res = analyze("recover", trace)
    assert res.returncode == 0, res.stderr
    assert trace_metadata(trace)["recovered"] is True


def test_recover_refuses_a_recording_that_is_still_running(program, tmp_path: Path) -> None:
    trace = tmp_path / "live.parquet"
    journal = Path(str(trace) + ".journal")
    rec = subprocess.Popen([*RENACER, "-q", "-w", str(trace), "--", program("ticker")],
                           stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for(journal.exists)
        assert_clean_error(analyze("recover", trace), "still being recorded")
        assert journal.exists()
        os.kill(rec.pid, signal.SIGTERM)  # renacer passes it on: the ticker dies, the trace is written
        rec.wait(timeout=30)
    finally:
        if rec.poll() is None:
            os.killpg(rec.pid, signal.SIGKILL)
            rec.wait()
    assert not journal.exists()
    assert trace_metadata(trace)["events_written"] == pq.read_metadata(trace).num_rows > 0


def test_recover_ignores_a_planted_recovering_link_and_refuses_a_linked_target(tmp_path: Path, program) -> None:
    trace = tmp_path / "t.parquet"
    rec = subprocess.Popen([*RENACER, "-q", "-w", str(trace), "--", program("ticker")],
                           stdout=subprocess.DEVNULL, start_new_session=True)
    journal = Path(str(trace) + ".journal")
    try:  # once a batch is on disk in the journal, whatever the machine's load (not after a fixed time)
        _wait_for(lambda: journal.exists() and _flushed_events(journal) > 0)
    finally:
        os.killpg(rec.pid, signal.SIGKILL)
    rec.wait()
    target = victim(tmp_path)
    plant_link(tmp_path / "t.parquet.recovering", target)
    plant_link(tmp_path / "elsewhere.parquet", target)
    assert_clean_error(analyze("recover", trace, "-o", tmp_path / "elsewhere.parquet"), "symbolic link")
    assert analyze("recover", trace).returncode == 0
    assert target.read_text() == "precious\n" and mode(target) == 0o644
    assert pq.read_metadata(trace).num_rows > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "elsewhere.parquet", "t.parquet", "t.parquet.recovering", "victim.conf"]


@needs_root
def test_a_full_disk_says_what_is_safe_and_the_journal_recovers_it(tmp_path: Path) -> None:
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(small)], check=True)
    try:
        trace = small / "t.parquet"
        res = run_renacer(["-q", "-w", str(trace), "--", "sh", "-c",
                           "dd if=/dev/zero of=/dev/null bs=1 count=200000 2>/dev/null; echo done"])
        assert res.stdout == "done\n"  # the command ran to its end
        assert_clean_error(res, str(trace), "No space left on device", "are safe",
                           f"renacer-analyze recover {trace}")
        info = analyze("summary", trace)
        assert_clean_error(info, "truncated", "renacer-analyze recover")  # not "not a renacer trace"
        out = tmp_path / "recovered.parquet"
        res = analyze("recover", trace, "-o", out)
        assert res.returncode == 0, res.stderr
        assert pq.read_metadata(out).num_rows >= 16384
    finally:
        subprocess.run(["umount", str(small)], check=False)


def test_memory_stays_bounded_with_megabyte_payloads(tmp_path: Path) -> None:
    """-s 1M on 1.2 GB of dd traffic: the recorder holds at most a row group, not the payload."""
    trace = tmp_path / "t.parquet"
    res = run_renacer(["-q", "-s", "1048576", "-w", str(trace), "--", "dd", "if=/dev/zero",
                       "of=/dev/null", "bs=1M", "count=600"])
    assert res.returncode == 0, res.stderr
    meta = trace_metadata(trace)
    assert meta["events_written"] >= 1200
    assert meta["recorder_max_rss_kb"] < 700_000, meta["recorder_max_rss_kb"]


# -- a live output that breaks does not break the recording ------------------------------------------


def test_a_closed_pipe_on_live_output_keeps_the_recording_and_the_exit_status(tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    script = "for i in $(seq 1 300); do echo line $i > /dev/null; done; sleep 0.3; " \
             "for i in $(seq 1 300); do echo again $i > /dev/null; done; exit 7"
    shell = (f"{' '.join(RENACER)} -w {trace} -e trace=openat,write -- sh -c '{script}' 2>&1 | head -2;"
             " echo status ${PIPESTATUS[0]}")
    res = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=120)
    lines = res.stdout.splitlines()
    assert len(lines) == 3 and lines[-1] == "status 7", res.stdout
    meta = trace_metadata(trace)
    assert meta["events_written"] == pq.read_metadata(trace).num_rows
    rows = pq.read_table(trace, columns=["name", "data"]).to_pylist()
    echoed = [r for r in rows if r["name"] == "write" and (r["data"] or b"").startswith((b"line ", b"again "))]
    assert len(echoed) == 600  # every echo, after the pipe closed too
