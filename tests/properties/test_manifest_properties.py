"""Removal transport manifests never seat a person whom a removal guard refuses (issue 5).

Random case histories are written as commands and folded into ``CaseState`` by the domain
(``fold`` of the events the commands would append), without asking the law, so that the
histories include every odd combination: orders with and without appeal, waivers, stays granted
and lifted, citizenship claims, protected countries, travel documents for the right and the
wrong country, medical clearances that run out, warrants of removal or none. Then:

- planning: every person on a manifest passes every guard on ``schedule_removal`` (asked here,
  independently, with ``check_command``) for both ends of the transport's window; everyone
  refused is excluded with exactly the refusing rule ids; seats are never exceeded; a person is on
  at most one manifest, and everyone is either seated or excluded;
- departure: after random further events (a stay, a citizenship claim, an appeal, a document
  running out, a transfer, a release, the removal never scheduled …), ``check_departure`` keeps
  nobody whom a guard on ``record_removal`` refuses at that moment, and everyone taken off carries
  the refusing rule ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duecourse.domain import commands as c
from duecourse.domain.case import CaseState, apply, removes_protection
from duecourse.domain.commands import Command, command_to_dict
from duecourse.domain.events import EVENT_OF_COMMAND, Event
from duecourse.domain.person import PersonData
from duecourse.law import framework
from duecourse.law.framework import appeal_deadline, guard
from duecourse.law.guards.authority import AUTHORITY
from duecourse.law.rules import check_command
from duecourse.placement.manifest import (
    CONTIGUOUS,
    ESCORT,
    PLANNER,
    CapacityRules,
    Manifest,
    Mode,
    RemovalCandidate,
    Transport,
    candidate_from_state,
    check_departure,
    guards_on_removal,
    plan_manifests,
    priority,
)

BASE = datetime(2026, 3, 2, 8, tzinfo=UTC)
COUNTRIES = ("MX", "GT", "HN", "CA", "CN")
FACILITIES = ("ELZ", "KRO", "OTM")
STAY_KINDS = ("judicial", "bia", "ij", "dhs", "mtr")
ACTOR = {"officer": "officer-1", "supervisor": "supervisor-1", "counsel": "counsel-1",
         "detention": "detention-1", "transport": "transport-1", "attorney": "attorney-1"}
ROLES = {v: k for k, v in ACTOR.items()}
# The second person who confirms entries that take a protection away (PROVENANCE).
CHECKER = "supervisor-2"
ROLES[CHECKER] = "supervisor"
STAY_ISSUER = {"judicial": "CA3", "bia": "BIA", "ij": "NEW", "dhs": "DHS", "mtr": "NEW"}


def role_of(actor_id: str) -> str | None:
    return ROLES.get(actor_id)


# -- histories ---------------------------------------------------------------------------------


@dataclass
class History:
    """One case, advanced event by event through the domain's fold."""

    state: CaseState
    now: datetime
    events: list[Event] = field(default_factory=list)

    def do(self, role: str, cmd: Command, at: datetime | None = None,
           confirm: bool = True) -> None:
        """Append the command's event; an entry that takes a protection away is confirmed by
        a second person at once (``confirm``) or left awaiting confirmation (no effect)."""
        self.now = max(self.now, at or self.now)
        data: dict[str, Any] = command_to_dict(cmd)
        if isinstance(cmd, c.OpenCase):
            data["person_id"] = f"P-{self.state.case_id}"
        if isinstance(cmd, c.FileAppeal):
            due = appeal_deadline(self.state)
            data["timely"] = due is None or self.now <= due
        e = Event(self.state.case_id, self.state.version + 1, EVENT_OF_COMMAND[cmd.name],
                  self.now, ACTOR[role], role, data)
        self._append(e)
        if confirm and removes_protection(e.kind, e.data, e.actor_role):
            self._append(Event(self.state.case_id, self.state.version + 1, "entry_confirmed",
                               self.now, CHECKER, "supervisor",
                               {"entry": e.seq, "document_checked": data.get("reference", "")}))

    def _append(self, e: Event) -> None:
        apply(self.state, e)
        self.events.append(e)

    def doc(self, issued_by: str) -> dict[str, Any]:
        """The source of a court or agency event: issuer, a reference of its own, its date."""
        return {"issued_by": issued_by, "reference": f"{issued_by}-{len(self.events) + 1}",
                "issued_on": self.now.date()}


