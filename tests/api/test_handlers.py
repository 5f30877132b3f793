"""The handler API (``App.do``, ``App.get_case``) on SQLite and PostgreSQL.

Every command of the vocabulary is accepted at least once along lawful paths; refusals and reads
are ledgered; roles and the attorney-of-record rule are enforced; bad input names its field.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from duecourse.app.access import AccessDenied
from duecourse.app.outcome import Outcome
from duecourse.bootstrap import App, build_app
from duecourse.domain.commands import COMMAND_NAMES, Actor, parse_command
from duecourse.domain.errors import InvalidInput, NotFound
from duecourse.store.tables import ledger

O1 = Actor("o1", "officer", "Officer One")
O2 = Actor("o2", "officer", "Officer Two")
S1 = Actor("s1", "supervisor", "Supervisor One")
C1 = Actor("c1", "counsel", "Agency Counsel")
C2 = Actor("c2", "counsel", "Second Agency Counsel")  # checks entries against their documents
D1 = Actor("d1", "detention", "Detention Officer")
T1 = Actor("t1", "transport", "Transport Officer")
OV = Actor("ov", "oversight", "Inspector")
AD = Actor("ad", "admin", "Administrator")

PEOPLE: dict[str, dict[str, Any]] = {
    "ana": {"family_name": "Example", "given_name": "Ana", "birth_date": "1990-04-02",
            "nationalities": ["MX"], "languages": ["es"]},
    "ben": {"family_name": "Sample", "given_name": "Ben", "birth_date": "1985-07-11",
            "nationalities": ["GT"], "languages": ["es"]},
    "cai": {"family_name": "Muster", "given_name": "Cai", "birth_date": "1979-01-30",
            "nationalities": ["HN"], "languages": ["es"]},
    "dia": {"family_name": "Probe", "given_name": "Dia", "birth_date": "2010-05-05",
            "nationalities": ["SV"], "languages": ["es"]},
    # no birth date given: the court record below is probable but not certain (ID-1)
    "eli": {"family_name": "Lopez", "given_name": "Eli", "sex": "M", "nationalities": ["MX"],
            "languages": ["es"]},
    "fay": {"family_name": "Beispiel", "given_name": "Fay", "birth_date": "1992-09-09",
            "nationalities": ["Honduras"], "languages": ["Spanish"]},
    "gil": {"family_name": "Exemplo", "given_name": "Gil", "birth_date": "1983-10-10",
            "nationalities": ["BR"], "languages": ["pt"]},
    "hal": {"family_name": "Probe", "given_name": "Hal", "birth_date": "1984-02-29",
            "nationalities": ["NG"], "languages": ["en"]},
    # 17 at the encounter; 18 at 12:00 UTC on 10 March 2026 (law.age's protective reading)
    "ivo": {"family_name": "Muster", "given_name": "Ivo", "birth_date": "2008-03-10", "sex": "M",
            "nationalities": ["GT"], "languages": ["es"]},
}


def t(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC)


class Desk:
    """Drives one application through lawful paths and remembers what it was told."""

    def __init__(self, url: str) -> None:
        self.app: App = build_app(url, seed=11)
        for a in (O1, O2, S1, C1, C2, D1, T1, OV, AD):
            self.app.register_actor(a)
        self.cases: dict[str, str] = {}
        self.accepted: set[str] = set()

    def open(self, label: str, at: str, actor: Actor = O1) -> Outcome:
        out = self.app.do(parse_command("open_case", {
            "person": PEOPLE[label], "encounter": "interior", "location": "Newark",
            "legal_basis": "INA 237(a)(1)(B)"}), actor, t(at))
        assert out.accepted, out.refusals
        self.cases[label] = str(out.case_id)
        self.accepted.add("open_case")
        return out

    def do(self, label: str, when: str, actor: Actor, name: str, /, **fields: Any) -> Outcome:
        return self.app.do(parse_command(name, fields), actor, t(when), case_id=self.cases[label])

    def ok(self, label: str, when: str, actor: Actor, name: str, /, **fields: Any) -> Outcome:
        out = self.do(label, when, actor, name, **fields)
        assert out.accepted, f"{name} refused: {[(r.rule_id, r.reason) for r in out.refusals]}"
        self.accepted.add(name)
        return out

    def person_id(self, label: str) -> str:
        return self.app.get_case(self.cases[label], OV, "oversight_audit").state.person_id

    def ledger_row(self, out: Outcome) -> dict[str, Any]:
        """The ledger entry ``out`` recorded: at its position where the writer integrated it
        (SQLite); otherwise, once the sequencer has integrated it (PostgreSQL), the newest entry
        of its kind for its case."""
        self.app.flush_ledger()
        q = select(ledger)
        if out.ledger_seq is not None:
            q = q.where(ledger.c.seq == out.ledger_seq)
        else:
            assert self.app.ctx.engine.dialect.name != "sqlite"  # SQLite integrates at once
            kind = "command_accepted" if out.accepted else "command_refused"
            q = (q.where(ledger.c.kind == kind, ledger.c.case_id == out.case_id)
                 .order_by(ledger.c.seq.desc()).limit(1))
        with self.app.ctx.engine.connect() as conn:
            return dict(conn.execute(q).one()._mapping)

    def reads(self, kind: str = "read") -> list[dict[str, Any]]:
        """The ledger's entries of ``kind``, once everything queued is integrated."""
        self.app.flush_ledger()
        with self.app.ctx.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(ledger).where(ledger.c.kind == kind).order_by(ledger.c.seq))]


