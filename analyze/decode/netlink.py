"""Netlink messages in the buffers of sendto/recvfrom/sendmsg/recvmsg, as strace 6.1 prints them.

``[{nlmsg_len=32, nlmsg_type=RTM_GETLINK, nlmsg_flags=NLM_F_REQUEST|NLM_F_DUMP, nlmsg_seq=1,
nlmsg_pid=0}, {ifi_family=AF_UNSPEC, …}]``: each message's header, its type named by the socket's
netlink protocol (NETLINK_ROUTE's RTM_*, NETLINK_SOCK_DIAG's SOCK_DIAG_BY_FAMILY…) or by the
control types every protocol shares (NLMSG_ERROR, NLMSG_DONE), its flags by the kind of request
(GET: NLM_F_DUMP…, NEW: NLM_F_CREATE…), then the payload: an error's errno and the message it
answers, a family's fixed header (ifinfomsg, ifaddrmsg) where one is registered in ``PAYLOADS``,
else the bytes in hex.

Which protocol a socket speaks comes from the renderer's socket table (fdtable.py, learned from
the trace's socket() calls); a descriptor it does not know, but whose address in the same call
is an AF_NETLINK one, is decoded with the shared control types only. Only the bytes the recorder
captured (the first -s of each buffer) are decoded: a message that runs past them shows its
header and ``...``; attributes after a fixed header are not decoded (strace decodes them; see
the report of tests/analyze/test_decode_strace_net.py for the lines that differ).
"""
from __future__ import annotations

import struct
from typing import Any, Callable

from renacer.schema import constants as C

from . import sockets
from .cmsg import ifindex
from .common import Decoded, DecodeOptions, Row, buf, fd, flags, ptr, table, xlat

_AF_NETLINK = 16
_NETLINK_ROUTE = 0
_NETLINK_SOCK_DIAG = 4
_HDR = struct.Struct("<IHHIi")  # nlmsg_len, nlmsg_type, nlmsg_flags, nlmsg_seq, nlmsg_pid
_MIN_TYPE = 0x10
_NLMSG_ERROR, _NLMSG_DONE = 2, 3
_RTM_DELACTION = 49


def _hex(data: bytes, total: int, opts: DecodeOptions) -> str:
    """strace's printstr_ex(QUOTE_FORCE_HEX): every byte as ``\\xNN``, -s limited."""
    return buf(data, total, DecodeOptions(opts.string_size, 2))


def _type_text(protocol: int | None, ntype: int) -> str:
    if ntype < _MIN_TYPE:
        return xlat(table("NLMSG"), ntype, "NLMSG_???")
    names = _TYPE_TABLES.get(protocol) if protocol is not None else None
    if names is None:
        return xlat({}, ntype, "NLMSG_???")
    return xlat(table(names[0]), ntype, names[1])


def _flags_table(protocol: int | None, ntype: int) -> str | None:
    if ntype < _MIN_TYPE:
        return "NLM_F_ACK" if ntype == _NLMSG_ERROR else None
    if protocol == _NETLINK_ROUTE:
        if ntype == _RTM_DELACTION:
            return "NLM_F_GET"
        return {0: "NLM_F_NEW", 1: "NLM_F_DEL", 2: "NLM_F_GET"}.get(ntype & 3)
    if protocol == _NETLINK_SOCK_DIAG:
        return "NLM_F_GET"
    return None


def _flags_text(protocol: int | None, ntype: int, value: int) -> str:
    """printflags_ex over the common flags, then the table of the request's kind."""
    if not value:
        return "0"
    parts: list[str] = []
    rest = value
    extra = _flags_table(protocol, ntype)
    for name_, bit in list(table("NLM_F").items()) + (list(table(extra).items()) if extra else []):
        if bit and rest & bit == bit:
            parts.append(name_)
            rest &= ~bit
    if rest:
        parts.append(hex(rest))
    if len(parts) == 1 and rest:
        return f"{hex(rest)} /* NLM_F_??? */"
    return "|".join(parts)


