"""Netlink, control-message and link-layer decoding on hand-built rows: what the recorded bytes
allow (never more), and the socket table the renderer learns from the calls it prints."""
from __future__ import annotations

import socket
import struct

from renacer.analyze.decode import decode
from renacer.analyze.decode.cmsg import cmsgs
from renacer.analyze.decode.common import DecodeOptions
from renacer.analyze.decode.fdtable import SocketTable
from renacer.analyze.decode.netlink import messages
from renacer.schema import constants as C
from tests.analyze.rows import make_row

OPTS = DecodeOptions(string_size=32, interfaces={1: "lo"}, sockets=SocketTable())


def _hdr(length: int, ntype: int, nflags: int, seq: int = 1, pid: int = 0) -> bytes:
    return struct.pack("<IHHIi", length, ntype, nflags, seq, pid)


def test_generated_tables_agree_with_pythons_socket_module() -> None:
    for name in ("PACKET_HOST", "PACKET_BROADCAST", "PACKET_MULTICAST", "PACKET_OTHERHOST",
                 "PACKET_OUTGOING", "PACKET_LOOPBACK"):
        assert C.PACKET_TYPE[name] == getattr(socket, name)
    assert C.CMSG_SOCKET["SCM_RIGHTS"] == socket.SCM_RIGHTS
    assert C.CMSG_SOCKET["SCM_CREDENTIALS"] == socket.SCM_CREDENTIALS
    for name in ("NETLINK_ROUTE", "NETLINK_USERSOCK", "NETLINK_XFRM", "NETLINK_CRYPTO"):
        assert C.NETLINK_PROTO[name] == getattr(socket, name)
    for name in ("IP_TOS", "IP_TTL", "IP_RECVOPTS", "IP_RETOPTS",
                 "IP_TRANSPARENT", "IP_RECVTOS", "IP_PKTINFO", "IP_RECVERR"):
        if not hasattr(socket, name):
            continue  # Python 3.11 lacks some (3.12 has them)
        assert C.CMSG_IP[name] == getattr(socket, name)
    assert C.enum_name(C.CMSG_IP, 20) == "IP_ORIGDSTADDR"  # strace's name for the cmsg
    assert C.SOL["SOL_PACKET"] == 263 and C.SOL["SOL_NETLINK"] == 270 and C.SOL["SOL_RAW"] == 255


def test_a_dump_request_prints_its_header_flags_by_request_kind() -> None:
    data = _hdr(16, C.RTM["RTM_GETADDR"], 0x301)
    assert messages(data, 16, 0, OPTS) == (
        "{nlmsg_len=16, nlmsg_type=RTM_GETADDR, nlmsg_flags=NLM_F_REQUEST|NLM_F_DUMP, nlmsg_seq=1, nlmsg_pid=0}")
    new = _hdr(16, C.RTM["RTM_NEWROUTE"], 0x601)
    assert "nlmsg_flags=NLM_F_REQUEST|NLM_F_EXCL|NLM_F_CREATE" in messages(new, 16, 0, OPTS)
    # an unknown protocol: the type as a number, the request-kind flags as leftover bits
    assert "nlmsg_type=0x14 /* NLMSG_??? */, nlmsg_flags=NLM_F_REQUEST|0x300" in messages(
        _hdr(16, 20, 0x301), 16, None, OPTS)


def test_several_messages_make_an_array_and_a_cut_capture_shows_dots_not_invented_bytes() -> None:
    done = _hdr(20, 3, 2) + struct.pack("<i", 0)
    two = done + done
    assert messages(two, 40, 0, OPTS) == "[" + ", ".join(
        ["[{nlmsg_len=20, nlmsg_type=NLMSG_DONE, nlmsg_flags=NLM_F_MULTI, nlmsg_seq=1, nlmsg_pid=0}, 0]"] * 2) + "]"
    # only the first message was captured (-s 20): the second is not guessed
    assert messages(two[:20], 40, 0, OPTS).endswith(", ...]")
    # fewer bytes than a header: hex, as strace prints them
    assert messages(b"\x10\0\0\0", 4, 0, OPTS) == '"\\x10\\x00\\x00\\x00"'
    assert messages(None, 16, 0, OPTS, 0x1000) == "0x1000"


