"""bench/linkage.py without the bench extra: Splink and DuckDB are not the product's
dependencies, so the benchmark says how to install them instead of ending in a traceback."""

from __future__ import annotations

import sys
from types import ModuleType

import pytest
from bench_modules import load_bench


def _bench() -> ModuleType:
    return load_bench("linkage")


def test_without_splink_the_benchmark_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    bench = _bench()
    for name in ("splink", "duckdb"):  # as if neither were installed
        monkeypatch.setitem(sys.modules, name, None)
    assert bench.main(["--skip-febrl", "--records", "60", "--lookups", "1", "--json"]) == 2
    err = capsys.readouterr().err
    assert "splink and duckdb" in err
    assert "pip install -e '.[bench]'" in err and "--skip-splink" in err