STEP = st.one_of(st.integers(1, 600).map(lambda m: timedelta(minutes=m)),
                 st.integers(1, 72).map(lambda h: timedelta(hours=h)),
                 st.integers(1, 60).map(lambda d: timedelta(days=d)))
SOON = st.integers(0, 96).map(lambda h: timedelta(hours=h))  # from the last event to planning

# Things that happen to a case after its order (and again between planning and departure).
LATER = ("waive_appeal", "file_appeal", "decide_appeal", "grant_stay", "lift_stay",
         "claim_citizenship", "resolve_citizenship", "issue_removal_warrant",
         "record_travel_document", "record_medical_clearance", "transfer", "release",
         "record_order")


def later_event(draw: Callable[[Any], Any], h: History, name: str) -> tuple[str, Command]:
    """A command called ``name`` with random fields, and the role that would give it."""
    country = st.sampled_from(COUNTRIES)
    today = h.now.date()
    if name == "waive_appeal":
        return "counsel", c.WaiveAppeal(party=draw(st.sampled_from(["respondent"] * 3 + ["dhs"])),
                                        before="NEW", language="es", reference="NEW-IJ")
    if name == "file_appeal":
        return "attorney", c.FileAppeal()
    if name == "decide_appeal":
        return "counsel", c.DecideAppeal(outcome=draw(st.sampled_from(
            ["dismissed", "dismissed", "sustained", "remanded"])), **h.doc("BIA"))
    if name == "grant_stay":
        until = draw(st.one_of(st.none(), st.integers(1, 60 * 24).map(
            lambda m: h.now + timedelta(hours=m))))
        kind = draw(st.sampled_from(STAY_KINDS))
        return "counsel", c.GrantStay(kind=kind, until=until, **h.doc(STAY_ISSUER[kind]))
    if name == "lift_stay":  # one stay of several, by its reference (any number run at once)
        refs = sorted(st_.id for st_ in h.state.stays.values()) or ["no-such-stay"]
        return "counsel", c.LiftStay(stay=draw(st.sampled_from(refs)), **h.doc("CA3"))
    if name == "claim_citizenship":
        return "attorney", c.ClaimCitizenship(evidence="a birth certificate from Texas")
    if name == "resolve_citizenship":
        return "supervisor", c.ResolveCitizenship(
            finding=draw(st.sampled_from(["citizen", "not_citizen", "inconclusive"])),
            evidence="registrar's search", counsel="counsel-1", **h.doc("DHS"))
    if name == "issue_removal_warrant":
        return "supervisor", c.IssueRemovalWarrant()
    if name == "record_travel_document":
        return "officer", c.RecordTravelDocument(
            country=draw(country), valid_until=today + timedelta(days=draw(st.integers(-5, 90))))
    if name == "record_medical_clearance":
        return "detention", c.RecordMedicalClearance(
            valid_until=today + timedelta(days=draw(st.integers(-5, 45))))
    if name == "transfer":
        return "detention", c.Transfer(facility=draw(st.sampled_from(FACILITIES)),
                                       attorney_notified=True,
                                       reason="bed space: the facility is at capacity")
    if name == "release":
        return "detention", c.Release(kind="supervision",
                                      reason="order of supervision: fixed address")
    if name == "record_order":
        return "counsel", order(draw, h)
    raise AssertionError(name)  # pragma: no cover


def order(draw: Callable[[Any], Any], h: History) -> c.RecordOrder:
    outcome = draw(st.sampled_from(["removal"] * 6 + ["voluntary_departure", "relief"]))
    absentia = draw(st.sampled_from([False, False, True]))
    return c.RecordOrder(
        outcome=outcome, decision_mode="oral",
        protected_countries=tuple(draw(st.lists(st.sampled_from(COUNTRIES), max_size=1))),
        designated_country=draw(st.sampled_from((*COUNTRIES, None))),
        vd_deadline=BASE.date() + timedelta(days=draw(st.integers(0, 60)))
        if outcome == "voluntary_departure" else None,
        in_absentia=absentia, hearing_at=h.state.hearings[-1] if absentia and h.state.hearings
        else None, **h.doc("NEW"))


