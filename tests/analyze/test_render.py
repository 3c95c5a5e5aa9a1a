"""The renderer: strace's line structure, one code path for live and replay, byte-identical output
however the rows are split across feeds, and the json / jsonl / csv formats."""
from __future__ import annotations

import csv
import importlib.util
import io
import json
import random
import struct
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import jsonschema
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from renacer.analyze.decode.common import table
from renacer.analyze.render import (
    JsonRenderer,
    RenderOptions,
    TextRenderer,
    live_renderer,
    make_renderer,
    render_trace_file,
)
from renacer.schema import captures
from renacer.schema.trace import (
    TRACE_SCHEMA,
    TraceFormatError,
    join_mem,
    schema_with_metadata,
    split_mem,
)
from tests.analyze.rows import make_row
from tests.conftest import run_renacer

HAVE_RECORDER = importlib.util.find_spec("renacer.capture._recorder") is not None

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schema" / "render_output.schema.json").read_text())
START_WALL_NS = 1_700_000_000_123_456_789
# The strace-comparison expectations below are strace's look; the guide's style has its own tests.
STRACE = RenderOptions(style="strace")
CLONE_THREAD_FLAGS = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000


# --- building traces --------------------------------------------------------------------------------


def call(seq: int, tid: int, name: str, *args: int, exit_seq: int | None = -1, pid: int = 100, **kw: Any) -> dict:
    """A syscall row entered at ``seq`` that returned at ``exit_seq`` (default: right after)."""
    end = seq + 1 if exit_seq == -1 else exit_seq
    kw.setdefault("ts_ns", seq * 1000)
    kw.setdefault("dur_ns", None if end is None else (end - seq) * 1000 - 1)
    row = make_row(name, *args, seq=seq, exit_seq=end, pid=pid, tid=tid, **kw)
    if end is None:
        row["ret"] = None
    return row


def point(seq: int, tid: int, kind: str, *, nr: int = 0, ret: int | None = None, pid: int = 100,
          mem: bytes | None = None) -> dict:
    row = make_row("", seq=seq, exit_seq=None, ts_ns=seq * 1000, pid=pid, tid=tid, kind=kind, nr=nr, ret=ret,
                   mem=mem, dur_ns=None)
    row["name"] = {10: "SIGUSR1", 9: "SIGKILL", 17: "SIGCHLD"}.get(nr) if kind != "exit" else None
    return row


def siginfo(signo: int, code: int, pid: int) -> bytes:
    return join_mem([(struct.pack("<iii4xiI", signo, 0, code, pid, 0)).ljust(128, b"\0")])


def scenario() -> list[dict]:
    """Two threads and a refused connection, ending killed in a wait: rows in exit order."""
    rows = [
        call(0, 100, "execve", 0x7FFD0000, 0x7FFD0100, 0x7FFD0200, path="/bin/prog", mem=join_mem([b"prog\0"])),
        call(2, 100, "clone", CLONE_THREAD_FLAGS, 0x7F00, ret=101),
        call(5, 100, "write", 4, 0x7FFD0000, 2, ret=2, data=b"hi"),
        call(4, 101, "read", 3, 0x7FFD0000, 16, exit_seq=7, ret=2, data=b"hi"),
        call(8, 101, "exit", 0, exit_seq=None),
        point(9, 100, "signal", nr=10, mem=siginfo(10, 0, 100)),
        point(10, 101, "exit", ret=0),
        call(11, 100, "connect", 3, 0x7FFD0000, 16, err="ECONNREFUSED",
             sockaddr=struct.pack("<H", 2) + struct.pack(">H", 80) + bytes([127, 0, 0, 1]) + b"\0" * 8),
        call(13, 100, "wait4", -1, 0x7FFD0000, 0, 0, exit_seq=None),
        point(14, 100, "killed", nr=9, ret=0),
    ]
    return rows


def returned(left: str, ret: str) -> str:
    """A line the way strace pads it: ``left) `` to column 40, then ``= ret``."""
    return (left + " ").ljust(40) + "= " + ret + "\n"


def si_code(name: str, value: int, table_name: str) -> str:
    assert table(table_name)[name] == value
    return name


SCENARIO_TEXT = (
    returned('execve("/bin/prog", ["prog"], 0x7ffd0200 /* ? vars */)', "0")
    + returned("clone(child_stack=0x7f00, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD)", "101")
    + "[pid   101] read(3,  <unfinished ...>\n"
    + returned('[pid   100] write(4, "hi", 2)', "2")
    + returned('[pid   101] <... read resumed>"hi", 16)', "2")
    + returned("[pid   101] exit(0)", "?")
    + f"[pid   100] --- SIGUSR1 {{si_signo=SIGUSR1, si_code={si_code('SI_USER', 0, 'SI_CODE')}, si_pid=100, "
    + "si_uid=0} ---\n"
    + "[pid   101] +++ exited with 0 +++\n"
    + returned('connect(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16)',
               "-1 ECONNREFUSED (Connection refused)")
    + returned("wait4(-1,  <unfinished ...>)", "?")
    + "+++ killed by SIGKILL +++\n"
)


