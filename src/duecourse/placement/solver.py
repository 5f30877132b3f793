"""The placement solver: OR-Tools min-cost flow for individuals, CP-SAT for family units.

Individuals are grouped into types of people who cost the same everywhere and may go to the same
facilities (same housing unit, medical need, length of stay, court, attorney, relatives and
current facility). The network is: source → type → (facility, housing unit) → facility → sink,
with beds on the unit arcs, the facility's capacity on its arcs to the sink split into three
segments priced by the utilisation penalty (convex, so the flow fills the cheap segment first).
Maximum flow at minimum cost places as many people as the hard constraints allow, at the least
cost; a min-cost flow with integer costs is solved to proven optimality, so its bound equals its
cost. Families must stay together, which a flow cannot express: each family unit is assigned
whole, by CP-SAT, to a family facility. The two parts share no facility (families go only to
family facilities, individuals never), so their optima add up.
"""

from __future__ import annotations

from collections import defaultdict
from time import perf_counter

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from .costs import Terms, load_breaks, person_terms, plan_cost
from .problem import UNITS, Detainee, Explanation, Facility, Plan, Problem, Unserved
from .rules import eligibility_key, eligible, first_blocking_rule, restrictions

_UNIT_INDEX = {u: i for i, u in enumerate(UNITS)}


def solve(problem: Problem, time_limit_s: float = 10.0) -> Plan:
    """Plan every person's bed. The plan is advice to the officer who approves it."""
    t0 = perf_counter()
    plan = Plan(solver="or-tools", assignments={})
    adults = [d for d in problem.detainees if d.kind == "adult"]
    families = [d for d in problem.detainees if d.kind == "family"]
    for d in problem.detainees:
        if d.kind == "uac":
            plan.referrals[d.id] = "ORR"
    flow_ok = _place_individuals(problem, adults, plan)
    fam_gap, fam_optimal = _place_families(problem, families, plan, time_limit_s)
    _group_unserved(plan)
    plan.cost = plan_cost(problem, plan)
    # The flow part is optimal; the family part is CP-SAT's, whose objective is exactly the family
    # facilities' share of plan_cost, so the proven bound is the cost less CP-SAT's own gap.
    plan.bound = plan.cost - fam_gap
    plan.status = "optimal" if flow_ok and fam_optimal else "feasible"
    if plan.unserved:
        plan.status = "infeasible"
    plan.seconds = perf_counter() - t0
    return plan


def _type_key(p: Problem, d: Detainee) -> tuple[object, ...]:
    return (eligibility_key(p, d), d.court, d.attorney, d.relatives, d.current, d.hearing_within_72h)


