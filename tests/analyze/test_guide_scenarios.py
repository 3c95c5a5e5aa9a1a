"""The guide's network scenarios, rebuilt on 127.0.0.1, traced live; each asserts decoded lines."""
from __future__ import annotations

import re
import shutil
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import run_renacer

CLIENT = textwrap.dedent(
    """
    import socket, sys, time
    port, mode = int(sys.argv[1]), sys.argv[2]
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if mode == "close":
        s.recv(100); s.recv(100)
    elif mode == "reset":
        try:
            s.recv(100)
        except ConnectionResetError:
            pass
    elif mode == "epipe":
        time.sleep(0.3)
        for _ in range(5):
            try:
                s.send(b"data", socket.MSG_NOSIGNAL)
            except (BrokenPipeError, ConnectionResetError) as exc:
                if isinstance(exc, BrokenPipeError):
                    break
            time.sleep(0.05)
    elif mode == "websocket":
        s.sendall(b"GET /ws HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n"
                  b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n")
        s.recv(200)
        s.sendall(b"\\x81\\x85\\x00\\x00\\x00\\x00hello")
        s.recv(100)
    s.close()
    """
)


def serve_once(handler: Callable[[socket.socket], None]) -> tuple[int, threading.Thread]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(20)

    def run() -> None:
        try:
            conn, _ = srv.accept()
            with conn:
                handler(conn)
        finally:
            srv.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return srv.getsockname()[1], thread


def trace_client(tmp_path: Path, port: int, mode: str, expr: str) -> str:
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    res = run_renacer(["-e", expr, "--", sys.executable, str(script), str(port), mode])
    assert res.returncode == 0, res.stderr
    return res.stderr


SA = r'\{sa_family=AF_INET, sin_port=htons\(%d\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}'


def free_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    return port


def test_the_guide_s_refused_connect_line_for_a_blocking_connect() -> None:
    port = free_port()
    res = run_renacer(["-e", "trace=connect", "--", sys.executable, "-c",
                       f"import socket; socket.socket().connect(('127.0.0.1', {port}))"])
    assert res.returncode == 1  # python's traceback, passed on
    assert re.search(r"^connect\(3, %s, 16\) = -ECONNREFUSED$" % (SA % port), res.stderr, re.M), res.stderr


def test_the_guide_s_curl_command_shows_the_refusal_of_its_nonblocking_connect() -> None:
    port = free_port()
    # the guide's command, verbatim but for the port: curl connects non-blocking, learns the
    # refusal through getsockopt(SO_ERROR), which -e trace=connect does not show
    res = run_renacer(["-e", "trace=connect", "--", "curl", f"http://localhost:{port}"])
    assert res.returncode == 7  # curl's "could not connect", passed on
    # not anchored at the line's start: live lines come as the calls happen, so the line may follow
    # curl's own progress meter on stderr (a \r-ended line), as strace's would
    assert re.search(r"connect\(\d+, %s, 16\) = -EINPROGRESS \(then ECONNREFUSED\)$" % (SA % port),
                     res.stderr, re.M), res.stderr
    assert "getsockopt" not in res.stderr and "close(" not in res.stderr
    strace_style = run_renacer(["--style", "strace", "-e", "trace=connect", "--", "curl", f"http://127.0.0.1:{port}"])
    assert re.search(r"connect\(\d+, %s, 16\) = -1 EINPROGRESS \(Operation now in progress\)$" % (SA % port),
                     strace_style.stderr, re.M), strace_style.stderr
    assert "then" not in strace_style.stderr


def test_refused_nonblocking_connect_shows_so_error_like_curl_learns_it() -> None:
    port = free_port()
    res = run_renacer(["-e", "trace=connect,getsockopt", "--", "curl", "-s", f"http://127.0.0.1:{port}/"])
    assert res.returncode == 7
    # not anchored at the line's start: live lines come as the calls happen, so the line may follow
    # curl's own progress meter on stderr (a \r-ended line), as strace's would
    assert re.search(r"connect\(\d+, %s, 16\) = -EINPROGRESS \(then ECONNREFUSED\)$" % (SA % port),
                     res.stderr, re.M), res.stderr
    assert re.search(r"^getsockopt\(\d+, SOL_SOCKET, SO_ERROR, \[ECONNREFUSED\], \[4\]\) = 0$", res.stderr, re.M)


