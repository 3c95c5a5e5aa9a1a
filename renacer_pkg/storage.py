"""Object storage for traces: ``s3://`` (and ``s3a://``) locations on AWS, MinIO, Ceph, R2, ….

One well-kept library does the talking: pyarrow's S3 filesystem (the AWS C++ SDK, shipped inside
the pyarrow wheel that renacer already needs). DuckDB's httpfs extension would read S3 directly,
but DuckDB downloads it from its own extension site on first use; it is no package on a package
index, so a fresh machine behind a registry-only proxy cannot get it. pyarrow needs nothing more.

Configuration is the AWS standard, read by the SDK itself: ``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``, ``AWS_PROFILE`` with ~/.aws/credentials and
~/.aws/config, ``AWS_REGION`` / ``AWS_DEFAULT_REGION``; for a store that is not AWS,
``AWS_ENDPOINT_URL`` (or ``AWS_ENDPOINT_URL_S3``), e.g. ``http://127.0.0.1:9000`` for MinIO.

Reading: the analyzer's DuckDB engine gets local files. Each object is downloaded once into a
private cache (``$RENACER_CACHE_DIR``, else ``$XDG_CACHE_HOME/renacer/s3``, else
``~/.cache/renacer/s3``; folders 0700, files 0600) at ``CACHE/BUCKET/KEY``, so hive partitions,
labels and the engine's checks work as for local files, and a second query of the same objects
downloads nothing (an object is fetched again when its size or modification time changed).

Writing (``renacer -w s3://…``): the recorder writes a local file with its journal, as for any
``-w``, and ``upload`` sends it when the recording ends.
"""
from __future__ import annotations

import fnmatch
import os
import re
import socket
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow.fs as pafs

SCHEMES = ("s3://", "s3a://")
TRACE_SUFFIX = ".parquet"
# Parallel transfers: S3 latency, not bandwidth, bounds many small traces.
TRANSFER_THREADS = 8
_CHUNK = 1 << 20
_GLOB_CHARS = re.compile(r"[*?\[]")
PLACEHOLDERS = ("host", "run", "date", "pid")
_RUN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class StorageError(Exception):
    """A location that cannot be listed, read or written: the CLIs print ``Error: …``, exit 2."""


def is_remote(spec: str) -> bool:
    return spec.startswith(SCHEMES)


def split_url(url: str) -> tuple[str, str]:
    """(bucket, key) of ``s3://bucket/key``; the key may be empty."""
    for scheme in SCHEMES:
        if url.startswith(scheme):
            rest = url[len(scheme):]
            bucket, _, key = rest.partition("/")
            if not bucket:
                raise StorageError(f"{url}: no bucket in the location (s3://BUCKET/KEY)")
            return bucket, key
    raise StorageError(f"{url} is not an s3:// location")


def _check_key(url: str, key: str) -> None:
    # A key becomes a path in the local cache: no component may climb out of it.
    parts = key.split("/")
    if any(p in ("..", ".") for p in parts) or key.startswith("/") or "\0" in key:
        raise StorageError(f"{url}: the key has '.', '..' or an absolute part; renacer will not "
                           "map it to a local file")


# -- the filesystem ---------------------------------------------------------------------------------


def endpoint() -> str | None:
    """The S3 endpoint for a store that is not AWS (``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL``)."""
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def filesystem() -> pafs.S3FileSystem:
    """pyarrow's S3 filesystem, configured the AWS way (environment, profiles, endpoint)."""
    try:
        from pyarrow import fs as pafs
    except ImportError as e:  # pragma: no cover - pyarrow is a dependency
        raise StorageError(f"S3 needs pyarrow's S3 filesystem: {e}") from None
    kwargs: dict[str, Any] = {}
    url = endpoint()
    if url:
        scheme, sep, rest = url.partition("://")
        if not sep:
            scheme, rest = "https", url
        kwargs["endpoint_override"] = rest.rstrip("/")
        kwargs["scheme"] = scheme
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        kwargs["region"] = region
    elif url:
        # A custom endpoint has no AWS region to look up; the SDK would otherwise ask the EC2
        # metadata service for one.
        kwargs["region"] = "us-east-1"
    profile = os.environ.get("AWS_PROFILE")
    try:
        if profile and not os.environ.get("AWS_ACCESS_KEY_ID"):
            # Explicit, so a profile wins over the SDK's other sources the way the AWS CLI does.
            creds = _profile_credentials(profile)
            if creds:
                kwargs.update(creds)
        return pafs.S3FileSystem(**kwargs)
    except (OSError, ValueError) as e:
        raise StorageError(f"cannot set up S3 access: {_aws_message(e)}") from None


