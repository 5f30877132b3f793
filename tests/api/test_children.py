"""Issue 15, children (UAC-48, UAC-72, FLORES, AGE) through the App, the one write path: a child by
the case's own birth date, flagged or not; Flores for accompanied children; the age
determination and its second person; the end of the child rules at 18 and the age-out record.
On SQLite; the two issue examples on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from duecourse.app.invariants import check_store
from duecourse.app.outcome import Outcome
from duecourse.bootstrap import App, build_app
from duecourse.domain.commands import Actor, parse_command
from duecourse.domain.events import Event
from duecourse.law.invariants import check_history
from duecourse.store import repository as repo

O1 = Actor("o1", "officer", "Officer One")
O2 = Actor("o2", "officer", "Officer Two")
S1 = Actor("s1", "supervisor", "Supervisor One")
D1 = Actor("d1", "detention", "Detention Officer")
OV = Actor("ov", "oversight", "Inspector")


def t(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC)


def person(given: str, birth_date: str | None, sex: str = "M") -> dict[str, Any]:
    p: dict[str, Any] = {"family_name": "Testchild", "given_name": given, "sex": sex,
                         "nationalities": ["GT"], "languages": ["es"]}
    if birth_date is not None:
        p["birth_date"] = birth_date
    return p


class Desk:
    def __init__(self, url: str = "sqlite://") -> None:
        self.app: App = build_app(url, seed=5)
        for a in (O1, O2, S1, D1, OV):
            self.app.register_actor(a)
        self.case = ""

    def open(self, at: str, who: dict[str, Any], encounter: str = "border") -> None:
        out = self.app.do(parse_command("open_case", {
            "person": who, "encounter": encounter, "location": "El Paso, TX",
            "legal_basis": "INA 212(a)(6)(A)(i)"}), O1, t(at))
        assert out.accepted, out.refusals
        self.case = str(out.case_id)

    def do(self, when: str, actor: Actor, name: str, /, **fields: Any) -> Outcome:
        return self.app.do(parse_command(name, fields), actor, t(when), case_id=self.case)

    def ok(self, when: str, actor: Actor, name: str, /, **fields: Any) -> Outcome:
        out = self.do(when, actor, name, **fields)
        assert out.accepted, f"{name}: {[(r.rule_id, r.reason) for r in out.refusals]}"
        return out

    def no(self, when: str, actor: Actor, name: str, rule: str, /, **fields: Any) -> str:
        out = self.do(when, actor, name, **fields)
        assert not out.accepted, f"{name} was accepted"
        mine = [r.reason for r in out.refusals if r.rule_id == rule]
        assert mine, f"{name} not refused by {rule}: {[(r.rule_id, r.reason) for r in out.refusals]}"
        return mine[0]

    def clocks(self, at: str) -> dict[str, str]:
        view = self.app.get_case(self.case, OV, "oversight_audit", t(at))
        return {d.id: d.state for d in view.deadlines}

    def kinds(self) -> list[str]:
        view = self.app.get_case(self.case, OV, "oversight_audit")
        return [e.kind for e in view.state.history]

    def held(self, at: str, day: str) -> None:
        """Arrest, examination and a detention decision (a warrantless arrest at ``at``)."""
        self.ok(at, O1, "record_arrest", basis="warrantless",
                reason_to_believe="crossed between ports without inspection",
                likely_to_escape="no address in the United States")
        self.ok(f"{day}T{int(at[11:13]) + 1:02d}:00:00Z", O2, "record_examination")
        self.ok(f"{day}T{int(at[11:13]) + 2:02d}:00:00Z", O1, "determine_custody",
                decision="detain", authority="236(a)",
                reason="no parent or relative located yet; held until one is found")


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_a_15_year_old_never_flagged(db: str, request: pytest.FixtureRequest) -> None:
    """Issue example: a 15-year-old by the case's own birth date, never flagged: the HHS clock
    runs from the encounter, notify_hhs is accepted without a flag, an adult facility is refused
    naming the facility and the birth date."""
    url = "sqlite://" if db == "sqlite" else request.getfixturevalue("pg_url")
    desk = Desk(url)
    desk.open("2026-07-14T14:00:00Z", person("Mateo", "2011-04-10"), encounter="interior")
    desk.held("2026-07-14T14:10:00Z", "2026-07-14")
    clocks = desk.clocks("2026-07-14T17:00:00Z")
    assert clocks["UAC-48"] == "due" and clocks["FLORES"] == "due"
    why = desk.no("2026-07-14T18:00:00Z", D1, "place", "FLORES", facility="PIC",
                  classification="A", reason="nearest bed")
    assert "PORT ISABEL SPC" in why and "2011-04-10" in why and "15" in why
    desk.ok("2026-07-14T19:00:00Z", O1, "notify_hhs", reference="HHS-UC-1")
    assert desk.clocks("2026-07-14T19:00:00Z")["UAC-48"] == "met"


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_an_accompanied_9_year_old(db: str, request: pytest.FixtureRequest) -> None:
    """Issue example: an accompanied 9-year-old: a hold room within the limit only; an adult
    facility refused; a family residential center meets the Flores clock."""
    url = "sqlite://" if db == "sqlite" else request.getfixturevalue("pg_url")
    desk = Desk(url)
    desk.open("2026-08-02T03:00:00Z", person("Sofia", "2017-02-03", sex="F"))
    desk.ok("2026-08-02T03:05:00Z", O2, "flag_minor", unaccompanied=False,
            age_basis="birth certificate; with her mother")
    desk.held("2026-08-02T03:10:00Z", "2026-08-02")
    desk.ok("2026-08-02T06:30:00Z", D1, "place", facility="Ajo Station hold room",
            classification="A", facility_type="hold_room", reason="with her mother, apart")
    why = desk.no("2026-08-03T08:00:00Z", D1, "transfer", "FLORES", facility="EPC",
                  attorney_notified=True, reason="with her mother to El Paso")
    assert "EL PASO SERVICE PROCESSING CENTER" in why and "adult facility" in why
    desk.ok("2026-08-04T18:00:00Z", D1, "record_medical_clearance", valid_until="2026-08-11")
    desk.ok("2026-08-04T20:00:00Z", D1, "transfer", facility="STFRCTX-6AA6", family_group=True,
            attorney_notified=True, reason="placed with her mother")
    assert desk.clocks("2026-08-04T20:00:00Z")["FLORES"] == "met"


def test_a_hold_room_after_the_flores_limit_is_refused_and_the_late_release_is_missed() -> None:
    desk = Desk()
    desk.open("2026-09-07T10:00:00Z", person("Tomas", "2012-10-01"))
    desk.held("2026-09-07T10:10:00Z", "2026-09-07")
    desk.ok("2026-09-07T12:30:00Z", D1, "place", facility="Tucson hold room",
            classification="A", facility_type="hold_room", reason="apart from adults")
    why = desk.no("2026-09-10T11:15:00Z", D1, "transfer", "FLORES",
                  facility="Nogales hold room", facility_type="hold_room",
                  attorney_notified=True, reason="Tucson hold room full")
    assert "2026-09-10 10:10 UTC" in why
    desk.ok("2026-09-10T16:00:00Z", O1, "release", kind="other",
            conditions="released to his uncle", reason="an uncle agreed to care for him")
    assert desk.clocks("2026-09-10T16:00:00Z")["FLORES"] == "missed"
    assert "deadline_missed" in desk.kinds()


def test_a_claim_of_minority_made_in_custody_starts_the_flores_clock_then() -> None:
    """A person a child at the encounter by the recorded birth date, 18 the next day, arrested
    weeks later as an adult, says in custody that he is 16: from that claim he is a child until
    an age determination says otherwise, and the Flores clock runs from the claim (found by the
    state machine: the checker ran it, the case's clocks looked only at the arrest)."""
    desk = Desk()
    desk.open("2026-09-07T10:00:00Z", person("Ivan", "2008-09-08"), encounter="interior")
    desk.ok("2026-09-07T10:30:00Z", O1, "notify_hhs", reference="HHS-UC-7")
    desk.held("2026-09-20T10:10:00Z", "2026-09-20")
    assert "FLORES" not in desk.clocks("2026-09-21T10:00:00Z")
    desk.ok("2026-09-21T10:00:00Z", O2, "flag_minor", unaccompanied=True,
            age_basis="says he is 16; the birth date on file came from a borrowed passport")
    assert desk.clocks("2026-09-21T11:00:00Z")["FLORES"] == "due"
    desk.ok("2026-09-28T16:00:00Z", O1, "release", kind="other",
            conditions="released to his aunt", reason="an aunt agreed to care for him")
    assert desk.clocks("2026-09-28T16:00:00Z")["FLORES"] == "missed"
    assert check_store(desk.app.ctx.engine) == []


def test_a_claim_of_minority_after_18_owes_hhs_a_new_notice() -> None:
    """The HHS clock of the encounter is moot at 18; a claim of minority made later, that the
    birth date on file contradicts, is "any claim" (8 U.S.C. 1232(b)(2)) and starts a new one
    (found by the state machine: the checker judged the late notice against the first clock)."""
    desk = Desk()
    desk.open("2026-09-07T10:00:00Z", person("Ivan", "2008-09-08"), encounter="interior")
    desk.ok("2026-09-07T11:00:00Z", O1, "notify_hhs", reference="HHS-UC-7")  # the first notice
    assert desk.clocks("2026-09-10T10:00:00Z")["UAC-48"] == "met"
    desk.ok("2027-05-03T10:00:00Z", O2, "flag_minor", unaccompanied=False,
            age_basis="says he is 16; the birth date on file came from a borrowed passport")
    assert desk.clocks("2027-05-03T11:00:00Z")["UAC-48"] == "due"
    desk.ok("2027-05-06T10:00:00Z", O1, "notify_hhs", reference="HHS-UC-8")
    assert desk.clocks("2027-05-06T10:00:00Z")["UAC-48"] == "missed"
    assert "deadline_missed" in desk.kinds()
    assert check_store(desk.app.ctx.engine) == []
    # told within 48 hours of the new claim: met, and the checker agrees
    desk = Desk()
    desk.open("2026-09-07T10:00:00Z", person("Ivan", "2008-09-08"), encounter="interior")
    desk.ok("2027-05-03T10:00:00Z", O2, "flag_minor", unaccompanied=False,
            age_basis="says he is 16; the birth date on file came from a borrowed passport")
    desk.ok("2027-05-04T10:00:00Z", O1, "notify_hhs", reference="HHS-UC-9")
    assert desk.clocks("2027-05-04T10:00:00Z")["UAC-48"] == "met"
    assert check_store(desk.app.ctx.engine) == []


def test_a_second_case_does_not_restart_the_clocks_of_a_child_held_on_the_first(
        db_url: str) -> None:
    """Found by an outside review: a child held in a hold room past the Flores limit on one case
    was arrested, detained and put in a second hold room on a new case for him, with fresh
    clocks. One person is held on one case at a time (LIFECYCLE); the checker flags a history
    written so."""
    desk = Desk(db_url)
    kid = {**person("Tomas", "2011-04-10"), "a_number": "A201234567"}
    desk.open("2026-07-14T14:00:00Z", kid)
    desk.held("2026-07-14T14:10:00Z", "2026-07-14")
    desk.ok("2026-07-14T17:00:00Z", D1, "place", facility="Tucson hold room",
            classification="A", facility_type="hold_room", reason="apart from adults")
    first = desk.case
    desk.open("2026-07-17T20:00:00Z", {**kid, "family_name": "TESTCHILD",
                                       "a_number": "A-201 234 567"})
    why = desk.no("2026-07-17T20:10:00Z", O1, "record_arrest", "LIFECYCLE", basis="warrantless",
                  reason_to_believe="crossed between ports",
                  likely_to_escape="no address in the United States")
    assert first in why and "the person is held" in why
    assert check_store(desk.app.ctx.engine) == []
    # written straight into the store, the second hold is flagged
    with desk.app.ctx.engine.connect() as conn:
        evs = [e for c in (first, desk.case) for e in repo.load_events(conn, c)]
    arrest = Event(desk.case, 2, "arrest_recorded", t("2026-07-17T20:10:00Z"), "o1", "officer",
                   {"basis": "warrantless", "reason_to_believe": "crossed between ports",
                    "likely_to_escape": "no address", "location_type": "public"})
    found = check_history([*evs, arrest])
    assert [(v.rule, v.case_id) for v in found] == [("LIFECYCLE", desk.case)]
    # released on the first case, the second may hold him
    desk.case = first
    desk.ok("2026-07-17T21:00:00Z", O1, "release", kind="other",
            conditions="released to his uncle", reason="an uncle agreed to care for him")


def test_secure_juvenile_detention_is_refused() -> None:
    desk = Desk()
    desk.open("2026-09-07T10:00:00Z", person("Ivan", "2010-01-01"))
    desk.held("2026-09-07T10:10:00Z", "2026-09-07")
    why = desk.no("2026-09-07T13:00:00Z", D1, "place", "FLORES", facility="county juvenile hall",
                  classification="A", facility_type="juvenile", reason="secure bed")
    assert "secure juvenile detention" in why


def test_unaccompanied_child_only_a_hold_room_or_orr() -> None:
    desk = Desk()
    desk.open("2026-07-06T02:00:00Z", person("Kevin", "2011-01-09"))
    desk.ok("2026-07-06T02:05:00Z", O2, "flag_minor", unaccompanied=True, age_basis="alone")
    desk.held("2026-07-06T02:10:00Z", "2026-07-06")
    desk.no("2026-07-06T05:00:00Z", D1, "place", "UAC-72", facility="STFRCTX-6AA6",
            family_group=True, classification="A", reason="no shelter bed")
    desk.ok("2026-07-06T05:10:00Z", D1, "place", facility="Weslaco hold room",
            classification="A", facility_type="hold_room", reason="pending ORR")
    desk.ok("2026-07-07T05:00:00Z", D1, "transfer_to_orr")
    assert desk.clocks("2026-07-07T05:00:00Z")["UAC-72"] == "met"


def test_an_adult_finding_needs_evidence_and_a_second_person() -> None:
    desk = Desk()
    desk.open("2026-06-10T08:00:00Z", person("Yusuf", None), encounter="interior")
    desk.ok("2026-06-10T08:05:00Z", O2, "flag_minor", unaccompanied=False, age_basis="says 16")
    desk.held("2026-06-10T08:10:00Z", "2026-06-10")
    assert "radiographs alone" in desk.no(
        "2026-06-11T09:00:00Z", O1, "determine_age", "AGE", finding="adult", evidence="X-rays",
        evidence_kinds=["dental_radiograph", "bone_radiograph"], reference="AD-1")
    assert "one form" in desk.no(
        "2026-06-11T09:01:00Z", O1, "determine_age", "AGE", finding="adult",
        evidence="looked older", evidence_kinds=["interview"], reference="AD-1")
    # A minor finding keeps every protection: one radiograph is enough to confirm it.
    desk.ok("2026-06-11T09:02:00Z", O1, "determine_age", finding="minor", evidence="X-ray",
            evidence_kinds=["dental_radiograph"])
    out = desk.ok("2026-06-11T09:03:00Z", O1, "determine_age", finding="adult",
                  evidence="passport born 2004; confirmed in interview",
                  evidence_kinds=["identity_document", "interview"], reference="AD-1")
    entry = out.events[0]["seq"]
    # A second adult finding while the first awaits confirmation: refused.
    assert not desk.do("2026-06-11T09:04:00Z", O2, "determine_age", finding="adult",
                       evidence="same passport", evidence_kinds=["identity_document", "other"],
                       reference="AD-2").accepted
    desk.no("2026-06-11T09:05:00Z", D1, "place", "FLORES", facility="PIC", classification="A",
            reason="adult finding recorded")
    desk.ok("2026-06-11T10:00:00Z", S1, "confirm_entry", entry=entry, document_checked="AD-1")
    desk.ok("2026-06-11T10:30:00Z", D1, "place", facility="PIC", classification="A",
            reason="adult finding confirmed")


def test_at_18_no_orr_and_the_age_out_record_before_adult_detention() -> None:
    desk = Desk()
    desk.open("2026-07-10T09:30:00Z", person("Sione", "2008-07-10"), encounter="interior")
    desk.ok("2026-07-10T09:35:00Z", O2, "flag_minor", unaccompanied=True, age_basis="alone")
    desk.held("2026-07-10T09:40:00Z", "2026-07-10")
    assert "has not turned 18" in desk.no(
        "2026-07-10T11:30:00Z", D1, "record_age_out", "AGE", setting="detention",
        reason="flight risk")
    clocks = desk.clocks("2026-07-10T12:00:00Z")
    assert clocks["UAC-72"] == "moot" and clocks["FLORES"] == "moot"
    desk.no("2026-07-10T12:10:00Z", O1, "transfer_to_orr", "AGE")
    why = desk.no("2026-07-10T12:30:00Z", D1, "place", "AGE", facility="BOPHON",
                  classification="A", reason="only facility")
    assert "record_age_out" in why
    desk.ok("2026-07-10T12:40:00Z", D1, "record_age_out", setting="atd",
            reason="least restrictive: an aunt in Honolulu")
    assert "chose atd" in desk.no("2026-07-10T12:50:00Z", D1, "place", "AGE", facility="BOPHON",
                                  classification="A", reason="only facility")
    desk.no("2026-07-10T12:55:00Z", D1, "record_age_out", "AGE", setting="atd",
            reason="entered twice")
    desk.ok("2026-07-10T13:00:00Z", D1, "record_age_out", setting="detention",
            reason="the aunt withdrew; flight risk: outbound ticket")
    desk.ok("2026-07-10T13:10:00Z", D1, "place", facility="BOPHON", classification="A",
            reason="age-out decision: detention")


def test_age_out_from_orr_moves_custody() -> None:
    desk = Desk()
    desk.open("2026-09-20T02:00:00Z", person("Nima", "2008-10-05"))
    desk.ok("2026-09-20T02:05:00Z", O2, "flag_minor", unaccompanied=True, age_basis="alone")
    desk.held("2026-09-20T02:10:00Z", "2026-09-20")
    desk.ok("2026-09-20T05:00:00Z", O2, "notify_hhs")
    desk.ok("2026-09-21T10:00:00Z", D1, "transfer_to_orr")
    desk.ok("2026-10-05T15:00:00Z", D1, "record_age_out", setting="detention",
            reason="flight risk: absconded from the shelter twice")
    view = desk.app.get_case(desk.case, OV, "oversight_audit")
    assert view.facets.custody == "arrested"  # in DHS custody, to be placed
    desk.ok("2026-10-05T16:00:00Z", D1, "place", facility="PIC", classification="A",
            reason="age-out decision: detention")


def test_close_case_refused_while_hhs_is_owed() -> None:
    desk = Desk()
    desk.open("2026-05-18T04:00:00Z", person("Daniela", "2008-11-30", sex="F"))
    why = desk.no("2026-05-18T05:00:00Z", S1, "close_case", "UAC-48",
                  reason="prosecutorial discretion")
    assert "notice due 2026-05-20 04:00 UTC" in why and "17 by the birth date" in why
