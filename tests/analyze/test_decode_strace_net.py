"""Control messages, netlink messages, link-layer addresses and the wider list of socket and
descriptor structures render as ``strace -f`` prints them, line for line (the harness of
test_decode_strace.py: pids, addresses and ephemeral ports normalized, nothing else).

Each program's header says what it exercises; the -s values test strace's array limits (a
60-descriptor SCM_RIGHTS, IP options, iovec and mmsg counts).
"""
from __future__ import annotations

import importlib.util
import os
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