def _profile_credentials(profile: str) -> dict[str, str]:
    """Keys of an ~/.aws/credentials profile (the SDK reads them too; pyarrow's build of it does
    not always honour AWS_PROFILE, so renacer reads the file the same way the AWS CLI does)."""
    import configparser

    path = os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.expanduser("~/.aws/credentials")
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
    except configparser.Error:
        return {}
    if not parser.has_section(profile):
        return {}
    sec = parser[profile]
    out = {}
    if sec.get("aws_access_key_id") and sec.get("aws_secret_access_key"):
        out["access_key"] = sec["aws_access_key_id"]
        out["secret_key"] = sec["aws_secret_access_key"]
        if sec.get("aws_session_token"):
            out["session_token"] = sec["aws_session_token"]
    return out


def _aws_message(e: BaseException) -> str:
    """The useful part of an AWS SDK error, with a hint for the usual causes."""
    text = " ".join(str(e).split())
    low = text.lower()
    if "invalidaccesskeyid" in low or "signaturedoesnotmatch" in low or "access_denied" in low \
            or "accessdenied" in low or "forbidden" in low or "credentials" in low:
        return (f"access denied ({text}); check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or "
                "AWS_PROFILE, and AWS_ENDPOINT_URL for a store that is not AWS")
    if "nosuchbucket" in low or "bucket does not exist" in low or "no_such_bucket" in low:
        return f"no such bucket ({text})"
    if "curl" in low or "connect" in low or "resolve" in low or "network" in low:
        return f"cannot reach the S3 endpoint {endpoint() or '(AWS)'} ({text})"
    return text


