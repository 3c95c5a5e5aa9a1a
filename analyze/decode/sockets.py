"""Socket and I/O-multiplexing calls: socket, connect, sendto, setsockopt, poll, epoll, …

Formats follow strace 6.1 (net.c, sockaddr.c, poll.c, epoll.c, io.c, select). Recordings made
before the recorder wrote extra parts (schema/captures.py) lack the iovec arrays, the lengths
passed in, fd_sets and times left: those are left out or shown as the pointer, never guessed.
"""
from __future__ import annotations

import _socket  # the C module: `socket` (~2 ms, its enums) is more than inet_ntop needs
import struct
from typing import Callable

from renacer.schema import constants as C
from renacer.schema.captures import MAX_MEM_PART

from .cmsg import cmsgs
from .common import (
    Decoded,
    DecodeOptions,
    Row,
    buf,
    extra,
    extras,
    flags,
    fd,
    int_array,
    part,
    part_index,
    parts,
    ptr,
    quote,
    s32,
    sigmask,
    succeeded,
    table,
    timespec,
    timeval,
    u32,
    unpack,
    xlat,
    xval,
)


# --- sockaddr -----------------------------------------------------------------------------------


def _sa_unix(data: bytes, addrlen: int, opts: DecodeOptions) -> str:
    path = data[2:min(addrlen, 110)]
    if path[:1] != b"\0":
        return "sun_path=" + quote(path.split(b"\0", 1)[0], opts)
    return "sun_path=@" + quote(path[1:], opts)


def _sa_inet(data: bytes, addrlen: int, opts: DecodeOptions) -> str:
    port = struct.unpack_from(">H", data, 2)[0]
    return f'sin_port=htons({port}), sin_addr=inet_addr("{_socket.inet_ntop(_socket.AF_INET, data[4:8])}")'


def _sa_inet6(data: bytes, addrlen: int, opts: DecodeOptions) -> str:
    port, flow = struct.unpack_from(">HI", data, 2)
    addr = _socket.inet_ntop(_socket.AF_INET6, data[8:24])
    text = (
        f"sin6_port=htons({port}), sin6_flowinfo=htonl({flow}), "
        f'inet_pton(AF_INET6, "{addr}", &sin6_addr)'
    )
    if addrlen > 24:
        scope = struct.unpack_from('<I', data, 24)[0]
        # a link-local (fe80::/10) or link-local multicast (ff02::/16) scope names an interface:
        # the recording host's (metadata), as strace names it on the host it runs on
        linklocal = (data[8] == 0xFE and data[9] & 0xC0 == 0x80) or (data[8] == 0xFF and data[9] & 0x0F == 0x02)
        if linklocal:
            from .cmsg import ifindex

            text += f", sin6_scope_id={ifindex(scope, opts)}"
        else:
            text += f", sin6_scope_id={scope}"
    return text


def _sa_netlink(data: bytes, addrlen: int, opts: DecodeOptions) -> str:
    pad, pid, groups = struct.unpack_from("<HiI", data, 2)
    text = f"nl_pad={pad:#x}, " if pad else ""
    return text + f"nl_pid={pid}, nl_groups=" + ("%#08x" % groups if groups else "00000000")


def _sa_packet(data: bytes, addrlen: int, opts: DecodeOptions) -> str:
    """sockaddr_ll: strace's print_sockaddr_data_ll."""
    from .cmsg import ifindex

    proto = struct.unpack_from(">H", data, 2)[0]
    index, hatype, pkttype, halen = struct.unpack_from("<iHBB", data, 4)
    text = (f"sll_protocol=htons({xlat(table('ETH_P'), proto, 'ETH_P_???')}), "
            f"sll_ifindex={ifindex(index, opts)}, sll_hatype={xlat(table('ARPHRD'), hatype, 'ARPHRD_???')}, "
            f"sll_pkttype={xlat(table('PACKET_TYPE'), pkttype, 'PACKET_???')}, sll_halen={halen}")
    if halen:
        shown = data[12:12 + min(halen, 8, max(addrlen - 12, 0))]
        items = [xval(b) for b in shown]
        if halen > len(shown):
            items.append("...")
        text += ", sll_addr=[" + ", ".join(items) + "]"
    return text


# family -> (printer, minimum length), as strace's sa_printers
_SA_PRINTERS = {
    1: (_sa_unix, 3),
    2: (_sa_inet, 16),
    10: (_sa_inet6, 24),
    16: (_sa_netlink, 12),
    17: (_sa_packet, 20),  # AF_PACKET
}


def sockaddr_text(data: bytes, addrlen: int, opts: DecodeOptions) -> str:
    """A captured sockaddr of ``addrlen`` bytes: ``{sa_family=AF_INET, sin_port=…}``."""
    addrlen = min(addrlen, 128)
    data = data[:addrlen].ljust(max(addrlen, 2) + 1, b"\0")
    family = struct.unpack_from("<H", data)[0]
    text = "{sa_family=" + xlat(C.AF, family, "AF_???")
    if addrlen > 2:
        printer = _SA_PRINTERS.get(family)
        if printer is not None and addrlen >= printer[1]:
            text += ", " + printer[0](data, addrlen, opts)
        else:
            text += ", sa_data=" + quote(data[2:addrlen], opts)
    return text + "}"


