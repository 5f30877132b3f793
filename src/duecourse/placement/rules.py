"""Which facilities may lawfully hold a person: the hard constraints, each with its LAW.md id.

The rules are applied in a fixed order so that, when nobody can take a person, the first rule
that leaves no facility is the one a report names. The solver and the greedy reference solver use
these rules; the plan checker (``checker.py``) re-derives them independently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..law import facility_rules as fr
from .problem import Detainee, Facility, Problem


@dataclass(frozen=True)
class Rule:
    id: str  # LAW.md id
    constraint: str
    reason: str  # why nobody could be found, for the report
    allows: Callable[[Problem, Detainee, Facility], bool]


# Each predicate is the law's own (``law/facility_rules.py``): the human ``place`` and
# ``transfer`` are judged by the same rules (``law/guards/facilities.py``).


def _kind(p: Problem, d: Detainee, f: Facility) -> bool:
    return fr.kind_allows(d.kind, d.age >= 18, f.kind)


def _unit(p: Problem, d: Detainee, f: Facility) -> bool:
    return f.beds(d.unit) > 0


def _medical(p: Problem, d: Detainee, f: Facility) -> bool:
    return fr.medical_allows(d.medical, f.medical)


def _hold_room(p: Problem, d: Detainee, f: Facility) -> bool:
    return fr.hold_room_allows(f.kind, d.expected_hours, p.hold_limit_hours)


def _over_72h(p: Problem, d: Detainee, f: Facility) -> bool:
    return fr.over_72h_allows(f.over_72h, d.expected_hours)


def _open(p: Problem, d: Detainee, f: Facility) -> bool:
    return f.code not in p.closed


def _near_hearing(p: Problem, d: Detainee, f: Facility) -> bool:
    """XFER: no transfer to another facility within 72 hours of a hearing without a recorded
    reason, unless the person's facility is closing (then the closure is the reason)."""
    return bool(d.transfer_reason) or not fr.needs_hearing_reason(
        d.current, f.code, d.hearing_within_72h, d.current in p.closed)


RULES: tuple[Rule, ...] = (
    Rule("SEP", "facility kind",
         "children are never placed in adult facilities and families only in family facilities",
         _kind),
    Rule("CLS-2", "housing unit",
         "no facility has a housing unit for this sex and classification (low A/B and high C/D "
         "are never housed together)", _unit),
    Rule("MED", "medical capability", "no facility can give the medical care this person needs",
         _medical),
    Rule("HOLD-12", "hold room limit", "hold rooms may hold a person at most the hold limit",
         _hold_room),
    Rule("CAP", "authorised over 72 hours",
         "only facilities authorised for stays over 72 hours may hold this person", _over_72h),
    Rule("CAP", "facility open", "every facility that could hold this person is closed", _open),
    Rule("XFER", "transfer near a hearing",
         "a transfer within 72 hours of a hearing needs a recorded reason",
         _near_hearing),
)


NO_FACILITY = Rule("CAP", "catalogue", "the facility catalogue is empty", lambda p, d, f: False)


def eligible(p: Problem, d: Detainee, facilities: Sequence[Facility] | None = None
             ) -> list[Facility]:
    """The facilities that may hold ``d`` under every rule (capacity aside)."""
    return [f for f in (p.facilities if facilities is None else facilities)
            if all(r.allows(p, d, f) for r in RULES)]


def eligibility_key(p: Problem, d: Detainee) -> tuple[object, ...]:
    """Everything the rules look at in a person: people with equal keys may go to the same
    facilities. (The current facility matters only when a near hearing locks the area.)"""
    locked = d.current if (d.current and d.hearing_within_72h and not d.transfer_reason) else ""
    return (d.kind, d.unit, d.medical, d.expected_hours <= p.hold_limit_hours,
            d.expected_hours <= 72, d.age >= 18, locked)


class EligibilityCache:
    """``eligible`` remembered per eligibility key: 70,000 people have a few hundred keys."""

    def __init__(self, p: Problem) -> None:
        self.p = p
        self._known: dict[tuple[object, ...], list[Facility]] = {}

    def __call__(self, d: Detainee) -> list[Facility]:
        key = eligibility_key(self.p, d)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = eligible(self.p, d)
        return found


def first_blocking_rule(p: Problem, d: Detainee) -> Rule | None:
    """The first rule, in order, after which no facility is left; None if some facility passes
    every rule (then only capacity stands in the way)."""
    left = list(p.facilities)
    if not left:
        return NO_FACILITY
    for r in RULES:
        left = [f for f in left if r.allows(p, d, f)]
        if not left:
            return r
    return None


def restrictions(d: Detainee, hold_limit_hours: int) -> tuple[str, ...]:
    """The constraints that narrowed this person's choice, in words, for explanations."""
    out = [f"SEP: {'family facilities only' if d.kind == 'family' else 'adult facilities only'}"]
    if d.kind != "family":
        band = "A/B" if d.unit.endswith("low") else "C/D"
        out.append(f"CLS-2: {'men' if d.sex == 'M' else 'women'}'s {band} units only")
    if d.medical != "none":
        out.append(f"MED: needs {d.medical} medical care")
    if d.expected_hours > hold_limit_hours:
        out.append(f"HOLD-12: stay of {d.expected_hours} h rules out hold rooms")
    if d.expected_hours > 72:
        out.append("CAP: stay over 72 h needs an authorised facility")
    if d.current and d.hearing_within_72h and not d.transfer_reason:
        out.append("XFER: hearing within 72 h; stays where they are")
    return tuple(out)