@st.composite
def histories(draw: Callable[[Any], Any], case_id: str) -> History:
    """Open, arrest, detain, place, charge, order; then mostly the lawful road to removal
    (waiver, warrant, travel document, medical clearance), with random detours."""
    nat = draw(st.sampled_from(COUNTRIES))
    h = History(CaseState(case_id=case_id), BASE + draw(STEP))
    h.do("officer", c.OpenCase(person=PersonData(family_name="Example", given_name="Ana",
                                                  nationalities=(nat,), languages=("es",)),
                               encounter="interior", location="Newark",
                               legal_basis="INA 237(a)(1)(B)"))
    h.do("officer", c.RecordArrest(basis="warrantless", reason_to_believe="overstay",
                                   likely_to_escape="no address"), h.now + draw(STEP))
    h.do("officer", c.DetermineCustody(decision="detain", authority="236(a)",
                                       reason="flight risk: no address"),
         h.now + timedelta(hours=2))
    if draw(st.integers(0, 9)):
        h.do("detention", c.Place(facility=draw(st.sampled_from(FACILITIES)),
                                  classification="A", reason="staging for removal"),
             h.now + timedelta(hours=1))
    h.do("officer", c.IssueNta(charges=("INA 237(a)(1)(B)",), allegations=("overstay",),
                               hearing_at=h.now + timedelta(days=20), court="NEW",
                               counsel_list_date=h.now.date()), h.now + timedelta(hours=1))
    h.do("officer", c.ServeNta(method="personal", language="es"), h.now + timedelta(hours=1))
    h.do("counsel", order(draw, h), h.now + timedelta(days=draw(st.integers(20, 90))),
         confirm=draw(st.integers(0, 5)) > 0)
    road = [n for n, p in (("waive_appeal", 0.7), ("issue_removal_warrant", 0.8),
                           ("record_travel_document", 0.8), ("record_medical_clearance", 0.8))
            if draw(st.floats(0, 1)) < p]
    detours = draw(st.lists(st.sampled_from(LATER), max_size=4))
    for name in road + detours:
        role, cmd = later_event(draw, h, name)
        at = h.now + draw(STEP)
        if name in road and draw(st.integers(0, 3)):
            # Mostly what a removal needs: a document for the designated country and a
            # clearance, both valid for a good while.
            if isinstance(cmd, c.RecordTravelDocument) and h.state.order:
                cmd = c.RecordTravelDocument(country=h.state.order.designated_country or "MX",
                                             valid_until=at.date() + timedelta(days=180))
            if isinstance(cmd, c.RecordMedicalClearance):
                cmd = c.RecordMedicalClearance(valid_until=at.date() + timedelta(days=120))
        h.do(role, cmd, at, confirm=draw(st.integers(0, 5)) > 0)
    return h


@st.composite
def populations(draw: Callable[[Any], Any]) -> list[History]:
    n = draw(st.integers(1, 7))
    return [draw(histories(f"C-{i:02d}")) for i in range(n)]


@st.composite
def schedules(draw: Callable[[Any], Any], depart: datetime) -> list[Transport]:
    out: list[Transport] = []
    for i in range(draw(st.integers(0, 5))):
        dests = tuple(draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=2,
                                    unique=True)))
        mode: Mode = "ground" if set(dests) <= CONTIGUOUS and draw(st.booleans()) else "air"
        start = depart + timedelta(hours=draw(st.integers(0, 72)))
        out.append(Transport(f"T-{i}", mode, dests, draw(st.integers(0, 3)),
                             draw(st.sampled_from(FACILITIES)), start,
                             start + timedelta(hours=draw(st.integers(0, 24)))))
    return out


# -- planning ----------------------------------------------------------------------------------


def refusal_ids(state: CaseState, dest: str, t: Transport, at: datetime) -> set[str]:
    ids: set[str] = set()
    for when in (t.depart_at, t.window_end):
        cmd = c.ScheduleRemoval(destination=dest, depart_at=when, transport=t.id)
        ids |= {r.rule_id for r in check_command(state, cmd, PLANNER, at, role_of)}
    return ids