def to_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=TRACE_SCHEMA)


def render_once(rows: list[dict], options: RenderOptions = STRACE, meta: dict | None = None) -> str:
    out = io.StringIO()
    renderer = make_renderer(out, options, meta or {"start_wall_ns": START_WALL_NS})
    renderer.feed(to_table(rows), None)
    renderer.finish()
    return out.getvalue()


def save(rows: list[dict], path: Path, row_group_size: int = 1024, meta: dict | None = None) -> Path:
    meta = {"schema_version": 1, "start_wall_ns": START_WALL_NS, **(meta or {})}
    pq.write_table(to_table(rows).cast(schema_with_metadata(meta)), path, row_group_size=row_group_size)
    return path


# --- the live recorder's view: completed rows in batches, calls in progress as pending --------------


def _emitted_at(row: dict, rows: list[dict]) -> int:
    """When the recorder writes a row: at its exit; a call that never returns when its thread goes."""
    if row["kind"] != "syscall":
        return row["seq"]
    if row["exit_seq"] is not None:
        return row["exit_seq"]
    ends = [r["seq"] for r in rows if r["kind"] in ("exit", "killed") and r["tid"] == row["tid"] and r["seq"] > row["seq"]]
    return min(ends) if ends else max(r["seq"] for r in rows) + 1


_ENTRY_MEM_OPS = {captures.STR: 1, captures.MEM_IN: 1, captures.MEM_IN_N: 1, captures.ARGV: 1, captures.MSG_IN: 2}


def entry_only(row: dict) -> dict:
    """What the recorder knows of a call still in progress: registers and what it captured at entry."""
    ops = captures.CAPTURES.get(row["name"], ())
    kinds = {op.op for op in ops}
    keep_parts = sum(_ENTRY_MEM_OPS.get(op.op, 0) for op in ops)
    parts = split_mem(row["mem"])[:keep_parts]
    return {
        **row, "exit_seq": None, "dur_ns": None, "ret": None, "errno": None, "fd": None, "size": None,
        "data": row["data"] if kinds & {captures.BUF_IN, captures.IOV_IN, captures.MSG_IN} else None,
        "sockaddr": row["sockaddr"] if kinds & {captures.SA_IN, captures.MSG_IN} else None,
        "mem": join_mem(parts) if parts else None,
    }


def live_feeds(rows: list[dict], cuts: list[int]) -> Iterator[tuple[pa.Table | None, pa.Table | None]]:
    """The feeds a live recording would make if it flushed at each counter value in ``cuts``."""
    end = max(r["seq"] for r in rows) + 2
    order = sorted(rows, key=lambda r: (_emitted_at(r, rows), r["seq"]))
    start = 0
    for cut in sorted(set(cuts)) + [end]:
        batch = [r for r in order if start <= _emitted_at(r, rows) < cut]
        running = [entry_only(r) for r in order
                   if r["kind"] == "syscall" and r["seq"] < cut <= _emitted_at(r, rows)]
        yield (to_table(batch) if batch else None, to_table(running) if running else None)
        start = cut


def render_live(rows: list[dict], cuts: list[int], options: RenderOptions = STRACE, meta: dict | None = None) -> str:
    out = io.StringIO()
    consumer = live_renderer(out, options, meta or {"start_wall_ns": START_WALL_NS})
    for batch, pending in live_feeds(rows, cuts):
        consumer.write(batch, pending)
    consumer.close({})
    return out.getvalue()


# --- text ---------------------------------------------------------------------------------------------


def test_interleaved_threads_print_unfinished_and_resumed_lines_like_strace() -> None:
    assert render_once(scenario()) == SCENARIO_TEXT


def test_pid_prefixes_appear_while_a_second_thread_exists() -> None:
    lines = render_once(scenario()).splitlines()
    assert not lines[1].startswith("[pid")  # the clone line: its child does not exist yet
    assert all(line.startswith("[pid") for line in lines[2:8])
    assert not lines[8].startswith("[pid")  # after the thread's +++ line


def test_always_prefix_mode_prints_every_line_like_strace_dash_o() -> None:
    lines = render_once(scenario(), RenderOptions(pid_prefix="always", style="strace")).splitlines()
    assert lines[0].startswith("100   execve(") and lines[2] == "101   read(3,  <unfinished ...>"


