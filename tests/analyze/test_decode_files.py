"""File and descriptor decoders print what strace 6.1 prints for the same recorded call."""
from __future__ import annotations

import struct

import pytest

from renacer.analyze.decode import DecodeOptions, decode, format_return
from renacer.analyze.decode.common import table
from renacer.schema.trace import join_mem
from tests.analyze.rows import make_row

AT_FDCWD = -100
O_WRONLY, O_CREAT, O_TRUNC, O_CLOEXEC, O_NONBLOCK, O_TMPFILE = 1, 0o100, 0o1000, 0o2000000, 0o4000, 0o20200000


def text(row: dict, string_size: int = 32, xflag: int = 0) -> str:
    d = decode(row, DecodeOptions(string_size=string_size, xflag=xflag))
    return f"{row['name']}({', '.join(d.args)}) = {format_return(row, d)}"


def stat_buf(mode: int, size: int, rdev: int = 0) -> bytes:
    buf = bytearray(144)
    struct.pack_into("<I", buf, 24, mode)
    struct.pack_into("<Qq", buf, 40, rdev, size)
    return bytes(buf)


def mode_text(type_name: str, perms: str, raw: int) -> str:
    """``S_IFREG|0644``: the file type's name, then the permission bits in octal."""
    assert table("S_IFMT")[type_name] | int(perms, 8) == raw
    return f"{type_name}|{perms}"


ELF = b"\x7fELF\x02\x01\x01\x03" + b"\0" * 8 + b"\x03\x00>\x00\x01\x00\x00\x00\x10t\x02\x00\x00\x00\x00\x00" + b"@" * 40

