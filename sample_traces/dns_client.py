"""A tiny stub resolver, recorded by record.py: asks each server in turn, like glibc does.

Usage: dns_client.py NAME SERVER[:PORT]... — one connected UDP socket per server, a 1 s
timeout, then the next server; then the AAAA query to the server that answered.
"""
from __future__ import annotations

import random
import socket
import struct
import sys


def query(qid: int, name: str, qtype: int) -> bytes:
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname + struct.pack(">HH", qtype, 1)


def ask(server: str, name: str, qtype: int) -> bytes | None:
    host, _, port = server.partition(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((host, int(port or 53)))
        qid = random.randrange(1, 0xFFFF)
        s.send(query(qid, name, qtype))
        s.settimeout(1.0)
        try:
            while True:
                answer = s.recv(512)
                if answer[:2] == struct.pack(">H", qid):
                    return answer
        except socket.timeout:
            return None


def main() -> int:
    name, servers = sys.argv[1], sys.argv[2:]
    for server in servers:
        answer = ask(server, name, 1)
        if answer is not None:
            print(f"{name} A via {server}: {len(answer)} bytes")
            six = ask(server, name, 28)
            print(f"{name} AAAA via {server}: {len(six or b'')} bytes")
            return 0
        print(f"{server}: no answer", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
