"""The independent checker (law/checker/) on the rows issue 15 adds, from raw histories.

Each history is written event by event, never through the handlers: an insider with write access,
or a guard with a bug, could put it into the store. Each unlawful history names its rule id, and
its lawful twin is not flagged. The people are invented.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from raw_history import RawHistory, iso

from duecourse.app.invariants import check_store
from duecourse.bootstrap import build_app
from duecourse.domain.commands import Actor
from duecourse.domain.events import Event
from duecourse.law.invariants import check_history
from duecourse.store import repository as repo

H = timedelta(hours=1)
D = timedelta(days=1)
T0 = datetime(2026, 1, 5, 13, tzinfo=UTC)  # Monday 08:00 in New York
HEARING = datetime(2026, 2, 2, 15, tzinfo=UTC)
ORDER_AT = datetime(2026, 3, 2, 15, tzinfo=UTC)
AFTER_WINDOW = datetime(2026, 4, 3, 15, tzinfo=UTC)  # the order is final

ROLE_OF = {"o1": "officer", "o2": "officer", "s1": "supervisor", "s2": "supervisor",
           "c1": "counsel", "d1": "detention", "t1": "transport", "a1": "attorney"}


class History(RawHistory):
    ROLES = ROLE_OF
    CASE_ID = "C-15"


def rules(h: History, roles: dict[str, str] | None = None) -> list[str]:
    """The rules the history breaks, the people's roles known (as the store's actors table
    gives them to ``check_store``)."""
    return sorted(v.rule for v in check_history(h.events, roles=ROLE_OF if roles is None else roles))


def opened(born: str | None = None, nationalities: tuple[str, ...] = ("MX",),
           at: datetime = T0) -> History:
    person: dict[str, Any] = {"family_name": "Example", "given_name": "Nico",
                              "nationalities": list(nationalities), "languages": ["es"]}
    if born:
        person["birth_date"] = born
    return History().add("case_opened", at, person_id="P-15", encounter="interior",
                         person=person, location="Newark", legal_basis="INA 237(a)(1)(B)")


def arrest(h: History, at: datetime, place: str = "public", **more: Any) -> History:
    return h.add("arrest_recorded", at, basis="warrantless", reason_to_believe="overstay seen",
                 likely_to_escape="no fixed address", location_type=place, **more)


def decide(h: History, at: datetime, decision: str = "detain", authority: str = "INA 236(a)",
           **more: Any) -> History:
    data = {"decision": decision, "authority": authority, "reason": "flight risk: no address",
            **more}
    return h.add("custody_determined", at, **data)


def place(h: History, at: datetime, ftype: str = "adult", facility: str = "ELZ",
          by: str = "d1") -> History:
    return h.add("placed", at, by=by, facility=facility, classification="B", facility_type=ftype,
                 reason="intake after the arrest")


def transfer(h: History, at: datetime, ftype: str = "adult", **more: Any) -> History:
    data = {"facility": "ELZ", "facility_type": ftype, "attorney_notified": True,
            "reason": "bed space at the receiving facility", **more}
    return h.add("transferred", at, by="d1", **data)


def release(h: History, at: datetime, kind: str = "recognizance") -> History:
    return h.add("released", at, by="d1", kind=kind, conditions="report monthly",
                 reason="no flight risk: fixed address")


def held(h: History, at: datetime = T0 + H) -> History:
    return place(decide(arrest(h, at), at + H), at + 2 * H).add(  # told of the consulate: CON-1
        "consular_advisal_recorded", at + 2 * H, by="d1", language="es",
        notification_requested=False)


def charged(h: History, at: datetime, hearing: datetime = HEARING, **more: Any) -> History:
    h.add("nta_issued", at, charges=["INA 237(a)(1)(B)"], allegations=["overstayed"],
          hearing_at=iso(hearing), court="NEW", counsel_list_date="2026-01-02",
          nature_of_proceedings="Removal proceedings under section 240 of the INA",
          legal_authority="INA 239; 8 CFR 239.1", counsel_advisal=True, address_advisal=True,
          failure_to_appear_advisal=True, **more)
    return h.add("nta_served", at + H, method="personal", language="es", interpreter="")


def ordered(h: History, outcome: str = "removal", **more: Any) -> History:
    return h.add("order_recorded", ORDER_AT, by="c1", outcome=outcome, decision_mode="oral",
                 protected_countries=[], designated_country="MX", in_absentia=False,
                 issued_by="NEW", reference="IJ-NEW-1", issued_on="2026-03-02", **more)


# -- AGE and FLORES: a child by the case's own birth date ------------------------------------------


def test_a_15_year_old_never_flagged_is_not_put_in_an_adult_facility() -> None:
    h = held(opened(born="2010-07-01"))  # 15 on the day; nobody flagged him
    assert rules(h) == ["FLORES"]
    twin = place(decide(arrest(opened(born="2010-07-01"), T0 + H), T0 + 2 * H), T0 + 3 * H,
                 ftype="family")
    assert rules(twin) == []


def test_an_adult_by_birth_date_may_be_in_an_adult_facility() -> None:
    assert rules(held(opened(born="1990-07-01"))) == []


def test_a_child_until_the_birthday_has_begun_everywhere() -> None:
    # 18 on 6 Jan 2026: still a child at 09:00 UTC (23:00 on the 5th in Hawaii), an adult from
    # 12:00 UTC (00:00 at UTC-12).
    born = "2008-01-06"
    before = place(decide(arrest(opened(born=born), T0), T0 + H), datetime(2026, 1, 6, 9, tzinfo=UTC))
    assert "FLORES" in rules(before)
    after = place(decide(arrest(opened(born=born), T0), T0 + H), datetime(2026, 1, 6, 12, tzinfo=UTC))
    assert "FLORES" not in rules(after)


def test_a_leap_day_birthday_falls_on_1_march() -> None:
    h = decide(arrest(opened(born="2008-02-29", at=datetime(2026, 2, 27, tzinfo=UTC)),
                      datetime(2026, 2, 27, 1, tzinfo=UTC)), datetime(2026, 2, 27, 2, tzinfo=UTC))
    h = place(h, datetime(2026, 2, 27, 3, tzinfo=UTC), ftype="family")
    on_28 = transfer(h.copy(), datetime(2026, 2, 28, 20, tzinfo=UTC))
    assert "FLORES" in rules(on_28)  # not 18 on 28 February
    on_2 = h.copy().add("medical_clearance_recorded", datetime(2026, 3, 1, tzinfo=UTC), by="d1",
                        valid_until="2026-04-01")
    on_2.add("age_out_recorded", datetime(2026, 3, 2, tzinfo=UTC), by="d1", setting="detention",
             reason="danger to the community: assault charge")
    assert rules(transfer(on_2, datetime(2026, 3, 2, 13, tzinfo=UTC))) == []


def test_an_aged_out_child_goes_to_an_adult_facility_only_after_the_age_out_record() -> None:
    h = decide(arrest(opened(born="2008-01-06"), T0), T0 + H)
    h = place(h, T0 + 2 * H, ftype="family")
    h.add("medical_clearance_recorded", T0 + 3 * H, by="d1", valid_until="2026-03-01")
    late = datetime(2026, 1, 7, 13, tzinfo=UTC)
    assert rules(transfer(h.copy(), late)) == ["AGE"]
    ok = h.copy().add("age_out_recorded", late - H, by="d1", setting="detention",
                      reason="danger to the community: assault charge")
    assert rules(transfer(ok, late)) == []


def test_an_adult_finding_on_radiographs_alone_has_no_effect() -> None:
    h = arrest(opened(born="2010-07-01"), T0 + H)
    h.add("age_determined", T0 + 2 * H, finding="adult", evidence="dental x-ray read as 19",
          evidence_kinds=["dental_radiograph", "bone_radiograph"], reference="AD-1")
    place(decide(h, T0 + 3 * H), T0 + 4 * H)
    assert rules(h) == ["AGE", "FLORES"]


def test_an_adult_finding_takes_effect_only_when_a_second_person_confirms_it() -> None:
    h = arrest(opened(born="2010-07-01"), T0 + H)
    h.add("age_determined", T0 + 2 * H, finding="adult", evidence="passport and interview",
          evidence_kinds=["identity_document", "interview"], reference="AD-2")
    unconfirmed = place(decide(h.copy(), T0 + 3 * H), T0 + 4 * H)
    assert rules(unconfirmed) == ["FLORES"]
    h.add("entry_confirmed", T0 + 3 * H, by="s2", entry=3, document_checked="AD-2")
    assert rules(place(decide(h, T0 + 4 * H), T0 + 5 * H)) == []
    one_kind = arrest(opened(born="2010-07-01"), T0 + H)
    one_kind.add("age_determined", T0 + 2 * H, finding="adult", evidence="interview only",
                 evidence_kinds=["interview"], reference="AD-3")
    assert rules(one_kind) == ["AGE"]


def test_an_accompanied_child_in_a_hold_room_past_the_limit() -> None:
    h = decide(arrest(opened(born="2016-05-01"), T0), T0 + H)
    h.add("minor_flagged", T0 + H, by="d1", unaccompanied=False, age_basis="birth certificate")
    h.add("hhs_notified", T0 + 2 * H, by="d1", reference="HHS-9")
    place(h, T0 + 3 * H, ftype="hold_room", facility="HOLD-NEW")
    in_time = transfer(h.copy().add("medical_clearance_recorded", T0 + 4 * H, by="d1",
                                    valid_until="2026-02-01"), T0 + 20 * H, ftype="family")
    assert rules(in_time) == []
    h.add("medical_clearance_recorded", T0 + 4 * H, by="d1", valid_until="2026-02-01")
    five_days = transfer(h.copy(), T0 + 5 * D + 3 * H, ftype="family")
    assert rules(five_days) == ["FLORES", "HOLD-12"]
    assert rules(five_days.missed("HOLD-12").missed("FLORES")) == []
    # nor into a hold room once the Flores limit has passed (nor the hold-room limit: HOLD-12)
    moved = transfer(h.copy(), T0 + 20 * H, ftype="hold_room", facility="HOLD-B")
    assert rules(transfer(moved, T0 + 6 * D, ftype="hold_room", facility="HOLD-C")) == [
        "FLORES", "HOLD-12"]
    # and never an adult facility
    assert rules(transfer(h.copy(), T0 + 10 * H, ftype="adult")) == ["FLORES"]


def test_only_family_orr_or_release_meets_the_flores_clock() -> None:
    h = decide(arrest(opened(born="2010-07-01"), T0), T0 + H)  # 15, detained
    h.add("medical_clearance_recorded", T0 + 2 * H, by="d1", valid_until="2026-02-01")
    # a hospital does not end DHS custody: the clock runs on
    moved = transfer(h.copy(), T0 + 6 * D, ftype="hospital", emergency=True,
                     reason="chest pain: taken to the emergency room")
    moved.add("attorney_notified_of_transfer", T0 + 6 * D + H, by="d1", reference="fax 1")
    assert "FLORES" not in rules(moved)  # not met, not late yet: the clock is still open
    late = release(moved.copy(), T0 + 7 * D)
    assert "FLORES" in rules(late)
    assert "FLORES" not in rules(late.missed("FLORES"))
    # secure juvenile detention is never offered to a child in DHS custody (para. 21)
    assert rules(transfer(h.copy(), T0 + D, ftype="juvenile")) == ["FLORES"]
    assert rules(transfer(h.copy(), T0 + 2 * D, ftype="family")) == []
    assert rules(release(h.copy(), T0 + 2 * D)) == []
    # Met once in a stretch of custody, the clock does not start again there.
    met = transfer(h.copy(), T0 + 2 * D, ftype="family")
    assert rules(transfer(met, T0 + 8 * D, ftype="hospital", emergency=True,
                          reason="broken arm: taken to the emergency room")
                 .add("attorney_notified_of_transfer", T0 + 8 * D + H, by="d1",
                      reference="fax 2")) == []


def test_a_claim_that_contradicts_the_birth_date_makes_a_child_until_found_an_adult() -> None:
    h = decide(arrest(opened(born="1985-01-01"), T0), T0 + H)  # 41 by the record
    h.add("minor_flagged", T0 + 2 * H, unaccompanied=True, age_basis="says he is 16")
    h.add("hhs_notified", T0 + 3 * H, reference="HHS-4")
    assert rules(h.copy().add("transferred_to_orr", T0 + 4 * H, by="d1")) == []
    assert rules(transfer(h.copy().add("medical_clearance_recorded", T0 + 4 * H, by="d1",
                                       valid_until="2026-02-01"), T0 + 5 * H)) == ["FLORES",
                                                                                   "UAC-72"]
    # An adult finding with effect ends it; a later claim opens the question again.
    h.add("age_determined", T0 + 4 * H, by="o2", finding="adult", evidence="passport, interview",
          evidence_kinds=["identity_document", "interview"], reference="AD-9")
    h.add("entry_confirmed", T0 + 5 * H, by="s2", entry=len(h.events), document_checked="AD-9")
    adult = h.copy().add("medical_clearance_recorded", T0 + 6 * H, by="d1",
                         valid_until="2026-02-01")
    assert rules(transfer(adult.copy(), T0 + 7 * H)) == []
    adult.add("minor_flagged", T0 + 7 * H, unaccompanied=True, age_basis="says again he is 16")
    assert "FLORES" in rules(transfer(adult, T0 + 8 * H))


# -- UAC-48, UAC-72 and bounded exceptions -------------------------------------------------------


def test_uac_48_runs_from_the_encounter_for_a_child_by_birth_date() -> None:
    h = opened(born="2011-03-03")
    late = h.copy().add("hhs_notified", T0 + 50 * H, reference="HHS-1")
    assert rules(late) == ["UAC-48"]
    assert rules(late.missed("UAC-48")) == []
    assert rules(h.copy().add("hhs_notified", T0 + 40 * H, reference="HHS-1")) == []
    # closing over the open clock
    assert rules(h.copy().add("case_closed", T0 + 5 * H, reason="opened in error")) == ["UAC-48"]


def test_uac_48_is_moot_at_18() -> None:
    h = opened(born="2008-01-06")  # 18 on 6 Jan 2026, at 12:00 UTC
    assert rules(h.add("hhs_notified", T0 + 3 * D, reference="HHS-2")) == []


def test_uac_72_runs_while_held_and_an_exception_is_bounded() -> None:
    h = opened(born="2012-01-01")
    h.add("minor_flagged", T0, unaccompanied=True, age_basis="birth certificate")
    h.add("hhs_notified", T0 + H, reference="HHS-3")
    decide(arrest(h, T0 + 100 * H), T0 + 100 * H)  # the clock starts here, not at the flag
    h.add("placed", T0 + 101 * H, by="d1", facility="HOLD-NEW", classification="A",
          facility_type="hold_room", reason="awaiting ORR bed")
    h.add("consular_advisal_recorded", T0 + 102 * H, by="d1", language="es",
          notification_requested=False)
    assert rules(h.copy().add("transferred_to_orr", T0 + 160 * H, by="d1")) == []
    late = h.copy().add("transferred_to_orr", T0 + 180 * H, by="d1")
    assert rules(late) == ["HOLD-12", "UAC-72"]
    exc = {"exception": "exceptional_circumstances", "exception_reason": "no ORR bed in region",
           "exception_approved_by": "s1"}
    assert "UAC-72" not in rules(h.copy().add("transferred_to_orr", T0 + 200 * H, by="d1", **exc))
    beyond = h.copy().add("transferred_to_orr", T0 + 230 * H, by="d1", **exc)
    assert "UAC-72" in rules(beyond)
    assert "UAC-72" in rules(h.copy().add("placed", T0 + 102 * H, by="d1", facility="JUV",
                                          classification="A", facility_type="juvenile",
                                          reason="secure unit"))


def test_an_emergency_exception_to_cus_48_is_bounded() -> None:
    h = arrest(opened(), T0)
    exc = {"exception": "emergency", "exception_reason": "hurricane evacuation",
           "exception_approved_by": "s1"}
    assert rules(decide(h.copy(), T0 + 70 * H, **exc)) == []
    assert rules(decide(h.copy(), T0 + 21 * D, **exc)) == ["CUS-48"]
    assert rules(decide(h.copy(), T0 + 21 * D, **exc).missed("CUS-48")) == []


# -- custody: reasons, closing, revocation, POCR, pre-order, bond stay ------------------------------


@pytest.mark.parametrize("kind", ["custody_determined", "placed", "transferred", "released",
                                  "custody_reviewed", "case_closed"])
def test_every_act_on_liberty_records_a_reason(kind: str) -> None:
    h = held(opened())
    h.add("medical_clearance_recorded", T0 + 4 * H, by="d1", valid_until="2026-03-01")
    last = h.events[-1]
    shapes: dict[str, dict[str, Any]] = {
            "placed": {"facility": "ELZ", "classification": "B", "facility_type": "adult"},
            "transferred": {"facility": "ELZ", "facility_type": "adult", "attorney_notified": True},
            "released": {"kind": "recognizance", "conditions": ""},
            "custody_reviewed": {"kind": "prolonged", "finding": "release"},
            "custody_determined": {"decision": "detain", "authority": "INA 236(a)"},
            "case_closed": {}}
    data = shapes[kind]
    if kind == "case_closed":
        release(h, last.at + H)
    h.add(kind, h.last + H, by="s1", reason=" \t ", **data)
    assert rules(h) == ["REASON"]


def test_a_held_foreign_national_is_told_of_consular_notification() -> None:
    """CON-1 from raw events: told late, or never told before the spell in custody ends, with no
    deadline_missed record, is flagged; told in time, or a U.S. national, is not."""
    def spell(nationalities: tuple[str, ...] = ("MX",)) -> History:
        return place(decide(arrest(opened(nationalities=nationalities), T0 + H), T0 + 2 * H),
                     T0 + 3 * H)

    def advised(h: History, at: datetime) -> History:
        return h.add("consular_advisal_recorded", at, by="d1", language="es",
                     notification_requested=False)

    assert rules(advised(spell(), T0 + 30 * H)) == []
    assert rules(advised(spell(), T0 + 60 * H)) == ["CON-1"]
    assert rules(advised(spell(), T0 + 60 * H).missed("CON-1")) == []
    assert rules(release(spell(), T0 + 70 * H)) == ["CON-1"]
    assert rules(release(spell(), T0 + 20 * H)) == []  # released first: moot
    assert "CON-1" not in rules(release(spell(("US",)), T0 + 70 * H))
    assert rules(release(spell(()), T0 + 70 * H)) == ["CON-1"]  # unknown: advised all the same


def test_the_closing_command_records_the_clocks_it_ends_late() -> None:
    """A child by birth date never reported to HHS, 18 before the case is closed: the closing
    writes the missed clock with it (same moment, same person); a record written later, or by
    someone else, is an event after the close."""
    closed_at = T0 + 60 * D
    h = opened(born="2008-02-01").add("case_closed", closed_at, by="s1", reason="terminated")

    def missed(at: datetime, by: str) -> History:
        return h.copy().add("deadline_missed", at, by=by, deadline="UAC-48", met_at=iso(at))

    assert rules(missed(closed_at, "s1")) == []
    assert rules(missed(closed_at + D, "s1")) == ["LIFECYCLE"]
    assert rules(missed(closed_at, "o1")) == ["LIFECYCLE"]


def test_no_case_closes_over_a_person_in_custody() -> None:
    h = held(opened())
    assert rules(h.copy().add("case_closed", T0 + 5 * H, reason="duplicate record")) == [
        "CUSTODY-CLOSE"]
    bond = decide(arrest(opened(), T0), T0 + H, decision="bond", bond_amount=5000)
    assert rules(bond.add("case_closed", T0 + 5 * H, reason="bond set")) == ["CUSTODY-CLOSE"]
    assert rules(release(h.copy(), T0 + 5 * H).add("case_closed", T0 + 6 * H,
                                                   reason="duplicate record")) == []


def final_and_released(h: History) -> History:
    charged(h, T0 + 3 * H)
    ordered(h)
    h.add("custody_reviewed", AFTER_WINDOW + 80 * D, by="s1", kind="zadvydas", finding="release",
          likelihood_of_removal="not_significant", reason="no travel document in sight")
    return release(h, AFTER_WINDOW + 81 * D, kind="supervision")


def test_re_detention_after_a_post_order_release_needs_a_revocation() -> None:
    h = final_and_released(held(opened()))
    again = AFTER_WINDOW + 120 * D
    assert rules(arrest(h.copy(), again)) == ["REVOKE"]
    revoked = h.copy().add("release_revoked", again, by="s1", grounds="violated_conditions",
                           facts="missed three reporting dates", reason="violated conditions",
                           notice_language="es")
    assert rules(revoked) == []
    assert rules(h.copy().add("release_revoked", again, by="o1", grounds="violated_conditions",
                              facts=" ", reason="violated", notice_language="es")) == [
        "REVOKE", "REVOKE"]


def reopened(h: History, at: datetime) -> History:
    """A motion to reopen the order, filed and granted: the order is rescinded."""
    h.add("motion_to_reopen_filed", at, by="a1", grounds="changed_country_conditions",
          filed_with="NEW", receipt="MTR-1", filed_on=at.date().isoformat(), stays_removal=False)
    return h.add("motion_to_reopen_decided", at + H, by="c1", outcome="granted", receipt="MTR-1",
                 issued_by="NEW", reference="R-MTR", issued_on=at.date().isoformat())


def test_an_arrest_after_the_order_is_reopened_is_not_a_revocation() -> None:
    """8 CFR 241.4(l) governs a release under an order of supervision; once a motion to reopen
    is granted the order is rescinded, the person is before the court again and an arrest is
    decided under INA 236 afresh (found by the state machine: the guard allowed it, the checker
    kept the release in effect)."""
    again = AFTER_WINDOW + 120 * D
    h = reopened(final_and_released(held(opened())), again - 2 * D)
    assert rules(arrest(h, again)) == []
    first = reopened(final_and_released(held(case_of("C-1", T0, a_number="A201234567"))),
                     again - 2 * D)
    second = held(case_of("C-2", again - H, a_number="A201234567"), again)
    assert check_history(first.events + second.events, roles=ROLE_OF) == []


def case_of(case_id: str, at: datetime, **person: Any) -> History:
    """A case opened for Nico Example, born 1 July 1990 (``person`` changes or adds fields)."""
    p = {"family_name": "Example", "given_name": "Nico", "birth_date": "1990-07-01",
         "nationalities": ["MX"], "languages": ["es"], **person}
    return History(case_id).add("case_opened", at, person_id=f"P-{case_id}",
                                encounter="interior", person=p, location="Newark",
                                legal_basis="INA 237(a)(1)(B)")


def test_a_second_case_does_not_sidestep_the_revocation_of_a_post_order_release() -> None:
    """REVOKE across cases: the person released after a final order on one case is not arrested,
    detained or placed on another case of theirs (same A-number, or same names and birth date)
    while that release is in effect; only a revocation on its own case ends it."""
    first = final_and_released(held(case_of("C-1", T0, a_number="A201234567")))
    released = first.last
    later = released + 20 * D

    def second(at: datetime = later, **person: Any) -> History:
        return held(case_of("C-2", at - H, **person), at)

    both = check_history(first.events + second(a_number="201-234-567").events, roles=ROLE_OF)
    assert [(v.rule, v.case_id) for v in both] == [("REVOKE", "C-2")]  # once, at the arrest
    assert both[0].event_seq == 2 and "C-1" in both[0].what
    assert rules(second(a_number="A201234567")) == []  # checked alone, it looks lawful
    # the same names and birth date, no A-number
    assert sorted(v.rule for v in check_history(
        first.events + second(family_name=" example ").events, roles=ROLE_OF)) == ["REVOKE"]
    # held on the second case since before the release, then placed there after it
    before = arrest(case_of("C-2", T0), T0 + H)
    place(before, later)
    both = check_history(first.events + before.events, roles=ROLE_OF)
    assert ("REVOKE", "C-2", 3) in [(v.rule, v.case_id, v.event_seq) for v in both]
    # (held on both cases at once is itself flagged: one custody at a time, LIFECYCLE)
    assert {v.rule for v in both} == {"REVOKE", "LIFECYCLE"}
    # the lawful twins: another person; the release revoked first; a hold before the release only
    assert check_history(first.events + second(birth_date="1991-07-01").events,
                         roles=ROLE_OF) == []
    revoked = first.copy().add("release_revoked", later - 2 * D, by="s1",
                               grounds="violated_conditions", facts="missed reporting dates",
                               reason="violated conditions", notice_language="es")
    # (revoked, the person is held on the first case again, and held before the release, too:
    # no REVOKE, but a hold on the second case at the same time is LIFECYCLE's)
    assert [v.rule for v in check_history(revoked.events + second().events,
                                          roles=ROLE_OF)] == ["LIFECYCLE"]
    assert [v.rule for v in check_history(first.events + second(released - 2 * D).events,
                                          roles=ROLE_OF)] == ["LIFECYCLE"]


def test_pocr_notice_and_the_headquarters_reviewer() -> None:
    h = held(opened())
    charged(h, T0 + 3 * H)
    ordered(h)
    review = AFTER_WINDOW + 60 * D
    late_notice = h.copy().add("pocr_notice_served", review - 20 * D, by="d1",
                               review_on=review.date().isoformat(), language="es", interpreter="")
    cont = {"kind": "pocr", "finding": "continue", "reason": "flight risk: prior absconding"}
    assert rules(late_notice.copy().add("custody_reviewed", review, by="s1", **cont)) == ["POCR"]
    noticed = h.copy().add("pocr_notice_served", review - 30 * D, by="d1",
                           review_on=review.date().isoformat(), language="es", interpreter="")
    noticed.add("custody_reviewed", review, by="s1", **cont)
    assert rules(noticed) == []
    # a release is never refused for want of notice
    assert rules(late_notice.copy().add("custody_reviewed", review, by="s1", kind="pocr",
                                        finding="release", reason="travel document refused")) == []
    hq = {"kind": "hq", "finding": "continue", "reason": "travel document expected"}
    assert rules(noticed.copy().add("custody_reviewed", review + 90 * D, by="s1", **hq)) == [
        "POCR"]
    assert rules(noticed.copy().add("custody_reviewed", review + 90 * D, by="s2", **hq)) == []


@pytest.mark.parametrize("authority", ["INA 236(c)", "236 (c)", "8 U.S.C. 1226(c)",
                                       "ina 235(b)(2)(a)", "235(b)(1)"])
def test_mandatory_detention_needs_counsel_sign_off(authority: str) -> None:
    h = arrest(opened(), T0)
    assert rules(decide(h.copy(), T0 + H, authority=authority)) == ["PRE-ORDER"]
    assert rules(decide(h.copy(), T0 + H, authority=authority, opla_signoff="c1")) == []
    assert rules(decide(h.copy(), T0 + H, authority=authority, opla_signoff="o2")) == [
        "PRE-ORDER"]


def bond_order(h: History, issued_on: str, at: datetime) -> History:
    return h.add("bond_order_recorded", at, by="c1", outcome="release_on_bond",
                 issued_by="NEW", reference="BOND-1", issued_on=issued_on, bond_amount=3000)


def test_the_automatic_bond_stay_within_one_business_day() -> None:
    h = held(opened())
    bond_order(h, "2026-01-09", datetime(2026, 1, 9, 20, tzinfo=UTC))  # a Friday
    stay = {"by": "c1", "reference": "EOIR-43-1"}
    assert rules(h.copy().add("bond_stay_filed", datetime(2026, 1, 12, 15, tzinfo=UTC),
                              filed_on="2026-01-12", **stay)) == []
    assert rules(h.copy().add("bond_stay_filed", datetime(2026, 1, 13, 15, tzinfo=UTC),
                              filed_on="2026-01-13", **stay)) == ["BOND-STAY"]
    # Friday 16 January; Monday 19 January is a federal holiday (Martin Luther King, Jr.)
    g = held(opened())
    bond_order(g, "2026-01-16", datetime(2026, 1, 16, 20, tzinfo=UTC))
    assert rules(g.add("bond_stay_filed", datetime(2026, 1, 20, 15, tzinfo=UTC),
                       filed_on="2026-01-20", **stay)) == []
    # DHS set a bond under $10,000: no automatic stay
    low = decide(arrest(opened(), T0), T0 + H, decision="bond", bond_amount=5000)
    bond_order(low, "2026-01-09", datetime(2026, 1, 9, 20, tzinfo=UTC))
    assert rules(low.add("bond_stay_filed", datetime(2026, 1, 12, 15, tzinfo=UTC),
                         filed_on="2026-01-12", **stay)) == ["BOND-STAY"]


# -- transfers and hold rooms ------------------------------------------------------------------------


def transferable(h: History) -> History:
    return h.add("medical_clearance_recorded", h.last + H, by="d1", valid_until="2026-03-01")


def test_a_transfer_before_the_attorney_is_told() -> None:
    h = transferable(held(opened()))
    assert rules(transfer(h.copy(), T0 + D, attorney_notified=False)) == ["XFER"]
    emergency = transfer(h.copy(), T0 + D, attorney_notified=False, emergency=True,
                         reason="facility flooded")
    assert rules(emergency) == []
    late = emergency.copy().add("attorney_notified_of_transfer", T0 + 2 * D + 2 * H, by="d1")
    assert rules(late) == ["XFER"]
    assert rules(late.missed("XFER")) == []
    # a second emergency transfer does not give the first a new 24 hours
    twice = transfer(emergency.copy(), T0 + D + 20 * H, attorney_notified=False, emergency=True,
                     reason="second flood")
    assert rules(twice.add("attorney_notified_of_transfer", T0 + 2 * D + 5 * H, by="d1")) == [
        "XFER"]
    assert rules(emergency.copy().add("case_closed", T0 + 2 * D, reason="duplicate record")) == [
        "CUSTODY-CLOSE", "XFER"]


def test_a_transfer_two_days_before_a_hearing_needs_a_supervisor() -> None:
    h = transferable(charged(held(opened()), T0 + 5 * H))
    two_days = HEARING - 2 * D
    assert rules(transfer(h.copy(), two_days)) == ["XFER"]
    assert rules(transfer(h.copy(), two_days, approved_by="s1")) == []
    assert rules(transfer(h.copy(), two_days, approved_by="d1")) == ["XFER"]  # not one
    assert rules(transfer(h.copy(), HEARING - 4 * D)) == []


def test_an_emergency_hospital_transfer_during_a_citizenship_review() -> None:
    h = held(opened()).add("citizenship_claimed", T0 + 5 * H, evidence="born in Texas",
                           raised_by="person")
    hospital = transfer(h.copy(), T0 + 6 * H, ftype="hospital", emergency=True,
                        attorney_notified=False, reason="chest pain")
    assert rules(hospital) == []
    assert rules(transfer(h.copy(), T0 + 6 * H)) == ["MED", "USC"]


def test_a_hold_room_stay_is_not_reset_by_moving_between_hold_rooms() -> None:
    h = decide(arrest(opened(), T0), T0 + H)
    place(h, T0 + 2 * H, ftype="hold_room", facility="HOLD-A")
    transferable(h)
    transfer(h, T0 + 40 * H, ftype="hold_room", facility="HOLD-B")
    transfer(h, T0 + 80 * H, ftype="adult")
    assert rules(h) == ["HOLD-12"]
    assert rules(h.missed("HOLD-12")) == []


def test_before_the_2025_waiver_the_hold_room_limit_is_12_hours() -> None:
    t = datetime(2024, 3, 4, 13, tzinfo=UTC)
    h = place(decide(arrest(opened(at=t), t), t + H), t + 2 * H, ftype="hold_room")
    h.add("medical_clearance_recorded", t + 3 * H, by="d1", valid_until="2024-04-01")
    assert rules(transfer(h.copy(), t + 16 * H)) == ["HOLD-12"]
    assert rules(transfer(h.copy(), t + 13 * H)) == []


# -- detainers, consuls, locations, NTAs -----------------------------------------------------------


def test_a_detainer_needs_a_warrant_signed_on_the_case_and_an_officer() -> None:
    h = charged(opened(), T0 + H)
    det = {"agency": "Essex County Jail", "probable_cause": "pending_proceedings",
           "warrant": "I-200", "reason": "held on a state charge"}
    assert rules(h.copy().add("detainer_issued", T0 + 3 * H, **det)) == ["DET-1"]
    signed = h.copy().add("arrest_warrant_issued", T0 + 3 * H, by="s1", requested_by="o1")
    assert rules(signed.copy().add("detainer_issued", T0 + 4 * H, **det)) == []
    assert rules(signed.copy().add("detainer_issued", T0 + 4 * H, by="d1", **det)) == ["DET-1"]
    assert rules(signed.copy().add("detainer_issued", T0 + 4 * H,
                                   **{**det, "warrant": "I-205"})) == ["DET-1"]


def test_a_consulate_is_told_only_on_request_or_by_treaty() -> None:
    h = held(opened())
    tell = {"country": "MX", "method": "fax", "reference": "CN-1"}
    assert rules(h.copy().add("consulate_notified", T0 + 5 * H, by="d1", **tell)) == ["CON-2"]
    asked = h.copy().add("consular_advisal_recorded", T0 + 4 * H, by="d1", language="es",
                         notification_requested=True, interpreter="")
    assert rules(asked.add("consulate_notified", T0 + 5 * H, by="d1", **tell)) == []
    ng = held(opened(nationalities=("NG",)))
    told = {"country": "NG", "method": "fax", "reference": "CN-2"}
    assert rules(ng.copy().add("consulate_notified", T0 + 20 * H, by="d1", **told)) == []
    late = ng.copy().add("consulate_notified", T0 + 80 * H, by="d1", **told)
    assert rules(late) == ["CON-2"]
    assert rules(late.missed("CON-2")) == []


@pytest.mark.parametrize("place", ["school", " School ", "place of worship", "Place-Of-Worship"])
def test_an_arrest_at_a_protected_location_needs_a_supervisor(place: str) -> None:
    h = opened()
    assert rules(arrest(h.copy(), T0 + H, place=place)) == ["SENS-LOC"]
    assert rules(arrest(h.copy(), T0 + H, place=place, location_approved_by="s1",
                        location_reason="imminent risk of harm")) == []
    assert rules(arrest(h.copy(), T0 + H, place=place, location_approved_by="o1",
                        location_reason="imminent risk of harm")) == ["SENS-LOC"]


def test_an_nta_after_an_arrest_at_a_shelter_carries_the_239e_statement() -> None:
    h = arrest(opened(), T0 + H, place="DV shelter")
    assert rules(charged(h.copy(), T0 + 2 * H)) == ["VAWA-1367"]
    assert rules(charged(h.copy(), T0 + 2 * H, statement_1229e=True)) == []


def test_a_new_nta_only_after_termination_without_prejudice() -> None:
    h = charged(opened(), T0 + H)
    with_prejudice = ordered(h.copy(), outcome="terminated")
    assert rules(charged(with_prejudice, ORDER_AT + D, hearing=ORDER_AT + 40 * D)) == [
        "LIFECYCLE"]
    without = ordered(h.copy(), outcome="terminated", without_prejudice=True)
    assert rules(charged(without, ORDER_AT + D, hearing=ORDER_AT + 40 * D)) == []
    relief = ordered(h.copy(), outcome="relief")
    assert rules(charged(relief, ORDER_AT + D, hearing=ORDER_AT + 40 * D)) == ["LIFECYCLE"]


def test_the_counsel_list_is_current_on_the_nta_date() -> None:
    h = opened()
    assert rules(charged(h.copy(), T0 + H)) == []
    old = h.copy()
    charged(old, T0 + H)
    old.events[-2] = Event(old.case_id, 2, "nta_issued", T0 + H, "o1", "officer",
                           {**old.events[-2].data, "counsel_list_date": "2025-09-01"})
    assert rules(old) == ["COUNSEL-LIST", "COUNSEL-LIST"]  # at issue and at service
    future = h.copy()
    charged(future, T0 + H)
    future.events[-2] = Event(future.case_id, 2, "nta_issued", T0 + H, "o1", "officer",
                              {**future.events[-2].data, "counsel_list_date": "2026-01-20"})
    assert "COUNSEL-LIST" in rules(future)


def test_an_in_absentia_order_on_a_notice_mailed_to_an_old_address() -> None:
    h = opened()
    h.add("address_recorded", T0 + H, address="1 Elm St, Newark NJ", provided_on="2026-01-05")
    h.add("nta_issued", T0 + 2 * H, charges=["INA 237(a)(1)(B)"], allegations=["overstayed"],
          hearing_at=iso(HEARING), court="NEW", counsel_list_date="2026-01-02",
          nature_of_proceedings="Removal proceedings under section 240 of the INA",
          legal_authority="INA 239; 8 CFR 239.1", counsel_advisal=True, address_advisal=True,
          failure_to_appear_advisal=True)
    h.add("nta_served", T0 + 3 * D, method="mail", language="es", interpreter="")
    absentia = {"outcome": "removal", "decision_mode": "oral", "in_absentia": True,
                "hearing_at": iso(HEARING), "issued_by": "NEW", "reference": "IJ-NEW-9",
                "issued_on": "2026-02-02", "designated_country": "MX"}
    stale = h.copy().add("address_recorded", T0 + 5 * D, by="a1",
                         address="9 Oak Ave, Trenton NJ", provided_on="2026-01-06")
    assert rules(stale.add("order_recorded", HEARING + H, by="c1", **absentia)) == ["NTA-ADDR"]
    moved_later = h.copy().add("address_recorded", T0 + 5 * D, by="a1",
                               address="9 Oak Ave, Trenton NJ", provided_on="2026-01-10")
    assert rules(moved_later.add("order_recorded", HEARING + H, by="c1", **absentia)) == []


def test_no_act_before_the_law_it_rests_on() -> None:
    t = datetime(1990, 5, 1, 13, tzinfo=UTC)
    h = decide(arrest(opened(at=t), t), t + H)
    assert rules(h) == ["FAIL-CLOSED"]
    assert rules(decide(arrest(opened(), T0), T0 + H)) == []


# -- the store: histories written past every guard ---------------------------------------------------


def test_the_store_holds_what_the_checker_flags(db_url: str) -> None:
    app = build_app(db_url)
    app.register_actor(Actor("d9", "detention"))
    h = transferable(charged(held(opened()), T0 + 5 * H))
    # approved by a detention officer the history itself never shows: the store's actors say
    transfer(h, HEARING - 2 * D, approved_by="d9")
    h.add("case_closed", h.last + H, reason="duplicate record")
    with app.ctx.engine.begin() as conn:
        repo.insert_events(conn, h.events)
    found = {v.rule for v in check_store(app.ctx.engine) if v.case_id == h.case_id}
    assert found == {"XFER", "CUSTODY-CLOSE"}
    assert "XFER" not in rules(h, roles={})  # the role is unknown there


def test_a_lawful_child_history_is_clean() -> None:
    h = opened(born="2012-01-01")
    arrest(h, T0 + H)
    h.add("minor_flagged", T0 + H, unaccompanied=True, age_basis="birth certificate")
    decide(h, T0 + 2 * H)
    h.add("hhs_notified", T0 + 3 * H, reference="HHS-7")
    h.add("placed", T0 + 4 * H, by="d1", facility="HOLD-NEW", classification="A",
          facility_type="hold_room", reason="awaiting ORR bed")
    h.add("transferred_to_orr", T0 + 10 * H, by="d1")
    h.add("case_closed", T0 + 11 * H, reason="child in ORR custody; proceedings elsewhere")
    assert rules(h) == []


def test_days_are_counted_where_the_person_is_not_in_utc() -> None:
    # A POCR notice served at 23:30 on 1 May in Hawaii (09:30 UTC on 2 May) is 30 days before a
    # review at 08:00 on 31 May in Hawaii (29 days by UTC days).
    h = held(opened())
    charged(h, T0 + 3 * H)
    ordered(h)
    h.add("pocr_notice_served", datetime(2026, 5, 2, 9, 30, tzinfo=UTC), by="d1",
          review_on="2026-05-31", language="es", interpreter="")
    h.add("custody_reviewed", datetime(2026, 5, 31, 18, tzinfo=UTC), by="s1", kind="pocr",
          finding="continue", reason="flight risk: prior absconding")
    assert rules(h) == []
    assert date(2026, 5, 31) - date(2026, 5, 1) == timedelta(days=30)


def _breaches() -> dict[str, History]:
    """One unlawful history per rule, each as an insider could write it."""
    exc = {"exception": "emergency", "exception_reason": "hurricane evacuation",
           "exception_approved_by": "s1"}
    out = {
        "FLORES": held(opened(born="2010-07-01")),
        "UAC-48": opened(born="2011-03-03").add("hhs_notified", T0 + 50 * H, reference="H"),
        "CUS-48": decide(arrest(opened(), T0), T0 + 21 * D, **exc),
        "REASON": decide(arrest(opened(), T0), T0 + H, reason=""),
        "CUSTODY-CLOSE": held(opened()).add("case_closed", T0 + 5 * H, reason="duplicate"),
        "REVOKE": arrest(final_and_released(held(opened())), AFTER_WINDOW + 120 * D),
        "PRE-ORDER": decide(arrest(opened(), T0), T0 + H, authority="INA 236(c)"),
        "XFER": transfer(transferable(held(opened())), T0 + D, attorney_notified=False),
        "DET-1": charged(opened(), T0 + H).add("detainer_issued", T0 + 3 * H,
                                              agency="County Jail", warrant="I-200",
                                              probable_cause="pending_proceedings"),
        "CON-2": held(opened()).add("consulate_notified", T0 + 5 * H, by="d1", country="MX",
                                    method="fax"),
        "SENS-LOC": arrest(opened(), T0 + H, place="school"),
        "VAWA-1367": charged(arrest(opened(), T0 + H, place="rape crisis center"), T0 + 2 * H),
        "LIFECYCLE": charged(ordered(charged(opened(), T0 + H), outcome="terminated"),
                             ORDER_AT + D, hearing=ORDER_AT + 40 * D),
        "FAIL-CLOSED": decide(arrest(opened(at=datetime(1990, 5, 1, tzinfo=UTC)),
                                     datetime(1990, 5, 1, 1, tzinfo=UTC)),
                              datetime(1990, 5, 1, 2, tzinfo=UTC)),
    }
    hold = place(decide(arrest(opened(), T0), T0 + H), T0 + 2 * H, ftype="hold_room")
    out["HOLD-12"] = release(hold, T0 + 4 * D)
    return out


def test_every_rule_is_flagged_in_a_store_written_past_the_guards(db_url: str) -> None:
    app = build_app(db_url)
    cases = _breaches()
    with app.ctx.engine.begin() as conn:
        for n, h in enumerate(cases.values()):
            repo.insert_events(conn, [Event(f"C-15-{n}", e.seq, e.kind, e.at, e.actor_id,
                                            e.actor_role, e.data) for e in h.events])
    found: dict[str, set[str]] = {}
    for v in check_store(app.ctx.engine):
        found.setdefault(v.case_id, set()).add(v.rule)
    for n, rule in enumerate(cases):
        assert rule in found.get(f"C-15-{n}", set()), (rule, found.get(f"C-15-{n}"))


@pytest.mark.parametrize("rule", sorted(_breaches()))
def test_each_breach_names_its_rule(rule: str) -> None:
    assert rule in rules(_breaches()[rule])


def test_required_text_and_the_roles_of_the_people_named() -> None:
    h = opened()
    h.events[0] = Event(h.case_id, 1, "case_opened", T0, "o1", "officer",
                        {**h.events[0].data, "legal_basis": "   "})
    assert rules(h) == ["TEXT"]
    g = charged(opened(), T0 + H)
    assert rules(g.copy().add("arrest_warrant_issued", T0 + 3 * H, by="s1",
                              requested_by="t1")) == ["NAMED-ROLE"]
    assert rules(g.copy().add("arrest_warrant_issued", T0 + 3 * H, by="s1",
                              requested_by="o2")) == []
    assert rules(decide(arrest(opened(), T0), T0 + H, authority=" ")) == ["TEXT"]
    exc = {"exception": "emergency", "exception_reason": "hurricane evacuation"}
    assert rules(decide(arrest(opened(), T0), T0 + 50 * H, exception_approved_by="o2",
                        **exc)) == ["NAMED-ROLE"]