def check_plan(candidates: list[RemovalCandidate], manifests: list[Manifest],
               excluded: list[Any], at: datetime) -> None:
    by_case = {x.case_id: x for x in candidates}
    seated = [e.case_id for m in manifests for e in m.people]
    assert len(seated) == len(set(seated)), "a person is on two manifests"
    out = [x.case_id for x in excluded]
    assert len(out) == len(set(out)) and not set(out) & set(seated)
    assert set(out) | set(seated) == set(by_case), "someone was neither seated nor excluded"
    for m in manifests:
        t = m.transport
        assert 0 < m.seats_used <= t.seats
        if t.mode == "ground":
            assert set(t.destinations) <= CONTIGUOUS
        for e in m.people:
            cand = by_case[e.case_id]
            assert e.destination in t.destinations and e.staging == t.staging == cand.staging
            # The acceptance criterion, asked of the law independently of the planner.
            assert refusal_ids(cand.state, e.destination, t, at) == set(), e
    for x in excluded:
        if x.kind == "refused":
            assert x.rule_ids and len(x.reasons) == len(x.refusals) >= len(x.rule_ids)
            assert x.rule_ids == tuple(dict.fromkeys(r.rule_id for r in x.refusals))
        else:
            assert x.rule_ids == () and x.reasons


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=populations(), data=st.data())
def test_plan_to_measure_seats_only_those_the_law_lets_go(people: list[History],
                                                          data: st.DataObject) -> None:
    at = max(h.now for h in people) + data.draw(SOON)
    depart = at + timedelta(hours=data.draw(st.integers(1, 24 * 20)))
    rules = CapacityRules(depart, depart + timedelta(hours=data.draw(st.integers(0, 48))),
                          air_seats=data.draw(st.integers(1, 3)),
                          ground_seats=data.draw(st.integers(1, 3)),
                          max_per_group=data.draw(st.one_of(st.none(), st.integers(0, 2))))
    candidates = [x for x in (candidate_from_state(h.state) for h in people) if x is not None]
    manifests, excluded = plan_manifests(candidates, rules, at, role_of=role_of)
    check_plan(candidates, manifests, excluded, at)
    window = Transport("any", "air", ("XX",), 0, "", rules.depart_at, rules.window_end)
    for x in excluded:
        cand = next(k for k in candidates if k.case_id == x.case_id)
        ids = refusal_ids(cand.state, cand.destination, window, at)
        if x.kind == "refused":  # exactly the rules that refuse, no more, no fewer
            assert set(x.rule_ids) == ids, (x, ids)
        else:  # no seat: lawful, and behind everyone seated from the same group
            assert x.kind == "no_seat" and not ids
            for m in manifests:
                if (m.transport.destinations[0], m.transport.staging) == (cand.destination,
                                                                          cand.staging):
                    for e in m.people:
                        assert priority(next(k for k in candidates if k.case_id == e.case_id)) \
                            < priority(cand)
    for m in manifests:
        assert m.transport.mode == ("ground" if m.transport.destinations[0] in CONTIGUOUS
                                    else "air")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=populations(), data=st.data())
def test_plan_on_a_schedule_seats_only_those_the_law_lets_go(people: list[History],
                                                              data: st.DataObject) -> None:
    at = max(h.now for h in people) + data.draw(SOON)
    transports = data.draw(schedules(at + timedelta(hours=1)))
    candidates = [x for x in (candidate_from_state(h.state) for h in people) if x is not None]
    manifests, excluded = plan_manifests(candidates, transports, at, role_of=role_of)
    check_plan(candidates, manifests, excluded, at)
    by_case = {x.case_id: x for x in candidates}
    used = {m.transport.id: m.seats_used for m in manifests}
    for x in excluded:
        cand = by_case[x.case_id]
        serving = [t for t in transports
                   if cand.destination in t.destinations and t.staging == cand.staging]
        if x.kind == "no_transport":
            assert not serving
        elif x.kind == "refused":  # refused on every transport that could take them
            assert serving and all(refusal_ids(cand.state, cand.destination, t, at)
                                   for t in serving)
            assert set(x.rule_ids) == set().union(
                *(refusal_ids(cand.state, cand.destination, t, at) for t in serving))
        else:  # no seat: every transport the law lets them take is full
            assert x.kind == "no_seat"
            for t in serving:
                if not refusal_ids(cand.state, cand.destination, t, at):
                    assert used.get(t.id, 0) == t.seats


