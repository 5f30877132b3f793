"""Removal transport manifests: who may board which flight or bus, and who may not, and why.

Pure: the domain and the law only, no store. The plan is advice to a transport officer; it
issues no command. Each person on a manifest still has their removal scheduled
(``schedule_removal``) and recorded (``record_removal``) by a named officer through the one write
path, where the law is asked again.

**The removal checks are the law's guards.** Nothing here re-implements a rule. At planning time
every guard registered on ``schedule_removal`` is asked about ``ScheduleRemoval(destination,
depart_at, transport)`` for an officer (a role that may schedule a removal, ``law/guards/
authority.py``); at departure every guard registered on ``record_removal`` is asked about
``RecordRemoval(destination)`` for a transport officer. Today these are FINAL, STAY-AUTO,
STAY-JUD, PROT-CTRY, I205, USC, TRAVEL-DOC, MED, ROLE and LIFECYCLE. **ID-1** (identity confirmed
before removal) does not exist yet: once it is registered on these commands it applies here
automatically, with no change to this module — that is the hook (``guards_on_removal`` lists
what is asked).

Planning time and the departure window: the guards are asked at ``at`` (when the plan is made),
once with the transport's ``depart_at`` and once with its ``window_end``, so that a travel
document or a medical clearance must be valid on every day of the window. Someone any guard
refuses is ``Excluded`` with the refusing rule ids, citations and reasons (``kind="refused"``).

Grouping (deterministic, no solver): a person boards at the facility where they are held (their
``staging``) — moving them to another staging facility would be a transfer, a command with its own
rules (XFER), which a plan must not presume — and only a transport that serves their destination.
So the people fall into independent groups by staging facility (and, with capacity rules, where
each transport serves one destination, by destination too). Seats go in priority order:

1. earliest final order first (the removal period runs from it: INA 241(a)(1)(B));
2. then the longest in custody (since the last arrest);
3. then the case number, so that the same input always gives the same plan.

With ``CapacityRules`` each group gets ceil(n / seats) transports, the fewest that seat everyone
(at most ``max_per_group`` if given), filled in that order. With a list of ``Transport``s people are
seated one by one in priority order, each on the earliest-departing transport that serves their
destination from their staging facility, has a seat left and on which no guard refuses them —
or, if all of those are full, by moving someone already seated to another transport that person
may lawfully take (an augmenting path, as in bipartite matching). Nobody seated is ever unseated,
so nobody loses a seat to someone of lower priority, and the seats go to as many people as the
schedule can carry (the greedy algorithm on a transversal matroid: the set seated is as large as
possible, and among the largest the best by priority). People left without a seat are
``Excluded`` with ``kind="no_seat"``; people no transport of the schedule serves, with
``kind="no_transport"``. Neither is a refusal of the law, and neither carries a rule id.

OR-Tools is not used: with the staging facility fixed per person the problem splits into
small independent groups, the uniform-capacity case is solved exactly by ceil(n / seats), and the
schedule case by the matching above, which is exact for its objective and explains itself by the
stated priority; a MIP would add a solver, a time limit and a harder explanation without seating
anyone more.

Ground or air: a ground transport may serve only a contiguous country (``CONTIGUOUS``: Mexico and
Canada, reached overland at a port of entry); every other destination is by air. With
``CapacityRules``, a contiguous destination goes by ground and every other by air.

``check_departure`` asks the law again at the moment of departure (LAW.md STAY-JUD: the stay
registry is re-checked at boarding): whoever any guard now refuses — a stay granted since, a
citizenship claim, an appeal, a document expired, no removal scheduled — is taken off with the
rule ids.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

from ..domain.case import CaseState
from ..domain.commands import Actor, Command, RecordRemoval, ScheduleRemoval
from ..domain.errors import RuleRefusal
from ..law.framework import appeal_deadline
from ..law.rules import all_guards, check_command

Mode = Literal["air", "ground"]
ExclusionKind = Literal["refused", "no_seat", "no_transport", "no_record"]
CONTIGUOUS: frozenset[str] = frozenset({"MX", "CA"})
DEFAULT_AIR_SEATS = 135  # a narrow-body charter
DEFAULT_GROUND_SEATS = 45  # a coach

# Who the law is asked about: an officer schedules a removal, a transport officer records it.
PLANNER = Actor("transport-plan", "officer", "removal transport plan (advice)")
ESCORT = Actor("transport-departure", "transport", "departure check")
_FAR = datetime.max.replace(tzinfo=UTC)


def _no_roles(_actor_id: str) -> str | None:
    return None


def guards_on_removal() -> list[str]:
    """The ids of every guard asked about a removal (``schedule_removal``/``record_removal``):
    whatever is registered, ID-1 included once it exists."""
    out: list[str] = []
    for g in all_guards():
        if g.commands & {"schedule_removal", "record_removal"} and g.id not in out:
            out.append(g.id)
    return out


@dataclass(frozen=True)
class RemovalCandidate:
    """A person with a removal order, held at ``staging`` (their current facility), to be removed
    to ``destination`` (the scheduled removal's country, else the order's designated country)."""

    case_id: str
    person_id: str
    state: CaseState
    destination: str
    staging: str


@dataclass(frozen=True)
class Transport:
    """One flight or ground transport from a staging facility, departing within
    [``depart_at``, ``window_end``] to one or more destination countries."""

    id: str
    mode: Mode
    destinations: tuple[str, ...]
    seats: int
    staging: str
    depart_at: datetime
    window_end: datetime

    def __post_init__(self) -> None:
        if self.mode not in ("air", "ground"):
            raise ValueError(f"transport {self.id}: mode must be air or ground, not {self.mode!r}")
        if not self.destinations:
            raise ValueError(f"transport {self.id}: serves no destination")
        object.__setattr__(self, "destinations", tuple(d.strip().upper() for d in self.destinations))
        if self.mode == "ground" and not set(self.destinations) <= CONTIGUOUS:
            far = ", ".join(sorted(set(self.destinations) - CONTIGUOUS))
            raise ValueError(f"transport {self.id}: a ground transport reaches only a contiguous "
                             f"country ({', '.join(sorted(CONTIGUOUS))}), not {far}")
        if self.seats < 0:
            raise ValueError(f"transport {self.id}: seats must not be negative")
        if self.depart_at.tzinfo is None or self.window_end.tzinfo is None:
            raise ValueError(f"transport {self.id}: departure times must be timezone-aware (UTC)")
        if self.window_end < self.depart_at:
            raise ValueError(f"transport {self.id}: the window ends before the departure")


@dataclass(frozen=True)
class CapacityRules:
    """Transports made to measure: for each destination and staging facility, as many as needed
    (at most ``max_per_group``), all departing in one window."""

    depart_at: datetime
    window_end: datetime
    air_seats: int = DEFAULT_AIR_SEATS
    ground_seats: int = DEFAULT_GROUND_SEATS
    max_per_group: int | None = None

    def __post_init__(self) -> None:
        if self.air_seats < 1 or self.ground_seats < 1:
            raise ValueError("a transport needs at least one seat")
        if self.max_per_group is not None and self.max_per_group < 0:
            raise ValueError("max_per_group must not be negative")
        if self.depart_at.tzinfo is None or self.window_end.tzinfo is None:
            raise ValueError("departure times must be timezone-aware (UTC)")
        if self.window_end < self.depart_at:
            raise ValueError("the window ends before the departure")

    def mode_for(self, destination: str) -> Mode:
        return "ground" if destination in CONTIGUOUS else "air"

    def seats_for(self, mode: Mode) -> int:
        return self.ground_seats if mode == "ground" else self.air_seats


@dataclass(frozen=True)
class ManifestEntry:
    """A person seated on a transport, with what decided their place in the queue."""

    case_id: str
    person_id: str
    destination: str
    staging: str
    final_at: datetime | None
    in_custody_since: datetime | None


@dataclass(frozen=True)
class Manifest:
    transport: Transport
    people: tuple[ManifestEntry, ...]

    @property
    def seats_used(self) -> int:
        return len(self.people)


@dataclass(frozen=True)
class Excluded:
    """Someone not on a manifest, and why. For ``kind="refused"``: ``rule_ids`` names each
    refusing rule once; ``refusals`` gives every refusal (rule id, citation, reason) and
    ``reasons`` their sentences, in the same order. The other kinds carry no rule id."""

    case_id: str
    rule_ids: tuple[str, ...]
    reasons: tuple[str, ...]
    person_id: str = ""
    kind: ExclusionKind = "refused"
    refusals: tuple[RuleRefusal, ...] = field(default=())

    @classmethod
    def refused(cls, case_id: str, person_id: str, refusals: Iterable[RuleRefusal]) -> Excluded:
        rs = tuple(refusals)
        return cls(case_id, tuple(dict.fromkeys(r.rule_id for r in rs)),
                   tuple(r.reason for r in rs), person_id, "refused", rs)


# -- candidates ----------------------------------------------------------------------------------


def candidate_from_state(state: CaseState) -> RemovalCandidate | None:
    """A removal candidate from a case: an open case of a detained person with a removal order
    (or an alternate order of voluntary departure). None otherwise. The law decides the rest."""
    if state.status != "open" or state.custody != "detained" or not state.order_is_removal:
        return None
    assert state.order is not None
    scheduled = (state.removal_scheduled or {}).get("destination") or ""
    destination = str(scheduled or state.order.designated_country).strip().upper()
    return RemovalCandidate(state.case_id, state.person_id, state, destination, state.facility)


def priority(c: RemovalCandidate) -> tuple[datetime, datetime, str]:
    """Earliest final order, then longest in custody, then case number (see the module doc)."""
    return (_final_at(c.state) or _FAR, _in_custody_since(c.state) or _FAR, c.case_id)


def _final_at(s: CaseState) -> datetime | None:
    return s.final_at(appeal_deadline(s))


def _in_custody_since(s: CaseState) -> datetime | None:
    return s.last_arrest.at if s.last_arrest is not None else s.custody_since


def _entry(c: RemovalCandidate) -> ManifestEntry:
    return ManifestEntry(c.case_id, c.person_id, c.destination, c.staging, _final_at(c.state),
                         _in_custody_since(c.state))


# -- asking the law -----------------------------------------------------------------------------


def planning_refusals(
    c: RemovalCandidate, transport_id: str, depart_at: datetime, window_end: datetime,
    at: datetime, role_of: Callable[[str], str | None] = _no_roles, actor: Actor = PLANNER,
) -> list[RuleRefusal]:
    """Every refusal of scheduling this removal now, for a departure at either end of the
    window (a document must hold for the whole window)."""
    out: list[RuleRefusal] = []
    seen: set[tuple[str, str]] = set()
    for when in dict.fromkeys((depart_at, window_end)):
        cmd: Command = ScheduleRemoval(destination=c.destination, depart_at=when,
                                       transport=transport_id)
        for r in check_command(c.state, cmd, actor, at, role_of):
            if (r.rule_id, r.reason) not in seen:
                seen.add((r.rule_id, r.reason))
                out.append(r)
    return out


def departure_refusals(
    state: CaseState, destination: str, at: datetime,
    role_of: Callable[[str], str | None] = _no_roles, actor: Actor = ESCORT,
) -> list[RuleRefusal]:
    """Every refusal of recording this person's removal to ``destination`` at ``at``."""
    return check_command(state, RecordRemoval(destination=destination), actor, at, role_of)


