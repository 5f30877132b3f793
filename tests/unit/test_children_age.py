"""law/age.py and the children's clocks (UAC-48, UAC-72, FLORES) on folded event lists: the
protective 18th birthday (UTC-12), leap days, claims against the birth date, age findings, the
end of the child rules, and clocks that start twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from duecourse.domain.case import CaseState, fold
from duecourse.domain.events import Event
from duecourse.law import age
from duecourse.law.clocks_children import flores, uac_48, uac_72
from duecourse.law.deadlines import compute_deadlines


def t(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC)


class History:
    """A case's events, built in order (synthetic people only)."""

    def __init__(self, birth_date: str | None, opened: str) -> None:
        person: dict[str, Any] = {"family_name": "Example", "given_name": "Kim"}
        if birth_date is not None:
            person["birth_date"] = birth_date
        self.events: list[Event] = []
        self.add("case_opened", opened, person_id="p1", person=person, encounter="border")

    def add(self, event: str, at: str, role: str = "officer", /, **data: Any) -> History:
        self.events.append(Event("c1", len(self.events) + 1, event, t(at), "o1", role, data))
        return self

    def arrest(self, at: str) -> History:
        return self.add("arrest_recorded", at, basis="warrantless")

    def state(self) -> CaseState:
        return fold("c1", self.events)


def by_id(s: CaseState, at: str) -> dict[str, str]:
    return {d.id: d.state for d in compute_deadlines(s, t(at))}


# -- age -------------------------------------------------------------------------------------


def test_eighteenth_birthday_begins_at_utc_minus_12() -> None:
    s = History("2008-07-10", "2026-07-10T09:30:00Z").state()
    assert age.eighteenth_birthday(s) == t("2026-07-10T12:00:00Z")
    # Honolulu 23:30 on the 9th is 09:30 UTC on the 10th: still a child.
    assert age.is_minor(s, t("2026-07-10T09:30:00Z"))
    # Guam early on the birthday (10 July 06:00 ChST = 9 July 20:00 UTC): still a child.
    assert age.is_minor(s, t("2026-07-09T20:00:00Z"))
    assert age.is_minor(s, t("2026-07-10T11:59:59Z"))
    assert not age.is_minor(s, t("2026-07-10T12:00:00Z"))
    assert age.age_on(s, t("2026-07-10T11:59:59Z")) == 17
    assert age.age_on(s, t("2026-07-10T12:00:00Z")) == 18


def test_leap_day_birth_turns_18_on_1_march() -> None:
    s = History("2008-02-29", "2026-02-01T00:00:00Z").state()
    assert age.eighteenth_birthday(s) == t("2026-03-01T12:00:00Z")
    assert age.is_minor(s, t("2026-02-28T23:59:00Z"))
    assert age.is_minor(s, t("2026-03-01T11:00:00Z"))
    assert not age.is_minor(s, t("2026-03-01T12:00:00Z"))
    assert age.birthday(date(2008, 2, 29), 16) == date(2024, 2, 29)  # a leap year keeps it


def test_no_or_unreadable_birth_date_is_no_minority() -> None:
    for raw in (None, "", "  ", "not a date", "2008-13-45"):
        s = History(raw, "2026-01-01T00:00:00Z").state()
        assert age.birth_date(s) is None
        assert not age.is_minor(s, t("2026-01-02T00:00:00Z"))
        assert age.minor_since(s) is None
    spaced = History(" 2010-05-05 ", "2026-01-01T00:00:00Z").state()
    assert age.birth_date(spaced) == date(2010, 5, 5)


def test_a_claim_makes_a_child_even_against_the_recorded_birth_date() -> None:
    h = History("1999-01-01", "2026-01-01T00:00:00Z")
    assert not age.is_minor(h.state(), t("2026-01-01T01:00:00Z"))
    h.add("minor_flagged", "2026-01-01T02:00:00Z", unaccompanied=False, age_basis="says he is 16")
    s = h.state()
    assert age.is_minor(s, t("2026-01-01T02:00:00Z"))
    assert age.turned_18_at(s) is None  # the recorded date is the one in question
    assert age.minor_since(s) == t("2026-01-01T02:00:00Z")
    # An adult finding (in effect) ends it; a later claim opens it again.
    h.add("age_determined", "2026-01-02T00:00:00Z", finding="adult")
    h.add("entry_confirmed", "2026-01-02T01:00:00Z", "supervisor", entry=3)
    s = h.state()
    assert not age.is_minor(s, t("2026-01-02T00:00:00Z"))
    h.add("minor_flagged", "2026-01-03T00:00:00Z", unaccompanied=False, age_basis="new document")
    assert age.is_minor(h.state(), t("2026-01-03T00:00:00Z"))


def test_an_adult_finding_has_no_effect_until_confirmed() -> None:
    h = History("2011-01-01", "2026-01-01T00:00:00Z")
    h.add("age_determined", "2026-01-02T00:00:00Z", finding="adult", needs_confirmation=True)
    s = h.state()
    assert 2 in s.pending
    assert age.is_minor(s, t("2026-01-03T00:00:00Z"))
    h.add("entry_confirmed", "2026-01-03T00:00:00Z", "supervisor", entry=2)
    s = h.state()
    assert not age.is_minor(s, t("2026-01-03T00:00:00Z"))
    assert not age.aged_out(s, t("2030-01-01T00:00:00Z"))  # found adult: never aged out


def test_aged_out_only_for_a_child_on_the_case() -> None:
    child = History("2008-10-05", "2026-09-20T00:00:00Z").state()
    assert not age.aged_out(child, t("2026-10-05T11:00:00Z"))
    assert age.aged_out(child, t("2026-10-05T12:00:00Z"))
    adult_at_encounter = History("2008-10-05", "2026-10-06T00:00:00Z").state()
    assert not age.aged_out(adult_at_encounter, t("2026-10-07T00:00:00Z"))


