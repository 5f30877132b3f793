"""The independent checker (law/checker/) on three histories an outside review found the guards
refuse but the checker let pass when written straight into the store.

- FLORES: a child, by birth date or by a flag, accompanied or not, is never held in an adult or
  staging facility nor in secure juvenile detention; the catalogue's own kind of the facility,
  where the record carries it, is what the facility is.
- XFER: only an emergency transfer to a hospital is spared the supervisor's approval near a
  hearing.
- HOLD-12: no hold room once the hold-room limit of the stay has passed, flagged at that
  placement, not only when the person leaves the hold rooms.

Each history is written event by event, never through the handlers; each unlawful history names
its rule id and its lawful twin is not flagged. The people are invented.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from raw_history import RawHistory, iso

from duecourse.law.invariants import check_history

H = timedelta(hours=1)
D = timedelta(days=1)
T0 = datetime(2026, 1, 5, 13, tzinfo=UTC)
HEARING = datetime(2026, 2, 2, 15, tzinfo=UTC)

ROLE_OF = {"o1": "officer", "s1": "supervisor", "c1": "counsel", "d1": "detention",
           "a1": "attorney"}


class History(RawHistory):
    ROLES = ROLE_OF
    CASE_ID = "C-OR"


def rules(h: History) -> list[str]:
    return sorted(v.rule for v in check_history(h.events, roles=ROLE_OF))


def opened(born: str | None = None, at: datetime = T0) -> History:
    person: dict[str, Any] = {"family_name": "Example", "given_name": "Ari",
                              "nationalities": ["GT"], "languages": ["es"]}
    if born:
        person["birth_date"] = born
    return History().add("case_opened", at, person_id="P-OR", encounter="interior",
                         person=person, location="Newark", legal_basis="INA 237(a)(1)(B)")


def detained(h: History, at: datetime) -> History:
    h.add("arrest_recorded", at, basis="warrantless", reason_to_believe="overstay seen",
          likely_to_escape="no fixed address", location_type="public")
    return h.add("custody_determined", at + H, decision="detain", authority="INA 236(a)",
                 reason="flight risk: no address")


def place(h: History, at: datetime, ftype: str, facility: str = "ELZ", **more: Any) -> History:
    return h.add("placed", at, by="d1", facility=facility, classification="B",
                 facility_type=ftype, reason="intake after the arrest", **more)


def transfer(h: History, at: datetime, ftype: str, facility: str = "ELZ",
             **more: Any) -> History:
    data = {"facility": facility, "facility_type": ftype, "attorney_notified": True,
            "reason": "bed space at the receiving facility", **more}
    return h.add("transferred", at, by="d1", **data)


def cleared(h: History, until: str = "2026-03-01") -> History:
    return h.add("medical_clearance_recorded", h.last + H, by="d1", valid_until=until)


def child(unaccompanied: bool = False, born: str | None = "2012-04-01") -> History:
    """A child in DHS custody, HHS told: by the birth date on the case, or (``born=None``) by a
    flag alone."""
    h = detained(opened(born=born), T0)
    if born is None or unaccompanied:
        h.add("minor_flagged", T0 + H, by="d1", unaccompanied=unaccompanied,
              age_basis="says she is 14; school record")
    return h.add("hhs_notified", T0 + 2 * H, by="d1", reference="HHS-21")


# -- FLORES: the facility kinds a child may be held in ------------------------------------------


@pytest.mark.parametrize("ftype", ["staging", "juvenile", "adult"])
def test_a_child_by_birth_date_is_never_placed_in_staging_juvenile_or_adult(ftype: str) -> None:
    assert rules(place(child(), T0 + 3 * H, ftype)) == ["FLORES"]


@pytest.mark.parametrize("ftype", ["hold_room", "family", "hospital"])
def test_a_child_may_be_placed_in_a_hold_room_a_family_facility_or_a_hospital(ftype: str) -> None:
    assert rules(place(child(), T0 + 3 * H, ftype)) == []


@pytest.mark.parametrize("ftype", ["staging", "juvenile"])
def test_a_child_by_a_flag_is_never_transferred_to_staging_or_juvenile(ftype: str) -> None:
    h = cleared(place(child(born=None), T0 + 3 * H, "hold_room", facility="HOLD-NEW"))
    assert rules(transfer(h.copy(), T0 + 8 * H, ftype)) == ["FLORES"]
    assert rules(transfer(h.copy(), T0 + 8 * H, "family", facility="DIL")) == []


def test_an_adult_may_be_placed_in_a_staging_facility() -> None:
    assert rules(place(detained(opened(born="1990-04-01"), T0), T0 + 3 * H, "staging")) == []


@pytest.mark.parametrize("ftype", ["staging", "juvenile"])
def test_an_unaccompanied_child_is_never_placed_in_staging_or_juvenile(ftype: str) -> None:
    h = child(unaccompanied=True)
    assert rules(place(h.copy(), T0 + 3 * H, ftype)) == ["FLORES", "UAC-72"]
    # while ORR is found: a hold room (or a hospital), then ORR
    lawful = place(h.copy(), T0 + 3 * H, "hold_room", facility="HOLD-NEW")
    assert rules(lawful) == []
    assert rules(lawful.add("transferred_to_orr", T0 + 30 * H, by="d1")) == []


def test_the_catalogue_kind_is_what_the_facility_is() -> None:
    h = child()
    # a detention centre of the catalogue, labelled a hold room by the clerk
    labelled = place(h.copy(), T0 + 3 * H, "hold_room", facility="DET-1", facility_kind="adult")
    assert rules(labelled) == ["FLORES"]
    staging = place(h.copy(), T0 + 3 * H, "hold_room", facility="STG-1", facility_kind="Staging")
    assert rules(staging) == ["FLORES"]
    # the catalogue's hold room is a hold room, whatever the record's label says
    assert rules(place(h.copy(), T0 + 3 * H, "hold_room", facility="HOLD-NEW",
                       facility_kind="hold_room")) == []
    assert rules(place(h.copy(), T0 + 3 * H, "adult", facility="DIL",
                       facility_kind="family")) == []


# -- XFER: only an emergency transfer to a hospital is spared the approval near a hearing --------


def near_hearing() -> History:
    h = detained(opened(born="1990-04-01"), T0 + H)
    place(h, T0 + 3 * H, "adult")
    h.add("consular_advisal_recorded", T0 + 3 * H, by="d1", language="es",
          notification_requested=False)
    h.add("nta_issued", T0 + 5 * H, charges=["INA 237(a)(1)(B)"], allegations=["overstayed"],
          hearing_at=iso(HEARING), court="NEW", counsel_list_date="2026-01-02",
          nature_of_proceedings="Removal proceedings under section 240 of the INA",
          legal_authority="INA 239; 8 CFR 239.1", counsel_advisal=True, address_advisal=True,
          failure_to_appear_advisal=True)
    h.add("nta_served", T0 + 6 * H, method="personal", language="es", interpreter="")
    return cleared(h)


def emergency(h: History, at: datetime, ftype: str, facility: str, **more: Any) -> History:
    transfer(h, at, ftype, facility=facility, attorney_notified=False, emergency=True,
             reason="facility flooded: the unit was evacuated", **more)
    return h.add("attorney_notified_of_transfer", at + 2 * H, by="d1", reference="fax 7")


def test_an_emergency_transfer_to_a_detention_facility_near_a_hearing_needs_a_supervisor() -> None:
    h = near_hearing()
    two_days = HEARING - 2 * D
    assert rules(emergency(h.copy(), two_days, "adult", "OTAY")) == ["XFER"]
    assert rules(emergency(h.copy(), two_days, "adult", "OTAY", approved_by="d1")) == ["XFER"]
    assert rules(emergency(h.copy(), two_days, "adult", "OTAY", approved_by="s1")) == []
    # further from the hearing, no approval is needed
    assert rules(emergency(h.copy(), HEARING - 4 * D, "adult", "OTAY")) == []


def test_an_emergency_transfer_to_a_hospital_near_a_hearing_needs_no_approval() -> None:
    h = near_hearing()
    two_days = HEARING - 2 * D
    assert rules(emergency(h.copy(), two_days, "hospital", "St. Example Hospital")) == []
    # a detention centre of the catalogue is no hospital, whatever the record's label says
    assert rules(emergency(h.copy(), two_days, "hospital", "OTAY",
                           facility_kind="adult")) == ["XFER"]


def test_a_transfer_near_a_hearing_approved_without_a_reason() -> None:
    h = near_hearing()
    two_days = HEARING - 2 * D
    assert rules(transfer(h.copy(), two_days, "adult", facility="OTAY", approved_by="s1",
                          reason="")) == ["REASON", "XFER"]
    assert rules(transfer(h.copy(), two_days, "adult", facility="OTAY",
                          approved_by="s1")) == []


# -- HOLD-12: no hold room once the limit has passed ------------------------------------------------


def in_hold_room(at: datetime = T0) -> History:
    h = detained(opened(born="1990-04-01", at=at), at)
    place(h, at + 2 * H, "hold_room", facility="HOLD-A")
    h.add("consular_advisal_recorded", at + 3 * H, by="d1", language="es",
          notification_requested=False)
    return cleared(h, until=(at + 30 * D).date().isoformat())


def test_a_second_hold_room_after_the_limit_is_flagged_at_the_placement() -> None:
    h = in_hold_room()  # the limit is 72 hours from the waiver of 24 Jun 2025
    late = transfer(h.copy(), T0 + 80 * H, "hold_room", facility="HOLD-B")
    assert rules(late) == ["HOLD-12"]  # the person has not left the hold rooms yet
    # a missed-deadline record does not make the placement lawful
    assert rules(late.copy().missed("HOLD-12")) == ["HOLD-12"]
    # within the limit, a move between hold rooms is lawful
    assert rules(transfer(h.copy(), T0 + 40 * H, "hold_room", facility="HOLD-B")) == []
    # counted from the first hold room of the stay, not the last
    moved = transfer(h.copy(), T0 + 40 * H, "hold_room", facility="HOLD-B")
    assert rules(transfer(moved, T0 + 76 * H, "hold_room", facility="HOLD-C")) == ["HOLD-12"]


def test_a_new_stretch_of_custody_starts_the_hold_room_limit_again() -> None:
    h = in_hold_room()
    h.add("released", T0 + 10 * H, by="d1", kind="recognizance", conditions="report monthly",
          reason="no flight risk: fixed address")
    h.add("arrest_recorded", T0 + 5 * D, basis="warrantless", reason_to_believe="overstay seen",
          likely_to_escape="no fixed address", location_type="public")
    h.add("custody_determined", T0 + 5 * D + H, decision="detain", authority="INA 236(a)",
          reason="flight risk: no address")
    h.add("consular_advisal_recorded", T0 + 5 * D + H, by="d1", language="es",
          notification_requested=False)
    assert rules(place(h, T0 + 5 * D + 2 * H, "hold_room", facility="HOLD-B")) == []


def test_before_the_waiver_a_second_hold_room_after_12_hours_is_flagged() -> None:
    t = datetime(2024, 3, 4, 13, tzinfo=UTC)
    h = in_hold_room(at=t)
    assert rules(transfer(h.copy(), t + 16 * H, "hold_room", facility="HOLD-B")) == ["HOLD-12"]
    assert rules(transfer(h.copy(), t + 12 * H, "hold_room", facility="HOLD-B")) == []
