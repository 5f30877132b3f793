"""SENS-LOC, VAWA-1367 and NTA-ADDR through the handlers (SQLite and PostgreSQL), with the cases a
careless clerk or a determined insider makes: a date near midnight, an address written twice, a
transfer before a holiday, a later transfer over an untold one, a re-arrest, a switched-off
policy."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from duecourse.bootstrap import App, build_app
from duecourse.domain.case import CaseState, fold
from duecourse.domain.commands import Actor, parse_command
from duecourse.domain.errors import RuleRefusal
from duecourse.domain.events import Event
from duecourse.law.rules import check_command

O1 = Actor("o1", "officer", "Officer One")
O2 = Actor("o2", "officer", "Officer Two")
S1 = Actor("s1", "supervisor", "Supervisor One")
C1 = Actor("c1", "counsel", "Agency Counsel")
D1 = Actor("d1", "detention", "Detention Officer")

PERSON = {"family_name": "Ejemplo", "given_name": "Rosa", "birth_date": "1990-02-28", "sex": "F",
          "nationalities": ["MX"], "languages": ["es"]}
NTA = {"charges": ["237(a)(1)(B)"], "allegations": ["remained longer than permitted"],
       "court": "NEW", "counsel_list_date": "2026-01-15"}
ARREST = {"basis": "warrantless", "reason_to_believe": "admitted overstay",
          "likely_to_escape": "no fixed address"}


def t(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC)


class Desk:
    def __init__(self, url: str) -> None:
        self.app: App = build_app(url, seed=5)
        for a in (O1, O2, S1, C1, D1):
            self.app.register_actor(a)
        self.case = ""

    def open(self, at: str, **extra: Any) -> None:
        out = self.app.do(parse_command("open_case", {
            "person": PERSON, "encounter": "interior", "location": "Newark, NJ",
            "legal_basis": "INA 237(a)(1)(B)", **extra}), O1, t(at))
        assert out.accepted, out.refusals
        self.case = str(out.case_id)

    def do(self, at: str, actor: Actor, name: str, /, **fields: Any) -> Any:
        return self.app.do(parse_command(name, fields), actor, t(at), case_id=self.case)

    def ok(self, at: str, actor: Actor, name: str, /, **fields: Any) -> Any:
        out = self.do(at, actor, name, **fields)
        assert out.accepted, f"{name}: {[(r.rule_id, r.reason) for r in out.refusals]}"
        return out

    def refused(self, at: str, actor: Actor, name: str, rule: str, /, **fields: Any) -> str:
        out = self.do(at, actor, name, **fields)
        assert not out.accepted and rule in out.rule_ids, out.refusals
        return " ".join(r.reason for r in out.refusals if r.rule_id == rule)

    def clock(self, at: str, id: str) -> Any:
        found = [d for d in self.app.get_case(self.case, S1, "supervision", t(at)).deadlines
                 if d.id == id]
        return found[0] if found else None


@pytest.fixture
def desk(db_url: str) -> Desk:
    return Desk(db_url)


def _at_liberty(d: Desk) -> None:
    d.open("2026-03-01T14:00:00Z")
    d.ok("2026-03-01T15:00:00Z", O1, "issue_nta", hearing_at="2026-03-24T14:00:00Z", **NTA)


def test_an_address_given_today_anywhere_in_the_union_is_not_in_the_future(desk: Desk) -> None:
    _at_liberty(desk)
    # 20:00 UTC on 1 March is 10:00 in Honolulu and already 2 March in Guam.
    desk.ok("2026-03-01T20:00:00Z", O1, "record_address", address="9 Palm Rd, Hagåtña, GU",
            provided_on="2026-03-02")
    why = desk.refused("2026-03-01T20:01:00Z", O1, "record_address", "NTA-ADDR",
                       address="9 Palm Rd, Hagåtña, GU", provided_on="2026-03-03")
    assert "2026-03-03" in why and "after today" in why


def test_a_mailed_notice_needs_an_address_and_the_same_address_rewritten_is_no_change(
        desk: Desk) -> None:
    _at_liberty(desk)
    why = desk.refused("2026-03-02T14:00:00Z", O1, "serve_nta", "NTA-ADDR", method="mail",
                       language="es")
    assert "address on file" in why
    desk.ok("2026-03-02T14:05:00Z", O1, "record_address",
            address="41-10 Main St, Flushing, NY 11355", provided_on="2026-03-02")
    desk.ok("2026-03-02T14:10:00Z", O1, "serve_nta", method="mail", language="es")
    desk.ok("2026-03-25T14:00:00Z", C1, "schedule_hearing", at="2026-04-28T14:00:00Z",
            court="NEW", notice="mail")
    # The same address, typed again with other spacing, case and punctuation, entered late.
    desk.ok("2026-03-30T14:00:00Z", C1, "record_address",
            address="41-10 MAIN ST.  Flushing NY 11355", provided_on="2026-03-20")
    out = desk.ok("2026-04-28T16:00:00Z", C1, "record_order", outcome="removal",
                  decision_mode="written", designated_country="MX", in_absentia=True,
                  hearing_at="2026-04-28T14:00:00Z", issued_by="NEW",
                  reference="NEW-IJ-0428", issued_on="2026-04-28")
    assert out.accepted


def _detained_and_charged(d: Desk) -> None:
    d.open("2026-06-29T12:00:00Z")
    d.ok("2026-06-29T12:30:00Z", O1, "record_arrest", **ARREST)
    d.ok("2026-06-29T13:00:00Z", O2, "record_examination")
    d.ok("2026-06-29T14:00:00Z", O1, "determine_custody", decision="detain", authority="236(a)",
         reason="flight risk: no fixed address")
    d.ok("2026-06-29T15:00:00Z", D1, "place", facility="ELIZABETH CONTRACT DETENTION FACILITY",
         classification="A", reason="intake: nearest facility to the court")
    assert d.clock("2026-06-29T15:00:00Z", "NTA-ADDR") is None  # placed before any NTA
    d.ok("2026-06-30T14:00:00Z", O1, "issue_nta", hearing_at="2026-08-20T14:00:00Z",
         **{**NTA, "counsel_list_date": "2026-06-01"})
    d.ok("2026-06-30T15:00:00Z", O1, "serve_nta", method="personal", language="es")
    d.ok("2026-07-01T09:00:00Z", D1, "record_medical_clearance", valid_until="2026-08-01")


def test_an_address_that_is_no_address_carries_no_notice(desk: Desk) -> None:
    """'unknown' is no address: record_address refuses it, naming the field (an address need not
    have a house number: General Delivery is one); a notice mailed to a non-address on file (a
    history from before this rule, or written straight to the store) carries no order in
    absentia, and no new notice goes there by mail."""
    _at_liberty(desk)
    for typed in ("unknown", "N/A", "No fixed address", "homeless", "TBD", "???", "Apt 3"):
        why = desk.refused("2026-03-02T14:00:00Z", O1, "record_address", "NTA-ADDR",
                           address=typed, provided_on="2026-03-02")
        assert f"('{typed}', address)" in why
    desk.ok("2026-03-02T14:05:00Z", O1, "record_address", address="General Delivery, Nome, AK",
            provided_on="2026-03-02")
    desk.ok("2026-03-02T14:10:00Z", O1, "serve_nta", method="mail", language="es")
    events = desk.app.get_case(desk.case, S1, "supervision").events
    absentia = {"outcome": "removal", "decision_mode": "written", "designated_country": "MX",
                "in_absentia": True, "hearing_at": "2026-03-24T14:00:00Z", "issued_by": "NEW",
                "reference": "NEW-IJ-0324", "issued_on": "2026-03-24"}
    at = "2026-03-24T16:00:00Z"
    assert "NTA-ADDR" not in [r.rule_id for r in _refusals(
        fold(desk.case, events), "record_order", absentia, at, C1)]
    placeholder = fold(desk.case, [
        dataclasses.replace(e, data={**e.data, "address": "unknown"})
        if e.kind == "address_recorded" else e for e in events])
    why = [r.reason for r in _refusals(placeholder, "record_order", absentia, at, C1)
           if r.rule_id == "NTA-ADDR"]
    assert why and "'unknown'" in why[0] and "in absentia" in why[0]
    hearing = {"at": "2026-04-28T14:00:00Z", "court": "NEW", "notice": "mail"}
    assert "NTA-ADDR" in [r.rule_id for r in _refusals(
        placeholder, "schedule_hearing", hearing, "2026-03-25T14:00:00Z", C1)]
    desk.ok("2026-03-24T16:00:00Z", C1, "record_order", **absentia)


def test_a_transfer_before_a_holiday_is_due_the_next_business_day(desk: Desk) -> None:
    _detained_and_charged(desk)
    # Thursday 2 July 2026; Friday 3 July is the observed Independence Day: due end of Monday
    # 6 July at the Newark court (Eastern time).
    desk.ok("2026-07-02T16:00:00Z", D1, "transfer", facility="PORT ISABEL SPC",
            attorney_notified=True, reason="bed space: Elizabeth at capacity")
    c = desk.clock("2026-07-03T12:00:00Z", "NTA-ADDR")
    assert c.state == "due" and c.due_at.astimezone(UTC).date().isoformat() == "2026-07-07"
    assert c.due_at.astimezone(UTC).hour == 3  # 23:59 EDT on 6 July
    # The wrong court is not the court.
    why = desk.refused("2026-07-03T13:00:00Z", D1, "notify_court_of_custody", "NTA-ADDR",
                       court="HOU")
    assert "before NEW" in why
    desk.ok("2026-07-06T13:00:00Z", D1, "notify_court_of_custody", court="new")
    desk.ok("2026-07-06T13:05:00Z", D1, "notify_court_of_custody", court="NEW")  # twice: harmless
    assert desk.clock("2026-07-08T00:00:00Z", "NTA-ADDR").state == "met"


def test_a_later_transfer_never_hides_a_notice_not_given(desk: Desk) -> None:
    _detained_and_charged(desk)
    desk.ok("2026-07-06T16:00:00Z", D1, "transfer", facility="PORT ISABEL SPC",
            attorney_notified=True, reason="bed space: Elizabeth at capacity")
    desk.ok("2026-07-13T16:00:00Z", D1, "record_medical_clearance", valid_until="2026-08-01")
    desk.ok("2026-07-14T16:00:00Z", D1, "transfer", facility="ELIZABETH CONTRACT DETENTION FACILITY",
            attorney_notified=True, reason="returned for the hearing calendar")
    c = desk.clock("2026-07-14T17:00:00Z", "NTA-ADDR")
    assert c.state == "overdue" and c.started_at == t("2026-07-06T16:00:00Z")
    out = desk.ok("2026-07-15T09:00:00Z", D1, "notify_court_of_custody", court="NEW")
    assert [e["kind"] for e in out.events] == ["court_notified_of_custody", "deadline_missed"]


def test_released_before_the_court_is_told_the_clock_is_moot(desk: Desk) -> None:
    _detained_and_charged(desk)
    desk.ok("2026-07-06T16:00:00Z", D1, "transfer", facility="PORT ISABEL SPC",
            attorney_notified=True, reason="bed space: Elizabeth at capacity")
    desk.ok("2026-07-06T18:00:00Z", O1, "release", kind="supervision",
            conditions="report monthly", reason="order of supervision: sponsor's address")
    assert desk.clock("2026-07-20T00:00:00Z", "NTA-ADDR").state == "moot"


def test_a_239e_place_on_an_earlier_arrest_still_needs_the_statement(desk: Desk) -> None:
    desk.open("2026-03-01T14:00:00Z")
    desk.ok("2026-03-01T15:00:00Z", O1, "record_arrest", **ARREST,
            location_type="rape-crisis-centre", location_approved_by="s1",
            location_reason="she asked to be taken to her consulate")
    desk.ok("2026-03-01T16:00:00Z", O2, "record_examination")
    desk.ok("2026-03-01T18:00:00Z", O1, "determine_custody", decision="recognizance",
            authority="236(a)", reason="no flight risk: gave her sister's address")
    desk.ok("2026-03-09T15:00:00Z", O1, "record_arrest", **ARREST, location_type="home")
    why = desk.refused("2026-03-09T16:00:00Z", O1, "issue_nta", "VAWA-1367",
                       hearing_at="2026-04-24T14:00:00Z", **NTA)
    assert "rape crisis center" in why and "statement_1229e" in why
    desk.ok("2026-03-09T16:05:00Z", O1, "issue_nta", hearing_at="2026-04-24T14:00:00Z",
            statement_1229e=True, **NTA)


def _refusals(state: CaseState, name: str, data: dict[str, Any], at: str,
              actor: Actor = O1) -> list[RuleRefusal]:
    roles = {"s1": "supervisor", "o1": "officer", "o2": "officer"}
    return check_command(state, parse_command(name, data), actor, t(at), roles.get)


def _opened(at: str) -> CaseState:
    s = CaseState(case_id="C-1")
    from duecourse.domain.case import apply
    apply(s, Event("C-1", 1, "case_opened", t(at), "o1", "officer", {
        "person_id": "P-1", "person": PERSON, "encounter": "interior", "location": "Newark",
        "legal_basis": "INA 237(a)(1)(B)", "location_type": "public"}))
    return s


def test_t_and_u_protection_cannot_predate_their_law() -> None:
    refusals = _refusals(_opened("1999-06-01T12:00:00Z"), "record_1367_protection",
                         {"kind": "t_visa", "reference": "T-1999-1"}, "1999-06-02T12:00:00Z",
                         C1)
    assert "VAWA-1367" in [r.rule_id for r in refusals]


def test_a_deployment_that_switches_sens_loc_off_still_needs_a_known_place(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from duecourse.law.params import param as real

    monkeypatch.setattr("duecourse.law.framework.param",
                        lambda key, on: 0 if key == "SENS-LOC.enabled" else real(key, on))
    s = _opened("2026-03-01T12:00:00Z")
    school = {**ARREST, "location_type": "school"}
    assert "SENS-LOC" not in [r.rule_id for r in _refusals(s, "record_arrest", school,
                                                           "2026-03-01T13:00:00Z")]
    odd = {**ARREST, "location_type": "the old mill"}
    assert "SENS-LOC" in [r.rule_id for r in _refusals(s, "record_arrest", odd,
                                                       "2026-03-01T13:00:00Z")]