def test_a_call_that_never_returns_while_others_run_is_resumed_with_a_question_mark() -> None:
    rows = [
        call(0, 100, "wait4", 200, 0x7FFD0000, 0, 0, exit_seq=None),
        call(1, 200, "getpid", pid=200, ret=200),
        point(3, 100, "killed", nr=9, ret=1),
    ]
    assert render_once(rows) == (
        "wait4(200,  <unfinished ...>\n"
        + returned("[pid   200] getpid()", "200")
        + returned("[pid   100] <... wait4 resumed> <unfinished ...>)", "?")
        + "[pid   100] +++ killed by SIGKILL (core dumped) +++\n"
    )


def test_exit_group_prints_its_question_mark_at_once_then_the_exit_line() -> None:
    rows = [call(0, 100, "exit_group", 3, exit_seq=None), point(1, 100, "exit", ret=3)]
    assert render_once(rows) == returned("exit_group(3)", "?") + "+++ exited with 3 +++\n"


def test_a_call_still_running_when_the_trace_ends_stays_unfinished() -> None:
    rows = [call(0, 100, "getpid", ret=100), call(1, 100, "read", 0, 0x7FFD0000, 10, exit_seq=None)]
    assert render_once(rows) == returned("getpid()", "100") + "read(0,  <unfinished ...>\n"


def test_durations_follow_the_return_value() -> None:
    text = render_once([call(0, 100, "close", 3, exit_seq=1, dur_ns=123_456)], RenderOptions(durations=True, style="strace"))
    assert text == returned("close(3)", "0 <0.000123>")


def test_short_errno_style_prints_the_negative_name() -> None:
    row = call(0, 100, "openat", -100, 0x7FFD0000, 0, path="/x", err="ENOENT")
    assert render_once([row], RenderOptions(errno_style="short")).endswith("= -ENOENT\n")


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("options, prefix", [
    (RenderOptions(timestamps=1, style="strace"), "22:13:20 "),
    (RenderOptions(timestamps=2, style="strace"), "22:13:20.125456 "),
    (RenderOptions(timestamps=3, style="strace"), "1700000000.125456 "),
    (RenderOptions(relative=True, style="strace"), "     0.000000 "),
], ids=["-t", "-tt", "-ttt", "-r"])
def test_timestamps_come_from_the_start_anchor_and_ts_ns(utc: None, options: RenderOptions, prefix: str) -> None:
    rows = [call(0, 100, "getpid", ret=100, ts_ns=2_000_000), call(2, 100, "getppid", ret=1, ts_ns=2_500_000)]
    first, second = render_once(rows, options).splitlines()
    assert first.startswith(prefix + "getpid()")
    if options.relative:
        assert second.startswith("     0.000500 getppid()")


def test_a_signal_line_carries_the_decoded_siginfo() -> None:
    rows = [point(0, 100, "signal", nr=17, mem=siginfo(17, 1, 4171))]
    text = render_once(rows)
    assert text.startswith("--- SIGCHLD {si_signo=SIGCHLD, si_code=") and "si_pid=4171" in text


# --- one code path, any split ---------------------------------------------------------------------------


def test_live_feeds_with_pending_calls_print_the_same_bytes_as_one_feed() -> None:
    rows = scenario()
    whole = render_once(rows)
    positions = sorted({r["seq"] for r in rows} | {r["exit_seq"] for r in rows if r["exit_seq"] is not None})
    rng = random.Random(7)
    for _ in range(200):
        cuts = rng.sample(range(0, positions[-1] + 2), rng.randrange(1, 8))
        assert render_live(rows, cuts) == whole, cuts
    for cut in range(positions[-1] + 2):  # and every single split point
        assert render_live(rows, [cut]) == whole, cut


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_record_formats_do_not_depend_on_the_split_either(fmt: str) -> None:
    rows = scenario()
    options = RenderOptions(format=fmt)
    whole = render_once(rows, options)
    rng = random.Random(fmt)
    for _ in range(50):
        assert render_live(rows, rng.sample(range(16), 4), options) == whole


def test_replay_streams_row_groups_and_matches_one_feed(tmp_path: Path) -> None:
    rows = scenario()
    path = save(sorted(rows, key=lambda r: (_emitted_at(r, rows), r["seq"])), tmp_path / "t.parquet", row_group_size=2)
    assert pq.ParquetFile(path).metadata.num_row_groups > 3
    out = io.StringIO()
    render_trace_file([str(path)], out, STRACE)
    assert out.getvalue() == SCENARIO_TEXT


@pytest.mark.parametrize("names", [{"read"}, {"read", "exit", "write"}, {"wait4"}, {"connect", "clone"}])
def test_filtered_replay_streams_row_groups_and_matches_one_feed(tmp_path: Path, names: set[str]) -> None:
    """replay -e reads one row group at a time, like an unfiltered replay, and prints what one
    feed of the whole trace prints (a read spanning row groups included)."""
    from renacer.schema.syscalls_x86_64 import SYSCALLS

    numbers = frozenset(nr for nr, name in SYSCALLS.items() if name in names)
    rows = scenario()
    path = save(sorted(rows, key=lambda r: (_emitted_at(r, rows), r["seq"])), tmp_path / "t.parquet", row_group_size=2)
    assert pq.ParquetFile(path).metadata.num_row_groups > 3
    out = io.StringIO()
    render_trace_file([str(path)], out, STRACE, numbers)
    assert out.getvalue() == render_once(rows, STRACE._replace(syscalls=numbers))
    assert out.getvalue()


