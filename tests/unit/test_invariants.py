"""law/invariants.py on hand-built histories: known-good ones pass, each known-bad one is named.

The histories are written event by event (not through the handlers), the way sigstore keeps
known-bad fixtures: the checker must recognise a breach however it got into a store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine

from duecourse.app.invariants import check_store
from duecourse.domain.events import DEADLINE_MISSED, Event
from duecourse.law.invariants import Violation, appeal_window_end, check_history

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)  # a Monday
EASTERN = ZoneInfo("America/New_York")  # where the Board keeps its days (APP-30 filing zone)
H = timedelta(hours=1)
D = timedelta(days=1)

ROLE_OF = {"o1": "officer", "o2": "officer", "s1": "supervisor", "s2": "supervisor",
           "c2": "counsel",
           "c1": "counsel", "d1": "detention", "t1": "transport", "g1": "oversight",
           "x1": "admin", "a1": "attorney"}


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


class History:
    """A case's events, written one by one."""

    def __init__(self, case_id: str = "C-TEST") -> None:
        self.case_id = case_id
        self.events: list[Event] = []

    def add(self, event_kind: str, when: datetime, /, by: str = "o1", **data: Any) -> History:
        self.events.append(Event(self.case_id, len(self.events) + 1, event_kind, when, by,
                                 ROLE_OF[by], data))
        return self

    def missed(self, deadline: str, at: datetime) -> History:
        return self.add(DEADLINE_MISSED, at, deadline=deadline, met_at=iso(at))

    @property
    def last(self) -> datetime:
        return self.events[-1].at


def nta_data(at: datetime, **over: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "charges": ["INA 237(a)(1)(B)"], "allegations": ["overstayed a visa"],
        "hearing_at": iso(at + 20 * D), "court": "NEW",
        "counsel_list_date": (at - 5 * D).date().isoformat(),
        "nature_of_proceedings": "Removal proceedings under section 240 of the INA",
        "legal_authority": "INA 239; 8 CFR 239.1", "counsel_advisal": True,
        "address_advisal": True, "failure_to_appear_advisal": True,
    }
    d.update(over)
    return d


def opened(at: datetime = T0) -> History:
    return History().add("case_opened", at, person_id="P-1", person={"languages": ["es"]},
                         encounter="interior")


def confirm(h: History, by: str = "s2") -> History:
    """A second person confirms the last entry against its document (PROVENANCE)."""
    e = h.events[-1]
    return h.add("entry_confirmed", e.at + timedelta(minutes=10), by=by, entry=e.seq,
                 document_checked=str(e.data.get("reference", "")))


def waived(h: History, at: datetime, party: str = "respondent") -> History:
    """A party's waiver of appeal before the judge (the respondent's in their language), entered
    by counsel: the respondent's, from the judge's order, confirmed by a second person."""
    h.add("appeal_waived", at, by="c1", party=party, before="NEW", language="es",
          interpreter="", reference=f"NEW-WAIVER-{len(h.events) + 1}")
    return confirm(h) if party == "respondent" else h


def detained(h: History | None = None) -> History:
    """Opened, arrested without a warrant (reasons recorded), examined, detained and placed."""
    h = h or opened()
    t = h.last
    return (h.add("arrest_recorded", t + H, basis="warrantless", reason_to_believe="overstay",
                  likely_to_escape="no address", location_type="public")
             .add("examination_recorded", t + 2 * H, by="o2")
             .add("custody_determined", t + 20 * H, decision="detain", authority="INA 236(a)")
             .add("placed", t + 21 * H, by="d1", facility="ELZ", classification="B",
                  facility_type="adult")
             .add("consular_advisal_recorded", t + 22 * H, by="d1", language="es",
                  notification_requested=False))  # CON-1


def charged(h: History) -> History:
    t = h.last + H
    return (h.add("nta_issued", t, **nta_data(t))
             .add("nta_served", t + H, method="personal", language="es"))


def ordered(h: History, at: datetime, **over: Any) -> History:
    data: dict[str, Any] = {"outcome": "removal", "decision_mode": "oral",
                            "protected_countries": ["SV"], "designated_country": "MX",
                            "vd_deadline": None, "in_absentia": False, "issued_by": "NEW",
                            "reference": f"NEW-IJ-{len(h.events) + 1}",
                            "issued_on": at.astimezone(EASTERN).date().isoformat()}
    data.update(over)
    return h.add("order_recorded", at, by="c1", **data)


