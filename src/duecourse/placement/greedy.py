"""The naive reference solver: first come, cheapest lawful bed with room, no look-ahead.

It is what a desk officer with a spreadsheet would do, kept beside the optimiser for comparison and
for tests. It obeys every hard constraint while it can; when no lawful bed with room is left for a
person it does what overcrowded systems do and puts them in the cheapest lawful facility anyway,
over capacity: the plan checker counts those as violations. A family is placed whole or overflows
whole.
"""

from __future__ import annotations

from collections import defaultdict
from time import perf_counter

import numpy as np

from .costs import Terms, plan_cost
from .problem import Detainee, Facility, Plan, Problem, Unserved
from .rules import EligibilityCache, first_blocking_rule


def solve_greedy(problem: Problem) -> Plan:
    t0 = perf_counter()
    p = problem
    plan = Plan(solver="greedy", assignments={})
    facilities = list(p.facilities)
    col = {f.code: i for i, f in enumerate(facilities)}
    unit_free = {(f.code, u): p.free_beds(f, u) for f in facilities for u in f.units}
    cap_free = {f.code: p.free_capacity(f) for f in facilities}
    people = [d for d in p.detainees if d.kind != "uac"]
    plan.referrals.update({d.id: "ORR" for d in p.detainees if d.kind == "uac"})
    terms = Terms(p, people, facilities)
    row = {d.id: i for i, d in enumerate(people)}
    lawful_for = EligibilityCache(p)
    columns: dict[tuple[str, ...], np.ndarray] = {}  # lawful facilities -> their columns
    for group in _arrival_groups(people):
        lawful = [f for f in lawful_for(group[0]) if all(f in lawful_for(d) for d in group[1:])]
        if not lawful:
            rule = first_blocking_rule(p, group[0])
            plan.unserved.append(Unserved(rule.id if rule else "", rule.constraint if rule else
                                          "capacity", tuple(d.id for d in group),
                                          rule.reason if rule else "no lawful facility"))
            continue
        cost = terms.totals(np.array([row[d.id] for d in group])).sum(axis=0)
        key = tuple(f.code for f in lawful)
        idx = columns.get(key)
        if idx is None:
            idx = columns[key] = np.array([col[c] for c in key])
        by_cost = (facilities[i] for i in idx[np.argsort(cost[idx], kind="stable")])
        cheapest = facilities[idx[np.argmin(cost[idx])]]
        home = next((f for f in by_cost if _fits(f, group, unit_free, cap_free)), cheapest)
        for d in group:
            plan.assignments[d.id] = home.code
            unit_free[home.code, d.unit] = unit_free.get((home.code, d.unit), 0) - 1
            cap_free[home.code] -= 1
    plan.cost = plan_cost(p, plan)
    plan.bound = 0
    plan.status = "feasible" if not plan.unserved else "infeasible"
    plan.seconds = perf_counter() - t0
    return plan


def _arrival_groups(people: list[Detainee]) -> list[list[Detainee]]:
    """People in input order; a family's members together at its first member's place."""
    families: dict[str, list[Detainee]] = defaultdict(list)
    order: list[list[Detainee]] = []
    for d in people:
        if d.kind == "family":
            key = d.family_id or d.id
            if key not in families:
                order.append(families[key])
            families[key].append(d)
        else:
            order.append([d])
    return order


def _fits(f: Facility, group: list[Detainee], unit_free: dict[tuple[str, str], int],
          cap_free: dict[str, int]) -> bool:
    need: dict[str, int] = defaultdict(int)
    for d in group:
        need[d.unit] += 1
    return cap_free[f.code] >= len(group) and all(
        unit_free.get((f.code, u), 0) >= n for u, n in need.items())
