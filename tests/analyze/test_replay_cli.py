"""The issue's recipe, end to end: live text on stderr equals `renacer-analyze replay` output."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import run_renacer


def test_live_stderr_and_replay_print_the_same_bytes_for_a_threaded_program(program, tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    live = run_renacer(["-f", "-T", "-w", str(trace), "--", program("threads")])
    assert live.returncode == 0
    assert live.stdout.startswith("pid ")  # the program's own output stays on stdout
    replay = subprocess.run(
        [sys.executable, "-m", "renacer.analyze.cli", "replay", "-T", str(trace)],
        capture_output=True, text=True, timeout=120,
    )
    assert replay.returncode == 0, replay.stderr
    replayed = replay.stdout + replay.stderr
    assert "[pid " in replayed  # several threads: strace-style prefixes
    assert replayed == live.stderr


def test_live_and_replay_agree_in_both_styles_for_curl_refused(tmp_path: Path) -> None:
    import socket

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    for style in ("guide", "strace"):
        trace = tmp_path / f"{style}.parquet"
        live = run_renacer(["--style", style, "-e", "trace=connect", "-w", str(trace), "--", "curl", "-s",
                            f"http://127.0.0.1:{port}/"])
        assert live.returncode == 7
        replay = subprocess.run(
            [sys.executable, "-m", "renacer.analyze.cli", "replay", "--style", style, str(trace)],
            capture_output=True, text=True, timeout=120,
        )
        assert replay.returncode == 0, replay.stderr
        assert replay.stderr == live.stderr
        expected = "-EINPROGRESS (then ECONNREFUSED)" if style == "guide" else "-1 EINPROGRESS (Operation now"
        assert expected in live.stderr and "getsockopt" not in live.stderr


def test_live_json_document_equals_replayed_json(program, tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    out = tmp_path / "live.json"
    # -o: the live document starts at once, so on stdout it would mix with the program's lines
    live = run_renacer(["--format", "json", "-e", "trace=getppid,write", "-w", str(trace), "-o", str(out), "--",
                        program("threads")])
    assert live.returncode == 0
    replay = subprocess.run(
        [sys.executable, "-m", "renacer.analyze.cli", "replay", "--format", "json", str(trace)],
        capture_output=True, text=True, timeout=120,
    )
    assert replay.returncode == 0, replay.stderr
    assert replay.stdout == out.read_text()


def test_replay_with_a_filter_prints_what_a_filtered_live_run_prints(program, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    full, filtered = tmp_path / "full.parquet", tmp_path / "filtered.parquet"
    run_renacer(["-q", "-w", str(full), "--", program("fileops"), str(work)], check=True)
    live = run_renacer(["-e", "trace=openat,write", "-w", str(filtered), "--", program("fileops"), str(work)])
    replay = subprocess.run(
        [sys.executable, "-m", "renacer.analyze.cli", "replay", "-e", "trace=openat,write", str(full)],
        capture_output=True, text=True, timeout=120,
    )
    assert replay.returncode == 0, replay.stderr
    assert "openat(" in replay.stderr and "read(" not in replay.stderr

    def calls(text: str) -> list[str]:  # the two runs differ only in the first exec's line
        return [line for line in text.splitlines() if not line.startswith("execve(")]

    assert calls(replay.stderr) == calls(live.stderr)


def test_the_guides_jq_recipe_reads_sendto_return_values(tmp_path: Path) -> None:
    import http.server
    import json
    import shutil
    import threading

    import pytest

    if shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        res = run_renacer(["--format", "json", "-e", "trace=sendto,recvfrom", "--", "curl", "-s", "-o", "/dev/null",
                           f"http://127.0.0.1:{httpd.server_address[1]}/"])
    finally:
        httpd.shutdown()
    assert res.returncode == 0, res.stderr
    document = json.loads(res.stdout)
    sent = [c for c in document["syscalls"] if c["name"] == "sendto"]
    assert sent and all(c["return"]["error"] is None for c in sent)
    jq = subprocess.run(["jq", '.syscalls[] | select(.name == "sendto") | .return.value'],
                        input=res.stdout, capture_output=True, text=True, check=True)
    assert [int(v) for v in jq.stdout.split()] == [c["return"]["value"] for c in sent]
    assert all(int(v) > 0 for v in jq.stdout.split())