# -- listing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteObject:
    url: str  # s3://bucket/key, in the scheme the user gave
    bucket: str
    key: str
    size: int
    mtime_ns: int


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """``*`` and ``?`` stay inside one path part, ``**`` crosses parts (``a/**/b`` also matches
    ``a/b``), as ``glob.glob(recursive=True)`` does for local paths."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape("["))
                i += 1
            else:
                out.append(fnmatch.translate(pattern[i:end + 1])[4:-3])
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _list(fs: pafs.S3FileSystem, url: str, bucket: str, prefix: str) -> list[Any]:
    from pyarrow import fs as pafs

    base = f"{bucket}/{prefix}".rstrip("/")
    try:
        infos = fs.get_file_info(pafs.FileSelector(base, recursive=True, allow_not_found=True))
    except FileNotFoundError as e:
        raise StorageError(f"cannot list {url}: {_aws_message(e)}") from None
    except OSError as e:
        raise StorageError(f"cannot list {url}: {_aws_message(e)}") from None
    return [i for i in infos if i.type == pafs.FileType.File]


def _stat(fs: pafs.S3FileSystem, url: str, path: str) -> Any:
    try:
        return fs.get_file_info(path)
    except OSError as e:
        raise StorageError(f"cannot read {url}: {_aws_message(e)}") from None


def list_traces(spec: str, fs: pafs.S3FileSystem | None = None) -> list[RemoteObject]:
    """The trace objects a spec names: one key, a glob (``**`` recursive), or a folder-like
    prefix (every ``.parquet`` under it). Raises StorageError when it names nothing."""
    fs = fs or filesystem()
    scheme = spec[: spec.index("://") + 3]
    bucket, key = split_url(spec)
    _check_bucket(fs, spec, bucket)
    m = _GLOB_CHARS.search(key)

    def obj(info: Any) -> RemoteObject:
        k = info.path[len(bucket) + 1:]
        _check_key(spec, k)
        return RemoteObject(f"{scheme}{bucket}/{k}", bucket, k, int(info.size or 0),
                            int(info.mtime_ns or 0))

    if m:
        prefix = key[: m.start()].rpartition("/")[0]
        rx = _glob_regex(key)
        found = []
        for info in _list(fs, spec, bucket, prefix):
            k = info.path[len(bucket) + 1:]
            # A glob that names folders (host=web-*/) takes the traces inside them.
            if rx.match(k) or any(rx.match(k[:i]) or rx.match(k[:i + 1])
                                  for i in range(len(k)) if k[i] == "/"):
                if k.endswith(TRACE_SUFFIX) or rx.match(k):
                    found.append(obj(info))
        if not found:
            raise StorageError(f"no trace matches {spec}")
        return sorted(found, key=lambda o: o.key)
    if key and not key.endswith("/"):
        info = _stat(fs, spec, f"{bucket}/{key}")
        from pyarrow import fs as pafs

        if info.type == pafs.FileType.File:
            return [obj(info)]
    objects = [obj(i) for i in _list(fs, spec, bucket, key.rstrip("/") + "/" if key else "")
               if i.path.endswith(TRACE_SUFFIX)]
    if not objects:
        raise StorageError(f"{spec}: no such key, and no .parquet trace under it")
    return sorted(objects, key=lambda o: o.key)


def _check_bucket(fs: pafs.S3FileSystem, url: str, bucket: str) -> None:
    """Missing bucket and refused credentials, told apart before any listing."""
    from pyarrow import fs as pafs

    try:
        info = fs.get_file_info(bucket)
    except OSError as e:
        raise StorageError(f"cannot reach {url}: {_aws_message(e)}") from None
    if info.type == pafs.FileType.NotFound:
        raise StorageError(f"{url}: no such bucket {bucket!r} at {endpoint() or 'AWS'}")


# -- the download cache ------------------------------------------------------------------------------


def cache_root() -> str:
    root = os.environ.get("RENACER_CACHE_DIR")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "renacer", "s3")
    return root


# Local cache file -> the URL it holds, so error messages and `info` name the object.
_ORIGINS: dict[str, str] = {}


def origin(local_path: str) -> str | None:
    return _ORIGINS.get(os.path.abspath(local_path))


def describe(text: str) -> str:
    """``text`` with every cache path replaced by the URL it came from."""
    for local, url in sorted(_ORIGINS.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(local, url)
    return text


def _private_dirs(path: str) -> None:
    # makedirs gives its mode to the last folder only; every level it creates must be 0700.
    missing = []
    while path and not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for folder in reversed(missing):
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass


def fetch(specs: Sequence[str]) -> list[str]:
    """Local paths of the traces that remote ``specs`` name, downloading what the cache lacks."""
    fs = filesystem()
    objects: list[RemoteObject] = []
    for spec in specs:
        objects.extend(list_traces(spec, fs))
    root = os.path.abspath(cache_root())
    _private_dirs(root)

    def one(o: RemoteObject) -> str:
        local = os.path.join(root, o.bucket, *o.key.split("/"))
        _ORIGINS[local] = o.url
        try:
            st = os.stat(local, follow_symlinks=False)
            if st.st_size == o.size and st.st_mtime_ns == o.mtime_ns:
                return local
        except FileNotFoundError:
            pass
        _download(fs, o, local)
        return local

    with ThreadPoolExecutor(min(TRANSFER_THREADS, max(1, len(objects)))) as pool:
        paths = list(pool.map(one, objects))
    return list(dict.fromkeys(paths))  # without repeats, in order


def _download(fs: pafs.S3FileSystem, o: RemoteObject, local: str) -> None:
    folder = os.path.dirname(local)
    _private_dirs(folder)
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=folder)  # 0600, O_EXCL
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with fs.open_input_stream(f"{o.bucket}/{o.key}") as src:
                    while chunk := src.read(_CHUNK):
                        out.write(chunk)
            except OSError as e:
                raise StorageError(f"cannot read {o.url}: {_aws_message(e)}") from None
        os.utime(tmp, ns=(o.mtime_ns, o.mtime_ns))
        os.replace(tmp, local)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# -- footers without downloading (the Spark engine reads the rows itself) ----------------------------


def read_footers(objects: Sequence[RemoteObject]) -> dict[str, tuple[dict[bytes, bytes], int, int]]:
    """Per URL: (key-value metadata, rows, row groups), from the Parquet footer only."""
    import pyarrow.parquet as pq

    fs = filesystem()

    def one(o: RemoteObject) -> tuple[str, tuple[dict[bytes, bytes], int, int]]:
        try:
            with fs.open_input_file(f"{o.bucket}/{o.key}") as f:
                md = pq.read_metadata(f)
        except OSError as e:
            raise StorageError(f"cannot read {o.url}: {_aws_message(e)}") from None
        except Exception as e:  # pyarrow.ArrowInvalid: not Parquet
            raise StorageError(f"{o.url} is not a Parquet file, so not a renacer trace ({e})") from None
        return o.url, (dict(md.metadata or {}), md.num_rows, md.num_row_groups)

    with ThreadPoolExecutor(min(TRANSFER_THREADS, max(1, len(objects)))) as pool:
        return dict(pool.map(one, objects))


# -- writing ------------------------------------------------------------------------------------------


def check_run_label(run: str) -> None:
    if not _RUN_RE.match(run):
        raise StorageError(f"--run {run!r}: use letters, digits, '.', '_' and '-' (it becomes part "
                           "of a key and a partition value)")


def expand_placeholders(template: str, *, run: str, started: float, pid: int | None,
                        host: str | None = None) -> str:
    """``{host}``, ``{run}``, ``{date}`` (UTC, YYYY-MM-DD) and ``{pid}`` in a destination."""
    values = {
        "host": _safe_part(host or socket.gethostname()),
        "run": run,
        "date": time.strftime("%Y-%m-%d", time.gmtime(started)),
        "pid": str(pid) if pid is not None else "unknown",
    }
    out = []
    for literal, field, spec, conv in _formatter().parse(template):
        out.append(literal)
        if field is None:
            continue
        if field not in values or spec or conv:
            raise StorageError(f"unknown placeholder {{{field}}} in {template}; use "
                               + ", ".join("{" + p + "}" for p in PLACEHOLDERS))
        out.append(values[field])
    return "".join(out)


def _formatter() -> Any:
    import string

    return string.Formatter()


def _safe_part(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", value) or "_"


def check_destination(url: str) -> pafs.S3FileSystem:
    """Fail before recording when the bucket cannot be reached (missing, refused credentials)."""
    bucket, key = split_url(url)
    if not key or key.endswith("/"):
        raise StorageError(f"{url}: give the object key of the trace (…/trace.parquet)")
    expand_placeholders(key, run="x", started=0.0, pid=0)  # unknown placeholders fail now
    fs = filesystem()
    _check_bucket(fs, url, bucket)
    return fs


def upload(local_path: str, url: str, fs: pafs.S3FileSystem | None = None) -> None:
    """Send a finished trace to ``url`` (pyarrow switches to a multipart upload for big ones)."""
    fs = fs or filesystem()
    bucket, key = split_url(url)
    try:
        with open(local_path, "rb") as src, fs.open_output_stream(f"{bucket}/{key}") as out:
            while chunk := src.read(_CHUNK):
                out.write(chunk)
    except OSError as e:
        raise StorageError(f"upload to {url} failed: {_aws_message(e)}") from None


def spool_dir() -> str:
    """A private (0700) folder for a trace on its way to object storage."""
    return tempfile.mkdtemp(prefix="renacer-upload-")
