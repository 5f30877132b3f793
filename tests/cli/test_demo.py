"""`duecourse demo`: synthetic cases through the lifecycle, unlawful attempts refused, a summary
that verifies (issue 2)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from duecourse.cli import app
from duecourse.sim.demo import plan_steps, simulate
from duecourse.sim.population import generate_population

KEYS = {"cases", "events", "refusals_by_rule", "deadlines", "invariant_violations", "ledger"}


def _demo(tmp_path: Path, name: str, *extra: str) -> dict[str, Any]:
    db = f"sqlite:///{tmp_path}/{name}.sqlite"
    res = CliRunner().invoke(app, ["demo", "--people", "40", "--days", "120", "--seed", "3",
                                   "--json", "--db", db, *extra])
    assert res.exit_code == 0, res.output
    summary: dict[str, Any] = json.loads(res.stdout)
    return summary


def test_demo_json_summary_is_lawful_and_verified(tmp_path: Path) -> None:
    s = _demo(tmp_path, "d")
    assert set(s) == KEYS
    assert s["invariant_violations"] == 0
    assert s["ledger"]["verified"] is True
    assert s["ledger"]["entries"] > s["cases"]["total"]
    # 40 simulated people, and 3 booked in during the last hours who still await a bed
    assert s["cases"]["total"] == 43
    assert sum(s["cases"]["custody"].values()) == 43
    assert s["cases"]["custody"]["detained"] >= 3
    refusals = s["refusals_by_rule"]
    assert refusals and {"STAY-AUTO", "USC"} <= set(refusals)
    assert s["deadlines"]["by_id"]["CUS-48"].get("missed", 0) >= 1
    assert s["deadlines"]["missed"] >= 1
    assert s["deadlines"]["open"] == s["deadlines"]["due"] + s["deadlines"]["overdue"]
    assert s["events"] > 0


def test_demo_same_seed_same_summary(tmp_path: Path) -> None:
    assert _demo(tmp_path, "a") == _demo(tmp_path, "b")


def test_demo_refuses_a_database_that_holds_cases(tmp_path: Path) -> None:
    _demo(tmp_path, "used")
    db = f"sqlite:///{tmp_path}/used.sqlite"
    res = CliRunner().invoke(app, ["demo", "--people", "5", "--days", "30", "--json", "--db", db])
    assert res.exit_code != 0
    assert "already holds" in str(res.exception)


def test_demo_tables(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/t.sqlite"
    res = CliRunner().invoke(app, ["demo", "--people", "12", "--days", "60", "--seed", "5",
                                   "--db", db, "--no-serve"])
    assert res.exit_code == 0, res.output
    for text in ("Cases by facet", "Deadlines", "invariant violations", "ledger"):
        assert text in res.stdout


@pytest.mark.parametrize("seed", [1, 8])
def test_every_lawful_step_accepted_and_every_attempt_refused(tmp_path: Path, seed: int) -> None:
    r = simulate(people=60, days=200, seed=seed, db_url=f"sqlite:///{tmp_path}/s.sqlite")
    assert r.surprises == []
    assert r.refused == sum(r.attempts.values())
    assert {"appeal_window_removal", "arrest_during_citizenship_review", "uac_adult_facility",
            "foreign_attorney", "oversight_write"} <= set(r.attempts)
    assert r.summary["invariant_violations"] == 0


def test_fresh_removes_the_previous_demo_database(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/f.sqlite"
    first = simulate(people=8, days=40, seed=2, db_url=db)
    again = simulate(people=8, days=40, seed=2, db_url=db, fresh=True)
    assert again.summary == first.summary


def test_population_is_synthetic_varied_and_reproducible() -> None:
    day = date(2026, 1, 5)
    people = generate_population(200, seed=4, as_of=day)
    assert people == generate_population(200, seed=4, as_of=day)
    assert people != generate_population(200, seed=5, as_of=day)
    nationalities = {p.nationality for p in people}
    assert len(nationalities) >= 10 and "MX" in nationalities
    assert any(not p.data.family_name.isascii() for p in people)  # names in their own scripts
    minors = [p for p in people if p.minor]
    assert minors and all((p.data.age_on(day) or 0) < 18 for p in minors)
    assert any(p.unaccompanied for p in minors)
    assert all((p.data.age_on(day) or 0) >= 18 for p in people if not p.minor)
    claimants = [p for p in people if p.claims_us_birth]
    assert claimants and not any(p.minor for p in claimants)
    assert not any(p.us_citizen for p in people if not p.claims_us_birth)


def test_plan_is_in_time_order_within_each_person() -> None:
    people = generate_population(30, seed=6, as_of=date(2026, 1, 5))
    steps, _ = plan_steps(people, seed=6, days=90)
    assert [s.at for s in steps] == sorted(s.at for s in steps)
    by_person: dict[int, list[int]] = {}
    for s in steps:
        by_person.setdefault(s.person, []).append(s.order)
    assert all(orders == sorted(orders) for orders in by_person.values())
    assert all(steps_[0] == 0 for steps_ in by_person.values())  # each path opens a case first


def test_entries_that_take_a_protection_away_are_confirmed_by_a_second_person() -> None:
    from duecourse.domain.case import removes_protection
    from duecourse.domain.commands import ConfirmEntry, command_to_dict
    from duecourse.domain.events import EVENT_OF_COMMAND
    from duecourse.sim.planner import staff_actors

    people = generate_population(120, seed=9, as_of=date(2026, 1, 5))
    steps, _ = plan_steps(people, seed=9, days=200)
    staff = staff_actors()
    by_person: dict[int, dict[int, Any]] = {}
    for s in steps:
        by_person.setdefault(s.person, {})[s.order] = s
    kinds: set[str] = set()
    for s in steps:
        role = staff[s.actor].role
        data = command_to_dict(s.command)
        if s.expect == "accepted" and removes_protection(EVENT_OF_COMMAND[s.command.name], data,
                                                         role):
            # Every such entry is followed by a confirmation naming it.
            confirms = [c for c in by_person[s.person].values() if c.confirms == s.order]
            assert len(confirms) == 1, (s.person, s.command)
            c = confirms[0]
            assert isinstance(c.command, ConfirmEntry) and c.at > s.at
            assert c.actor != s.actor and staff[c.actor].role in ("counsel", "supervisor")
            assert c.command.document_checked == data["reference"]
            kinds.add(s.command.name)
        if isinstance(s.command, ConfirmEntry):
            assert s.confirms in by_person[s.person]  # names an earlier step of that person
            assert by_person[s.person][s.confirms].order < s.order
    schedulers = {s.actor for s in steps if s.command.name == "schedule_removal"}
    confirmers = {s.actor for s in steps if isinstance(s.command, ConfirmEntry)}
    assert not schedulers & confirmers
    assert {"record_order", "decide_appeal", "lift_stay", "waive_appeal"} <= kinds


def test_a_served_demo_ends_in_the_week_before_now() -> None:
    from datetime import UTC, datetime, timedelta

    from duecourse.sim.demo import start_to_end_now

    now = datetime(2026, 12, 2, 5, 30, tzinfo=UTC)
    start = start_to_end_now(365, now)
    assert start.weekday() == 0 and start.hour == 0
    assert now - timedelta(days=7) < start + timedelta(days=365) <= now
