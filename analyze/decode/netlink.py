"""Netlink messages in the buffers of sendto/recvfrom/sendmsg/recvmsg, as strace 6.1 prints them.

``[{nlmsg_len=32, nlmsg_type=RTM_GETLINK, nlmsg_flags=NLM_F_REQUEST|NLM_F_DUMP, nlmsg_seq=1,
nlmsg_pid=0}, {ifi_family=AF_UNSPEC, …}]``: each message's header, its type named by the socket's
netlink protocol (NETLINK_ROUTE's RTM_*, NETLINK_SOCK_DIAG's SOCK_DIAG_BY_FAMILY…) or by the
control types every protocol shares (NLMSG_ERROR, NLMSG_DONE), its flags by the kind of request
(GET: NLM_F_DUMP…, NEW: NLM_F_CREATE…), then the payload: an error's errno and the message it
answers, a family's fixed header (ifinfomsg, ifaddrmsg) where one is registered in ``PAYLOADS``,
else the bytes in hex.

Which protocol a socket speaks comes from the renderer's socket table (fdtable.py, learned from
the trace's socket() calls and dup* copies, also those a subset such as ``-e trace=sendto``
records hidden); a descriptor it does not know, but whose address in the same call is an
AF_NETLINK one, is decoded with the shared control types only. Only the bytes the recorder
captured (the first -s of each buffer) are decoded: a message that runs past them shows its
header and ``...``. Attributes after a fixed header are decoded as strace 6.1 does for
addresses (IFA_*) and links (IFLA_*, nested: IFLA_XDP, IFLA_AF_SPEC's IPv4/IPv6 conf and stats).
"""
from __future__ import annotations

import struct
from typing import Any, Callable, Mapping

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
    if len(body) < 16:
        return None
    family, _pad, itype, index, iflags, change = struct.unpack_from("<BBHiII", body)
    return (f"{{ifi_family={xlat(C.AF, family, 'AF_???')}, "
            f"ifi_type={xlat(table('ARPHRD'), itype, 'ARPHRD_???')}, ifi_index={ifindex(index, opts)}, "
            f"ifi_flags={flags(table('IFF'), iflags, 'IFF_???')}, "
            f"ifi_change={flags(table('IFF'), change, 'IFF_???')}}}") + (
                ", " + attributes(body[16:], C.IFLA, "IFLA_???", IFLA_VALUES, opts) if len(body) > 16 else "")


_NLA = struct.Struct("<HH")  # nla_len, nla_type
_NLA_TYPE_MASK = 0x3FFF
NlaValue = Callable[[bytes, DecodeOptions, int], "str | None"]


