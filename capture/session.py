"""One recording from start to finish: check the inputs, launch or attach, run, write metadata.

The CLI (cli.py) parses options into a ``RecordRequest``; this module never parses argv and
never prints, so it can be driven from tests and other tools.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NamedTuple

import queue
import sys
import threading
import time
from typing import Callable

from renacer import __version__
from renacer.schema.captures import CAPTURES
from renacer.schema.syscalls_x86_64 import SYSCALLS
from renacer.schema.trace import SCHEMA_VERSION

if TYPE_CHECKING:  # -e's parser and class tables load only when -e is given
    from renacer.capture.consumer import Consumer
    from renacer.capture.filter_expr import TraceFilter
    from renacer.capture.journal import JournalWriter
    from renacer.capture.sinks import ArrowFanout


class UsageError(Exception):
    """Bad input from the user: the CLI prints it as ``Error: …`` and exits 2."""


class RecordRequest:
    """What to record. A plain class, not a dataclass: dataclasses (+inspect) is ~5 ms of every
    live start-up (bench/bench_startup.py)."""

    def __init__(self, *, command: list[str] | None = None, pids: list[int] | None = None,
                 trace_filter: TraceFilter | None = None, string_size: int = 64, write_path: str | None = None,
                 use_seccomp: bool = True, live_consumers: list[Callable[[], Consumer]] | None = None,
                 quiet_consumers: list[Callable[[], Consumer]] | None = None, prompt_live: bool = False,
                 run: str | None = None, source: bool = False, source_skip: str | None = None) -> None:
        self.command: list[str] = list(command or [])
        self.pids: list[int] = list(pids or [])
        self.trace_filter = trace_filter
        self.string_size = string_size
        self.write_path = write_path
        self.use_seccomp = use_seccomp
        # Factories, called before the command starts (a renderer imports no numpy or pyarrow: a
        # few ms), so that no import runs while the command waits at a stop.
        self.live_consumers: list[Callable[[], Consumer]] = live_consumers if live_consumers is not None else []
        # Consumers that are not live output (the -q status line): fed the same batches, but they
        # do not make the recorder flush more often.
        self.quiet_consumers: list[Callable[[], Consumer]] = quiet_consumers if quiet_consumers is not None else []
        # Live lines within a few ms of their call (text/JSON lines, not -c): the recorder hands
        # over small batches and waits for a renderer that falls behind (Recorder.prompt).
        self.prompt_live = prompt_live
        self.run = run  # --run: the run's label, kept in the metadata
        # --source: walk the user stack at each recorded call (capture/unwind.py)
        self.source = source
        self.source_skip = source_skip


class RecordResult(NamedTuple):
    status: int | None  # raw wait status of the main process (None when attached)
    metadata: dict[str, Any]
    live_stopped: str | None = None  # why the live output stopped early (a closed pipe), if it did


def capture_table() -> dict[int, list[tuple[int, int, int, int]]]:
    by_name = {name: nr for nr, name in SYSCALLS.items()}
    return {by_name[name]: [(a, b, c, d) for a, b, c, d in ops] for name, ops in CAPTURES.items() if name in by_name}


def resolve_command(command: list[str]) -> str:
    """The executable execve will get, found the way a shell would, before anything starts."""
    prog = command[0]
    if "/" in prog:
        if not os.path.exists(prog):
            raise UsageError(f"cannot run {prog!r}: no such file")
        if os.path.isdir(prog) or not os.access(prog, os.X_OK):
            raise UsageError(f"cannot run {prog!r}: not an executable file")
        return prog
    found = which(prog)
    if found is None:
        raise UsageError(f"command not found: {prog!r}")
    return found


def which(prog: str) -> str | None:
    """``shutil.which(prog)`` on Linux, without importing shutil (with zlib, bz2 and lzma: ~1.5 ms
    of start-up for every bare command name, the guide's ``renacer -- curl …``)."""
    path = os.environ.get("PATH")
    if path is None:
        try:
            path = os.confstr("CS_PATH")
        except (AttributeError, ValueError):
            path = os.defpath
    if not path:
        return None
    seen: set[str] = set()
    for folder in path.split(os.pathsep):
        if folder in seen:
            continue
        seen.add(folder)
        name = os.path.join(folder, prog)
        if os.path.exists(name) and os.access(name, os.X_OK) and not os.path.isdir(name):
            return name
    return None


def check_pid(pid: int) -> None:
    if pid <= 0:
        raise UsageError(f"invalid pid {pid}")
    if pid == os.getpid():
        raise UsageError("renacer cannot trace itself")
    if not os.path.exists(f"/proc/{pid}"):
        raise UsageError(f"cannot attach to pid {pid}: no such process")


def host_interfaces() -> dict[str, str]:
    """This host's network interfaces, index -> name (JSON keys are strings), kept in the trace's
    metadata so that a replay elsewhere names them as strace names them here
    (``if_nametoindex("lo")``). Read from /sys/class/net: no socket, no netlink."""
    found: dict[int, str] = {}
    try:
        names = os.listdir("/sys/class/net")
    except OSError:
        return {}
    for name in names:
        try:
            with open(f"/sys/class/net/{name}/ifindex", encoding="ascii") as f:
                found[int(f.read().strip())] = name
        except (OSError, ValueError):
            continue
    return {str(index): found[index] for index in sorted(found)}


def base_metadata(request: RecordRequest) -> dict[str, Any]:
    tf = request.trace_filter
    uname = os.uname()  # what platform.machine()/release() and socket.gethostname() return, unimported
    return {
        "schema_version": SCHEMA_VERSION,
        "renacer_version": __version__,
        "arch": uname.machine,
        "kernel": uname.release,
        "hostname": uname.nodename,
        "command": list(request.command),
        "attached_pids": list(request.pids),
        "filter": tf.expr if tf is not None else "all",
        # recorded only to learn something about the calls -e asked for; renderers hide them
        "hidden_syscalls": [] if tf is None or tf.everything else sorted(SYSCALLS[n] for n in tf.companions),
        # of those, calls recorded only on descriptors seen made as sockets (close)
        "socket_only_syscalls": [] if tf is None or tf.everything else sorted(SYSCALLS[n] for n in tf.socket_only),
        "string_size": request.string_size,
        "seccomp": False,
        "interfaces": host_interfaces(),
        **({"run": request.run} if request.run else {}),
    }


def record(request: RecordRequest) -> RecordResult:
    from renacer.capture._recorder import Recorder  # the compiled extension

    if not request.command and not request.pids:
        raise UsageError("nothing to trace: give a command after -- or -p PID")
    path = resolve_command(request.command) if request.command else None
    for pid in request.pids:
        check_pid(pid)
    if request.write_path is not None:
        from renacer import files

        try:
            files.check_new_file(request.write_path, "trace")
        except files.UnsafeOutput as exc:
            raise UsageError(str(exc)) from None

    tf = request.trace_filter
    trace_all = tf is None or tf.everything
    numbers = sorted(SYSCALLS) if tf is None or trace_all else sorted(tf.numbers | tf.companions)
    meta = base_metadata(request)
    use_seccomp = bool(request.command) and request.use_seccomp and not trace_all
    meta["seccomp"] = use_seccomp

    from renacer.files import UnsafeOutput

    try:
        sink = RecordingOutputs(request.write_path, meta, request.live_consumers + request.quiet_consumers)
        if request.source:
            sink.enable_source(request.source_skip)
            meta["source"] = {"skip": request.source_skip}
        sink.prepare()
    except (OSError, UnsafeOutput) as exc:
        raise UsageError(str(exc)) from None
    try:
        recorder = Recorder(numbers, trace_all, capture_table(), request.string_size, sink,
                            live=bool(request.live_consumers))
        sink.recorder = recorder
        recorder.prompt = bool(request.live_consumers) and request.prompt_live
        # The loop follows a lone tracee's CPU (Recorder.follow_cpu): dd -w went from 0.87-0.92x
        # strace to 0.52-0.65x (bench/bench_record.py --colocate); RENACER_FOLLOW_CPU=0 turns it
        # off, for that comparison.
        recorder.follow_cpu = os.environ.get("RENACER_FOLLOW_CPU", "1") != "0"
        if tf is not None and not trace_all and tf.socket_only:
            recorder.record_socket_closes_only(sorted(tf.socket_only))
        if sink.source is not None:
            from renacer.capture.unwind import STACK_WINDOW

            recorder.enable_source(STACK_WINDOW, sink.on_image)
            # --source on Python programs: the Python stack, read while the thread is stopped
            recorder.enable_pysource(sink.pyframes.find_process, sink.pyframes.learn)
        recorder.start_clock()
        meta["start_wall_ns"] = recorder.start_wall_ns
        meta["start_mono_ns"] = recorder.start_mono_ns
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
        sink.close(meta)  # with --source, adds meta["source"] once the worker is done
    return RecordResult(status if request.command else None, meta, sink.live_stopped)


class RecordingError(Exception):
    """The recording could not be written completely (disk full, I/O error). The message says
    which file, how many events are safe and how to get them back. Exit 2."""


class RecordingOutputs:
    """The recorder's sink: the crash journal, then a worker thread that renders and writes
    batches.

    The trace file and its journal are created here, in the main thread, before the command
    starts: a path that cannot be created fails before anything runs (the files are
    close-on-exec, so the command never inherits them). So are the live consumers (renderers):
    they read the recorder's raw batches as column lists (capture/rows.py), with neither numpy
    nor pyarrow, so live output and ``-c`` never wait for those imports. Each flushed batch goes
    first to the journal as raw C records. Only with a trace file are numpy and pyarrow imported
    and the Arrow side built, here too, before the command starts (see ``__init__``); if that
    fails the journal still holds every event. The queue is short, so a slow consumer slows the
    loop instead of growing memory.
    """

    QUEUE_BATCHES = 4

    def __init__(self, write_path: str | None, meta: dict[str, Any], live: list[Callable[[], Consumer]]) -> None:
        from renacer import files
        from renacer.capture._recorder import rec_size
        from renacer.capture.rows import check_layout

        check_layout(rec_size())
        self.write_path = write_path
        self.meta = meta
        self.consumers: list[Consumer] = [make() for make in live]
        self.wants_pending = any(c.wants_pending for c in self.consumers)
        self._live_stopped: str | None = None
        self._queue: queue.Queue[tuple[Any, Any] | None] = queue.Queue(self.QUEUE_BATCHES)
        self._worker: threading.Thread | None = None
        self._fed = 0  # batches handed to the live consumers (Recorder.live_done)
        self._rec_size = rec_size()
        self._last_drain = time.monotonic()
        self._built = threading.Event()
        self.recorder: Any = None  # told when the worker is busy (Recorder.sink_busy)
        self._arrow: ArrowFanout | None = None
        self._build_error: BaseException | None = None
        self.trace_fd = -1
        self.journal: JournalWriter | None = None
        self.source: Any = None  # --source: SourceState (mappings), set by enable_source
        self._unwinder: Any = None
        if write_path:
            from renacer.capture.journal import JOURNAL_SUFFIX, JournalWriter

            self.trace_fd = files.create_private(write_path, "trace")
            st = os.fstat(self.trace_fd)
            self._trace_id = (st.st_dev, st.st_ino)
            try:
                self.journal = JournalWriter(write_path + JOURNAL_SUFFIX, rec_size())
            except BaseException:
                files.remove_created(write_path, self.trace_fd)
                os.close(self.trace_fd)
                raise

    def prepare(self) -> None:
        """Before the command starts: with a trace file (or --source, whose symbolizer annotates
        Arrow batches for the live output too), import numpy and pyarrow and build the Arrow side
        (~0.25 s). Before rather than beside the command: on a thread of their own they held the
        GIL and a CPU while the command ran, and the loop's wake-ups waited for them (a 50 ms
        recvfrom recorded as 67 ms, a 7 µs getppid as 4 ms). Nothing competes with the loop now."""
        if not (self.write_path or self.source is not None):
            self._built.set()
            return
        try:
            self._build()
        except BaseException:  # Ctrl-C during the imports: nothing was traced, leave no file
            self.abandon()
            raise

    @property
    def _arrow_live(self) -> bool:
        """The live consumers read Arrow batches (--source: annotated by the symbolizer), not the
        light column lists."""
        return self.source is not None

    def enable_source(self, skip: str | None) -> None:
        from renacer.capture.unwind import SourceState, Unwinder

        self.source = SourceState(skip)
        self._unwinder = Unwinder(self.source)
        from renacer.capture.pyframes import PyFrames

        self.pyframes = PyFrames()  # the frame to show is chosen by the symbolizer (with skip)

    def on_image(self, pid: int, seq: int) -> None:
        """A new process image (or new code mapped): its mappings."""
        self.source.on_image(pid, seq)

    def warm_up(self) -> None:
        # The loop needs the GIL for a moment at every flush; by default a busy worker would keep
        # it for up to 5 ms each time, stalling the tracee.
        sys.setswitchinterval(0.0005)
        # The worker reads its own copy: the main thread keeps adding to the metadata.
        self.meta = dict(self.meta)
        if self.journal is not None:
            self.journal.begin(self.meta)
        for consumer in self.consumers:
            consumer.begin(self.meta)  # clock anchors for -t/-tt/-ttt
        self._worker = threading.Thread(target=self._work, name="renacer-sink", daemon=True)
        self._worker.start()

    def _build(self) -> None:
        try:
            from renacer.capture.sinks import ArrowFanout, TraceWriter

            trace = None
            if self.write_path:
                trace = TraceWriter(self.trace_fd, self.write_path)
                self.trace_fd = -1  # the TraceWriter owns it now
            # the live consumers are fed by _work from the light column lists, except with --source
            self._arrow = ArrowFanout(trace, self.consumers if self._arrow_live else [])
            if self.source is not None:
                from renacer.analyze.symbolize import Symbolizer

                self._arrow.symbolizer = Symbolizer(self.source.images, skip=self.source.skip)
                self._arrow.symbolizer.python_frames = self.pyframes.frames  # the frames it grows
        except Exception as exc:  # reported by close(); the journal keeps the events
            self._build_error = exc
        finally:
            self._built.set()

    def _work(self) -> None:
        backlog: list[tuple[Any, Any]] = []
        while (item := self._queue.get()) is not None:
            if self._unwinder is not None:  # stack windows -> callchains, before anything keeps them
                # (the Python frames, read in C, join them: capture/pyframes.py)
                item = (self.pyframes.convert(item[0], self._unwinder),
                        self.pyframes.convert(item[1], self._unwinder, pending=True))
                if self.journal is not None:
                    for pid, from_seq, maps in self.source.new_images():
                        self.journal.append_image(pid, from_seq, maps)
            if self.journal is not None and item[0] is not None:
                self.journal.append(item[0])
            if self.consumers and not self._arrow_live:
                self._feed(*item)
                self._fed += 1
                if self.recorder is not None:
                    self.recorder.live_done = self._fed  # the loop may hand over the next batch
            if self._arrow_live or (self.write_path and item[0] is not None):
                backlog.append(item)
                if self._built.is_set() and (self._arrow_live or self._backlog_due(backlog)):
                    self._drain(backlog)
            if not (self.consumers and not self._arrow_live):
                self._fed += 1
                if self.recorder is not None:
                    self.recorder.live_done = self._fed
            self._queue.task_done()
            if self._queue.unfinished_tasks == 0 and self.recorder is not None:
                self.recorder.sink_busy = 0  # a put racing this only costs one extra flush
        self._built.wait()
        self._drain(backlog)

    def _feed(self, raw: Any, raw_pending: Any) -> None:
        """Give the live consumers a batch as column lists. One that fails (a closed pipe, a
        full disk behind ``-o``) is dropped and the reason kept: the recording goes on."""
        from renacer.capture.rows import row_batch

        rows = row_batch(raw)
        pending = row_batch(raw_pending) if self.wants_pending else None
        for consumer in list(self.consumers):
            try:
                consumer.write(rows, pending)
            except OSError as exc:
                self._drop(consumer, exc)

    def _drop(self, consumer: Consumer, exc: OSError) -> None:
        self.consumers.remove(consumer)
        self.wants_pending = any(c.wants_pending for c in self.consumers)
        if self._live_stopped is None:
            self._live_stopped = exc.strerror or str(exc)

    @property
    def live_stopped(self) -> str | None:
        return self._live_stopped or (self._arrow.live_stopped if self._arrow is not None else None)

    # Prompt live output hands over a batch every few ms: for the trace file they are joined into
    # batches of about the recorder's own size (one numpy conversion each, not one per 2 ms);
    # the journal still gets each batch at once.
    DRAIN_RECS = 16384
    DRAIN_SECONDS = 0.5
    DRAIN_BYTES = 4 << 20

    def _backlog_due(self, backlog: list[tuple[Any, Any]]) -> bool:
        """Convert now: the backlog holds a recorder-sized batch (by records or by bytes, payloads
        of -s 1M included: memory stays bounded), or it is DRAIN_SECONDS old."""
        recs = sum(len(item[0][0]) for item in backlog)
        size = sum(len(part) for item in backlog for part in item[0])
        return (recs >= self._rec_size * self.DRAIN_RECS // 2 or size >= self.DRAIN_BYTES
                or time.monotonic() - self._last_drain >= self.DRAIN_SECONDS)

    def _drain(self, backlog: list[tuple[Any, Any]]) -> None:
        self._last_drain = time.monotonic()
        if self._arrow is not None and not self._arrow_live and len(backlog) > 1:
            # raw batches hold lengths, not offsets: the records and each arena concatenate
            raws = [item[0] for item in backlog]
            backlog[:] = [(tuple(b"".join(parts) for parts in zip(*raws)), None)]
        if self._arrow is not None:
            for item in backlog:
                self._arrow.write(*item)
        backlog.clear()

    def write(self, raw: Any, pending: Any) -> None:
        if self._worker is None:
            self.warm_up()
        if self.recorder is not None:
            self.recorder.sink_busy = 1
        self._queue.put((raw, pending))

    def close(self, metadata: dict[str, Any]) -> None:
        """Finish every output. Raises RecordingError when the trace is incomplete."""
        if self._worker is None:
            self.warm_up()
        self._queue.put(None)
        assert self._worker is not None
        self._worker.join()
        if self.source is not None:
            metadata["source"] = self.source.metadata()
            metadata["source"]["python"] = dict(self.pyframes.notes)
            metadata["source"]["python_frames"] = self.pyframes.metadata()
        if self._arrow_live:
            if self._arrow is not None:
                self._arrow.close_live(metadata)
        else:
            for consumer in list(self.consumers):
                try:
                    consumer.close(metadata)
                except OSError as exc:
                    self._drop(consumer, exc)
        arrow = self._arrow
        failure = (arrow.trace_error if arrow is not None else None) or (self._build_error if self.write_path else None)
        if self.write_path and failure is None and arrow is not None and arrow.trace is not None:
            try:
                arrow.trace.close(metadata)
            except BaseException as exc:
                failure = exc
        if failure is None:
            if self.journal is not None:
                self.journal.close(remove=True)
            if self._build_error is not None:
                raise self._build_error
            return
        self._close_trace_fd()
        # a failure is the trace file's (its writer or its Arrow side), and a trace has a journal
        assert self.journal is not None
        self.journal.close(remove=False)
        raise RecordingError(self._failure_text(failure, self.journal))

    def _failure_text(self, failure: BaseException, journal: JournalWriter) -> str:
        why = getattr(failure, "strerror", None) or str(failure)
        path = self.write_path
        text = f"could not write the trace {path!r}: {why}."
        if journal.error is not None:
            text += (f" The journal {journal.path!r} stopped too ({journal.error.strerror}) after "
                     f"{journal.rows} events; those are safe.")
        else:
            text += f" All {journal.rows} recorded events are safe in {journal.path!r}."
        return text + (f" Free some space, then run: renacer-analyze recover {path}"
                       " (or add -o OTHER.parquet to write the trace elsewhere)")

    def _close_trace_fd(self) -> None:
        if self.trace_fd >= 0:
            os.close(self.trace_fd)
            self.trace_fd = -1

    def abandon(self) -> None:
        """Nothing was traced (launch or attach failed): leave no file behind."""
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join()
        arrow = self._arrow
        if arrow is not None and arrow.trace is not None:
            try:
                arrow.trace.close(self.meta)
            except BaseException:
                pass
        if self.write_path:
            self._close_trace_fd()
            try:
                st = os.lstat(self.write_path)
                if (st.st_dev, st.st_ino) == self._trace_id:  # still the file we created
                    os.unlink(self.write_path)
            except OSError:
                pass
        if self.journal is not None:
            self.journal.close(remove=True)


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
