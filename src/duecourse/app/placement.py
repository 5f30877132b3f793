"""The day's detention placement, read from the store: who needs a bed, where the planner advises
each to go, and who needs a person's decision instead.

``build_placement_problem`` reads every open case in custody (``arrested`` or ``detained``) and
describes each person to the planner (``placement/problem.py``). People already in a facility of
the catalogue are the standing population: their beds are counted (by facility and housing unit),
they are not planned again unless their facility is closed. Everyone the planner cannot describe
lawfully goes to ``needs_a_person`` with the rule and the reason, never silently dropped.
``get_placement_plan`` then runs the solver and adds the facility board.

The plan is advice. Nothing here gives a command: a named detention officer places each person
with the ``place`` command, which goes through the one write path (handler, law, ledger).

The plan names people, so reading it is a read of personal data: it passes
``access_placement_plan`` and is written to the ledger with the reader, their role and purpose.
The facility board alone (``get_facility_board``) shows only numbers of beds and people.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Connection, select

from ..domain.case import CaseState, fold
from ..domain.commands import Actor
from ..domain.events import Event
from ..law.params import param
from ..placement.catalogue import court_location, normalise_name
from ..placement.problem import UNITS, Detainee, Facility, Level, Plan, Problem, Sex
from ..store.event_reader import histories
from ..store.tables import cases, persons
from . import ledger as L
from .access import AccessDenied, access_facility_board, access_placement_plan
from .catalogue import get_catalogue
from .context import AppContext
from .reads import refused_read

CUSTODY = ("arrested", "detained")
# How long a bed is needed: the domain records no expected length of detention, so every person
# is planned for 30 days (a stay over 72 hours: an authorised facility, never a hold room).
EXPECTED_HOURS = 24 * 30
HEARING_WINDOW = timedelta(hours=72)
LEVELS = ("A", "B", "C", "D")
# The planner's kind of facility -> the ``facility_type`` of the ``place`` command.
FACILITY_TYPE = {"adult": "adult", "staging": "adult", "hold_room": "hold_room",
                 "hospital": "hospital", "family": "family", "juvenile": "juvenile"}


@dataclass(frozen=True)
class Reason:
    """Why the planner cannot place someone: the rule (a LAW.md id, or "" when no rule is at
    stake, only missing data) and a sentence for the officer."""

    rule: str
    reason: str


@dataclass(frozen=True)
class NeedsPerson:
    """A person in custody whom the planner cannot place: a person decides."""

    case_id: str
    person_id: str
    person_name: str
    reasons: tuple[Reason, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "person_id": self.person_id,
                "person_name": self.person_name,
                "reasons": [{"rule": r.rule, "reason": r.reason} for r in self.reasons]}


@dataclass(frozen=True)
class Planned:
    """Who a detainee of the problem is (the problem knows them by case id only)."""

    case_id: str
    person_id: str
    person_name: str
    version: int  # the case's version when read: the place form sends it (412 if it moved on)
    classification: str  # as recorded on the case ("" for a child referred to ORR)
    current: str  # the facility they are in now ("" for a book-in)


@dataclass(frozen=True)
class FacilityLoad:
    """One facility on the board: its beds by housing unit, the people in them now, and the
    people the plan would add."""

    facility: Facility
    occupied: Mapping[str, int]
    planned: Mapping[str, int]
    unrecorded: int = 0  # people there whose housing unit is not recorded (see NeedsPerson)
    closed: bool = False

    @property
    def occupied_total(self) -> int:
        return sum(self.occupied.values()) + self.unrecorded

    @property
    def planned_total(self) -> int:
        return sum(self.planned.values())

    @property
    def free(self) -> int:
        return max(0, self.facility.capacity - self.occupied_total - self.planned_total)

    @property
    def utilisation(self) -> int:
        """People after the plan, in whole per cent of capacity (rounded up: 85.1 % is 86)."""
        load, cap = self.occupied_total + self.planned_total, self.facility.capacity
        if cap <= 0:
            return 0 if load == 0 else 999
        return -(-100 * load // cap)

    @property
    def load(self) -> str:
        """The utilisation in words (the board shows words, never colour alone). The bands are
        those of the planner's balance penalty (85 % and 95 %)."""
        if self.closed:
            return "closed"
        u = self.utilisation
        if u > 100:
            return "over capacity"
        if u > 95:
            return "full"
        if u > 85:
            return "busy"
        return "room"

    def as_dict(self) -> dict[str, Any]:
        f = self.facility
        return {"code": f.code, "name": f.name, "kind": f.kind, "capacity": f.capacity,
                "capacity_basis": f.capacity_basis, "over_72h": f.over_72h, "medical": f.medical,
                "aor": f.aor, "beds": {u: f.beds(u) for u in UNITS},
                "occupied": {u: int(self.occupied.get(u, 0)) for u in UNITS},
                "occupied_unrecorded": self.unrecorded,
                "planned": {u: int(self.planned.get(u, 0)) for u in UNITS},
                "occupied_total": self.occupied_total, "planned_total": self.planned_total,
                "free": self.free, "utilisation": self.utilisation, "load": self.load}