NTA: dict[str, Any] = {"charges": ["237(a)(1)(B)"], "allegations": ["remained longer than permitted"],
                       "court": "NEW", "counsel_list_date": "2026-01-15"}


def doc(issued_by: str, reference: str, issued_on: str) -> dict[str, str]:
    """The source of a court or agency event (PROVENANCE): its issuer, reference and date."""
    return {"issued_by": issued_by, "reference": reference, "issued_on": issued_on}


def seq(out: Outcome) -> int:
    """The event number of the entry a command recorded (what a confirmation names)."""
    return int(out.events[0]["seq"])


def removal_path(d: Desk) -> None:
    """Arrest, examination, detention, NTA, hearing, order, stay, removal and closing."""
    d.open("ana", "2026-03-01T08:00:00Z")
    d.ok("ana", "2026-03-01T09:00:00Z", O1, "record_arrest", basis="warrantless",
         reason_to_believe="admitted overstay", likely_to_escape="no fixed address")
    d.ok("ana", "2026-03-01T12:00:00Z", S1, "record_examination")
    d.ok("ana", "2026-03-02T08:00:00Z", O1, "determine_custody", decision="detain",
         authority="236(a)", reason="flight risk: no fixed address")
    d.ok("ana", "2026-03-02T08:30:00Z", D1, "classify", level="B", basis="no criminal history")
    d.ok("ana", "2026-03-02T09:00:00Z", D1, "place", facility="ELZICDF", classification="B",
         reason="nearest bed for a level-B woman")
    d.ok("ana", "2026-03-02T09:30:00Z", O1, "issue_nta", hearing_at="2026-03-20T09:00:00Z", **NTA)
    d.ok("ana", "2026-03-02T10:00:00Z", O1, "serve_nta", method="personal", language="es")
    d.ok("ana", "2026-03-03T09:00:00Z", D1, "record_medical_clearance", valid_until="2026-03-04")
    d.ok("ana", "2026-03-03T10:00:00Z", D1, "transfer", facility="DHDFNJ",
         attorney_notified=True, reason="bed space: the current facility is at capacity")
    d.ok("ana", "2026-03-03T11:00:00Z", D1, "notify_attorney_of_transfer",
         reference="written notice of the new facility sent to counsel of record")
    d.ok("ana", "2026-03-03T12:00:00Z", D1, "notify_court_of_custody", court="NEW",
         reference="I-830 2026-0303")  # NTA-ADDR: the court is told where she is held
    d.ok("ana", "2026-03-05T10:00:00Z", C1, "schedule_hearing", at="2026-03-25T09:00:00Z",
         court="NEW")
    d.ok("ana", "2026-03-24T09:00:00Z", S1, "review_custody", kind="prolonged",
         finding="continue", reason="merits hearing tomorrow; flight risk unchanged")
    d.ok("ana", "2026-03-25T10:00:00Z", C1, "record_order", outcome="removal",
         decision_mode="oral", designated_country="MX", **doc("NEW", "NEW-IJ-1", "2026-03-25"))
    d.ok("ana", "2026-03-26T10:00:00Z", C1, "grant_stay", kind="ij",
         **doc("NEW", "NEW-STAY-1", "2026-03-26"))
    lift = d.ok("ana", "2026-03-27T10:00:00Z", C1, "lift_stay", stay="NEW-STAY-1", kind="ij",
                **doc("NEW", "NEW-LIFT-1", "2026-03-27"))
    # Lifting a stay takes a protection away: a second person checks it against the order.
    d.ok("ana", "2026-03-27T11:00:00Z", C2, "confirm_entry", entry=seq(lift),
         document_checked="new-lift-1 ")
    d.ok("ana", "2026-05-01T09:00:00Z", S1, "issue_removal_warrant")
    d.ok("ana", "2026-05-01T10:00:00Z", O1, "record_travel_document", country="MX",
         valid_until="2026-12-31")
    d.ok("ana", "2026-05-01T11:00:00Z", D1, "record_medical_clearance", valid_until="2026-06-01")
    # A third country was considered (3RD-CTRY): notice served, fear claimed, screened; the
    # removal goes to Mexico, the designated country, all the same.
    d.ok("ana", "2026-05-01T11:30:00Z", O1, "serve_third_country_notice", country="GT",
         language="es")
    d.ok("ana", "2026-05-01T11:40:00Z", O1, "record_fear_claim", country="GT")
    # The screening office's decision, entered by someone outside the enforcement chain.
    d.ok("ana", "2026-05-01T15:00:00Z", C2, "decide_fear_claim", country="GT",
         outcome="fear_established", **doc("USCIS-NEW", "ZNK-2026-0001", "2026-05-01"))
    # The post-order review comes on 30 days' notice (POCR); the removal comes first here.
    d.ok("ana", "2026-05-02T09:00:00Z", D1, "serve_pocr_notice", review_on="2026-06-02",
         language="es")
    d.ok("ana", "2026-05-02T10:00:00Z", S1, "schedule_removal", destination="MX",
         depart_at="2026-05-05T09:00:00Z", transport="T-1")
    d.ok("ana", "2026-05-05T09:00:00Z", T1, "record_removal", destination="MX")
    d.ok("ana", "2026-05-06T09:00:00Z", O1, "close_case", reason="removed to MX")