# -- planning -----------------------------------------------------------------------------------


def plan_manifests(
    candidates: Iterable[RemovalCandidate], transports: Sequence[Transport] | CapacityRules,
    at: datetime, *, role_of: Callable[[str], str | None] = _no_roles, actor: Actor = PLANNER,
) -> tuple[list[Manifest], list[Excluded]]:
    """Seat everyone the law lets go on a transport to their destination; exclude the rest.

    Returns the manifests (in departure order, then transport id; none empty) and the excluded
    people (refused by a guard, or with no transport or no seat), in priority order."""
    if at.tzinfo is None:
        raise ValueError("the planning time must be timezone-aware (UTC)")
    people = sorted(_unique(candidates), key=priority)
    if isinstance(transports, CapacityRules):
        return _plan_to_measure(people, transports, at, role_of, actor)
    return _plan_on_schedule(people, list(transports), at, role_of, actor)


def _unique(candidates: Iterable[RemovalCandidate]) -> list[RemovalCandidate]:
    out: dict[str, RemovalCandidate] = {}
    for c in candidates:
        if c.case_id in out:
            raise ValueError(f"case {c.case_id} is a candidate twice")
        out[c.case_id] = replace(c, destination=c.destination.strip().upper())
    return list(out.values())


def _plan_to_measure(
    people: list[RemovalCandidate], rules: CapacityRules, at: datetime,
    role_of: Callable[[str], str | None], actor: Actor,
) -> tuple[list[Manifest], list[Excluded]]:
    excluded: list[Excluded] = []
    groups: dict[tuple[str, str], list[RemovalCandidate]] = defaultdict(list)
    for c in people:
        refusals = planning_refusals(c, "(to be assigned)", rules.depart_at, rules.window_end, at,
                                     role_of, actor)
        if refusals:
            excluded.append(Excluded.refused(c.case_id, c.person_id, refusals))
        else:
            groups[(c.destination, c.staging)].append(c)
    manifests: list[Manifest] = []
    for (dest, staging), members in sorted(groups.items()):
        mode = rules.mode_for(dest)
        seats = rules.seats_for(mode)
        n = math.ceil(len(members) / seats)
        if rules.max_per_group is not None:
            n = min(n, rules.max_per_group)
        for k in range(n):
            t = Transport(f"{mode.upper()}-{dest}-{staging or 'UNPLACED'}-{k + 1}", mode, (dest,),
                          seats, staging, rules.depart_at, rules.window_end)
            manifests.append(Manifest(t, tuple(_entry(c) for c in members[k * seats:(k + 1) * seats])))
        for c in members[n * seats:]:
            excluded.append(_no_seat(c, f"all {n} transport(s) to {dest} from "
                                        f"{staging or 'an unplaced custody'} are full"))
    manifests.sort(key=lambda m: (m.transport.depart_at, m.transport.id))
    return manifests, _in_priority_order(excluded, people)


