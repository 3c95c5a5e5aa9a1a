"""Control messages (``msg_control`` of sendmsg/recvmsg) as strace 6.1 prints them.

strace walks the buffer header by header: ``{cmsg_len=N, cmsg_level=SOL_…, cmsg_type=…`` and,
when the level has a printer for the type and the payload is at least the printer's minimum,
``, cmsg_data=…``. SOL_SOCKET and SOL_IP have printers (``PRINTERS`` below, registered per
(level, type)); other levels print the type as a number and no data. A buffer whose tail is too
short for another header ends with ``... /* 0x… */`` (its address); one longer than the bytes
the recorder keeps (captures.MSG_CONTROL_MAX) ends with ``...``.

The interface an index names (IP_PKTINFO's ``ipi_ifindex``) comes from the table the recorder
wrote into the trace's metadata (``DecodeOptions.interfaces``), so a trace replayed on another
machine names the recording host's interfaces, never the replaying one's.
"""
from __future__ import annotations

import _socket  # the C module: `socket` (~2 ms, its enums) is more than inet_ntop needs
import struct
from typing import Callable

from renacer.schema import constants as C

from .common import DecodeOptions, ptr, quote, table, xlat, xval

_HEADER = struct.Struct("<Qii")  # cmsg_len (size_t), cmsg_level, cmsg_type
_SOL_SOCKET, _SOL_IP = 1, 0

Printer = Callable[[bytes, DecodeOptions], str]


def ifindex(index: int, opts: DecodeOptions) -> str:
    """``if_nametoindex("lo")`` when the recording host had an interface of that index, else
    the number (what strace prints when if_indextoname fails)."""
    name = opts.interfaces.get(index) if opts.interfaces else None
    return f'if_nametoindex("{name}")' if name else str(index)


def _limited(items: list[str], opts: DecodeOptions) -> str:
    """An array of at most -s elements, then ``...`` (strace's print_local_array)."""
    if len(items) > opts.string_size:
        items = items[: opts.string_size] + ["..."]
    return "[" + ", ".join(items) + "]"


def _rights(data: bytes, opts: DecodeOptions) -> str:
    n = len(data) // 4
    return _limited([str(v) for v in struct.unpack_from(f"<{n}i", data)], opts)


def _creds(data: bytes, opts: DecodeOptions) -> str:
    pid, uid, gid = struct.unpack_from("<iII", data)
    return f"{{pid={pid}, uid={uid}, gid={gid}}}"


def _security(data: bytes, opts: DecodeOptions) -> str:
    return quote(data, opts)


def _timeval(data: bytes, opts: DecodeOptions) -> str:
    if len(data) != 16:
        return quote(data, opts)
    sec, usec = struct.unpack_from("<qq", data)
    return f"{{tv_sec={sec}, tv_usec={usec}}}"


def _timespec_at(data: bytes, offset: int) -> str:
    sec, nsec = struct.unpack_from("<qq", data, offset)
    return f"{{tv_sec={sec}, tv_nsec={nsec}}}"


def _timespec(data: bytes, opts: DecodeOptions) -> str:
    return _timespec_at(data, 0) if len(data) == 16 else quote(data, opts)


def _timespec3(data: bytes, opts: DecodeOptions) -> str:
    if len(data) != 48:
        return quote(data, opts)
    return "[" + ", ".join(_timespec_at(data, 16 * i) for i in range(3)) + "]"


def _pktinfo(data: bytes, opts: DecodeOptions) -> str:
    index = struct.unpack_from("<i", data)[0]
    spec = _socket.inet_ntop(_socket.AF_INET, data[4:8])
    addr = _socket.inet_ntop(_socket.AF_INET, data[8:12])
    return (f'{{ipi_ifindex={ifindex(index, opts)}, ipi_spec_dst=inet_addr("{spec}"), '
            f'ipi_addr=inet_addr("{addr}")}}')


def _uints(data: bytes, opts: DecodeOptions) -> str:
    n = len(data) // 4
    return _limited([str(v) for v in struct.unpack_from(f"<{n}I", data)], opts)


def _bytes_hex(data: bytes, opts: DecodeOptions) -> str:
    return _limited([xval(b) for b in data], opts)


def _sockaddr(data: bytes, opts: DecodeOptions) -> str:
    from .sockets import sockaddr_text  # sockets imports this module

    return sockaddr_text(data, min(len(data), 128), opts)


