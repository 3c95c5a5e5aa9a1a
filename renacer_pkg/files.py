"""Every file renacer writes is created here, so that none of them can harm the machine.

renacer often runs as root, in directories other users can write to (``/tmp``). So it never
follows a symbolic link it finds at an output path, never changes the mode of a file it did not
create, never writes into a device or FIFO named as a trace, and never replaces a file that
belongs to another user. New files are created with ``O_CREAT|O_EXCL|O_NOFOLLOW`` and mode
0600 (traces and text output hold payload bytes); a file renacer replaces is first removed (only
when it is a regular file of renacer's own user), so the new one gets its mode at creation,
without chmod. Every error names the path.

This module is the bottom layer: the recorder and the analyzer both use it, and it imports
nothing but the standard library.
"""
from __future__ import annotations

import io
import os
import re
import stat
from typing import TextIO

PRIVATE_MODE = 0o600
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# ``-o /dev/stdout`` and friends name a descriptor renacer already has: write to it directly.
_OWN_FD = re.compile(r"^/(?:dev/(?:std(in|out|err)|fd/(\d+))|proc/self/fd/(\d+))$")
_STD_FDS = {"in": 0, "out": 1, "err": 2}


class UnsafeOutput(Exception):
    """An output path renacer refuses (or cannot create). The message names the path."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _shown(path: str) -> str:
    """The path as a user can read it back, even when it is not valid UTF-8."""
    return repr(path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))


def check_new_file(path: str, what: str = "output") -> None:
    """Raise UnsafeOutput unless ``path`` can become a new regular file of ours.

    Allowed: a path that does not exist yet in a writable folder, or a regular file that belongs
    to the user renacer runs as (it is replaced, not written through).
    """
    if not path:
        raise UnsafeOutput(f"the {what} file name is empty")
    shown = _shown(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        folder = os.path.dirname(os.path.abspath(path)) or "."
        if not os.path.isdir(folder):
            raise UnsafeOutput(f"cannot write {shown}: folder {_shown(folder)} does not exist") from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise UnsafeOutput(f"cannot write {shown}: folder {_shown(folder)} is not writable") from None
        return
    except OSError as exc:
        raise UnsafeOutput(f"cannot write {shown}: {exc.strerror}") from None
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeOutput(f"cannot write {shown}: it is a symbolic link, and renacer does not "
                           "write through links (remove it or choose another name)")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeOutput(f"cannot write {shown}: it is {_kind(st.st_mode)}, not a regular file")
    if st.st_uid != os.geteuid():
        raise UnsafeOutput(f"cannot write {shown}: it belongs to uid {st.st_uid}, and renacer only "
                           "replaces files of its own user (remove it or choose another name)")


def create_private(path: str, what: str = "output") -> int:
    """A descriptor of a new, empty regular file at ``path``, mode 0600, close-on-exec.

    An existing regular file of ours is removed first; anything else there is refused.
    """
    check_new_file(path, what)
    for attempt in (1, 2):
        try:
            return os.open(path, _CREATE_FLAGS, PRIVATE_MODE)
        except FileExistsError:
            if attempt == 2:
                break
            check_new_file(path, what)  # still a regular file of ours: replace it
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise UnsafeOutput(f"cannot replace {_shown(path)}: {exc.strerror}") from None
        except OSError as exc:
            raise UnsafeOutput(f"cannot create {_shown(path)}: {exc.strerror}") from None
    raise UnsafeOutput(f"cannot create {_shown(path)}: another process created it at the same time")


def remove_created(path: str, fd: int) -> None:
    """Remove the file we created at ``path`` (and only that file: the inode must match)."""
    try:
        mine, there = os.fstat(fd), os.lstat(path)
    except OSError:
        return
    if (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino):
        try:
            os.unlink(path)
        except OSError:
            pass


def temp_beside(path: str, suffix: str, what: str = "output") -> tuple[int, str]:
    """A new private file in the folder of ``path`` (O_EXCL|O_NOFOLLOW, 0600), to be renamed
    over ``path`` once complete: readers never see a half-written file there."""
    import tempfile  # here: at the top it costs renacer's start-up 2 ms (random, hashlib, shutil)

    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=suffix, dir=folder)
    except FileNotFoundError:
        raise UnsafeOutput(f"cannot write {_shown(path)}: folder {_shown(folder)} does not exist") from None
    except OSError as exc:
        raise UnsafeOutput(f"cannot write {_shown(path)}: {exc.strerror}") from None
    os.set_inheritable(fd, False)
    return fd, tmp


def replace_with(tmp: str, path: str, what: str = "output") -> None:
    """Put the complete file ``tmp`` in place of ``path`` (checked again right before)."""
    try:
        check_new_file(path, what)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def open_text_output(path: str, what: str = "output") -> TextIO:
    """A text stream for ``-o PATH``: a new private file, or a terminal, FIFO or other character
    device the user named (written to as it is: no create, no truncate, no chmod). ``/dev/stdout``
    and ``/dev/fd/N`` reuse renacer's own descriptor."""
    if not path:
        raise UnsafeOutput(f"the {what} file name is empty")
    m = _OWN_FD.match(path)
    if m:
        number = _STD_FDS[m.group(1)] if m.group(1) else int(m.group(2) or m.group(3))
        try:
            fd = os.dup(number)
        except OSError as exc:
            raise UnsafeOutput(f"cannot write {path}: {exc.strerror}") from None
        return io.open(fd, "w", encoding="utf-8", errors="surrogateescape", closefd=True)
    try:
        st = os.lstat(path)
    except OSError:
        st = None
    if st is not None and (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError as exc:
            raise UnsafeOutput(f"cannot write {_shown(path)}: {exc.strerror}") from None
    else:
        fd = create_private(path, what)
    return io.open(fd, "w", encoding="utf-8", errors="surrogateescape", closefd=True)


def same_file(a: str, b: str) -> bool:
    """Whether two output paths name the same file (existing or not)."""
    if os.path.abspath(a) == os.path.abspath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)