CALLS = {
    "openat with mode": (
        make_row("openat", AT_FDCWD, 0x7FFD0000, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644, ret=3,
                 path="/tmp/dt/data.txt"),
        'openat(AT_FDCWD, "/tmp/dt/data.txt", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644) = 3'),
    "openat without O_CREAT hides the mode": (
        make_row("openat", AT_FDCWD, 0x7FFD0000, O_CLOEXEC, 0o777, ret=3, path="/etc/ld.so.cache"),
        'openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3'),
    "openat O_TMPFILE shows the mode": (
        make_row("openat", AT_FDCWD, 0x7FFD0000, O_TMPFILE | 2, 0o600, ret=3, path="/tmp"),
        'openat(AT_FDCWD, "/tmp", O_RDWR|O_TMPFILE, 0600) = 3'),
    "openat missing file": (
        make_row("openat", AT_FDCWD, 0x7FFD0000, 0, err="ENOENT", path="/nonexistent/renacer"),
        'openat(AT_FDCWD, "/nonexistent/renacer", O_RDONLY) = -1 ENOENT (No such file or directory)'),
    "openat relative to a descriptor": (
        make_row("openat", 7, 0x7FFD0000, 0o200000, ret=8, path="sub"),
        'openat(7, "sub", O_RDONLY|O_DIRECTORY) = 8'),
    "path with bytes that need escaping is never cut": (
        make_row("open", 0x7FFD0000, 0, ret=3, path="/tmp/caf\u00e9/" + "x" * 40),
        'open("/tmp/caf\\303\\251/' + "x" * 40 + '", O_RDONLY) = 3'),
    "open NULL path": (make_row("open", 0, 0, err="EFAULT"), "open(NULL, O_RDONLY) = -1 EFAULT (Bad address)"),
    "read elf header cut at -s": (
        make_row("read", 3, 0x7FFD0000, 832, ret=832, data=ELF),
        'read(3, "\\177ELF\\2\\1\\1\\3\\0\\0\\0\\0\\0\\0\\0\\0\\3\\0>\\0\\1\\0\\0\\0\\20t\\2\\0\\0\\0\\0\\0"..., 832) = 832'),
    "read short": (make_row("read", 3, 0x7FFD0000, 5, ret=5, data=b"lineX"), 'read(3, "lineX", 5) = 5'),
    "read end of file": (make_row("read", 3, 0x7FFD0000, 4096, ret=0, data=b""), 'read(3, "", 4096) = 0'),
    "read failed shows the buffer address": (
        make_row("read", 3, 0x7FFC36068330, 0, err="EBADF"),
        "read(3, 0x7ffc36068330, 0) = -1 EBADF (Bad file descriptor)"),
    "write": (make_row("write", 3, 0x7FFD0000, 18, ret=18, data=b"line one\nline two\n"),
              'write(3, "line one\\nline two\\n", 18) = 18'),
    "write recorded with a smaller -s": (make_row("write", 1, 0x7FFD0000, 100, ret=100, data=b"abcd"),
                                         'write(1, "abcd"..., 100) = 100'),
    "pread64": (make_row("pread64", 3, 0x7FFD0000, 4, 9, ret=4, data=b"line"), 'pread64(3, "line", 4, 9) = 4'),
    "pwrite64": (make_row("pwrite64", 3, 0x7FFD0000, 2, 4, ret=2, data=b"XY"), 'pwrite64(3, "XY", 2, 4) = 2'),
    "writev with the iovec array": (
        make_row("writev", 3, 0x7FFD0000, 2, ret=7, data=b"abcdef\n",
                 mem=join_mem([struct.pack("<4Q", 0x1000, 3, 0x2000, 4)])),
        'writev(3, [{iov_base="abc", iov_len=3}, {iov_base="def\\n", iov_len=4}], 2) = 7'),
    "readv with the iovec array stops at the bytes read": (
        make_row("readv", 3, 0x7FFD0000, 2, ret=6, data=b"Yne\nli",
                 mem=join_mem([struct.pack("<4Q", 0x1000, 4, 0x2000, 8)])),
        'readv(3, [{iov_base="Yne\\n", iov_len=4}, {iov_base="li", iov_len=8}], 2) = 6'),
    "readv without the iovec array": (
        make_row("readv", 3, 0x7FFD0000, 2, ret=12, data=b"Yne\nline two"),
        'readv(3, [{iov_base="Yne\\nline two", iov_len=12}], 2) = 12'),
    "close": (make_row("close", 3), "close(3) = 0"),
    "close bad descriptor": (make_row("close", -1, err="EBADF"), "close(-1) = -1 EBADF (Bad file descriptor)"),
    "lseek": (make_row("lseek", 3, -2, 2, ret=23), "lseek(3, -2, SEEK_END) = 23"),
    "dup2": (make_row("dup2", 3, 20, ret=20), "dup2(3, 20) = 20"),
    "dup3": (make_row("dup3", 3, 21, O_CLOEXEC, ret=21), "dup3(3, 21, O_CLOEXEC) = 21"),
    "fcntl F_GETFL": (make_row("fcntl", 3, 3, ret=0x8000), "fcntl(3, F_GETFL) = 0x8000 (flags O_RDONLY|O_LARGEFILE)"),
    "fcntl F_GETFL write-only nonblocking": (make_row("fcntl", 3, 3, ret=0x801),
                                            "fcntl(3, F_GETFL) = 0x801 (flags O_WRONLY|O_NONBLOCK)"),
    "fcntl F_SETFL": (make_row("fcntl", 3, 4, O_NONBLOCK | 2), "fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0"),
    "fcntl F_DUPFD_CLOEXEC": (make_row("fcntl", 3, 1030, 30, ret=30), "fcntl(3, F_DUPFD_CLOEXEC, 30) = 30"),
    "fcntl unknown command": (make_row("fcntl", 3, 999, 0x10, err="EINVAL"),
                              "fcntl(3, 0x3e7 /* F_??? */, 0x10) = -1 EINVAL (Invalid argument)"),
    "ioctl known request": (make_row("ioctl", 0, 0x5401, 0x7FFD8AB0F5D0, err="ENOTTY"),
                            "ioctl(0, TCGETS, 0x7ffd8ab0f5d0) = -1 ENOTTY (Inappropriate ioctl for device)"),
    "ioctl unknown request": (make_row("ioctl", 3, 0x80081234, 0x7FFD0000, err="ENOTTY"),
                              "ioctl(3, _IOC(_IOC_READ, 0x12, 0x34, 0x8), 0x7ffd0000) = -1 ENOTTY "
                              "(Inappropriate ioctl for device)"),
    "pipe2": (make_row("pipe2", 0x7FFD0000, O_CLOEXEC, mem=join_mem([struct.pack("<ii", 3, 4)])),
              "pipe2([3, 4], O_CLOEXEC) = 0"),
    "pipe2 failed": (make_row("pipe2", 0x7FFD0000, 0, err="EMFILE"),
                     "pipe2(0x7ffd0000, 0) = -1 EMFILE (Too many open files)"),
    "newfstatat": (make_row("newfstatat", AT_FDCWD, 0x7FFD0000, 0x7FFD0100, 0x100, path="/tmp/dt/data.txt",
                            mem=join_mem([stat_buf(0o100644, 25)])),
                   'newfstatat(AT_FDCWD, "/tmp/dt/data.txt", {st_mode=' + mode_text("S_IFREG", "0644", 0o100644)
                   + ", st_size=25, ...}, AT_SYMLINK_NOFOLLOW) = 0"),
    "fstat by empty path": (make_row("newfstatat", 3, 0x7FFD0000, 0x7FFD0100, 0x1000, path="",
                                     mem=join_mem([stat_buf(0o100755, 1926232)])),
                            'newfstatat(3, "", {st_mode=' + mode_text("S_IFREG", "0755", 0o100755)
                            + ", st_size=1926232, ...}, AT_EMPTY_PATH) = 0"),
    "stat missing": (make_row("stat", 0x7FFD0000, 0x7FFD0100, err="ENOENT", path="/nope"),
                     'stat("/nope", 0x7ffd0100) = -1 ENOENT (No such file or directory)'),
    "access": (make_row("access", 0x7FFD0000, 4, err="ENOENT", path="/etc/ld.so.preload"),
               'access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)'),
    "access F_OK": (make_row("access", 0x7FFD0000, 0, path="/"), 'access("/", F_OK) = 0'),
    "unlink": (make_row("unlink", 0x7FFD0000, path="/tmp/dt/data.txt"), 'unlink("/tmp/dt/data.txt") = 0'),
    "unlinkat directory": (make_row("unlinkat", AT_FDCWD, 0x7FFD0000, 0x200, path="d"),
                           'unlinkat(AT_FDCWD, "d", AT_REMOVEDIR) = 0'),
    "rename": (make_row("rename", 0x7FFD0000, 0x7FFD0100, path="a", mem=join_mem([b"b"])), 'rename("a", "b") = 0'),
    "mkdir": (make_row("mkdir", 0x7FFD0000, 0o755, path="/tmp/x"), 'mkdir("/tmp/x", 0755) = 0'),
    "readlink": (make_row("readlink", 0x7FFD0000, 0x7FFD0100, 4096, ret=12, path="/proc/self/exe",
                          mem=join_mem([b"/usr/bin/cat"])),
                 'readlink("/proc/self/exe", "/usr/bin/cat", 4096) = 12'),
    "getcwd": (make_row("getcwd", 0x7FFD0000, 4096, ret=8, mem=join_mem([b"/tmp/dt\0"])), 'getcwd("/tmp/dt", 4096) = 8'),
    "umask returns octal": (make_row("umask", 0o22, ret=0o2), "umask(022) = 002"),
}