def header_text(data: bytes, protocol: int | None) -> str:
    length, ntype, nflags, seq, pid = _HDR.unpack_from(data)
    return (f"{{nlmsg_len={length}, nlmsg_type={_type_text(protocol, ntype)}, "
            f"nlmsg_flags={_flags_text(protocol, ntype, nflags)}, nlmsg_seq={seq}, nlmsg_pid={pid}}}")


# --- payloads -----------------------------------------------------------------------------------

Payload = Callable[[bytes, DecodeOptions], "str | None"]


def _ifinfomsg(body: bytes, opts: DecodeOptions) -> str | None:
    if len(body) != 16:
        return None  # attributes follow: not decoded (the caller prints the bytes)
    family, _pad, itype, index, iflags, change = struct.unpack_from("<BBHiII", body)
    return (f"{{ifi_family={xlat(C.AF, family, 'AF_???')}, "
            f"ifi_type={xlat(table('ARPHRD'), itype, 'ARPHRD_???')}, ifi_index={ifindex(index, opts)}, "
            f"ifi_flags={flags(table('IFF'), iflags, 'IFF_???')}, "
            f"ifi_change={flags(table('IFF'), change, 'IFF_???')}}}")


_NLA = struct.Struct("<HH")  # nla_len, nla_type
_NLA_TYPE_MASK = 0x3FFF
NlaValue = Callable[[bytes, DecodeOptions, int], "str | None"]


def attributes(data: bytes, names: str, unknown: str, values: dict[int, NlaValue], opts: DecodeOptions,
               context: int = 0) -> str:
    """decode_nlattr: ``[{nla_len=8, nla_type=IFA_ADDRESS}, value]`` per attribute, several in
    an array (at most -s); a value without a decoder, or one its decoder refuses, in hex."""
    items: list[str] = []
    pos, left = 0, len(data)
    is_array = False
    while True:
        if left < _NLA.size:
            items.append(_hex(data[pos:pos + left], left, opts))
            break
        if is_array and len(items) == opts.string_size:
            items.append("...")
            break
        length, ntype = _NLA.unpack_from(data, pos)
        step = (length + 3) & ~3
        next_left = left - step if length >= _NLA.size and left >= step else 0
        if not is_array and next_left:
            is_array = True
        shown = min(length, left)
        head = f"{{nla_len={length}, nla_type={_nla_type(ntype, names, unknown)}}}"
        if shown > _NLA.size:
            body = data[pos + _NLA.size:pos + shown]
            printer = values.get(ntype & _NLA_TYPE_MASK)
            value = printer(body, opts, context) if printer is not None else None
            items.append(f"[{head}, {value if value is not None else _hex(body, len(body), opts)}]")
        else:
            items.append(head)
        if not next_left:
            break
        pos += step
        left = next_left
    return "[" + ", ".join(items) + "]" if is_array else items[0]


def _nla_type(ntype: int, names: str, unknown: str) -> str:
    text = xlat(table(names), ntype & _NLA_TYPE_MASK, unknown)
    prefix = ("NLA_F_NESTED|" if ntype & 0x8000 else "") + ("NLA_F_NET_BYTEORDER|" if ntype & 0x4000 else "")
    return prefix + text


def _nla_inet(body: bytes, opts: DecodeOptions, family: int) -> str | None:
    import socket as _socket

    if family == 2 and len(body) == 4:
        return f'inet_addr("{_socket.inet_ntop(_socket.AF_INET, body)}")'
    if family == 10 and len(body) == 16:
        return f'inet_pton(AF_INET6, "{_socket.inet_ntop(_socket.AF_INET6, body)}")'
    return None


def _nla_str(body: bytes, opts: DecodeOptions, context: int) -> str | None:
    from .common import cstr

    return cstr(body, opts)


def _nla_u32(body: bytes, opts: DecodeOptions, context: int) -> str | None:
    return str(struct.unpack_from("<I", body)[0]) if len(body) == 4 else None