def absent() -> tuple[History, datetime]:
    """A person at liberty, charged and served by mail, who missed the NTA's hearing: an order
    in absentia naming that hearing, confirmed by a second person; the order's time."""
    h = opened()
    t = h.last + H
    h.add("nta_issued", t, **nta_data(t)).add("nta_served", t + H, method="mail", language="es")
    hearing = t + 20 * D  # the NTA's hearing (nta_data)
    ordered(h, hearing + 2 * H, in_absentia=True, hearing_at=iso(hearing))
    confirm(h)
    return h, hearing + 2 * H


def removed(h: History, at: datetime, dest: str = "MX", warrant: bool = True,
            fit: bool = True) -> History:
    if warrant:
        h.add("removal_warrant_issued", at, by="s1")
    if fit:
        h.add("travel_document_recorded", at, by="o1", country=dest.upper(),
              valid_until=(at + 30 * D).date().isoformat())
        h.add("medical_clearance_recorded", at, by="d1",
              valid_until=(at + 10 * D).date().isoformat())
    return (h.add("removal_scheduled", at + H, by="s1", destination=dest,
                  depart_at=iso(at + 3 * D), transport="T-1")
             .add("removal_recorded", at + 3 * D, by="t1", destination=dest))


def order_to_final() -> tuple[History, datetime]:
    """A detained, charged person with a removal order recorded at ``order_at``."""
    h = charged(detained())
    order_at = T0 + 40 * D
    return ordered(h, order_at), order_at


def rules(h: History) -> list[str]:
    return [v.rule for v in check_history(h.events)]


def only(h: History) -> Violation:
    vs = check_history(h.events)
    assert len(vs) >= 1, "expected a violation"
    return vs[0]


# ---------------------------------------------------------------------------------------------
# Known-good histories


def test_a_lawful_removal_after_the_window_closed() -> None:
    h, order_at = order_to_final()
    removed(h, appeal_window_end(order_at) + H).add("case_closed", h.last + H, reason="removed")
    assert check_history(h.events) == []


def test_the_appeal_window_runs_to_the_next_business_day() -> None:
    # 2026-04-05 + 30 days = 2026-05-05 (Tuesday); 2026-04-26 + 30 = 2026-05-26 (Tuesday after
    # Memorial Day, Monday 25th); a decision on 2026-04-25 ends on Monday 25 May, a holiday.
    # The day ends where the Board keeps its days (LEGAL-DAY: Eastern), not at midnight UTC.
    assert appeal_window_end(datetime(2026, 4, 5, 9, tzinfo=UTC)) == datetime(
        2026, 5, 5, 23, 59, 59, tzinfo=EASTERN)
    assert appeal_window_end(datetime(2026, 4, 25, 9, tzinfo=UTC)) == datetime(
        2026, 5, 26, 23, 59, 59, tzinfo=EASTERN)


def test_waiver_in_absentia_and_dismissed_appeal_make_the_order_final() -> None:
    h, order_at = order_to_final()
    waived(h, order_at + H)
    removed(h, order_at + 2 * H)
    assert check_history(h.events) == []

    # In absentia (a noticed hearing missed while at liberty; confirmed): final at once. The
    # person is arrested and detained afterwards.
    h, order_at = absent()
    removed(detained(h), h.last + 22 * H)
    assert check_history(h.events) == []

    h, order_at = order_to_final()
    h.add("appeal_filed", order_at + 10 * D, by="a1", timely=True, party="respondent")
    h.add("appeal_decided", order_at + 90 * D, by="c1", outcome="dismissed", issued_by="BIA",
          reference="BIA-1", issued_on=(order_at + 90 * D).date().isoformat())
    confirm(h)
    removed(h, order_at + 90 * D + H)
    assert check_history(h.events) == []


def test_an_entry_that_takes_a_protection_away_has_no_effect_until_confirmed() -> None:
    h, order_at = order_to_final()
    h.add("appeal_filed", order_at + 10 * D, by="a1", timely=True, party="respondent")
    h.add("appeal_decided", order_at + 90 * D, by="c1", outcome="dismissed", issued_by="BIA",
          reference="BIA-1", issued_on=(order_at + 90 * D).date().isoformat())
    removed(h, order_at + 90 * D + H)
    assert "STAY-AUTO" in rules(h) and "FINAL" in rules(h)


def test_an_untimely_appeal_does_not_stay_removal() -> None:
    h, order_at = order_to_final()
    end = appeal_window_end(order_at)
    h.add("appeal_filed", end + D, by="a1", timely=False)
    removed(h, end + 2 * D)
    assert check_history(h.events) == []


