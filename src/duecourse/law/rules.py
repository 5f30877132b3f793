"""Ask the law whether a command is allowed now: every guard in force that speaks to it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from ..domain.case import CaseState
from ..domain.commands import Actor, Command
from ..domain.errors import RuleRefusal
from . import guards as _guards  # noqa: F401 - registers the guards
from .assignment import HandOverFacts
from .calendar import NO_CLOSURES, Closures
from .facility_rules import FacilityFacts
from .framework import GUARDS, Guard, GuardInput, guards_for


def all_guards() -> list[Guard]:
    return [g for gs in GUARDS.values() for g in gs]


def guard_ids() -> list[str]:
    return list(GUARDS)


def check_command(
    state: CaseState, command: Command, actor: Actor, at: datetime,
    role_of: Callable[[str], str | None], closures: Closures = NO_CLOSURES,
    related_barred: Mapping[str, str] | None = None,
    placement: FacilityFacts | None = None,
    released_elsewhere: Mapping[str, CaseState] | None = None,
    held_elsewhere: Mapping[str, CaseState] | None = None,
    handover: HandOverFacts | None = None,
) -> list[RuleRefusal]:
    """Every refusal of every guard in force on ``at`` that applies to this command."""
    g = GuardInput(state=state, command=command, actor=actor, at=at, role_of=role_of,
                   closures=closures, related_barred=related_barred or {}, placement=placement,
                   released_elsewhere=released_elsewhere or {},
                   held_elsewhere=held_elsewhere or {}, handover=handover)
    refusals: list[RuleRefusal] = []
    seen: set[tuple[str, str]] = set()
    speaking = guards_for(command.name)
    in_force = [guard for guard in speaking if guard.in_force_at(at)]
    # Fail closed (issue 15): a rule that speaks to this command but has no version in force on
    # its day refuses it. A server clock set back to 1990 must not switch the law off; a rule
    # of the software itself (ROLE, LIFECYCLE ...) has no effective date and is always in force.
    covered = {guard.id for guard in in_force}
    for guard in speaking:
        if guard.id not in covered:
            covered.add(guard.id)
            refusals.append(no_law_in_force(guard, at))
            seen.add((guard.id, refusals[-1].reason))
    for guard in in_force:
        r = guard.evaluate(g)
        if r is not None and (r.rule_id, r.reason) not in seen:
            seen.add((r.rule_id, r.reason))
            refusals.append(r)
    return refusals


def no_law_in_force(guard: Guard, at: datetime) -> RuleRefusal:
    """The refusal of a command dated when no version of ``guard`` was in force."""
    return RuleRefusal(guard.id, guard.citation,
                       f"no law in force on {at.date().isoformat()} for {guard.id} "
                       f"({guard.citation}): refused")


def guard_catalogue() -> list[dict[str, object]]:
    """Every guard as plain data, for ``duecourse law list`` and the oversight report: id,
    title, citation, confidence, the dates it is in force ("" for a rule of the software itself,
    always in force), the day it was last verified, its source and the commands it speaks to.
    Predicates of one id that share all of these are listed once."""
    out: list[dict[str, object]] = []
    seen: set[tuple[object, ...]] = set()
    for g in all_guards():
        row: dict[str, object] = {
            "id": g.id, "title": g.title, "citation": g.citation, "confidence": g.confidence,
            "effective_from": "" if g.timeless else g.effective_from.isoformat(),
            "effective_to": g.effective_to.isoformat() if g.effective_to else "",
            "verified": g.last_verified.isoformat(), "source": g.source,
        }
        key = tuple(row.values())
        if key in seen:
            continue
        seen.add(key)
        row["commands"] = sorted(g.commands)
        out.append(row)
    return out
