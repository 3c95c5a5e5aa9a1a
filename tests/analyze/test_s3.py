"""Traces in S3 (a real endpoint on 127.0.0.1: moto's server): every canned query on s3:// equals
the same query on a local copy; globs and partition folders; the download cache; bad credentials,
a missing bucket or key, and an object that is not a trace each exit 2 with a clear message."""
from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from renacer.analyze.cli import app
from tests.s3server import S3Server, s3_server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.s3
SAMPLES = Path(__file__).resolve().parents[2] / "sample_traces"
QUERIES = ["summary", "refused", "dns", "errors", "connections", "slow", "files", "processes"]
LAYOUT = {  # key under app/ -> sample trace
    "host=web-1/run=cold/trace.parquet": "http_curl.parquet",
    "host=web-2/run=cold/trace.parquet": "refused_curl.parquet",
    "host=web-2/run=warm/trace.parquet": "tls_curl.parquet",
    "host=db-1/run=cold/trace.parquet": "dns_glibc.parquet",
}
runner = CliRunner()


@pytest.fixture(scope="module")
def fleet(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bucket ``traces`` with four traces under app/, and the same files in a local folder."""
    local = tmp_path_factory.mktemp("fleet") / "app"
    client = s3_server.client()
    client.create_bucket(Bucket="traces")
    for key, sample in LAYOUT.items():
        target = local / key
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLES / sample, target)
        client.upload_file(str(target), "traces", f"app/{key}")
    client.put_object(Bucket="traces", Key="junk/notes.parquet", Body=b"these are notes, not Parquet")
    return local


@pytest.fixture
def aws(s3_server: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This endpoint's environment for the in-process CLI; returns the cache folder."""
    cache = tmp_path / "cache"
    for k in list(os.environ):
        if k.startswith("AWS_"):
            monkeypatch.delenv(k)
    for k, v in s3_server.env(cache).items():
        if k.startswith(("AWS_", "RENACER_")):
            monkeypatch.setenv(k, v)
    return cache


def rows(*args: str) -> list[dict]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def fails(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert "Error: " in result.output
    return result.output


@pytest.mark.parametrize("query", QUERIES)
def test_every_canned_query_on_s3_equals_the_local_copy(query: str, fleet: Path, aws: Path) -> None:
    remote = rows(query, "s3://traces/app/**/*.parquet")
    assert remote == rows(query, str(fleet))
    if query == "summary":  # hive partitions of the keys are columns, as for local folders
        assert {(r["host"], r["run"]) for r in remote} == {("web-1", "cold"), ("web-2", "cold"),
                                                           ("web-2", "warm"), ("db-1", "cold")}


def test_a_glob_over_partition_folders_takes_the_traces_inside(fleet: Path, aws: Path) -> None:
    remote = rows("summary", "s3://traces/app/host=web-*/")
    assert {r["host"] for r in remote} == {"web-1", "web-2"}
    assert remote == rows("summary", str(fleet / "host=web-1"), str(fleet / "host=web-2"))


def test_a_prefix_and_a_single_key(fleet: Path, aws: Path) -> None:
    assert rows("refused", "s3://traces/app/host=web-2/run=cold/trace.parquet") == \
        rows("refused", str(fleet / "host=web-2/run=cold/trace.parquet"))
    assert len(rows("info", "s3://traces/app/host=web-2")) == 2


def test_info_names_the_object_not_its_cache_file(fleet: Path, aws: Path) -> None:
    (info,) = rows("info", "s3://traces/app/host=web-1/run=cold/trace.parquet")
    assert info["file"] == "s3://traces/app/host=web-1/run=cold/trace.parquet"


def test_the_cache_is_private_and_reused_and_a_changed_object_is_fetched_again(
        s3_server: S3Server, fleet: Path, aws: Path) -> None:
    url = "s3://traces/app/host=web-1/run=cold/trace.parquet"
    first = rows("summary", url)
    cached = aws / "traces" / "app" / "host=web-1" / "run=cold" / "trace.parquet"
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600
    folder = cached.parent
    while folder != aws.parent:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        folder = folder.parent
    inode = cached.stat().st_ino
    assert rows("summary", url) == first
    assert cached.stat().st_ino == inode  # not downloaded again
    client = s3_server.client()
    client.upload_file(str(SAMPLES / "dns_glibc.parquet"), "traces", "app/host=web-1/run=cold/trace.parquet")
    try:
        assert rows("summary", url) == rows("summary", str(SAMPLES / "dns_glibc.parquet"))
    finally:
        client.upload_file(str(fleet / "host=web-1/run=cold/trace.parquet"), "traces",
                           "app/host=web-1/run=cold/trace.parquet")


def test_bad_credentials_exit_2_and_say_so(fleet: Path, aws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    out = fails("summary", "s3://traces/app/")
    assert "access denied" in out and "AWS_ACCESS_KEY_ID" in out


def test_a_missing_bucket_exits_2(fleet: Path, aws: Path) -> None:
    assert "no such bucket 'no-such-bucket'" in fails("summary", "s3://no-such-bucket/app/")


def test_a_missing_key_exits_2(fleet: Path, aws: Path) -> None:
    assert "s3://traces/app/host=nowhere/: no such key" in fails("summary", "s3://traces/app/host=nowhere/")
    assert "no trace matches s3://traces/app/*/nothing*" in fails("summary", "s3://traces/app/*/nothing*")


def test_a_key_that_is_not_a_trace_exits_2_naming_the_object(fleet: Path, aws: Path) -> None:
    out = fails("summary", "s3://traces/junk/notes.parquet")
    assert "s3://traces/junk/notes.parquet is not a Parquet file" in out
    assert str(aws) not in out