@settings(max_examples=200, deadline=None)
@given(born=st.dates(min_value=date(1950, 1, 1), max_value=date(2030, 12, 31)),
       offset=st.integers(min_value=-3 * 86400, max_value=3 * 86400))
def test_minority_by_birth_date_ends_exactly_at_the_protective_birthday(
        born: date, offset: int) -> None:
    s = History(born.isoformat(), "1940-01-01T00:00:00Z").state()
    t18 = age.eighteenth_birthday(s)
    assert t18 is not None
    at = t18 + timedelta(seconds=offset)
    assert age.is_minor(s, at) == (at < t18)
    # Never an adult before the birthday has begun on the Line Islands side (UTC+14) either.
    assert t18 >= datetime.combine(age.birthday(born, 18), datetime.min.time(), tzinfo=UTC)


# -- clocks ----------------------------------------------------------------------------------


def test_uac48_runs_from_the_encounter_for_a_child_by_birth_date() -> None:
    h = History("2011-04-10", "2026-07-14T14:00:00Z").arrest("2026-07-14T14:10:00Z")
    d = uac_48(h.state(), t("2026-07-14T15:00:00Z"))
    assert d is not None and d.started_at == t("2026-07-14T14:00:00Z")
    assert d.due_at == t("2026-07-16T14:00:00Z") and d.state == "due"
    h.add("hhs_notified", "2026-07-17T00:00:00Z")
    assert by_id(h.state(), "2026-07-17T00:00:00Z")["UAC-48"] == "missed"


def test_uac48_moot_at_18_when_not_yet_due_missed_when_already_breached() -> None:
    soon = History("2008-07-10", "2026-07-10T09:30:00Z").state()
    assert by_id(soon, "2026-07-10T12:00:00Z")["UAC-48"] == "moot"
    late = History("2008-07-10", "2026-07-07T00:00:00Z").state()
    assert by_id(late, "2026-07-09T01:00:00Z")["UAC-48"] == "overdue"
    d = uac_48(late, t("2026-07-11T00:00:00Z"))
    assert d is not None and d.state == "missed" and d.fulfilled_at == t("2026-07-10T12:00:00Z")


def test_uac72_counts_only_while_held_and_starts_again_after_a_release() -> None:
    h = History("2012-03-03", "2026-08-03T10:00:00Z")
    h.add("minor_flagged", "2026-08-03T10:05:00Z", unaccompanied=True, age_basis="alone")
    assert uac_72(h.state(), t("2026-08-03T12:00:00Z")) is None  # not held: no clock
    h.arrest("2026-08-03T10:10:00Z")
    d = uac_72(h.state(), t("2026-08-03T12:00:00Z"))
    assert d is not None and d.started_at == t("2026-08-03T10:10:00Z")
    h.add("released", "2026-08-04T10:00:00Z", kind="other")
    assert by_id(h.state(), "2026-08-04T10:00:00Z")["UAC-72"] == "moot"
    h.arrest("2026-09-01T10:00:00Z")
    d = uac_72(h.state(), t("2026-09-01T11:00:00Z"))
    assert d is not None and d.started_at == t("2026-09-01T10:00:00Z") and d.state == "due"
    h.add("transferred_to_orr", "2026-09-05T10:00:00Z")
    assert by_id(h.state(), "2026-09-05T10:00:00Z")["UAC-72"] == "missed"


def test_flores_met_by_family_placement_or_release_not_by_a_hold_room() -> None:
    h = History("2017-02-03", "2026-08-02T03:00:00Z").arrest("2026-08-02T03:10:00Z")
    h.add("placed", "2026-08-02T06:30:00Z", facility="hold", facility_type="hold_room",
          classification="A")
    assert by_id(h.state(), "2026-08-04T00:00:00Z")["FLORES"] == "due"
    assert by_id(h.state(), "2026-08-05T04:00:00Z")["FLORES"] == "overdue"
    h.add("transferred", "2026-08-04T20:00:00Z", facility="STFRCTX-6AA6", facility_type="family")
    d = flores(h.state(), t("2026-08-04T20:00:00Z"))
    assert d is not None and d.state == "met" and d.fulfilled_at == t("2026-08-04T20:00:00Z")


def test_flores_starts_at_a_claim_made_in_custody() -> None:
    h = History("1990-01-01", "2026-05-01T00:00:00Z").arrest("2026-05-01T01:00:00Z")
    h.add("placed", "2026-05-01T05:00:00Z", facility="PIC", facility_type="adult",
          classification="A")
    assert "FLORES" not in by_id(h.state(), "2026-05-02T00:00:00Z")
    h.add("minor_flagged", "2026-05-03T00:00:00Z", unaccompanied=False, age_basis="says 15")
    d = flores(h.state(), t("2026-05-03T01:00:00Z"))
    assert d is not None and d.started_at == t("2026-05-03T00:00:00Z") and d.state == "due"


def test_no_child_clock_before_its_law() -> None:
    """A clock whose law was not in force when it would start does not run."""
    s = History("1990-01-01", "2000-01-01T00:00:00Z").arrest("2000-01-01T01:00:00Z").state()
    assert uac_48(s, t("2000-01-02T00:00:00Z")) is None
    assert flores(s, t("2000-01-02T00:00:00Z")) is not None
    older = History("1980-01-01", "1990-01-01T00:00:00Z").arrest("1990-01-01T01:00:00Z").state()
    assert flores(older, t("1990-01-02T00:00:00Z")) is None
