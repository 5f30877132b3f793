"""The independent checker on three findings of an outside review, from raw histories.

Each history is written event by event, never through the handlers. Each unlawful history names
its rule id, and its lawful twin is not flagged. The people are invented.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from duecourse.domain.events import Event
from duecourse.law.guards.detainers import agency_fold
from duecourse.law.invariants import check_history

H = timedelta(hours=1)
D = timedelta(days=1)
T0 = datetime(2026, 3, 1, 14, tzinfo=UTC)
ROLE_OF = {"o1": "officer", "o2": "officer", "s1": "supervisor", "c1": "counsel",
           "a1": "attorney", "d1": "detention"}


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


class History:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, kind: str, at: datetime, /, by: str = "o1", **data: Any) -> History:
        self.events.append(Event("C-OR", len(self.events) + 1, kind, at, by, ROLE_OF[by], data))
        return self

    def rules(self) -> list[str]:
        return sorted({v.rule for v in check_history(self.events, roles=ROLE_OF)})


def opened() -> History:
    person = {"family_name": "Example", "given_name": "Ines", "nationalities": ["HN"],
              "languages": ["es"]}
    return History().add("case_opened", T0, person_id="P-OR", encounter="self_report",
                         person=person, location="Queens, NY", legal_basis="INA 237(a)(1)(B)")


def charged(h: History, at: datetime) -> History:
    h.add("nta_issued", at, charges=["INA 237(a)(1)(B)"], allegations=["overstayed"],
          hearing_at=iso(at + 20 * D), court="NYC", counsel_list_date="2026-02-20",
          nature_of_proceedings="Removal proceedings under section 240 of the INA",
          legal_authority="INA 239; 8 CFR 239.1", counsel_advisal=True, address_advisal=True,
          failure_to_appear_advisal=True)
    return h.add("nta_served", at + H, method="personal", language="es", interpreter="")


# -- 1. NTA-ADDR: the most recent address given before the mailing ------------------------------

MAILED = datetime(2026, 3, 25, 14, tzinfo=UTC)
HEARING = datetime(2026, 4, 28, 14, tzinfo=UTC)


def address(h: History, at: datetime, where: str, given: str) -> History:
    return h.add("address_recorded", at, by="a1", address=where, provided_on=given)


def mailed(*before: tuple[datetime, str, str], after: tuple[datetime, str, str] | None = None
           ) -> History:
    h = charged(opened(), T0 + H)
    for at, where, given in before:
        address(h, at, where, given)
    h.add("hearing_scheduled", MAILED, by="c1", at=iso(HEARING), court="NYC", notice="mail")
    if after is not None:
        address(h, *after)
    return h.add("order_recorded", HEARING + 2 * H, by="c1", outcome="removal",
                 decision_mode="written", designated_country="HN", in_absentia=True,
                 hearing_at=iso(HEARING), issued_by="NYC", reference="NYC-IJ-1",
                 issued_on="2026-04-28")


FLUSHING = (datetime(2026, 3, 20, 15, tzinfo=UTC), "41-10 Main St, Flushing, NY 11355",
            "2026-03-20")
NEWARK = "18 Ferry St, Newark, NJ 07105"


def test_same_day_address_entered_after_the_mailing_is_the_newer() -> None:
    h = mailed(FLUSHING, after=(datetime(2026, 3, 30, 15, tzinfo=UTC), NEWARK, "2026-03-20"))
    assert "NTA-ADDR" in h.rules()


def test_address_given_after_the_mailing_does_not_undo_it() -> None:
    h = mailed(FLUSHING, after=(datetime(2026, 3, 30, 15, tzinfo=UTC), NEWARK, "2026-03-27"))
    assert "NTA-ADDR" not in h.rules()


def test_older_address_entered_late_is_not_newer() -> None:
    h = mailed(FLUSHING, after=(datetime(2026, 3, 30, 15, tzinfo=UTC), NEWARK, "2026-03-10"))
    assert "NTA-ADDR" not in h.rules()


def test_same_address_entered_again_is_not_a_new_one() -> None:
    h = mailed(FLUSHING, after=(datetime(2026, 3, 30, 15, tzinfo=UTC),
                                "41-10 MAIN ST.,  FLUSHING NY 11355", "2026-03-22"))
    assert "NTA-ADDR" not in h.rules()


def test_two_given_the_same_day_before_the_mailing_the_later_entry_is_used() -> None:
    h = mailed(FLUSHING, (datetime(2026, 3, 21, 15, tzinfo=UTC), NEWARK, "2026-03-20"))
    assert "NTA-ADDR" not in h.rules()


# -- 2. DET-1: one standing detainer per agency ---------------------------------------------------

def detainer(h: History, at: datetime, agency: str) -> History:
    return h.add("detainer_issued", at, agency=agency, probable_cause="biometric_records",
                 warrant="I-200", reason="fingerprint match to a 2018 border encounter")


def detainers(*agencies: str, arrest_before_last: bool = False) -> History:
    h = charged(opened(), T0 + H)
    h.add("arrest_warrant_issued", T0 + 3 * H, by="s1", requested_by="o1")
    at = T0 + 4 * H
    for n, agency in enumerate(agencies):
        if arrest_before_last and n == len(agencies) - 1:
            h.add("arrest_recorded", at, basis="warrantless", reason_to_believe="overstay",
                  likely_to_escape="no fixed address", location_type="public")
            h.add("released", at + H, by="d1", kind="recognizance", conditions="report",
                  reason="no flight risk: fixed address")
            at += 2 * H
        detainer(h, at, agency)
        at += H
    return h


def test_duplicate_detainer_after_one_to_another_agency() -> None:
    h = detainers("Harris County Sheriff's Office", "Fort Bend County Jail",
                  "HARRIS COUNTY SHERIFF'S OFFICE")
    assert "DET-1" in h.rules()
    assert "DET-1" not in detainers("Harris County Sheriff's Office",
                                    "Fort Bend County Jail").rules()


def test_duplicate_detainer_with_a_curly_apostrophe() -> None:
    h = detainers("Harris County Sheriff's Office", "Harris County Sheriff\u2019s Office")
    assert "DET-1" in h.rules()
    assert "DET-1" in detainers("Fort Bend County Jail", " fort-bend  county jail.").rules()


@pytest.mark.parametrize("apostrophe", [
    "\u02bc",  # modifier letter apostrophe (a letter to Unicode)
    "\u00b4",  # acute accent (NFKC: a space and a combining mark)
    "`", "\u2018", "\u2019", "\u201b", "\u02b9", "\u02bb",
])
def test_duplicate_detainer_with_another_apostrophe(apostrophe: str) -> None:
    again = f"Harris County Sheriff{apostrophe}s Office"
    assert "DET-1" in detainers("Harris County Sheriff's Office", again).rules()
    assert "DET-1" in detainers(again, "HARRIS COUNTY SHERIFF'S OFFICE").rules()
    assert agency_fold(again) == agency_fold("Harris County Sheriff's Office")
    assert "DET-1" not in detainers(again, "Fort Bend County Sheriff's Office").rules()
    assert agency_fold(again) != agency_fold("Fort Bend County Sheriff's Office")


def test_an_arrest_ends_the_earlier_detainer() -> None:
    h = detainers("Harris County Sheriff's Office", "Harris County Sheriff's Office",
                  arrest_before_last=True)
    assert [v.rule for v in check_history(h.events, roles=ROLE_OF)
            if v.rule == "DET-1"] == []


# -- 3. PRE-ORDER: INA 241(a) needs a final order of removal --------------------------------------

def decided(authority: str, final: bool | None) -> History:
    h = opened()
    h.add("arrest_recorded", T0 + H, basis="warrantless", reason_to_believe="overstay",
          likely_to_escape="no fixed address", location_type="public")
    at = T0 + 2 * H
    if final is not None:
        charged(h, at)
        h.add("order_recorded", at + 2 * D, by="c1", outcome="removal", decision_mode="oral",
              designated_country="HN", issued_by="NYC", reference="NYC-IJ-2",
              issued_on=(at + 2 * D).date().isoformat())
        if final:
            h.add("appeal_waived", at + 2 * D + H, by="a1", party="respondent", before="NYC",
                  language="es")
        at += 3 * D
    return h.add("custody_determined", at, decision="detain", authority=authority,
                 reason="flight risk: no fixed address")


def test_241a_before_any_order_is_flagged() -> None:
    for spelling in ("INA 241(a)", "241(A)", "8 U.S.C. 1231(a)", " ina § 241 (a) "):
        assert "PRE-ORDER" in decided(spelling, None).rules(), spelling
    assert "PRE-ORDER" not in decided("INA 236(a)", None).rules()


def test_241a_on_an_order_not_yet_final_is_flagged() -> None:
    assert "PRE-ORDER" in decided("241(a)", False).rules()


def test_241a_after_a_final_order_is_not_flagged() -> None:
    assert "PRE-ORDER" not in decided("241(a)", True).rules()