@dataclass(frozen=True)
class FacilityBoard:
    """The catalogue with its occupancy now: numbers only."""

    facilities: list[FacilityLoad]
    standing: int  # people in a facility of the catalogue
    elsewhere: int  # people in custody in a facility the catalogue does not list


@dataclass
class PlacementProblem:
    """What ``build_placement_problem`` read: the problem, who its detainees are, and the rest."""

    problem: Problem
    needs: list[NeedsPerson]
    people: dict[str, Planned]
    board: FacilityBoard
    catalogue: tuple[Facility, ...]


@dataclass
class PlacementPlan:
    """The day's plan (advice), with the people it names, those who need a person's decision,
    and the facility board with the plan's beds."""

    day: date
    problem: Problem
    plan: Plan
    people: dict[str, Planned]
    needs: list[NeedsPerson]
    board: list[FacilityLoad]
    standing: int
    elsewhere: int
    names: dict[str, str] = field(default_factory=dict)  # facility code -> name

    @property
    def unserved_count(self) -> int:
        return sum(len(u.detainee_ids) for u in self.plan.unserved)

    def summary(self) -> dict[str, Any]:
        p = self.plan
        return {"people": len(self.problem.detainees), "placed": len(p.assignments),
                "referred": len(p.referrals), "unserved": self.unserved_count,
                "needs_a_person": len(self.needs), "standing": self.standing,
                "elsewhere": self.elsewhere, "status": p.status, "solver": p.solver,
                "cost": p.cost, "bound": p.bound, "seconds": round(p.seconds, 3)}

    def placements(self) -> list[dict[str, Any]]:
        """Each planned placement, in the order of the facility's name and the person's."""
        out = []
        by_id = {d.id: d for d in self.problem.detainees}
        kinds = {f.code: f.kind for f in self.problem.facilities}
        for cid, code in self.plan.assignments.items():
            who, d = self.people[cid], by_id[cid]
            why = self.plan.explanations.get(cid)
            out.append({"case_id": cid, "person_id": who.person_id,
                        "person_name": who.person_name, "facility": code,
                        "facility_name": self.names.get(code, code),
                        "facility_type": FACILITY_TYPE.get(kinds[code], "adult"), "unit": d.unit,
                        "classification": who.classification, "current": who.current,
                        "version": who.version,
                        "binding": list(why.binding) if why else [],
                        "terms": dict(why.terms) if why else {}})
        return sorted(out, key=lambda x: (x["facility_name"], x["person_name"], x["case_id"]))

    def referrals(self) -> list[dict[str, Any]]:
        return [{"case_id": cid, "person_id": self.people[cid].person_id,
                 "person_name": self.people[cid].person_name, "to": to, "rule": "UAC-72"}
                for cid, to in sorted(self.plan.referrals.items())]

    def unserved(self) -> list[dict[str, Any]]:
        return [{"rule": u.rule, "constraint": u.constraint, "message": u.message,
                 "people": [{"case_id": cid, "person_id": self.people[cid].person_id,
                             "person_name": self.people[cid].person_name}
                            for cid in u.detainee_ids]}
                for u in self.plan.unserved]

    def as_dict(self) -> dict[str, Any]:
        """The plan as the API and ``duecourse place --json`` give it."""
        return {"day": self.day.isoformat(), "summary": self.summary(),
                "facilities": [f.as_dict() for f in self.board],
                "placements": self.placements(), "referrals": self.referrals(),
                "unserved": self.unserved(),
                "needs_a_person": [n.as_dict() for n in self.needs]}