def sockaddr(data: bytes | None, addrlen: int, opts: DecodeOptions, addr: int | None) -> str:
    """decode_sockaddr: the pointer when it is NULL, too short or was not captured, or when fewer
    bytes were captured than the length says (a read cut short by an unmapped page, in
    recordings made before reads were all or nothing): never bytes that were not there."""
    if data is None or not addr or min(addrlen, len(data)) < 2 or len(data) < min(addrlen, 128):
        return ptr(addr)
    return sockaddr_text(data, min(addrlen, len(data)), opts)


# --- socket, bind, connect, listen, shutdown ----------------------------------------------------


def _protocol(domain: int, proto: int) -> str:
    if domain in (C.AF["AF_INET"], C.AF["AF_INET6"]):
        return xlat(C.IPPROTO, proto, "IPPROTO_???")
    if domain == C.AF["AF_PACKET"]:  # a link-layer protocol, in network byte order
        return f"htons({xlat(table('ETH_P'), ((proto & 0xFF) << 8) | (proto >> 8 & 0xFF), 'ETH_P_???')})"
    if domain == C.AF["AF_NETLINK"]:
        nl = table("NETLINK_PROTO")
        return xlat(nl, proto, "NETLINK_???") if nl else str(proto)
    return str(proto)


def sock_type(v: int) -> str:
    """``SOCK_STREAM|SOCK_CLOEXEC``: the type in the low 4 bits, then the flags."""
    name = C.enum_name(C.SOCK_TYPE, v & 0xF)
    if name is None:
        return flags(C.SOCK_FLAGS, v, "SOCK_???")
    rest = v & ~0xF & 0xFFFFFFFF
    return f"{name}|{flags(C.SOCK_FLAGS, rest, 'SOCK_???')}" if rest else name


def socket_(row: Row, opts: DecodeOptions) -> list[str]:
    domain = u32(row["a0"])
    return [xlat(C.AF, domain, "AF_???"), sock_type(u32(row["a1"])), _protocol(domain, u32(row["a2"]))]


def socketpair(row: Row, opts: DecodeOptions) -> Decoded:
    sv = parts(row).sv if succeeded(row) else None
    return Decoded(
        [xlat(C.AF, u32(row["a0"]), "AF_???"), sock_type(u32(row["a1"])), str(u32(row["a2"])),
         int_array(sv, row["a3"], 2)],
        entry=3,
    )


def connect(row: Row, opts: DecodeOptions) -> list[str]:
    addrlen = s32(row["a2"])
    return [fd(row["a0"]), sockaddr(row["sockaddr"], addrlen, opts, row["a1"]), str(addrlen)]


def listen(row: Row, opts: DecodeOptions) -> list[str]:
    return [fd(row["a0"]), str(s32(row["a1"]))]


def shutdown(row: Row, opts: DecodeOptions) -> list[str]:
    return [fd(row["a0"]), xlat(C.SHUT, u32(row["a1"]), "SHUT_???")]


# --- accept, getsockname, getpeername -----------------------------------------------------------


def _c_int(data: bytes | None) -> int | None:
    """A captured C int (a value-result length), None when not captured."""
    v = unpack("<i", data)
    return None if v is None else v[0]


def value_result(len_in: int | None, len_out: int) -> str:
    """strace's ``[in => out]`` of a value-result length, ``[out]`` when the kernel left it."""
    if len_in is None or len_in == len_out:
        return f"[{len_out}]"
    return f"[{len_in} => {len_out}]"


def _sockname(row: Row, opts: DecodeOptions, extra_args: list[str]) -> Decoded:
    """decode_sockname: the address and ``[in => out]`` at exit (the address read up to the
    shorter of the two: what the kernel wrote into the caller's buffer), or both pointers when
    either is NULL; a failed call shows the address pointer and ``[in]``."""
    addr, lenp = row["a1"], row["a2"]
    if not addr or not lenp:
        return Decoded([fd(row["a0"]), ptr(addr), ptr(lenp), *extra_args])
    p = parts(row)
    xs = p.extras
    len_in = _c_int(p.len_in)
    data = row["sockaddr"]
    if not succeeded(row):
        shown = f"[{len_in}]" if len_in is not None else ptr(lenp)
        return Decoded([fd(row["a0"]), ptr(addr), shown, *extra_args], entry=1)
    if xs is None:
        # the kernel returned the length unchanged (the recorder then writes no extras), or an
        # older recording: the bytes captured are as long as the length returned
        if data is None:
            return Decoded([fd(row["a0"]), ptr(addr), ptr(lenp), *extra_args], entry=1)
        return Decoded([fd(row["a0"]), sockaddr(data, len(data), opts, addr), f"[{len(data)}]", *extra_args], entry=1)
    len_out = _c_int(p.len_out)
    if len_out is None:
        return Decoded([fd(row["a0"]), ptr(addr), f"[{len_in}]", *extra_args], entry=1)
    shown_len = min(len_in, len_out) if len_in is not None and len_in >= 0 else len_out
    addr_text = ptr(addr) if data is None else sockaddr(data, shown_len, opts, addr)
    return Decoded([fd(row["a0"]), addr_text, value_result(len_in, len_out), *extra_args], entry=1)