def _nla_s32(body: bytes, opts: DecodeOptions, context: int) -> str | None:
    return str(struct.unpack_from("<i", body)[0]) if len(body) == 4 else None


def _nla_u8(body: bytes, opts: DecodeOptions, context: int) -> str | None:
    return str(body[0]) if len(body) == 1 else None


def _ifa_flags(body: bytes, opts: DecodeOptions, context: int) -> str | None:
    return flags(table("IFA_F"), struct.unpack_from("<I", body)[0], "IFA_F_???") if len(body) == 4 else None


def _ifa_cacheinfo(body: bytes, opts: DecodeOptions, context: int) -> str | None:
    if len(body) < 16:
        return None
    prefered, valid, cstamp, tstamp = struct.unpack_from("<IIII", body)
    return f"{{ifa_prefered={prefered}, ifa_valid={valid}, cstamp={cstamp}, tstamp={tstamp}}}"


# RTM_*ADDR attributes (strace's rtnl_addr.c), keyed by nla_type; the context is ifa_family
IFA_VALUES: dict[int, NlaValue] = {
    1: _nla_inet, 2: _nla_inet, 4: _nla_inet, 5: _nla_inet, 7: _nla_inet,  # addresses
    3: _nla_str,  # IFA_LABEL
    6: _ifa_cacheinfo,
    8: _ifa_flags,
    9: _nla_u32,  # IFA_RT_PRIORITY
    10: _nla_s32,  # IFA_TARGET_NETNSID
    11: _nla_u8,  # IFA_PROTO
}


def _ifaddrmsg(body: bytes, opts: DecodeOptions) -> str | None:
    if len(body) < 8:
        return None
    family, prefixlen, aflags, scope, index = struct.unpack_from("<BBBBi", body)
    text = (f"{{ifa_family={xlat(C.AF, family, 'AF_???')}, ifa_prefixlen={prefixlen}, "
            f"ifa_flags={flags(table('IFA_F'), aflags, 'IFA_F_???')}, "
            f"ifa_scope={xlat(table('RT_SCOPE'), scope, 'RT_SCOPE_???')}, ifa_index={ifindex(index, opts)}}}")
    if len(body) > 8:
        text += ", " + attributes(body[8:], "IFA_ATTR", "IFA_???", IFA_VALUES, opts, family)
    return text


def _states(v: int) -> str:
    """A set of TCP states as strace prints it: ``1<<TCP_LISTEN|1<<TCP_ESTABLISHED``."""
    if not v:
        return "0"
    parts = []
    rest = v
    for name_, state in table("TCP_STATE").items():
        if rest & (1 << state):
            parts.append(f"1<<{name_}")
            rest &= ~(1 << state)
    if rest:
        parts.append(hex(rest))
    return "|".join(parts) if parts[0] != hex(rest) else f"{hex(rest)} /* 1<<TCP_??? */"


def _inet_addr(family: int, raw: bytes, field: str) -> str:
    import socket as _socket

    if family == 10:
        return f'inet_pton(AF_INET6, "{_socket.inet_ntop(_socket.AF_INET6, raw[:16])}", &{field})'
    return f'inet_addr("{_socket.inet_ntop(_socket.AF_INET, raw[:4])}")'


def _inet_diag_req_v2(body: bytes, opts: DecodeOptions) -> str | None:
    if len(body) != 56:
        return None
    family, proto, ext, _pad, states = struct.unpack_from("<BBBBI", body)
    sport, dport = struct.unpack_from(">HH", body, 8)
    src, dst = body[12:28], body[28:44]
    index, c0, c1 = struct.unpack_from("<iII", body, 44)
    ident = (f"{{idiag_sport=htons({sport}), idiag_dport=htons({dport}), "
             f"idiag_src={_inet_addr(family, src, 'idiag_src')}, idiag_dst={_inet_addr(family, dst, 'idiag_dst')}, "
             f"idiag_if={ifindex(index, opts)}, idiag_cookie=[{c0}, {c1}]}}")
    ext_text = "0" if not ext else hex(ext)
    return (f"{{sdiag_family={xlat(C.AF, family, 'AF_???')}, "
            f"sdiag_protocol={xlat(C.IPPROTO, proto, 'IPPROTO_???')}, idiag_ext={ext_text}, "
            f"idiag_states={_states(states)}, id={ident}}}")