def appeal_path(d: Desk) -> None:
    """A citizenship claim resolved, an arrest on a warrant, release, an appeal decided."""
    d.open("ben", "2026-03-01T08:00:00Z")
    d.ok("ben", "2026-03-01T08:30:00Z", O1, "claim_citizenship", evidence="says born in Texas")
    found = d.ok("ben", "2026-03-01T10:00:00Z", S1, "resolve_citizenship", finding="not_citizen",
                 evidence="birth record search: no record; foreign birth certificate",
                 counsel="c1", **doc("DHS", "USC-2026-0001", "2026-03-01"))
    d.ok("ben", "2026-03-01T10:30:00Z", C1, "confirm_entry", entry=seq(found),
         document_checked="USC-2026-0001")
    d.ok("ben", "2026-03-02T09:00:00Z", O1, "issue_nta", hearing_at="2026-03-20T09:00:00Z", **NTA)
    d.ok("ben", "2026-03-02T09:30:00Z", S1, "issue_arrest_warrant", requested_by="o1")
    d.ok("ben", "2026-03-02T11:00:00Z", O2, "record_arrest", basis="warrant")
    d.ok("ben", "2026-03-02T12:00:00Z", O1, "determine_custody", decision="detain",
         authority="236(a)", reason="flight risk: missed two check-ins")
    d.ok("ben", "2026-03-02T13:00:00Z", O1, "serve_nta", method="personal", language="es")
    d.ok("ben", "2026-03-03T09:00:00Z", D1, "release", kind="supervision",
         conditions="report monthly", reason="order of supervision: fixed address confirmed")
    d.ok("ben", "2026-03-20T10:00:00Z", C1, "record_order", outcome="removal",
         decision_mode="oral", designated_country="GT", **doc("NEW", "NEW-IJ-2", "2026-03-20"))
    attorney = Actor("att1", "attorney", "Counsel of record", (d.person_id("ben"),))
    d.app.register_actor(attorney)
    d.ok("ben", "2026-03-25T10:00:00Z", attorney, "file_appeal")
    dismissed = d.ok("ben", "2026-06-01T10:00:00Z", C1, "decide_appeal", outcome="dismissed",
                     **doc("BIA", "BIA-2026-77", "2026-05-29"))
    d.ok("ben", "2026-06-01T11:00:00Z", S1, "confirm_entry", entry=seq(dismissed),
         document_checked="BIA-2026-77")


def waiver_path(d: Desk) -> None:
    d.open("cai", "2026-03-01T08:00:00Z")
    d.ok("cai", "2026-03-02T09:00:00Z", O1, "issue_nta", hearing_at="2026-03-20T09:00:00Z", **NTA)
    d.ok("cai", "2026-03-02T09:30:00Z", O1, "record_address", address="1 Main St, Newark, NJ",
         provided_on="2026-03-02")  # a mailed NTA goes to the address given (NTA-ADDR)
    d.ok("cai", "2026-03-02T10:00:00Z", O1, "serve_nta", method="mail", language="es")
    d.ok("cai", "2026-03-20T10:00:00Z", C1, "record_order", outcome="removal",
         decision_mode="written", designated_country="HN", **doc("NEW", "NEW-IJ-3", "2026-03-20"))
    # Agency counsel records the respondent's waiver from the judge's order: a second person
    # checks it against the order (WAIVE, PROVENANCE); DHS waives its own appeal too.
    waived = d.ok("cai", "2026-03-20T11:00:00Z", C1, "waive_appeal", party="respondent",
                  before="NEW", language="es", reference="NEW-IJ-3")
    d.ok("cai", "2026-03-20T11:30:00Z", C2, "confirm_entry", entry=seq(waived),
         document_checked="NEW-IJ-3")
    d.ok("cai", "2026-03-20T11:40:00Z", C1, "waive_appeal", party="dhs", before="NEW")


