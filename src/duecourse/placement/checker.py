"""The independent plan checker: does a plan break any hard constraint?

It shares no code with the solvers' rules (``rules.py``) on purpose: it re-reads the constraints
from the problem and counts beds itself, so a mistake in the rules or the solver cannot hide in
both. Property tests run every solver plan through it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from .problem import Detainee, Facility, Plan, Problem


@dataclass(frozen=True)
class Violation:
    rule: str
    facility: str
    detainee_ids: tuple[str, ...]
    message: str


def check_plan(problem: Problem, plan: Plan) -> list[Violation]:
    """Every hard-constraint violation in ``plan``; an empty list means the plan is lawful."""
    out: list[Violation] = []
    people = {d.id: d for d in problem.detainees}
    sites = {f.code: f for f in problem.facilities}
    out += _accounting(problem, plan, people, sites)
    for pid, code in plan.assignments.items():
        d, f = people.get(pid), sites.get(code)
        if d is None or f is None:
            continue
        out += [Violation(rule, code, (pid,), msg) for rule, msg in _person_at(problem, d, f)]
    out += _families_together(plan, people)
    out += _beds(problem, plan, people, sites)
    return out


def _accounting(problem: Problem, plan: Plan, people: dict[str, Detainee],
                sites: dict[str, Facility]) -> list[Violation]:
    out = []
    unknown = [pid for pid in plan.assignments if pid not in people]
    if unknown:
        out.append(Violation("PLAN", "", tuple(unknown), "placed people who are not in the problem"))
    nowhere = [pid for pid, code in plan.assignments.items() if code not in sites]
    if nowhere:
        out.append(Violation("PLAN", "", tuple(nowhere), "placed in a facility not in the catalogue"))
    reported = [pid for u in plan.unserved for pid in u.detainee_ids]
    twice = (set(plan.assignments) & set(reported)) | (set(plan.referrals) & set(plan.assignments))
    if twice:
        out.append(Violation("PLAN", "", tuple(sorted(twice)), "both placed and reported unserved"))
    missing = set(people) - set(plan.assignments) - set(reported) - set(plan.referrals)
    if missing:
        out.append(Violation("PLAN", "", tuple(sorted(missing)),
                             "neither placed, referred nor reported unserved"))
    return out


def _person_at(p: Problem, d: Detainee, f: Facility) -> list[tuple[str, str]]:
    bad: list[tuple[str, str]] = []
    if f.code in p.closed:
        bad.append(("CAP", "placed in a closed facility"))
    if d.kind == "uac":
        bad.append(("UAC-72", "an unaccompanied child goes to ORR, never to an ICE facility"))
    if d.kind == "family" and f.kind != "family":
        bad.append(("SEP", "a family member placed outside a family facility"))
    if d.kind == "adult" and f.kind in ("family", "juvenile"):
        bad.append(("SEP", "an individual adult placed in a family or juvenile facility"))
    if d.kind == "adult" and d.age < 18:
        bad.append(("SEP", "a child placed as an individual adult"))
    high = d.level in ("C", "D")
    wanted = "family" if d.kind == "family" else f"{d.sex}-{'high' if high else 'low'}"
    if f.units.get(wanted, 0) <= 0:
        bad.append(("CLS-2", f"the facility has no {wanted} housing unit"))
    needs = {"none": 0, "onsite": 1, "hospital": 2}
    if needs[f.medical] < needs[d.medical]:
        bad.append(("MED", f"needs {d.medical} care; the facility offers {f.medical}"))
    if f.kind == "hold_room" and d.expected_hours > p.hold_limit_hours:
        bad.append(("HOLD-12", f"{d.expected_hours} h in a hold room (limit {p.hold_limit_hours} h)"))
    if d.expected_hours > 72 and not f.over_72h:
        bad.append(("CAP", f"{d.expected_hours} h in a facility not authorised beyond 72 h"))
    if _moved_near_hearing(p, d, f):
        bad.append(("XFER", "moved out of the area within 72 h of a hearing without a reason"))
    return bad


def _moved_near_hearing(p: Problem, d: Detainee, f: Facility) -> bool:
    if not (d.current and d.hearing_within_72h) or d.transfer_reason or f.code == d.current:
        return False
    if d.current in p.closed:
        return False
    here = next((x for x in p.facilities if x.code == d.current), None)
    return here is not None and here.aor != f.aor


def _families_together(plan: Plan, people: dict[str, Detainee]) -> list[Violation]:
    homes: dict[str, set[str]] = defaultdict(set)
    members: dict[str, list[str]] = defaultdict(list)
    for d in people.values():
        if d.kind == "family" and d.family_id:
            members[d.family_id].append(d.id)
            if d.id in plan.assignments:
                homes[d.family_id].add(plan.assignments[d.id])
            else:
                homes[d.family_id].add("(not placed)")
    return [Violation("FAMILY", "", tuple(members[fid]), f"family split across {sorted(h)}")
            for fid, h in homes.items() if len(h) > 1]


def _beds(p: Problem, plan: Plan, people: dict[str, Detainee],
          sites: dict[str, Facility]) -> list[Violation]:
    """Beds over capacity where the plan puts someone (a facility already over capacity before
    the plan is not the plan's fault, but adding to it is)."""
    per_unit: Counter[tuple[str, str]] = Counter()
    per_site: Counter[str] = Counter()
    added: set[str] = set(plan.assignments.values())
    added_units: set[tuple[str, str]] = set()
    for code, units in p.occupied.items():
        for unit, n in units.items():
            per_unit[code, unit] += int(n)
            per_site[code] += int(n)
    for pid, code in plan.assignments.items():
        d = people.get(pid)
        if d is None:
            continue
        unit = "family" if d.kind == "family" else \
            f"{d.sex}-{'high' if d.level in ('C', 'D') else 'low'}"
        per_unit[code, unit] += 1
        per_site[code] += 1
        added_units.add((code, unit))
    out = []
    for (code, unit), n in sorted(per_unit.items()):
        f = sites.get(code)
        if f is not None and (code, unit) in added_units and n > f.units.get(unit, 0):
            out.append(Violation("CAPACITY", code, (),
                                 f"{n} people in {unit} beds of {f.units.get(unit, 0)}"))
    for code, n in sorted(per_site.items()):
        f = sites.get(code)
        if f is not None and code in added and n > f.capacity:
            out.append(Violation("CAPACITY", code, (), f"{n} people; capacity {f.capacity}"))
    return out
