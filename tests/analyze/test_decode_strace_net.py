"""Control messages, netlink messages, link-layer addresses and the wider list of socket and
descriptor structures render as ``strace -f`` prints them, line for line (the harness of
test_decode_strace.py: pids, addresses and ephemeral ports normalized, nothing else).

Each program's header says what it exercises; the -s values test strace's array limits (a
60-descriptor SCM_RIGHTS, IP options, iovec and mmsg counts).
"""
from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from typing import Callable

import pytest

from tests.analyze.test_decode_strace import diff, join_unfinished, normalize, strace_and_renacer
from tests.conftest import needs

HAVE_RECORDER = importlib.util.find_spec("renacer.capture._recorder") is not None


def _compare(name: str, string_size: int, program: Callable[..., str], tmp_path: Path, least: int) -> None:
    strace_text, renacer_text = strace_and_renacer(program(name), tmp_path, string_size)
    expected = normalize(join_unfinished(strace_text))
    actual = normalize(join_unfinished(renacer_text))
    assert sum(map(len, actual.values())) >= least  # the program ran and was recorded
    problems = diff(strace_text, renacer_text)
    assert not problems, "\n".join(problems)
    assert expected == actual


@needs("strace")
@pytest.mark.skipif(not HAVE_RECORDER, reason="the Cython recorder is not built")
@pytest.mark.parametrize("string_size", [32, 4])
def test_control_messages_of_every_level_render_as_strace_prints_them(
    string_size: int, program: Callable[..., str], tmp_path: Path
) -> None:
    _compare("decode_cmsg", string_size, program, tmp_path, 100)


# Counters that move between strace's run and renacer's (loopback traffic of the whole host, an
# IPv6 timer): masked, and only these; every attribute's name, length and layout is compared.
_COUNTERS = re.compile(r"((?:rx|tx)_\w+|multicast|collisions|tstamp|reachable_time"
                       r"|\[(?:IPSTATS|ICMP6)_MIB_\w+\])=\d+")


def _mask_counters(per: dict[str, list[str]]) -> dict[str, list[str]]:
    return {t: [_COUNTERS.sub(r"\1=N", line) for line in lines] for t, lines in per.items()}


@needs("strace")
@pytest.mark.skipif(not HAVE_RECORDER, reason="the Cython recorder is not built")
def test_netlink_requests_and_replies_render_as_strace_prints_them(
    program: Callable[..., str], tmp_path: Path
) -> None:
    # -s 4096: the recorder keeps -s bytes of a buffer, strace reads every message whole; lo's
    # RTM_NEWLINK reply is about 1.5 KB (its AF_SPEC holds IPv4/IPv6 conf and stats arrays)
    strace_text, renacer_text = strace_and_renacer(program("decode_netlink"), tmp_path, 4096)
    expected = _mask_counters(normalize(join_unfinished(strace_text)))
    actual = _mask_counters(normalize(join_unfinished(renacer_text)))
    assert expected == actual, "\n".join(diff(strace_text, renacer_text))
    b = "\n".join(line for lines in actual.values() for line in lines)
    assert "nla_type=IFLA_IFNAME}, \"lo\"]" in b and "nla_type=IFLA_AF_SPEC}" in b
    assert "[IPV4_DEVCONF_FORWARDING-1]=" in b and "nla_type=IFLA_STATS64}, {rx_packets=N" in b
    assert "nla_type=IFA_LABEL}, \"lo\"]" in "\n".join(b for lines in actual.values() for b in lines)
    text = "\n".join(line for lines in actual.values() for line in lines)
    assert "nlmsg_type=RTM_GETLINK, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK" in text
    assert "nlmsg_type=NLMSG_ERROR" in text and "error=-ENODEV" in text
    assert "nlmsg_type=SOCK_DIAG_BY_FAMILY" in text and "nlmsg_type=NLMSG_DONE" in text
    if os.geteuid() == 0:
        assert 'sll_ifindex=if_nametoindex("lo")' in text


