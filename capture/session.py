"""One recording from start to finish: check the inputs, launch or attach, run, write metadata.

The CLI (cli.py) parses options into a ``RecordRequest``; this module never parses argv and
never prints, so it can be driven from tests and other tools.
"""
from __future__ import annotations

import os
import platform
import shutil
import socket
from dataclasses import dataclass, field
from typing import Any

import queue
import sys
import threading
import time
from typing import Callable

from renacer import __version__
from renacer.capture.filter_expr import TraceFilter
from renacer.schema.captures import CAPTURES
from renacer.schema.syscalls_x86_64 import SYSCALLS
from renacer.schema.trace import SCHEMA_VERSION


class UsageError(Exception):
    """Bad input from the user: the CLI prints it as ``Error: …`` and exits 2."""


@dataclass
class RecordRequest:
    command: list[str] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)
    trace_filter: TraceFilter | None = None
    string_size: int = 64
    write_path: str | None = None
    use_seccomp: bool = True
    # Factories, called at the first flush: building a renderer imports pyarrow, which must not
    # delay the command's start.
    live_consumers: list[Callable[[], Any]] = field(default_factory=list)
    run: str | None = None  # --run: the run's label, kept in the metadata


@dataclass
class RecordResult:
    status: int | None  # raw wait status of the main process (None when attached)
    metadata: dict[str, Any]


def capture_table() -> dict[int, list[tuple[int, int, int, int]]]:
    by_name = {name: nr for nr, name in SYSCALLS.items()}
    return {by_name[name]: [tuple(op) for op in ops] for name, ops in CAPTURES.items() if name in by_name}


def resolve_command(command: list[str]) -> str:
    """The executable execve will get, found the way a shell would, before anything starts."""
    prog = command[0]
    if "/" in prog:
        if not os.path.exists(prog):
            raise UsageError(f"cannot run {prog!r}: no such file")
        if os.path.isdir(prog) or not os.access(prog, os.X_OK):
            raise UsageError(f"cannot run {prog!r}: not an executable file")
        return prog
    found = shutil.which(prog)
    if found is None:
        raise UsageError(f"command not found: {prog!r}")
    return found


def check_output_path(path: str) -> None:
    directory = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(directory):
        raise UsageError(f"cannot write {path!r}: directory {directory!r} does not exist")
    if not os.access(directory, os.W_OK):
        raise UsageError(f"cannot write {path!r}: directory {directory!r} is not writable")
    if os.path.isdir(path):
        raise UsageError(f"cannot write {path!r}: it is a directory")


def check_pid(pid: int) -> None:
    if pid <= 0:
        raise UsageError(f"invalid pid {pid}")
    if pid == os.getpid():
        raise UsageError("renacer cannot trace itself")
    if not os.path.exists(f"/proc/{pid}"):
        raise UsageError(f"cannot attach to pid {pid}: no such process")


def base_metadata(request: RecordRequest) -> dict[str, Any]:
    tf = request.trace_filter
    return {
        "schema_version": SCHEMA_VERSION,
        "renacer_version": __version__,
        "arch": platform.machine(),
        "kernel": platform.release(),
        "hostname": socket.gethostname(),
        "command": list(request.command),
        "attached_pids": list(request.pids),
        "filter": tf.expr if tf is not None else "all",
        "string_size": request.string_size,
        "seccomp": False,
        **({"run": request.run} if request.run else {}),
    }


def record(request: RecordRequest) -> RecordResult:
    from renacer.capture._recorder import Recorder  # the compiled extension

    if not request.command and not request.pids:
        raise UsageError("nothing to trace: give a command after -- or -p PID")
    path = resolve_command(request.command) if request.command else None
    for pid in request.pids:
        check_pid(pid)
    if request.write_path:
        check_output_path(request.write_path)

    tf = request.trace_filter
    trace_all = tf is None or tf.everything
    numbers = sorted(SYSCALLS) if trace_all else sorted(tf.numbers)
    meta = base_metadata(request)
    use_seccomp = bool(request.command) and request.use_seccomp and not trace_all
    meta["seccomp"] = use_seccomp

    sink = LazySink(request.write_path, meta, request.live_consumers)
    recorder = Recorder(numbers, trace_all, capture_table(), request.string_size, sink,
                        live=bool(request.live_consumers))
    recorder.start_clock()
    meta["start_wall_ns"] = recorder.start_wall_ns
    meta["start_mono_ns"] = recorder.start_mono_ns
    try:
        if path is not None:
            env = [k + b"=" + v for k, v in os.environb.items()]
            recorder.launch(os.fsencode(path), [os.fsencode(a) for a in request.command], env, use_seccomp)
        else:
            for pid in request.pids:
                try:
                    recorder.attach(pid)
                except PermissionError as exc:
                    raise UsageError(
                        f"cannot attach to pid {pid}: {exc.strerror} (is it traced already, or does "
                        "/proc/sys/kernel/yama/ptrace_scope forbid it?)"
                    ) from None
                except ProcessLookupError:
                    raise UsageError(f"cannot attach to pid {pid}: no such process") from None
    except BaseException:
        sink.abandon()
        raise
    sink.warm_up()
    status: int | None = None
    try:
        status = recorder.run()
    finally:
        meta.update(recorder_meta(recorder, status if request.command else None))
        sink.close(meta)
    return RecordResult(status if request.command else None, meta)


