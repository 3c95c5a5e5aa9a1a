"""``renacer [options] -- CMD ARGS`` / ``renacer [options] -p PID``: strace-style options.

argparse rather than typer: strace's short options stack (``-tt``, ``-ttt``, ``-ff``) and the
command after ``--`` must reach us untouched.
"""
from __future__ import annotations

import argparse
import os
import stat
import sys
from typing import Any, NoReturn, TextIO, cast

from renacer import __version__

FORMATS = ("text", "json", "jsonl", "csv")
STYLES = ("guide", "strace")
MAX_STRSIZE = 1 << 20  # per buffer; keeps every captured length well inside the int32 columns


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"Error: {message}\n(see renacer --help)\n")
        raise SystemExit(2)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter with the terminal width found without ``shutil``: argparse builds a
    formatter for every add_argument, and its default imports shutil (with zlib, bz2, lzma):
    ~1.5 ms of every start-up. The width is the one shutil.get_terminal_size would give."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        if width is None:
            try:
                columns = int(os.environ.get("COLUMNS", "0"))
            except ValueError:
                columns = 0
            if columns <= 0:
                try:
                    columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 0
                except (AttributeError, ValueError, OSError):
                    columns = 0
            width = (columns or 80) - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="renacer",
        description="Record every system call of a command (or a running process) into a Parquet "
        "trace, and print them strace-style.",
        epilog="Examples:\n  renacer -w trace.parquet -- curl -s http://127.0.0.1:8000/\n"
        "  renacer -e trace=network -- python3 client.py\n"
        "  renacer -e trace=connect -- curl http://localhost:9999\n"
        "      connect(5, {sa_family=AF_INET, sin_port=htons(9999), ...}, 16) = -EINPROGRESS (then ECONNREFUSED)\n"
        "  renacer -c -e trace=network -- ./app > v1.txt     (the -c table goes to stdout)\n"
        "  renacer -w attached.parquet -p 4242     (Ctrl-C detaches)\n\n"
        "Exit status: the traced command's; a command killed by signal N kills renacer with the\n"
        "same signal after the trace is written (a shell sees 128+N). 2 for bad input.",
        formatter_class=_Formatter,
    )
    p.add_argument("-e", dest="expr", action="append", metavar="trace=EXPR",
                   help="which syscalls to record: names, classes (network, file, desc, process, "
                   "memory, signal, ipc, with or without %%), !negation, /regex/")
    p.add_argument("-w", dest="write", metavar="FILE", help="record into this Parquet trace file; an "
                   "s3://BUCKET/KEY is recorded locally and uploaded at the end ({host}, {run}, {date}, "
                   "{pid} build the key)")
    p.add_argument("--run", dest="run", metavar="NAME",
                   help="label of this run (cold, pr-123, …): in the trace's metadata and in {run}")
    p.add_argument("-o", dest="output", metavar="FILE", help="write the text/json output here instead of stderr/stdout")
    p.add_argument("-p", dest="pids", action="append", type=int, default=[], metavar="PID",
                   help="attach to a running process and all its threads (repeatable)")
    p.add_argument("-f", dest="follow", action="count", default=0, help="follow forks (always on; accepted for strace compatibility)")
    p.add_argument("-s", dest="strsize", type=int, default=64, metavar="N", help="bytes of each buffer to record and print (default 64)")
    p.add_argument("-c", dest="summary", action="store_true",
                   help="print a per-syscall summary with percentiles (ms) instead of each call, on stdout")
    p.add_argument("-T", dest="durations", action="store_true", help="show the time spent in each call")
    p.add_argument("-t", dest="timestamps", action="count", default=0, help="prefix each line with the time (-tt µs, -ttt epoch)")
    p.add_argument("-r", dest="relative", action="store_true", help="prefix each line with the time since the previous one")
    p.add_argument("-x", dest="xflag", action="count", default=0,
                   help="print non-ASCII bytes of strings in hex (-xx: every byte)")
    p.add_argument("-q", dest="quiet", action="store_true", help="print nothing live (useful with -w)")
    p.add_argument("--format", dest="format", default="text", help="text (default), json, jsonl or csv")
    p.add_argument("--style", dest="style", default="guide", metavar="STYLE",
                   help="guide (default): 'close(3) = 0', errors as '= -ENAME', a non-blocking connect's "
                   "outcome '(then ECONNREFUSED)', -c in ms on stdout; strace: exactly strace's text "
                   "('= -1 ENAME (message)', column 40, -c in seconds on stderr), for diffing against strace")
    p.add_argument("--no-seccomp", dest="seccomp", action="store_false",
                   help="stop at every syscall even when tracing a subset")
    p.add_argument("--source", dest="source", action="store_true",
                   help="walk the user stack at each recorded call and show where the program made "
                   "it: [file:line in function] (DWARF of the traced binaries)")
    p.add_argument("--source-skip", dest="source_skip", metavar="REGEX",
                   help="with --source, also skip frames whose object, function or file matches")
    p.add_argument("--version", action="version", version=f"renacer {__version__}")
    p.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after --")
    return p