def test_a_nonblocking_connect_that_succeeds_says_connected(tmp_path: Path) -> None:
    port, server = serve_once(lambda conn: conn.recv(100))
    client = tmp_path / "nb.py"
    client.write_text(
        "import select, socket\n"
        "s = socket.socket(); s.setblocking(False)\n"
        f"s.connect_ex(('127.0.0.1', {port}))\n"
        "select.select([], [s], [], 10)\n"
        "assert s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0\n"
        "s.close()\n"
    )
    res = run_renacer(["-e", "trace=connect", "--", sys.executable, str(client)])
    server.join(10)
    assert res.returncode == 0, res.stderr
    assert re.search(r"^connect\(3, %s, 16\) = -EINPROGRESS \(then connected\)$" % (SA % port),
                     res.stderr, re.M), res.stderr


def test_server_that_closes_mid_stream_reads_as_zero(tmp_path: Path) -> None:
    port, server = serve_once(lambda conn: conn.sendall(b"hello"))
    out = trace_client(tmp_path, port, "close", "trace=connect,setsockopt,recvfrom")
    server.join(10)
    assert re.search(r"^connect\(\d+, %s, 16\) = 0$" % (SA % port), out, re.M), out
    assert re.search(r"^setsockopt\(\d+, SOL_SOCKET, SO_KEEPALIVE, \[1\], 4\) = 0$", out, re.M)
    assert re.search(r"^setsockopt\(\d+, SOL_TCP, TCP_NODELAY, \[1\], 4\) = 0$", out, re.M)
    assert re.search(r'^recvfrom\(\d+, "hello", 100, 0, NULL, NULL\) = 5$', out, re.M)
    assert re.search(r'^recvfrom\(\d+, "", 100, 0, NULL, NULL\) = 0$', out, re.M)