# ------------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class _Custody:
    """One open case in custody, as read: its row, its person and its folded events."""

    case_id: str
    person_id: str
    name: str
    sex: str
    birth_date: date | None
    state: CaseState
    facility: str  # where the person is now ("" if not placed since the last arrest)
    court: str  # the immigration court of the latest hearing or of the NTA


# The events that say what the planner asks (classification, facility, minor, hearings, court):
# only these are read and folded, which keeps the read of a national population to one pass.
_PLANNING_EVENTS = ("arrest_recorded", "released", "classified", "placed", "transferred",
                    "transferred_to_orr",
                    "removal_recorded", "minor_flagged", "nta_issued", "hearing_scheduled")


def _read_custody(conn: Connection) -> list[_Custody]:
    """Every open case whose custody is arrested or detained, with its planning events folded
    (``CaseState`` of those events: the fields the planner reads are those they set)."""
    open_in_custody = (cases.c.status == "open") & cases.c.custody.in_(CUSTODY)
    rows = conn.execute(
        select(cases.c.id, cases.c.person_id, cases.c.version, persons.c.family_name,
               persons.c.given_name, persons.c.sex, persons.c.birth_date)
        .join(persons, persons.c.id == cases.c.person_id)
        .where(open_in_custody).order_by(cases.c.id)).all()
    evs: dict[str, list[Event]] = {}
    for h in histories(conn, kinds=_PLANNING_EVENTS, cases_where=open_in_custody):
        if h.damage:
            raise ValueError(f"case {h.case_id}: {h.damage}")
        evs[h.case_id] = h.events
    out = []
    for r in rows:
        history = evs.get(r.id, [])
        state = fold(r.id, history)
        state.version = r.version  # the case's version, not that of its last planning event
        out.append(_Custody(r.id, r.person_id, f"{r.family_name}, {r.given_name}",
                            (r.sex or "").strip().upper(), r.birth_date, state,
                            _facility_now(history), _court(history)))
    return out


def _facility_now(history: Iterable[Event]) -> str:
    """The facility the person is in now: the last placement or transfer since the last arrest
    (a case keeps the facility of an earlier detention after a release)."""
    here = ""
    for e in history:
        if e.kind in ("placed", "transferred"):
            here = str(e.data.get("facility", ""))
        elif e.kind in ("arrest_recorded", "released", "transferred_to_orr", "removal_recorded"):
            here = ""
    return here


def _court(history: Sequence[Event]) -> str:
    for e in reversed(history):
        if e.kind in ("hearing_scheduled", "nta_issued") and e.data.get("court"):
            return str(e.data["court"])
    return ""


class _Sites:
    """Facilities of the catalogue by code, and by name where a case names one that way."""

    def __init__(self, catalogue: Sequence[Facility]) -> None:
        self.by_code = {f.code.strip().upper(): f for f in catalogue}
        names: dict[str, list[Facility]] = defaultdict(list)
        for f in catalogue:
            names[normalise_name(f.name)].append(f)
        self.by_name = {n: fs[0] for n, fs in names.items() if len(fs) == 1}

    def find(self, facility: str) -> Facility | None:
        key = facility.strip()
        if not key:
            return None
        return self.by_code.get(key.upper()) or self.by_name.get(normalise_name(key))