def fail(message: str) -> NoReturn:
    sys.stderr.write(f"Error: {message}\n")
    raise SystemExit(2)


def require_x86_64() -> None:
    """Refuse, before anything runs, to record on a machine the recorder does not know: it reads
    x86_64 registers and syscall numbers. (Traces recorded here are read anywhere: the analyzer
    has no such check.) os.uname rather than platform.machine(): ``import platform`` costs 1-2 ms
    of the live path's start-up."""
    machine = os.uname().machine
    if sys.platform != "linux" or machine != "x86_64":
        fail(f"renacer records x86_64 Linux only (this machine is {sys.platform} {machine})")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    require_x86_64()
    from renacer.capture.session import RecordingError, RecordRequest, UsageError, record
    from renacer.files import UnsafeOutput, open_text_output, same_file

    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command and not args.pids:
        fail("nothing to trace: give a command after -- or attach with -p PID")
    if command and args.pids:
        fail("give either a command or -p PID, not both")
    if not 0 <= args.strsize <= MAX_STRSIZE:
        fail(f"-s takes a number of bytes from 0 to {MAX_STRSIZE}, not {args.strsize}")
    if args.source_skip is not None:
        import re

        try:
            re.compile(args.source_skip)
        except re.error as exc:
            fail(f"--source-skip {args.source_skip!r} is not a regular expression: {exc}")
        if not args.source:
            fail("--source-skip needs --source")
    if args.format not in FORMATS:
        fail(f"unknown --format {args.format!r}; choose one of {', '.join(FORMATS)}")
    if args.style not in STYLES:
        fail(f"unknown --style {args.style!r}; choose one of {', '.join(STYLES)}")
    trace_filter = None
    if args.expr:
        from renacer.capture.filter_expr import FilterError, parse_trace_expr

        try:
            trace_filter = parse_trace_expr(",".join(e.split("=", 1)[1] if e.startswith("trace=") else e for e in args.expr))
        except FilterError as exc:
            fail(str(exc))

    if args.write is not None and not args.write:
        fail("-w needs a file name")
    if args.write and args.output and not args.quiet and same_file(args.write, args.output):
        fail(f"-w and -o name the same file ({args.write!r}): the trace and the text output need "
             "two files")

    remote = None
    if args.run is not None or (args.write and args.write.startswith(("s3://", "s3a://"))):
        remote = _remote_destination(args)

    out_stream: TextIO | None = None
    watched: SharedStdout | None = None
    consumers: list[Any] = []
    if not args.quiet:
        if args.output:
            # Before the command starts: a path that cannot be written is an error, and the
            # command does not run.
            try:
                out_stream = open_text_output(args.output, "output")
            except UnsafeOutput as exc:
                fail(str(exc))
        else:
            out_stream = sys.stdout if to_stdout(args) else sys.stderr
        if out_stream is sys.stdout:
            watched = SharedStdout(sys.stdout)
            out_stream = cast(TextIO, watched)  # a TextIO by duck typing: write, flush, fileno
        stream = out_stream
        consumers.append(lambda: live_consumer(args, stream))
    request = RecordRequest(
        command=command, pids=args.pids, trace_filter=trace_filter, string_size=args.strsize,
        write_path=remote.local_path if remote is not None and remote.url else args.write, use_seccomp=args.seccomp,
        live_consumers=consumers, run=args.run, source=args.source, source_skip=args.source_skip,
        prompt_live=not args.summary,
    )
    from renacer.capture import status  # -q -w on a terminal: a one-line status (issue 15)

    if status.wanted(args.quiet, args.write):
        request.quiet_consumers.append(lambda: status.StatusLine(args.write))
    try:
        result = record(request)
    except UsageError as exc:
        fail(str(exc))
    except RecordingError as exc:
        if out_stream is not sys.stderr:
            _close_quietly(out_stream)
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.strerror or exc}" + (f": {exc.filename!r}" if exc.filename else ""))
    if result.live_stopped is not None:
        _close_quietly(sys.stdout if out_stream is watched else out_stream)
        where = repr(args.output) if args.output else "the live output"
        try:
            sys.stderr.write(f"renacer: {where} was cut ({result.live_stopped}); the recording went "
                             "on" + (f" and is complete in {args.write!r}\n" if args.write else "\n"))
            sys.stderr.flush()
        except (OSError, ValueError):
            _close_quietly(sys.stderr)
    elif out_stream is not None and out_stream not in (sys.stdout, sys.stderr, watched):
        _close_quietly(out_stream)
    if watched is not None and watched.mixed():
        sys.stderr.write("renacer: the traced command also wrote to standard output: its bytes are mixed in "
                         "with renacer's output there (use -o FILE to keep them apart)\n")
    if remote is not None and remote.url is not None:
        from renacer.capture.upload import finish

        if not finish(remote, result.metadata, quiet=args.quiet):
            return 2
    return exit_like(result.status)


