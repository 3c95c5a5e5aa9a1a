"""Small decoders for captured memory, registered as SQL functions by the engine.

The recorder stores raw bytes (``data``, ``mem``); SQL cannot parse a length-prefixed part list,
a TLS record or an argv block, so these do, row by row, on the few rows a query selects. They
never raise on odd input: a trace may hold anything a program wrote.
"""
from __future__ import annotations

import os
import shlex
import struct
from typing import Any

from renacer.analyze import dns
from renacer.schema import constants


def mem_part(mem: bytes | None, index: int) -> bytes | None:
    """Part ``index`` of a length-prefixed ``mem`` cell (see schema.trace.split_mem); None when
    it is missing or was unreadable."""
    if mem is None:
        return None
    pos = 0
    i = 0
    if len(mem) >= 8 and struct.unpack_from("<I", mem, 0)[0] == 0xFFFFFFFE:
        # a cell with extra parts (schema.trace.split_mem_extras): only its base parts count here
        if index >= struct.unpack_from("<I", mem, 4)[0]:
            return None
        pos = 8
    while pos + 4 <= len(mem):
        (length,) = struct.unpack_from("<I", mem, pos)
        pos += 4
        part: bytes | None = None
        if length != 0xFFFFFFFF:
            part = bytes(mem[pos : pos + length])
            pos += length
        if i == index:
            return part
        i += 1
    return None


def mem_i32(mem: bytes | None, index: int) -> int | None:
    """The little-endian int at the start of part ``index`` (an optval such as SO_ERROR)."""
    part = mem_part(mem, index)
    if part is None or len(part) < 4:
        return None
    return struct.unpack_from("<i", part)[0]


def mem_timeval_ns(mem: bytes | None, index: int) -> int | None:
    """A struct timeval (SO_RCVTIMEO/SO_SNDTIMEO optval) in part ``index``, in ns."""
    part = mem_part(mem, index)
    if part is None or len(part) < 16:
        return None
    sec, usec = struct.unpack_from("<qq", part)
    ns = sec * 1_000_000_000 + usec * 1_000
    return ns if -(1 << 63) <= ns < (1 << 63) else None  # not a timeval (a pointer, say): no BIGINT


def errno_name(code: int | None) -> str | None:
    """Name of a Linux errno number (schema/constants.py: the names of the trace's errno column,
    whatever OS the analysis runs on); None for 0 (no error)."""
    if not code:
        return None
    return constants.errno_name(code) or f"E{code}"


def strerror(name: str | None) -> str | None:
    """The C library's text for an errno name (``ENOENT`` -> ``No such file or directory``)."""
    code = constants.ERRNO.get(name) if name else None
    return os.strerror(code) if code else None


def argv_text(mem: bytes | None, index: int = 0) -> str | None:
    """The argv block (NUL-ended strings) in part ``index`` as a shell-quoted command line."""
    part = mem_part(mem, index)
    if part is None:
        return None
    args = part.split(b"\0")
    if args and args[-1] == b"":
        args.pop()
    cut = bool(args) and args[-1] == b""  # the recorder's mark of a list cut at ARGV_MAX
    words = [shlex.quote(a.decode("utf-8", "backslashreplace")) for a in args if a]
    return " ".join(words) + (" …" if cut else "")


# -- protocol tagging ------------------------------------------------------------------------------

HTTP_METHODS = (b"GET ", b"POST ", b"PUT ", b"DELETE ", b"HEAD ", b"OPTIONS ", b"PATCH ", b"CONNECT ")
TLS_VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}
TLS_ALERTS = {
    0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 40: "handshake_failure",
    42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
    45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter",
    48: "unknown_ca", 50: "decode_error", 51: "decrypt_error", 70: "protocol_version",
    71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback",
    90: "user_canceled", 109: "missing_extension", 110: "unsupported_extension",
    112: "unrecognized_name", 116: "certificate_required", 120: "no_application_protocol",
}


def _is_tls_record(chunk: bytes) -> bool:
    return len(chunk) >= 3 and 20 <= chunk[0] <= 23 and chunk[1] == 3 and chunk[2] <= 4


def _line(chunk: bytes) -> str:
    return chunk.split(b"\r\n", 1)[0].split(b"\n", 1)[0].decode("latin-1")


