"""The house's rules hold: the import-linter contracts in pyproject.toml (docs/architecture.md),
and the runtime dependencies are what the product runs on."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"


def _project() -> dict[str, object]:
    with PYPROJECT.open("rb") as f:
        return dict(tomllib.load(f)["project"])


def _names(requirements: object) -> set[str]:
    assert isinstance(requirements, list)
    return {re.split(r"[\s\[<>=!~;]", str(r), maxsplit=1)[0].lower() for r in requirements}


def test_the_layering_contracts_hold() -> None:
    """`lint-imports` finds every contract kept (it prints the broken ones and their chains)."""
    assert lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True) == 0


def test_the_contracts_are_the_houses_rules() -> None:
    """The contracts are there and name what the house forbids (an empty list keeps nothing)."""
    with PYPROJECT.open("rb") as f:
        contracts = tomllib.load(f)["tool"]["importlinter"]["contracts"]
    sources = {m for c in contracts for m in c["source_modules"]}
    forbidden = {m for c in contracts for m in c["forbidden_modules"]}
    assert {"duecourse.domain", "duecourse.law", "duecourse.web", "duecourse.store",
            "duecourse.placement", "duecourse.identity", "duecourse.app"} <= sources
    assert {"duecourse.app", "duecourse.store", "duecourse.web", "duecourse.bootstrap",
            "duecourse.law", "sqlalchemy"} <= forbidden


def test_splink_and_duckdb_are_for_the_benchmark_only() -> None:
    """The product runs without Splink and DuckDB: only bench/linkage.py uses them."""
    project = _project()
    runtime = _names(project["dependencies"])
    assert not runtime & {"splink", "duckdb"}
    extras = project["optional-dependencies"]
    assert isinstance(extras, dict)
    assert {"splink", "duckdb"} <= _names(extras["bench"])
