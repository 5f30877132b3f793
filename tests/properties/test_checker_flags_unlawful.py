"""Random unlawful histories, written straight into a store past every guard: the independent
checker (``law/invariants.py``) must flag each one.

An insider with write access, or a bug in a guard, could put any history into the events table.
Each example here builds a history that is lawful up to a removal order (the person detained, the
NTA served in their language, an order of a random immigration court at a random moment, with a
warrant of removal, a travel document and a medical clearance) and then adds one of the unlawful
ways to a removal this project exists to prevent:

- to a country an order protects the person from (written as the store holds it, or with the
  spacing and case a careless clerk types);
- while a stay is in force (several stays of random kinds, one lapsed, one lifted, one in force);
- inside the appeal window, counted on the court's local days (any moment within 29 days of the
  order is inside it, whatever the zone or the holidays);
- after a stay was lifted by one person only (no confirmation, or confirmed by the one who lifted
  it, or by the one who scheduled the removal).

The history is inserted with the repository's own ``insert_events`` and checked with
``check_store`` on SQLite and PostgreSQL. The lawful twin (the same history without the unlawful
step, removal well after finality to an unprotected country) must be clean, so that the checker is
not flagging everything.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duecourse.app.invariants import check_store
from duecourse.bootstrap import build_app
from duecourse.domain.events import Event
from duecourse.law.invariants import Violation, check_history
from duecourse.store import repository as repo

COURTS = ("NEW", "NYC", "HOU", "SFR", "HON", "SAI", "AGA", "ELP", "PHO", "SAJ", "ANC")
COUNTRIES = ("SV", "GT", "HN", "MX", "VE", "HT", "CN", "IN")
CASE_IDS = itertools.count(1)
BASE = datetime(2026, 1, 5, 12, tzinfo=UTC)


@dataclass
class History:
    case_id: str
    events: list[Event] = field(default_factory=list)

    def add(self, kind: str, at: datetime, actor: str, role: str, /, **data: Any) -> int:
        seq = len(self.events) + 1
        self.events.append(Event(self.case_id, seq, kind, at, actor, role, data))
        return seq


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


@st.composite
def ordered_case(draw: st.DrawFn) -> tuple[History, dict[str, Any]]:
    """A lawful history up to a removal order, and what a removal needs to know of it."""
    court = draw(st.sampled_from([c for c in COURTS if c != "ANC"]))
    home = draw(st.sampled_from(COUNTRIES))
    protected = draw(st.lists(st.sampled_from([c for c in COUNTRIES if c != home]),
                              min_size=1, max_size=3, unique=True))
    start = BASE + timedelta(minutes=draw(st.integers(0, 60 * 24 * 300)))
    h = History(f"C-U{next(CASE_IDS):06d}")
    person = {"family_name": "Synthetic", "given_name": "Person", "birth_date": "1988-02-03",
              "nationalities": [home], "languages": ["es"], "sex": "F", "a_number": ""}
    t = start
    h.add("case_opened", t, "o1", "officer", person_id="P-1", person=person,
          encounter="interior", location="Somewhere", legal_basis="INA 237(a)(1)(B)",
          location_type="public")
    h.add("arrest_recorded", t + timedelta(minutes=30), "o1", "officer", basis="warrantless",
          reason_to_believe="overstay since 2019", likely_to_escape="ticket for tonight",
          location_type="public")
    h.add("examination_recorded", t + timedelta(hours=1), "o2", "officer",
          no_other_officer_reason="")
    h.add("custody_determined", t + timedelta(hours=2), "o1", "officer", decision="detain",
          authority="236(a)", bond_amount=None, exception="", exception_reason="",
          exception_approved_by="")
    h.add("consular_advisal_recorded", t + timedelta(hours=3), "o1", "officer", language="es",
          notification_requested=False, interpreter="")  # CON-1
    hearing = t + timedelta(days=20)
    h.add("nta_issued", t + timedelta(days=1), "o1", "officer", charges=["237(a)(1)(B)"],
          allegations=["admitted as a visitor", "remained longer"], hearing_at=_iso(hearing),
          court=court, counsel_list_date=(t - timedelta(days=5)).date().isoformat(),
          nature_of_proceedings="Removal proceedings under section 240 of the INA",
          legal_authority="INA 239; 8 CFR 239.1", counsel_advisal=True, address_advisal=True,
          failure_to_appear_advisal=True)
    h.add("nta_served", t + timedelta(days=1, hours=1), "o1", "officer", method="personal",
          language="es", interpreter="")
    order_at = hearing + timedelta(days=draw(st.integers(1, 60)),
                                   minutes=draw(st.integers(0, 24 * 60 - 1)))
    h.add("order_recorded", order_at, "c1", "counsel", outcome="removal", decision_mode="oral",
          issued_by=court, reference="IJ-ORDER-1", issued_on=order_at.date().isoformat(),
          protected_countries=protected, designated_country=home, vd_deadline=None,
          in_absentia=False, hearing_at=None, no_address_provided=False,
          terminates_protection=[])
    facts = {"court": court, "home": home, "protected": protected, "order_at": order_at}
    return h, facts


def _finish_lawfully(h: History, facts: dict[str, Any], dest: str, after: timedelta) -> None:
    """Wait past finality, get the warrant and documents, schedule and record the removal."""
    final = facts["order_at"] + timedelta(days=45)  # past day 30 and any roll-over
    t = final + after
    h.add("removal_warrant_issued", t, "s1", "supervisor")
    h.add("travel_document_recorded", t + timedelta(minutes=1), "s1", "supervisor",
          country=dest, valid_until=(t + timedelta(days=200)).date().isoformat())
    h.add("medical_clearance_recorded", t + timedelta(minutes=2), "o1", "officer",
          valid_until=(t + timedelta(days=60)).date().isoformat())
    h.add("removal_scheduled", t + timedelta(minutes=3), "s1", "supervisor", destination=dest,
          depart_at=_iso(t + timedelta(days=3)), transport="charter")
    h.add("removal_recorded", t + timedelta(days=3), "t1", "transport", destination=dest)


def _rules(vs: list[Violation], case_id: str) -> set[str]:
    return {v.rule for v in vs if v.case_id == case_id}


SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@SETTINGS
@given(ordered_case(), st.data())
def test_lawful_twin_is_clean(case: tuple[History, dict[str, Any]], data: st.DataObject) -> None:
    h, facts = case
    _finish_lawfully(h, facts, facts["home"], timedelta(hours=data.draw(st.integers(0, 500))))
    assert check_history(h.events) == []


@SETTINGS
@given(ordered_case(), st.data())
def test_removal_to_a_protected_country_is_flagged(case: tuple[History, dict[str, Any]],
                                                   data: st.DataObject) -> None:
    h, facts = case
    dest = data.draw(st.sampled_from(facts["protected"]))
    # A later order (a remand's new order, say) that no longer lists it does not end it.
    if data.draw(st.booleans()):
        t = facts["order_at"] + timedelta(hours=1)
        h.add("order_recorded", t, "c1", "counsel", outcome="removal", decision_mode="oral",
              issued_by=facts["court"], reference="IJ-ORDER-2", issued_on=t.date().isoformat(),
              protected_countries=[], designated_country=facts["home"], vd_deadline=None,
              in_absentia=False, hearing_at=None, no_address_provided=False,
              terminates_protection=[])
        facts = {**facts, "order_at": t}
    _finish_lawfully(h, facts, dest, timedelta(hours=data.draw(st.integers(0, 500))))
    assert "PROT-CTRY" in _rules(check_history(h.events), h.case_id)


@SETTINGS
@given(ordered_case(), st.data())
def test_removal_during_any_stay_is_flagged(case: tuple[History, dict[str, Any]],
                                            data: st.DataObject) -> None:
    h, facts = case
    final = facts["order_at"] + timedelta(days=45)
    kind = data.draw(st.sampled_from(["judicial", "bia", "ij", "dhs"]))
    issuer = {"judicial": "CA9", "bia": "BIA", "ij": facts["court"], "dhs": "DHS"}[kind]
    # An open-ended stay, then a short one of the same kind that lapses before the removal.
    h.add("stay_granted", final, "c1", "counsel", kind=kind, issued_by=issuer,
          reference="STAY-LONG", issued_on=final.date().isoformat(), until=None)
    h.add("stay_granted", final + timedelta(hours=1), "c1", "counsel", kind=kind,
          issued_by=issuer, reference="STAY-SHORT", issued_on=final.date().isoformat(),
          until=_iso(final + timedelta(days=14)))
    _finish_lawfully(h, {**facts, "order_at": facts["order_at"]}, facts["home"],
                     timedelta(days=data.draw(st.integers(15, 60))))
    want = "STAY-JUD" if kind == "judicial" else "STAY-AUTO"
    assert want in _rules(check_history(h.events), h.case_id)


@SETTINGS
@given(ordered_case(), st.data())
def test_removal_inside_the_appeal_window_is_flagged(case: tuple[History, dict[str, Any]],
                                                     data: st.DataObject) -> None:
    h, facts = case
    inside = facts["order_at"] + timedelta(minutes=data.draw(st.integers(1, 29 * 24 * 60)))
    dest = facts["home"]
    h.add("removal_warrant_issued", inside, "s1", "supervisor")
    h.add("travel_document_recorded", inside, "s1", "supervisor", country=dest,
          valid_until=(inside + timedelta(days=200)).date().isoformat())
    h.add("medical_clearance_recorded", inside, "o1", "officer",
          valid_until=(inside + timedelta(days=60)).date().isoformat())
    h.add("removal_scheduled", inside, "s1", "supervisor", destination=dest,
          depart_at=_iso(inside), transport="charter")
    h.add("removal_recorded", inside, "t1", "transport", destination=dest)
    assert "STAY-AUTO" in _rules(check_history(h.events), h.case_id)


@SETTINGS
@given(ordered_case(), st.data())
def test_removal_after_a_one_person_lift_is_flagged(case: tuple[History, dict[str, Any]],
                                                    data: st.DataObject) -> None:
    h, facts = case
    final = facts["order_at"] + timedelta(days=45)
    h.add("stay_granted", final, "c1", "counsel", kind="judicial", issued_by="CA9",
          reference="STAY-9", issued_on=final.date().isoformat(), until=None)
    lifted_by = data.draw(st.sampled_from(["o1", "c1", "s1"]))
    lift = h.add("stay_lifted", final + timedelta(days=1), lifted_by, "officer", stay="STAY-9",
                 issued_by="CA9", reference="ORDER-LIFT", issued_on=final.date().isoformat(),
                 needs_confirmation=True)
    how = data.draw(st.sampled_from(["none", "self", "scheduler"]))
    if how == "self":
        h.add("entry_confirmed", final + timedelta(days=1, hours=1), lifted_by, "supervisor",
              entry=lift, document_checked="ORDER-LIFT")
    _finish_lawfully(h, facts, facts["home"], timedelta(days=2))
    if how == "scheduler":  # confirmed, but by the one who scheduled the removal
        sched = next(e for e in h.events if e.kind == "removal_scheduled")
        at = sched.at + timedelta(minutes=1)
        h.events.insert(sched.seq, Event(h.case_id, sched.seq + 1, "entry_confirmed", at,
                                         sched.actor_id, "supervisor",
                                         {"entry": lift, "document_checked": "ORDER-LIFT"}))
        h.events = [Event(e.case_id, n, e.kind, e.at, e.actor_id, e.actor_role, e.data)
                    for n, e in enumerate(h.events, 1)]
    rules = _rules(check_history(h.events), h.case_id)
    assert "STAY-JUD" in rules or "PROVENANCE" in rules, rules


@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=ordered_case())
def test_the_store_holds_what_the_checker_flags(db_url: str,
                                                case: tuple[History, dict[str, Any]]) -> None:
    """The same checks read from a real store (SQLite and PostgreSQL): an unlawful removal
    written straight into the events table past the guards is found by ``check_store``."""
    h, facts = case
    _finish_lawfully(h, facts, facts["protected"][0], timedelta(hours=1))
    app = build_app(db_url)
    with app.ctx.engine.begin() as conn:
        repo.insert_events(conn, h.events)
    rules = {v.rule for v in check_store(app.ctx.engine) if v.case_id == h.case_id}
    assert "PROT-CTRY" in rules


def test_dates_are_not_utc_days() -> None:
    """A sanity anchor for the generator: the order day at a Pacific court can differ from UTC."""
    assert date(2026, 1, 5) != (BASE - timedelta(hours=13)).date()
