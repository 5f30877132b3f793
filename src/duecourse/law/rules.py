"""Ask the law whether a command is allowed now: every guard in force that speaks to it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from ..domain.case import CaseState
from ..domain.commands import Actor, Command
from ..domain.errors import RuleRefusal
from . import guards as _guards  # noqa: F401 - registers the guards
from .calendar import NO_CLOSURES, Closures
from .framework import GUARDS, Guard, GuardInput, guards_for


def all_guards() -> list[Guard]:
    return [g for gs in GUARDS.values() for g in gs]


def guard_ids() -> list[str]:
    return list(GUARDS)


def check_command(
    state: CaseState, command: Command, actor: Actor, at: datetime,
    role_of: Callable[[str], str | None], closures: Closures = NO_CLOSURES,
    related_barred: Mapping[str, str] | None = None,
) -> list[RuleRefusal]:
    """Every refusal of every guard in force on ``at`` that applies to this command."""
    g = GuardInput(state=state, command=command, actor=actor, at=at, role_of=role_of,
                   closures=closures, related_barred=related_barred or {})
    refusals: list[RuleRefusal] = []
    seen: set[tuple[str, str]] = set()
    on = at.date()
    for guard in guards_for(command.name):
        if guard.in_force(on):
            r = guard.evaluate(g)
            if r is not None and (r.rule_id, r.reason) not in seen:
                seen.add((r.rule_id, r.reason))
                refusals.append(r)
    return refusals