def _unix_diag_req(body: bytes, opts: DecodeOptions) -> str | None:
    if len(body) != 24:
        return None
    family, proto, _pad, states, ino, show, c0, c1 = struct.unpack_from("<BBHIIIII", body)
    return (f"{{sdiag_family={xlat(C.AF, family, 'AF_???')}, sdiag_protocol={proto}, "
            f"udiag_states={_states(states)}, udiag_ino={ino}, "
            f"udiag_show={flags(table('UDIAG_SHOW'), show, 'UDIAG_SHOW_???')}, udiag_cookie=[{c0}, {c1}]}}")


# sock_diag requests by the family in their first byte
_DIAG_REQUESTS: dict[int, Payload] = {2: _inet_diag_req_v2, 10: _inet_diag_req_v2, 1: _unix_diag_req}


# (protocol, message type & ~3 for NETLINK_ROUTE's NEW/DEL/GET/SET quartets) -> payload printer
PAYLOADS: dict[tuple[int, int], Payload] = {
    (_NETLINK_ROUTE, 16): _ifinfomsg,  # RTM_NEWLINK … RTM_SETLINK
    (_NETLINK_ROUTE, 20): _ifaddrmsg,  # RTM_NEWADDR … RTM_GETADDR
}

_TYPE_TABLES = {_NETLINK_ROUTE: ("RTM", "RTM_???"), _NETLINK_SOCK_DIAG: ("SOCK_DIAG", "SOCK_DIAG_???")}


def _payload(protocol: int | None, ntype: int, nflags: int, body: bytes, total: int,
             opts: DecodeOptions) -> str:
    if len(body) < total:  # the recorder kept fewer bytes than the message holds
        return _hex(body, total, opts)
    if ntype == _NLMSG_ERROR:
        return _nlmsgerr(protocol, body, opts)
    if ntype < _MIN_TYPE and ntype != _NLMSG_DONE:
        return _hex(body, total, opts)
    if protocol == _NETLINK_ROUTE:
        printer = PAYLOADS.get((protocol, ntype & ~3))
        if printer is not None:
            text = printer(body, opts)
            if text is not None:
                return text
    if protocol == _NETLINK_SOCK_DIAG and ntype == 20 and nflags & 1 and body:  # a request
        printer = _DIAG_REQUESTS.get(body[0])
        text = printer(body, opts) if printer is not None else None
        if text is not None:
            return text
    if ntype == _NLMSG_DONE and len(body) == 4:
        return str(struct.unpack_from("<i", body)[0])
    return _hex(body, total, opts)


def _nlmsgerr(protocol: int | None, body: bytes, opts: DecodeOptions) -> str:
    if len(body) < 4:
        return _hex(body, len(body), opts)
    err = struct.unpack_from("<i", body)[0]
    name = C.errno_name(-err) if err < 0 else None
    text = f"{{error=-{name}" if name else f"{{error={err}"
    rest = body[4:]
    if rest:
        text += ", msg=" + messages(rest, len(rest), protocol, opts)
    return text + "}"


def _one(data: bytes, total: int, protocol: int | None, opts: DecodeOptions) -> str:
    length, ntype, nflags = _HDR.unpack_from(data)[:3]
    shown = min(length, total)
    head = header_text(data, protocol)
    if shown <= _HDR.size:
        return head
    return f"[{head}, {_payload(protocol, ntype, nflags, data[_HDR.size:shown], shown - _HDR.size, opts)}]"


