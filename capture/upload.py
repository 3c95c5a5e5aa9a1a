"""``renacer -w s3://…``: record into a local file as for any ``-w``, upload it when the recording ends.

The recorder never writes to the network: a recording writes its Parquet file and journal in a
private spool folder (0700, under $TMPDIR), exactly as a local ``-w`` does, so a killed recorder
still leaves a recoverable trace there. When the command has finished and the footer is written,
the file goes to its key (``{host}``, ``{run}``, ``{date}``, ``{pid}`` filled in then) and the
local copy is removed. A failed upload keeps the local file and says where it is.

The bucket is checked before the command starts, so missing credentials or a missing bucket cost
an error message, not a recording.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass
from typing import Any

from renacer import storage

LOCAL_NAME = "trace.parquet"


class UploadError(Exception):
    """A destination or run label that cannot work: the CLI prints ``Error: …`` and exits 2."""


@dataclass
class Remote:
    url: str | None  # the destination template (placeholders unexpanded); None: --run alone
    run: str
    started: float
    local_path: str | None
    fs: Any = None


def plan(url: str | None, run: str | None) -> Remote:
    started = time.time()
    try:
        if run is not None:
            storage.check_run_label(run)
        label = run or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(started))
        if url is None:
            return Remote(None, label, started, None)
        fs = storage.check_destination(url)
    except storage.StorageError as e:
        raise UploadError(str(e)) from None
    local = os.path.join(storage.spool_dir(), LOCAL_NAME)
    return Remote(url, label, started, local, fs)


def main_pid(meta: dict[str, Any]) -> int | None:
    """The traced command's pid (the process whose parent was not traced), or the first -p."""
    attached = meta.get("attached_pids") or []
    if attached:
        return int(attached[0])
    procs = [p for p in meta.get("processes") or [] if isinstance(p, dict) and isinstance(p.get("pid"), int)]
    pids = {p["pid"] for p in procs}
    roots = [p["pid"] for p in procs if p.get("ppid") not in pids]
    return min(roots) if roots else None


def destination(remote: Remote, meta: dict[str, Any]) -> str:
    assert remote.url is not None
    return storage.expand_placeholders(remote.url, run=remote.run, started=remote.started,
                                       pid=main_pid(meta), host=meta.get("hostname"))


def finish(remote: Remote, meta: dict[str, Any], quiet: bool = False) -> bool:
    """Upload the finished trace; False (after saying why, and where the file is) on failure."""
    assert remote.url is not None and remote.local_path is not None
    local = remote.local_path
    try:
        url = destination(remote, meta)
    except storage.StorageError as e:
        sys.stderr.write(f"Error: {e}; the trace stays at {local}\n")
        return False
    if not os.path.exists(local):
        sys.stderr.write(f"Error: no trace was written, nothing to upload to {url}\n")
        return False
    try:
        storage.upload(local, url, remote.fs)
    except storage.StorageError as e:
        sys.stderr.write(f"Error: {e}; the trace stays at {local}\n")
        return False
    shutil.rmtree(os.path.dirname(local), ignore_errors=True)
    if not quiet:
        sys.stderr.write(f"renacer: trace uploaded to {url}\n")
    return True
