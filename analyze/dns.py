"""Decode the DNS messages a traced program sent and received.

The analyzer only sees the first ``-s`` bytes of each datagram (64 by default), which is enough
for the 12-byte header and the question of a typical name. Everything here therefore tolerates a
message cut anywhere: what was captured is decoded, a cut name ends in ``…``.
"""
from __future__ import annotations

import struct
from typing import Any

QTYPES = {
    1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV",
    35: "NAPTR", 39: "DNAME", 41: "OPT", 43: "DS", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY",
    52: "TLSA", 64: "SVCB", 65: "HTTPS", 255: "ANY", 257: "CAA",
}
RCODES = {
    0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED",
    6: "YXDOMAIN", 7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE",
}
CUT = "…"


def _question_name(msg: bytes, pos: int) -> tuple[str | None, int]:
    """The QNAME at ``pos`` and the offset after it; the name ends in ``…`` when the capture
    stopped inside it. Question names are never compressed, so a pointer means this is not DNS."""
    labels: list[str] = []
    while True:
        if pos >= len(msg):
            return ".".join(labels) + CUT, -1
        length = msg[pos]
        if length == 0:
            return (".".join(labels) or "."), pos + 1
        if length > 63:
            return None, -1
        label = msg[pos + 1 : pos + 1 + length]
        labels.append(label.decode("ascii", "backslashreplace"))
        if len(label) < length:
            return ".".join(labels) + CUT, -1
        pos += 1 + length


def decode(data: bytes | None, tcp: bool = False) -> dict[str, Any] | None:
    """The header and first question of a DNS message, or None when it cannot be one.

    ``tcp``: DNS over a stream socket starts each message with a two-byte length, unless the
    program wrote that length in a call of its own (then the message arrives alone).
    """
    if data is None:
        return None
    msg = bytes(data)
    if tcp and len(msg) >= 14 and struct.unpack_from(">H", msg)[0] >= len(msg) - 2 > 0:
        msg = msg[2:]
    if len(msg) < 12:
        return None
    qid, flags, qdcount, ancount, _nscount, _arcount = struct.unpack_from(">6H", msg)
    opcode = (flags >> 11) & 0xF
    if opcode > 6 or qdcount > 4:
        return None
    response = bool(flags & 0x8000)
    name = qtype = None
    if qdcount:
        name, end = _question_name(msg, 12)
        if name is None:
            return None
        if end > 0 and end + 2 <= len(msg):
            (code,) = struct.unpack_from(">H", msg, end)
            qtype = QTYPES.get(code, f"TYPE{code}")
    return {
        "id": qid,
        "response": response,
        "name": name,
        "type": qtype,
        "rcode": RCODES.get(flags & 0xF, f"RCODE{flags & 0xF}") if response else None,
        "answers": ancount if response else None,
        "truncated": bool(flags & 0x0200),
    }
