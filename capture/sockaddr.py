"""Decoding a raw sockaddr into the trace's family/addr/port columns, without numpy or pyarrow:
shared by the Arrow conversion (batches.py) and the live path's column lists (rows.py)."""
from __future__ import annotations

import socket
import struct
from functools import lru_cache


def decode_sockaddr(raw: bytes) -> tuple[str | None, str | None, int | None]:
    """(family, addr, port) of a raw sockaddr, as stored in the family/addr/port columns."""
    if len(raw) < 2:
        return None, None, None
    (fam,) = struct.unpack_from("<H", raw, 0)
    family = _family_name(fam)
    if fam == socket.AF_INET and len(raw) >= 8:
        return family, socket.inet_ntop(socket.AF_INET, raw[4:8]), struct.unpack_from(">H", raw, 2)[0]
    if fam == socket.AF_INET6 and len(raw) >= 24:
        return family, socket.inet_ntop(socket.AF_INET6, raw[8:24]), struct.unpack_from(">H", raw, 2)[0]
    if fam == socket.AF_UNIX:
        path = raw[2:]
        if path[:1] == b"\0":
            return family, "@" + path[1:].decode("utf-8", "backslashreplace"), None
        return family, path.split(b"\0", 1)[0].decode("utf-8", "backslashreplace"), None
    if fam == socket.AF_NETLINK and len(raw) >= 12:
        pid, groups = struct.unpack_from("<II", raw, 4)
        return family, f"{pid}:{groups}", None
    return family, None, None


@lru_cache(maxsize=64)
def _family_name(fam: int) -> str:
    from renacer.schema import constants

    return constants.enum_name(constants.AF, fam) or f"AF_{fam}"