# -- at departure ------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=populations(), data=st.data())
def test_departure_takes_off_everyone_a_guard_now_refuses(people: list[History],
                                                          data: st.DataObject) -> None:
    at = max(h.now for h in people) + data.draw(SOON)
    depart = at + timedelta(hours=data.draw(st.integers(2, 24 * 10)))
    rules = CapacityRules(depart, depart + timedelta(hours=data.draw(st.integers(0, 12))),
                          air_seats=data.draw(st.integers(1, 4)))
    hist = {h.state.case_id: h for h in people}
    candidates = [x for x in (candidate_from_state(h.state) for h in people) if x is not None]
    manifests, _ = plan_manifests(candidates, rules, at, role_of=role_of)
    seated = {e.case_id: (m, e) for m in manifests for e in m.people}
    # The officer schedules the removals the plan advises (mostly), then life goes on.
    for case_id, (m, e) in seated.items():
        h = hist[case_id]
        if data.draw(st.integers(0, 9)):
            h.do("officer", c.ScheduleRemoval(destination=e.destination,
                                              depart_at=m.transport.depart_at,
                                              transport=m.transport.id), at)
        for name in data.draw(st.lists(st.sampled_from(LATER), max_size=3)):
            role, cmd = later_event(data.draw, h, name)
            h.do(role, cmd, min(h.now + data.draw(STEP), depart),
                 confirm=data.draw(st.integers(0, 5)) > 0)
    boarding = depart + timedelta(minutes=data.draw(st.integers(0, 12 * 60)))
    states = {k: h.state for k, h in hist.items() if data.draw(st.integers(0, 19))}
    for m in manifests:
        kept, taken_off = check_departure(m, states, boarding, role_of=role_of)
        assert kept.transport == m.transport
        on, off = [e.case_id for e in kept.people], [x.case_id for x in taken_off]
        assert sorted(on + off) == sorted(e.case_id for e in m.people)
        for e in kept.people:  # nobody boards whom a guard refuses now
            s = states[e.case_id]
            assert check_command(s, c.RecordRemoval(destination=e.destination), ESCORT,
                                 boarding, role_of) == []
        for x in taken_off:
            if x.case_id not in states:
                assert x.kind == "no_record" and x.rule_ids == ()
                continue
            refusals = check_command(states[x.case_id], c.RecordRemoval(
                destination=seated[x.case_id][1].destination), ESCORT, boarding, role_of)
            assert x.kind == "refused" and x.rule_ids
            assert set(x.rule_ids) == {r.rule_id for r in refusals}


# -- fixed examples --------------------------------------------------------------------------------


def _ready(case_id: str, dest: str = "GT", facility: str = "ELZ", order_day: int = 30,
           arrest_hour: int = 1) -> History:
    """A detained person with a final order (appeal waived), a warrant of removal, a travel
    document for ``dest`` and a medical clearance until 30 June 2026."""
    h = History(CaseState(case_id=case_id), BASE)
    h.do("officer", c.OpenCase(person=PersonData(family_name="Example", given_name="Ana",
                                                  nationalities=(dest,), languages=("es",)),
                               encounter="interior", location="Newark",
                               legal_basis="INA 237(a)(1)(B)"))
    h.do("officer", c.RecordArrest(basis="warrantless", reason_to_believe="overstay",
                                   likely_to_escape="no address"),
         BASE + timedelta(hours=arrest_hour))
    h.do("officer", c.DetermineCustody(decision="detain", authority="236(a)",
                                       reason="flight risk: no address"),
         BASE + timedelta(hours=6))
    h.do("detention", c.Place(facility=facility, classification="A",
                              reason="staging for removal"))
    h.do("officer", c.IssueNta(charges=("x",), allegations=("y",),
                               hearing_at=BASE + timedelta(days=20), court="NEW",
                               counsel_list_date=BASE.date()))
    h.do("officer", c.ServeNta(method="personal", language="es"))
    h.now = max(h.now, BASE + timedelta(days=order_day))
    h.do("counsel", c.RecordOrder(outcome="removal", decision_mode="oral",
                                  designated_country=dest, **h.doc("NEW")))
    h.do("counsel", c.WaiveAppeal(party="respondent", before="NEW", language="es",
                                  reference="NEW-IJ"))
    h.do("supervisor", c.IssueRemovalWarrant(), BASE + timedelta(days=36))
    h.do("officer", c.RecordTravelDocument(country=dest, valid_until=date(2026, 12, 31)))
    h.do("detention", c.RecordMedicalClearance(valid_until=date(2026, 6, 30)))
    return h


AT = BASE + timedelta(days=40)


def test_roles_asked_are_those_that_may_give_the_commands() -> None:
    assert "schedule_removal" in AUTHORITY[PLANNER.role]
    assert "record_removal" in AUTHORITY[ESCORT.role]


def test_every_removal_guard_is_asked() -> None:
    ids = guards_on_removal()
    for rule in ("FINAL", "STAY-AUTO", "STAY-JUD", "PROT-CTRY", "USC", "I205", "TRAVEL-DOC",
                 "MED"):
        assert rule in ids