def test_an_error_reply_names_the_errno_and_the_request_it_answers() -> None:
    request = _hdr(32, C.RTM["RTM_GETLINK"], 0x5, 3) + struct.pack("<BBHiII", 0, 0, 0, 1, 0, 0)
    reply = _hdr(52, 2, 0, 3, 77) + struct.pack("<i", -19) + request
    text = messages(reply, 52, 0, OPTS)
    assert text.startswith("[{nlmsg_len=52, nlmsg_type=NLMSG_ERROR, nlmsg_flags=0, nlmsg_seq=3, nlmsg_pid=77}, "
                           "{error=-ENODEV, msg=[{nlmsg_len=32, nlmsg_type=RTM_GETLINK, "
                           "nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK")
    assert 'ifi_index=if_nametoindex("lo")' in text


def test_sendto_on_a_netlink_socket_is_decoded_only_once_the_table_knows_it() -> None:
    table = SocketTable()
    opts = DecodeOptions(string_size=32, sockets=table)
    data = _hdr(16, C.RTM["RTM_GETLINK"], 0x301)
    row = make_row("sendto", 3, 0x1000, 16, 0, 0, 0, ret=16, data=data)
    assert decode(row, opts).args[1].startswith('"\\20\\0')  # unknown fd: plain bytes
    table.learn(make_row("socket", 16, 3, 0, ret=3))
    assert decode(row, opts).args[1].startswith("{nlmsg_len=16, nlmsg_type=RTM_GETLINK")
    # a forked child inherits it, close forgets it, dup2 copies it
    table.learn(make_row("fork", ret=2))
    assert table.get(2, 3) == (16, 0)
    table.learn(make_row("dup2", 3, 7, ret=7))
    table.learn(make_row("close", 3))
    assert table.get(1, 3) is None and table.get(1, 7) == (16, 0) and table.get(2, 3) == (16, 0)
    # an AF_INET socket at the same fd number: not netlink
    table.learn(make_row("socket", 2, 1, 0, ret=3))
    assert decode(row, opts).args[1].startswith('"')


def test_control_messages_without_payload_or_printer_print_no_data() -> None:
    empty = struct.pack("<Qii", 16, 1, 1)
    assert cmsgs(empty, 0x1000, 16, OPTS) == "[{cmsg_len=16, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS}]"
    ipv6 = struct.pack("<Qii", 20, 41, 52) + b"\0" * 8
    assert cmsgs(ipv6, 0x1000, 24, OPTS) == "[{cmsg_len=20, cmsg_level=SOL_IPV6, cmsg_type=0x34}]"
    rights = struct.pack("<Qii", 16 + 4 * 40, 1, 1) + struct.pack("<40i", *range(40))
    text = cmsgs(rights, 0x1000, len(rights), OPTS)
    assert text.endswith("31, ...]}]")  # -s 32 elements, as strace limits arrays
    # the buffer was longer than the recorder keeps: no marker address, just ...
    assert cmsgs(empty, 0x1000, 4096, OPTS).endswith(", ...]")
    assert cmsgs(None, 0x1000, 16, OPTS) == "0x1000"


def test_a_link_layer_address_is_decoded_with_the_recording_hosts_interface_name() -> None:
    ll = struct.pack("<H", socket.AF_PACKET) + struct.pack(">H", 3) + struct.pack(
        "<iHBB8s", 1, 772, 0, 6, b"\0\0\0\0\0\x1f\0\0")
    row = make_row("bind", 3, 0x1000, 20, sockaddr=ll)
    assert decode(row, OPTS).args[1] == (
        '{sa_family=AF_PACKET, sll_protocol=htons(ETH_P_ALL), sll_ifindex=if_nametoindex("lo"), '
        "sll_hatype=ARPHRD_LOOPBACK, sll_pkttype=PACKET_HOST, sll_halen=6, "
        "sll_addr=[0, 0, 0, 0, 0, 0x1f]}")
    other_host = DecodeOptions(string_size=32)  # a trace recorded before interfaces were kept
    assert "sll_ifindex=1," in decode(row, other_host).args[1]


