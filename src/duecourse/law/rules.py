"""Ask the law whether a command is allowed now: every guard in force that speaks to it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..domain.case import CaseState
from ..domain.commands import Actor, Command
from ..domain.errors import RuleRefusal
from . import guards as _guards  # noqa: F401 - registers the guards
from .framework import GUARDS, Guard, GuardInput


def all_guards() -> list[Guard]:
    return [g for gs in GUARDS.values() for g in gs]


_BY_COMMAND: dict[str, tuple[Guard, ...]] = {}
_INDEXED: list[tuple[tuple[str, int], ...]] = [()]


def _guards_for(command: str) -> tuple[Guard, ...]:
    """The guards that speak to ``command``, in registration order; the index is rebuilt when a
    guard is registered or removed (a case page asks for every command: 25 walks of every
    guard otherwise)."""
    registered = tuple((gid, len(gs)) for gid, gs in GUARDS.items())
    if registered != _INDEXED[0]:
        _BY_COMMAND.clear()
        _INDEXED[0] = registered
    found = _BY_COMMAND.get(command)
    if found is None:
        found = _BY_COMMAND[command] = tuple(g for g in all_guards() if command in g.commands)
    return found


def guard_ids() -> list[str]:
    return list(GUARDS)


def check_command(
    state: CaseState, command: Command, actor: Actor, at: datetime,
    role_of: Callable[[str], str | None],
) -> list[RuleRefusal]:
    """Every refusal of every guard in force on ``at`` that applies to this command."""
    g = GuardInput(state=state, command=command, actor=actor, at=at, role_of=role_of)
    refusals: list[RuleRefusal] = []
    seen: set[tuple[str, str]] = set()
    on = at.date()
    for guard in _guards_for(command.name):
        if guard.in_force(on):
            r = guard.evaluate(g)
            if r is not None and (r.rule_id, r.reason) not in seen:
                seen.add((r.rule_id, r.reason))
                refusals.append(r)
    return refusals
