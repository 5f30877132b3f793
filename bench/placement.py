"""Placement benchmark: the OR-Tools solver beside the greedy reference, on a real catalogue.

(a) a day's book-ins (default 2,000) into a standing population (default 70,000) that keeps its beds;
(b) a full re-plan of the standing population after the largest adult facility closes, with
    transfers priced so the plan moves as few people as it must.

For each: the solver's status, cost, proven bound and gap, seconds; the greedy baseline's cost and
its hard-constraint violations as found by the independent plan checker; the solver's violations
(must be none). Usage:

    python bench/placement.py [--facilities FILE] [--standing 70000] [--book-ins 2000] [--json]

``--facilities`` takes any facility list in the column format of the FY26 list.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import date
from time import perf_counter
from typing import Any

from duecourse.law.courts import load_courts
from duecourse.placement.catalogue import CatalogueError, court_location, load_catalogue
from duecourse.placement.checker import check_plan
from duecourse.placement.greedy import solve_greedy
from duecourse.placement.problem import Detainee, Facility, Location, Plan, Problem
from duecourse.placement.solver import solve
from duecourse.sim.detained import book_ins, standing_population


def _courts() -> list[Location]:
    out = []
    for c in load_courts().values():
        loc = court_location(c.code)
        if loc is not None and c.active:
            out.append(loc)
    return out


def _occupied(people: Sequence[Detainee]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter[str]] = {}
    for d in people:
        out.setdefault(d.current, Counter())[d.unit] += 1
    return {k: dict(v) for k, v in out.items()}


def _report(name: str, p: Problem, plan: Plan, best: Plan | None = None) -> dict[str, Any]:
    violations = check_plan(p, plan)
    by_rule = Counter(v.rule for v in violations)
    unserved = sum(len(u.detainee_ids) for u in plan.unserved)
    moved = sum(1 for d in p.detainees
                if d.current and plan.assignments.get(d.id, d.current) != d.current)
    proven = best is None  # the greedy plan has no bound of its own: compare with the optimum
    gap = plan.gap if proven else (plan.cost - best.cost) / max(1, best.cost)  # type: ignore[union-attr]
    return {"solver": name, "status": plan.status, "cost": plan.cost,
            "bound": plan.bound if proven else None,
            "gap_percent" if proven else "above_optimum_percent": round(100 * gap, 4),
            "seconds": round(plan.seconds, 3),
            "placed": len(plan.assignments), "referred_to_orr": len(plan.referrals),
            "unserved": unserved, "transfers": moved,
            "violations": sum(max(1, len(v.detainee_ids)) for v in violations),
            "violations_by_rule": dict(by_rule)}


def run(facilities: tuple[Facility, ...], standing_n: int, book_n: int, seed: int,
        time_limit: float) -> dict[str, Any]:
    courts = _courts()
    t0 = perf_counter()
    standing = standing_population(facilities, courts, standing_n, seed=seed)
    new = book_ins(courts, book_n, seed=seed + 1)
    made = perf_counter() - t0
    day = date(2026, 12, 2)
    a = Problem(day=day, facilities=facilities, detainees=tuple(new),
                occupied=_occupied(standing))
    largest = max((f for f in facilities if f.kind == "adult"), key=lambda f: f.capacity)
    b = Problem(day=day, facilities=facilities, detainees=tuple(standing),
                closed=frozenset({largest.code}))
    out: dict[str, Any] = {
        "facilities": len(facilities), "beds": sum(f.capacity for f in facilities),
        "standing": len(standing), "book_ins": len(new), "generated_in_s": round(made, 2),
        "closed_facility_capacity": largest.capacity,
        "people_in_closed_facility": sum(1 for d in standing if d.current == largest.code),
    }
    for label, problem in (("a_book_ins", a), ("b_replan", b)):
        sol = solve(problem, time_limit_s=time_limit)
        greedy = solve_greedy(problem)
        out[label] = {"or_tools": _report("or-tools", problem, sol),
                      "greedy": _report("greedy", problem, greedy, best=sol)}
        print(f"{label}: solver {out[label]['or_tools']}", file=sys.stderr)
        print(f"{label}: greedy {out[label]['greedy']}", file=sys.stderr)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["cpus"] = os.cpu_count()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--facilities", help="a facility list in the FY26 column format")
    ap.add_argument("--standing", type=int, default=70_000)
    ap.add_argument("--book-ins", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        facilities = load_catalogue(args.facilities)
    except (CatalogueError, OSError) as e:
        print(f"placement bench: {e}", file=sys.stderr)
        return 2
    result = run(facilities, args.standing, args.book_ins, args.seed, args.time_limit)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    _print_table(result)
    return 0


def _print_table(r: dict[str, Any]) -> None:
    print(f"catalogue: {r['facilities']} facilities, {r['beds']:,} beds; standing "
          f"{r['standing']:,}, book-ins {r['book_ins']:,}; closed facility held "
          f"{r['people_in_closed_facility']:,}")
    head = ("case", "solver", "status", "cost", "bound", "gap %", "s", "placed", "unserved",
            "transfers", "violations")
    print(" | ".join(head))
    for label in ("a_book_ins", "b_replan"):
        for key in ("or_tools", "greedy"):
            x = r[label][key]
            print(" | ".join(str(v) for v in (
                label, x["solver"], x["status"], f"{x['cost']:,}",
                f"{x['bound']:,}" if x["bound"] is not None else "-",
                x.get("gap_percent", f"+{x.get('above_optimum_percent')} vs optimum"),
                x["seconds"], x["placed"], x["unserved"], x["transfers"],
                f"{x['violations']} {x['violations_by_rule'] or ''}")))
    print(f"peak memory {r['peak_rss_mb']} MB")


if __name__ == "__main__":
    raise SystemExit(main())
