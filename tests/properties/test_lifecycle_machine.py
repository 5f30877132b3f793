"""A Hypothesis state machine drives random command sequences through the real handlers.

Random people in all eight roles give random commands from the whole vocabulary — many of them
unlawful on purpose (removal in the appeal window or to a protected country, arrests during a
citizenship review, late custody decisions, exceptions with and without approvers, attorneys
acting for other people's clients) — to a few cases at once, while time moves forward by minutes
to 200 days. The commands of issue 13 are driven too: documents with their issuer, reference and
date (sometimes the wrong body, a blank reference, a future date); several stays at once, lifted
one by one by reference; entries that take a protection away (a lift, a dismissal, an in-absentia
order, a negative fear decision, a not-citizen finding, a denied motion) confirmed or rejected by
a second person — or by the same one, against the wrong document; waivers by either party, in a
language the person does or does not speak; fear claims; motions to reopen. After every step:

(a) ``law/invariants.py``, written apart from the guards, finds no violation in any case;
(b) the stored read model (proceedings, custody, holds, status) equals a fresh fold of the
    stored events as of the last event;
(c) an accepted command appended events and moved the case's version by as many; a refused one
    appended nothing, and names at least one rule with its citation and a reason.

The suite runs on SQLite and PostgreSQL (``db_url``). A state machine cannot take fixtures, so
the machine class is built inside the test around the application built on the fixture's store.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from duecourse.app.identity import do_import_records, do_link
from duecourse.bootstrap import App, build_app
from duecourse.domain import commands as c
from duecourse.domain.case import CaseState, fold
from duecourse.domain.commands import COMMAND_NAMES, ROLES, Actor, Command
from duecourse.domain.person import PersonData
from duecourse.law.framework import appeal_deadline
from duecourse.law.invariants import check_history, check_store
from duecourse.law.rules import guard_ids
from duecourse.store import repository as repo
from duecourse.store.tables import cases, events

BASE = datetime(2026, 3, 2, 8, tzinfo=UTC)
COUNTRIES = ("MX", "GT", "HN", "SV", "CN")
COURTS = ("NEW", "HOU", "NYC", "SFR", "XXX")  # active courts, and one that is none
STAY_KINDS = ("judicial", "bia", "ij", "dhs", "mtr")
# The body that issues each kind of stay; CA9 (a federal court) may lift any stay.
STAY_ISSUERS = {"judicial": ("CA9", "USDC-NYS"), "bia": ("BIA",), "ij": ("NEW", "HOU"),
                "dhs": ("DHS",), "mtr": ("NEW", "BIA")}
ISSUERS = ("NEW", "HOU", "BIA", "CA9", "USDC-NYS", "USCIS-NEW", "DHS")
REFERENCES = ("DOC-1", "DOC-2", "DOC-3", "S-1", "S-2")  # few, so that some repeat
ACTOR_IDS = [f"{role}-{n}" for role in ROLES for n in (1, 2)]
KEYS = itertools.count()  # idempotency keys unique across examples sharing one store

# Who would usually give each command: the generator mostly picks from these, sometimes anyone.
USUAL: dict[str, tuple[str, ...]] = {
    "open_case": ("officer",), "claim_citizenship": ("attorney", "officer", "counsel"),
    "resolve_citizenship": ("supervisor",), "issue_arrest_warrant": ("supervisor",),
    "record_arrest": ("officer",), "record_examination": ("officer", "supervisor"),
    "determine_custody": ("officer", "supervisor"), "flag_minor": ("detention", "officer"),
    "notify_hhs": ("detention",), "transfer_to_orr": ("detention",),
    "classify": ("detention", "officer"), "place": ("detention",),
    "transfer": ("detention",), "issue_nta": ("officer",), "serve_nta": ("officer",),
    "schedule_hearing": ("counsel",), "record_order": ("counsel",),
    "waive_appeal": ("counsel", "attorney"),
    "file_appeal": ("attorney",), "decide_appeal": ("counsel",), "grant_stay": ("counsel",),
    "lift_stay": ("counsel",), "issue_removal_warrant": ("supervisor",),
    "record_travel_document": ("officer",), "record_medical_clearance": ("detention",),
    "serve_third_country_notice": ("officer",), "record_fear_claim": ("officer", "attorney"),
    "decide_fear_claim": ("supervisor", "counsel"),
    "file_motion_to_reopen": ("attorney", "counsel"), "decide_motion_to_reopen": ("counsel",),
    "confirm_entry": ("supervisor", "counsel"), "reject_entry": ("supervisor", "counsel"),
    "schedule_removal": ("supervisor", "officer"), "record_removal": ("transport",),
    "release": ("detention", "officer"), "review_custody": ("supervisor",),
    "close_case": ("officer", "supervisor"),
    "propose_identity_link": ("officer", "supervisor"), "confirm_identity_link": ("supervisor",),
    "reject_identity_link": ("supervisor",),
}
assert set(USUAL) == set(COMMAND_NAMES)

# The agency's records on file before the first case: an opened "Example, Ana" of MX and a
# "Muster, Luis" of GT land between the thresholds (their link awaits review, ID-1), and Luis's
# person also has a record that gives him as a U.S. national (confirming opens a review, USC).
RECORDS = [
    {"record_id": "r-ana", "family_name": "Example", "given_name": "Ana",
     "birth_date": "1990-04-02", "sex": "F", "nationality": "MX"},
    {"record_id": "r-luis-a", "family_name": "Muster", "given_name": "Luis",
     "birth_date": "1985-01-01", "sex": "M", "nationality": "GT", "a_number": "A201234567"},
    {"record_id": "r-luis-b", "family_name": "Muster", "given_name": "Luis",
     "birth_date": "1985-01-01", "sex": "M", "nationality": "US", "a_number": "A201234567"},
]

TEXT = st.sampled_from(["", "  ", "facts recorded by the officer", "see attached"])
GOOD_TEXT = st.sampled_from(["facts recorded by the officer"] * 6 + ["", "  "])  # mostly given
TIME_STEP = st.one_of(
    st.just(timedelta(0)),
    st.integers(1, 600).map(lambda m: timedelta(minutes=m)),
    st.integers(1, 96).map(lambda h: timedelta(hours=h)),
    st.integers(1, 96).map(lambda h: timedelta(hours=h)),
    st.integers(1, 45).map(lambda d: timedelta(days=d)),
    st.integers(1, 200).map(lambda d: timedelta(days=d)),
)


def plausible(s: CaseState, proceedings: str) -> list[str]:
    """Commands that fit where the case stands, so that random walks reach deep states."""
    out: list[str] = []
    held = s.custody in ("arrested", "detained")
    out.append("resolve_citizenship" if s.citizenship_claim_open else "claim_citizenship")
    if s.identity_awaits_review:
        out += (["confirm_identity_link", "reject_identity_link"] if s.identity_proposal
                else ["propose_identity_link"])
    if s.custody in ("at_large", "released"):
        out.append("record_arrest")
    if s.custody == "arrested":
        out += ["record_examination", "determine_custody", "classify", "place", "flag_minor"]
    if s.custody == "detained":
        out += ["schedule_removal", "record_removal", "review_custody", "transfer", "release",
                "record_travel_document", "determine_custody", "serve_third_country_notice",
                "record_fear_claim"]
    if "pending" in s.fear_claims.values():
        out.append("decide_fear_claim")
    if s.pending:  # entries awaiting a second person
        out += ["confirm_entry", "confirm_entry", "reject_entry"]
    if s.order is not None:
        out.append("file_motion_to_reopen")
    if any(not m.decided for m in s.motions.values()):
        out.append("decide_motion_to_reopen")
    if held and s.unaccompanied:
        out.append("transfer_to_orr")
    if s.minor_flagged_at is not None and s.hhs_notified_at is None:
        out.append("notify_hhs")
    out += {
        "none": ["issue_nta"],
        "charged": ["serve_nta", "issue_arrest_warrant"],
        "pending": ["record_order", "schedule_hearing", "issue_arrest_warrant"],
        "decided": ["waive_appeal", "file_appeal", "issue_removal_warrant", "schedule_removal",
                    "grant_stay"],
        "on_appeal": ["decide_appeal", "schedule_removal", "grant_stay"],
        "final": ["issue_removal_warrant", "schedule_removal", "record_removal", "grant_stay",
                  "grant_stay"],
        "concluded": ["close_case"],
    }.get(proceedings, [])
    if s.stays_in_force(s.last_event_at or BASE):
        out += ["lift_stay", "lift_stay"]
    return out or ["close_case"]


def progress(s: CaseState, proceedings: str, now: datetime) -> str:
    """The next step on the lawful road to an outcome, so that some cases go the whole way."""
    if s.pending:  # an entry taking a protection away has effect once a second person confirms
        return "confirm_entry"
    if s.citizenship_claim_open:
        return "resolve_citizenship"
    if s.identity_awaits_review:
        return "confirm_identity_link" if s.identity_proposal else "propose_identity_link"
    if proceedings == "none":
        return "issue_nta"
    if proceedings == "charged":  # an NTA whose hearing is too near is replaced, not served
        soon = not s.hearings or s.hearings[0] < now + timedelta(days=10)
        return "issue_nta" if soon else "serve_nta"
    if s.custody in ("at_large", "released") and proceedings != "concluded":
        return "record_arrest"
    if s.custody == "arrested":
        return "determine_custody"
    if s.unaccompanied and s.custody == "detained":
        return "transfer_to_orr"
    if proceedings == "pending":
        return "record_order"
    if proceedings == "decided":
        return "waive_appeal"
    if proceedings == "on_appeal":
        return "decide_appeal"
    if proceedings == "final" and s.custody == "detained":
        if len(s.stays) < 2 and s.removal_scheduled is None:
            return "grant_stay"  # two stays at once, each lifted on its own
        if s.stays_in_force(now):
            return "lift_stay"
        if s.removal_warrant_at is None:
            return "issue_removal_warrant"
        if s.order is not None and not any(
                country == (s.order.designated_country or "MX") and until > now.date()
                for country, until in s.travel_documents):
            return "record_travel_document"
        if s.medical_clearance_until is None or s.medical_clearance_until <= now.date():
            return "record_medical_clearance"
        return "record_removal" if s.removal_scheduled else "schedule_removal"
    return "close_case"


def noticed_hearing_missed(s: CaseState, now: datetime) -> datetime | None:
    """A past hearing with written notice served before it, while the person was at liberty:
    one an order in absentia may name (IN-ABS)."""
    for h in sorted(s.hearings, reverse=True):
        noticed = s.hearing_notices.get(h)
        if (h < now and noticed is not None and noticed <= h
                and s.custody_at(h) not in ("arrested", "detained")):
            return h
    return None


def lawful(name: str, draw: Callable[[Any], Any], now: datetime, s: CaseState,
           clients: tuple[str, ...]) -> tuple[Actor, Command] | None:
    """The step ``name`` of the lawful road, given by someone who may give it, with fields the
    law accepts (None: no lawful form here; the random one is used instead)."""
    officer, supervisor = Actor("officer-1", "officer"), Actor("supervisor-1", "supervisor")
    counsel, detention = Actor("counsel-1", "counsel"), Actor("detention-1", "detention")
    court = order_court(s)
    doc: dict[str, Any] = {"reference": f"R-{s.version + 1}", "issued_on": now.date()}
    if name == "confirm_entry":
        entry = min(s.pending)
        proposer = s.pending[entry].actor_id
        who = [a for a in (Actor("supervisor-2", "supervisor"), Actor("counsel-2", "counsel"),
                           supervisor, counsel)
               if a.id != proposer and a.id not in s.removal_schedulers]
        if not who:
            return None
        return draw(st.sampled_from(who)), c.ConfirmEntry(
            entry=entry, document_checked=str(s.pending[entry].data.get("reference", "")))
    if name == "resolve_citizenship":
        return supervisor, c.ResolveCitizenship(
            finding=draw(st.sampled_from(["citizen", "not_citizen", "not_citizen"])),
            evidence="registrar's search", counsel="counsel-1", issued_by="DHS", **doc)
    if name == "issue_nta":
        return officer, c.IssueNta(
            charges=("INA 237(a)(1)(B)",), allegations=("overstayed a visa",),
            hearing_at=now + timedelta(days=draw(st.integers(15, 40))),
            court=draw(st.sampled_from(COURTS[:-1])), counsel_list_date=now.date())
    if name == "serve_nta":
        return officer, c.ServeNta(method=draw(st.sampled_from(["personal", "mail"])),
                                   language="es")
    if name == "record_arrest":
        missed = noticed_hearing_missed(s, now)
        if missed is not None and s.order is None and draw(st.booleans()):
            # The person missed a noticed hearing at liberty: ordered removed in absentia.
            return counsel, c.RecordOrder(
                outcome="removal", decision_mode="oral", designated_country=draw(
                    st.sampled_from(COUNTRIES)), in_absentia=True, hearing_at=missed,
                issued_by=court, **doc)
        return officer, c.RecordArrest(basis="warrantless", reason_to_believe="overstay",
                                       likely_to_escape="no fixed address")
    if name == "determine_custody":
        return officer, c.DetermineCustody(decision="detain", authority="INA 236(a)")
    if name == "record_order":
        outcome = draw(st.sampled_from(["removal", "removal", "removal", "relief"]))
        return counsel, c.RecordOrder(
            outcome=outcome, decision_mode="oral", designated_country=draw(
                st.sampled_from(COUNTRIES)),
            protected_countries=tuple(draw(st.lists(st.sampled_from(COUNTRIES), max_size=1))),
            issued_by=court, **doc)
    if name == "waive_appeal":
        if draw(st.integers(0, 2)) == 0:  # or the respondent appeals instead, in time
            return Actor("attorney-1", "attorney", clients=clients), c.FileAppeal()
        party = draw(st.sampled_from(["respondent", "respondent", "dhs"]))
        if party == "dhs" or draw(st.booleans()):  # counsel, from the judge's order
            return counsel, c.WaiveAppeal(party=party, before=court, language="es",
                                          reference=s.order.reference if s.order else "R-0")
        return Actor("attorney-1", "attorney", clients=clients), c.WaiveAppeal(
            party="respondent", before=court, language="es")
    if name == "decide_appeal":
        return counsel, c.DecideAppeal(outcome=draw(st.sampled_from(["dismissed", "remanded"])),
                                       issued_by="BIA", **doc)
    if name == "grant_stay":
        kind = draw(st.sampled_from(STAY_KINDS))
        return counsel, c.GrantStay(kind=kind, issued_by=STAY_ISSUERS[kind][0], until=draw(
            st.one_of(st.none(), st.integers(1, 60).map(lambda d: now + timedelta(days=d)))),
            **doc)
    if name == "lift_stay":
        stay = min(s.stays_in_force(now), key=lambda x: x.seq)
        return counsel, c.LiftStay(stay=stay.id, issued_by=draw(st.sampled_from(
            [stay.issued_by, "CA9"])), **doc)
    if name == "issue_removal_warrant":
        return supervisor, c.IssueRemovalWarrant()
    if name == "record_travel_document":
        dest = (s.order.designated_country if s.order else "") or "MX"
        return officer, c.RecordTravelDocument(country=dest,
                                               valid_until=now.date() + timedelta(days=90))
    if name == "record_medical_clearance":
        return detention, c.RecordMedicalClearance(valid_until=now.date() + timedelta(days=30))
    if name == "schedule_removal":
        dest = (s.order.designated_country if s.order else "") or "MX"
        return officer, c.ScheduleRemoval(destination=dest, transport="ICE Air T-1",
                                          depart_at=now + timedelta(days=3))
    if name == "record_removal":
        dest = str((s.removal_scheduled or {}).get("destination") or "MX")
        return Actor("transport-1", "transport"), c.RecordRemoval(destination=dest)
    return None


def lawful_detour(draw: Callable[[Any], Any], now: datetime, s: CaseState,
                  clients: tuple[str, ...]) -> tuple[Actor, Command] | None:
    """A lawful step off the road: a fear claim and its screening, a motion to reopen an
    in-absentia order and its decision, an appeal by either party."""
    counsel2, attorney = Actor("counsel-2", "counsel"), Actor("attorney-1", "attorney",
                                                              clients=clients)
    court = order_court(s)
    doc: dict[str, Any] = {"reference": f"R-{s.version + 1}", "issued_on": now.date()}
    pending_fear = sorted(k for k, v in s.fear_claims.items() if v == "pending")
    undecided = [m for m in s.motions.values() if not m.decided]
    options: list[tuple[Actor, Command]] = []
    if s.custody == "detained" and s.order is not None:
        options.append((attorney, c.RecordFearClaim(country=draw(st.sampled_from(COUNTRIES)))))
    if pending_fear:
        options.append((counsel2, c.DecideFearClaim(
            country=pending_fear[0], outcome=draw(st.sampled_from(
                ["no_fear", "fear_established", "withdrawn"])),
            withdrawal_statement="signed statement WS-1", issued_by="USCIS-NEW", **doc)))
    if s.order is not None and s.order.in_absentia and not undecided:
        options.append((attorney, c.FileMotionToReopen(
            grounds=draw(st.sampled_from(["lack_of_notice", "exceptional_circumstances"])),
            filed_with=court, receipt=f"MTR-{s.version + 1}", filed_on=now.date())))
    if undecided:
        options.append((Actor("counsel-1", "counsel"), c.DecideMotionToReopen(
            receipt=undecided[0].receipt, outcome=draw(st.sampled_from(["granted", "denied"])),
            issued_by=court, **doc)))
    if s.order is not None and s.appeal_filed_at is None and not s.order.in_absentia:
        party = draw(st.sampled_from(["respondent", "dhs"]))
        options.append((attorney if party == "respondent" else Actor("counsel-1", "counsel"),
                        c.FileAppeal(party=party)))
    return draw(st.sampled_from(options)) if options else None


def document(draw: Callable[[Any], Any], now: datetime, usual: tuple[str, ...]) -> dict[str, Any]:
    """The source of a court or agency event: mostly from a body that issues it, with a
    reference and the day's date; sometimes another body, a blank reference, a future date."""
    defect = draw(st.sampled_from([""] * 17 + ["issuer", "reference", "date"]))
    issued_by = draw(st.sampled_from(ISSUERS if defect == "issuer" else usual))
    reference = " " if defect == "reference" else draw(st.sampled_from(REFERENCES))
    ahead = 5 if defect == "date" else draw(st.sampled_from([0, 0, 0, -3]))
    return {"issued_by": issued_by, "reference": reference,
            "issued_on": (now + timedelta(days=ahead)).date()}


