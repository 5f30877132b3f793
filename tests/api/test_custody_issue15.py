"""Issue 15, custody: no case closes over a person in custody, the POCR notice and the HQ
reviewer, revocation of a post-order release, pre-order authority and reviews, the bond stay.
Through the App (the one write path), on SQLite; the close rule on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from duecourse.app.outcome import Outcome
from duecourse.bootstrap import App, build_app
from duecourse.domain.case import normalise_authority
from duecourse.domain.commands import Actor, parse_command

O1 = Actor("o1", "officer", "Officer One")
O2 = Actor("o2", "officer", "Officer Two")
S1 = Actor("s1", "supervisor", "Supervisor One")
S2 = Actor("s2", "supervisor", "Supervisor Two")
C1 = Actor("c1", "counsel", "Agency Counsel")
D1 = Actor("d1", "detention", "Detention Officer")
OV = Actor("ov", "oversight", "Inspector")

PERSON = {"family_name": "Testperson", "given_name": "Rui", "birth_date": "1987-02-28",
          "sex": "M", "nationalities": ["PT"], "languages": ["pt"]}


def t(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC)


class Desk:
    def __init__(self, url: str = "sqlite://") -> None:
        self.app: App = build_app(url, seed=7)
        for a in (O1, O2, S1, S2, C1, D1, OV):
            self.app.register_actor(a)
        self.case = ""
        self.att = Actor("att", "attorney", "Attorney of Record")

    def open(self, at: str) -> None:
        out = self.app.do(parse_command("open_case", {
            "person": PERSON, "encounter": "interior", "location": "Newark, NJ",
            "legal_basis": "INA 237(a)(1)(B)"}), O1, t(at))
        assert out.accepted, out.refusals
        self.case = str(out.case_id)
        pid = self.app.get_case(self.case, OV, "oversight_audit").state.person_id
        self.att = Actor("att", "attorney", "Attorney of Record", clients=(pid,))
        self.app.register_actor(self.att)

    def do(self, when: str, actor: Actor, name: str, /, **fields: Any) -> Outcome:
        return self.app.do(parse_command(name, fields), actor, t(when), case_id=self.case)

    def ok(self, when: str, actor: Actor, name: str, /, **fields: Any) -> Outcome:
        out = self.do(when, actor, name, **fields)
        assert out.accepted, f"{name}: {[(r.rule_id, r.reason) for r in out.refusals]}"
        return out

    def no(self, when: str, actor: Actor, name: str, rule: str, /, **fields: Any) -> str:
        out = self.do(when, actor, name, **fields)
        assert not out.accepted, f"{name} was accepted"
        ids = [r.rule_id for r in out.refusals]
        assert rule in ids, out.refusals
        return next(r.reason for r in out.refusals if r.rule_id == rule)

    def clocks(self, at: str) -> dict[str, str]:
        view = self.app.get_case(self.case, OV, "oversight_audit", t(at))
        return {d.id: d.state for d in view.deadlines}

    def missed_events(self) -> list[str]:
        view = self.app.get_case(self.case, OV, "oversight_audit")
        return [e.data["deadline"] for e in view.events if e.kind == "deadline_missed"]

    def custody(self) -> str:
        return self.app.get_case(self.case, OV, "oversight_audit").state.custody

    # -- paths -----------------------------------------------------------------------------

    def detained(self, day: str = "2026-01-12", authority: str = "236(a)") -> None:
        self.open(f"{day}T07:00:00Z")
        self.ok(f"{day}T07:30:00Z", O1, "record_arrest", basis="warrantless",
                reason_to_believe="B-2 overstay since 2019", likely_to_escape="no address on file")
        self.ok(f"{day}T09:00:00Z", O2, "record_examination")
        self.ok(f"{day}T12:00:00Z", O1, "determine_custody", decision="detain",
                authority=authority, reason="flight risk: no address on file")

    def final_order(self) -> None:
        """Detained from 12 January 2026; order final by waiver on 2 March 2026."""
        self.detained()
        self.ok("2026-01-13T09:00:00Z", O1, "issue_nta", charges=["237(a)(1)(B)"],
                allegations=["admitted as a B-2 visitor on 2019-02-02",
                             "remained beyond 2019-08-01 without authorization"],
                hearing_at="2026-02-03T09:00:00Z", court="NEW", counsel_list_date="2026-01-02")
        self.ok("2026-01-13T10:00:00Z", O1, "serve_nta", method="personal", language="pt")
        self.ok("2026-03-02T10:00:00Z", C1, "record_order", outcome="removal",
                decision_mode="oral", designated_country="PT", issued_by="NEW",
                reference="NEW-IJ-20260302-TEST", issued_on="2026-03-02")
        self.ok("2026-03-02T10:10:00Z", self.att, "waive_appeal", party="respondent", before="NEW",
                language="pt")


# -- CUSTODY-CLOSE ----------------------------------------------------------------------------


def test_a_detained_persons_case_does_not_close_and_release_stays_possible(db_url: str) -> None:
    d = Desk(db_url)
    d.detained("2026-04-06")
    why = d.no("2026-04-07T09:00:00Z", S1, "close_case", "CUSTODY-CLOSE",
               reason="prosecutorial discretion")
    assert "detained" in why and "release" in why
    d.ok("2026-04-07T10:00:00Z", D1, "release", kind="recognizance", conditions="report monthly",
         reason="prosecutorial discretion: sole carer of a child")
    d.ok("2026-04-07T11:00:00Z", S1, "close_case", reason="prosecutorial discretion")


def test_an_open_duty_holds_the_case_open_and_is_named() -> None:
    d = Desk()
    d.final_order()
    d.ok("2026-05-04T09:00:00Z", S1, "review_custody", kind="pocr", finding="release",
         reason="no danger; stable address")
    d.ok("2026-05-04T10:00:00Z", D1, "release", kind="supervision", conditions="I-220B",
         reason="release found on review")
    d.ok("2026-08-10T07:15:00Z", S1, "revoke_release", grounds="violated_conditions",
         facts="missed two reportings", reason="violated supervision", notice_language="pt")
    # Revoked: detained again, so the case is held open on custody first ...
    assert d.custody() == "detained"
    d.no("2026-08-10T08:00:00Z", S1, "close_case", "CUSTODY-CLOSE", reason="administrative")


# -- POCR --------------------------------------------------------------------------------------


def test_pocr_notice_clock_and_what_a_review_without_notice_may_do() -> None:
    d = Desk()
    d.final_order()
    # Removal period 2 March - 31 May; the notice is due 30 days before its end.
    assert d.clocks("2026-03-03T00:00:00Z")["POCR-NOTICE"] == "due"
    assert d.clocks("2026-05-02T00:00:00Z")["POCR-NOTICE"] == "overdue"
    why = d.no("2026-05-04T08:00:00Z", S1, "review_custody", "POCR", kind="pocr",
               finding="continue", reason="travel document requested")
    assert "notice" in why
    # 29 days counted from the latest local day of service: refused.
    d.no("2026-05-04T11:00:00Z", D1, "serve_pocr_notice", "POCR", review_on="2026-06-02",
         language="pt")
    d.ok("2026-05-04T09:00:00Z", D1, "serve_pocr_notice", review_on="2026-06-03", language="pt")
    assert "POCR-NOTICE" in d.missed_events()
    # The noticed day has not begun everywhere at 11:59 UTC (it is 23:59 the day before at UTC-12).
    d.no("2026-06-03T11:59:00Z", S1, "review_custody", "POCR", kind="pocr", finding="continue",
         reason="travel document requested")
    d.ok("2026-06-03T12:00:00Z", S1, "review_custody", kind="pocr", finding="continue",
         reason="travel document requested")
    # The HQ review is another supervisor's.
    d.no("2026-08-03T12:00:00Z", S1, "review_custody", "POCR", kind="hq", finding="continue",
         reason="travel document issued")
    d.ok("2026-08-03T12:00:00Z", S2, "review_custody", kind="hq", finding="continue",
         reason="travel document issued")


def test_a_release_finding_is_never_refused_for_want_of_notice_and_starts_a_clock() -> None:
    d = Desk()
    d.final_order()
    d.ok("2026-05-30T09:00:00Z", S1, "review_custody", kind="pocr", finding="release",
         reason="no danger, no flight risk")
    states = d.clocks("2026-05-30T09:00:00Z")
    assert states["REVIEW-RELEASE"] == "due" and states["POCR-NOTICE"] == "moot"
    assert d.clocks("2026-05-31T10:00:00Z")["REVIEW-RELEASE"] == "overdue"
    d.ok("2026-06-01T09:00:00Z", D1, "release", kind="supervision", conditions="I-220B",
         reason="release found on review")
    assert "REVIEW-RELEASE" in d.missed_events()


# -- REVOKE ------------------------------------------------------------------------------------


def test_return_to_custody_after_a_post_order_release_is_a_revocation() -> None:
    d = Desk()
    d.final_order()
    d.ok("2026-05-04T09:00:00Z", S1, "review_custody", kind="pocr", finding="release",
         reason="no danger")
    d.ok("2026-05-04T10:00:00Z", D1, "release", kind="supervision", conditions="I-220B",
         reason="release found on review")
    why = d.no("2026-08-10T07:00:00Z", O1, "record_arrest", "REVOKE", basis="warrantless",
               reason_to_believe="final order", likely_to_escape="missed reportings")
    assert "revoke" in why
    d.no("2026-08-10T07:05:00Z", S1, "revoke_release", "REVOKE", grounds="likelihood_of_removal",
         facts="travel document issued", reason="removal likely", notice_language="pt")
    d.ok("2026-08-10T07:15:00Z", S1, "revoke_release", grounds="enforce_removal",
         facts="flight booked for 20 August", reason="to carry out the order",
         notice_language="en", notice_interpreter="Portuguese interpreter, line 22")
    d.no("2026-08-10T07:20:00Z", S2, "revoke_release", "REVOKE", grounds="enforce_removal",
         facts="again", reason="again", notice_language="pt")
    assert d.clocks("2026-08-13T07:16:00Z")["REVOKE-INTERVIEW"] == "overdue"
    d.ok("2026-08-14T07:00:00Z", O2, "record_revocation_interview", language="pt")
    assert "REVOKE-INTERVIEW" in d.missed_events()
    d.no("2026-08-14T08:00:00Z", O2, "record_revocation_interview", "REVOKE", language="pt")


def released_after_the_order(d: Desk) -> str:
    """A final order, a post-order review finding release, the release: the case's id."""
    d.final_order()
    d.ok("2026-05-04T09:00:00Z", S1, "review_custody", kind="pocr", finding="release",
         reason="no danger")
    d.ok("2026-05-04T10:00:00Z", D1, "release", kind="supervision", conditions="I-220B",
         reason="release found on review")
    return d.case