def _held(obj: Any, depth: int = 3) -> int:
    """How many items the containers reachable from a renderer's attributes hold."""
    if depth == 0:
        return 0
    if isinstance(obj, (list, tuple, set, frozenset)):
        return len(obj) + sum(_held(v, depth - 1) for v in obj if not isinstance(v, (str, bytes, int)))
    if isinstance(obj, dict):
        return len(obj) + sum(_held(v, depth - 1) for v in obj.values() if not isinstance(v, (str, bytes, int)))
    names = list(getattr(obj, "__dict__", {})) + list(getattr(type(obj), "__slots__", ()))
    return sum(_held(getattr(obj, n, None), depth - 1) for n in names if n not in ("out", "options", "metadata"))


@pytest.mark.parametrize("fmt", ["text", "jsonl", "csv"])
def test_a_renderer_holds_nothing_per_call_it_has_printed(fmt: str) -> None:
    """Memory stays bounded: after 200 or 2000 batches of calls, text, JSON lines and CSV hold
    the same (no copy of each row for a summary they never print)."""
    def held_after(batches: int) -> int:
        renderer = make_renderer(io.StringIO(), STRACE._replace(format=fmt), {"start_wall_ns": START_WALL_NS})
        for b in range(batches):
            rows = [call(4 * b, 100, "getpid", ret=100),
                    point(4 * b + 2, 100, "signal", nr=10, mem=siginfo(10, 0, 100))]
            renderer.feed(to_table(rows), None)
        return _held(renderer)

    assert held_after(200) == held_after(2000)


@pytest.mark.skipif(not HAVE_RECORDER, reason="the Cython recorder is not built")
@pytest.mark.parametrize("style", ["guide", "strace"])
def test_a_real_recording_renders_identically_live_split_and_replayed(program: Callable[..., str], tmp_path: Path,
                                                                      style: str) -> None:
    exe = program("decode_all")
    work = tmp_path / "work"
    work.mkdir()
    trace, live = tmp_path / "t.parquet", tmp_path / "live.txt"
    result = run_renacer(["-T", "--style", style, "-w", str(trace), "-o", str(live), "--", exe, str(work)])
    assert result.returncode == 0, result.stderr
    options = RenderOptions(string_size=64, durations=True, style=style)
    out = io.StringIO()
    render_trace_file([str(trace)], out, options)
    assert live.read_text() == out.getvalue()
    rows = pq.read_table(trace).to_pylist()
    whole = render_once(rows, options)
    assert whole == out.getvalue()
    rng = random.Random(3)
    top = max(r["seq"] for r in rows)
    for _ in range(20):
        cuts = rng.sample(range(top + 2), 10)
        assert render_live(rows, cuts, options) == whole


# --- json, jsonl, csv ---------------------------------------------------------------------------------------


def test_json_document_validates_against_its_schema() -> None:
    doc = json.loads(render_once(scenario(), RenderOptions(format="json")))
    jsonschema.validate(doc, SCHEMA)
    connect = next(c for c in doc["syscalls"] if c["name"] == "connect")
    assert connect["return"] == {"value": -1, "error": "ECONNREFUSED"}
    assert connect["args"][0] == "3" and connect["args"][2] == "16"
    assert connect["timestamp"] == pytest.approx((START_WALL_NS + 11_000) / 1e9)
    assert [c["seq"] for c in doc["syscalls"]] == sorted(c["seq"] for c in doc["syscalls"])
    assert {e["kind"] for e in doc["events"]} == {"exit", "signal", "killed"}
    assert doc["summary"]["calls"] == 7 and doc["summary"]["errors"] == 1
    assert {r["syscall"] for r in doc["summary"]["by_syscall"]} >= {"connect", "read", "wait4"}


def test_empty_json_document_is_still_valid() -> None:
    out = io.StringIO()
    JsonRenderer(out, RenderOptions(format="json")).finish()
    jsonschema.validate(json.loads(out.getvalue()), SCHEMA)


def test_jsonl_has_one_call_per_line_matching_the_json_calls() -> None:
    lines = render_once(scenario(), RenderOptions(format="jsonl")).splitlines()
    doc = json.loads(render_once(scenario(), RenderOptions(format="json")))
    assert [json.loads(line) for line in lines] == doc["syscalls"]
    for line in lines:
        jsonschema.validate(json.loads(line), {**SCHEMA["$defs"]["call"], "$defs": SCHEMA["$defs"]})