def test_voluntary_departure_is_final_after_its_deadline() -> None:
    h = charged(detained())
    order_at = T0 + 40 * D
    vd = (order_at + 60 * D).date()
    ordered(h, order_at, outcome="voluntary_departure", vd_deadline=vd.isoformat())
    waived(h, order_at + H)
    # The period ends at the end of its day where the order's court (Newark) keeps its days.
    removed(h, datetime.combine(vd + timedelta(days=1), datetime.min.time(), tzinfo=EASTERN))
    assert check_history(h.events) == []


def test_a_lifted_or_expired_stay_no_longer_blocks() -> None:
    h, order_at = order_to_final()
    t = appeal_window_end(order_at) + H
    h.add("stay_granted", t, by="c1", kind="judicial", until=None, issued_by="CA3",
          reference="CA3-1", issued_on=t.date().isoformat())
    h.add("stay_granted", t, by="c1", kind="bia", until=None, issued_by="BIA",
          reference="BIA-S-1", issued_on=t.date().isoformat())
    h.add("stay_lifted", t + D, by="c1", stay="CA3-1", issued_by="CA3", reference="CA3-2",
          issued_on=(t + D).date().isoformat())
    confirm(h)
    h.add("stay_lifted", t + D + H, by="c1", stay="bia-s-1 ", issued_by="BIA",
          reference="BIA-S-2", issued_on=(t + D).date().isoformat())
    confirm(h)
    h.add("stay_granted", t + D + 2 * H, by="c1", kind="dhs", until=iso(t + 2 * D),
          issued_by="DHS", reference="DHS-S-1", issued_on=(t + D).date().isoformat())
    removed(h, t + 3 * D)
    assert check_history(h.events) == []


def test_a_lift_takes_effect_only_confirmed_and_lifts_only_the_stay_it_names() -> None:
    h, order_at = order_to_final()
    t = appeal_window_end(order_at) + H
    h.add("stay_granted", t, by="c1", kind="judicial", until=None, issued_by="CA3",
          reference="CA3-1", issued_on=t.date().isoformat())
    h.add("stay_lifted", t + D, by="c1", stay="CA3-1", issued_by="CA3", reference="CA3-2",
          issued_on=(t + D).date().isoformat())  # one person's word: no effect
    removed(h, t + 3 * D)
    assert "STAY-JUD" in rules(h)
    h, order_at = order_to_final()
    h.add("stay_granted", t, by="c1", kind="judicial", until=None, issued_by="CA3",
          reference="CA3-1", issued_on=t.date().isoformat())
    h.add("stay_granted", t, by="c1", kind="judicial", until=None, issued_by="CA3",
          reference="CA3-7", issued_on=t.date().isoformat())
    h.add("stay_lifted", t + D, by="c1", stay="CA3-1", issued_by="CA3", reference="CA3-2",
          issued_on=(t + D).date().isoformat())
    confirm(h)
    removed(h, t + 3 * D)
    assert "STAY-JUD" in rules(h)  # CA3-7 still stays removal


def test_late_custody_decision_recorded_as_missed_or_excepted_is_not_a_violation() -> None:
    h = opened()
    h.add("arrest_recorded", T0 + H, basis="warrantless", reason_to_believe="r",
          likely_to_escape="l")
    h.add("custody_determined", T0 + 60 * H, decision="detain", authority="INA 236(a)")
    h.missed("CUS-48", T0 + 60 * H)
    assert check_history(h.events) == []

    h = opened()
    h.add("arrest_recorded", T0 + H, basis="warrantless", reason_to_believe="r",
          likely_to_escape="l")
    h.add("custody_determined", T0 + 60 * H, decision="detain", authority="INA 236(a)",
          exception="emergency", exception_reason="hurricane closed the office",
          exception_approved_by="s1")
    assert check_history(h.events) == []


def test_a_child_notified_and_moved_to_orr_in_time() -> None:
    h = opened()
    h.add("arrest_recorded", T0 + H, basis="warrantless", reason_to_believe="r",
          likely_to_escape="l")
    h.add("minor_flagged", T0 + 2 * H, by="d1", unaccompanied=True, age_basis="birth record")
    h.add("hhs_notified", T0 + 10 * H, by="d1")
    h.add("transferred_to_orr", T0 + 30 * H, by="d1")
    h.add("case_closed", T0 + 31 * H, reason="with ORR")
    assert check_history(h.events) == []