def test_seats_fill_by_earliest_final_order_then_longest_custody() -> None:
    states = [
        _ready("C-1", order_day=34).state,  # final last
        _ready("C-2").state,
        _ready("C-3", arrest_hour=0).state,  # final with C-2, in custody an hour longer
        _ready("C-4").state,  # as C-2: the case number decides
    ]
    cands = [x for x in map(candidate_from_state, states) if x is not None]
    rules = CapacityRules(AT + timedelta(days=1), AT + timedelta(days=1, hours=8), air_seats=2,
                          max_per_group=1)
    manifests, excluded = plan_manifests(cands, rules, AT)
    assert [e.case_id for e in manifests[0].people] == ["C-3", "C-2"]
    assert [(x.case_id, x.kind, x.rule_ids) for x in excluded] == [
        ("C-4", "no_seat", ()), ("C-1", "no_seat", ())]


def test_ground_only_to_a_contiguous_country() -> None:
    mx = _ready("C-1", "MX")
    gt = _ready("C-2", "GT")
    rules = CapacityRules(AT + timedelta(days=1), AT + timedelta(days=1, hours=8))
    manifests, excluded = plan_manifests(
        [x for x in (candidate_from_state(mx.state), candidate_from_state(gt.state)) if x], rules,
        AT)
    assert not excluded
    assert {(m.transport.mode, m.transport.destinations) for m in manifests} == {
        ("ground", ("MX",)), ("air", ("GT",))}
    with pytest.raises(ValueError, match="contiguous"):
        Transport("B-1", "ground", ("GT",), 40, "ELZ", AT, AT)


def test_a_document_must_hold_for_the_whole_window() -> None:
    h = _ready("C-1")  # medical clearance valid until 30 June
    cand = candidate_from_state(h.state)
    assert cand is not None
    start = datetime(2026, 6, 30, 20, tzinfo=UTC)
    _, excluded = plan_manifests([cand], CapacityRules(start, start + timedelta(hours=8)), AT)
    assert [x.rule_ids for x in excluded] == [("MED",)]
    manifests, _ = plan_manifests([cand], CapacityRules(start, start + timedelta(hours=2)), AT)
    assert [e.case_id for m in manifests for e in m.people] == ["C-1"]


def test_a_guard_registered_later_applies_without_changing_the_planner() -> None:
    """The ID-1 hook: a new guard on the removal commands is asked automatically."""
    cand = candidate_from_state(_ready("C-1").state)
    assert cand is not None
    rules = CapacityRules(AT + timedelta(days=1), AT + timedelta(days=1, hours=8))

    @guard("ID-TEST", title="identity confirmed (test stand-in for ID-1)", citation="test",
           protects="the right person is removed", confidence="K",
           commands={"schedule_removal", "record_removal"}, effective_from="1997-04-01",
           verified="2026-12-07", source="test")
    def identity(_g: framework.GuardInput) -> str | None:
        return "identity not confirmed"

    try:
        assert "ID-TEST" in guards_on_removal()
        manifests, excluded = plan_manifests([cand], rules, AT)
        assert not manifests and [x.rule_ids for x in excluded] == [("ID-TEST",)]
    finally:
        framework.unregister("ID-TEST")
    manifests, excluded = plan_manifests([cand], rules, AT)
    assert len(manifests) == 1 and not excluded


def test_a_schedule_seats_as_many_as_it_can_without_unseating_anyone() -> None:
    """Ana (first by priority) may take either flight; Ben's clearance ends before the second.
    Ana first takes the earlier flight, then moves to the later one to make room for Ben; Cai,
    last by priority and cleared for the first flight only, gets no seat."""
    ana = _ready("C-1", order_day=30)
    ben = _ready("C-2", order_day=31)
    ben.do("detention", c.RecordMedicalClearance(valid_until=date(2026, 4, 15)))
    cai = _ready("C-3", order_day=32)
    cai.do("detention", c.RecordMedicalClearance(valid_until=date(2026, 4, 15)))
    first = datetime(2026, 4, 14, 9, tzinfo=UTC)
    flights = [Transport("T-1", "air", ("GT",), 1, "ELZ", first, first + timedelta(hours=6)),
               Transport("T-2", "air", ("GT",), 1, "ELZ", first + timedelta(days=3),
                         first + timedelta(days=3, hours=6))]
    cands = [x for x in map(candidate_from_state, (cai.state, ben.state, ana.state)) if x]
    manifests, excluded = plan_manifests(cands, flights, AT)
    assert {m.transport.id: [e.case_id for e in m.people] for m in manifests} == {
        "T-1": ["C-2"], "T-2": ["C-1"]}
    assert [(x.case_id, x.kind) for x in excluded] == [("C-3", "no_seat")]
