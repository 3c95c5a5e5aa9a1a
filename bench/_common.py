"""What the benchmarks share: the servers they trace clients of (127.0.0.1 only), building the C
workloads, timing a command, and medians over interleaved runs.

Not a benchmark: the bench_*.py scripts import it (their folder is on sys.path when run as
``python bench/bench_x.py``).
"""
from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RENACER = [sys.executable, "-m", "renacer.capture.cli"]


def echo_server() -> tuple[socket.socket, int]:
    """A TCP server on 127.0.0.1 (in a daemon thread) that echoes one recv per connection; close
    the returned socket to stop it."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(512)

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                data = conn.recv(4096)
                if data:
                    conn.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    return srv, srv.getsockname()[1]


def http_server(root: Path, python: str = sys.executable,
                env: dict[str, str] | None = None) -> tuple[subprocess.Popen, int]:
    """``python -m http.server`` on 127.0.0.1 serving ``root`` (with an index.html), once it
    accepts connections; terminate the returned process to stop it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (root / "index.html").write_text("hello\n")
    proc = subprocess.Popen([python, "-m", "http.server", "--bind", "127.0.0.1", str(port)], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, port


def build_c(source: Path, exe: Path, *flags: str) -> str:
    """Compile one C workload with gcc -O2 (plus ``flags``); returns the executable's path."""
    subprocess.run(["gcc", "-O2", *flags, "-o", str(exe), str(source)], check=True)
    return str(exe)


def timed(cmd: list[str], env: dict[str, str] | None = None, ok: tuple[int, ...] | None = None) -> float:
    """Wall-clock seconds of one run of ``cmd`` (output discarded). With ``ok``, an exit status
    outside it stops the benchmark with the command's stderr; without, any status is timed."""
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL if ok is None else subprocess.PIPE, text=True, check=False)
    elapsed = time.perf_counter() - start
    if ok is not None and done.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed


def median_seconds(cmd: list[str], runs: int, ok: tuple[int, ...] = (0,), env: dict[str, str] | None = None) -> float:
    """The median of ``runs`` timed runs of one command that must exit with a status in ``ok``."""
    return statistics.median(timed(cmd, env, ok) for _ in range(runs))


def interleaved_medians(configs: dict[str, list[str]], runs: int, warm: bool = False) -> dict[str, float]:
    """Median seconds per configuration, the configurations interleaved in each of ``runs``
    rounds (so a slow patch of the machine hits all alike); ``warm`` runs each once first
    (page cache, .pyc files) without timing it."""
    if warm:
        for cmd in configs.values():
            timed(cmd)
    samples: dict[str, list[float]] = {name: [] for name in configs}
    for _ in range(runs):
        for name, cmd in configs.items():
            samples[name].append(timed(cmd))
    return {name: statistics.median(values) for name, values in samples.items()}
