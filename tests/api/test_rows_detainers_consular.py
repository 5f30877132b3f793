"""Issue 15, rows (H5a): detainers (DET-1), consular notice (CON-1, CON-2), counsel (CNSL-1, LOP,
COUNSEL-LIST) and a new NTA after termination without prejudice, through the App on SQLite and
PostgreSQL: what is accepted, what is refused and why, and what the clocks record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from duecourse.app.outcome import Outcome
from duecourse.bootstrap import App, build_app
from duecourse.domain.commands import Actor, parse_command
from duecourse.law import consular
from duecourse.law.clocks_rows import _worst

O1 = Actor("o1", "officer", "Officer One")
O2 = Actor("o2", "officer", "Officer Two")
S1 = Actor("s1", "supervisor", "Supervisor One")
C1 = Actor("c1", "counsel", "Agency Counsel")
D1 = Actor("d1", "detention", "Detention Officer")
T1 = Actor("t1", "transport", "Transport Officer")
OV = Actor("ov", "oversight", "Inspector")

NTA: dict[str, Any] = {"charges": ["237(a)(1)(B)"], "allegations": ["remained longer than permitted"],
                       "court": "NEW", "counsel_list_date": "2026-01-15"}


def t(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC)


class Desk:
    def __init__(self, url: str) -> None:
        self.app: App = build_app(url, seed=15)
        for a in (O1, O2, S1, C1, D1, T1, OV):
            self.app.register_actor(a)
        self.cases: dict[str, str] = {}

    def open(self, label: str, at: str, nationalities: list[str], languages: list[str]) -> None:
        person = {"family_name": "Synthetic", "given_name": label.title(),
                  "birth_date": "1988-02-29", "nationalities": nationalities,
                  "languages": languages}
        out = self.app.do(parse_command("open_case", {
            "person": person, "encounter": "interior", "location": "Newark, NJ",
            "legal_basis": "INA 237(a)(1)(B)"}), O1, t(at))
        assert out.accepted, out.refusals
        self.cases[label] = str(out.case_id)

    def do(self, label: str, when: str, actor: Actor, name: str, /, **fields: Any) -> Outcome:
        return self.app.do(parse_command(name, fields), actor, t(when), case_id=self.cases[label])

    def ok(self, label: str, when: str, actor: Actor, name: str, /, **fields: Any) -> Outcome:
        out = self.do(label, when, actor, name, **fields)
        assert out.accepted, f"{name} refused: {[(r.rule_id, r.reason) for r in out.refusals]}"
        return out

    def no(self, label: str, when: str, actor: Actor, name: str, rule: str, /,
           **fields: Any) -> str:
        out = self.do(label, when, actor, name, **fields)
        assert not out.accepted, f"{name} was accepted"
        reasons = [r.reason for r in out.refusals if r.rule_id == rule]
        assert reasons, [(r.rule_id, r.reason) for r in out.refusals]
        return reasons[0]

    def clock(self, label: str, at: str, id: str) -> str:
        view = self.app.get_case(self.cases[label], OV, "oversight_audit", t(at))
        return next(d.state for d in view.deadlines if d.id == id)

    def kinds(self, label: str) -> list[str]:
        view = self.app.get_case(self.cases[label], OV, "oversight_audit")
        return [e.kind for e in view.events]


@pytest.fixture
def desk(db_url: str) -> Desk:
    return Desk(db_url)


def _arrest(d: Desk, label: str, at: str) -> None:
    d.ok(label, at, O1, "record_arrest", basis="warrantless",
         reason_to_believe="admitted overstaying a visitor visa",
         likely_to_escape="no fixed address in the district")


def test_detainer_on_a_warrant_of_removal_and_a_final_order(desk: Desk) -> None:
    d = desk
    d.open("ana", "2026-03-01T08:00:00Z", ["MX"], ["es"])
    d.ok("ana", "2026-03-01T09:00:00Z", O1, "issue_nta", hearing_at="2026-03-20T14:00:00Z", **NTA)
    d.ok("ana", "2026-03-01T10:00:00Z", O1, "serve_nta", method="personal", language="es")
    why = d.no("ana", "2026-03-02T10:00:00Z", O1, "issue_detainer", "DET-1",
               agency="Essex County Jail", probable_cause="final_order", warrant="I-205",
               reason="order of removal")
    assert "no final order of removal" in why
    d.ok("ana", "2026-03-20T15:00:00Z", C1, "record_order", outcome="removal",
         decision_mode="oral", designated_country="MX", issued_by="NEW",
         reference="NEW-IJ-20260320-A", issued_on="2026-03-20")
    # Decided, not final: the appeal window runs.
    why = d.no("ana", "2026-03-21T10:00:00Z", O1, "issue_detainer", "DET-1",
               agency="Essex County Jail", probable_cause="final_order", warrant="I-205",
               reason="order of removal")
    assert "final" in why
    # The window closed unused: final. Still no I-205 on file.
    why = d.no("ana", "2026-04-28T10:00:00Z", O1, "issue_detainer", "DET-1",
               agency="Essex County Jail", probable_cause="final_order", warrant="I-205",
               reason="final order of 2026-03-20")
    assert "I-205" in why
    d.ok("ana", "2026-04-28T11:00:00Z", S1, "issue_removal_warrant")
    d.ok("ana", "2026-04-28T12:00:00Z", O1, "issue_detainer", agency="Essex County Jail",
         probable_cause="final_order", warrant="I-205", reason="final order of 2026-03-20")
    assert d.clock("ana", "2026-04-28T13:00:00Z", "DET-1") == "due"
    assert d.clock("ana", "2026-04-29T13:00:00Z", "DET-1") == "overdue"
    d.ok("ana", "2026-04-29T13:00:00Z", O2, "serve_detainer", method="through_agency",
         language="es")
    assert d.clock("ana", "2026-04-29T13:00:00Z", "DET-1") == "missed"
    assert d.kinds("ana").count("deadline_missed") == 1


def test_detainer_refusals_name_the_facts(desk: Desk) -> None:
    d = desk
    d.open("ben", "2026-03-01T08:00:00Z", ["GT"], ["es"])
    why = d.no("ben", "2026-03-01T09:00:00Z", T1, "issue_detainer", "DET-1",
               agency="Union County Jail", probable_cause="statements", warrant="I-200",
               reason="told the jail he overstayed")
    assert "transport" in why and "287.7(b)" in why
    why = d.no("ben", "2026-03-01T09:00:00Z", O1, "issue_detainer", "DET-1",
               agency="Union County Jail", probable_cause="statements", warrant="I-200",
               reason="told the jail he overstayed")
    assert "none has been signed" in why
    d.ok("ben", "2026-03-01T09:30:00Z", O1, "issue_nta", hearing_at="2026-03-25T14:00:00Z", **NTA)
    d.ok("ben", "2026-03-01T10:00:00Z", S1, "issue_arrest_warrant", requested_by="o1")
    d.ok("ben", "2026-03-01T10:30:00Z", O1, "issue_detainer", agency="Union County Jail",
         probable_cause="statements", warrant="I-200", reason="told the jail he overstayed")
    why = d.no("ben", "2026-03-01T10:40:00Z", O1, "issue_detainer", "DET-1",
               agency="UNION  county jail", probable_cause="statements", warrant="I-200",
               reason="again")
    assert "Union County Jail" in why and "2026-03-01 10:30" in why
    # A duplicate command by its idempotency key changes nothing.
    cmd = parse_command("serve_detainer", {"method": "personal", "language": "es"})
    first = d.app.do(cmd, O1, t("2026-03-01T11:00:00Z"), case_id=d.cases["ben"],
                     idempotency_key="serve-ben-1")
    again = d.app.do(cmd, O1, t("2026-03-01T11:00:00Z"), case_id=d.cases["ben"],
                     idempotency_key="serve-ben-1")
    assert first.accepted and again.replayed
    assert d.kinds("ben").count("detainer_served") == 1
    why = d.no("ben", "2026-03-01T11:05:00Z", O1, "serve_detainer", "LIFECYCLE",
               method="personal", language="es")
    assert "no detainer awaiting service" in why


def test_consular_advisal_names_the_country_of_a_dual_national(desk: Desk) -> None:
    d = desk
    d.open("cai", "2026-05-01T08:00:00Z", ["CO", "ES"], ["es"])
    _arrest(d, "cai", "2026-05-01T09:00:00Z")
    why = d.no("cai", "2026-05-01T10:00:00Z", O2, "record_consular_advisal", "CON-1",
               language="es", notification_requested=True)
    assert "CO, ES" in why
    why = d.no("cai", "2026-05-01T10:00:00Z", O2, "record_consular_advisal", "CON-1",
               language="es", notification_requested=True, country="VE")
    assert "VE" in why and "CO" in why
    d.ok("cai", "2026-05-01T10:05:00Z", O2, "record_consular_advisal", language="es",
         notification_requested=True, country="Colombia")
    why = d.no("cai", "2026-05-01T11:00:00Z", D1, "notify_consulate", "CON-2", country="ES",
               method="email")
    assert "ASY-CONF" in why
    d.ok("cai", "2026-05-01T11:00:00Z", D1, "notify_consulate", country="CO", method="email")
    assert d.clock("cai", "2026-05-01T11:00:00Z", "CON-2") == "met"
    assert d.clock("cai", "2026-05-01T11:00:00Z", "CON-1") == "met"


def test_a_new_arrest_starts_the_consular_clocks_again(desk: Desk) -> None:
    d = desk
    d.open("dia", "2026-05-01T08:00:00Z", ["RU"], ["ru"])
    _arrest(d, "dia", "2026-05-01T09:00:00Z")
    d.ok("dia", "2026-05-01T09:30:00Z", O2, "record_consular_advisal", language="ru",
         notification_requested=False)
    d.ok("dia", "2026-05-01T10:00:00Z", D1, "notify_consulate", country="RU", method="fax")
    d.ok("dia", "2026-05-01T12:00:00Z", O1, "release", kind="recognizance",
         conditions="report monthly", reason="sole carer of two children; fixed address")
    assert d.clock("dia", "2026-05-01T12:00:00Z", "CON-2") == "met"
    _arrest(d, "dia", "2026-06-01T09:00:00Z")
    assert d.clock("dia", "2026-06-01T09:00:00Z", "CON-1") == "due"
    assert d.clock("dia", "2026-06-01T09:00:00Z", "CON-2") == "due"
    # Told of the earlier detention is not told of this one; the same notice twice is refused.
    d.ok("dia", "2026-06-01T10:00:00Z", D1, "notify_consulate", country="RU", method="fax")
    d.no("dia", "2026-06-01T10:05:00Z", D1, "notify_consulate", "CON-2", country="RU",
         method="fax")
    assert d.clock("dia", "2026-06-01T10:00:00Z", "CON-2") == "met"


def test_no_consular_clock_for_a_us_national(desk: Desk) -> None:
    d = desk
    d.open("eve", "2026-05-01T08:00:00Z", ["US"], ["en"])
    view = d.app.get_case(d.cases["eve"], OV, "oversight_audit", t("2026-05-01T08:00:00Z"))
    assert not [x for x in view.deadlines if x.id.startswith("CON-")]


def test_represented_person_examination_needs_counsel_notified(desk: Desk) -> None:
    d = desk
    d.open("fay", "2026-05-01T08:00:00Z", ["PE"], ["es"])
    pid = d.app.get_case(d.cases["fay"], OV, "oversight_audit").state.person_id
    att = Actor("att", "attorney", "Attorney of record", (pid,))
    d.app.register_actor(att)
    _arrest(d, "fay", "2026-05-01T09:00:00Z")
    d.ok("fay", "2026-05-01T09:10:00Z", att, "record_address",
         address="12 Example Street, Newark, NJ 07102", provided_on="2026-05-01")
    why = d.no("fay", "2026-05-01T10:00:00Z", O2, "record_examination", "CNSL-1")
    assert "attorney of record" in why
    d.ok("fay", "2026-05-01T10:05:00Z", O2, "record_examination", counsel_notified=True)


def test_new_nta_after_termination_without_prejudice_starts_fresh(desk: Desk) -> None:
    d = desk
    d.open("gus", "2026-01-05T08:00:00Z", ["BR"], ["pt"])
    d.ok("gus", "2026-01-05T09:00:00Z", O1, "issue_nta", hearing_at="2026-02-10T14:00:00Z",
         **{**NTA, "counsel_list_date": "2026-01-02"})
    d.ok("gus", "2026-01-05T10:00:00Z", O1, "serve_nta", method="personal", language="pt")
    d.ok("gus", "2026-02-10T15:00:00Z", C1, "record_order", outcome="terminated",
         decision_mode="oral", issued_by="NEW", reference="NEW-IJ-20260210-G",
         issued_on="2026-02-10", without_prejudice=True)
    # Nothing can be appealed or scheduled on the terminated proceedings.
    d.no("gus", "2026-02-11T10:00:00Z", C1, "schedule_hearing", "LIFECYCLE",
         at="2026-03-20T14:00:00Z", court="NEW")
    d.ok("gus", "2026-02-20T09:00:00Z", O1, "issue_nta", hearing_at="2026-03-25T14:00:00Z",
         **{**NTA, "counsel_list_date": "2026-02-15"})
    state = d.app.get_case(d.cases["gus"], OV, "oversight_audit").state
    assert state.order is None and not state.concluded and state.nta_served_at is None
    assert state.new_proceedings_at == [t("2026-02-20T09:00:00Z")]
    d.ok("gus", "2026-02-20T10:00:00Z", O1, "serve_nta", method="personal", language="pt")
    d.ok("gus", "2026-03-25T15:00:00Z", C1, "record_order", outcome="terminated",
         decision_mode="oral", issued_by="NEW", reference="NEW-IJ-20260325-G",
         issued_on="2026-03-25")
    why = d.no("gus", "2026-04-01T09:00:00Z", O1, "issue_nta", "LIFECYCLE",
               hearing_at="2026-05-25T14:00:00Z", **{**NTA, "counsel_list_date": "2026-03-15"})
    assert "with prejudice on 2026-03-25" in why


def test_worst_run_is_shown() -> None:
    a = t("2026-01-01T00:00:00Z")
    h = timedelta(hours=1)
    met = (a, a + 24 * h, a + h, False)
    late = (a, a + 24 * h, a + 30 * h, False)
    due = (a + 20 * h, a + 44 * h, None, False)
    overdue = (a, a + 24 * h, None, False)
    now = a + 31 * h
    assert _worst([met, late, due], now) == late
    assert _worst([met, due], now) == due
    assert _worst([late, overdue, due], now) == overdue


def test_mandatory_list_and_consulates() -> None:
    assert len(consular.MANDATORY) == 57
    assert consular.consulate_of("hk") == "CN" and consular.consulate_of("BM") == "GB"
    assert "TW" not in consular.MANDATORY and "MX" not in consular.MANDATORY


def test_rows_parameters_default_is_not_looser_than_floor() -> None:
    path = Path(consular.__file__).parent / "parameters" / "rows.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("DET-1.service_hours", "CON-1.hours", "CON-2.hours"):
        for v in data[key]:
            assert v["loosens"] == "up" and v["value"] <= v["floor"], key


def test_legal_orientation_is_never_a_condition() -> None:
    """No guard and no clock reads the legal orientations but LOP's own record (LAW.md LOP)."""
    law = Path(consular.__file__).parent
    readers = [p.name for p in law.rglob("*.py") if "legal_orientations" in p.read_text("utf-8")]
    assert readers == []


def test_no_detainer_during_a_citizenship_review(desk: Desk) -> None:
    d = desk
    d.open("hal", "2026-03-01T08:00:00Z", ["MX"], ["es"])
    d.ok("hal", "2026-03-01T09:00:00Z", O1, "issue_nta", hearing_at="2026-03-25T14:00:00Z",
         **{**NTA, "counsel_list_date": "2026-02-15"})
    d.ok("hal", "2026-03-01T09:30:00Z", S1, "issue_arrest_warrant", requested_by="o1")
    d.ok("hal", "2026-03-01T09:45:00Z", D1, "claim_citizenship",
         evidence="says he was born in El Paso, TX; birth certificate requested")
    d.no("hal", "2026-03-01T10:00:00Z", O1, "issue_detainer", "USC", agency="El Paso County Jail",
         probable_cause="statements", warrant="I-200", reason="said he entered in 2019")