def _place_individuals(p: Problem, people: list[Detainee], plan: Plan) -> bool:
    if not people:
        return True
    groups: dict[tuple[object, ...], list[Detainee]] = defaultdict(list)
    for d in people:
        groups[_type_key(p, d)].append(d)
    types = list(groups.values())
    reps = [g[0] for g in types]
    facilities = list(p.facilities)
    nf = len(facilities)
    masks: dict[tuple[object, ...], np.ndarray] = {}
    for d in reps:
        key = eligibility_key(p, d)
        if key not in masks:
            ok = {f.code for f in eligible(p, d)}
            masks[key] = np.array([f.code in ok for f in facilities], dtype=bool)
    mask = np.vstack([masks[eligibility_key(p, d)] for d in reps])
    terms = Terms(p, reps, facilities)
    costs = terms.totals()
    t_idx, f_idx = np.nonzero(mask)
    nt = len(types)
    unit_of = np.array([_UNIT_INDEX[d.unit] for d in reps], dtype=np.int64)
    supply = np.array([len(g) for g in types], dtype=np.int64)
    nu = len(UNITS)
    unit_node = nt + f_idx * nu + unit_of[t_idx]
    fac_node0, sink = nt + nf * nu, nt + nf * nu + nf
    source = sink + 1
    m = min_cost_flow.SimpleMinCostFlow()
    m.add_arcs_with_capacity_and_unit_cost(np.full(nt, source), np.arange(nt), supply,
                                           np.zeros(nt, dtype=np.int64))
    first_arc = m.num_arcs()
    m.add_arcs_with_capacity_and_unit_cost(t_idx, unit_node, supply[t_idx], costs[t_idx, f_idx])
    _add_beds(p, m, facilities, nt, fac_node0, sink)
    total = int(supply.sum())
    m.set_node_supply(source, total)
    m.set_node_supply(sink, -total)
    status = m.solve_max_flow_with_min_cost()
    if status != m.OPTIMAL:
        for g in types:
            plan.unserved.append(_unserved_one(p, g[0], g))
        return False
    flows = m.flows(np.arange(first_arc, first_arc + len(t_idx)))
    top = np.iinfo(np.int64).max
    cheapest = np.where(mask, costs, top).min(axis=1, initial=top)
    arcs = np.nonzero(flows)[0]
    t_used, f_used = t_idx[arcs], f_idx[arcs]
    paid = terms.pairs(t_used, f_used)  # the terms of each used arc, from the one distance matrix
    for i, (t, f, n) in enumerate(zip(t_used.tolist(), f_used.tolist(), flows[arcs].tolist(),
                                      strict=True)):
        why = _explain(p, reps[t], facilities[f], bool(costs[t, f] > cheapest[t]),
                       {k: float(v[i]) for k, v in paid.items()})
        _seat(plan, types[t], facilities[f].code, n, why)
    for g in types:
        left = [d for d in g if d.id not in plan.assignments]
        if left:
            plan.unserved.append(_unserved_one(p, left[0], left))
    return True


def _add_beds(p: Problem, m: min_cost_flow.SimpleMinCostFlow, facilities: list[Facility],
              nt: int, fac_node0: int, sink: int) -> None:
    w, nu = p.weights, len(UNITS)
    for i, f in enumerate(facilities):
        for u, unit in enumerate(UNITS):
            beds = p.free_beds(f, unit)
            if beds > 0:
                m.add_arc_with_capacity_and_unit_cost(nt + i * nu + u, fac_node0 + i, beds, 0)
        occupied = f.capacity - p.free_capacity(f)
        b85, b95 = load_breaks(f.capacity)
        free = p.free_capacity(f)
        segments = ((max(0, b85 - occupied), 0),
                    (max(0, b95 - max(occupied, b85)), w.over_85_percent),
                    (max(0, f.capacity - max(occupied, b95)), w.over_95_percent))
        for cap, cost in segments:
            cap = min(cap, free)
            free -= cap
            if cap > 0:
                m.add_arc_with_capacity_and_unit_cost(fac_node0 + i, sink, cap, cost)


def _seat(plan: Plan, group: list[Detainee], code: str, n: int, why: Explanation) -> None:
    """Give ``n`` more people of one type (all alike) a bed at ``code``."""
    waiting = (d for d in group if d.id not in plan.assignments)
    for d, _ in zip(waiting, range(n), strict=False):
        plan.assignments[d.id] = code
        plan.explanations[d.id] = why


def _explain(p: Problem, d: Detainee, f: Facility, not_cheapest: bool,
             paid: dict[str, float] | None = None) -> Explanation:
    binding = list(restrictions(d, p.hold_limit_hours))
    if not_cheapest:
        binding.append("capacity: nearer lawful beds were full or better used by others")
    if d.current and f.code != d.current and d.current in p.closed:
        binding.append("CAP: the person's facility is closing; transfer required")
    if paid is None:
        paid = {k: float(v) for k, v in person_terms(p, d, f).items()}
    return Explanation(tuple(binding), paid)


def _unserved_one(p: Problem, d: Detainee, group: list[Detainee]) -> Unserved:
    rule = first_blocking_rule(p, d)
    ids = tuple(x.id for x in group)
    if rule is None:
        return Unserved("", "capacity", ids, "every facility that may lawfully hold these people "
                        "is full")
    return Unserved(rule.id, rule.constraint, ids, rule.reason)


def _group_unserved(plan: Plan) -> None:
    merged: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for u in plan.unserved:
        merged[(u.rule, u.constraint, u.message)].extend(u.detainee_ids)
    plan.unserved = [Unserved(r, c, tuple(ids), msg) for (r, c, msg), ids in merged.items()]