def test_a_new_case_for_the_same_person_is_no_way_around_the_revocation(db_url: str) -> None:
    """The release is the person's: a second case for them (the same names and birth date) takes
    no arrest while the post-order release on the first, even closed, stands unrevoked."""
    d = Desk(db_url)
    first = released_after_the_order(d)
    d.ok("2026-05-05T10:00:00Z", S1, "close_case", reason="released on an order of supervision")
    d.open("2026-08-10T06:00:00Z")
    assert d.case != first
    why = d.no("2026-08-10T07:00:00Z", O1, "record_arrest", "REVOKE", basis="warrantless",
               reason_to_believe="final order", likely_to_escape="missed reportings")
    assert first in why and "revoke_release" in why and "closed" in why
    # another person of the same name (born another day) is not barred
    other = d.app.do(parse_command("open_case", {
        "person": {**PERSON, "birth_date": "1990-02-28"}, "encounter": "interior",
        "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"}), O1, t("2026-08-10T08:00:00Z"))
    d.case = str(other.case_id)
    d.ok("2026-08-10T09:00:00Z", O1, "record_arrest", basis="warrantless",
         reason_to_believe="B-2 overstay", likely_to_escape="no address on file")


@pytest.mark.parametrize("typed", [
    {"family_name": " TESTPERSON ", "given_name": "rui", "a_number": ""},
    {"family_name": "Testperson", "given_name": "Rui  ", "birth_date": "1990-01-01",
     "a_number": "A 208-765-432"},
])
def test_the_second_case_is_found_however_the_person_is_typed(
        db_url: str, typed: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by an outside review: names in capitals or with stray spaces, or the A-number
    written with spaces and dashes, hid the first case from the REVOKE query."""
    monkeypatch.setitem(PERSON, "a_number", "A208765432")
    d = Desk(db_url)
    first = released_after_the_order(d)
    out = d.app.do(parse_command("open_case", {
        "person": {**PERSON, **typed}, "encounter": "interior", "location": "Newark, NJ",
        "legal_basis": "INA 237(a)(1)(B)"}), O1, t("2026-08-10T06:00:00Z"))
    d.case = str(out.case_id)
    why = d.no("2026-08-10T07:00:00Z", O1, "record_arrest", "REVOKE", basis="warrantless",
               reason_to_believe="final order", likely_to_escape="missed reportings")
    assert first in why


def test_a_pre_order_release_is_not_revoked_under_241_4() -> None:
    d = Desk()
    d.detained()
    d.ok("2026-01-12T13:00:00Z", D1, "release", kind="recognizance", conditions="report",
         reason="family ties; low risk")
    d.no("2026-02-01T09:00:00Z", S1, "revoke_release", "REVOKE", grounds="violated_conditions",
         facts="missed a check-in", reason="violated conditions", notice_language="pt")
    d.ok("2026-02-01T09:00:00Z", O1, "record_arrest", basis="warrantless",
         reason_to_believe="B-2 overstay", likely_to_escape="missed a check-in")


# -- PRE-ORDER ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "found"), [
    ("236(a)", "236(a)"), (" ina  § 236 (A) ", "236(a)"), ("INA 235(b)(2)(a)", "235(b)(2)(A)"),
    ("Section 236(c)", "236(c)"), ("241(A)", "241(a)"), ("235(b)", ""), ("236", ""), ("", ""),
    ("236(a) or 236(c)", ""),
])
def test_authority_is_normalised(typed: str, found: str) -> None:
    assert normalise_authority(typed) == found


def test_mandatory_detention_needs_counsel_and_bond_is_not_release() -> None:
    d = Desk()
    d.open("2026-02-02T08:00:00Z")
    d.ok("2026-02-02T08:30:00Z", O1, "record_arrest", basis="warrantless",
         reason_to_believe="conviction record", likely_to_escape="no address")
    d.ok("2026-02-02T09:30:00Z", O2, "record_examination")
    why = d.no("2026-02-02T12:00:00Z", O1, "determine_custody", "PRE-ORDER", decision="detain",
               authority="235(b)", reason="arriving alien")
    assert "235(b)(1)" in why and "241(a)" in why
    d.no("2026-02-02T12:00:00Z", O1, "determine_custody", "PRE-ORDER", decision="detain",
         authority="236(c)", reason="aggravated felony", opla_signoff="  ")
    d.no("2026-02-02T12:00:00Z", O1, "determine_custody", "PRE-ORDER", decision="detain",
         authority="236(c)", reason="aggravated felony", opla_signoff="s1")
    d.no("2026-02-02T12:00:00Z", O1, "determine_custody", "PRE-ORDER", decision="bond",
         bond_amount=-500, authority="236(a)", reason="moderate flight risk")
    d.ok("2026-02-02T12:00:00Z", O1, "determine_custody", decision="bond", bond_amount=12000,
         authority="236(a)", reason="moderate flight risk")
    assert d.custody() == "detained"
    d.ok("2026-02-03T12:00:00Z", D1, "release", kind="bond", conditions="bond posted",
         reason="bond posted")
    assert d.custody() == "released"


def test_prolonged_detention_reviews_are_clocks_and_end_with_the_final_order() -> None:
    d = Desk()
    d.detained("2025-10-01")
    assert d.clocks("2025-12-20T00:00:00Z")["PRE-ORDER"] == "due"
    assert d.clocks("2026-01-01T00:00:00Z")["PRE-ORDER"] == "overdue"
    d.ok("2026-01-02T09:00:00Z", S1, "review_custody", kind="prolonged", finding="continue",
         reason="merits hearing set")
    assert "PRE-ORDER" in d.missed_events()
    assert d.clocks("2026-01-03T00:00:00Z")["PRE-ORDER"] == "due"  # the 180-day period


def test_no_prolonged_review_after_a_final_order() -> None:
    d = Desk()
    d.final_order()
    d.no("2026-03-10T09:00:00Z", S1, "review_custody", "PRE-ORDER", kind="prolonged",
         finding="continue", reason="still detained")


# -- BOND-STAY ---------------------------------------------------------------------------------


def bond_path(d: Desk, dhs: dict[str, Any], order: dict[str, Any]) -> None:
    d.open("2026-03-02T08:00:00Z")
    d.ok("2026-03-02T08:30:00Z", O1, "record_arrest", basis="warrantless",
         reason_to_believe="B-2 overstay", likely_to_escape="no lease")
    d.ok("2026-03-02T09:30:00Z", O2, "record_examination")
    d.ok("2026-03-02T12:00:00Z", O1, "determine_custody", authority="236(a)",
         reason="flight risk: no lease", **dhs)
    d.ok("2026-03-06T20:00:00Z", C1, "record_bond_order", issued_by="NEW",
         reference="NEW-BOND-1", issued_on="2026-03-06", **order)


@pytest.mark.parametrize(("bond", "stays"), [(10000, True), (9999, False)])
def test_the_stay_lies_only_on_no_release_or_a_bond_of_10000(bond: int, stays: bool) -> None:
    d = Desk()
    bond_path(d, {"decision": "bond", "bond_amount": bond},
              {"outcome": "release_on_bond", "bond_amount": 3000})
    out = d.do("2026-03-09T14:00:00Z", C1, "file_bond_stay", filed_on="2026-03-09",
               reference="EOIR-43-1")
    assert out.accepted is stays, out.refusals


def test_the_stay_is_filed_within_one_business_day_and_lapses_without_an_appeal() -> None:
    d = Desk()
    bond_path(d, {"decision": "detain"}, {"outcome": "release_recognizance"})
    # Friday's order: Monday is the one business day.
    assert d.clocks("2026-03-06T21:00:00Z")["BOND-RELEASE"] == "due"
    d.no("2026-03-10T09:00:00Z", C1, "file_bond_stay", "BOND-STAY", filed_on="2026-03-10",
         reference="EOIR-43-1")
    d.no("2026-03-09T09:00:00Z", C1, "file_bond_stay", "BOND-STAY", filed_on="2026-03-11",
         reference="EOIR-43-1")  # dated after today
    d.ok("2026-03-10T09:00:00Z", C1, "file_bond_stay", filed_on="2026-03-09",
         reference="EOIR-43-1")
    assert "BOND-RELEASE" not in d.clocks("2026-03-19T00:00:00Z")
    # Ten business days from 6 March: Friday 20 March. Then the stay lapses.
    assert "BOND-RELEASE" not in d.clocks("2026-03-20T23:00:00Z")
    assert d.clocks("2026-03-21T01:00:00Z")["BOND-RELEASE"] == "due"


def test_the_stay_lapses_90_days_after_an_undecided_appeal() -> None:
    d = Desk()
    bond_path(d, {"decision": "detain"}, {"outcome": "release_recognizance"})
    d.ok("2026-03-09T09:00:00Z", C1, "file_bond_stay", filed_on="2026-03-09",
         reference="EOIR-43-1")
    d.ok("2026-03-12T09:00:00Z", C1, "file_bond_appeal", filed_on="2026-03-12", receipt="BIA-1")
    assert "BOND-RELEASE" not in d.clocks("2026-06-10T12:00:00Z")
    assert d.clocks("2026-06-11T01:00:00Z")["BOND-RELEASE"] == "due"
    # A Board decision for DHS after the lapse ends the duty.
    d.ok("2026-06-12T09:00:00Z", C1, "decide_bond_appeal", outcome="sustained", issued_by="BIA",
         reference="BIA-BOND-1", issued_on="2026-06-12")
    assert d.clocks("2026-06-13T09:00:00Z")["BOND-RELEASE"] == "moot"


def test_no_bond_redetermination_on_a_final_order() -> None:
    d = Desk()
    d.final_order()
    d.no("2026-04-10T09:00:00Z", C1, "record_bond_order", "BOND-STAY",
         outcome="release_on_bond", bond_amount=5000, issued_by="NEW", reference="NEW-BOND-2",
         issued_on="2026-04-10")
