"""Re-record the sample traces: real programs on 127.0.0.1, recorded by renacer itself.

    python3 sample_traces/record.py            # needs renacer installed (pip install -e .)

Each scenario starts its own servers on loopback addresses (127.0.0.0/8 only, fixed ports so
the traces stay comparable between recordings), runs one client under ``renacer -q -w``, and
stops the servers. Only the client is traced. See README.md for what each trace shows.

    python3 sample_traces/record.py dns_glibc  # re-record only the traces named

``dns_glibc`` runs glibc's own resolver (``getent ahosts``) inside private mount and network
namespaces (``unshare -m -n``, as root): there /etc/resolv.conf, /etc/nsswitch.conf and
/etc/hosts are bind-mounted from a temporary folder and 127.0.0.1:53 is the namespace's own
loopback, so neither the machine's files nor its network are touched.
"""
from __future__ import annotations

import argparse
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
GLIBC_NAME = "renacer.test"  # what getent asks the namespace's resolver on 127.0.0.1:53
GLIBC_ETC = {
    "resolv.conf": "nameserver 127.0.0.1\noptions timeout:2 attempts:2\n",
    "nsswitch.conf": "hosts: files dns\n",
    "hosts": "127.0.0.1 localhost\n::1 localhost\n",
}


def renacer() -> list[str]:
    exe = shutil.which("renacer")
    return [exe] if exe else [sys.executable, "-m", "renacer.capture.cli"]


def record(out: Path, command: list[str], options: list[str] | None = None) -> subprocess.CompletedProcess:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    proc = subprocess.run(renacer() + ["-q", *(options or []), "-w", str(out), "--"] + command,
                          capture_output=True, text=True)
    shown = out.relative_to(HERE) if out.is_relative_to(HERE) else out
    size = f"{out.stat().st_size} bytes" if out.exists() else "no trace"
    print(f"{shown}: exit {proc.returncode}, {size}", flush=True)
    return proc


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


def dns_responder(host: str, port: int = 53) -> socket.socket:
    """A UDP DNS server on host:port that answers every A query with 127.0.0.10 and every other
    type with no records (NOERROR), until its socket is closed."""
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind((host, port))

    def answer() -> None:
        while True:
            try:
                msg, peer = server.recvfrom(512)
            except OSError:
                return
            try:
                qid = msg[:2]
                end = msg.index(b"\0", 12) + 5
                qtype = struct.unpack(">H", msg[end - 4 : end - 2])[0]
            except (ValueError, struct.error):
                continue  # not a question
            records = [struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton("127.0.0.10")] if qtype == 1 else []
            head = qid + struct.pack(">HHHHH", 0x8180, 1, len(records), 0, 0)
            server.sendto(head + msg[12:end] + b"".join(records), peer)

    threading.Thread(target=answer, daemon=True).start()
    return server


def dns_servers() -> list[socket.socket]:
    """127.0.0.1:53 swallows queries (a dead primary); 127.0.0.2:53 answers every A query with
    127.0.0.10 and every other type with no records."""
    primary = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    primary.bind((DNS_PRIMARY, 53))
    return [primary, dns_responder(DNS_SECONDARY)]