def attributes(data: bytes, names: "str | Mapping[str, int]", unknown: str, values: dict[int, NlaValue], opts: DecodeOptions,
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


def _nla_type(ntype: int, names: "str | Mapping[str, int]", unknown: str) -> str:
    text = xlat(table(names) if isinstance(names, str) else names, ntype & _NLA_TYPE_MASK, unknown)
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


# --- RTM_*LINK attributes (strace 6.1's rtnl_link.c: the names it knows, how it prints each) ----


# The name tables are generated from the kernel headers (schema/gen_constants.py: IFLA, IFLA_XDP,
# XDP_ATTACHED, IFLA_INET, IFLA_INET6, IN6_ADDR_GEN_MODE, IPV4_DEVCONF, DEVCONF, IPSTATS_MIB,
# ICMP6_MIB, INET6_IF_FLAGS), in the order and with the names strace 6.1 prints.
_LINK_STATS = ("rx_packets tx_packets rx_bytes tx_bytes rx_errors tx_errors rx_dropped tx_dropped multicast "
               "collisions rx_length_errors rx_over_errors rx_crc_errors rx_frame_errors rx_fifo_errors "
               "rx_missed_errors tx_aborted_errors tx_carrier_errors tx_fifo_errors tx_heartbeat_errors "
               "tx_window_errors rx_compressed tx_compressed rx_nohandler rx_otherhost_dropped").split()


def _stats(size: int, most: int) -> NlaValue:
    """rtnl_link_stats(64): the fields the attribute's length holds (23 of the oldest kernels'
    up to ``most``), else hex."""
    code = "<" + ("Q" if size == 8 else "I")

    def render(body: bytes, opts: DecodeOptions, context: int) -> str | None:
        count = len(body) // size
        if len(body) % size or not 23 <= count <= most:
            return None
        values = struct.unpack_from(code[0] + code[1] * count, body)
        return "{" + ", ".join(f"{n}={v}" for n, v in zip(_LINK_STATS, values)) + "}"
    return render


def _indexed(names: Mapping[str, int], unknown: str, code: str, minus_one: bool = False) -> NlaValue:
    """An array of numbers indexed by a constant: ``[[DEVCONF_HOPLIMIT]=64, …]`` (IPv4's conf
    starts at 1: ``[IPV4_DEVCONF_FORWARDING-1]=0``), at most -s entries."""
    size = struct.calcsize(code)

    def render(body: bytes, opts: DecodeOptions, context: int) -> str | None:
        if len(body) < size:
            return None
        items: list[str] = []
        for i in range(len(body) // size):
            if i == opts.string_size:
                items.append("...")
                break
            index = i + 1 if minus_one else i
            name = C.enum_name(names, index) or f"{index} /* {unknown} */"  # decimal, unlike xlat
            key = f"{name}-1" if minus_one else name
            items.append(f"[{key}]={struct.unpack_from(code, body, i * size)[0]}")
        return "[" + ", ".join(items) + "]"
    return render


def _nested(names: Mapping[str, int], unknown: str, values: dict[int, NlaValue]) -> NlaValue:
    def render(body: bytes, opts: DecodeOptions, context: int) -> str | None:
        return attributes(body, names, unknown, values, opts, context)
    return render


def _nla_u8_xlat(names: Mapping[str, int], unknown: str) -> NlaValue:
    def render(body: bytes, opts: DecodeOptions, context: int) -> str | None:
        return xlat(names, body[0], unknown) if len(body) == 1 else None
    return render


def _nla_hwaddr(body: bytes, opts: DecodeOptions, context: int) -> str | None:
    return ":".join(f"{b:02x}" for b in body)


def _nla_ifmap(body: bytes, opts: DecodeOptions, context: int) -> str | None:
    if len(body) < 28:
        return None
    start, end, base, irq, dma, port = struct.unpack_from("<QQQHBB", body)
    return f"{{mem_start={start}, mem_end={end}, base_addr={base}, irq={irq}, dma={dma}, port={port}}}"


def _inet6_cacheinfo(body: bytes, opts: DecodeOptions, context: int) -> str | None:
    if len(body) < 16:
        return None
    reasm, tstamp, reachable, retrans = struct.unpack_from("<IIII", body)
    return (f"{{max_reasm_len={reasm}, tstamp={tstamp}, reachable_time={reachable}, "
            f"retrans_time={retrans}}}")


def _inet6_flags(body: bytes, opts: DecodeOptions, context: int) -> str | None:
    return flags(C.INET6_IF_FLAGS, struct.unpack_from("<I", body)[0], "IF_???") if len(body) == 4 else None


def _inet6_token(body: bytes, opts: DecodeOptions, context: int) -> str | None:
    return _nla_inet(body, opts, 10)


_AF_INET_VALUES: dict[int, NlaValue] = {1: _indexed(C.IPV4_DEVCONF, "IPV4_DEVCONF_???", "<i", minus_one=True)}
_AF_INET6_VALUES: dict[int, NlaValue] = {
    1: _inet6_flags,
    2: _indexed(C.DEVCONF, "DEVCONF_???", "<i"),
    3: _indexed(C.IPSTATS_MIB, "IPSTATS_MIB_???", "<Q"),
    5: _inet6_cacheinfo,
    6: _indexed(C.ICMP6_MIB, "ICMP6_MIB_???", "<Q"),
    7: _inet6_token,
    8: _nla_u8_xlat(C.IN6_ADDR_GEN_MODE, "IN6_ADDR_GEN_MODE_???"),
    9: _nla_u32,  # IFLA_INET6_RA_MTU
}
_AF_SPEC_VALUES: dict[int, NlaValue] = {
    2: _nested(C.IFLA_INET, "IFLA_INET_???", _AF_INET_VALUES),
    10: _nested(C.IFLA_INET6, "IFLA_INET6_???", _AF_INET6_VALUES),
}
_XDP_VALUES: dict[int, NlaValue] = {1: _nla_s32, 2: _nla_u8_xlat(C.XDP_ATTACHED, "XDP_ATTACHED_???"),
                                    4: _nla_u32, 5: _nla_u32, 6: _nla_u32, 7: _nla_u32, 8: _nla_s32}
_U32 = ("TXQLEN MTU LINK MASTER WEIGHT NET_NS_PID NUM_VF GROUP NET_NS_FD PROMISCUITY NUM_TX_QUEUES "
        "NUM_RX_QUEUES CARRIER_CHANGES GSO_MAX_SEGS GSO_MAX_SIZE CARRIER_UP_COUNT CARRIER_DOWN_COUNT "
        "NEW_IFINDEX MIN_MTU MAX_MTU GRO_MAX_SIZE TSO_MAX_SIZE TSO_MAX_SEGS ALLMULTI").split()
IFLA_VALUES: dict[int, NlaValue] = {C.IFLA["IFLA_" + n]: _nla_u32 for n in _U32}
IFLA_VALUES.update({
    C.IFLA["IFLA_ADDRESS"]: _nla_hwaddr, C.IFLA["IFLA_BROADCAST"]: _nla_hwaddr,
    C.IFLA["IFLA_PERM_ADDRESS"]: _nla_hwaddr,
    C.IFLA["IFLA_IFNAME"]: _nla_str, C.IFLA["IFLA_QDISC"]: _nla_str,
    C.IFLA["IFLA_IFALIAS"]: _nla_str, C.IFLA["IFLA_PHYS_PORT_NAME"]: _nla_str,
    C.IFLA["IFLA_ALT_IFNAME"]: _nla_str,
    C.IFLA["IFLA_OPERSTATE"]: _nla_u8, C.IFLA["IFLA_LINKMODE"]: _nla_u8,
    C.IFLA["IFLA_CARRIER"]: _nla_u8, C.IFLA["IFLA_PROTO_DOWN"]: _nla_u8,
    C.IFLA["IFLA_LINK_NETNSID"]: _nla_s32, C.IFLA["IFLA_NEW_NETNSID"]: _nla_s32,
    C.IFLA["IFLA_TARGET_NETNSID"]: _nla_s32,
    C.IFLA["IFLA_STATS"]: _stats(4, 24), C.IFLA["IFLA_STATS64"]: _stats(8, 25),
    C.IFLA["IFLA_MAP"]: _nla_ifmap,
    C.IFLA["IFLA_XDP"]: _nested(C.IFLA_XDP, "IFLA_XDP_???", _XDP_VALUES),
    C.IFLA["IFLA_AF_SPEC"]: _nested(C.AF, "AF_???", _AF_SPEC_VALUES),
})


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