def order_court(s: CaseState) -> str:
    """The court of the case: the order's, or the NTA's."""
    if s.order is not None and s.order.court:
        return s.order.court
    return str((s.nta or {}).get("court") or "NEW")


def entry_to_check(draw: Callable[[Any], Any], s: CaseState) -> tuple[int, str]:
    """An entry awaiting a second person (mostly), and the reference read off its document
    (mostly the recorded one, sometimes in another case or spacing, sometimes another)."""
    pending = sorted(s.pending)
    entry = draw(st.one_of(*[st.just(p) for p in pending], st.integers(1, s.version + 2))) \
        if pending else draw(st.integers(1, s.version + 2))
    recorded = str(s.pending[entry].data.get("reference", "")) if entry in s.pending else "DOC-1"
    checked = draw(st.sampled_from([recorded, recorded, recorded, f" {recorded.lower()} ",
                                    "DOC-3"]))
    return entry, checked


def command_for(name: str, draw: Callable[[Any], Any], now: datetime, s: CaseState) -> Command:
    """A command called ``name`` with plausible (and sometimes unlawful) random fields."""
    who = st.sampled_from([*ACTOR_IDS, "", "nobody"])
    later = st.integers(-3 * 24, 150 * 24).map(lambda h: now + timedelta(hours=h))
    country = st.sampled_from(COUNTRIES)
    if name == "claim_citizenship":
        return c.ClaimCitizenship(evidence=draw(TEXT), raised_by=draw(st.sampled_from(
            ["person", "attorney_of_record", "relative", "document"])))
    if name == "resolve_citizenship":
        return c.ResolveCitizenship(
            finding=draw(st.sampled_from(["citizen", "not_citizen", "not_citizen", "inconclusive"])),
            evidence=draw(GOOD_TEXT),
            counsel=draw(st.one_of(st.just("counsel-1"), who)),
            **document(draw, now, ("DHS",)))
    if name == "issue_arrest_warrant":
        return c.IssueArrestWarrant(requested_by=draw(st.one_of(st.just("officer-1"), who)))
    if name == "record_arrest":
        basis = draw(st.sampled_from(["warrant", "warrantless", "warrantless", "warrantless"]))
        return c.RecordArrest(basis=basis, reason_to_believe=draw(GOOD_TEXT),
                              likely_to_escape=draw(GOOD_TEXT),
                              location_type=draw(st.sampled_from(["public", "residence"])))
    if name == "record_examination":
        return c.RecordExamination(no_other_officer_reason=draw(TEXT))
    if name == "determine_custody":
        exception = draw(st.sampled_from(["", "", "emergency", "extraordinary"]))
        return c.DetermineCustody(
            decision=draw(st.sampled_from(["detain", "detain", "bond", "recognizance",
                                           "supervision", "atd"])),
            authority="INA 236(a)", bond_amount=draw(st.sampled_from([None, 0, 1500, 10000])),
            exception=exception, exception_reason=draw(GOOD_TEXT) if exception else "",
            exception_approved_by=draw(st.one_of(st.just("supervisor-1"), who))
            if exception else "")
    if name == "flag_minor":
        return c.FlagMinor(unaccompanied=draw(st.booleans()), age_basis=draw(GOOD_TEXT))
    if name == "notify_hhs":
        return c.NotifyHhs(reference=draw(TEXT))
    if name == "transfer_to_orr":
        exception = draw(st.sampled_from(["", "exceptional_circumstances"]))
        return c.TransferToOrr(
            exception=exception, exception_reason=draw(GOOD_TEXT) if exception else "",
            exception_approved_by=draw(st.one_of(st.just("supervisor-2"), who))
            if exception else "")
    facility_type = st.sampled_from(["adult", "adult", "family", "juvenile", "orr", "hold_room",
                                     "hospital"])
    if name == "classify":
        return c.Classify(level=draw(st.sampled_from(["A", "B", "C", "D"])), basis="records")
    if name == "place":
        return c.Place(facility=draw(st.sampled_from(["ELZ", "KRO", "ORR-1"])),
                       classification=draw(st.sampled_from(["A", "B", "C", "D"])),
                       facility_type=draw(facility_type))
    if name == "transfer":
        return c.Transfer(facility=draw(st.sampled_from(["ELZ", "KRO", "ORR-1"])),
                          attorney_notified=draw(st.booleans()), facility_type=draw(facility_type))
    if name == "issue_nta":
        # Mostly a complete notice; sometimes one item missing or wrong.
        defect = draw(st.sampled_from([""] * 30 + [
            "charges", "allegations", "nature", "authority", "counsel", "address", "appear",
            "court", "past", "old_list"]))
        return c.IssueNta(
            charges=() if defect == "charges" else ("INA 237(a)(1)(B)",),
            allegations=("",) if defect == "allegations" else ("overstayed a visa",),
            hearing_at=now - timedelta(hours=1) if defect == "past" else
            now + timedelta(days=draw(st.integers(11, 120))),
            court="XXX" if defect == "court" else draw(st.sampled_from(COURTS[:-1])),
            counsel_list_date=(now - timedelta(days=draw(
                st.integers(93, 200) if defect == "old_list" else st.integers(0, 60)))).date(),
            nature_of_proceedings="" if defect == "nature" else
            "Removal proceedings under section 240 of the INA",
            legal_authority=" " if defect == "authority" else "INA 239; 8 CFR 239.1",
            counsel_advisal=defect != "counsel", address_advisal=defect != "address",
            failure_to_appear_advisal=defect != "appear")
    if name == "serve_nta":
        return c.ServeNta(method=draw(st.sampled_from(["personal", "mail"])),
                          language=draw(st.sampled_from(["es", "es", "es", "fr"])),
                          interpreter=draw(st.sampled_from(["", "", "Ana Ruiz (French)"])))
    if name == "schedule_hearing":
        return c.ScheduleHearing(at=draw(later), court=draw(st.sampled_from(COURTS)),
                                 earlier_date_requested_in_writing=draw(st.booleans()),
                                 notice=draw(st.sampled_from(["", "mail", "mail", "personal"])))
    court = order_court(s)
    if name == "record_order":
        outcome = draw(st.sampled_from(["removal", "removal", "removal", "voluntary_departure",
                                        "relief", "terminated"]))
        vd = now.date() + timedelta(days=draw(st.integers(0, 120)))
        absentia = draw(st.sampled_from([False, False, False, True]))
        missed = st.sampled_from(s.hearings) if s.hearings else st.just(now - timedelta(days=1))
        return c.RecordOrder(
            outcome=outcome, decision_mode=draw(st.sampled_from(["oral", "written"])),
            protected_countries=tuple(draw(st.lists(country, max_size=2, unique=True))),
            designated_country=draw(country),
            vd_deadline=vd if outcome == "voluntary_departure" and draw(st.booleans()) else None,
            in_absentia=absentia,
            hearing_at=draw(st.one_of(missed, missed, st.none())) if absentia else None,
            no_address_provided=absentia and draw(st.integers(0, 5)) == 0,
            terminates_protection=tuple(draw(st.lists(country, max_size=1)))
            if draw(st.integers(0, 9)) == 0 else (),
            **document(draw, now, (court,)))
    if name == "waive_appeal":
        return c.WaiveAppeal(party=draw(st.sampled_from(["respondent", "respondent", "dhs"])),
                             before=draw(st.sampled_from([court, court, court, "HOU"])),
                             language=draw(st.sampled_from(["es", "es", "es", "fr", None])),
                             interpreter=draw(st.sampled_from(["", "", "", "Ana Ruiz"])),
                             reference=draw(st.sampled_from([*REFERENCES, ""])))
    if name == "file_appeal":
        return c.FileAppeal(party=draw(st.sampled_from(["respondent", "respondent", "dhs"])),
                            filed_on=draw(st.sampled_from(
                                [None, None, None, now.date() - timedelta(days=3), now.date()])))
    if name == "decide_appeal":
        return c.DecideAppeal(outcome=draw(st.sampled_from(["dismissed", "dismissed",
                                                            "sustained", "remanded"])),
                              vd_deadline=now.date() + timedelta(days=draw(st.integers(1, 90)))
                              if draw(st.integers(0, 5)) == 0 else None,
                              terminates_protection=tuple(draw(st.lists(country, max_size=1)))
                              if draw(st.integers(0, 9)) == 0 else (),
                              **document(draw, now, ("BIA",)))
    if name == "grant_stay":
        until = draw(st.one_of(st.none(), later))
        kind = draw(st.sampled_from(STAY_KINDS))
        return c.GrantStay(kind=kind, until=until, **document(draw, now, STAY_ISSUERS[kind]))
    if name == "lift_stay":  # a stay by its reference, lifted by its body or a federal court
        stays = sorted(s.stays_in_force(now), key=lambda x: x.seq) or \
            sorted(s.stays.values(), key=lambda x: x.seq)
        stay = draw(st.sampled_from(stays)) if stays else None
        lifters = (stay.issued_by, "CA9") if stay is not None else ("CA9",)
        return c.LiftStay(stay=stay.id if stay is not None else draw(st.sampled_from(REFERENCES)),
                          kind=draw(st.sampled_from([None, None, *STAY_KINDS])),
                          **document(draw, now, lifters))
    if name == "issue_removal_warrant":
        return c.IssueRemovalWarrant()
    if name == "record_travel_document":
        return c.RecordTravelDocument(country=draw(country),
                                      valid_until=now.date() + timedelta(days=90))
    if name == "record_medical_clearance":
        return c.RecordMedicalClearance(valid_until=now.date() + timedelta(days=30))
    if name == "serve_third_country_notice":
        return c.ServeThirdCountryNotice(
            country=draw(country), language=draw(st.sampled_from(["es", "es", "es", "fr"])),
            interpreter=draw(st.sampled_from(["", "", "Ana Ruiz"])))
    if name == "record_fear_claim":
        return c.RecordFearClaim(country=draw(country))
    if name == "decide_fear_claim":
        pending = sorted(k for k, v in s.fear_claims.items() if v == "pending") or ["MX"]
        return c.DecideFearClaim(
            country=draw(st.sampled_from(pending)),
            outcome=draw(st.sampled_from(["no_fear", "fear_established", "withdrawn"])),
            withdrawal_statement=draw(st.sampled_from(["", "signed statement WS-1"])),
            **document(draw, now, ("USCIS-NEW", court)))
    if name == "file_motion_to_reopen":
        return c.FileMotionToReopen(
            grounds=draw(st.sampled_from(["lack_of_notice", "in_custody",
                                          "exceptional_circumstances", "other"])),
            filed_with=draw(st.sampled_from([court, court, "BIA"])),
            receipt=draw(st.sampled_from(["MTR-1", "MTR-2"])), filed_on=now.date())
    if name == "decide_motion_to_reopen":
        receipts = sorted(m.receipt for m in s.motions.values()) or ["MTR-1"]
        return c.DecideMotionToReopen(receipt=draw(st.sampled_from(receipts)),
                                      outcome=draw(st.sampled_from(["granted", "denied"])),
                                      **document(draw, now, (court, "BIA")))
    if name == "confirm_entry":
        entry, checked = entry_to_check(draw, s)
        return c.ConfirmEntry(entry=entry, document_checked=checked)
    if name == "reject_entry":
        entry, _ = entry_to_check(draw, s)
        return c.RejectEntry(entry=entry, reason=draw(TEXT))
    if name == "schedule_removal":
        return c.ScheduleRemoval(destination=draw(country), depart_at=draw(later),
                                 transport="ICE Air T-1")
    if name == "record_removal":
        scheduled = (s.removal_scheduled or {}).get("destination")
        dest = draw(st.one_of(st.just(scheduled), country)) if scheduled else draw(country)
        return c.RecordRemoval(destination=dest)
    if name == "release":
        return c.Release(kind=draw(st.sampled_from(["bond", "recognizance", "parole",
                                                    "citizenship", "other"])),
                         conditions=draw(TEXT))
    if name == "review_custody":
        return c.ReviewCustody(
            kind=draw(st.sampled_from(["pocr", "hq", "zadvydas"])),
            finding=draw(st.sampled_from(["continue", "release"])),
            likelihood_of_removal=draw(st.sampled_from(["", "significant", "not_significant"])))
    if name == "propose_identity_link":
        return c.ProposeIdentityLink(record=draw(st.sampled_from(["r-ana", "r-luis-a", ""])),
                                     reason=draw(TEXT))
    if name == "confirm_identity_link":
        return c.ConfirmIdentityLink(reason=draw(TEXT))
    if name == "reject_identity_link":
        return c.RejectIdentityLink(reason=draw(TEXT))
    if name == "close_case":
        return c.CloseCase(reason=draw(st.sampled_from(["removed", "terminated", "duplicate"])))
    raise AssertionError(f"no generator for {name}")  # pragma: no cover