def _age(birth: date | None, day: date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _hearing_soon(state: CaseState, day: date) -> bool:
    start = datetime.combine(day, time(0, 0), tzinfo=UTC)
    return any(start <= h < start + HEARING_WINDOW for h in state.hearings)


def _unit(sex: str, classification: str, facility_type: str) -> str | None:
    """The housing unit a person in a facility occupies, or None if it is not recorded."""
    if facility_type == "family":
        return "family"
    if sex not in ("M", "F") or classification not in LEVELS:
        return None
    return f"{sex}-{'low' if classification in ('A', 'B') else 'high'}"


def _describe(c: _Custody, day: date) -> list[Reason]:
    """Why the planner cannot place this person (empty: it can)."""
    out: list[Reason] = []
    if c.sex not in ("M", "F"):
        out.append(Reason("SEP", "sex is not recorded as M or F: men and women are housed "
                                 "apart, so a detention officer chooses the housing with the "
                                 "person"))
    if c.state.classification not in LEVELS:
        out.append(Reason("CLS-1", "not yet classified: classify before general-population "
                                   "housing (the classify command, or with the place "
                                   "command)"))
    age = _age(c.birth_date, day)
    if age is None:
        out.append(Reason("SEP", "no birth date is recorded and the person is not flagged as a "
                                 "minor: confirm that they are an adult before adult housing"))
    elif age < 18:
        out.append(Reason("SEP", f"under 18 on {day:%Y-%m-%d} by the recorded birth date but not "
                                 "flagged as a minor: record flag_minor (and notify HHS) first; "
                                 "a child is never placed with unrelated adults"))
    return out


def _collect(rows: Sequence[_Custody], catalogue: Sequence[Facility], day: date,
             closed: frozenset[str]) -> tuple[list[Detainee], dict[str, Planned],
                                               list[NeedsPerson], dict[str, dict[str, int]],
                                               dict[str, int], int, int]:
    sites = _Sites(catalogue)
    detainees: list[Detainee] = []
    people: dict[str, Planned] = {}
    needs: list[NeedsPerson] = []
    occupied: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    unrecorded: dict[str, int] = defaultdict(int)
    standing = elsewhere = 0
    for c in rows:
        s = c.state
        site = sites.find(c.facility)
        here = site.code if site is not None else ""
        unit = _unit(c.sex, s.classification, s.facility_type)
        if site is not None and here not in closed:
            standing += 1
            if unit is not None:
                occupied[here][unit] += 1
            else:
                unrecorded[here] += 1
        if s.unaccompanied:
            # Referred to ORR (UAC-72) by the plan; never housed by it, so the sex and level the
            # planner's type asks for are placeholders it does not use.
            detainees.append(Detainee(
                id=c.case_id, sex="F" if c.sex == "F" else "M",
                level=cast(Level, s.classification) if s.classification in LEVELS else "A",
                age=_age(c.birth_date, day) or 0, kind="uac", expected_hours=EXPECTED_HOURS))
            people[c.case_id] = Planned(c.case_id, c.person_id, c.name, s.version, "", here)
            continue
        if site is not None and here not in closed:  # the standing population: not planned again
            if s.minor_flagged_at is not None and site.kind != "family":
                needs.append(NeedsPerson(c.case_id, c.person_id, c.name, (Reason(
                    "SEP", f"flagged as a minor but held in {site.name} ({here}), which is not a "
                           "family facility: a child is never held with unrelated adults"),)))
            elif unit is None:
                needs.append(NeedsPerson(c.case_id, c.person_id, c.name, (Reason(
                    "CLS-2", f"in {site.name} ({here}), but the housing unit cannot be told "
                             "(sex or classification not recorded): the bed is counted for the "
                             "facility, not for a unit"),)))
            continue
        if s.minor_flagged_at is not None:
            needs.append(NeedsPerson(c.case_id, c.person_id, c.name, (Reason(
                "FLORES", "flagged as a minor who is not unaccompanied: no family unit is "
                          "recorded, so the planner cannot keep the family together; a detention "
                          "officer places the family (a family facility)"),)))
            continue
        if c.facility and site is None:
            elsewhere += 1
            needs.append(NeedsPerson(c.case_id, c.person_id, c.name, (Reason(
                "", f"held at '{c.facility}', which the facility catalogue does not list: the "
                    "bed is not counted; record a transfer to a listed facility or import a "
                    "catalogue that lists it"),)))
            continue
        reasons = _describe(c, day)
        if reasons:
            needs.append(NeedsPerson(c.case_id, c.person_id, c.name, tuple(reasons)))
            continue
        court = court_location(c.court) if c.court else None
        detainees.append(Detainee(
            id=c.case_id, sex=cast(Sex, c.sex), level=cast(Level, s.classification),  # described
            age=_age(c.birth_date, day) or 0, kind="adult", expected_hours=EXPECTED_HOURS,
            court=court, current=here, hearing_within_72h=_hearing_soon(s, day)))
        people[c.case_id] = Planned(c.case_id, c.person_id, c.name, s.version, s.classification,
                                    here)
    plain = {code: dict(units) for code, units in occupied.items()}
    return detainees, people, needs, plain, dict(unrecorded), standing, elsewhere


def _load(conn: Connection, day: date, closed: frozenset[str]) -> PlacementProblem:
    catalogue = tuple(get_catalogue(conn))
    rows = _read_custody(conn)
    detainees, people, needs, occupied, unrecorded, standing, elsewhere = _collect(
        rows, catalogue, day, closed)
    # People whose unit is not recorded still take a bed: the planner sees that much less room.
    planned_sites = tuple(dataclasses.replace(f, capacity=max(0, f.capacity - unrecorded[f.code]))
                          if unrecorded.get(f.code) else f for f in catalogue)
    problem = Problem(day=day, facilities=planned_sites, detainees=tuple(detainees),
                      occupied=occupied, closed=closed,
                      hold_limit_hours=int(param("HOLD-12.hours", day)))
    board = FacilityBoard([FacilityLoad(f, occupied.get(f.code, {}), {}, unrecorded.get(f.code, 0),
                                        f.code in closed) for f in catalogue],
                          standing, elsewhere)
    return PlacementProblem(problem, needs, people, board, catalogue)


def build_placement_problem(ctx: AppContext, day: date, actor: Actor, purpose: str, *,
                            closed: frozenset[str] = frozenset(),
                            at: datetime | None = None) -> tuple[Problem, list[NeedsPerson]]:
    """The day's placement problem from the store, and the people who need a person's decision.

    A read of personal data: ``access_placement_plan`` decides, and the read is ledgered with
    the reader, their role and purpose (the cases it names: people to place and people who need
    a decision; the standing population is counted, not named)."""
    read = _read_plan(ctx, day, actor, purpose, closed, at)
    return read.problem, read.needs


def _read_plan(ctx: AppContext, day: date, actor: Actor, purpose: str, closed: frozenset[str],
               at: datetime | None) -> PlacementProblem:
    at = at or ctx.clock()
    try:
        access_placement_plan(actor, purpose)
    except AccessDenied as e:
        raise refused_read(ctx, actor, purpose, at, "placement_plan", e) from None
    with ctx.engine.begin() as conn:
        read = _load(conn, day, closed)
        shown = sorted([*read.people, *(n.case_id for n in read.needs)])
        L.append(conn, [L.LedgerItem("read", at, actor.id, actor.role, "", {
            "record": "placement_plan", "cases": shown, "day": day.isoformat(),
            "standing": read.board.standing}, purpose=purpose)], ctx.signing_key)
    return read


def get_placement_plan(ctx: AppContext, day: date, actor: Actor, purpose: str, *,
                       closed: frozenset[str] = frozenset(), time_limit_s: float = 10.0,
                       at: datetime | None = None) -> PlacementPlan:
    """The day's plan (OR-Tools), the people it names, those who need a person's decision, and
    the facility board with the beds the plan would fill. Advice: it gives no command."""
    from ..placement.solver import solve  # OR-Tools loads only when a plan is asked for

    read = _read_plan(ctx, day, actor, purpose, closed, at)
    plan = solve(read.problem, time_limit_s=time_limit_s)
    units = {d.id: d.unit for d in read.problem.detainees}
    planned: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for cid, code in plan.assignments.items():
        planned[code][units[cid]] += 1
    board = [dataclasses.replace(row, planned=dict(planned.get(row.facility.code, {})))
             for row in read.board.facilities]
    return PlacementPlan(day, read.problem, plan, read.people, read.needs, board,
                         read.board.standing, read.board.elsewhere,
                         {f.code: f.name for f in read.catalogue})


def get_facility_board(ctx: AppContext, actor: Actor,
                       at: datetime | None = None) -> FacilityBoard:
    """The catalogue with the beds taken now in each facility and unit: numbers of beds and
    people only, so no purpose is asked and nothing is ledgered (like the oversight report)."""
    access_facility_board(actor)
    day = (at or ctx.clock()).date()
    with ctx.engine.connect() as conn:
        return _load(conn, day, frozenset()).board
