"""The one rule set of the planner and the human place/transfer (law/facility_rules.py), and the
hold-room / 72-hour stretches the clocks are derived from (law/clocks_facilities.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from duecourse.domain.case import CaseState, fold
from duecourse.domain.events import Event
from duecourse.law import facility_rules as fr
from duecourse.law.clocks_facilities import clocks, in_hold_room, short_stay, stretch
from duecourse.placement.catalogue import packaged_catalogue

T0 = datetime(2026, 4, 6, 2, 0, tzinfo=UTC)
H = timedelta(hours=1)


def test_a_facility_is_its_code_or_its_exact_name() -> None:
    cat = packaged_catalogue()
    assert fr.resolve(cat, " pic ") is not None
    pic = fr.resolve(cat, "PIC")
    assert pic is not None and pic.code == "PIC"
    assert fr.resolve(cat, "port  ISABEL   spc") is pic
    assert fr.resolve(cat, "Port Isabel Service Processing Center") is None
    assert fr.resolve(cat, "") is None and fr.resolve(cat, "   ") is None


def test_age_near_midnight_and_on_a_leap_day() -> None:
    p = {"birth_date": "2008-06-01"}
    assert fr.adult_at(p, datetime(2026, 6, 1, 11, 59, tzinfo=UTC)) is False
    assert fr.adult_at(p, datetime(2026, 6, 1, 12, 0, tzinfo=UTC)) is True
    leap = {"birth_date": "2008-02-29"}  # 2026 has no 29 February: 18 on 1 March
    assert fr.adult_at(leap, datetime(2026, 2, 28, 23, 0, tzinfo=UTC)) is False
    assert fr.adult_at(leap, datetime(2026, 3, 1, 12, 0, tzinfo=UTC)) is True
    assert fr.adult_at({}, T0) is None


def test_units_sex_and_band() -> None:
    kro = fr.resolve(packaged_catalogue(), "KRO")
    assert kro is not None
    assert fr.unit_beds(kro, fr.unit_of("M", "A")) > 0
    assert fr.unit_beds(kro, fr.unit_of("F", "A")) == 0
    assert fr.unit_beds(kro, fr.unit_of("", "C")) > 0  # sex not recorded: either sex's band
    assert fr.sex_of({"sex": " female "}) == "F" and fr.sex_of({"sex": "x"}) == ""


def test_kind_and_hearing_rules_are_the_planners() -> None:
    assert not fr.kind_allows("adult", False, "adult")
    assert fr.kind_allows("family", False, "family") and not fr.kind_allows("adult", True,
                                                                           "family")
    assert fr.needs_hearing_reason("PIC", "KRO", True, False)
    assert not fr.needs_hearing_reason("PIC", "KRO", True, True)  # closing: the reason
    assert not fr.needs_hearing_reason("", "KRO", True, False)  # a book-in
    assert not fr.hold_room_allows("hold_room", 13, 12) and fr.hold_room_allows("adult", 999, 12)


def _ev(seq: int, kind: str, at: datetime, **data: object) -> Event:
    return Event("C-1", seq, kind, at, "d1", "detention", dict(data))


def test_a_stretch_spans_rooms_and_ends_when_the_person_leaves() -> None:
    s: CaseState = fold("C-1", [
        _ev(1, "placed", T0, facility="Room 1", facility_type="hold_room", classification="A",
            facility_over_72h=False),
        _ev(2, "transferred", T0 + 5 * H, facility="Room 2", facility_type="hold_room",
            attorney_notified=True, facility_over_72h=False),
        _ev(3, "transferred", T0 + 30 * H, facility="FSF", facility_type="staging",
            attorney_notified=True, facility_over_72h=False),
    ])
    assert stretch(s, in_hold_room) == (T0, T0 + 30 * H)
    assert stretch(s, short_stay) == (T0, None)  # a staging facility is no longer stay
    states = {d.id: d.state for d in clocks(s, T0 + 80 * H, frozenset())}
    assert states == {"HOLD-12": "missed", "CAP-72": "overdue"}