def custody_path(d: Desk) -> None:
    """Issue 15 custody: a bond order stayed by DHS (EOIR-43) and appealed; after the final order
    a release on review, revoked (8 CFR 241.4(l)), and the interview that follows."""
    d.open("gil", "2026-03-02T08:00:00Z")
    d.ok("gil", "2026-03-02T09:00:00Z", O1, "record_arrest", basis="warrantless",
         reason_to_believe="admitted overstay", likely_to_escape="no fixed address")
    d.ok("gil", "2026-03-02T12:00:00Z", S1, "record_examination")
    d.ok("gil", "2026-03-02T14:00:00Z", O1, "determine_custody", decision="detain",
         authority="INA 236(a)", reason="flight risk: no fixed address")
    d.ok("gil", "2026-03-03T09:30:00Z", O1, "issue_nta", hearing_at="2026-03-20T09:00:00Z", **NTA)
    d.ok("gil", "2026-03-03T10:00:00Z", O1, "serve_nta", method="personal", language="pt")
    d.ok("gil", "2026-03-04T16:00:00Z", C1, "record_bond_order", outcome="release_on_bond",
         bond_amount=4000, issued_by="NEW", reference="NEW-BOND-1", issued_on="2026-03-04")
    d.ok("gil", "2026-03-05T10:00:00Z", C1, "file_bond_stay", filed_on="2026-03-05",
         reference="EOIR-43-1")
    d.ok("gil", "2026-03-06T10:00:00Z", C1, "file_bond_appeal", filed_on="2026-03-06",
         receipt="BIA-BOND-1")
    d.ok("gil", "2026-03-19T10:00:00Z", C1, "decide_bond_appeal", outcome="sustained",
         issued_by="BIA", reference="BIA-BOND-1-D", issued_on="2026-03-19")
    d.ok("gil", "2026-03-20T10:00:00Z", C1, "record_order", outcome="removal",
         decision_mode="written", designated_country="BR", **doc("NEW", "NEW-IJ-9", "2026-03-20"))
    d.ok("gil", "2026-05-04T09:00:00Z", S1, "review_custody", kind="pocr", finding="release",
         reason="no danger; Brazil has not answered the travel document request")
    d.ok("gil", "2026-05-04T12:00:00Z", D1, "release", kind="supervision",
         conditions="order of supervision: monthly reporting", reason="release found on review")
    d.ok("gil", "2026-06-08T09:00:00Z", S1, "revoke_release", grounds="violated_conditions",
         facts="did not report on 1 June 2026", reason="violated the order of supervision",
         notice_language="pt")
    d.ok("gil", "2026-06-09T09:00:00Z", O2, "record_revocation_interview", language="pt",
         summary="says the reporting office moved")


def absentia_path(d: Desk) -> None:
    """A person at liberty misses a noticed hearing: an order in absentia, confirmed; a motion to
    reopen it (which stays removal), a denial entered wrongly and rejected, then granted."""
    d.open("fay", "2026-03-01T08:00:00Z")
    d.ok("fay", "2026-03-02T09:00:00Z", O1, "issue_nta", hearing_at="2026-03-20T13:00:00Z", **NTA)
    d.ok("fay", "2026-03-02T09:30:00Z", O1, "record_address", address="2 Main St, Newark, NJ",
         provided_on="2026-03-01")
    d.ok("fay", "2026-03-02T09:40:00Z", C1, "record_1367_protection", kind="u_visa",
         reference="EAC2612345678")
    d.ok("fay", "2026-03-02T10:00:00Z", O1, "serve_nta", method="mail", language="es")
    order = d.ok("fay", "2026-03-20T15:00:00Z", C1, "record_order", outcome="removal",
                 decision_mode="oral", designated_country="HN", in_absentia=True,
                 hearing_at="2026-03-20T13:00:00Z", **doc("NEW", "NEW-IJ-4", "2026-03-20"))
    d.ok("fay", "2026-03-20T16:00:00Z", S1, "confirm_entry", entry=seq(order),
         document_checked="NEW-IJ-4")
    attorney = Actor("att2", "attorney", "Counsel of record", (d.person_id("fay"),))
    d.app.register_actor(attorney)
    d.ok("fay", "2026-04-02T10:00:00Z", attorney, "file_motion_to_reopen",
         grounds="lack_of_notice", filed_with="NEW", receipt="MTR-2026-9", filed_on="2026-04-02")
    wrong = d.ok("fay", "2026-04-20T10:00:00Z", C1, "decide_motion_to_reopen",
                 receipt="MTR-2026-9", outcome="denied", **doc("NEW", "NEW-MTR-9", "2026-04-20"))
    d.ok("fay", "2026-04-20T11:00:00Z", S1, "reject_entry", entry=seq(wrong),
         reason="the order in the file grants the motion")
    d.ok("fay", "2026-04-20T12:00:00Z", C1, "decide_motion_to_reopen", receipt="mtr-2026-9",
         outcome="granted", **doc("NEW", "NEW-MTR-9", "2026-04-20"))


