"""Fixtures of the canned-query tests: each scenario of tests/analyze/scenarios.py on disk,
loaded once per test."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from renacer.analyze import engine as eng
from tests.analyze import scenarios


@pytest.fixture
def run_scenario(tmp_path: Path) -> Iterator[Callable[..., tuple[eng.Result, dict[str, dict[str, Any]]]]]:
    """run_scenario("refusals", "refused", **params) -> (result, the scenario's named rows)."""
    engines: list[eng.Engine] = []

    def run(scenario: str, query: str, **params: Any) -> tuple[eng.Result, dict[str, dict[str, Any]]]:
        builder, rows = getattr(scenarios, scenario)()
        path = builder.save(tmp_path / f"{scenario}.parquet")
        e = eng.load([str(path)])
        engines.append(e)
        return e.run(query, params), rows

    yield run
    for e in engines:
        e.close()
