"""Hypothesis: whatever the catalogue and the people, the solver's plan breaks no hard constraint
(as judged by the independent checker), accounts for everyone, and never crashes; infeasible
inputs come back as reports naming the constraint and the people."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duecourse.placement.checker import check_plan
from duecourse.placement.greedy import solve_greedy
from duecourse.placement.problem import UNITS, Detainee, Facility, Location, Problem
from duecourse.placement.solver import solve

PLACES = [Location(40.73, -74.17), Location(29.76, -95.37), Location(39.74, -104.99),
          Location(25.76, -80.19)]


@st.composite
def facilities(draw: st.DrawFn) -> list[Facility]:
    out = []
    for i in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["adult", "adult", "family", "hold_room", "staging",
                                     "hospital"]))
        names = ["family"] if kind == "family" else [u for u in UNITS if u != "family"]
        units = {u: draw(st.integers(0, 4)) for u in names}
        cap = draw(st.integers(0, sum(units.values())))
        out.append(Facility(
            code=f"F{i}", name=f"F{i}", kind=kind, capacity=cap, units=units,
            over_72h=draw(st.booleans()),
            medical="hospital" if kind == "hospital" else draw(st.sampled_from(["none", "onsite"])),
            location=draw(st.sampled_from([*PLACES, None])), aor=draw(st.sampled_from("AB"))))
    return out


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    fs = draw(facilities())
    codes = [f.code for f in fs]
    people: list[Detainee] = []
    for i in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from(["adult"] * 6 + ["family", "uac"]))
        people.append(Detainee(
            id=f"p{i}", sex=draw(st.sampled_from("MF")), level=draw(st.sampled_from("ABCD")),
            age=draw(st.integers(1, 80)), kind=kind,
            family_id=draw(st.sampled_from(["f1", "f2"])) if kind == "family" else "",
            medical=draw(st.sampled_from(["none", "none", "onsite", "hospital"])),
            expected_hours=draw(st.sampled_from([6, 12, 48, 72, 100, 720])),
            court=draw(st.sampled_from([*PLACES, None])),
            relatives=draw(st.sampled_from([*PLACES, None])),
            current=draw(st.sampled_from(["", *codes, "GONE"])),
            hearing_within_72h=draw(st.booleans()),
            transfer_reason=draw(st.sampled_from(["", "medical"]))))
    occupied = {c: {u: draw(st.integers(0, 2)) for u in ("M-low", "family")}
                for c in draw(st.lists(st.sampled_from(codes), max_size=2, unique=True))} \
        if codes else {}
    closed = frozenset(draw(st.lists(st.sampled_from(codes), max_size=1))) if codes else frozenset()
    return Problem(day=date(2026, 12, 2), facilities=tuple(fs), detainees=tuple(people),
                   occupied=occupied, closed=closed, hold_limit_hours=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_solver_plans_break_no_hard_constraint(p: Problem) -> None:
    plan = solve(p, time_limit_s=5)
    assert check_plan(p, plan) == [], plan
    assert plan.bound <= plan.cost
    for report in plan.unserved:
        assert report.detainee_ids and report.constraint and report.message


@settings(max_examples=80, deadline=None)
@given(problems())
def test_the_greedy_baseline_only_ever_overfills(p: Problem) -> None:
    """The reference solver obeys every rule but capacity, which it breaks when it runs out."""
    rules = {v.rule for v in check_plan(p, solve_greedy(p))}
    assert rules <= {"CAPACITY"}


@settings(max_examples=80, deadline=None)
@given(problems())
def test_the_optimum_is_never_worse_than_greedy_when_both_place_everyone(p: Problem) -> None:
    best, greedy = solve(p, time_limit_s=5), solve_greedy(p)
    if not best.unserved and not greedy.unserved and not check_plan(p, greedy):
        assert best.cost <= greedy.cost