def test_enforcement_after_a_claim_is_resolved_not_citizen() -> None:
    h = opened()
    h.add("citizenship_claimed", T0 + H, evidence="says born in Texas")
    h.add("custody_determined", T0 + 2 * H, decision="recognizance", authority="INA 236(a)")  # helps
    h.add("citizenship_resolved", T0 + D, by="s1", finding="not_citizen", evidence="records",
          counsel="c1", issued_by="DHS", reference="USC-1", issued_on=T0.date().isoformat())
    confirm(h, by="c1")
    h.add("arrest_recorded", T0 + 2 * D, basis="warrantless", reason_to_believe="r",
          likely_to_escape="l")
    assert check_history(h.events) == []


# ---------------------------------------------------------------------------------------------
# Known-bad histories, one per kind of violation


def test_removal_in_the_appeal_window() -> None:
    h, order_at = order_to_final()
    removed(h, order_at + 5 * D)
    assert "STAY-AUTO" in rules(h)
    assert "FINAL" in rules(h)
    v = next(v for v in check_history(h.events) if v.rule == "STAY-AUTO")
    assert v.event_seq == h.events[-2].seq and v.case_id == "C-TEST" and "window" in v.what


def test_removal_while_a_timely_appeal_is_pending() -> None:
    h, order_at = order_to_final()
    h.add("appeal_filed", order_at + 10 * D, by="a1", timely=True)
    removed(h, order_at + 60 * D)
    assert "STAY-AUTO" in rules(h)


def test_removal_under_a_stay() -> None:
    h, order_at = order_to_final()
    t = appeal_window_end(order_at) + H
    h.add("stay_granted", t, by="c1", kind="judicial", until=None)
    removed(h, t + D)
    assert "STAY-JUD" in rules(h)

    h, order_at = order_to_final()
    t = appeal_window_end(order_at) + H
    h.add("stay_granted", t, by="c1", kind="bia", until=iso(t + 30 * D))
    removed(h, t + D)
    assert "STAY-AUTO" in rules(h)


def test_removal_before_the_order_was_final() -> None:
    # A timely appeal sustained: no removal order remains.
    h, order_at = order_to_final()
    h.add("appeal_filed", order_at + D, by="a1")
    h.add("appeal_decided", order_at + 50 * D, by="c1", outcome="sustained")
    removed(h, order_at + 51 * D)
    assert "FINAL" in rules(h)
    # Voluntary departure: not final before the departure deadline.
    h = charged(detained())
    order_at = T0 + 40 * D
    ordered(h, order_at, outcome="voluntary_departure",
            vd_deadline=(order_at + 60 * D).date().isoformat())
    h.add("appeal_waived", order_at + H, by="c1")
    removed(h, order_at + 10 * D)
    assert rules(h).count("FINAL") == 3  # warrant, scheduling, removal


def test_removal_without_any_order() -> None:
    h = charged(detained())
    removed(h, T0 + 50 * D)
    assert rules(h).count("FINAL") == 3


def test_removal_to_a_protected_country() -> None:
    h, order_at = order_to_final()
    removed(h, appeal_window_end(order_at) + H, dest="sv")
    assert rules(h).count("PROT-CTRY") == 2


def test_removal_to_a_third_country() -> None:
    # MX is designated; PA is neither the person's nor designated: notice, its period, no fear.
    h, order_at = order_to_final()
    removed(h, appeal_window_end(order_at) + H, dest="PA")
    assert rules(h) == ["3RD-CTRY", "3RD-CTRY"]  # scheduled and removed without notice
    h, order_at = order_to_final()
    at = appeal_window_end(order_at) + H
    h.add("removal_warrant_issued", at, by="s1")
    h.add("travel_document_recorded", at, by="o1", country="PA",
          valid_until=(at + 30 * D).date().isoformat())
    h.add("medical_clearance_recorded", at, by="d1", valid_until=(at + 10 * D).date().isoformat())
    h.add("third_country_notice_served", at, by="o1", country="PA", language="es")
    h.add("removal_scheduled", at + H, by="s1", destination="PA", depart_at=iso(at + 12 * H),
          transport="T-1")
    h.add("removal_recorded", at + 12 * H, by="t1", destination="PA")
    # Twelve hours is less than the notice period (the checker holds the legal floor, 24 hours;
    # the guards' configurable default is longer).
    assert rules(h) == ["3RD-CTRY", "3RD-CTRY"]
    h, order_at = order_to_final()
    at = appeal_window_end(order_at) + 20 * D
    h.add("third_country_notice_served", at - 12 * D, by="o1", country="PA", language="es")
    h.add("fear_claim_recorded", at - 11 * D, by="o1", country="PA")
    removed(h, at, dest="PA")
    assert rules(h) == ["3RD-CTRY", "3RD-CTRY"]  # while the fear claim awaits its screening
    h, order_at = order_to_final()
    h.add("third_country_notice_served", at - 12 * D, by="o1", country="PA", language="es")
    h.add("fear_claim_recorded", at - 11 * D, by="o1", country="PA")
    h.add("fear_claim_decided", at - 10 * D, by="s2", country="PA", outcome="no_fear",
          issued_by="USCIS-NEW", reference="ZNK-1", issued_on=(at - 10 * D).date().isoformat())
    confirm(h, by="c2")  # the negative decision takes effect once a second person confirms it
    removed(h, at, dest="PA")
    assert rules(h) == []
    # The person's own country needs no notice, though the judge designated another.
    h, order_at = order_to_final()
    h.events[0].data["person"]["nationalities"] = ["GT"]
    removed(h, appeal_window_end(order_at) + H, dest="GT")
    assert rules(h) == []


