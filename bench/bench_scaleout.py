"""Fleet analysis speed (issue 16): ``summary`` over N traces, N = 10 and 100.

  - DuckDB engine over an S3 endpoint on 127.0.0.1 (moto's server), end to end as a user runs it
    (``renacer-analyze summary 's3://bench/app/**/*.parquet'``): with an empty cache (every object
    downloaded) and with a warm cache (listing only);
  - Spark engine in local mode over the same traces in a local folder, end to end (a new JVM per
    run, as the CLI does) and with a warm session (load + query in one running Spark).

The traces are the project's real recordings (sample_traces/*.parquet) copied round-robin into a
hive layout host=hNNN/run=r/trace.parquet. Prints medians and the 100-vs-10 ratio of each.

    python bench/bench_scaleout.py [--runs 5] [--spark-runs 3] [--sizes 10,100]
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "sample_traces").glob("*.parquet"))
ANALYZE = [sys.executable, "-m", "renacer.analyze.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto() -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/moto-api/data.json", timeout=1).read()
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto server did not start")


def aws_env(url: str, cache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_ENDPOINT_URL": url,
                "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "RENACER_CACHE_DIR": cache})
    return env


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr[-2000:]}")
    return dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--spark-runs", type=int, default=3)
    ap.add_argument("--sizes", default="10,100")
    ap.add_argument("--no-spark", action="store_true")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="renacer-bench-"))
    proc, url = start_moto()
    results: dict[str, dict[int, float]] = {}
    try:
        import boto3

        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
        for n in sizes:
            bucket = f"bench{n}"
            s3.create_bucket(Bucket=bucket)
            folder = work / f"local{n}" / "app"
            total = 0
            for i in range(n):
                key = f"app/host=h{i:03d}/run=r/trace.parquet"
                target = folder / key[len("app/"):]
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(SAMPLES[i % len(SAMPLES)], target)
                total += target.stat().st_size
                s3.upload_file(str(target), bucket, key)
            print(f"N={n}: {n} traces, {total / 1e6:.1f} MB", flush=True)
            spec = f"s3://{bucket}/app/**/*.parquet"
            cold = []
            for r in range(args.runs):
                cache = str(work / f"cache{n}-{r}")
                cold.append(timed(ANALYZE + ["summary", spec, "--format", "csv"], aws_env(url, cache)))
            warm_cache = str(work / f"cache{n}-0")
            warm = [timed(ANALYZE + ["summary", spec, "--format", "csv"], aws_env(url, warm_cache))
                    for _ in range(args.runs)]
            local = [timed(ANALYZE + ["summary", str(folder), "--format", "csv"]) for _ in range(args.runs)]
            results.setdefault("duckdb s3, empty cache", {})[n] = statistics.median(cold)
            results.setdefault("duckdb s3, warm cache", {})[n] = statistics.median(warm)
            results.setdefault("duckdb local folder", {})[n] = statistics.median(local)
            print(f"  duckdb s3 empty cache {statistics.median(cold):.2f}s  warm cache "
                  f"{statistics.median(warm):.2f}s  local {statistics.median(local):.2f}s", flush=True)
            if args.no_spark:
                continue
            e2e = [timed(ANALYZE + ["summary", str(folder), "--format", "csv", "--engine", "spark",
                                    "--spark-master", "local[2]"]) for _ in range(args.spark_runs)]
            results.setdefault("spark local mode, end to end", {})[n] = statistics.median(e2e)
            print(f"  spark end to end {statistics.median(e2e):.2f}s", flush=True)
        if not args.no_spark:
            from renacer.analyze import spark as sp

            sp.base_session("local[2]")
            sp.load([str(work / f"local{sizes[0]}" / "app")], "local[2]").run("summary")  # JIT warm-up
            for n in sizes:
                runs = []
                for _ in range(args.runs):
                    t = time.perf_counter()
                    engine = sp.load([str(work / f"local{n}" / "app")], "local[2]")
                    engine.run("summary")
                    engine.close()
                    runs.append(time.perf_counter() - t)
                results.setdefault("spark local mode, warm session", {})[n] = statistics.median(runs)
                print(f"  N={n} spark warm session {statistics.median(runs):.2f}s", flush=True)
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    print()
    lo, hi = sizes[0], sizes[-1]
    print(f"{'summary, median of runs':34s} {'N=' + str(lo):>8s} {'N=' + str(hi):>8s} {'ratio':>7s}")
    for name, by_n in results.items():
        if lo in by_n and hi in by_n:
            print(f"{name:34s} {by_n[lo]:7.2f}s {by_n[hi]:7.2f}s {by_n[hi] / by_n[lo]:6.2f}x")
    base = results.get("duckdb s3, empty cache", {})
    for name in ("spark local mode, end to end", "spark local mode, warm session"):
        if name in results and hi in results[name] and hi in base:
            print(f"{name} / duckdb s3 empty cache at N={hi}: {results[name][hi] / base[hi]:.2f}x")


if __name__ == "__main__":
    main()
