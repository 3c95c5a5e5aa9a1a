"""Re-record the sample traces: real programs on 127.0.0.1, recorded by renacer itself.

    python3 sample_traces/record.py            # needs renacer installed (pip install -e .)

Each scenario starts its own servers on loopback addresses (127.0.0.0/8 only, fixed ports so
the traces stay comparable between recordings), runs one client under ``renacer -q -w``, and
stops the servers. Only the client is traced. See README.md for what each trace shows.
"""
from __future__ import annotations

import http.server
import shutil
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HTTP_PORT, CLOSED_PORT, TLS_PORT, CACHE_PORT = 18080, 18081, 18443, 18090
DNS_PRIMARY, DNS_SECONDARY = "127.0.0.1", "127.0.0.2"


def renacer() -> list[str]:
    exe = shutil.which("renacer")
    return [exe] if exe else [sys.executable, "-m", "renacer.capture.cli"]


def record(out: Path, command: list[str]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    proc = subprocess.run(renacer() + ["-q", "-w", str(out), "--"] + command, capture_output=True, text=True)
    print(f"{out.relative_to(HERE)}: exit {proc.returncode}, {out.stat().st_size} bytes")


def wait_port(host: str, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port}")


class Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args) -> None:
        pass


class Page(Quiet):
    def do_GET(self) -> None:
        body = b"<html><body>hello from renacer's sample server</body></html>\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Cached(Quiet):
    """The first request of a path is slow (a cold cache), later ones are served from memory."""

    cache: dict[str, bytes] = {}

    def do_GET(self) -> None:
        body = self.cache.get(self.path)
        if body is None:
            time.sleep(0.3)
            body = self.cache[self.path] = f"report for {self.path}\n".encode() * 50
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(handler: type, port: int) -> socketserver.TCPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def dns_servers() -> list[socket.socket]:
    """127.0.0.1:53 swallows queries (a dead primary); 127.0.0.2:53 answers every A query with
    127.0.0.10 and every other type with no records."""
    primary = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    primary.bind((DNS_PRIMARY, 53))
    secondary = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    secondary.bind((DNS_SECONDARY, 53))

    def answer() -> None:
        while True:
            try:
                msg, peer = secondary.recvfrom(512)
            except OSError:
                return
            qid = msg[:2]
            end = msg.index(b"\0", 12) + 5
            qtype = struct.unpack(">H", msg[end - 4 : end - 2])[0]
            records = [struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton("127.0.0.10")] if qtype == 1 else []
            head = qid + struct.pack(">HHHHH", 0x8180, 1, len(records), 0, 0)
            secondary.sendto(head + msg[12:end] + b"".join(records), peer)

    threading.Thread(target=answer, daemon=True).start()
    return [primary, secondary]


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="renacer-samples-"))
    try:
        server = serve(Page, HTTP_PORT)
        record(HERE / "http_curl.parquet", ["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{HTTP_PORT}/"])
        server.shutdown()

        record(HERE / "refused_curl.parquet", ["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{CLOSED_PORT}/"])

        sockets = dns_servers()
        record(HERE / "dns_fallback.parquet",
               [sys.executable, str(HERE / "dns_client.py"), "example.test", DNS_PRIMARY, DNS_SECONDARY])
        for s in sockets:
            s.close()

        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-keyout", str(work / "key.pem"), "-out", str(work / "cert.pem")],
                       check=True, capture_output=True)
        tls = subprocess.Popen(["openssl", "s_server", "-accept", f"127.0.0.1:{TLS_PORT}", "-cert", str(work / "cert.pem"),
                                "-key", str(work / "key.pem"), "-www", "-quiet"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port("127.0.0.1", TLS_PORT)
            record(HERE / "tls_curl.parquet", ["curl", "-sk", "-o", "/dev/null", f"https://127.0.0.1:{TLS_PORT}/"])
        finally:
            tls.terminate()
            tls.wait()

        server = serve(Cached, CACHE_PORT)
        url = f"http://127.0.0.1:{CACHE_PORT}/report"
        record(HERE / "cache" / "run=cold" / "trace.parquet", ["curl", "-s", "-o", "/dev/null", url])
        record(HERE / "cache" / "run=warm" / "trace.parquet", ["curl", "-s", "-o", "/dev/null", url])
        server.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