def test_removal_without_a_travel_document_or_medical_clearance() -> None:
    h, order_at = order_to_final()
    removed(h, appeal_window_end(order_at) + H, fit=False)
    assert rules(h) == ["TRAVEL-DOC", "MED", "TRAVEL-DOC", "MED"]
    # Documents for another country, or ones that run out before the departure day, do not count.
    h, order_at = order_to_final()
    at = appeal_window_end(order_at) + H
    h.add("travel_document_recorded", at, by="o1", country="GT",
          valid_until=(at + 30 * D).date().isoformat())
    h.add("medical_clearance_recorded", at, by="d1", valid_until=(at + D).date().isoformat())
    removed(h, at, fit=False)
    assert rules(h) == ["TRAVEL-DOC", "MED", "TRAVEL-DOC", "MED"]


def test_transfer_without_a_medical_clearance() -> None:
    h = detained()
    h.add("transferred", h.last + D, by="d1", facility="Annex", attorney_notified=True)
    assert rules(h) == ["MED"]
    h = detained()
    h.add("medical_clearance_recorded", h.last + D, by="d1",
          valid_until=(h.last + D).date().isoformat())
    h.add("transferred", h.last + H, by="d1", facility="Annex", attorney_notified=True)
    assert rules(h) == []


def test_removal_without_a_warrant_on_the_order_in_force() -> None:
    h, order_at = order_to_final()
    removed(h, appeal_window_end(order_at) + H, warrant=False)
    assert rules(h) == ["I205", "I205"]
    # A warrant issued on an order later vacated does not carry over to the new order.
    h, order_at = order_to_final()
    end = appeal_window_end(order_at)
    h.add("removal_warrant_issued", end + H, by="s1")
    h.add("appeal_filed", end + D, by="a1", timely=False)
    h.add("appeal_decided", end + 20 * D, by="c1", outcome="remanded")
    second = end + 30 * D
    ordered(h, second)
    removed(h, appeal_window_end(second) + H, warrant=False)
    assert rules(h) == ["I205", "I205"]


def test_removal_warrant_by_a_non_supervisor_or_without_a_final_order() -> None:
    h, order_at = order_to_final()
    h.add("removal_warrant_issued", appeal_window_end(order_at) + H, by="o1")
    assert rules(h) == ["I205"]
    h, order_at = order_to_final()
    h.add("removal_warrant_issued", order_at + D, by="s1")
    assert rules(h) == ["FINAL"]


