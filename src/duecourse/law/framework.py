"""The guard framework: one guard per provision, each a pure predicate that cites its law.

A guard looks at the case's history (folded into ``CaseState``), the command, who gives it and
when, and either lets it pass (returns None) or refuses it with a sentence a person understands.
Guards fail closed: a guard that cannot be evaluated refuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache

from ..domain.case import CaseState
from ..domain.commands import Actor, Command
from ..domain.errors import RuleRefusal
from .assignment import HandOverFacts
from .calendar import BOARD_ZONE, NO_CLOSURES, Closures, end_of_day, local_day, next_business_day_if_needed
from .facility_rules import FacilityFacts
from .params import MissingParameter, param


@dataclass(frozen=True)
class GuardInput:
    """What a guard may look at. ``role_of`` tells the role of another named actor, if known."""

    state: CaseState
    command: Command
    actor: Actor
    at: datetime
    role_of: Callable[[str], str | None]
    closures: Closures = field(default=NO_CLOSURES)
    # Countries the same person is protected from in their other cases (country -> why).
    related_barred: Mapping[str, str] = field(default_factory=dict)
    # REVOKE: the same person's other cases in which they are released (case id -> its state):
    # a release after a final order there is revoked there, never sidestepped by a new case.
    released_elsewhere: Mapping[str, CaseState] = field(default_factory=dict)
    # The same person's other cases, whatever their custody (case id -> its state): where the
    # person was held at the command's time is judged from each one's custody history.
    held_elsewhere: Mapping[str, CaseState] = field(default_factory=dict)
    # place/transfer: the named facility in the catalogue, its occupancy, the person's current
    # facility and attorneys of record, as the handler found them (law/facility_rules.py).
    placement: FacilityFacts | None = None
    # hand_over_case: the receiving officer as the handler found them (law/assignment.py).
    handover: HandOverFacts | None = None

    @cached_property
    def appeal_deadline(self) -> datetime | None:
        return appeal_deadline(self.state, self.closures)

    def param(self, key: str) -> int:
        """The value of ``key`` in force on the command's day; a missing one raises
        ``MissingParameter``, which the guard turns into a refusal naming it (fail closed)."""
        value: int = param(key, self.at.date())
        return value


Check = Callable[[GuardInput], str | None]


@dataclass(frozen=True)
class Guard:
    id: str
    title: str
    citation: str
    protects: str
    confidence: str  # V checked against a public source, K general knowledge, C contested
    commands: frozenset[str]
    effective_from: date
    last_verified: date
    check: Check
    effective_to: date | None = None
    source: str = "LAW.md"

    @property
    def timeless(self) -> bool:
        """A rule of the software itself (ROLE, LIFECYCLE, REASON ...): no legal effective date,
        always in force (``effective_from`` is then recorded as ``date.min``)."""
        return self.effective_from == date.min and self.effective_to is None

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def in_force_at(self, at: datetime) -> bool:
        """In force at the instant ``at`` on the legal day of any place under U.S. law, from
        UTC-12 (Baker Island) to UTC+12 (Wake Island): near midnight the protective reading
        applies the rule on whichever of those days it is in force."""
        return any(self.in_force(day) for day in legal_days(at))

    def evaluate(self, g: GuardInput) -> RuleRefusal | None:
        try:
            reason = self.check(g)
        except MissingParameter as exc:  # fail closed, naming the parameter
            reason = f"{exc}; refused"
        except Exception as exc:  # fail closed: a guard that cannot decide refuses
            reason = f"this rule could not be evaluated ({type(exc).__name__}: {exc}); refused"
        return RuleRefusal(self.id, self.citation, reason) if reason else None


@lru_cache(maxsize=64)  # the same instant for every guard of a command
def legal_days(at: datetime) -> tuple[date, ...]:
    """The calendar days the instant ``at`` falls on somewhere under U.S. law, UTC-12 to UTC+12
    (Baker Island to Wake Island). A day before 1 January of year 1 or after 31 December 9999 is
    no calendar day: an instant at the edge of the calendar has only the days it can have (never
    an OverflowError: a command so dated is judged, or refused for want of law in force)."""
    days = []
    for hours in (-12, 0, 12):
        try:
            days.append((at + timedelta(hours=hours)).date())
        except OverflowError:
            continue
    return tuple(days)


GUARDS: dict[str, list[Guard]] = {}  # id -> guards with that id (several predicates may share one)
_BY_COMMAND: dict[str, tuple[Guard, ...]] = {}  # built as asked; emptied when GUARDS changes


def guards_for(command: str) -> tuple[Guard, ...]:
    """The guards that speak to ``command``, in registration order (a case page asks about every
    command: without this, every guard is looked at for each)."""
    found = _BY_COMMAND.get(command)
    if found is None:
        found = _BY_COMMAND[command] = tuple(
            g for gs in GUARDS.values() for g in gs if command in g.commands)
    return found


def unregister(id: str) -> None:
    """Remove the guard ``id`` (tests that stand a guard in for one not yet written)."""
    GUARDS.pop(id, None)
    _BY_COMMAND.clear()


def guard(
    id: str, *, title: str, citation: str, protects: str, confidence: str,
    commands: set[str] | frozenset[str], effective_from: str, verified: str, source: str,
    effective_to: str = "",
) -> Callable[[Check], Check]:
    """Register a pure predicate as (part of) the guard ``id``.

    ``verified`` is the day its citation was last checked and ``source`` where the rule comes
    from ("LAW.md B1", "duecourse ..."): both are required, so that the oversight report of what
    needs re-verification is true of every guard. ``effective_from`` is the day the law took
    effect; a rule of the software itself (``source`` starting with "duecourse") may give ""
    for no legal date: it is then always in force."""
    if not re.fullmatch(r"[VKC](/[VKC])*", confidence):
        raise ValueError(f"guard {id}: confidence must be V, K or C, not {confidence!r}")
    if not effective_from and not source.startswith("duecourse"):
        raise ValueError(f"guard {id}: only a rule of the software itself (source "
                         "'duecourse ...') may have no effective date")
    if not source.strip():
        raise ValueError(f"guard {id}: name its source")
    start = date.fromisoformat(effective_from) if effective_from else date.min
    end = date.fromisoformat(effective_to) if effective_to else None

    def register(check: Check) -> Check:
        _BY_COMMAND.clear()
        GUARDS.setdefault(id, []).append(Guard(
            id=id, title=title, citation=citation, protects=protects, confidence=confidence,
            commands=frozenset(commands), effective_from=start,
            last_verified=date.fromisoformat(verified), check=check, effective_to=end,
            source=source,
        ))
        return check

    return register


def appeal_deadline(state: CaseState, closures: Closures = NO_CLOSURES) -> datetime | None:
    """APP-30 (LEGAL-DAY): the decision's day is the day at its court (an oral decision's clock
    runs from the oral decision: Matter of Iskandarani, 29 I&N Dec. 26 (BIA 2025)); the Notice of
    Appeal must reach the Board by the 30th calendar day after it, moved to the next business day
    when that is a Saturday, Sunday, federal holiday or a day the Board was closed (8 CFR
    1003.38(b)-(c), 1003.3(g)(2)); the day ends where ``APP-30.filing_zones`` says."""
    o = state.order
    last = appeal_last_day(state, closures)
    if o is None or last is None:
        return None
    zones = {"board": BOARD_ZONE, "court": o.zone}
    return max(end_of_day(last, zones[z]) for z in param("APP-30.filing_zones", o.at.date()))


def appeal_last_day(state: CaseState, closures: Closures = NO_CLOSURES) -> date | None:
    """APP-30's last day: the 30th calendar day after the decision's day at its court, moved to
    the Board's next business day (None for an in-absentia order: no appeal lies)."""
    o = state.order
    if o is None or o.in_absentia:
        return None
    decided = local_day(o.at, o.zone)
    n = param("APP-30.calendar_days", decided)
    return next_business_day_if_needed(decided + timedelta(days=n), closures)