def child_path(d: Desk) -> None:
    d.open("dia", "2026-03-01T08:00:00Z")
    d.ok("dia", "2026-03-01T09:00:00Z", O1, "record_arrest", basis="warrantless",
         reason_to_believe="entered without inspection", likely_to_escape="no address")
    d.ok("dia", "2026-03-01T10:00:00Z", S1, "record_examination")
    d.ok("dia", "2026-03-01T10:30:00Z", D1, "flag_minor", unaccompanied=True,
         age_basis="birth certificate")
    d.ok("dia", "2026-03-01T11:00:00Z", D1, "notify_hhs", reference="HHS-1")
    d.ok("dia", "2026-03-02T09:00:00Z", D1, "transfer_to_orr")


def age_out_path(d: Desk) -> None:
    """A 17-year-old by the case's birth date: his claim confirmed by an age determination, HHS
    told, ORR takes him; at 18 DHS records the least restrictive setting (8 U.S.C.
    1232(c)(2)(B)), which releases him."""
    d.open("ivo", "2026-03-01T08:00:00Z")
    d.ok("ivo", "2026-03-01T09:00:00Z", O1, "record_arrest", basis="warrantless",
         reason_to_believe="crossed between ports", likely_to_escape="no address")
    d.ok("ivo", "2026-03-01T10:00:00Z", S1, "record_examination")
    d.ok("ivo", "2026-03-01T10:30:00Z", D1, "flag_minor", unaccompanied=True,
         age_basis="says he is 17; no parent or guardian with him")
    d.ok("ivo", "2026-03-01T11:00:00Z", O1, "determine_age", finding="minor",
         evidence="Guatemalan birth certificate; interview consistent with it",
         evidence_kinds=["birth_certificate", "interview"], reference="AGE-2026-0001")
    d.ok("ivo", "2026-03-01T11:30:00Z", D1, "notify_hhs", reference="HHS-2")
    d.ok("ivo", "2026-03-01T12:00:00Z", O1, "determine_custody", decision="detain",
         authority="236(a)", reason="unaccompanied child; held only until ORR takes him")
    d.ok("ivo", "2026-03-02T09:00:00Z", D1, "transfer_to_orr")
    d.ok("ivo", "2026-03-10T15:00:00Z", D1, "record_age_out", setting="atd",
         reason="least restrictive setting: an uncle in Newark; no danger or flight risk found")


def rows_a_path(d: Desk) -> None:
    """A detainer with its I-200 and its service; after the arrest, the consular advisal, the
    mandatory notice to Nigeria, and a legal orientation offered."""
    d.open("hal", "2026-04-01T08:00:00Z")
    d.ok("hal", "2026-04-01T09:00:00Z", O1, "issue_nta", hearing_at="2026-05-20T14:00:00Z",
         **{**NTA, "counsel_list_date": "2026-03-15"})
    d.ok("hal", "2026-04-01T09:30:00Z", S1, "issue_arrest_warrant", requested_by="o1")
    d.ok("hal", "2026-04-01T10:00:00Z", O1, "issue_detainer", agency="Essex County Jail",
         probable_cause="statements", warrant="I-200",
         reason="told the booking officer he overstayed a B-2 visa")
    d.ok("hal", "2026-04-01T12:00:00Z", O1, "serve_detainer", method="through_agency",
         language="en")
    d.ok("hal", "2026-04-02T08:00:00Z", O1, "record_arrest", basis="warrant")
    d.ok("hal", "2026-04-02T09:00:00Z", D1, "record_consular_advisal", language="en",
         notification_requested=False)
    # Nigeria is a mandatory-notification country: its consulate is told whatever he wishes.
    d.ok("hal", "2026-04-02T09:30:00Z", D1, "notify_consulate", country="NG", method="email")
    d.ok("hal", "2026-04-02T10:00:00Z", D1, "record_legal_orientation",
         provider="Example Legal Aid (know-your-rights)", language="en")
    # The case passes from its opener to another officer (HANDOVER; issue 17).
    d.ok("hal", "2026-04-02T11:00:00Z", O1, "hand_over_case", to_officer="o2",
         reason="o1 moves to the detained docket")