def accept(row: Row, opts: DecodeOptions) -> Decoded:
    return _sockname(row, opts, [])


def accept4(row: Row, opts: DecodeOptions) -> Decoded:
    return _sockname(row, opts, [flags(C.SOCK_FLAGS, u32(row["a3"]), "SOCK_???")])


# --- data transfer --------------------------------------------------------------------------------


def _msg_flags(v: int) -> str:
    return flags(C.MSG, v & 0xFFFFFFFF, "MSG_???")


def sendto(row: Row, opts: DecodeOptions) -> list[str]:
    length = row["a2"] or 0
    addrlen = s32(row["a5"])
    return [
        fd(row["a0"]), buf(row["data"], length, opts, row["a1"]), str(length),
        _msg_flags(row["a3"]), sockaddr(row["sockaddr"], addrlen, opts, row["a4"]), str(addrlen),
    ]


def recvfrom(row: Row, opts: DecodeOptions) -> Decoded:
    ok = succeeded(row)
    length = row["a2"] or 0
    data = buf(row["data"], min(row["ret"], length), opts, row["a1"]) if ok else ptr(row["a1"])
    addr, lenp = row["a4"], row["a5"]
    sa = row["sockaddr"]
    xs = extras(row)
    if xs is not None and addr and lenp:
        # the same address and ``[in => out]`` as accept's (its decoder reads these columns)
        tail = _sockname({"name": row["name"], "a0": row["a0"], "a1": addr, "a2": lenp, "sockaddr": sa,
                          "mem": row["mem"], "ret": row["ret"]}, opts, []).args[1:]
    elif not addr or not lenp or not ok or sa is None:
        tail = [ptr(addr), ptr(lenp)]
    else:
        tail = [sockaddr(sa, len(sa), opts, addr), f"[{len(sa)}]"]
    return Decoded([fd(row["a0"]), data, str(length), _msg_flags(row["a3"]), *tail], entry=1)


def _iovec_list(
    iovs: list[tuple[int, int]], data: bytes | None, total: int | None, opts: DecodeOptions
) -> str:
    """``[{iov_base="…", iov_len=N}, …]`` from the iovec array and the gathered bytes."""
    items: list[str] = []
    offset = 0
    remaining = total if total is not None else sum(n for _, n in iovs)
    for i, (base, length) in enumerate(iovs):
        if i >= opts.string_size:
            items.append("...")
            break
        shown = max(min(length, remaining), 0)
        piece = data[offset:offset + shown] if data is not None else None
        items.append(f"{{iov_base={buf(piece, shown, opts, base)}, iov_len={length}}}")
        offset += shown
        remaining -= shown
    return "[" + ", ".join(items) + "]"


_U32 = struct.Struct("<I")