def test_csv_has_a_header_and_the_json_fields() -> None:
    records = list(csv.DictReader(io.StringIO(render_once(scenario(), RenderOptions(format="csv")))))
    assert len(records) == 7
    connect = next(r for r in records if r["name"] == "connect")
    assert connect["return_value"] == "-1" and connect["return_error"] == "ECONNREFUSED"
    assert connect["args"].startswith("3, {sa_family=AF_INET")
    killed_wait = next(r for r in records if r["name"] == "wait4")
    assert killed_wait["return_value"] == "" and killed_wait["duration_ns"] == ""


def test_strace_style_summary_prints_strace_s_seconds_table_instead_of_calls() -> None:
    text = render_once(scenario(), RenderOptions(summary=True, style="strace"))
    lines = text.splitlines()
    assert lines[0] == "System Call Summary:"
    assert lines[1].split() == ["Syscall", "Calls", "Errors", "Total", "Time", "Avg", "Time", "p50", "p90", "p99"]
    assert "<unfinished" not in text
    body = [line.split() for line in lines[3:-2]]
    totals = [float(cells[3]) for cells in body]
    assert totals == sorted(totals, reverse=True)  # largest total time first
    total = lines[-1].split()
    assert total[0] == "total" and int(total[1]) == sum(int(cells[1]) for cells in body)


def test_summary_numbers_are_the_analyzers_summary_query() -> None:
    from renacer.analyze.render import summary_text
    from tests.analyze.summary_query import summary_rows

    rows = scenario()
    expected = summary_text(summary_rows(to_table(rows)))
    assert render_once(rows, RenderOptions(summary=True, style="strace")) == expected


@pytest.mark.parametrize("style", ["strace", "guide"])
def test_summary_of_several_traces_prints_one_table_per_trace_under_its_name(tmp_path: Path, style: str) -> None:
    # Like `renacer-analyze summary` (one set of rows per trace), not only the last trace's table.
    (tmp_path / "b").mkdir()
    first = save(scenario(), tmp_path / "a.parquet")
    second = save([call(0, 1, "getpid", pid=1, ret=1), call(2, 3, "getpid", pid=1, ret=1)], tmp_path / "b" / "c.parquet")
    options = RenderOptions(summary=True, style=style)

    def replayed(paths: list[Path]) -> str:
        out = io.StringIO()
        render_trace_file([str(p) for p in paths], out, options)
        return out.getvalue()

    alone = [replayed([first]), replayed([second])]
    assert alone[0] != alone[1] and "getpid" in alone[1]
    assert replayed([first, second]) == f"a.parquet:\n{alone[0]}\nb/c.parquet:\n{alone[1]}"


# --- bad input -----------------------------------------------------------------------------------------------