@pytest.mark.parametrize("kind,data", [
    ("arrest_warrant_issued", {"requested_by": "o1"}),
    ("arrest_recorded", {"basis": "warrantless", "reason_to_believe": "r",
                         "likely_to_escape": "l"}),
    ("custody_determined", {"decision": "detain", "authority": "INA 236(a)"}),
    ("custody_determined", {"decision": "bond", "authority": "INA 236(a)", "bond_amount": 1500}),
    ("placed", {"facility": "ELZ", "classification": "A"}),
    ("transferred", {"facility": "ELZ", "attorney_notified": True}),
    ("nta_issued", nta_data(T0 + D)),
    ("nta_served", {"method": "mail", "language": "en"}),
    ("hearing_scheduled", {"at": iso(T0 + 30 * D), "court": "NEW"}),
    ("removal_warrant_issued", {}),
    ("removal_scheduled", {"destination": "MX", "depart_at": iso(T0 + 3 * D), "transport": "T"}),
    ("removal_recorded", {"destination": "MX"}),
])
def test_adverse_action_during_a_citizenship_review_or_against_a_citizen(
    kind: str, data: dict[str, Any],
) -> None:
    by = "s1" if kind.endswith("warrant_issued") else "o1"
    h = opened().add("citizenship_claimed", T0 + H, by="a1", evidence="US passport")
    h.add(kind, T0 + D, by=by, **data)
    assert "USC" in rules(h)
    # A finding of citizenship is never undone by a later claim resolved otherwise.
    h = opened().add("citizenship_claimed", T0 + H, by="a1", evidence="US passport")
    h.add("citizenship_resolved", T0 + 2 * H, by="s1", finding="citizen", evidence="passport",
          counsel="c1")
    h.add("citizenship_claimed", T0 + 3 * H, evidence="again")
    h.add("citizenship_resolved", T0 + 4 * H, by="s1", finding="not_citizen", evidence="?",
          counsel="c1")
    h.add(kind, T0 + D, by=by, **data)
    assert "USC" in rules(h)


def awaiting_review(indicates_us: bool = False) -> History:
    """Opened with the person's link to the agency's records awaiting review (ID-1)."""
    return History().add("case_opened", T0, person_id="P-1", person={}, encounter="interior",
                         identity={"decision": "review", "record": "", "indicates_us": False,
                                   "candidates": [{"record_id": "r1", "probability": 0.97,
                                                   "decision": "review", "person_id": "r1"}]})


def test_id1_adverse_action_while_the_identity_link_awaits_review() -> None:
    h = awaiting_review().add("arrest_recorded", T0 + H, basis="warrantless",
                              reason_to_believe="overstay", likely_to_escape="no address")
    v = only(h)
    assert (v.rule, v.event_seq) == ("ID-1", 2)
    # a proposal alone is not a confirmation
    h = awaiting_review().add("identity_link_proposed", T0 + H, record="r1", indicates_us=False)
    h.add("nta_issued", T0 + 2 * H, **nta_data(T0))
    assert rules(h) == ["ID-1"]
    # a rejected proposal leaves the link awaiting review
    h = awaiting_review().add("identity_link_proposed", T0 + H, record="r1", indicates_us=False)
    h.add("identity_link_rejected", T0 + 2 * H, by="s1", reason="")
    h.add("nta_issued", T0 + 3 * H, **nta_data(T0))
    assert rules(h) == ["ID-1"]


def test_id1_link_decided_by_the_proposer_a_non_supervisor_or_without_a_proposal() -> None:
    h = awaiting_review().add("identity_link_proposed", T0 + H, by="s1", record="r1")
    h.add("identity_link_confirmed", T0 + 2 * H, by="s1", reason="")
    assert rules(h) == ["ID-1"]
    h = awaiting_review().add("identity_link_proposed", T0 + H, record="r1")
    h.add("identity_link_confirmed", T0 + 2 * H, by="o2", reason="")
    assert rules(h) == ["ID-1"]
    h = awaiting_review().add("identity_link_rejected", T0 + H, by="s1", reason="")
    assert rules(h) == ["ID-1"]


def test_id1_confirmed_link_lets_enforcement_proceed_and_a_us_record_opens_review() -> None:
    h = awaiting_review().add("identity_link_proposed", T0 + H, record="r1", indicates_us=False)
    h.add("identity_link_confirmed", T0 + 2 * H, by="s1", reason="")
    assert check_history(detained(h).events) == []
    h = awaiting_review().add("identity_link_proposed", T0 + H, record="r1", indicates_us=True)
    h.add("identity_link_confirmed", T0 + 2 * H, by="s1", reason="")
    h.add("arrest_recorded", T0 + 3 * H, basis="warrantless", reason_to_believe="overstay",
          likely_to_escape="no address")
    assert rules(h) == ["USC"]
    # an automatic link to a record indicating U.S. birth or citizenship, likewise
    h = History().add("case_opened", T0, person_id="P-1", person={}, encounter="interior",
                      identity={"decision": "auto_link", "record": "r1", "indicates_us": True,
                                "candidates": []})
    h.add("arrest_recorded", T0 + H, basis="warrantless", reason_to_believe="overstay",
          likely_to_escape="no address")
    assert rules(h) == ["USC"]


def test_release_decisions_during_a_citizenship_review_are_allowed() -> None:
    h = opened().add("citizenship_claimed", T0 + H, by="a1", evidence="US passport")
    h.add("custody_determined", T0 + D, decision="recognizance", authority="INA 236(a)")
    assert "USC" not in rules(h)