def identity_path(d: Desk) -> None:
    """A link between the thresholds: proposed, rejected, proposed again and confirmed; then the
    arrest that waited for it."""
    from duecourse.app.identity import do_import_records, do_link

    do_import_records(d.app.ctx, [{"record_id": "EOIR-7", "family_name": "LOPEZ",
                                   "given_name": "eli", "birth_date": "1970-05-05", "sex": "M",
                                   "nationality": "MX"}], "court", at=t("2026-03-01T00:00:00Z"))
    do_link(d.app.ctx, at=t("2026-03-01T00:00:00Z"))
    d.open("eli", "2026-03-01T08:00:00Z")
    arrest = {"basis": "warrantless", "reason_to_believe": "court record",
              "likely_to_escape": "no address"}
    assert d.do("eli", "2026-03-01T08:10:00Z", O1, "record_arrest", **arrest).rule_ids == ["ID-1"]
    d.ok("eli", "2026-03-01T09:00:00Z", O1, "propose_identity_link", record="EOIR-7")
    d.ok("eli", "2026-03-01T09:30:00Z", S1, "reject_identity_link", reason="ask for the birth date")
    d.ok("eli", "2026-03-01T10:00:00Z", O2, "propose_identity_link", record="EOIR-7",
         reason="birth date confirmed")
    d.ok("eli", "2026-03-01T10:30:00Z", S1, "confirm_identity_link")
    d.ok("eli", "2026-03-01T11:00:00Z", O1, "record_arrest", **arrest)


@pytest.fixture
def desk(db_url: str) -> Desk:
    return Desk(db_url)


def test_every_command_is_accepted_along_a_lawful_path(desk: Desk) -> None:
    removal_path(desk)
    appeal_path(desk)
    waiver_path(desk)
    custody_path(desk)
    absentia_path(desk)
    child_path(desk)
    age_out_path(desk)
    identity_path(desk)
    rows_a_path(desk)
    assert desk.accepted == set(COMMAND_NAMES)
    at = t("2026-06-02T00:00:00Z")
    facets = {k: desk.app.get_case(c, S1, "supervision", at).facets for k, c in desk.cases.items()}
    assert (facets["ana"].custody, facets["ana"].status) == ("removed", "closed")
    assert (facets["ben"].proceedings, facets["ben"].custody) == ("final", "released")
    assert facets["cai"].proceedings == "final"
    assert facets["dia"].custody == "with_orr"
    assert facets["ivo"].custody == "released"  # the age-out record chose ATD, not detention
    assert facets["fay"].proceedings == "pending"  # the order was rescinded on reopening
    clocks = {k: {c.id: c.state for c in desk.app.get_case(desk.cases[k], S1, "supervision",
                                                           at).deadlines} for k in ("hal", "ivo")}
    assert {c: clocks["hal"][c] for c in ("DET-1", "CON-1", "CON-2")} == {
        "DET-1": "met", "CON-1": "met", "CON-2": "met"}
    assert {c: clocks["ivo"][c] for c in ("UAC-48", "UAC-72", "FLORES")} == {
        "UAC-48": "met", "UAC-72": "met", "FLORES": "met"}
    assert "missed" not in {*clocks["hal"].values(), *clocks["ivo"].values()}
    assert desk.app.verify().ok


def test_accepted_command_lands_events_and_a_ledger_entry(desk: Desk) -> None:
    out = desk.open("ana", "2026-03-01T08:00:00Z")
    assert out.version == 1 and out.events == [{"seq": 1, "kind": "case_opened"}]
    row = desk.ledger_row(out)
    assert (row["kind"], row["actor_id"], row["actor_role"], row["case_id"]) == (
        "command_accepted", "o1", "officer", out.case_id)
    body = json.loads(row["body"])
    assert body["command"] == "open_case" and [e["seq"] for e in body["events"]] == [1]
    assert "Example" not in row["body"]  # the ledger holds hashes, not personal data


