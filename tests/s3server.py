"""A real S3 endpoint on 127.0.0.1 for the tests: moto's server mode (``python -m moto.server``),
with authentication on, so wrong keys are refused as AWS refuses them.

Auth: moto lets the first N requests through unauthenticated (``reset-auth``); the fixture uses
them to create an IAM user with a policy and an access key, and from then on only that key works.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class S3Server:
    url: str
    key_id: str
    secret: str

    def env(self, cache_dir: Path | str, **extra: str) -> dict[str, str]:
        """The environment a renacer process needs to use this endpoint (and nothing else)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_ACCESS_KEY_ID": self.key_id, "AWS_SECRET_ACCESS_KEY": self.secret,
            "AWS_ENDPOINT_URL": self.url, "AWS_REGION": "us-east-1",
            # never ask the EC2 metadata service (an address off this machine) for anything
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "RENACER_CACHE_DIR": str(cache_dir),
        })
        env.update(extra)
        return env

    def client(self):  # boto3 S3 client with the good key
        import boto3

        return boto3.client("s3", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id=self.key_id, aws_secret_access_key=self.secret)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    pytest.importorskip("moto.server", reason="moto[server] is a test dependency (pip install -e '.[test]')")
    boto3 = pytest.importorskip("boto3")
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/moto-api/data.json", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"moto server exited: {log.read_text()}")
                time.sleep(0.1)
        else:
            raise RuntimeError("moto server did not start")
        # The next 3 requests are free; everything after them must be signed with a real key.
        urllib.request.urlopen(urllib.request.Request(
            url + "/moto-api/reset-auth", data=b"3", method="POST",
            headers={"Content-Type": "text/plain"})).read()
        iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                           aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
        iam.create_user(UserName="renacer")
        iam.put_user_policy(UserName="renacer", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="renacer")["AccessKey"]
        yield S3Server(url, key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