def _tls(requests: list[bytes], responses: list[bytes]) -> tuple[str, str]:
    """Version and how far the handshake got, from the records each side's reads/writes start
    with. OpenSSL reads a 5-byte record header and then its body, so headers show up as reads
    of their own; only record starts are trusted, never a reassembled stream (payloads are cut
    at ``-s`` bytes)."""
    kinds = [c[0] for c in responses if _is_tls_record(c)]
    hello = next((c for c in responses if len(c) >= 11 and c[0] == 0x16 and c[5] == 2), None)
    if hello is None:  # header and body read separately: the body starts with type 2
        hello = next((b"\x16\x03\x03\x00\x00" + c for c in responses if len(c) >= 6 and c[0] == 2
                      and c[4] == 3), None)
    version = None
    if hello is not None:
        legacy = struct.unpack_from(">H", hello, 9)[0]
        version = TLS_VERSIONS.get(legacy, f"0x{legacy:04x}")
        # TLS 1.3 hides everything after ServerHello: its next record that is not the
        # compatibility ChangeCipherSpec is application data, where 1.2 sends a plain handshake.
        after = kinds[kinds.index(0x16) + 1 :] if 0x16 in kinds else []
        after = [k for k in after if k != 0x14]
        if legacy == 0x0303 and after and after[0] == 0x17:
            version = "TLS 1.3"
    alert = None
    for c in responses:
        if len(c) >= 7 and c[0] == 0x15 and c[1] == 3:
            alert = TLS_ALERTS.get(c[6], f"alert {c[6]}")
            break
        if len(c) == 2 and c[0] in (1, 2) and kinds and kinds[-1] == 0x15:
            alert = TLS_ALERTS.get(c[1], f"alert {c[1]}")
    steps = ["ClientHello"] if any(len(c) >= 6 and c[0] == 0x16 and c[5] == 1 for c in requests) else []
    if hello is not None:
        steps.append("ServerHello")
    if 0x17 in kinds:
        steps.append("application data")
    detail = " → ".join(steps) if steps else "TLS records"
    if alert:
        detail += f" (alert: {alert})"
    return version or "TLS", detail


def protocol(
    sent: list[bytes | None] | None,
    received: list[bytes | None] | None,
    port: int | None = None,
    accepted: bool = False,
) -> dict[str, str | None]:
    """What protocol a connection speaks, from the first payloads each way.

    ``sent``/``received`` are the first few payloads written and read on the socket, in order;
    ``accepted`` says the socket came from accept(), so the peer is the client and the request
    is what was received.
    """
    sent_bytes = [bytes(c) for c in (sent or []) if c]
    received_bytes = [bytes(c) for c in (received or []) if c]
    requests, responses = (received_bytes, sent_bytes) if accepted else (sent_bytes, received_bytes)
    first_req = requests[0] if requests else b""
    first_resp = responses[0] if responses else b""
    none: dict[str, str | None] = {"protocol": None, "detail": None}
    version: str | None
    detail: str | None
    if _is_tls_record(first_req) or (not first_req and _is_tls_record(first_resp)):
        version, detail = _tls(requests, responses)
        return {"protocol": version, "detail": detail}
    if first_req.startswith(b"PRI * HTTP/2.0"):
        return {"protocol": "HTTP/2", "detail": "prior knowledge"}
    if first_req.startswith(HTTP_METHODS) or first_resp.startswith(b"HTTP/"):
        request_line = _line(first_req) if first_req.startswith(HTTP_METHODS) else None
        status_line = _line(first_resp) if first_resp.startswith(b"HTTP/") else None
        words = request_line.split(" ") if request_line else []
        version = words[-1] if len(words) >= 3 and words[-1].startswith("HTTP/") else None
        if status_line and not version:
            version = status_line.split(" ", 1)[0]
        lower = first_req.lower()
        upgrade = b"upgrade: websocket" in lower or b"sec-websocket" in lower
        status = status_line.split(" ", 1)[1] if status_line and " " in status_line else None
        if upgrade or (status and status.startswith("101") and b"h2c" not in lower):
            name = "WebSocket"
        else:
            name = version or "HTTP"
        target = " ".join(words[:2]) if len(words) >= 2 else None
        more = sum(1 for c in requests if c.startswith(HTTP_METHODS)) - 1
        detail = " → ".join(x for x in (target, status) if x) or None
        if detail and more > 0:
            detail += f" (+{more} more request{'s' if more > 1 else ''})"
        return {"protocol": name, "detail": detail}
    if port in (53, 5353):
        query = dns.decode(first_req) or dns.decode(first_req, tcp=True)
        answer = dns.decode(first_resp) or dns.decode(first_resp, tcp=True)
        if query is None:
            return {"protocol": "DNS", "detail": None}
        detail = f"{query['type'] or '?'} {query['name']}"
        if answer is not None and answer["response"]:
            count = answer["answers"]
            detail += f" → {answer['rcode']} ({count} answer{'s' if count != 1 else ''})"
        return {"protocol": "DNS", "detail": detail}
    if first_req.startswith(b"SSH-") or first_resp.startswith(b"SSH-"):
        return {"protocol": "SSH", "detail": _line(first_req or first_resp)}
    return none


def dns_message(data: bytes | None, tcp: bool = False) -> dict[str, Any] | None:
    return dns.decode(data, tcp)