def test_a_file_that_is_not_parquet_is_a_trace_format_error(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    path.write_text("hello")
    with pytest.raises(TraceFormatError):
        render_trace_file([str(path)], io.StringIO(), RenderOptions())


def test_a_truncated_trace_is_a_trace_format_error(tmp_path: Path) -> None:
    path = save(scenario(), tmp_path / "t.parquet")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(TraceFormatError):
        render_trace_file([str(path)], io.StringIO(), RenderOptions())


def test_parquet_without_renacer_metadata_is_a_trace_format_error(tmp_path: Path) -> None:
    path = tmp_path / "plain.parquet"
    pq.write_table(to_table(scenario()), path)
    with pytest.raises(TraceFormatError, match="not a renacer trace"):
        render_trace_file([str(path)], io.StringIO(), RenderOptions())


def test_a_newer_schema_version_is_a_trace_format_error(tmp_path: Path) -> None:
    path = save(scenario(), tmp_path / "new.parquet", meta={"schema_version": 99})
    with pytest.raises(TraceFormatError, match="version 99"):
        render_trace_file([str(path)], io.StringIO(), RenderOptions())


def test_nothing_is_printed_when_any_input_is_bad(tmp_path: Path) -> None:
    good = save(scenario(), tmp_path / "good.parquet")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1")
    out = io.StringIO()
    with pytest.raises(TraceFormatError):
        render_trace_file([str(good), str(bad)], out, RenderOptions())
    assert out.getvalue() == ""


def test_several_traces_render_one_after_the_other(tmp_path: Path) -> None:
    one = save(scenario(), tmp_path / "a.parquet")
    out = io.StringIO()
    render_trace_file([str(one), str(one)], out, STRACE)
    assert out.getvalue() == SCENARIO_TEXT * 2


def test_text_renderer_needs_no_metadata() -> None:
    out = io.StringIO()
    renderer = TextRenderer(out, STRACE)
    renderer.feed(to_table([call(0, 1, "getpid", pid=1, ret=1)]), None)
    renderer.finish()
    assert out.getvalue() == returned("getpid()", "1")


def test_options_come_from_the_recorder_command_line() -> None:
    class Args:
        format, strsize, durations, timestamps, relative, summary = "jsonl", 64, True, 2, False, False

    assert RenderOptions.from_cli(Args()) == RenderOptions(format="jsonl", string_size=64, durations=True, timestamps=2)


def test_clone3_keeps_what_the_kernel_stored_for_its_resumed_line() -> None:
    flags = CLONE_THREAD_FLAGS | 0x100000  # | CLONE_PARENT_SETTID
    args = struct.pack("<11Q", flags, 0, 0, 0x7F10, 0, 0x7F00, 0x1000, 0, 0, 0, 0)
    rows = [
        call(0, 100, "clone3", 0x7FFD0000, 88, exit_seq=2, ret=101, mem=join_mem([args])),
        call(1, 101, "gettid", ret=101),
    ]
    struct_text = ("{flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_PARENT_SETTID, "
                   "parent_tid=0x7f10, exit_signal=0, stack=0x7f00, stack_size=0x1000}")
    expected = (
        f"clone3({struct_text} <unfinished ...>\n"
        + returned("[pid   101] gettid()", "101")
        + returned("[pid   100] <... clone3 resumed> => {parent_tid=[101]}, 88)", "101")
    )
    assert render_once(rows) == expected
    for cut in range(4):
        assert render_live(rows, [cut]) == expected, cut


# --- the guide's style (the default) -------------------------------------------------------------------


GUIDE = RenderOptions()
SA_9999 = struct.pack("<H", 2) + struct.pack(">H", 9999) + bytes([127, 0, 0, 1]) + b"\0" * 8
CONNECT_9999 = '{sa_family=AF_INET, sin_port=htons(9999), sin_addr=inet_addr("127.0.0.1")}'
HIDDEN = {"start_wall_ns": START_WALL_NS, "hidden_syscalls": ["close", "getsockopt"]}


def so_error(seq: int, fd: int, err: int, tid: int = 100, pid: int = 100) -> dict:
    """getsockopt(fd, SOL_SOCKET, SO_ERROR, [err], [4]) = 0"""
    return call(seq, tid, "getsockopt", fd, 1, 4, 0x7FFD0000, 0x7FFD0010, pid=pid, mem=join_mem([struct.pack("<I", err)]))


def test_guide_style_prints_one_space_before_the_return_and_errors_as_negative_names() -> None:
    lines = render_once(scenario(), GUIDE).splitlines()
    assert lines[0] == 'execve("/bin/prog", ["prog"], 0x7ffd0200 /* ? vars */) = 0'
    assert '[pid   101] <... read resumed>"hi", 16) = 2' in lines
    assert "[pid   101] exit(0) = ?" in lines
    assert f"connect(3, {CONNECT_9999.replace('9999', '80')}, 16) = -ECONNREFUSED" in lines


def nonblocking_refused() -> list[dict]:
    """curl's way: connect returns EINPROGRESS, another thread works meanwhile, SO_ERROR tells the
    refusal, close; rows in exit order."""
    return [
        call(0, 100, "socket", 2, 1 | 0x800, 6, ret=5),
        call(2, 100, "connect", 5, 0x7FFD0000, 16, err="EINPROGRESS", sockaddr=SA_9999),
        call(4, 101, "getpid", ret=100),
        call(6, 100, "poll", 0x7FFD0000, 1, 1000, ret=1),
        so_error(8, 5, 111),
        call(10, 100, "close", 5),
        call(12, 100, "write", 2, 0x7FFD0000, 6, ret=6, data=b"failed"),
    ]


def test_a_refused_nonblocking_connect_shows_its_outcome_on_its_line() -> None:
    text = render_once(nonblocking_refused(), GUIDE, HIDDEN)
    assert f"connect(5, {CONNECT_9999}, 16) = -EINPROGRESS (then ECONNREFUSED)\n" in text
    assert "getsockopt" not in text and "close(" not in text  # recorded to learn the outcome, not shown
    assert text.index("connect(") < text.index("getpid()") < text.index("poll(") < text.index("write(")


def test_the_outcome_needs_no_hidden_calls_when_so_error_was_traced() -> None:
    text = render_once(nonblocking_refused(), GUIDE)
    assert "= -EINPROGRESS (then ECONNREFUSED)\n" in text
    assert "getsockopt(5, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0\n" in text


def test_the_held_connect_line_prints_the_same_however_the_rows_are_split() -> None:
    rows = nonblocking_refused()
    whole = render_once(rows, GUIDE, HIDDEN)
    for cut in range(15):
        assert render_live(rows, [cut], GUIDE, HIDDEN) == whole, cut
    rng = random.Random(9)
    for _ in range(50):
        assert render_live(rows, rng.sample(range(15), 3), GUIDE, HIDDEN) == whole


def test_a_connect_that_succeeds_later_says_connected() -> None:
    rows = [call(0, 100, "connect", 5, 0x7FFD0000, 16, err="EINPROGRESS", sockaddr=SA_9999), so_error(2, 5, 0)]
    assert render_once(rows, GUIDE, HIDDEN) == f"connect(5, {CONNECT_9999}, 16) = -EINPROGRESS (then connected)\n"


def test_a_connect_closed_while_connecting_or_never_resolved_has_no_outcome() -> None:
    closed = [call(0, 100, "connect", 5, 0x7FFD0000, 16, err="EINPROGRESS", sockaddr=SA_9999),
              call(2, 100, "close", 5), so_error(4, 5, 111)]  # a later socket that reuses fd 5
    plain = f"connect(5, {CONNECT_9999}, 16) = -EINPROGRESS\n"
    assert render_once(closed, GUIDE, HIDDEN) == plain
    assert render_once(closed[:1], GUIDE, HIDDEN) == plain  # the trace ended first
    other_process = [closed[0], so_error(2, 5, 111, tid=200, pid=200)]
    assert render_once(other_process, GUIDE, HIDDEN) == plain


def test_a_connect_waits_for_its_outcome_at_most_hold_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    from renacer.analyze.render import outcomes

    monkeypatch.setattr(outcomes, "HOLD_ROWS", 3)
    rows = [call(0, 100, "connect", 5, 0x7FFD0000, 16, err="EINPROGRESS", sockaddr=SA_9999)]
    rows += [call(2 + 2 * i, 100, "getpid", ret=100) for i in range(4)]
    rows.append(so_error(10, 5, 111))
    whole = render_once(rows, GUIDE, HIDDEN)
    assert whole.startswith(f"connect(5, {CONNECT_9999}, 16) = -EINPROGRESS\ngetpid() = 100\n")
    for cut in range(13):
        assert render_live(rows, [cut], GUIDE, HIDDEN) == whole, cut


def test_strace_style_keeps_strace_s_line_and_still_hides_the_companions() -> None:
    text = render_once(nonblocking_refused(), STRACE, HIDDEN)
    assert returned(f"connect(5, {CONNECT_9999}, 16)", "-1 EINPROGRESS (Operation now in progress)") in text
    assert "then" not in text and "getsockopt" not in text


def test_json_leaves_hidden_calls_out_and_keeps_its_return_fields() -> None:
    doc = json.loads(render_once(nonblocking_refused(), RenderOptions(format="json"), HIDDEN))
    assert [c["name"] for c in doc["syscalls"]] == ["socket", "connect", "getpid", "poll", "write"]
    assert doc["syscalls"][1]["return"] == {"value": -1, "error": "EINPROGRESS"}
    assert {r["syscall"] for r in doc["summary"]["by_syscall"]} == {"socket", "connect", "getpid", "poll", "write"}


def test_replay_prints_what_live_printed_and_its_filter_can_show_hidden_calls(tmp_path: Path) -> None:
    from renacer.schema.syscalls_x86_64 import SYSCALLS

    number = {name: nr for nr, name in SYSCALLS.items()}
    rows = [{**r, "nr": number[r["name"]]} for r in nonblocking_refused()]
    path = save(rows, tmp_path / "t.parquet", row_group_size=2, meta={"hidden_syscalls": ["close", "getsockopt"]})
    out = io.StringIO()
    render_trace_file([str(path)], out, GUIDE)
    assert out.getvalue() == render_live(rows, [5], GUIDE, HIDDEN)
    out = io.StringIO()
    render_trace_file([str(path)], out, GUIDE, frozenset({number["connect"], number["getsockopt"]}))
    assert out.getvalue() == (f"connect(5, {CONNECT_9999}, 16) = -EINPROGRESS (then ECONNREFUSED)\n"
                              "getsockopt(5, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0\n")


def network_rows() -> list[dict]:
    """socket, connect, sendto x3, recvfrom x2, close: the guide's lifecycle, with recvfrom the
    slowest so that ordering by time would differ."""
    rows = [call(0, 100, "socket", 2, 1, 6, ret=3, dur_ns=150_000),
            call(2, 100, "connect", 3, 0x7FFD0000, 16, err="ECONNREFUSED", sockaddr=SA_9999, dur_ns=245_670_000)]
    rows += [call(4 + 2 * i, 100, "sendto", 3, 0x7FFD0000, 4, ret=4, data=b"ping", dur_ns=d)
             for i, d in enumerate((300_000, 500_000, 430_000))]
    rows += [call(10 + 2 * i, 100, "recvfrom", 3, 0x7FFD0000, 4, ret=4, data=b"pong", dur_ns=d)
             for i, d in enumerate((1_000_000_000, 3_000_000_000))]
    rows += [call(14, 100, "close", 3, dur_ns=50_000), call(16, 100, "getsockopt", 3, 1, 4, dur_ns=1)]
    return rows


def test_guide_summary_is_the_guide_s_table_in_first_call_order_and_milliseconds() -> None:
    text = render_once(network_rows(), RenderOptions(summary=True), {"hidden_syscalls": ["getsockopt"]})
    assert text == (
        "System Call Summary:\n"
        "====================\n"
        "Syscall          Calls    Errors   Total Time    Avg Time    p50         p90         p99\n"
        "socket           1        0        0.15ms        0.150ms     -           -           -\n"
        "connect          1        1        245.67ms      245.670ms   -           -           -\n"
        "sendto           3        0        1.23ms        0.410ms     0.430ms     0.486ms     0.499ms\n"
        "recvfrom         2        0        4000.00ms     2000.000ms  2000.000ms  2800.000ms  2980.000ms\n"
        "close            1        0        0.05ms        0.050ms     -           -           -\n"
        "total            8        1        4247.10ms     530.888ms   -           -           -\n"
    )
    # a column widens for a value longer than the guide's; the table without such values:
    small = render_once(network_rows()[:5], RenderOptions(summary=True)).splitlines()
    assert small[2] == "Syscall          Calls    Errors   Total Time    Avg Time    p50      p90      p99"
    assert small[5] == "sendto           3        0        1.23ms        0.410ms     0.430ms  0.486ms  0.499ms"


def test_guide_summary_rows_keep_their_order_when_the_times_change() -> None:
    fast = [{**r, "dur_ns": 1000} for r in network_rows()]
    names = [line.split()[0] for line in render_once(fast, RenderOptions(summary=True)).splitlines()[3:]]
    slow = [line.split()[0] for line in render_once(network_rows(), RenderOptions(summary=True)).splitlines()[3:]]
    assert names == slow == ["socket", "connect", "sendto", "recvfrom", "close", "getsockopt", "total"]


def test_a_connect_waits_for_its_outcome_at_most_hold_ns_of_recorded_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from renacer.analyze.render import outcomes

    monkeypatch.setattr(outcomes, "HOLD_NS", 1_000_000)  # 1 ms of recorded time
    rows = [call(0, 100, "connect", 5, 0x7FFD0000, 16, err="EINPROGRESS", sockaddr=SA_9999, ts_ns=0, dur_ns=10),
            call(2, 101, "getpid", ret=100, ts_ns=500_000),  # within the wait
            call(4, 101, "getppid", ret=1, ts_ns=2_000_000),  # past it: the line is printed as it is
            so_error(6, 5, 111)]
    rows[3]["ts_ns"] = 2_100_000
    whole = render_once(rows, GUIDE, HIDDEN)
    assert whole.startswith(f"connect(5, {CONNECT_9999}, 16) = -EINPROGRESS\n")
    for cut in range(9):
        assert render_live(rows, [cut], GUIDE, HIDDEN) == whole, cut
    rows[2]["ts_ns"], rows[3]["ts_ns"] = 900_000, 950_000  # the outcome now comes in time
    assert render_once(rows, GUIDE, HIDDEN).startswith(
        f"connect(5, {CONNECT_9999}, 16) = -EINPROGRESS (then ECONNREFUSED)\n")


class _Writes(io.StringIO):
    """An output that remembers the largest single write."""

    largest = 0

    def write(self, text: str) -> int:
        self.largest = max(self.largest, len(text))
        return super().write(text)


def test_large_lines_are_written_as_they_come_and_the_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """With -s 1M a line is megabytes: a batch of them is not joined into one string, and the
    memo of decoded lines holds at most its character budget (payload and text)."""
    from renacer.analyze.render import text

    monkeypatch.setattr(text, "_MEMO_CHARS", 1 << 20)
    size = 100_000
    rows = [call(2 * i, 100, "write", 1, 0x7FFD0000, size, ret=size, data=bytes([65 + i]) * size) for i in range(24)]
    out = _Writes()
    renderer = make_renderer(out, RenderOptions(string_size=1 << 20), {"start_wall_ns": START_WALL_NS})
    renderer.feed(to_table(rows), None)
    renderer.finish()
    lines = out.getvalue().splitlines()
    assert len(lines) == 24 and lines[3] == f'write(1, "{"D" * size}", {size}) = {size}'
    assert out.largest < text._OUT_CHARS + 4 * size  # the batch is 24 lines of 100 KB
    assert renderer._memo_chars <= 1 << 20
    assert 0 < len(renderer._memo) < 24


def test_the_live_renderer_is_a_recorder_consumer() -> None:
    from renacer.capture.consumer import Consumer

    consumer = live_renderer(io.StringIO(), RenderOptions())
    assert isinstance(consumer, Consumer) and consumer.wants_pending
    assert not isinstance(make_renderer(io.StringIO(), RenderOptions()), Consumer)  # a renderer is fed, not a consumer