class LazySink:
    """The recorder's sink: a worker thread that converts, writes and renders batches.

    The event loop runs without the GIL, so this thread works on the other CPU while the command
    and the loop go on: the loop only copies a batch out and queues it. The worker first imports
    numpy and pyarrow (a few hundred ms, overlapping the command's start) and creates the trace
    file — after the fork, so the command never inherits its descriptors. The queue is short, so
    a slow consumer slows the loop instead of growing memory.
    """

    QUEUE_BATCHES = 4

    def __init__(self, write_path: str | None, meta: dict[str, Any], live: list[Callable[[], Any]]) -> None:
        self.write_path = write_path
        self.meta = meta
        self.live = live
        self.wants_pending = bool(live)
        self._queue: queue.Queue[tuple[Any, Any, int] | None] = queue.Queue(self.QUEUE_BATCHES)
        self._worker: threading.Thread | None = None
        self._arrow: Any = None
        self._error: BaseException | None = None

    def warm_up(self) -> None:
        # The loop needs the GIL for a moment at every flush; by default a busy worker would keep
        # it for up to 5 ms each time, stalling the tracee.
        sys.setswitchinterval(0.0005)
        # The worker reads its own copy: the main thread keeps adding to the metadata.
        self.meta = dict(self.meta)
        self._worker = threading.Thread(target=self._work, name="renacer-sink", daemon=True)
        self._worker.start()

    def _build(self) -> Any:
        from renacer.capture.sinks import ArrowSink, ParquetSink

        consumers = [make() for make in self.live]
        for consumer in consumers:
            if hasattr(consumer, "begin"):
                consumer.begin(self.meta)  # clock anchors for -t/-tt/-ttt
        if self.write_path:
            consumers.insert(0, ParquetSink(self.write_path, self.meta))
        return ArrowSink(consumers)

    def _work(self) -> None:
        try:
            self._arrow = self._build()
        except BaseException as exc:  # reported by close(); keep draining so the loop never blocks
            self._error = exc
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._arrow.write(*item)
                except BaseException as exc:
                    self._error = exc

    def write(self, raw: Any, pending: Any, next_seq: int) -> None:
        if self._worker is None:
            self.warm_up()
        self._queue.put((raw, pending, next_seq))

    def close(self, metadata: dict[str, Any]) -> None:
        if self._worker is None:
            self.warm_up()
        self._queue.put(None)
        assert self._worker is not None
        self._worker.join()
        if self._error is not None:
            raise self._error
        self._arrow.close(metadata)

    def abandon(self) -> None:
        """Nothing was traced (launch or attach failed): leave no file behind."""
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join()
        if self._arrow is not None:
            self._arrow.close(self.meta)


def recorder_meta(recorder: Any, status: int | None) -> dict[str, Any]:
    stats = recorder.stats()
    exit_status: dict[str, Any] | None = None
    if status is not None and recorder.main_exited:
        if os.WIFEXITED(status):
            exit_status = {"code": os.WEXITSTATUS(status), "signal": None}
        elif os.WIFSIGNALED(status):
            exit_status = {"code": None, "signal": os.WTERMSIG(status), "core_dumped": os.WCOREDUMP(status)}
    import resource

    return {
        "recorder_max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "exit_status": exit_status,
        "processes": sorted(recorder.processes.values(), key=lambda p: p["pid"]),
        "events_seen": stats["events_seen"],
        "events_written": stats["events_written"],
        "calls_in_progress_at_attach": stats["exits_without_entry"],
        # int 0x80 (i386) calls are counted, not recorded: their numbers are not x86_64's
        "compat_calls_not_recorded": stats["compat_calls"],
        "ptrace_stops": stats["stops"],
        "start_wall_ns": recorder.start_wall_ns,
        "start_mono_ns": recorder.start_mono_ns,
        # How long the recording lasted, so readers need not scan ts_ns for it.
        "duration_ns": time.monotonic_ns() - recorder.start_mono_ns if recorder.start_mono_ns else 0,
    }
