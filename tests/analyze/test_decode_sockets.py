"""Socket decoders print what strace 6.1 prints for the same recorded call.

Expected strings are strace 6.1 output (run on this project's tests/programs/decode_all.c and
small variations), with what the recorder cannot capture noted where it differs.
"""
from __future__ import annotations

import socket
import struct

import pytest

from renacer.analyze.decode import DecodeOptions, decode, format_return
from renacer.schema.trace import join_mem
from tests.analyze.rows import make_row

AF_INET, AF_INET6, AF_UNIX, AF_NETLINK = 2, 10, 1, 16


def text(row: dict, string_size: int = 32) -> str:
    d = decode(row, DecodeOptions(string_size=string_size))
    return f"{row['name']}({', '.join(d.args)}) = {format_return(row, d)}"


def sin(addr: str, port: int) -> bytes:
    return struct.pack("<H", AF_INET) + struct.pack(">H", port) + socket.inet_aton(addr) + b"\0" * 8


def sin6(addr: str, port: int, flow: int = 0, scope: int | None = 0) -> bytes:
    raw = struct.pack("<H", AF_INET6) + struct.pack(">HI", port, flow) + socket.inet_pton(socket.AF_INET6, addr)
    return raw + (struct.pack("<I", scope) if scope is not None else b"")


def sun(path: bytes) -> bytes:
    return struct.pack("<H", AF_UNIX) + path


SOCKADDRS = {
    "ipv4": (sin("93.184.216.34", 443), 16,
             '{sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("93.184.216.34")}'),
    "ipv6 loopback": (sin6("::1", 0), 28,
                      '{sa_family=AF_INET6, sin6_port=htons(0), sin6_flowinfo=htonl(0), '
                      'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}'),
    "ipv6 mapped ipv4, flowinfo": (sin6("::ffff:127.0.0.1", 80, flow=5), 28,
                                   '{sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(5), '
                                   'inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6_addr), sin6_scope_id=0}'),
    "ipv6 without scope id": (sin6("::1", 80, scope=None), 24,
                              '{sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), '
                              'inet_pton(AF_INET6, "::1", &sin6_addr)}'),
    "unix path": (sun(b"/tmp/dt/sock\0"), 15, '{sa_family=AF_UNIX, sun_path="/tmp/dt/sock"}'),
    "unix abstract": (sun(b"\0renacer-abstract"), 19, '{sa_family=AF_UNIX, sun_path=@"renacer-abstract"}'),
    "unix abstract with NUL inside": (sun(b"\0a\0b\n"), 7, '{sa_family=AF_UNIX, sun_path=@"a\\0b\\n"}'),
    "unix abstract empty": (sun(b"\0"), 3, '{sa_family=AF_UNIX, sun_path=@""}'),
    "unix unnamed": (sun(b""), 2, "{sa_family=AF_UNIX}"),
    "netlink": (struct.pack("<HHiI", AF_NETLINK, 0, 0, 0), 12, "{sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}"),
    "netlink with groups": (struct.pack("<HHiI", AF_NETLINK, 0, 1234, 5), 12,
                            "{sa_family=AF_NETLINK, nl_pid=1234, nl_groups=0x000005}"),
    "unspec as raw bytes": (b"\0" * 16, 16, '{sa_family=AF_UNSPEC, sa_data="\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0"}'),
    "unknown family": (struct.pack("<H", 46) + b"\0" * 6, 8, '{sa_family=0x2e /* AF_??? */, sa_data="\\0\\0\\0\\0\\0\\0"}'),
    "ipv4 too short for its printer": (sin("1.2.3.4", 80)[:8], 8, '{sa_family=AF_INET, sa_data="\\0P\\1\\2\\3\\4"}'),
}


@pytest.mark.parametrize("raw, length, expected", SOCKADDRS.values(), ids=SOCKADDRS.keys())
def test_connect_prints_the_sockaddr_like_strace(raw: bytes, length: int, expected: str) -> None:
    row = make_row("connect", 3, 0x7FFD0000, length, sockaddr=raw)
    assert text(row) == f"connect(3, {expected}, {length}) = 0"