def iovec_array(array: bytes | None, counts: bytes | None, count: int, data: bytes | None,
                total: int | None, opts: DecodeOptions, addr: int | None, addresses: bool = False,
                payload: Callable[[bytes | None, int, int | None], str] | None = None) -> str:
    """An iovec array from the recorder's extra parts (captures.IOV_IN): the raw entries read,
    and per entry the bytes of its buffer taken into ``data`` (each buffer's first -s bytes,
    up to what is left of ``total``, the bytes transferred; None: all). strace's tprint_iov_upto:
    at most -s entries, then ``...``; an entry whose buffer cannot be read shows its address; an
    array whose tail is unmapped ends with ``... /* 0x… */``. ``addresses``: every iov_base as
    its address (a read that failed)."""
    if not addr:
        return "NULL"
    if array is None:
        return ptr(addr)
    if count == 0:
        return "[]"
    n_read = len(array) // 16
    tried = n_read
    sizes: list[int] = []
    if counts is not None and len(counts) >= 4:
        tried = _U32.unpack_from(counts)[0]
        sizes = [_U32.unpack_from(counts, 4 + 4 * i)[0] for i in range((len(counts) - 4) // 4)]
    remaining = total
    offset = 0
    items: list[str] = []
    for i in range(n_read):
        if i >= opts.string_size:
            items.append("...")
            return "[" + ", ".join(items) + "]"
        base, length = struct.unpack_from("<QQ", array, 16 * i)
        shown = length if remaining is None else max(min(length, remaining), 0)
        if remaining is not None:
            remaining -= shown
        taken = sizes[i] if i < len(sizes) else None
        if addresses or taken is None or taken == 0xFFFFFFFF or data is None:
            text = ptr(base)
        else:
            piece = data[offset:offset + taken]
            # ``payload``: the buffer's bytes as a protocol (netlink messages), else a string
            text = buf(piece, shown, opts) if payload is None else payload(piece, shown, base)
            offset += taken
        items.append(f"{{iov_base={text}, iov_len={length}}}")
    if n_read < min(count, tried):  # the array's tail is unmapped
        items.append(f"... /* {hex((addr + 16 * n_read) & 0xFFFFFFFFFFFFFFFF)} */")
    elif n_read < count:
        items.append("...")  # beyond what was captured (-s entries)
    return "[" + ", ".join(items) + "]"


def iovecs(array: bytes | None, count: int, data: bytes | None, total: int | None,
           opts: DecodeOptions, addr: int | None) -> str:
    """An iovec array argument of an older recording: with the raw array captured, exactly as
    strace prints it; without it (the recorder gathered only the bytes), one pseudo-iovec
    holding what was gathered."""
    if array is not None and len(array) >= 16:
        n = min(count, len(array) // 16)
        pairs = struct.unpack_from(f"<{2 * n}Q", array)
        return _iovec_list(list(zip(pairs[0::2], pairs[1::2])), data, total, opts)
    if data is None or not addr:
        return ptr(addr)
    size = total if total is not None else len(data)
    return f"[{{iov_base={buf(data, size, opts)}, iov_len={size}}}]"


_READS = frozenset({"readv", "preadv", "preadv2"})


def iov_arg(row: Row, opts: DecodeOptions) -> str:
    """The iovec argument of readv/writev/preadv/pwritev (a1, a2 entries)."""
    count = u32(row["a2"])
    p = parts(row)
    xs = p.extras
    if xs is None:
        total = row["ret"] if row["name"] in _READS else (row["size"] if succeeded(row) else None)
        if not succeeded(row) and row["name"] in _READS:
            return ptr(row["a1"])
        return iovecs(None, count, row["data"], total, opts, row["a1"])
    reading = row["name"] in _READS
    failed = reading and not succeeded(row)
    return iovec_array(p.iov, p.iov_counts, count, row["data"],
                       row["ret"] if reading and not failed else None, opts, row["a1"], addresses=failed)


_MSGHDR = "<QI4xQQQQi"  # name, namelen, iov, iovlen, control, controllen, flags


def _cmsgs(control: bytes | None, addr: int, length: int, opts: DecodeOptions) -> str:
    return cmsgs(control, addr, length, opts)


def msghdr(row: Row, opts: DecodeOptions, total: int | None, namelen_in: int | None = None,
           payload: Callable[[bytes | None, int, int | None], str] | None = None) -> str:
    """struct msghdr from its captured header (part ``msghdr``), name (sockaddr), control bytes
    (part ``control``), and iovecs (data, with the raw array and per-entry counts in the extra parts)."""
    p = parts(row)
    fields = unpack(_MSGHDR, p.msghdr)
    if fields is None:
        return ptr(row["a1"])
    name, namelen, iov, iovlen, control, controllen, mflags = fields
    if not name:
        name_text = "NULL"
    else:
        name_text = sockaddr(row["sockaddr"], namelen, opts, name)
    if p.extras is None:
        iov_text = iovecs(None, iovlen, row["data"], total, opts, iov)
    else:
        iov_text = iovec_array(p.iov, p.iov_counts, iovlen, row["data"], total, opts, iov, payload=payload)
    namelen_text = f"{namelen_in} => {namelen}" if namelen_in is not None and namelen_in != namelen else str(namelen)
    text = (
        f"{{msg_name={name_text}, msg_namelen={namelen_text}, "
        f"msg_iov={iov_text}, msg_iovlen={iovlen}"
    )
    if controllen:
        text += f", msg_control={_cmsgs(p.control, control, controllen, opts)}"
    return text + f", msg_controllen={controllen}, msg_flags={_msg_flags(mflags)}}}"


def sendmsg(row: Row, opts: DecodeOptions) -> list[str]:
    return [fd(row["a0"]), msghdr(row, opts, None), _msg_flags(row["a2"])]


def recvmsg(row: Row, opts: DecodeOptions) -> Decoded:
    namelen_in = _c_int(parts(row).namelen_in)
    if succeeded(row):
        text = msghdr(row, opts, row["ret"], namelen_in)
    elif namelen_in is not None and row["a1"]:
        text = f"{{msg_namelen={namelen_in}}}"  # strace shows what it read when the call began
    else:
        text = ptr(row["a1"])
    return Decoded([fd(row["a0"]), text, _msg_flags(row["a2"])], entry=1)


_MMSGHDR = struct.Struct("<QI4xQQQQi4xI4x")  # struct msghdr, then msg_len


def _mmsgvec(row: Row, opts: DecodeOptions, count: int, received: bool) -> str:
    """``[{msg_hdr={…}, msg_len=N}, …]`` from the raw mmsghdr array (part ``msgvec``) and each
    message's bytes (``Parts.message(k)``, the base parts after it). Only the first message's address is recorded; a later message
    sending to the same pointer shows it too. Without the iovec arrays each message's bytes show
    as one iovec."""
    p = parts(row)
    array = p.msgvec
    if array is None or len(array) < _MMSGHDR.size:
        return ptr(row["a1"])
    xs = p.extras
    skip = p.named_extras  # recvmmsg's timeout and time left come first
    first_name = None
    items = []
    for k in range(min(count, len(array) // _MMSGHDR.size)):
        name, namelen, iov, iovlen, _control, controllen, mflags, msg_len = _MMSGHDR.unpack_from(array, k * _MMSGHDR.size)
        if k == 0:
            first_name = name
        if not name:
            name_text = "NULL"
        elif name == first_name:
            name_text = sockaddr(row["sockaddr"], namelen, opts, name)
        else:
            name_text = ptr(name)
        data = p.message(k)
        if xs is not None:
            iov_array = extra(xs, skip + 2 * k)
            iov_text = iovec_array(iov_array, extra(xs, skip + 2 * k + 1), iovlen, data,
                                   msg_len if received else None, opts, iov)
            if not received and iov_array is not None and len(iov_array) // 16 == iovlen:
                # captured at entry, before the kernel set msg_len: a message it sent went whole
                msg_len = sum(struct.unpack_from("<QQ", iov_array, 16 * i)[1] for i in range(iovlen))
        else:
            size = msg_len if received else (len(data) if data is not None else 0)
            iov_text = f"[{{iov_base={buf(data, size, opts, iov)}, iov_len={size}}}]" if iov and iovlen else ptr(iov)
            if not received and data is not None:
                msg_len = len(data)  # what the kernel reports sent when the message fit in -s
        items.append(
            f"{{msg_hdr={{msg_name={name_text}, msg_namelen={namelen}, msg_iov={iov_text}, msg_iovlen={iovlen}, "
            f"msg_controllen={controllen}, msg_flags={_msg_flags(mflags)}}}, msg_len={msg_len}}}"
        )
    if count > len(items) and len(items) >= opts.string_size:
        items.append("...")  # strace shows -s messages (the recorder captures no more)
    return "[" + ", ".join(items) + "]"


def sendmmsg(row: Row, opts: DecodeOptions) -> Decoded:
    vlen = u32(row["a2"])
    vec = _mmsgvec(row, opts, vlen, False) if succeeded(row) else ptr(row["a1"])
    return Decoded([fd(row["a0"]), vec, str(vlen), _msg_flags(row["a3"])], entry=1)


def recvmmsg(row: Row, opts: DecodeOptions) -> Decoded:
    """The timeout as passed, and ``(left {…})`` after the return value, when recorded."""
    ret = row["ret"]
    ok = succeeded(row)
    vec = _mmsgvec(row, opts, ret, True) if ok else ptr(row["a1"])
    p = parts(row)
    timeout = timespec(p.timeout, row["a4"]) if p.extras is not None else ptr(row["a4"])
    ret_text = None
    if ok and ret == 0:
        ret_text = "0 (Timeout)"
    elif ok and row["a4"] and p.timeout_left is not None:
        ret_text = f"{ret} (left {timespec(p.timeout_left)})"
    return Decoded([fd(row["a0"]), vec, str(u32(row["a2"])), _msg_flags(row["a3"]), timeout],
                   entry=1, ret=ret_text)


# --- socket options -------------------------------------------------------------------------------

_OPTNAME_TABLES = {0: ("IP", "IP_???"), 1: ("SO", "SO_???"), 6: ("TCP", "TCP_???"),
                   17: ("UDP", "UDP_???"), 41: ("IPV6", "IPV6_???")}

# SOL_SOCKET options strace prints as ``[int]`` (and as the pointer when optlen < 4).
_INT_LIKE_SO = frozenset({
    "SO_DEBUG", "SO_REUSEADDR", "SO_DONTROUTE", "SO_BROADCAST", "SO_SNDBUF", "SO_RCVBUF",
    "SO_KEEPALIVE", "SO_OOBINLINE", "SO_NO_CHECK", "SO_PRIORITY", "SO_BSDCOMPAT", "SO_REUSEPORT",
    "SO_PASSCRED", "SO_RCVLOWAT", "SO_SNDLOWAT", "SO_DETACH_FILTER", "SO_TIMESTAMP_OLD",
    "SO_ACCEPTCONN", "SO_SNDBUFFORCE", "SO_RCVBUFFORCE", "SO_PASSSEC", "SO_TIMESTAMPNS_OLD",
    "SO_MARK", "SO_TIMESTAMPING_OLD", "SO_RXQ_OVFL", "SO_WIFI_STATUS", "SO_PEEK_OFF", "SO_NOFCS",
    "SO_LOCK_FILTER", "SO_SELECT_ERR_QUEUE", "SO_BUSY_POLL", "SO_INCOMING_CPU", "SO_CNX_ADVICE",
    "SO_INCOMING_NAPI_ID", "SO_ZEROCOPY", "SO_TIMESTAMP_NEW", "SO_TIMESTAMPNS_NEW",
    "SO_TIMESTAMPING_NEW", "SO_DETACH_REUSEPORT_BPF", "SO_PREFER_BUSY_POLL",
    "SO_BUSY_POLL_BUDGET", "SO_RESERVE_MEM", "SO_RCVMARK",
})
_SOL_SOCKET, _SOL_IP, _SOL_NETLINK = 1, 0, 270
# the option levels strace names beyond those: SOL_RAW, SOL_PACKET, SOL_NETLINK
_OPTNAME_TABLES.update({255: ("RAW_OPT", "ICMP_???"), 263: ("PACKET_OPT", "PACKET_???"),
                        270: ("NETLINK_OPT", "NETLINK_???")})


# SOL_SOCKET options that getsockopt names differently: the same number reads something else.
_GET_NAMES = {26: "SO_GET_FILTER"}


def _sockopt_head(row: Row, getting: bool = False) -> list[str]:
    level, name = u32(row["a1"]), u32(row["a2"])
    entry = _OPTNAME_TABLES.get(level)
    name_text = xlat(table(entry[0]), name, entry[1]) if entry else str(name)
    if getting and level == _SOL_SOCKET and name in _GET_NAMES:
        name_text = _GET_NAMES[name]
    return [fd(row["a0"]), xlat(C.SOL, level, "SOL_??"), name_text]


def _so_name(level: int, name: int) -> str | None:
    return C.enum_name(C.SO, name) if level == _SOL_SOCKET else None


def _linger(data: bytes) -> str:
    fields = ["l_onoff", "l_linger"]
    values = [f"{f}={struct.unpack_from('<i', data, 4 * i)[0]}" for i, f in enumerate(fields) if len(data) >= 4 * i + 4]
    return "{" + ", ".join(values) + "}"


_SOL_IPV6, _SOL_RAW = 41, 255


def _icmp_filter(v: int) -> str:
    """The ICMP types let through: ``~[ICMP_ECHOREPLY ICMP_ECHO]`` (the bits clear in the filter)."""
    names = []
    for bit in range(32):
        if not v >> bit & 1:
            names.append(xlat(table("ICMP_TYPE"), bit, "ICMP_???"))
    return "~[" + " ".join(names) + "]"
_IPV6_MREQ = frozenset({20, 21, 27, 28})  # IPV6_ADD/DROP_MEMBERSHIP, IPV6_JOIN/LEAVE_ANYCAST


def _ipv6_mreq(data: bytes, opts: DecodeOptions) -> str:
    from .cmsg import ifindex

    group = _socket.inet_ntop(_socket.AF_INET6, data[:16])
    index = struct.unpack_from("<i", data, 16)[0]
    return f'{{inet_pton(AF_INET6, "{group}", &ipv6mr_multiaddr), ipv6mr_interface={ifindex(index, opts)}}}'


def _optval_set(level: int, name: int, data: bytes | None, length: int, addr: int,
                opts: DecodeOptions) -> str:
    so = _so_name(level, name)
    if addr and data is not None:
        if so == "SO_LINGER":
            return ptr(addr) if length < 8 or len(data) < 8 else _linger(data[:8])
        if so in _INT_LIKE_SO or level == _SOL_NETLINK:
            return ptr(addr) if length < 4 or len(data) < 4 else f"[{struct.unpack_from('<i', data)[0]}]"
        if level == _SOL_RAW and name == 1 and length >= 4 and len(data) >= 4:  # ICMP_FILTER
            return _icmp_filter(struct.unpack_from("<I", data)[0])
        if level == _SOL_IPV6 and name in _IPV6_MREQ and length >= 20 and len(data) >= 20:
            return _ipv6_mreq(data, opts)
        if level == _SOL_IP and name in (35, 36) and len(data) >= 8:  # IP_ADD/DROP_MEMBERSHIP
            return ('{imr_multiaddr=inet_addr("%s"), imr_interface=inet_addr("%s")}'
                    % (_socket.inet_ntoa(data[:4]), _socket.inet_ntoa(data[4:8])))
    if not addr:
        return "NULL"
    if data is None:
        return ptr(addr)
    if length == 4 and len(data) >= 4:
        return f"[{struct.unpack_from('<i', data)[0]}]"
    return buf(data, length, opts, addr)


def setsockopt(row: Row, opts: DecodeOptions) -> list[str]:
    level, name, length = u32(row["a1"]), u32(row["a2"]), s32(row["a4"])
    value = _optval_set(level, name, parts(row).optval, length, row["a3"] or 0, opts)
    return [*_sockopt_head(row), value, str(length)]


def _optval_get(level: int, name: int, data: bytes, opts: DecodeOptions, addr: int) -> str:
    rlen = len(data)
    so = _so_name(level, name)
    if so == "SO_LINGER":
        return _linger(data[:8])
    if so == "SO_PEERCRED":
        names = ["pid", "uid", "gid"]
        return "{" + ", ".join(
            f"{n}={struct.unpack_from('<i', data, 4 * i)[0]}" for i, n in enumerate(names) if rlen >= 4 * i + 4
        ) + "}"
    if so == "SO_ERROR":
        if rlen < 4:
            return '"' + "".join("\\x%02x" % c for c in data) + '"'
        err = struct.unpack_from("<I", data)[0]
        return f"[{C.errno_name(err) or err}]"
    if level == _SOL_NETLINK or rlen == 4:
        return f"[{struct.unpack_from('<i', data)[0]}]"
    return buf(data, rlen, opts, addr)


def getsockopt(row: Row, opts: DecodeOptions) -> Decoded:
    """optval and ``[in => out]`` at exit (recordings before the length passed in was captured
    show the length returned); a failed call shows the optval pointer and ``[in]``."""
    head = _sockopt_head(row, getting=True)
    addr, lenp = row["a3"] or 0, row["a4"] or 0
    if not lenp:
        return Decoded([*head, ptr(addr), "NULL"])
    p = parts(row)
    if p.extras is not None:  # the kernel changed the length, or the call failed (captures.LEN_IN)
        len_in = _c_int(p.len_in)
        len_out = _c_int(p.len_out)
        data = p.optval
        if not succeeded(row) or len_out is None or len_in is None:
            return Decoded([*head, ptr(addr), f"[{len_in}]" if len_in is not None else ptr(lenp)], entry=3)
        value = ptr(addr) if not data else _optval_get(u32(row["a1"]), u32(row["a2"]), data, opts, addr)
        return Decoded([*head, value, value_result(len_in, len_out)], entry=3)
    data = p.optval if succeeded(row) else None
    if data is None:
        return Decoded([*head, ptr(addr), ptr(lenp)], entry=3)
    value = ptr(addr) if not data else _optval_get(u32(row["a1"]), u32(row["a2"]), data, opts, addr)
    return Decoded([*head, value, f"[{len(data)}]"], entry=3)


# --- poll, select, epoll --------------------------------------------------------------------------


_POLL_CAPTURED = MAX_MEM_PART // 8  # pollfds the recorder copies at most


def _pollfds(data: bytes | None, count: int, opts: DecodeOptions, addr: int | None, out: bool) -> str:
    """strace's decode_poll: ``{fd=3, events=POLLIN}``, ``{fd=-1}`` for a negative fd (the
    kernel skips it); at most -s entries; ``... /* 0x… */`` where the array's unmapped tail
    begins."""
    if data is None or not addr:
        return ptr(addr)
    n = min(count, len(data) // 8)
    items: list[str] = []
    for i in range(n):
        pfd, events, revents = struct.unpack_from("<ihh", data, 8 * i)
        if out:
            if revents:
                items.append(f"{{fd={pfd}, revents={C.flag_names(C.POLL, revents & 0xFFFF)}}}")
            continue
        if len(items) >= opts.string_size:
            items.append("...")
            break
        if pfd < 0:
            items.append(f"{{fd={pfd}}}")
        else:
            items.append(f"{{fd={pfd}, events={C.flag_names(C.POLL, events & 0xFFFF)}}}")
    else:
        if not out and n < min(count, _POLL_CAPTURED) and n < opts.string_size:
            items.append(f"... /* {hex((addr + 8 * n) & 0xFFFFFFFFFFFFFFFF)} */")
    return "[" + ", ".join(items) + "]"


def _poll_ret(row: Row, out: bytes | None, opts: DecodeOptions, left: str | None = None) -> str | None:
    ret = row["ret"]
    if ret == 0:
        return "0 (Timeout)"
    if out is None:
        return None
    tail = f", left {left}" if left else ""
    return f"{ret} ({_pollfds(out, u32(row['a1']), opts, 1, True)}{tail})"


def _timeout_ms(v: int | None) -> str:
    return str(s32(v))


def poll(row: Row, opts: DecodeOptions) -> Decoded:
    n = u32(row["a1"])
    p = parts(row)
    out = p.fds_out if succeeded(row) else None
    return Decoded(
        [_pollfds(p.fds, n, opts, row["a0"], False), str(n), _timeout_ms(row["a2"])],
        ret=_poll_ret(row, out, opts) if succeeded(row) else None,
    )


def ppoll(row: Row, opts: DecodeOptions) -> Decoded:
    """strace appends ``, left {…}`` (the kernel's remaining timeout) to the return value, and
    shows the signal mask: both come from extra parts (older recordings show neither)."""
    n = u32(row["a1"])
    p = parts(row)
    out = p.fds_out if succeeded(row) else None
    xs = p.extras
    mask = sigmask(p.sigmask, row["a3"]) if xs is not None and row["a3"] else ptr(row["a3"])
    left = timespec(p.left) if xs is not None and row["a2"] and p.left is not None else None
    return Decoded(
        [_pollfds(p.fds, n, opts, row["a0"], False), str(n), timespec(p.tmo, row["a2"]),
         mask, str(row["a4"] or 0)],
        ret=_poll_ret(row, out, opts, left) if succeeded(row) else None,
    )


def fdset(data: bytes | None, nfds: int, addr: int | None) -> str:
    """An fd_set as strace prints it: ``[3 4]``, the descriptors below nfds that are set."""
    if not addr:
        return "NULL"
    if data is None:
        return ptr(addr)
    bits = int.from_bytes(data, "little")
    limit = min(max(nfds, 0), len(data) * 8)
    return "[" + " ".join(str(i) for i in range(limit) if bits >> i & 1) + "]"


_FDSETS = ("readfds", "writefds", "exceptfds")


def _select(row: Row, opts: DecodeOptions, time_text) -> tuple[list[str], str | None]:
    """The three fd_set arguments and the return value ``N (in [3], out [4], left {…})``."""
    nfds = s32(row["a0"])
    p = parts(row)
    xs = p.extras
    if xs is None:
        sets = [ptr(row["a1"]), ptr(row["a2"]), ptr(row["a3"])]
    else:
        sets = [fdset(getattr(p, name), nfds, row[f"a{i + 1}"]) for i, name in enumerate(_FDSETS)]
    ret = row["ret"]
    if not succeeded(row):
        return sets, None
    if ret == 0:
        return sets, "0 (Timeout)"
    if xs is None:
        return sets, None
    outs = []
    for i, label in enumerate(("in", "out", "except")):
        data = getattr(p, _FDSETS[i] + "_out")
        if row[f"a{i + 1}"] and data is not None:
            text = fdset(data, nfds, row[f"a{i + 1}"])
            if text != "[]":
                outs.append(f"{label} {text}")
    left = p.left
    if row["a4"] and left is not None:
        outs.append("left " + time_text(left))
    return sets, f"{ret} ({', '.join(outs)})" if outs else None


def select(row: Row, opts: DecodeOptions) -> Decoded:
    sets, ret = _select(row, opts, timeval)
    return Decoded([str(s32(row["a0"])), *sets, timeval(parts(row).timeout, row["a4"])], ret=ret)


def _psel_sigmask(row: Row) -> str:
    """pselect6's sixth argument: ``{sigmask=[USR1], sigsetsize=8}``."""
    addr = row["a5"]
    p = parts(row)
    raw = p.sigmask_arg
    if not addr or raw is None or len(raw) < 16:
        return ptr(addr)
    ss, size = struct.unpack_from("<QQ", raw)
    return f"{{sigmask={sigmask(p.sigmask, ss) if ss else 'NULL'}, sigsetsize={size}}}"


def pselect6(row: Row, opts: DecodeOptions) -> Decoded:
    sets, ret = _select(row, opts, timespec)
    return Decoded(
        [str(s32(row["a0"])), *sets, timespec(parts(row).timeout, row["a4"]), _psel_sigmask(row)],
        ret=ret,
    )


def _epoll_event(data: bytes, offset: int) -> str:
    events, value = struct.unpack_from("<IQ", data, offset)
    return (f"{{events={C.flag_names(C.EPOLL_EVENTS, events)}, "
            f"data={{u32={value & 0xFFFFFFFF}, u64={value}}}}}")


def epoll_create(row: Row, opts: DecodeOptions) -> list[str]:
    return [str(s32(row["a0"]))]


def epoll_create1(row: Row, opts: DecodeOptions) -> list[str]:
    return [C.flag_names(C.EPOLL_FLAGS, u32(row["a0"]))]


_EPOLL_CTL_DEL = 2


def epoll_ctl(row: Row, opts: DecodeOptions) -> list[str]:
    data = parts(row).event
    if u32(row["a1"]) == _EPOLL_CTL_DEL:
        event = ptr(row["a3"])  # the kernel ignores the event: strace shows the pointer
    else:
        event = _epoll_event(data, 0) if data is not None and len(data) >= 12 else ptr(row["a3"])
    return [fd(row["a0"]), xlat(C.EPOLL_CTL, u32(row["a1"]), "EPOLL_CTL_???"), fd(row["a2"]), event]


# The event loops' calls, read by position once resolved by name (part_index): parts(row) costs
# ~300 ns a call, 10-20% of decoding one of them.
_EVENTS = part_index(("epoll_wait", "events"), ("epoll_pwait", "events"))
_EVENTS_PWAIT2 = part_index(("epoll_pwait2", "events"))


def _epoll_events(row: Row, opts: DecodeOptions, index: int = _EVENTS) -> str:
    if not succeeded(row):
        return ptr(row["a1"])
    data = part(row, index)
    if data is None:
        return ptr(row["a1"])
    items = []
    for i in range(len(data) // 12):
        if i >= opts.string_size:
            items.append("...")
            break
        items.append(_epoll_event(data, 12 * i))
    return "[" + ", ".join(items) + "]"


def epoll_wait(row: Row, opts: DecodeOptions) -> Decoded:
    return Decoded([fd(row["a0"]), _epoll_events(row, opts), str(s32(row["a2"])), str(s32(row["a3"]))], entry=1)


def epoll_pwait(row: Row, opts: DecodeOptions) -> Decoded:
    return Decoded(
        [fd(row["a0"]), _epoll_events(row, opts), str(s32(row["a2"])), str(s32(row["a3"])),
         ptr(row["a4"]), str(row["a5"] or 0)],
        entry=1,
    )


def epoll_pwait2(row: Row, opts: DecodeOptions) -> Decoded:
    """The recorder appends entry parts before exit parts, so the events (an exit op) follow the
    timeout in ``mem``; the table names both. captures.py takes its entry part from a4 (the
    sigmask) rather than a3 (the timeout), so neither is decoded from it: both show as pointers."""
    return Decoded(
        [fd(row["a0"]), _epoll_events(row, opts, _EVENTS_PWAIT2), str(s32(row["a2"])), ptr(row["a3"]),
         ptr(row["a4"]), str(row["a5"] or 0)],
        entry=1,
    )