@pytest.mark.skipif(not HAVE_RECORDER, reason="the Cython recorder is not built")
@pytest.mark.parametrize("name", ["decode_netlink", "decode_cmsg"])
def test_live_text_and_replay_agree_on_netlink_and_control_messages(
    name: str, program: Callable[..., str], tmp_path: Path
) -> None:
    """The socket table is learned while rendering, the interface names come from the metadata:
    live and replayed text must still be the same bytes."""
    import subprocess
    import sys

    from tests.conftest import run_renacer

    work = tmp_path / "work"
    work.mkdir()
    trace = tmp_path / "t.parquet"
    live = run_renacer(["--style", "strace", "-w", str(trace), "--", program(name), str(work)])
    assert live.returncode == 0, live.stderr
    replay = subprocess.run(
        [sys.executable, "-m", "renacer.analyze.cli", "replay", "--style", "strace", str(trace)],
        capture_output=True, text=True, timeout=120,
    )
    assert replay.returncode == 0, replay.stderr
    assert replay.stdout + replay.stderr == live.stderr
    assert 'if_nametoindex("lo")' in live.stderr
    if name == "decode_netlink":
        assert "nlmsg_type=RTM_GETLINK" in live.stderr


@needs("strace")
@pytest.mark.skipif(not HAVE_RECORDER, reason="the Cython recorder is not built")
@pytest.mark.parametrize("string_size", [32, 4, 128])
def test_option_structures_fd_calls_wide_arguments_and_long_arrays_render_as_strace_prints_them(
    string_size: int, program: Callable[..., str], tmp_path: Path
) -> None:
    """ip_mreq/ipv6_mreq/linger/ICMP_FILTER values, SOL_RAW/SOL_NETLINK names, ioctl NULL and
    FIOGETOWN's int, SIOCGSTAMP_NEW, eventfd2/signalfd4/timerfd_*, ppoll's and splice's 32-bit
    arguments, modes with garbage high bits, 100 iovecs (-s 128 shows them all) and 12 mmsgs."""
    _compare("decode_wide", string_size, program, tmp_path, 60)


@needs("strace")
@pytest.mark.skipif(not HAVE_RECORDER, reason="the Cython recorder is not built")
@pytest.mark.parametrize("subset", ["sendto,recvfrom", "sendto,recvmsg"])
def test_a_subset_without_socket_still_names_netlink_types_as_strace_does_live_and_replayed(
    subset: str, program: Callable[..., str], tmp_path: Path
) -> None:
    """socket() is recorded hidden beside a network subset: the socket table learns each
    descriptor's protocol from it, in print order (fd 3 is a NETLINK_ROUTE socket, closed, then
    a NETLINK_SOCK_DIAG one), and prints none of it; live and replayed text agree."""
    import io
    import subprocess
    import sys

    from renacer.analyze.render import RenderOptions, render_trace_file
    from tests.conftest import run_renacer

    exe = program("decode_netlink")
    work = tmp_path / "work"
    work.mkdir()
    strace_out = tmp_path / "strace.txt"
    subprocess.run(["strace", "-f", "-s", "4096", "-e", f"trace={subset}", "-o", str(strace_out), exe,
                    str(work)], check=True, timeout=60)
    trace = tmp_path / "t.parquet"
    live = run_renacer(["-s", "4096", "-e", f"trace={subset}", "--style", "strace", "-w", str(trace), "--",
                        exe, str(work)])
    assert live.returncode == 0, live.stderr
    out = io.StringIO()
    render_trace_file([str(trace)], out, RenderOptions(string_size=4096, pid_prefix="always", style="strace"))
    strace_text, renacer_text = strace_out.read_text(), out.getvalue()
    expected = _mask_counters(normalize(join_unfinished(strace_text)))
    actual = _mask_counters(normalize(join_unfinished(renacer_text)))
    assert expected == actual, "\n".join(diff(strace_text, renacer_text))
    text = "\n".join(line for lines in actual.values() for line in lines)
    assert "nlmsg_type=SOCK_DIAG_BY_FAMILY" in text and "NLMSG_???" not in text
    assert "socket(" not in text and "close(" not in text and "dup(" not in text
    # the dup of the netlink socket is recorded (hidden), the dup of stderr is not
    import pyarrow.parquet as pq

    dups = [r for r in pq.read_table(trace).to_pylist() if r["name"] == "dup"]
    assert [r["a0"] for r in dups] == [3]
    assert "sendto(4, {nlmsg_len=16, nlmsg_type=RTM_GETADDR" in text  # the copy's request, decoded
    replay = subprocess.run(
        [sys.executable, "-m", "renacer.analyze.cli", "replay", "--style", "strace", "-s", "4096", str(trace)],
        capture_output=True, text=True, timeout=120,
    )
    assert replay.returncode == 0, replay.stderr
    assert replay.stdout + replay.stderr == live.stderr