def test_refusal_is_an_answer_and_is_ledgered(desk: Desk) -> None:
    d = desk
    d.open("cai", "2026-03-01T08:00:00Z")
    d.ok("cai", "2026-03-01T09:00:00Z", O1, "record_arrest", basis="warrantless",
         reason_to_believe="admitted overstay", likely_to_escape="no fixed address")
    d.ok("cai", "2026-03-01T10:00:00Z", S1, "record_examination")
    d.ok("cai", "2026-03-01T11:00:00Z", O1, "determine_custody", decision="detain",
         authority="236(a)", reason="flight risk: no address in the United States")
    d.ok("cai", "2026-03-02T09:00:00Z", O1, "issue_nta", hearing_at="2026-03-20T09:00:00Z", **NTA)
    d.ok("cai", "2026-03-02T10:00:00Z", O1, "serve_nta", method="personal", language="es")
    d.ok("cai", "2026-03-20T10:00:00Z", C1, "record_order", outcome="removal",
         decision_mode="oral", designated_country="HN", **doc("NEW", "NEW-IJ-5", "2026-03-20"))
    before = d.app.get_case(d.cases["cai"], S1, "supervision", t("2026-03-21T08:00:00Z")).state
    out = d.do("cai", "2026-03-21T09:00:00Z", S1, "schedule_removal", destination="HN",
               depart_at="2026-03-23T09:00:00Z", transport="T-1")
    assert not out.accepted and out.events == []
    assert {"STAY-AUTO", "FINAL"} <= set(out.rule_ids)
    assert all(r.citation and r.reason for r in out.refusals)
    assert out.version == before.version  # nothing happened to the case
    row = d.ledger_row(out)
    assert (row["kind"], row["actor_id"], row["actor_role"], row["case_id"]) == (
        "command_refused", "s1", "supervisor", d.cases["cai"])
    body = json.loads(row["body"])
    assert body["command"] == "schedule_removal" and body["case_version"] == before.version
    assert {r["rule"] for r in body["refusals"]} == set(out.rule_ids)
    after = d.app.get_case(d.cases["cai"], S1, "supervision", t("2026-03-21T10:00:00Z")).state
    assert after.version == before.version
    assert d.app.verify().ok


def test_reads_are_ledgered_with_user_role_and_purpose(desk: Desk) -> None:
    out = desk.open("ana", "2026-03-01T08:00:00Z")
    case_id = str(out.case_id)
    view = desk.app.get_case(case_id, C1, "legal_review", t("2026-03-01T09:00:00Z"))
    assert view.person["given_name"] == "Ana"
    reads = desk.reads()
    assert len(reads) == 1
    r = reads[0]
    assert (r["actor_id"], r["actor_role"], r["purpose"], r["case_id"]) == (
        "c1", "counsel", "legal_review", case_id)
    assert r["at"] == "2026-03-01T09:00:00.000000Z"
    body = json.loads(r["body"])
    assert body["record"] == "case" and body["case_version"] == 1
    assert "Ana" not in r["body"]


def test_the_case_view_names_who_acted_not_every_account(desk: Desk) -> None:
    out = desk.open("ana", "2026-03-01T08:00:00Z")
    view = desk.app.get_case(str(out.case_id), C1, "legal_review", t("2026-03-01T09:00:00Z"))
    acted = {e.actor_id for e in view.events}
    assert acted and set(view.actor_names) == acted  # the timeline's names, and no others
    assert view.actor_names[next(iter(acted))] in {a.name for a in (O1, O2, S1)}


def test_attorney_reads_own_client_only(desk: Desk) -> None:
    desk.open("ana", "2026-03-01T08:00:00Z")
    desk.open("ben", "2026-03-01T08:05:00Z")
    mine = Actor("att1", "attorney", "Counsel of record", (desk.person_id("ana"),))
    desk.app.register_actor(mine)
    assert desk.app.get_case(desk.cases["ana"], mine, "representation").person["given_name"] == "Ana"
    reads_before = len(desk.reads())
    with pytest.raises(NotFound, match=r"^not found or not yours$"):  # says nothing of ben
        desk.app.get_case(desk.cases["ben"], mine, "representation")
    assert len(desk.reads()) == reads_before  # nothing was shown, so nothing was read …
    refused = desk.reads("read_refused")
    # … but the attempt is on the record, with who, in which role and why
    assert [(r["actor_id"], r["actor_role"], r["purpose"], r["case_id"]) for r in refused] == [
        (mine.id, "attorney", "representation", desk.cases["ben"])]
    assert "own clients" in json.loads(refused[0]["body"])["reason"]
    # nor may the attorney act on another's case (the caller is told only "not found or not
    # yours": Outcome.for_caller)
    out = desk.do("ben", "2026-03-02T08:00:00Z", mine, "claim_citizenship", evidence="x")
    assert not out.accepted and "ROLE" in out.rule_ids and out.hidden
    with pytest.raises(NotFound, match=r"^not found or not yours$"):
        out.for_caller()


@pytest.mark.parametrize("reader", [AD], ids=["admin"])
def test_admin_reads_no_case_files(desk: Desk, reader: Actor) -> None:
    desk.open("ana", "2026-03-01T08:00:00Z")
    with pytest.raises(NotFound, match=r"^not found or not yours$"):
        desk.app.get_case(desk.cases["ana"], reader, "case_work")


def test_read_needs_a_recognised_purpose(desk: Desk) -> None:
    desk.open("ana", "2026-03-01T08:00:00Z")
    with pytest.raises(AccessDenied, match="purpose"):
        desk.app.get_case(desk.cases["ana"], O1, "curiosity")