def _recverr(data: bytes, opts: DecodeOptions) -> str:
    errno_, origin, type_, code, _pad, info, edata = struct.unpack_from("<IBBBBII", data)
    return (f"{{ee_errno={errno_}, ee_origin={origin}, ee_type={type_}, ee_code={code}, "
            f"ee_info={info}, ee_data={edata}, offender={_sockaddr(data[16:32], opts)}}}")


# (level, type) -> (printer, minimum payload): strace's cmsg_socket_printers and cmsg_ip_printers
PRINTERS: dict[tuple[int, int], tuple[Printer, int]] = {
    (_SOL_SOCKET, 1): (_rights, 4),  # SCM_RIGHTS
    (_SOL_SOCKET, 2): (_creds, 12),  # SCM_CREDENTIALS
    (_SOL_SOCKET, 3): (_security, 1),  # SCM_SECURITY
    (_SOL_SOCKET, 29): (_timeval, 1),  # SO_TIMESTAMP_OLD
    (_SOL_SOCKET, 35): (_timespec, 1),  # SO_TIMESTAMPNS_OLD
    (_SOL_SOCKET, 37): (_timespec3, 1),  # SO_TIMESTAMPING_OLD
    (_SOL_SOCKET, 63): (_timeval, 1),  # SO_TIMESTAMP_NEW
    (_SOL_SOCKET, 64): (_timespec, 1),  # SO_TIMESTAMPNS_NEW
    (_SOL_SOCKET, 65): (_timespec3, 1),  # SO_TIMESTAMPING_NEW
    (_SOL_IP, 8): (_pktinfo, 12),  # IP_PKTINFO
    (_SOL_IP, 2): (_uints, 4),  # IP_TTL
    (_SOL_IP, 1): (_bytes_hex, 1),  # IP_TOS
    (_SOL_IP, 6): (_bytes_hex, 1),  # IP_RECVOPTS
    (_SOL_IP, 7): (_bytes_hex, 1),  # IP_RETOPTS
    (_SOL_IP, 11): (_recverr, 32),  # IP_RECVERR: sock_extended_err and the offender
    (_SOL_IP, 20): (_sockaddr, 16),  # IP_ORIGDSTADDR
    (_SOL_IP, 23): (_uints, 4),  # IP_CHECKSUM
    (_SOL_IP, 3): (_security, 1),  # SCM_SECURITY's number, as strace registers it under SOL_IP
}

# level -> (type table, placeholder for an unknown type)
_TYPE_NAMES = {_SOL_SOCKET: ("CMSG_SOCKET", "SCM_???"), _SOL_IP: ("CMSG_IP", "IP_???")}


def _type_text(level: int, ctype: int) -> str:
    names = _TYPE_NAMES.get(level)
    if names is None:
        return xval(ctype & 0xFFFFFFFF)
    return xlat(table(names[0]), ctype & 0xFFFFFFFF, names[1])


def cmsgs(control: bytes | None, addr: int, controllen: int, opts: DecodeOptions) -> str:
    """The ``msg_control`` value: the list of control messages in the captured ``control`` bytes
    (``controllen`` is msg_controllen; at most captures.MSG_CONTROL_MAX bytes are captured), or
    the address when they were not read or cannot hold one header."""
    if control is None or len(control) < _HEADER.size or controllen < _HEADER.size:
        return ptr(addr)
    data = control[:controllen]
    cut = len(data) < controllen  # the recorder kept only the first bytes
    left = len(data)
    pos = 0
    items: list[str] = []
    while left >= _HEADER.size:
        clen, level, ctype = _HEADER.unpack_from(data, pos)
        length = min(clen, left)
        text = (f"{{cmsg_len={clen}, cmsg_level={xlat(C.SOL, level & 0xFFFFFFFF, 'SOL_???')}, "
                f"cmsg_type={_type_text(level, ctype)}")
        body = data[pos + _HEADER.size:pos + length] if length > _HEADER.size else b""
        printer = PRINTERS.get((level, ctype))
        if printer is not None and len(body) >= printer[1]:
            text += ", cmsg_data=" + printer[0](body, opts)
        items.append(text + "}")
        if length < _HEADER.size:
            left -= _HEADER.size
            break
        step = (clen + 7) & ~7
        if step >= left:
            left = 0
            break
        pos += step
        left -= step
    if cut:
        items.append("...")  # strace would go on past what the recorder kept
    elif left > 0:
        items.append(f"... /* {hex((addr + len(data) - left) & 0xFFFFFFFFFFFFFFFF)} */")
    return "[" + ", ".join(items) + "]"
