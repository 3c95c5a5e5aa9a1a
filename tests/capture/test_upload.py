"""renacer -w s3://…: record locally, upload at the end (a real S3 endpoint on 127.0.0.1: moto);
placeholders build hive-partitioned keys; --run goes into the metadata; the bucket is checked
before the command runs; a failed upload keeps the local trace and says where it is."""
from __future__ import annotations

import json
import re
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from renacer import storage
from tests.conftest import run_renacer
from tests.s3server import S3Server, s3_server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.s3


@pytest.fixture(scope="module")
def bucket(s3_server: S3Server) -> str:
    s3_server.client().create_bucket(Bucket="recordings")
    return "recordings"


def keys(server: S3Server, bucket: str, prefix: str) -> list[str]:
    listed = server.client().list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def metadata(path: Path) -> dict:
    return json.loads(pq.read_metadata(path).metadata[b"renacer"])


def test_a_recording_goes_to_its_hive_partitioned_key(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    env = s3_server.env(tmp_path / "cache", TMPDIR=str(tmp_path))
    dest = f"s3://{bucket}/app/host={{host}}/run={{run}}/date={{date}}/pid={{pid}}/trace.parquet"
    days = {time.strftime("%Y-%m-%d", time.gmtime())}
    result = run_renacer(["-w", dest, "--run", "cold", "--", "sh", "-c", "ls / >/dev/null; exit 3"], env=env)
    days.add(time.strftime("%Y-%m-%d", time.gmtime()))
    assert result.returncode == 3, result.stderr  # the command's status, as for a local -w
    (key,) = keys(s3_server, bucket, "app/")
    host = re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname())
    m = re.fullmatch(rf"app/host={re.escape(host)}/run=cold/date=(\d{{4}}-\d\d-\d\d)/pid=(\d+)/trace\.parquet", key)
    assert m, key
    assert m.group(1) in days  # UTC, when the recording started
    assert f"trace uploaded to s3://{bucket}/{key}" in result.stderr
    local = tmp_path / "back.parquet"
    s3_server.client().download_file(bucket, key, str(local))
    meta = metadata(local)
    assert meta["run"] == "cold"
    assert int(m.group(2)) in {p["pid"] for p in meta["processes"]}
    assert not list(tmp_path.glob("renacer-upload-*"))  # the local copy is gone once uploaded
    # …and the analyzer reads it back from the bucket, partitions included
    out = subprocess.run([sys.executable, "-m", "renacer.analyze.cli", "info", "--format", "json",
                          f"s3://{bucket}/app/"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)
    assert (row["host"], row["run"], row["file"]) == (host, "cold", f"s3://{bucket}/{key}")


def test_run_label_is_kept_in_a_local_trace_too(tmp_path: Path) -> None:
    trace = tmp_path / "t.parquet"
    result = run_renacer(["-q", "-w", str(trace), "--run", "pr-123", "--", "true"])
    assert result.returncode == 0, result.stderr
    assert metadata(trace)["run"] == "pr-123"


@pytest.mark.parametrize("run", ["a/b", "../x", "", "x" * 200])
def test_a_run_label_that_cannot_be_a_partition_exits_2(run: str) -> None:
    result = run_renacer(["-q", "-w", "/dev/null/x", "--run", run, "--", "true"])
    assert result.returncode == 2
    assert result.stderr.startswith("Error: --run")


def test_an_unknown_placeholder_exits_2_before_running(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    result = run_renacer(["-w", f"s3://{bucket}/{{user}}/t.parquet", "--", "touch", str(marker)],
                         env=s3_server.env(tmp_path))
    assert result.returncode == 2
    assert "unknown placeholder {user}" in result.stderr
    assert not marker.exists()


def test_a_missing_bucket_exits_2_before_running_the_command(s3_server: S3Server, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    result = run_renacer(["-w", "s3://no-such-bucket/t.parquet", "--", "touch", str(marker)],
                         env=s3_server.env(tmp_path))
    assert result.returncode == 2
    assert "no such bucket 'no-such-bucket'" in result.stderr
    assert not marker.exists()


def test_bad_credentials_exit_2_before_running_the_command(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    env = s3_server.env(tmp_path, AWS_SECRET_ACCESS_KEY="wrong")
    result = run_renacer(["-w", f"s3://{bucket}/t.parquet", "--", "touch", str(marker)], env=env)
    assert result.returncode == 2
    assert "access denied" in result.stderr
    assert not marker.exists()


def test_a_failed_upload_keeps_the_local_trace_and_says_where(s3_server: S3Server, tmp_path: Path) -> None:
    """The bucket exists when the recording starts; the traced command itself deletes it."""
    client = s3_server.client()
    client.create_bucket(Bucket="short-lived")
    env = s3_server.env(tmp_path, TMPDIR=str(tmp_path))
    drop = ("import boto3, os; boto3.client('s3', endpoint_url=os.environ['AWS_ENDPOINT_URL'])"
            ".delete_bucket(Bucket='short-lived')")
    result = run_renacer(["-q", "-w", "s3://short-lived/app/trace.parquet", "--", sys.executable, "-c", drop],
                         env=env)
    assert result.returncode == 2, result.stderr
    m = re.search(r"upload to s3://short-lived/app/trace\.parquet failed: .*; the trace stays at (\S+)\n",
                  result.stderr)
    assert m, result.stderr
    kept = Path(m.group(1))
    assert kept.parent.parent == tmp_path  # the private spool folder under $TMPDIR
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert metadata(kept)["events_written"] > 0  # a complete trace, footer and all


def test_placeholders_fill_in_and_reject_unknown_names() -> None:
    key = storage.expand_placeholders("a/host={host}/run={run}/date={date}/pid={pid}/t.parquet",
                                      run="cold", started=0.0, pid=42, host="web 1/x")
    assert key == "a/host=web_1_x/run=cold/date=1970-01-01/pid=42/t.parquet"
    with pytest.raises(storage.StorageError, match="unknown placeholder"):
        storage.expand_placeholders("{host}/{nope}", run="r", started=0.0, pid=1)