@pytest.mark.parametrize("row, expected", CALLS.values(), ids=CALLS.keys())
def test_file_call_matches_strace(row: dict, expected: str) -> None:
    assert text(row) == expected


def test_statx_prints_path_flags_mask_and_the_returned_struct() -> None:
    buf = bytearray(256)
    struct.pack_into("<I", buf, 0, 0x17FF)
    struct.pack_into("<H", buf, 28, 0o100644)
    struct.pack_into("<Q", buf, 40, 25)
    row = make_row("statx", AT_FDCWD, 0x7FFD0000, 0, 0x7FF, 0x7FFD0100, path="/tmp/dt/data.txt", mem=join_mem([bytes(buf)]))
    d = decode(row, DecodeOptions())
    assert d.args[:3] == ["AT_FDCWD", '"/tmp/dt/data.txt"', "AT_STATX_SYNC_AS_STAT"]
    assert d.args[4].endswith(f"stx_attributes=0, stx_mode={mode_text('S_IFREG', '0644', 0o100644)}, stx_size=25, ...}}")
    assert d.entry == 4


def test_character_devices_show_rdev_instead_of_size() -> None:
    row = make_row("fstat", 1, 0x7FFD0000, mem=join_mem([stat_buf(0o20620, 0, rdev=(0x88 << 8) | 1)]))
    assert "st_rdev=makedev(0x88, 0x1)" in text(row)