@pytest.mark.parametrize("actor", [AD, OV], ids=["admin", "oversight"])
def test_admin_and_oversight_cannot_write(desk: Desk, actor: Actor) -> None:
    desk.open("ana", "2026-03-01T08:00:00Z")
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("record_arrest", {"basis": "warrantless", "reason_to_believe": "r",
                           "likely_to_escape": "e"}),
        ("claim_citizenship", {"evidence": "e"}),
        ("close_case", {"reason": "r"}),
    ]
    for name, fields in attempts:
        out = desk.do("ana", "2026-03-01T09:00:00Z", actor, name, **fields)
        assert not out.accepted and "ROLE" in out.rule_ids, name
        assert desk.ledger_row(out)["kind"] == "command_refused"
    out = desk.app.do(parse_command("open_case", {
        "person": PEOPLE["ben"], "encounter": "interior", "location": "Newark",
        "legal_basis": "INA 237(a)(1)(B)"}), actor, t("2026-03-01T09:00:00Z"))
    assert not out.accepted and "ROLE" in out.rule_ids and out.case_id is None
    view = desk.app.get_case(desk.cases["ana"], S1, "supervision", t("2026-03-01T10:00:00Z"))
    assert view.state.version == 1 and view.facets.custody == "at_large"


@pytest.mark.parametrize(("name", "data", "field"), [
    ("frobnicate", {}, "do"),
    ("record_arrest", {}, "basis"),
    ("record_arrest", {"basis": "hunch"}, "basis"),
    ("record_arrest", {"basis": "warrant", "colour": "red"}, "colour"),
    ("determine_custody", {"decision": "bond", "authority": "236(a)", "bond_amount": "lots"},
     "bond_amount"),
    ("issue_nta", {**NTA, "hearing_at": "next Tuesday"}, "hearing_at"),
    ("issue_nta", {**NTA, "hearing_at": "2026-03-20T09:00:00"}, "hearing_at"),
    ("issue_nta", {**NTA, "hearing_at": "2026-03-20T09:00:00Z", "charges": "237(a)(1)(B)"},
     "charges"),
    ("issue_nta", {**NTA, "hearing_at": "2026-03-20T09:00:00Z", "counsel_list_date": "15/01/2026"},
     "counsel_list_date"),
    ("transfer", {"facility": "X", "attorney_notified": "yes"}, "attorney_notified"),
    # A country's name is a code once parsed ("Mexico" -> MX); one that no country has is not.
    ("open_case", {"person": {**PEOPLE["ana"], "nationalities": ["Narnia"]}, "encounter": "interior",
                   "location": "Newark", "legal_basis": "x"}, "person.nationalities[0]"),
    ("open_case", {"person": {**PEOPLE["ana"], "languages": ["Elvish"]}, "encounter": "interior",
                   "location": "Newark", "legal_basis": "x"}, "person.languages[0]"),
    ("record_order", {"outcome": "removal", "decision_mode": "oral", "issued_by": "USDC-ZZ",
                      "reference": "R-1", "issued_on": "2026-03-20"}, "issued_by"),
    ("waive_appeal", {"party": "respondent", "before": "XYZ"}, "before"),
    ("open_case", {"person": {**PEOPLE["ana"], "birth_date": "1990-13-45"}, "encounter": "interior",
                   "location": "Newark", "legal_basis": "x"}, "person.birth_date"),
    ("open_case", {"person": PEOPLE["ana"], "encounter": "dragnet", "location": "Newark",
                   "legal_basis": "x"}, "encounter"),
])
def test_bad_input_names_the_field(name: str, data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_command(name, data)
    assert e.value.field == field
    assert field in str(e.value)


def test_unknown_case_is_not_found(desk: Desk) -> None:
    cmd = parse_command("claim_citizenship", {"evidence": "e"})
    with pytest.raises(NotFound, match=r"^not found or not yours$"):
        desk.app.do(cmd, O1, t("2026-03-01T08:00:00Z"), case_id="C-NOSUCHCASE")
    with pytest.raises(NotFound):
        desk.app.do(cmd, O1, t("2026-03-01T08:00:00Z"))
    with pytest.raises(NotFound, match=r"^not found or not yours$"):
        desk.app.get_case("C-NOSUCHCASE", S1, "supervision")
    desk.app.flush_ledger()
    with desk.app.ctx.engine.connect() as conn:  # the two attempts are ledgered, nothing else
        rows = conn.execute(select(ledger.c.kind, ledger.c.case_id, ledger.c.body)
                            .where(ledger.c.kind != "actor_registered")
                            .order_by(ledger.c.seq)).all()
    assert [(r.kind, r.case_id) for r in rows] == [("command_refused", ""), ("read_refused", "")]
    assert [json.loads(r.body).get("refusals", [{}])[0].get("rule") for r in rows] == [
        "NOT_FOUND", None]