def test_an_address_dump_reply_decodes_its_attributes_and_hex_for_the_unknown() -> None:
    def nla(ntype: int, value: bytes) -> bytes:
        raw = struct.pack("<HH", 4 + len(value), ntype) + value
        return raw + b"\0" * (-len(raw) % 4)

    body = struct.pack("<BBBBi", 2, 8, 0x80, 254, 1) + nla(1, socket.inet_aton("127.0.0.1")) + nla(3, b"lo\0") + \
        nla(8, struct.pack("<I", 0x80)) + nla(99, b"\x01")
    msg = _hdr(16 + len(body), C.RTM["RTM_NEWADDR"], 2, 4) + body
    text = messages(msg, len(msg), 0, OPTS)
    assert text.endswith(
        '{ifa_family=AF_INET, ifa_prefixlen=8, ifa_flags=IFA_F_PERMANENT, ifa_scope=RT_SCOPE_HOST, '
        'ifa_index=if_nametoindex("lo")}, [[{nla_len=8, nla_type=IFA_ADDRESS}, inet_addr("127.0.0.1")], '
        '[{nla_len=7, nla_type=IFA_LABEL}, "lo"], [{nla_len=8, nla_type=IFA_FLAGS}, IFA_F_PERMANENT], '
        '[{nla_len=5, nla_type=0x63 /* IFA_??? */}, "\\x01"]]]')


def _nla(ntype: int, body: bytes) -> bytes:
    return struct.pack("<HH", 4 + len(body), ntype) + body + b"\0" * (-len(body) % 4)


def _link_reply(attrs: bytes) -> bytes:
    body = struct.pack("<BBHiII", 0, 0, 772, 1, 0x9, 0) + attrs
    return _hdr(16 + len(body), C.RTM["RTM_NEWLINK"], 0) + body


def test_a_links_attributes_print_by_kind_nested_and_indexed_arrays_limited_by_s() -> None:
    devconf = struct.pack("<3i", 0, 64, -1) + struct.pack("<i", 7) * 62  # index 58+ unknown; 65 entries
    af_spec = _nla(10, _nla(1, struct.pack("<I", 0x80000000)) + _nla(2, devconf))
    attrs = (_nla(3, b"lo\0") + _nla(4, struct.pack("<I", 65536)) + _nla(1, b"\0" * 6)
             + _nla(43, _nla(2, b"\0")) + _nla(0x8000 | 62, b"") + _nla(26, af_spec)
             + _nla(23, b"\0" * 12))  # a STATS64 of no known length: hex
    wide = DecodeOptions(string_size=64, interfaces={1: "lo"}, sockets=OPTS.sockets)
    data = _link_reply(attrs)
    text = messages(data, len(data), 0, wide)
    assert '[{nla_len=7, nla_type=IFLA_IFNAME}, "lo"], [{nla_len=8, nla_type=IFLA_MTU}, 65536]' in text
    assert "[{nla_len=10, nla_type=IFLA_ADDRESS}, 00:00:00:00:00:00]" in text
    assert "[{nla_len=12, nla_type=IFLA_XDP}, [{nla_len=5, nla_type=IFLA_XDP_ATTACHED}, XDP_ATTACHED_NONE]]" in text
    assert "{nla_len=4, nla_type=NLA_F_NESTED|0x3e /* IFLA_??? */}" in text
    assert "[{nla_len=8, nla_type=IFLA_INET6_FLAGS}, IF_READY]" in text
    assert "[[DEVCONF_FORWARDING]=0, [DEVCONF_HOPLIMIT]=64, [DEVCONF_MTU6]=-1," in text
    assert "[58 /* DEVCONF_??? */]=7, [59 /* DEVCONF_??? */]=7," in text and "[63 /* DEVCONF_??? */]=7, ...]" in text
    assert '[{nla_len=16, nla_type=IFLA_STATS64}, "\\x00\\x00' in text


def test_ipv4_conf_is_indexed_from_one_as_strace_prints_it() -> None:
    af_spec = _nla(2, _nla(1, struct.pack("<2i", 1, 0)))
    data = _link_reply(_nla(26, af_spec))
    text = messages(data, len(data), 0, OPTS)
    assert ("[{nla_len=16, nla_type=AF_INET}, [{nla_len=12, nla_type=IFLA_INET_CONF}, "
            "[[IPV4_DEVCONF_FORWARDING-1]=1, [IPV4_DEVCONF_MC_FORWARDING-1]=0]]]") in text
