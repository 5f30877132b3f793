"""The placement solver on small problems whose answers can be worked out by hand or by brute
force, and the reports it gives when it cannot place someone."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from duecourse.placement.checker import check_plan
from duecourse.placement.costs import plan_cost
from duecourse.placement.greedy import solve_greedy
from duecourse.placement.problem import Detainee, Facility, Location, Plan, Problem, Unserved
from duecourse.placement.solver import solve

NEWARK = Location(40.73, -74.17)
HOUSTON = Location(29.76, -95.37)
DENVER = Location(39.74, -104.99)


def site(code: str, at: Location, beds: dict[str, int], *, kind: str = "adult",
         over_72h: bool = True, medical: str = "none", aor: str = "") -> Facility:
    return Facility(code=code, name=f"Facility {code}", kind=kind,  # type: ignore[arg-type]
                    capacity=sum(beds.values()), units=beds, over_72h=over_72h,
                    medical=medical, location=at, aor=aor or code)  # type: ignore[arg-type]


def person(pid: str, **kw: object) -> Detainee:
    base: dict[str, object] = {"sex": "M", "level": "A", "age": 30, "court": NEWARK}
    base.update(kw)
    return Detainee(id=pid, **base)  # type: ignore[arg-type]


def problem(facilities: list[Facility], people: list[Detainee], **kw: object) -> Problem:
    return Problem(day=date(2026, 12, 2), facilities=tuple(facilities), detainees=tuple(people),
                   **kw)  # type: ignore[arg-type]


def test_each_person_goes_to_the_nearest_lawful_bed_and_says_why() -> None:
    p = problem([site("NJ", NEWARK, {"M-low": 1, "M-high": 5}), site("TX", HOUSTON, {"M-low": 5})],
                [person("a", level="A"), person("b", level="D"), person("c", level="B")])
    plan = solve(p)
    assert plan.status == "optimal" and plan.cost == plan.bound
    assert plan.assignments["b"] == "NJ"  # high classification: the only C/D unit
    assert sorted(plan.assignments[x] for x in ("a", "c")) == ["NJ", "TX"]  # one low bed in NJ
    assert check_plan(p, plan) == []
    moved = next(x for x in ("a", "c") if plan.assignments[x] == "TX")
    why = plan.explanations[moved]
    assert any(b.startswith("capacity") for b in why.binding)
    assert why.terms["court"] > 10 * 2000  # Newark to Houston, about 2,270 km, times 10


def brute_force(p: Problem) -> tuple[int, int]:
    """(most people placed, least cost among such plans) over every lawful plan, each plan
    judged by the checker: placing fewer people is lawful, so everyone left out is reported."""
    best: tuple[int, int] | None = None
    codes: list[str | None] = [f.code for f in p.facilities] + [None]
    for choice in itertools.product(codes, repeat=len(p.detainees)):
        placed = {d.id: c for d, c in zip(p.detainees, choice, strict=True) if c is not None}
        left = tuple(d.id for d in p.detainees if d.id not in placed)
        plan = Plan("brute", placed, unserved=[Unserved("", "left out", left, "")] if left else [])
        if not check_plan(p, plan):
            key = (-len(placed), plan_cost(p, plan))
            best = key if best is None else min(best, key)
    assert best is not None
    return -best[0], best[1]


@pytest.mark.parametrize("seed", range(8))
def test_the_solver_finds_the_brute_force_optimum(seed: int) -> None:
    import random

    rng = random.Random(seed)
    places = [NEWARK, HOUSTON, DENVER]
    facilities = [site(f"F{i}", places[i], {"M-low": rng.randint(1, 3), "M-high": rng.randint(0, 2),
                                            "F-low": rng.randint(0, 2)},
                       over_72h=rng.random() < 0.8) for i in range(3)]
    people = [person(f"p{i}", sex=rng.choice("MF"), level=rng.choice("AB"),
                     court=rng.choice(places), relatives=rng.choice([*places, None]),
                     expected_hours=rng.choice([48, 24 * 30]), current=rng.choice(["", "F0"]))
              for i in range(5)]
    p = problem(facilities, people)
    plan = solve(p)
    assert check_plan(p, plan) == []
    assert (len(plan.assignments), plan.cost) == brute_force(p)


def test_no_hospital_means_a_report_naming_med_and_the_people() -> None:
    p = problem([site("NJ", NEWARK, {"M-low": 5}, medical="onsite")],
                [person("a", medical="hospital"), person("b", medical="onsite")])
    plan = solve(p)
    assert plan.assignments == {"b": "NJ"}
    [report] = plan.unserved
    assert (report.rule, report.detainee_ids) == ("MED", ("a",))
    assert "medical" in report.message
    assert plan.status == "infeasible" and check_plan(p, plan) == []


def test_full_facilities_are_reported_as_capacity_with_everyone_left() -> None:
    p = problem([site("NJ", NEWARK, {"M-low": 2})], [person(x) for x in "abcd"])
    plan = solve(p)
    assert len(plan.assignments) == 2
    [report] = plan.unserved
    assert report.constraint == "capacity" and len(report.detainee_ids) == 2
    assert check_plan(p, plan) == []


def test_children_and_families() -> None:
    house = site("FAM", HOUSTON, {"family": 4}, kind="family")
    p = problem([site("NJ", NEWARK, {"M-low": 9, "F-low": 9}), house], [
        person("uac", kind="uac", age=15),
        person("kid", age=12),  # a child without a family unit is never put with adults
        person("m1", kind="family", family_id="f1", sex="F", age=34),
        person("m2", kind="family", family_id="f1", age=6),
        person("m3", kind="family", family_id="f1", sex="F", age=3),
        person("n1", kind="family", family_id="f2", age=40),
        person("n2", kind="family", family_id="f2", age=9),
    ])
    plan = solve(p)
    assert plan.referrals == {"uac": "ORR"}
    assert {plan.assignments.get(x) for x in ("m1", "m2", "m3")} == {"FAM"}
    placed_f2 = {plan.assignments.get(x) for x in ("n1", "n2")}
    assert placed_f2 == {None}  # 5 family members, 4 family beds: a family is never split
    reasons = {u.rule: u.detainee_ids for u in plan.unserved}
    assert reasons["SEP"] == ("kid",)
    assert set(reasons["FAMILY"]) == {"n1", "n2"}
    assert check_plan(p, plan) == []


def test_hold_rooms_and_the_72_hour_authorisation() -> None:
    p = problem([site("HOLD", NEWARK, {"M-low": 5}, kind="hold_room", over_72h=False),
                 site("JAIL", NEWARK, {"M-low": 5}, over_72h=False),
                 site("FAR", DENVER, {"M-low": 5})],
                [person("short", expected_hours=8), person("days", expected_hours=60),
                 person("weeks", expected_hours=24 * 20)])
    plan = solve(p)
    assert plan.assignments["short"] in {"HOLD", "JAIL"}
    assert plan.assignments["days"] == "JAIL"  # no hold room past 12 hours
    assert plan.assignments["weeks"] == "FAR"  # only authorised facilities beyond 72 hours
    assert "HOLD-12" in " ".join(plan.explanations["days"].binding)


def test_a_closure_moves_only_the_people_who_must_move() -> None:
    people = [person(f"s{i}", current="NJ" if i < 3 else "TX", court=HOUSTON) for i in range(6)]
    p = problem([site("NJ", NEWARK, {"M-low": 5}), site("TX", HOUSTON, {"M-low": 5}),
                 site("CO", DENVER, {"M-low": 5})], people, closed=frozenset({"NJ"}))
    plan = solve(p)
    moved = {d.id for d in people if plan.assignments[d.id] != d.current}
    assert moved == {"s0", "s1", "s2"}
    assert check_plan(p, plan) == []
    assert any("closing" in b for b in plan.explanations["s0"].binding)


def test_no_transfer_out_of_the_area_near_a_hearing_without_a_reason() -> None:
    p = problem([site("NJ", NEWARK, {"M-low": 1}, aor="NEW"),
                 site("NJ2", NEWARK, {"M-low": 1}, aor="NEW"),
                 site("TX", HOUSTON, {"M-low": 5}, aor="HOU")],
                [person("h", current="NJ", hearing_within_72h=True, court=HOUSTON),
                 person("r", current="NJ2", hearing_within_72h=True, court=HOUSTON,
                        transfer_reason="medical unit")])
    plan = solve(p)
    assert plan.assignments["h"] == "NJ"  # stays: a hearing is near and no reason is recorded
    assert plan.assignments["r"] == "NJ2"  # a reason permits, but moving still costs more
    assert check_plan(p, plan) == []


def test_the_checker_catches_what_a_careless_plan_does() -> None:
    p = problem([site("NJ", NEWARK, {"M-low": 1}, over_72h=False),
                 site("FAM", NEWARK, {"family": 2}, kind="family")],
                [person("a", level="D"), person("b"), person("c", kind="uac", age=12),
                 person("f1", kind="family", family_id="f", age=30),
                 person("f2", kind="family", family_id="f", age=5)])
    bad = Plan("careless", {"a": "NJ", "b": "NJ", "c": "NJ", "f1": "FAM", "f2": "NJ"})
    rules = {v.rule for v in check_plan(p, bad)}
    assert {"CLS-2", "CAP", "UAC-72", "SEP", "FAMILY", "CAPACITY"} <= rules


def test_greedy_is_never_cheaper_than_the_optimum_when_both_place_everyone() -> None:
    people = [person(f"p{i}", court=[NEWARK, HOUSTON, DENVER][i % 3]) for i in range(12)]
    p = problem([site("NJ", NEWARK, {"M-low": 4}), site("TX", HOUSTON, {"M-low": 4}),
                 site("CO", DENVER, {"M-low": 6})], people)
    best, greedy = solve(p), solve_greedy(p)
    assert not best.unserved and not greedy.unserved
    assert best.cost <= greedy.cost