def _families(people: list[Detainee]) -> dict[str, list[Detainee]]:
    out: dict[str, list[Detainee]] = defaultdict(list)
    for d in people:
        out[d.family_id or d.id].append(d)
    return out


def _place_families(p: Problem, people: list[Detainee], plan: Plan,
                    time_limit_s: float) -> tuple[int, bool]:
    """Each family unit whole into one family facility (CP-SAT), with the family facilities'
    utilisation penalty. Returns (objective minus proven bound, proven optimal)."""
    if not people:
        return 0, True
    fams = _families(people)
    houses = [f for f in p.facilities if f.kind == "family" and p.free_beds(f, "family") > 0]
    model = cp_model.CpModel()
    x: dict[tuple[str, int], cp_model.IntVar] = {}
    cost: dict[tuple[str, int], int] = {}
    for fid, members in fams.items():
        ok = [j for j, f in enumerate(houses) if all(f in eligible(p, d, [f]) for d in members)]
        whole = Terms(p, members, houses).totals().sum(axis=0)  # the family's cost per house
        for j in ok:
            x[fid, j] = model.new_bool_var(f"x_{fid}_{j}")
            cost[fid, j] = int(whole[j])
        model.add_at_most_one(x[fid, j] for j in ok)
    penalty: list[cp_model.LinearExpr] = []
    for j, f in enumerate(houses):
        placed_here = sum(len(fams[fid]) * v for (fid, jj), v in x.items() if jj == j)
        model.add(placed_here <= min(p.free_beds(f, "family"), p.free_capacity(f)))
        penalty.append(_load_penalty_terms(model, p, f, placed_here))
    # Placing everyone comes first: one more person placed outweighs any cost it brings.
    unplaced_weight = (1 + max(cost.values(), default=0)
                       + p.weights.over_95_percent * len(people))
    placed_people = sum(len(fams[fid]) * v for (fid, _), v in x.items())
    objective: list[cp_model.LinearExprT] = [c * x[k] for k, c in cost.items()]
    objective += [*penalty, unplaced_weight * (len(people) - placed_people)]
    model.minimize(cp_model.LinearExpr.sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for members in fams.values():
            plan.unserved.append(_unserved_one(p, members[0], members))
        return 0, False
    for fid, members in fams.items():
        home = next((houses[j] for (k, j), v in x.items() if k == fid and solver.value(v)), None)
        if home is None:
            plan.unserved.append(_family_unserved(p, members))
            continue
        for d in members:
            plan.assignments[d.id] = home.code
            plan.explanations[d.id] = _explain(p, d, home, False)
    gap = round(solver.objective_value - solver.best_objective_bound)
    return max(0, gap), status == cp_model.OPTIMAL


def _load_penalty_terms(model: cp_model.CpModel, p: Problem, f: Facility,
                        placed_here: cp_model.LinearExprT) -> cp_model.LinearExpr:
    """costs.load_penalty as linear terms: w85·max(0, L−b85) + (w95−w85)·max(0, L−b95), which
    equals it because the penalty is convex (w95 ≥ w85)."""
    w = p.weights
    load = (f.capacity - p.free_capacity(f)) + placed_here
    b85, b95 = load_breaks(f.capacity)
    e85 = model.new_int_var(0, f.capacity, f"over85_{f.code}")
    e95 = model.new_int_var(0, f.capacity, f"over95_{f.code}")
    model.add(e85 >= load - b85)
    model.add(e95 >= load - b95)
    return w.over_85_percent * e85 + (w.over_95_percent - w.over_85_percent) * e95


def _family_unserved(p: Problem, members: list[Detainee]) -> Unserved:
    for d in members:
        rule = first_blocking_rule(p, d)
        if rule is not None:
            return Unserved(rule.id, rule.constraint, tuple(m.id for m in members), rule.reason)
    return Unserved("FAMILY", "family kept together", tuple(m.id for m in members),
                    "no family facility has room for the whole family (families are never split)")