CALLS = {
    "socket tcp": (make_row("socket", AF_INET, 1, 6, ret=3), "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 3"),
    "socket flags": (make_row("socket", AF_INET, 1 | 0x800 | 0x80000, 6, ret=3),
                     "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_TCP) = 3"),
    "socket unix protocol is a number": (make_row("socket", AF_UNIX, 2, 0, ret=3), "socket(AF_UNIX, SOCK_DGRAM, 0) = 3"),
    "socket unknown family": (make_row("socket", 99, 1, 0, err="EAFNOSUPPORT"),
                              "socket(0x63 /* AF_??? */, SOCK_STREAM, 0) = -1 EAFNOSUPPORT "
                              "(Address family not supported by protocol)"),
    "socket unknown type and protocol": (make_row("socket", AF_INET, 77, 300, err="EINVAL"),
                                         "socket(AF_INET, 0x4d /* SOCK_??? */, 0x12c /* IPPROTO_??? */) = -1 EINVAL "
                                         "(Invalid argument)"),
    "socket unknown flag bit": (make_row("socket", AF_INET, 1 | 0x40000000, 0, err="EINVAL"),
                                "socket(AF_INET, SOCK_STREAM|0x40000000 /* SOCK_??? */, IPPROTO_IP) = -1 EINVAL "
                                "(Invalid argument)"),
    "connect refused": (make_row("connect", 3, 0x7FFD0000, 16, err="ECONNREFUSED", sockaddr=sin("127.0.0.1", 8080)),
                        'connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) '
                        "= -1 ECONNREFUSED (Connection refused)"),
    "connect in progress": (make_row("connect", 3, 0x7FFD0000, 16, err="EINPROGRESS", sockaddr=sin("127.0.0.1", 1)),
                            'connect(3, {sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr("127.0.0.1")}, 16) '
                            "= -1 EINPROGRESS (Operation now in progress)"),
    "connect addrlen too short": (make_row("connect", 3, 0x7FFD58531F50, 1, err="EINVAL"),
                                  "connect(3, 0x7ffd58531f50, 1) = -1 EINVAL (Invalid argument)"),
    "connect NULL": (make_row("connect", 3, 0, 0, err="EINVAL"), "connect(3, NULL, 0) = -1 EINVAL (Invalid argument)"),
    "connect unreadable": (make_row("connect", 3, 1, 16, err="EFAULT"), "connect(3, 0x1, 16) = -1 EFAULT (Bad address)"),
    "listen": (make_row("listen", 3, 16), "listen(3, 16) = 0"),
    "shutdown": (make_row("shutdown", 4, 1), "shutdown(4, SHUT_WR) = 0"),
    "getsockname": (make_row("getsockname", 3, 0x7FFD0000, 0x7FFD0100, sockaddr=sin("127.0.0.1", 40357)),
                    'getsockname(3, {sa_family=AF_INET, sin_port=htons(40357), sin_addr=inet_addr("127.0.0.1")}, [16]) = 0'),
    "accept NULL address": (make_row("accept", 3, 0, 0, ret=4), "accept(3, NULL, NULL) = 4"),
    "accept4": (make_row("accept4", 3, 0x7FFD0000, 0x7FFD0100, 0x80000, ret=5, sockaddr=sin("127.0.0.1", 56436)),
                'accept4(3, {sa_family=AF_INET, sin_port=htons(56436), sin_addr=inet_addr("127.0.0.1")}, [16], '
                "SOCK_CLOEXEC) = 5"),
    "accept4 would block": (make_row("accept4", 3, 0x7FFD0000, 0x7FFD0100, 0x800, err="EAGAIN"),
                            "accept4(3, 0x7ffd0000, 0x7ffd0100, SOCK_NONBLOCK) = -1 EAGAIN "
                            "(Resource temporarily unavailable)"),
    "sendto binary": (make_row("sendto", 4, 0x7FFD0000, 16, 0x4000, 0, 0, ret=16,
                               data=bytes([0x16, 3, 1, 2, 0, 1, 0, 1, 0xFC, 3, 3, 0x30, 0x31, 0x0A, 0x7F, 0x80])),
                      'sendto(4, "\\26\\3\\1\\2\\0\\1\\0\\1\\374\\3\\00301\\n\\177\\200", 16, MSG_NOSIGNAL, NULL, 0) = 16'),
    "sendto cut at -s": (make_row("sendto", 5, 0x7FFD0000, 69, 0x4040, 0, 0, ret=69,
                                  data=b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"),
                         'sendto(5, "HTTP/1.1 200 OK\\r\\nContent-Type: t"..., 69, MSG_DONTWAIT|MSG_NOSIGNAL, NULL, 0) = 69'),
    "sendto with address": (make_row("sendto", 3, 0x7FFD0000, 4, 0, 0x7FFD0100, 16, ret=4, data=b"ping",
                                     sockaddr=sin("127.0.0.1", 39781)),
                            'sendto(3, "ping", 4, 0, {sa_family=AF_INET, sin_port=htons(39781), '
                            'sin_addr=inet_addr("127.0.0.1")}, 16) = 4'),
    "sendto unknown flag": (make_row("sendto", 3, 0x7FFD0000, 1, 0x80000000, 0, 0, ret=1, data=b"x"),
                            'sendto(3, "x", 1, 0x80000000 /* MSG_??? */, NULL, 0) = 1'),
    "recvfrom with address": (make_row("recvfrom", 3, 0x7FFD0000, 64, 0, 0x7FFD0100, 0x7FFD0200, ret=4, data=b"ping",
                                       sockaddr=sin("127.0.0.1", 39781)),
                              'recvfrom(3, "ping", 64, 0, {sa_family=AF_INET, sin_port=htons(39781), '
                              'sin_addr=inet_addr("127.0.0.1")}, [16]) = 4'),
    "recvfrom would block": (make_row("recvfrom", 3, 0x7FFC62DF1070, 64, 0x40, 0, 0, err="EAGAIN"),
                             "recvfrom(3, 0x7ffc62df1070, 64, MSG_DONTWAIT, NULL, NULL) = -1 EAGAIN "
                             "(Resource temporarily unavailable)"),
    "recvfrom reply cut at -s": (make_row("recvfrom", 4, 0x7FFD0000, 4096, 0, 0, 0, ret=69,
                                          data=b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"),
                                 'recvfrom(4, "HTTP/1.1 200 OK\\r\\nContent-Type: t"..., 4096, 0, NULL, NULL) = 69'),
    "setsockopt int": (make_row("setsockopt", 3, 1, 2, 0x7FFD0000, 4, mem=join_mem([struct.pack("<i", 1)])),
                       "setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0"),
    "setsockopt tcp level": (make_row("setsockopt", 4, 6, 1, 0x7FFD0000, 4, mem=join_mem([struct.pack("<i", 1)])),
                             "setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0"),
    "setsockopt timeval is a string in strace 6.1": (
        make_row("setsockopt", 4, 1, 20, 0x7FFD0000, 16, mem=join_mem([struct.pack("<qq", 30, 0)])),
        'setsockopt(4, SOL_SOCKET, SO_RCVTIMEO_OLD, "\\36\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0", 16) = 0'),
    "setsockopt linger": (make_row("setsockopt", 3, 1, 13, 0x7FFD0000, 8, mem=join_mem([struct.pack("<ii", 1, 3)])),
                          "setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=3}, 8) = 0"),
    "setsockopt int option too short": (make_row("setsockopt", 3, 1, 8, 0x7FFD58531BAC, 2, err="EINVAL",
                                                 mem=join_mem([b"\5\0"])),
                                        "setsockopt(3, SOL_SOCKET, SO_RCVBUF, 0x7ffd58531bac, 2) = -1 EINVAL "
                                        "(Invalid argument)"),
    "setsockopt NULL": (make_row("setsockopt", 3, 1, 8, 0, 4, err="EFAULT", mem=join_mem([None])),
                        "setsockopt(3, SOL_SOCKET, SO_RCVBUF, NULL, 4) = -1 EFAULT (Bad address)"),
    "setsockopt unknown level": (make_row("setsockopt", 3, 999, 5, 0x7FFD0000, 4, err="ENOPROTOOPT",
                                          mem=join_mem([struct.pack("<i", 5)])),
                                 "setsockopt(3, 0x3e7 /* SOL_?? */, 5, [5], 4) = -1 ENOPROTOOPT (Protocol not available)"),
    "setsockopt unknown ip option": (make_row("setsockopt", 3, 0, 999, 0x7FFD0000, 4, err="ENOPROTOOPT",
                                              mem=join_mem([struct.pack("<i", 5)])),
                                     "setsockopt(3, SOL_IP, 0x3e7 /* IP_??? */, [5], 4) = -1 ENOPROTOOPT "
                                     "(Protocol not available)"),
    "getsockopt SO_ERROR refused": (make_row("getsockopt", 3, 1, 4, 0x7FFD0000, 0x7FFD0100,
                                             mem=join_mem([struct.pack("<i", 111)])),
                                    "getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0"),
    "getsockopt SO_ERROR none": (make_row("getsockopt", 4, 1, 4, 0x7FFD0000, 0x7FFD0100,
                                          mem=join_mem([struct.pack("<i", 0)])),
                                 "getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0"),
    "getsockopt int": (make_row("getsockopt", 3, 1, 8, 0x7FFD0000, 0x7FFD0100, mem=join_mem([struct.pack("<i", 212992)])),
                       "getsockopt(3, SOL_SOCKET, SO_RCVBUF, [212992], [4]) = 0"),
    "getsockopt peercred": (make_row("getsockopt", 4, 1, 17, 0x7FFD0000, 0x7FFD0100,
                                     mem=join_mem([struct.pack("<iII", 0, 0xFFFFFFFF, 0xFFFFFFFF)])),
                            "getsockopt(4, SOL_SOCKET, SO_PEERCRED, {pid=0, uid=-1, gid=-1}, [12]) = 0"),
    "socketpair": (make_row("socketpair", AF_UNIX, 1, 0, 0x7FFD0000, mem=join_mem([struct.pack("<ii", 3, 4)])),
                   "socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4]) = 0"),
    "poll revents in the return value": (
        make_row("poll", 0x7FFD0000, 1, 1000, ret=1,
                 mem=join_mem([struct.pack("<ihh", 3, 4, 0), struct.pack("<ihh", 3, 4, 0x1C)])),
        "poll([{fd=3, events=POLLOUT}], 1, 1000) = 1 ([{fd=3, revents=POLLOUT|POLLERR|POLLHUP}])"),
    "poll timeout": (make_row("poll", 0x7FFD0000, 1, 10, ret=0,
                              mem=join_mem([struct.pack("<ihh", 3, 1, 0), struct.pack("<ihh", 3, 1, 0)])),
                     "poll([{fd=3, events=POLLIN}], 1, 10) = 0 (Timeout)"),
    "ppoll": (make_row("ppoll", 0x7FFD0000, 2, 0x7FFD0100, 0, 8, ret=2,
                       mem=join_mem([struct.pack("<ihhihh", 3, 1, 0, 4, 4, 0), struct.pack("<qq", 1, 0),
                                     struct.pack("<ihhihh", 3, 1, 1, 4, 4, 4)])),
              "ppoll([{fd=3, events=POLLIN}, {fd=4, events=POLLOUT}], 2, {tv_sec=1, tv_nsec=0}, NULL, 8) = 2 "
              "([{fd=3, revents=POLLIN}, {fd=4, revents=POLLOUT}])"),
    "pselect6 timeout": (make_row("pselect6", 4, 0x7FFD0000, 0, 0, 0x7FFD0100, 0, ret=0,
                                  mem=join_mem([struct.pack("<qq", 1, 0)])),
                         "pselect6(4, 0x7ffd0000, NULL, NULL, {tv_sec=1, tv_nsec=0}, NULL) = 0 (Timeout)"),
    "epoll_create1": (make_row("epoll_create1", 0x80000, ret=5), "epoll_create1(EPOLL_CLOEXEC) = 5"),
    "epoll_ctl": (make_row("epoll_ctl", 5, 1, 3, 0x7FFD0000, mem=join_mem([struct.pack("<IQ", 1, 7)])),
                  "epoll_ctl(5, EPOLL_CTL_ADD, 3, {events=EPOLLIN, data={u32=7, u64=7}}) = 0"),
    "epoll_wait": (make_row("epoll_wait", 5, 0x7FFD0000, 4, 1000, ret=1, mem=join_mem([struct.pack("<IQ", 1, 7)])),
                   "epoll_wait(5, [{events=EPOLLIN, data={u32=7, u64=7}}], 4, 1000) = 1"),
}


@pytest.mark.parametrize("row, expected", CALLS.values(), ids=CALLS.keys())
def test_socket_call_matches_strace(row: dict, expected: str) -> None:
    assert text(row) == expected


def test_sendmsg_without_the_iovec_array_shows_the_gathered_bytes_as_one_iovec() -> None:
    header = struct.pack("<QI4xQQQQi4x", 0, 0, 0x7FFD0000, 2, 0, 0, 0)
    row = make_row("sendmsg", 4, 0x7FFD0100, 0, ret=9, mem=join_mem([header, b""]), data=b'ab"c\\\t\x01\x022')
    assert text(row) == ('sendmsg(4, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="ab\\"c\\\\\\t\\1\\0022", '
                         "iov_len=9}], msg_iovlen=2, msg_controllen=0, msg_flags=0}, 0) = 9")


def iov_parts(pairs: list[tuple[int, int]], taken: list[int | None], tried: int | None = None) -> list[bytes]:
    """The recorder's two extra parts of an iovec array: the raw entries, then the count tried
    and the bytes of each buffer taken into ``data`` (None: unreadable)."""
    raw = b"".join(struct.pack("<QQ", base, n) for base, n in pairs)
    counts = struct.pack("<I", len(pairs) if tried is None else tried) + b"".join(
        struct.pack("<I", 0xFFFFFFFF if t is None else t) for t in taken)
    return [raw, counts]


def test_sendmsg_with_the_iovec_array_splits_the_bytes_like_strace() -> None:
    header = struct.pack("<QI4xQQQQi4x", 0, 0, 0x7FFD0000, 2, 0, 0, 0)
    iovs = iov_parts([(0x1000, 5), (0x2000, 4)], [5, 4])
    row = make_row("sendmsg", 4, 0x7FFD0100, 0, ret=9, mem=join_mem([header, b""], iovs), data=b'ab"c\\\t\x01\x022')
    assert text(row) == ('sendmsg(4, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="ab\\"c\\\\", iov_len=5}, '
                         '{iov_base="\\t\\1\\0022", iov_len=4}], msg_iovlen=2, msg_controllen=0, msg_flags=0}, 0) = 9')


def test_recvmsg_with_a_name_and_scm_rights() -> None:
    header = struct.pack("<QI4xQQQQi4x", 0x7FFD0000, 16, 0x7FFD0100, 1, 0x7FFD0200, 24, 0)
    control = struct.pack("<Qii", 20, 1, 1) + struct.pack("<i", 7) + b"\0" * 4
    extra = [struct.pack("<i", 128), *iov_parts([(0x3000, 64)], [2])]
    row = make_row("recvmsg", 5, 0x7FFD0300, 0x40000000, ret=2, data=b"hi", sockaddr=sin("127.0.0.1", 53),
                   mem=join_mem([header, control], extra))
    assert text(row) == ('recvmsg(5, {msg_name={sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.1")}, '
                         'msg_namelen=128 => 16, msg_iov=[{iov_base="hi", iov_len=64}], msg_iovlen=1, '
                         "msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=" +
                         "SCM_RIGHTS" +
                         ", cmsg_data=[7]}], msg_controllen=24, msg_flags=0}, MSG_CMSG_CLOEXEC) = 2")


def test_recv_calls_print_only_the_descriptor_at_entry() -> None:
    row = make_row("recvfrom", 4, 0x7FFD0000, 4096, 0, 0, 0, ret=5, data=b"hello")
    assert decode(row, DecodeOptions()).entry == 1


def test_string_size_option_cuts_buffers() -> None:
    row = make_row("sendto", 4, 0x7FFD0000, 5, 0, 0, 0, ret=5, data=b"hello")
    assert text(row, string_size=2) == 'sendto(4, "he"..., 5, 0, NULL, 0) = 5'


def mmsghdr(name: int, namelen: int, iov: int, msg_len: int) -> bytes:
    return struct.pack("<QI4xQQQQi4xI4x", name, namelen, iov, 1, 0, 0, 0, msg_len)


def test_sendmmsg_prints_each_message_like_strace() -> None:
    array = mmsghdr(0x7FFD0000, 16, 0x7FFD0100, 0) + mmsghdr(0x7FFD0000, 16, 0x7FFD0200, 0)
    row = make_row("sendmmsg", 3, 0x7FFD0300, 2, 0x4000, ret=2, sockaddr=sin("127.0.0.1", 53),
                   mem=join_mem([array, b"query-one", b"q2"]))
    name = '{sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.1")}'
    assert text(row) == (
        f"sendmmsg(3, [{{msg_hdr={{msg_name={name}, msg_namelen=16, msg_iov=[{{iov_base=\"query-one\", iov_len=9}}], "
        "msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=9}, "
        f"{{msg_hdr={{msg_name={name}, msg_namelen=16, msg_iov=[{{iov_base=\"q2\", iov_len=2}}], "
        "msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=2}], 2, MSG_NOSIGNAL) = 2"
    )


def test_recvmmsg_shows_the_lengths_the_kernel_wrote() -> None:
    row = make_row("recvmmsg", 3, 0x7FFD0300, 2, 0x40, 0, ret=1,
                   mem=join_mem([mmsghdr(0, 0, 0x7FFD0100, 5), b"hello"]))
    assert text(row) == ('recvmmsg(3, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="hello", iov_len=5}], '
                         "msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=5}], 2, MSG_DONTWAIT, NULL) = 1")


# --- recordings with extra parts (schema/captures.py): strace's exact forms --------------------


def _iov_row(name: str, pairs: list[tuple[int, int]], taken: list[int | None], data: bytes, *, ret: int,
             count: int | None = None, tried: int | None = None, array_len: int | None = None) -> dict:
    raw, counts = iov_parts(pairs, taken, tried)
    if array_len is not None:
        raw = raw[:array_len]
    n = len(pairs) if count is None else count
    return make_row(name, 3, 0x7FFD0000, n, ret=ret, data=data, mem=join_mem([], [raw, counts]))


def test_writev_prints_each_iovec_with_its_own_bytes() -> None:
    row = _iov_row("writev", [(0x1000, 3), (0x2000, 5), (0x3000, 7)], [3, 5, 7], b"0123456789abcde", ret=15)
    assert text(row) == ('writev(3, [{iov_base="012", iov_len=3}, {iov_base="34567", iov_len=5}, '
                         '{iov_base="89abcde", iov_len=7}], 3) = 15')


def test_the_string_limit_applies_to_each_iovec_and_to_the_number_of_iovecs() -> None:
    row = _iov_row("writev", [(0x1000, 100), (0x2000, 4), (0x3000, 2)], [8, 4, 2], b"L" * 8 + b"tail" + b"xy", ret=106)
    assert text(row, string_size=2) == 'writev(3, [{iov_base="LL"..., iov_len=100}, {iov_base="ta"..., iov_len=4}, ...], 3) = 106'


def test_an_iovec_whose_buffer_is_unreadable_shows_its_address() -> None:
    row = _iov_row("writev", [(0x1000, 2), (0x7F0000000000, 5)], [2, None], b"ok", ret=2)
    assert text(row) == 'writev(3, [{iov_base="ok", iov_len=2}, {iov_base=0x7f0000000000, iov_len=5}], 2) = 2'


def test_an_iovec_array_cut_by_an_unmapped_page_ends_with_its_address() -> None:
    row = _iov_row("writev", [(0x1000, 3)], [3], b"xyz", ret=-14, count=2, tried=2)
    assert text(row) == 'writev(3, [{iov_base="xyz", iov_len=3}, ... /* 0x7ffd0010 */], 2) = -1 EFAULT (Bad address)'


def test_an_unreadable_iovec_array_is_its_address_never_an_invented_iovec() -> None:
    row = make_row("writev", 19999, 0x7FFD0000, 42, err="EBADF", data=b"", mem=join_mem([], [None, None]))
    assert text(row) == "writev(19999, 0x7ffd0000, 42) = -1 EBADF (Bad file descriptor)"
    empty = make_row("writev", 3, 0x7FFD0000, 0, ret=0, data=b"", mem=join_mem([], [b"", struct.pack("<I", 0)]))
    assert text(empty) == "writev(3, [], 0) = 0"


def test_readv_shares_the_bytes_read_out_in_order_and_shows_addresses_when_it_failed() -> None:
    row = _iov_row("readv", [(0x1000, 2), (0x2000, 4), (0x3000, 64)], [2, 4, 3], b"0123456789", ret=9)
    assert text(row) == ('readv(3, [{iov_base="01", iov_len=2}, {iov_base="2345", iov_len=4}, '
                         '{iov_base="678", iov_len=64}], 3) = 9')
    raw = iov_parts([(0x1000, 2), (0, 4)], [])[0]
    failed = make_row("readv", 3, 0x7FFD0000, 2, err="EBADF", mem=join_mem([], [raw, None]))
    assert text(failed) == ("readv(3, [{iov_base=0x1000, iov_len=2}, {iov_base=NULL, iov_len=4}], 2) "
                            "= -1 EBADF (Bad file descriptor)")


def test_value_result_lengths_print_in_and_out() -> None:
    xs = [struct.pack("<i", 128), struct.pack("<i", 16)]
    row = make_row("accept", 3, 0x7FFD0000, 0x7FFD0100, ret=5, sockaddr=sin("127.0.0.1", 4000), mem=join_mem([], xs))
    assert text(row) == ('accept(3, {sa_family=AF_INET, sin_port=htons(4000), sin_addr=inet_addr("127.0.0.1")}, '
                         "[128 => 16]) = 5")
    unchanged = make_row("getsockname", 3, 0x7FFD0000, 0x7FFD0100, ret=0, sockaddr=sin("127.0.0.1", 4000))
    assert text(unchanged).endswith(", [16]) = 0")


def test_a_sockaddr_is_shown_only_as_far_as_the_callers_buffer_held_it() -> None:
    # the kernel reports 25 bytes; the caller's buffer held 2, so only the family was written
    xs = [struct.pack("<i", 2), struct.pack("<i", 25)]
    row = make_row("accept4", 3, 0x7FFD0000, 0x7FFD0100, 0, ret=5, sockaddr=sun(b"")[:2], mem=join_mem([], xs))
    assert text(row) == "accept4(3, {sa_family=AF_UNIX}, [2 => 25], 0) = 5"
    xs = [struct.pack("<i", 4), struct.pack("<i", 16)]
    short = make_row("recvfrom", 6, 0x7FFD0000, 64, 0, 0x7FFD0200, 0x7FFD0300, ret=4, data=b"pong",
                     sockaddr=sin("127.0.0.1", 0xE839)[:4], mem=join_mem([], xs))
    assert text(short) == 'recvfrom(6, "pong", 64, 0, {sa_family=AF_INET, sa_data="\\3509"}, [4 => 16]) = 4'


def test_a_failed_call_shows_the_length_passed_in() -> None:
    xs = [struct.pack("<i", 110), None]
    row = make_row("getpeername", 3, 0x7FFD0000, 0x7FFD0100, err="ENOTCONN", mem=join_mem([], xs))
    assert text(row) == "getpeername(3, 0x7ffd0000, [110]) = -1 ENOTCONN (Transport endpoint is not connected)"
    neg = make_row("getsockopt", 4, 1, 3, 0x7FFD0000, 0x7FFD0100, err="EINVAL",
                   mem=join_mem([], [struct.pack("<i", -1), None]))
    assert text(neg) == "getsockopt(4, SOL_SOCKET, SO_TYPE, 0x7ffd0000, [-1]) = -1 EINVAL (Invalid argument)"


def test_getsockopt_prints_in_and_out_lengths_and_the_getters_option_name() -> None:
    xs = [struct.pack("<i", 5), struct.pack("<i", 4)]
    row = make_row("getsockopt", 4, 1, 1, 0x7FFD0000, 0x7FFD0100, ret=0, mem=join_mem([struct.pack("<i", 0)], xs))
    assert text(row) == "getsockopt(4, SOL_SOCKET, SO_DEBUG, [0], [5 => 4]) = 0"
    xs = [struct.pack("<i", 64), struct.pack("<i", 0)]
    row = make_row("getsockopt", 4, 1, 26, 0x7FFD0000, 0x7FFD0100, ret=0, mem=join_mem([b""], xs))
    assert text(row) == "getsockopt(4, SOL_SOCKET, SO_GET_FILTER, 0x7ffd0000, [64 => 0]) = 0"


def test_recvmsg_shows_msg_namelen_in_and_out_and_what_it_passed_when_it_failed() -> None:
    row = make_row("recvmsg", 4, 0x7FFD0000, 0x40, err="EAGAIN", mem=join_mem([], [struct.pack("<i", 0)]))
    assert text(row) == "recvmsg(4, {msg_namelen=0}, MSG_DONTWAIT) = -1 EAGAIN (Resource temporarily unavailable)"


def test_recvmmsg_shows_its_timeout_and_the_time_left() -> None:
    hdr = struct.pack("<QI4xQQQQi4xI4x", 0, 0, 0x7FFD0100, 1, 0, 0, 0, 5)
    xs = [struct.pack("<qq", 0, 12345678), struct.pack("<qq", 0, 12000000), *iov_parts([(0x1000, 64)], [5])]
    row = make_row("recvmmsg", 4, 0x7FFD0000, 2, 0, 0x7FFD0200, ret=1, mem=join_mem([hdr, b"hello"], xs))
    assert text(row) == ('recvmmsg(4, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="hello", '
                         "iov_len=64}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=5}], 2, 0, "
                         "{tv_sec=0, tv_nsec=12345678}) = 1 (left {tv_sec=0, tv_nsec=12000000})")


def test_poll_prints_negative_fds_bare_and_marks_an_unmapped_tail() -> None:
    fds = struct.pack("<ihh", 3, 1, 0) + struct.pack("<ihh", -1, 1, 0)
    row = make_row("poll", 0x7FFD0000, 2, 0, ret=0, mem=join_mem([fds, fds]))
    assert text(row) == "poll([{fd=3, events=POLLIN}, {fd=-1}], 2, 0) = 0 (Timeout)"
    cut = make_row("poll", 0x7FFD0000, 2, 0, err="EFAULT", mem=join_mem([fds[:8]]))
    assert text(cut) == "poll([{fd=3, events=POLLIN}, ... /* 0x7ffd0008 */], 2, 0) = -1 EFAULT (Bad address)"


def test_select_prints_the_fd_sets_before_and_after() -> None:
    sets = [struct.pack("<Q", 0b11000), struct.pack("<Q", 0b10000), struct.pack("<Q", 0b1000)]
    outs = [struct.pack("<Q", 0b1000), struct.pack("<Q", 0b10000), struct.pack("<Q", 0)]
    left = struct.pack("<qq", 0, 999)
    row = make_row("pselect6", 5, 0x7FFD0000, 0x7FFD0100, 0x7FFD0200, 0x7FFD0300, 0, ret=2,
                   mem=join_mem([struct.pack("<qq", 1, 0)], [*sets, None, None, *outs, left]))
    assert text(row) == ("pselect6(5, [3 4], [4], [3], {tv_sec=1, tv_nsec=0}, NULL) = 2 "
                         "(in [3], out [4], left {tv_sec=0, tv_nsec=999})")
    mask = struct.pack("<QQ", 0x7FFD0400, 8)
    row = make_row("pselect6", 4, 0x7FFD0000, 0, 0, 0, 0x7FFD0500, ret=0,
                   mem=join_mem([None], [struct.pack("<Q", 8), None, None, mask, struct.pack("<Q", 1 << 9),
                                         None, None, None, None]))
    assert text(row) == "pselect6(4, [3], NULL, NULL, NULL, {sigmask=[USR1], sigsetsize=8}) = 0 (Timeout)"


def test_epoll_ctl_del_shows_the_pointer_the_kernel_ignores() -> None:
    ev = struct.pack("<IQ", 1, 7)
    row = make_row("epoll_ctl", 5, 2, 3, 0x7FFD0000, ret=0, mem=join_mem([ev]))
    assert text(row) == "epoll_ctl(5, EPOLL_CTL_DEL, 3, 0x7ffd0000) = 0"


def test_a_sockaddr_captured_shorter_than_its_length_is_its_address_not_zero_padding() -> None:
    # recordings made before reads were all or nothing kept the bytes before an unmapped page
    row = make_row("connect", -1, 0x7F0000000FF4, 110, err="EBADF", sockaddr=sun(b"\0\0\0edge\0\0"))
    assert text(row) == "connect(-1, 0x7f0000000ff4, 110) = -1 EBADF (Bad file descriptor)"