def make_machine(app: App) -> type[RuleBasedStateMachine]:
    known_rules = set(guard_ids())
    engine = app.ctx.engine

    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.now = BASE
            self.cases: list[str] = []
            self.persons: list[str] = []
            self.last: tuple[Command, Actor, datetime, str | None, str] | None = None
            self.last_outcome: Any = None

        # -- helpers ------------------------------------------------------------------------

        def actor(self, draw: Callable[[Any], Any], name: str) -> Actor:
            usual = st.sampled_from(USUAL[name])
            role = draw(st.one_of(usual, usual, usual, st.sampled_from(ROLES)))
            n = draw(st.sampled_from([1, 2]))
            if role == "attorney":  # attorney-1 represents everyone here, attorney-2 no one
                return Actor(f"attorney-{n}", "attorney",
                             clients=tuple(self.persons) if n == 1 else ())
            return Actor(f"{role}-{n}", role)

        def counts(self, case_id: str | None) -> tuple[int, int]:
            if case_id is None:
                return 0, 0
            with engine.connect() as conn:
                n = conn.execute(select(func.count()).select_from(events)
                                 .where(events.c.case_id == case_id)).scalar_one()
                v = conn.execute(select(cases.c.version).where(cases.c.id == case_id)).scalar()
            return int(n), int(v or 0)

        def do(self, cmd: Command, actor: Actor, case_id: str | None, keyed: bool) -> None:
            key = f"k-{next(KEYS)}" if keyed else None
            n0, v0 = self.counts(case_id)
            out = app.do(cmd, actor, self.now, case_id=case_id, idempotency_key=key)
            assert not out.replayed
            if out.accepted:
                assert out.events, f"{cmd.name} was accepted but appended no event"
                if case_id is None:
                    assert out.case_id
                    case_id = out.case_id
                    self.cases.append(case_id)
                    with engine.connect() as conn:
                        st_ = repo.load_case(conn, case_id)
                    assert st_ is not None
                    self.persons.append(st_.person_id)
                n1, v1 = self.counts(case_id)
                assert n1 == n0 + len(out.events), (cmd.name, n0, n1, out.events)
                assert v1 == v0 + len(out.events) == out.version, (cmd.name, v0, v1, out)
                assert [e["seq"] for e in out.events] == list(range(v0 + 1, v1 + 1))
                assert out.events[0]["kind"] != "deadline_missed"
            else:
                assert out.refusals, f"{cmd.name} was refused without naming a rule"
                for r in out.refusals:
                    assert r.rule_id in known_rules, r
                    assert r.reason.strip() and r.citation.strip(), r
                assert self.counts(case_id) == (n0, v0), f"refused {cmd.name} wrote to the case"
                assert out.version == v0
            if key is not None:
                self.last = (cmd, actor, self.now, case_id if cmd.name != "open_case" else None,
                             key)
                self.last_outcome = out

        # -- rules ----------------------------------------------------------------------------

        def open(self, draw: Callable[[Any], Any]) -> None:
            person = PersonData(
                family_name=draw(st.sampled_from(["Example", "Muster", "Doe"])),
                given_name=draw(st.sampled_from(["Ana", "Luis", "Wei"])),
                nationalities=(draw(st.sampled_from(COUNTRIES)),), languages=("es",))
            cmd = c.OpenCase(person=person,
                             encounter=draw(st.sampled_from(["border", "interior", "court"])),
                             location="Newark", legal_basis="INA 237(a)(1)(B)")
            self.do(cmd, self.actor(draw, "open_case"), None, draw(st.booleans()))

        @initialize(data=st.data())
        def first_case(self, data: st.DataObject) -> None:
            while not self.cases:
                self.open(data.draw)

        @precondition(lambda self: len(self.cases) < 3)
        @rule(data=st.data())
        def another_case(self, data: st.DataObject) -> None:
            self.open(data.draw)

        @rule(data=st.data())
        def act(self, data: st.DataObject) -> None:
            draw = data.draw
            if self.last is not None and draw(st.integers(0, 7)) == 0:
                self.retry_with_the_same_key(draw(TIME_STEP))
                return
            self.now += draw(TIME_STEP)
            # Mostly the first case, so that one case often goes the whole way.
            case_id = draw(st.one_of(st.just(self.cases[0]), st.sampled_from(self.cases)))
            with engine.connect() as conn:
                s = repo.load_case(conn, case_id)
            assert s is not None
            proceedings = s.facets(self.now, appeal_deadline(s)).proceedings
            likely = st.sampled_from(plausible(s, proceedings))
            ahead = st.just(progress(s, proceedings, self.now))
            name = draw(st.one_of(ahead, ahead, likely, likely,
                                  st.sampled_from(COMMAND_NAMES[1:])))
            cmd = command_for(name, draw, self.now, s)
            self.do(cmd, self.actor(draw, name), case_id, draw(st.booleans()))

        @rule(data=st.data())
        def advance(self, data: st.DataObject) -> None:
            """One lawful step for the first case (or a lawful detour), so that cases reach
            the deep states: stays, lifts and their confirmation, appeals, waivers, fear
            screenings, in-absentia orders and motions to reopen, removal."""
            draw = data.draw
            self.now += draw(st.sampled_from([timedelta(minutes=30), timedelta(hours=6),
                                              timedelta(days=2), timedelta(days=12),
                                              timedelta(days=35)]))
            case_id = self.cases[0]
            with engine.connect() as conn:
                s = repo.load_case(conn, case_id)
            assert s is not None
            proceedings = s.facets(self.now, appeal_deadline(s)).proceedings
            clients = tuple(self.persons)
            step = (lawful_detour(draw, self.now, s, clients) if draw(st.integers(0, 3)) == 0
                    else lawful(progress(s, proceedings, self.now), draw, self.now, s, clients))
            if step is None:
                return
            actor, cmd = step
            self.do(cmd, actor, case_id, draw(st.booleans()))

        def retry_with_the_same_key(self, wait: timedelta) -> None:
            """The same command with the same idempotency key, later: the stored outcome, and
            nothing written again."""
            assert self.last is not None
            cmd, actor, at, case_id, key = self.last
            before = {cid: self.counts(cid) for cid in self.cases}
            out = app.do(cmd, actor, at + wait, case_id=case_id, idempotency_key=key)
            assert out.replayed
            assert out.as_dict() == self.last_outcome.as_dict()
            assert {cid: self.counts(cid) for cid in self.cases} == before

        # -- after every step -------------------------------------------------------------------

        @invariant()
        def histories_are_lawful_and_read_models_match(self) -> None:
            with engine.connect() as conn:
                for case_id in self.cases:
                    evs = repo.load_events(conn, case_id)
                    violations = check_history(evs)
                    assert not violations, "\n".join(
                        [str(v) for v in violations] + [f"  {e.seq} {e.at:%Y-%m-%d %H:%M} "
                                                        f"{e.actor_id} {e.kind} {e.data}"
                                                        for e in evs])
                    state = fold(case_id, evs)
                    facets = state.facets(evs[-1].at, appeal_deadline(state))
                    row = repo.case_row(conn, case_id)
                    assert row is not None
                    stored = {k: row[k] for k in ("proceedings", "custody", "holds", "status",
                                                  "close_reason", "version")}
                    derived = {"proceedings": facets.proceedings, "custody": facets.custody,
                               "holds": ",".join(sorted(facets.holds)), "status": facets.status,
                               "close_reason": facets.close_reason, "version": evs[-1].seq}
                    assert stored == derived, (case_id, stored, derived)

    return Lifecycle


def test_random_lifecycles_keep_the_law(db_url: str) -> None:
    postgres = db_url.startswith("postgresql")
    app = build_app(db_url, seed=20261122)
    do_import_records(app.ctx, RECORDS, "prior_case", at=BASE)
    do_link(app.ctx, at=BASE)
    for actor_id in ACTOR_IDS:
        role = actor_id.rsplit("-", 1)[0]
        app.register_actor(Actor(actor_id, role))
    started = time.perf_counter()
    # DUECOURSE_MACHINE_EXAMPLES runs a longer search (for example overnight) on either backend.
    examples = int(os.environ.get("DUECOURSE_MACHINE_EXAMPLES", 0)) or (60 if postgres else 150)
    run_state_machine_as_test(make_machine(app), settings=settings(
        max_examples=examples, stateful_step_count=30 if postgres else 40,
        deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    ))
    # The whole store, case by case, as the oversight report would check it.
    assert check_store(app.ctx.engine) == []
    elapsed = time.perf_counter() - started
    print(f"\nlifecycle machine on {'postgres' if postgres else 'sqlite'}: {elapsed:.1f} s")