def test_server_that_resets_gives_econnreset(tmp_path: Path) -> None:
    def reset(conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        time.sleep(0.2)

    port, server = serve_once(reset)
    out = trace_client(tmp_path, port, "reset", "trace=recvfrom")
    server.join(10)
    assert re.search(r"^recvfrom\(\d+, 0x[0-9a-f]+, 100, 0, NULL, NULL\) = -ECONNRESET$",
                     out, re.M), out


def test_write_to_a_closed_peer_with_msg_nosignal_gives_epipe(tmp_path: Path) -> None:
    port, server = serve_once(lambda conn: None)
    out = trace_client(tmp_path, port, "epipe", "trace=sendto")
    server.join(10)
    assert re.search(r'^sendto\(\d+, "data", 4, MSG_NOSIGNAL, NULL, 0\) = -EPIPE$', out, re.M), out


def test_websocket_upgrade_and_a_frame(tmp_path: Path) -> None:
    def websocket(conn: socket.socket) -> None:
        conn.recv(1000)
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        conn.recv(100)
        conn.sendall(b"\x81\x05hello")

    port, server = serve_once(websocket)
    out = trace_client(tmp_path, port, "websocket", "trace=sendto,recvfrom")
    server.join(10)
    # the first 64 bytes, then "..." (the default -s)
    assert re.search(r'^sendto\(\d+, "GET /ws HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nUpgrade: websocket\\r\\nConnectio"'
                     r'\.\.\., 150, 0, NULL, 0\) = 150$', out, re.M), out
    assert re.search(r'^recvfrom\(\d+, "HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection"'
                     r'\.\.\., 200, 0, NULL, NULL\) = 77$', out, re.M), out
    assert re.search(r'^recvfrom\(\d+, "\\201\\5hello", 100, 0, NULL, NULL\) = 7$', out, re.M), out


def test_udp_dns_query_to_a_local_responder(tmp_path: Path) -> None:
    responder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    responder.bind(("127.0.0.1", 0))
    responder.settimeout(20)
    port = responder.getsockname()[1]
    query = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x04test\x00\x00\x01\x00\x01"

    def answer() -> None:
        data, peer = responder.recvfrom(512)
        responder.sendto(data[:2] + b"\x81\x80" + data[4:], peer)

    threading.Thread(target=answer, daemon=True).start()
    client = tmp_path / "dns.py"
    client.write_text(
        "import socket, sys\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        f"s.sendto({query!r}, ('127.0.0.1', {port}))\n"
        "s.recvfrom(512)\n"
    )
    res = run_renacer(["-x", "-e", "trace=sendto,recvfrom", "--", sys.executable, str(client)])
    responder.close()
    assert res.returncode == 0, res.stderr
    hexed = "".join(f"\\\\x{b:02x}" for b in query)
    assert re.search(r'^sendto\(\d+, "%s", %d, 0, %s, 16\) = %d$' % (hexed, len(query), SA % port, len(query)),
                     res.stderr, re.M), res.stderr
    assert re.search(r'^recvfrom\(\d+, "\\x12\\x34\\x81\\x80.*", 512, 0, %s, \[16\]\) = %d$' % (SA % port, len(query)),
                     res.stderr, re.M), res.stderr


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_tls_handshake_bytes_are_visible_as_tls_records(tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-subj", "/CN=127.0.0.1", "-days", "1"], check=True, capture_output=True)
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    server = subprocess.Popen(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(cert), "-key", str(key),
                               "-naccept", "1", "-quiet"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        # the readiness probe used the one accept: start a second server for the traced client
        server.wait(timeout=10)
        server = subprocess.Popen(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(cert), "-key",
                                   str(key), "-naccept", "1", "-quiet"], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        res = run_renacer(["-x", "-e", "trace=connect,write,sendto", "--", "openssl", "s_client", "-connect",
                           f"127.0.0.1:{port}", "-brief"], input="", timeout=60)
    finally:
        server.kill()
        server.wait()
    assert re.search(r"^connect\(\d+, %s, 16\) = 0$" % (SA % port), res.stderr, re.M), res.stderr
    # a TLS handshake record, ClientHello: content type 22, version 3.1
    assert re.search(r'^(write|sendto)\(\d+, "\\x16\\x03\\x01', res.stderr, re.M), res.stderr


SUMMARY_CLIENT = textwrap.dedent(
    """
    import socket, sys
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"ping")
    s.recv(100)
    s.close()
    if sys.argv[2:] == ["talk"]:
        print("the program's own output")
    """
)


def summary_run(tmp_path: Path, name: str, *extra: str, talk: bool = False) -> tuple[str, str]:
    """``renacer -c -e trace=network [extra] -- ./client > NAME``: (the file, stderr)."""
    port, server = serve_once(lambda conn: (conn.recv(100), conn.sendall(b"pong")))
    script = tmp_path / "summary_client.py"
    script.write_text(SUMMARY_CLIENT)
    target = tmp_path / name
    with open(target, "w") as stdout:
        res = run_renacer(["-c", *extra, "-e", "trace=network", "--", sys.executable, str(script), str(port),
                           *(["talk"] if talk else [])], stdout=stdout, stderr=subprocess.PIPE, capture_output=False)
    server.join(10)
    assert res.returncode == 0, res.stderr
    return target.read_text(), res.stderr


def test_summary_redirected_to_a_file_is_the_guide_s_table_in_lifecycle_order(tmp_path: Path) -> None:
    v1, err1 = summary_run(tmp_path, "v1.txt")
    v2, _ = summary_run(tmp_path, "v2.txt")
    lines = v1.splitlines()
    assert lines[:2] == ["System Call Summary:", "===================="], v1
    assert lines[2].split() == ["Syscall", "Calls", "Errors", "Total", "Time", "Avg", "Time", "p50", "p90", "p99"]
    names = [line.split()[0] for line in lines[3:]]
    # the protocol's lifecycle, whatever each call cost
    assert names[0] == "socket" and names[-1] == "total"
    assert names.index("connect") < names.index("sendto") < names.index("recvfrom")
    assert all(re.fullmatch(r"\d+\.\d\dms", line.split()[3]) for line in lines[3:]), v1
    # two runs of the same program: the same rows on the same lines, for diff
    assert [line.split()[:3] for line in v2.splitlines()] == [line.split()[:3] for line in lines]
    assert "System Call Summary" not in err1 and "mixed" not in err1


def test_summary_says_so_when_the_program_writes_to_the_same_file(tmp_path: Path) -> None:
    both, err = summary_run(tmp_path, "v1.txt", talk=True)
    assert "the program's own output" in both and "System Call Summary:" in both
    assert "also wrote to standard output" in err and "-o FILE" in err


def test_strace_style_summary_is_strace_s_table_on_stderr(tmp_path: Path) -> None:
    out, err = summary_run(tmp_path, "v1.txt", "--style", "strace")
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "System Call Summary:" and set(lines[2]) == {"-", " "}
    totals = [float(line.split()[3]) for line in lines[3:-2]]
    assert totals == sorted(totals, reverse=True)  # seconds, largest total first
