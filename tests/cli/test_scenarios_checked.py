"""Every packaged scenario, run through the real handlers, leaves a history in which the
independent checker finds nothing: the guards refused every unlawful step the scenarios try, and
the checker — sharing no code with them — agrees with what they accepted."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import duecourse.bootstrap as bootstrap
from duecourse.app.invariants import check_store
from duecourse.app.scenarios import run_scenario

SCENARIOS = sorted(Path(str(resources.files("duecourse.law") / "scenarios")).glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_the_checker_finds_nothing_in_a_scenario(path: Path) -> None:
    built: list[Any] = []

    def keep() -> Any:
        app = bootstrap.build_app("sqlite://", seed=0)
        built.append(app)
        return app

    result = run_scenario(str(path), keep)
    assert result.passed, [s.text for s in result.steps if not s.ok] or result.error
    assert built, "the scenario built no application"
    for app in built:
        assert check_store(app.ctx.engine) == []
