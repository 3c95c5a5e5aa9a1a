"""Fixtures of the analyzer tests: hand-built traces (tracebuilder.py, scenarios.py) on disk."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.analyze import scenarios
from tests.analyze.tracebuilder import TraceBuilder

SAMPLE_TRACES = Path(__file__).resolve().parents[2] / "sample_traces"


@pytest.fixture
def refusals_trace(tmp_path: Path) -> Path:
    b, _ = scenarios.refusals()
    return b.save(tmp_path / "refusals.parquet")


@pytest.fixture
def small_trace(tmp_path: Path) -> Path:
    b = TraceBuilder(pid=42)
    b.openat("/etc/hosts", 3)
    b.read(3, b"127.0.0.1 localhost\n", dur=2_000)
    b.close(3)
    b.openat("/missing", err="ENOENT")
    b.exit(0)
    return b.save(tmp_path / "small.parquet")