def test_warrantless_arrest_without_both_reasons() -> None:
    for missing in ("reason_to_believe", "likely_to_escape"):
        data = {"basis": "warrantless", "reason_to_believe": "r", "likely_to_escape": "l"}
        data[missing] = "  "
        h = opened().add("arrest_recorded", T0 + H, **data)
        assert rules(h) == ["ARR-2"]


def test_arrest_warrant_signed_by_requester_or_non_supervisor() -> None:
    h = charged(opened())
    h.add("arrest_warrant_issued", h.last + H, by="s1", requested_by="s1")
    assert rules(h) == ["ARR-1"]
    h = charged(opened())
    h.add("arrest_warrant_issued", h.last + H, by="o2", requested_by="o1")
    assert rules(h) == ["ARR-1"]
    # Before any Notice to Appear, an I-200 is not available; an arrest "on a warrant" needs one.
    h = opened().add("arrest_warrant_issued", T0 + H, by="s1", requested_by="o1")
    assert rules(h) == ["ARR-1"]
    h = opened().add("arrest_recorded", T0 + H, basis="warrant")
    assert rules(h) == ["ARR-1"]


def test_unaccompanied_child_in_a_non_orr_facility() -> None:
    h = opened()
    h.add("arrest_recorded", T0 + H, basis="warrantless", reason_to_believe="r",
          likely_to_escape="l")
    h.add("minor_flagged", T0 + 2 * H, by="d1", unaccompanied=True, age_basis="statement")
    h.add("hhs_notified", T0 + 3 * H, by="d1")
    h.add("placed", T0 + 4 * H, by="d1", facility="ELZ", classification="A",
          facility_type="juvenile")
    # secure juvenile detention is no place for any child in DHS custody either (FLORES)
    assert rules(h) == ["FLORES", "UAC-72"]


def test_late_custody_decision_without_exception_or_missed_record() -> None:
    h = opened()
    h.add("arrest_recorded", T0 + H, basis="warrantless", reason_to_believe="r",
          likely_to_escape="l")
    h.add("custody_determined", T0 + 50 * H, decision="detain", authority="INA 236(a)")
    v = only(h)
    assert (v.rule, v.event_seq) == ("CUS-48", 3)
    # An exception without an approver (or approved by the claimant) is no exception.
    for approver in ("", "o1"):
        h = opened()
        h.add("arrest_recorded", T0 + H, basis="warrantless", reason_to_believe="r",
              likely_to_escape="l")
        h.add("custody_determined", T0 + 50 * H, decision="detain", authority="INA 236(a)",
              exception="emergency", exception_reason="storm", exception_approved_by=approver)
        assert rules(h) == ["CUS-48"]


def test_a_missed_record_for_one_arrest_does_not_cover_the_next() -> None:
    h = opened()
    for start in (T0, T0 + 10 * D):
        h.add("arrest_recorded", start + H, basis="warrantless", reason_to_believe="r",
              likely_to_escape="l")
        h.add("custody_determined", start + 60 * H, decision="bond", authority="INA 236(a)",
              bond_amount=1500)
        if start == T0:
            h.missed("CUS-48", start + 60 * H)
    assert [(v.rule, v.event_seq) for v in check_history(h.events)] == [("CUS-48", 6)]


def test_late_transfer_of_a_child_and_late_hhs_notice() -> None:
    h = opened()
    h.add("arrest_recorded", T0 + H, basis="warrantless", reason_to_believe="r",
          likely_to_escape="l")
    h.add("custody_determined", T0 + 2 * H, decision="detain", authority="INA 236(a)")
    h.add("minor_flagged", T0 + 3 * H, by="d1", unaccompanied=True, age_basis="statement")
    h.add("consular_advisal_recorded", T0 + 4 * H, by="d1", language="es",
          notification_requested=False)
    h.add("hhs_notified", T0 + 60 * H, by="d1")
    h.add("transferred_to_orr", T0 + 80 * H, by="d1", exception="exceptional_circumstances",
          exception_reason="", exception_approved_by="s1")
    assert rules(h) == ["UAC-48", "UAC-72"]
    h.missed("UAC-72", T0 + 80 * H)
    assert rules(h) == ["UAC-48"]