def _plan_on_schedule(
    people: list[RemovalCandidate], transports: list[Transport], at: datetime,
    role_of: Callable[[str], str | None], actor: Actor,
) -> tuple[list[Manifest], list[Excluded]]:
    ids = [t.id for t in transports]
    if len(set(ids)) != len(ids):
        raise ValueError("two transports share an id")
    order = sorted(transports, key=lambda t: (t.depart_at, t.id))
    seated: dict[str, list[str]] = {t.id: [] for t in order}
    seats = {t.id: t.seats for t in order}
    options: dict[str, list[Transport]] = {}
    excluded: list[Excluded] = []
    for c in people:
        serving = [t for t in order if c.destination in t.destinations and t.staging == c.staging]
        if not serving:
            dest = c.destination or "an unnamed destination"
            excluded.append(Excluded(
                c.case_id, (), (f"no transport in this plan serves {dest} from "
                                f"{c.staging or 'an unplaced custody'}",),
                c.person_id, "no_transport"))
            continue
        lawful: list[Transport] = []
        refusals: list[RuleRefusal] = []
        for t in serving:
            rs = planning_refusals(c, t.id, t.depart_at, t.window_end, at, role_of, actor)
            if rs:
                refusals += [r for r in rs if r not in refusals]
            else:
                lawful.append(t)
        if not lawful:
            excluded.append(Excluded.refused(c.case_id, c.person_id, refusals))
            continue
        options[c.case_id] = lawful
        if not _seat(c.case_id, options, seats, seated, set()):
            excluded.append(_no_seat(c, "every transport on which the law lets this person go "
                                        "is full"))
    entry = {c.case_id: _entry(c) for c in people}
    rank = {c.case_id: i for i, c in enumerate(people)}
    manifests = [Manifest(t, tuple(entry[k] for k in sorted(seated[t.id], key=rank.__getitem__)))
                 for t in order if seated[t.id]]
    return manifests, excluded