def messages(data: bytes | None, total: int, protocol: int | None, opts: DecodeOptions,
             addr: int | None = None) -> str:
    """decode_netlink: the messages in ``total`` bytes of which ``data`` were captured; several
    make an array (at most -s of them, then ``...``)."""
    if data is None:
        return ptr(addr)
    if total < _HDR.size:
        return _hex(data, total, opts)
    if len(data) < _HDR.size:
        return _hex(data, total, opts)
    items: list[str] = []
    pos = 0
    left = total
    is_array = False
    while True:
        if len(data) - pos < _HDR.size:
            items.append("...")  # beyond what the recorder captured
            break
        if is_array and len(items) == opts.string_size:
            items.append("...")
            break
        length = _HDR.unpack_from(data, pos)[0]
        step = (length + 3) & ~3
        next_left = left - step if length >= _HDR.size and left >= step else 0
        if not is_array and next_left:
            is_array = True
        items.append(_one(data[pos:], left, protocol, opts))
        if not next_left:
            break
        pos += step
        left = next_left
        if left < _HDR.size:
            items.append(_hex(data[pos:pos + left], left, opts))
            break
    return "[" + ", ".join(items) + "]" if is_array else items[0]


# --- which sockets ------------------------------------------------------------------------------


def protocol_of(row: Row, opts: DecodeOptions, address: bytes | None = None) -> int | None | bool:
    """The netlink protocol of the row's socket; True when it is a netlink socket of unknown
    protocol (its address in this call says AF_NETLINK); False when it is not netlink."""
    sockets_ = opts.sockets
    known = sockets_.get(row["pid"], row["a0"]) if sockets_ is not None else None
    if known is not None:
        return known[1] if known[0] == _AF_NETLINK else False
    if address is not None and len(address) >= 2 and struct.unpack_from("<H", address)[0] == _AF_NETLINK:
        return True
    return False


def _proto(found: int | bool | None) -> int | None:
    return None if found is True else found


# --- decoders -----------------------------------------------------------------------------------


def sendto(row: Row, opts: DecodeOptions) -> Any:
    found = protocol_of(row, opts, row["sockaddr"])
    args = sockets.sendto(row, opts)
    if found is False or not row["a1"]:
        return args
    length = row["a2"] or 0
    args[1] = messages(row["data"], length, _proto(found), opts, row["a1"])
    return args


def recvfrom(row: Row, opts: DecodeOptions) -> Any:
    found = protocol_of(row, opts, row["sockaddr"])
    result = sockets.recvfrom(row, opts)
    if found is False or not sockets.succeeded(row) or row["data"] is None:
        return result
    result.args[1] = messages(row["data"], min(row["ret"], row["a2"] or 0), _proto(found), opts, row["a1"])
    return result


def _iov_netlink(protocol: int | None, opts: DecodeOptions) -> Callable[[bytes | None, int, int | None], str]:
    def render(data: bytes | None, total: int, addr: int | None) -> str:
        return messages(data, total, protocol, opts, addr)
    return render


def sendmsg(row: Row, opts: DecodeOptions) -> Any:
    found = protocol_of(row, opts, row["sockaddr"])
    if found is False:
        return sockets.sendmsg(row, opts)
    return [fd(row["a0"]), sockets.msghdr(row, opts, None, payload=_iov_netlink(_proto(found), opts)),
            sockets._msg_flags(row["a2"])]


def recvmsg(row: Row, opts: DecodeOptions) -> Any:
    found = protocol_of(row, opts, row["sockaddr"])
    if found is False or not sockets.succeeded(row):
        return sockets.recvmsg(row, opts)
    namelen_in = sockets._c_int(sockets.parts(row).namelen_in)
    text = sockets.msghdr(row, opts, row["ret"], namelen_in, payload=_iov_netlink(_proto(found), opts))
    return Decoded([fd(row["a0"]), text, sockets._msg_flags(row["a2"])], entry=1)
