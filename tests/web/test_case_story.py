"""The case page tells the story (issue 17, item 2), on SQLite and PostgreSQL: the next hearing
with its court and its time where the court keeps its days, the hearing calendar, what is in
force, every timeline entry with what was recorded in words and by whom (without what 8 U.S.C.
1367 withholds from the reader), and each deadline's local dates."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from duecourse.app.accounts import get_account
from duecourse.domain.events import Event
from duecourse.reference import office_zone_name
from duecourse.web.story import Reading, recorded

from .support import Site, build_site, carry, sign_in

HONOLULU = ZoneInfo("Pacific/Honolulu")
PLACE = "12 Kailua Shelter Row"  # where she was found: 1367 information
REASON = "admitted overstay at the Kailua intake desk"  # the arrest's circumstances: likewise
VAWA = "IOE0998877111"
ADDRESS = "45 Lanikai Lane, Kailua, HI 96734"  # where she lives: likewise


def _actor(site: Site, role: str) -> Any:
    with site.app.ctx.engine.connect() as conn:
        account = get_account(conn, f"{role}1")
    assert account is not None
    return account.actor


def _early_utc(day: datetime, hour: int) -> datetime:
    """``day`` at ``hour``:00 UTC: before 10:00 UTC it is still the day before in Honolulu."""
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def honolulu_case(site: Site) -> tuple[str, dict[str, datetime]]:
    """A case before the Honolulu court: arrested without a warrant at 05:00 UTC three days ago,
    its VAWA self-petition recorded, charged with a first hearing at 06:30 UTC in 40 days and a
    second scheduled at 07:15 UTC in 60 days (both the evening before, in Honolulu); its id
    and those times."""
    now = datetime.now(UTC)
    o, s, c = (_actor(site, r) for r in ("officer", "supervisor", "counsel"))
    t0 = _early_utc(now - timedelta(days=3), 5)
    times = {"arrest": t0 + timedelta(minutes=30),
             "first": _early_utc(now + timedelta(days=40), 6) + timedelta(minutes=30),
             "second": _early_utc(now + timedelta(days=60), 7) + timedelta(minutes=15)}
    steps: list[tuple[Any, datetime, str, dict[str, Any]]] = [
        (o, t0, "open_case", {"person": {
            "family_name": "Kahale", "given_name": "Lani", "birth_date": "1991-05-06",
            "nationalities": ["PH"], "languages": ["tl"]}, "encounter": "interior",
            "location": PLACE, "legal_basis": "INA 237(a)(1)(B)"}),
        (o, times["arrest"], "record_arrest", {
            "basis": "warrantless", "reason_to_believe": REASON,
            "likely_to_escape": "no fixed address"}),
        (s, t0 + timedelta(hours=1), "record_examination", {}),
        (o, t0 + timedelta(hours=2), "determine_custody", {
            "decision": "recognizance", "authority": "236(a)", "reason": "no flight risk"}),
        (c, t0 + timedelta(hours=3), "record_1367_protection", {"kind": "vawa",
                                                                "reference": VAWA}),
        (o, t0 + timedelta(hours=4), "issue_nta", {
            "charges": ["237(a)(1)(B)"], "allegations": ["overstay"],
            "hearing_at": times["first"].strftime("%Y-%m-%dT%H:%M:%SZ"), "court": "HON",
            "counsel_list_date": (t0 - timedelta(days=10)).date().isoformat()}),
        (o, t0 + timedelta(hours=5), "serve_nta", {"method": "personal", "language": "tl"}),
        (o, t0 + timedelta(hours=5, minutes=30), "record_address", {
            "address": ADDRESS, "provided_on": t0.date().isoformat()}),
        (o, t0 + timedelta(hours=6), "schedule_hearing", {
            "at": times["second"].strftime("%Y-%m-%dT%H:%M:%SZ"), "court": "HON",
            "notice": "mail"}),
        (o, t0 + timedelta(hours=7), "record_fear_claim", {"country": "PH"}),
    ]
    case = carry(site, steps)
    return case, times


@pytest.fixture
def story(db_url: str) -> tuple[Site, str, dict[str, datetime]]:
    site = build_site(db_url)
    return (site, *honolulu_case(site))


def _honolulu(at: datetime) -> str:
    """How the page writes ``at`` in Honolulu: "Fri 15 Jan 2027 20:30 HST"."""
    t = at.astimezone(HONOLULU)
    return f"{t:%a} {t.day} {t:%b %Y %H:%M} HST"


def _section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    return html.unescape(page[start:page.index("</section>", start)])


def _text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def test_the_next_hearing_is_shown_in_the_courts_own_time(
        story: tuple[Site, str, dict[str, datetime]]) -> None:
    site, case, times = story
    page = sign_in(site, "officer", "case_work").get(f"/cases/{case}")
    assert page.status_code == 200
    first = times["first"]
    assert first.astimezone(HONOLULU).date() != first.date()  # the evening before, locally
    stands = _text(_section(page.text, "facets-h"))
    assert "Next hearing" in stands and _honolulu(first) in stands
    assert "Honolulu, HI (HON)" in stands and "Pacific/Honolulu" in stands
    assert f"{first:%Y-%m-%d %H:%M} UTC" in stands  # the UTC instant stays available
    assert f'datetime="{first.isoformat()}"' in page.text


def test_the_hearing_calendar_lists_every_hearing(
        story: tuple[Site, str, dict[str, datetime]]) -> None:
    site, case, times = story
    page = sign_in(site, "supervisor", "supervision").get(f"/cases/{case}")
    calendar = _text(_section(page.text, "hearings-h"))
    assert calendar.index(_honolulu(times["first"])) < calendar.index(_honolulu(times["second"]))
    assert "initial hearing (on the Notice to Appear)" in calendar
    assert calendar.count("Honolulu, HI (HON)") == 2 and "to come" in calendar
    assert "notice served" in calendar


def test_a_fear_claim_is_shown_in_force(story: tuple[Site, str, dict[str, datetime]]) -> None:
    site, case, _ = story
    page = sign_in(site, "counsel", "legal_review").get(f"/cases/{case}")
    in_force = _text(_section(page.text, "in-force-h"))
    assert "Fear of return to Philippines (PH)" in in_force
    assert "screening is pending" in in_force


def test_the_timeline_says_what_was_recorded_in_words_and_by_whom(
        story: tuple[Site, str, dict[str, datetime]]) -> None:
    site, case, times = story
    page = sign_in(site, "officer", "case_work").get(f"/cases/{case}")
    timeline = _text(_section(page.text, "timeline-h"))
    assert "NTA served by officer1 (officer)" in timeline
    assert "Method: personal · Language: Tagalog (tl)" in timeline  # codes named, in form order
    assert "Court: Honolulu, HI (HON)" in timeline
    assert f"Hearing at: {_honolulu(times['first'])}" in timeline  # the court's zone
    assert "Notice: mail · Earlier date requested in writing: no" not in timeline  # form order
    assert "Earlier date requested in writing: no" in timeline  # booleans as yes/no
    assert "Birth date: 6 May 1991" in timeline
    assert "Nationalities: Philippines (PH)" in timeline and "Languages: Tagalog (tl)" in timeline
    assert f"Reason to believe: {REASON}" in timeline and f"Location: {PLACE}" in timeline
    assert "{" not in timeline and "'" not in timeline.replace("'s", "")  # never raw data


def test_the_timeline_withholds_1367_information_from_detention(
        story: tuple[Site, str, dict[str, datetime]]) -> None:
    site, case, _ = story
    officer = sign_in(site, "officer", "case_work").get(f"/cases/{case}").text
    assert all(t in officer for t in (REASON, PLACE, VAWA, ADDRESS))
    page = sign_in(site, "detention", "detention_management").get(f"/cases/{case}")
    assert page.status_code == 200
    timeline = _text(_section(page.text, "timeline-h"))
    assert "arrest recorded by officer1 (officer)" in timeline  # the entry is there ...
    assert "Likely to escape" not in timeline and "Reason to believe" not in timeline
    for withheld in (REASON, PLACE, VAWA, ADDRESS, "protection 1367 recorded",
                     "no fixed address"):
        assert withheld not in page.text  # ... not what 1367 withholds, anywhere on the page


def test_a_deadline_shows_its_local_due_date(
        story: tuple[Site, str, dict[str, datetime]]) -> None:
    site, case, times = story
    page = sign_in(site, "officer", "case_work").get(f"/cases/{case}")
    deadlines = _section(page.text, "deadlines-h")
    due = times["arrest"] + timedelta(hours=48)  # CUS-48: 48 hours from the arrest
    assert due.astimezone(HONOLULU).date() != due.date()
    row = _text(next(r for r in deadlines.split("<tr") if "CUS-48" in r))
    assert _honolulu(due) in row and f"{due:%Y-%m-%d %H:%M} UTC" in row
    assert f'datetime="{due.isoformat()}"' in deadlines
    assert "Pacific/Honolulu" in _text(deadlines) and "0 %" in row


def test_without_a_court_times_are_in_the_holding_offices_zone(db_url: str) -> None:
    site = build_site(db_url)
    page = sign_in(site, "officer", "case_work").get(f"/cases/{site.cases['ana']}")
    note = _text(_section(page.text, "facets-h"))
    assert "America/New_York" in note and "the office that holds the case, Newark, NJ" in note
    assert "No hearing to come is scheduled" in note
    assert "No hearing has been scheduled" in _text(_section(page.text, "hearings-h"))


def test_each_kind_of_field_is_said_in_words() -> None:
    """One event of each shape through the formats table (no database: pure functions)."""
    at = datetime(2027, 1, 15, 6, 30, tzinfo=UTC)
    reading = Reading("Pacific/Honolulu", {"u-s2": "Sam Second"})
    said = {r.label: r.value for r in recorded(Event("C-1", 3, "stay_granted", at, "u-c1",
                                                     "counsel", {
        "kind": "ij", "issued_by": "HON", "reference": "HON-STAY-1", "issued_on": "2027-01-14",
        "until": "2027-02-01T08:00:00Z"}), reading)}
    assert said == {"Kind": "IJ", "Issued by": "Immigration Court, Honolulu, HI (HON)",
                    "Reference": "HON-STAY-1", "Issued on": "Thu 14 Jan 2027",
                    "Until": "Sun 31 Jan 2027 22:00 HST"}
    said = {r.label: r.value for r in recorded(Event("C-1", 4, "transferred", at, "u-o1",
                                                     "officer", {
        "facility": "F-1", "attorney_notified": True, "emergency": False, "approved_by": "u-s2",
        "bond_amount": 2500, "person_id": "P-1"}), reading)}
    assert said["Attorney notified"] == "yes" and said["Emergency"] == "no"
    assert said["Approved by"] == "Sam Second" and said["Bond amount"] == "$2,500"
    assert "Person id" not in said  # recorded for the system, not for a reader
    said = {r.label: r.value for r in recorded(Event("C-1", 5, "order_recorded", at, "u-c1",
                                                     "counsel", {
        "outcome": "voluntary_departure", "protected_countries": ["SV", "GT"]}), reading)}
    assert said == {"Outcome": "voluntary departure",
                    "Protected countries": "El Salvador (SV), Guatemala (GT)"}


@pytest.mark.parametrize(("office", "zone"), [
    ("Newark, NJ", "America/New_York"), ("El Paso, TX", "America/Denver"),
    ("Honolulu, HI", "Pacific/Honolulu"), ("Headquarters", None), ("Paris, FR", None)])
def test_an_offices_zone_comes_from_the_courts_tables(office: str, zone: str | None) -> None:
    assert office_zone_name(office) == zone