def _seat(case_id: str, options: Mapping[str, list[Transport]], seats: Mapping[str, int],
          seated: dict[str, list[str]], visited: set[str]) -> bool:
    """Seat ``case_id`` on one of its lawful transports, earliest first, moving people already
    seated to another of *their* lawful transports if that makes room (an augmenting path, as in
    bipartite matching): nobody seated before is ever unseated."""
    for t in options[case_id]:
        if t.id in visited:
            continue
        visited.add(t.id)
        if len(seated[t.id]) < seats[t.id]:
            seated[t.id].append(case_id)
            return True
        for other in list(seated[t.id]):
            seated[t.id].remove(other)
            if _seat(other, options, seats, seated, visited):
                seated[t.id].append(case_id)
                return True
            seated[t.id].append(other)
    return False


def _no_seat(c: RemovalCandidate, why: str) -> Excluded:
    return Excluded(c.case_id, (), (f"no seat: {why}",), c.person_id, "no_seat")


def _in_priority_order(excluded: list[Excluded], people: list[RemovalCandidate]) -> list[Excluded]:
    rank = {c.case_id: i for i, c in enumerate(people)}
    return sorted(excluded, key=lambda e: rank[e.case_id])


# -- at departure -------------------------------------------------------------------------------


def check_departure(
    manifest: Manifest, states_now: Mapping[str, CaseState], at: datetime, *,
    role_of: Callable[[str], str | None] = _no_roles, actor: Actor = ESCORT,
) -> tuple[Manifest, list[Excluded]]:
    """Ask every guard on ``record_removal`` again, at ``at`` (the moment of boarding), for each
    person on the manifest; anyone refused is taken off with the rule ids. A case that cannot be
    read is taken off too (fail closed): nobody boards unchecked."""
    kept: list[ManifestEntry] = []
    taken_off: list[Excluded] = []
    for e in manifest.people:
        state = states_now.get(e.case_id)
        if state is None:
            taken_off.append(Excluded(e.case_id, (), ("the case could not be read at departure; "
                                                      "nobody boards unchecked",),
                                      e.person_id, "no_record"))
            continue
        refusals = departure_refusals(state, e.destination, at, role_of, actor)
        if refusals:
            taken_off.append(Excluded.refused(e.case_id, e.person_id, refusals))
        else:
            kept.append(e)
    return Manifest(manifest.transport, tuple(kept)), taken_off