def namespace_support() -> str | None:
    """Why glibc's resolver cannot be recorded here, or None when it can: ``record_glibc``
    needs unshare(1), getent and the right (root) to make mount and network namespaces and to
    bind-mount files in them."""
    for tool in ("unshare", "getent", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    with tempfile.TemporaryDirectory(prefix="renacer-ns-") as tmp:
        a, b = Path(tmp, "a"), Path(tmp, "b")
        a.write_text("a")
        b.write_text("b")
        try:
            proc = subprocess.run(
                ["unshare", "--mount", "--net", "--propagation", "private",
                 "sh", "-c", 'mount --bind "$1" "$2" && cat "$2"', "sh", str(a), str(b)],
                capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"unshare failed: {e}"
        if proc.returncode != 0 or proc.stdout != "a":
            why = proc.stderr.strip().splitlines()
            return f"unshare --mount --net with a bind mount fails here ({why[-1] if why else proc.returncode})"
    return None


def record_glibc(out: Path, name: str = GLIBC_NAME) -> subprocess.CompletedProcess:
    """Record ``getent ahosts NAME`` (glibc's getaddrinfo: A and AAAA sent together with one
    sendmmsg) with ``-s 512`` into ``out``, against ``dns_responder`` on 127.0.0.1:53, inside new
    mount and network namespaces (see the module's docstring). Check ``namespace_support`` first."""
    return subprocess.run(
        ["unshare", "--mount", "--net", "--propagation", "private",
         sys.executable, str(Path(__file__).resolve()), "--in-namespace", str(Path(out).resolve()), name],
        capture_output=True, text=True, timeout=120)


def _glibc_in_namespace(out: Path, name: str) -> int:
    """The part of ``record_glibc`` that runs in the new namespaces."""
    if shutil.which("ip"):
        subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True)
    etc = Path(tempfile.mkdtemp(prefix="renacer-etc-"))
    server = None
    try:
        for file, text in GLIBC_ETC.items():
            (etc / file).write_text(text)
            subprocess.run(["mount", "--bind", str(etc / file), f"/etc/{file}"], check=True)
        server = dns_responder("127.0.0.1")
        proc = record(out, ["getent", "ahosts", name], ["-s", "512"])
        sys.stdout.write(proc.stdout)
        return proc.returncode
    finally:
        if server is not None:
            server.close()
        shutil.rmtree(etc, ignore_errors=True)


def record_http(work: Path) -> None:
    server = serve(Page, HTTP_PORT)
    record(HERE / "http_curl.parquet", ["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{HTTP_PORT}/"])
    server.shutdown()


def record_refused(work: Path) -> None:
    record(HERE / "refused_curl.parquet", ["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{CLOSED_PORT}/"])


def record_dns_fallback(work: Path) -> None:
    sockets = dns_servers()
    record(HERE / "dns_fallback.parquet",
           [sys.executable, str(HERE / "dns_client.py"), "example.test", DNS_PRIMARY, DNS_SECONDARY])
    for s in sockets:
        s.close()


def record_dns_glibc(work: Path) -> None:
    reason = namespace_support()
    if reason:
        print(f"dns_glibc.parquet: not re-recorded: {reason}", file=sys.stderr)
        return
    proc = record_glibc(HERE / "dns_glibc.parquet")
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)


def record_tls(work: Path) -> None:
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


def record_cache(work: Path) -> None:
    server = serve(Cached, CACHE_PORT)
    url = f"http://127.0.0.1:{CACHE_PORT}/report"
    record(HERE / "cache" / "run=cold" / "trace.parquet", ["curl", "-s", "-o", "/dev/null", url])
    record(HERE / "cache" / "run=warm" / "trace.parquet", ["curl", "-s", "-o", "/dev/null", url])
    server.shutdown()


SCENARIOS = {
    "http_curl": record_http,
    "refused_curl": record_refused,
    "dns_fallback": record_dns_fallback,
    "dns_glibc": record_dns_glibc,
    "tls_curl": record_tls,
    "cache": record_cache,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("traces", nargs="*", metavar="TRACE",
                        help=f"re-record only these ({', '.join(SCENARIOS)}); all by default")
    parser.add_argument("--in-namespace", nargs=2, metavar=("OUT", "NAME"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = [t for t in args.traces if t not in SCENARIOS]
    if unknown:
        parser.error(f"no sample trace named {', '.join(unknown)} (known: {', '.join(SCENARIOS)})")
    if args.in_namespace:
        out, name = args.in_namespace
        return _glibc_in_namespace(Path(out), name)
    work = Path(tempfile.mkdtemp(prefix="renacer-samples-"))
    try:
        for name, scenario in SCENARIOS.items():
            if not args.traces or name in args.traces:
                scenario(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