def test_x_option_hex_quotes_strings_with_non_ascii_bytes() -> None:
    row = make_row("write", 1, 0x7FFD0000, 3, ret=3, data=b"a\x00b")
    assert text(row, xflag=1) == 'write(1, "\\x61\\x00\\x62", 3) = 3'
    assert text(make_row("write", 1, 0x7FFD0000, 2, ret=2, data=b"a\n"), xflag=1) == 'write(1, "a\\n", 2) = 2'
    assert text(make_row("write", 1, 0x7FFD0000, 2, ret=2, data=b"ab"), xflag=2) == 'write(1, "\\x61\\x62", 2) = 2'


def test_octal_escapes_take_three_digits_before_an_octal_digit_only() -> None:
    row = make_row("write", 1, 0x7FFD0000, 6, ret=6, data=b"\x01" + b"7" + b"\x01" + b"8" + b"\x1b[")
    assert text(row) == 'write(1, "\\0017\\18\\33[", 6) = 6'


def test_read_prints_its_buffer_at_exit() -> None:
    d = decode(make_row("read", 3, 0x7FFD0000, 5, ret=5, data=b"lineX"), DecodeOptions())
    assert d.entry == 1


def test_fcntl_lock_commands_print_the_struct_flock() -> None:
    lock = struct.pack("<hh4xqqi4x", 1, 0, 0, 10, 0)
    row = make_row("fcntl", 3, 6, 0x7FFD0000, ret=0, mem=join_mem([lock]))
    assert text(row) == "fcntl(3, F_SETLK, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=10}) = 0"
    got = struct.pack("<hh4xqqi4x", 2, 0, 0, 0, 0)
    row = make_row("fcntl", 3, 5, 0x7FFD0000, ret=0, mem=join_mem([lock, got]))
    assert text(row) == "fcntl(3, F_GETLK, {l_type=F_UNLCK, l_whence=SEEK_SET, l_start=0, l_len=0, l_pid=0}) = 0"
    bad = make_row("fcntl", 3, 6, 0x7FFD0000, err="EFAULT", mem=join_mem([None]))
    assert text(bad) == "fcntl(3, F_SETLK, 0x7ffd0000) = -1 EFAULT (Bad address)"


def test_ioctls_with_an_int_argument_print_it() -> None:
    out = make_row("ioctl", 6, 0x541B, 0x7FFD0000, ret=0, mem=join_mem([struct.pack("<i", 4)]))
    assert text(out) == "ioctl(6, FIONREAD, [4]) = 0"
    bad = make_row("ioctl", 6, 0x541B, 0x7FFD0000, err="EFAULT")
    assert text(bad) == "ioctl(6, FIONREAD, 0x7ffd0000) = -1 EFAULT (Bad address)"
    given = make_row("ioctl", 6, 0x5421, 0x7FFD0000, ret=0, mem=join_mem([struct.pack("<i", 1)]))
    assert text(given) == "ioctl(6, FIONBIO, [1]) = 0"