def _close_quietly(stream: TextIO | None) -> None:
    """Close a live output that may be a closed pipe, without a second error at exit."""
    if stream is None:
        return
    if stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            # Python flushes these again at exit: point the descriptor at /dev/null so that the
            # flush of a closed pipe cannot fail a second time.
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1 if stream is sys.stdout else 2)
                os.close(devnull)
            except OSError:
                pass
        return
    try:
        stream.close()
    except OSError:
        pass


def to_stdout(args: argparse.Namespace) -> bool:
    """JSON/CSV documents go to stdout, and so does the guide's -c table (its recipes redirect it:
    ``renacer -c … > v1.txt``); strace's text, and strace's -c table, go to stderr."""
    return args.format != "text" or (args.summary and args.style != "strace")


class SharedStdout:
    """Standard output, shared with the traced command (it inherits the descriptor). Notices when
    the command wrote to it too, as far as that can be seen: when it is a regular file, by its
    size against what renacer wrote (a pipe or a terminal cannot tell)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._written = 0
        try:
            st = os.fstat(stream.fileno())
            self._start = st.st_size if stat.S_ISREG(st.st_mode) else None
        except (OSError, ValueError):
            self._start = None

    def write(self, text: str) -> int:
        if self._start is not None:
            self._written += len(text.encode(self._stream.encoding or "utf-8", "replace"))
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def mixed(self) -> bool:
        if self._start is None:
            return False
        try:
            self._stream.flush()
            return os.fstat(self._stream.fileno()).st_size > self._start + self._written
        except (OSError, ValueError):
            return False


def _remote_destination(args: argparse.Namespace) -> Any:
    """``--run`` checked, and an ``s3://`` ``-w`` turned into a local file to upload later."""
    from renacer.capture.upload import UploadError, plan

    try:
        return plan(args.write if args.write and args.write.startswith(("s3://", "s3a://")) else None,
                    args.run)
    except UploadError as exc:
        fail(str(exc))


def live_consumer(args: argparse.Namespace, out: TextIO) -> Any:
    """The renderer, fed live with each flushed batch (the same code that replays a trace)."""
    from renacer.analyze.render import RenderOptions, live_renderer

    options = RenderOptions.from_cli(args)
    return live_renderer(out, options)


def exit_like(status: int | None) -> int:
    """Exit with the traced command's status; die of the signal that killed it."""
    if status is None:
        return 0
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status):
        import signal  # only to die of the command's signal: ~0.5 ms of start-up otherwise

        sig = os.WTERMSIG(status)
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # the command's core, not ours
            if sig not in (signal.SIGKILL, signal.SIGSTOP):
                signal.signal(sig, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
            os.kill(os.getpid(), sig)
        except (OSError, ValueError):
            pass
        return 128 + sig
    return 1


def entry() -> None:
    """The ``renacer`` command: main(), then exit without tearing the interpreter down module by
    module (5-25 ms here, a fifth of renacer's own cost on a short command). Everything renacer
    writes is closed by then (the trace, -o) or flushed here (stdout, stderr)."""
    try:
        code = main()
    except SystemExit as exc:
        if exc.code is not None and not isinstance(exc.code, int):
            raise
        code = exc.code or 0
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            raise SystemExit(code) from None  # a broken stream: Python's own exit deals with it
    os._exit(code)


if __name__ == "__main__":
    entry()