def test_event_on_a_closed_case_or_after_removal() -> None:
    h = opened().add("case_closed", T0 + H, reason="duplicate")
    h.add("citizenship_claimed", T0 + 2 * H, evidence="x")
    v = only(h)
    assert (v.rule, v.event_seq) == ("LIFECYCLE", 3)
    h, order_at = order_to_final()
    removed(h, appeal_window_end(order_at) + H)
    h.add("travel_document_recorded", h.last + H, country="MX",
          valid_until="2027-01-01")
    assert rules(h) == ["LIFECYCLE"]


def test_closing_with_a_duty_outstanding() -> None:
    h = opened()
    h.add("arrest_recorded", T0 + H, basis="warrantless", reason_to_believe="r",
          likely_to_escape="l")
    h.add("placed", T0 + 2 * H, by="d1", facility="ELZ", classification="A")
    h.add("minor_flagged", T0 + 3 * H, by="d1", unaccompanied=True, age_basis="statement")
    h.add("case_closed", T0 + 4 * H, reason="duplicate record")
    # Each open duty is named, and so is the custody itself (issue 15: release first).
    assert sorted(rules(h)) == ["CUS-48", "CUSTODY-CLOSE", "UAC-48", "UAC-72"]


@pytest.mark.parametrize("who", ["g1", "x1"])
def test_oversight_and_admin_never_write_case_facts(who: str) -> None:
    h = opened().add("citizenship_claimed", T0 + H, by=who, evidence="x")
    assert rules(h) == ["ROLE"]


@pytest.mark.parametrize("field,value", [
    ("nature_of_proceedings", ""), ("legal_authority", " "), ("allegations", []),
    ("charges", [""]), ("counsel_advisal", False), ("address_advisal", False),
    ("failure_to_appear_advisal", False), ("court", ""),
])
def test_nta_lacking_an_item(field: str, value: Any) -> None:
    h = opened().add("nta_issued", T0 + H, **nta_data(T0, **{field: value}))
    v = only(h)
    assert v.rule == "NTA-1" and "lacks" in v.what


def test_nta_with_a_hearing_in_the_past() -> None:
    h = opened().add("nta_issued", T0 + H, **nta_data(T0, hearing_at=iso(T0)))
    assert rules(h) == ["NTA-1"]


def test_appeal_after_waiver_or_from_in_absentia_order_and_zadvydas_without_finding() -> None:
    h, order_at = order_to_final()
    waived(h, order_at + H).add("appeal_filed", order_at + D, by="a1", party="respondent")
    assert rules(h) == ["APP-30"]
    # DHS's waiver does not stop the respondent's appeal.
    h, order_at = order_to_final()
    waived(h, order_at + H, party="dhs").add("appeal_filed", order_at + D, by="a1",
                                              party="respondent", timely=True)
    assert rules(h) == []
    h, order_at = absent()
    h.add("appeal_filed", order_at + D, by="a1", party="respondent")
    assert rules(h) == ["APP-30"]
    h, order_at = order_to_final()
    h.add("custody_reviewed", order_at + 200 * D, by="s1", kind="zadvydas", finding="continue",
          likelihood_of_removal="not_significant")
    assert rules(h) == ["ZAD-180"]


def test_a_history_must_begin_with_the_opening() -> None:
    h = History().add("citizenship_claimed", T0, evidence="x")
    assert rules(h) == ["LIFECYCLE"]


def test_histories_of_several_cases_are_checked_apart() -> None:
    good, bad = opened(), History("C-OTHER")
    bad.add("case_opened", T0, person_id="P-2", person={}, encounter="border")
    bad.add("arrest_recorded", T0 + H, basis="warrantless")
    vs = check_history(good.events + bad.events)
    assert [(v.case_id, v.rule) for v in vs] == [("C-OTHER", "ARR-2")]


def test_check_store_reads_every_case(tmp_path: object) -> None:
    from duecourse.store.db import create_schema
    from duecourse.store.repository import insert_events

    engine = create_engine(f"sqlite:///{tmp_path}/inv.sqlite")
    create_schema(engine)
    good, order_at = order_to_final()
    removed(good, appeal_window_end(order_at) + H)
    bad = History("C-BAD")
    bad.add("case_opened", T0, person_id="P-2", person={}, encounter="border")
    bad.add("nta_issued", T0 + H, **nta_data(T0, charges=[]))
    with engine.begin() as conn:
        insert_events(conn, good.events)
        insert_events(conn, bad.events)
    vs = check_store(engine)
    assert [(v.case_id, v.rule, v.event_seq) for v in vs] == [("C-BAD", "NTA-1", 2)]
    assert str(vs[0]).startswith("C-BAD #2 [NTA-1]")
