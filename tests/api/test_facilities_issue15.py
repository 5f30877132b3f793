"""Issue 15, facilities: the human place and transfer judged by the planner's own rules against
the facility catalogue (CAP, SEP, CLS-2), the hold-room and 72-hour clocks (HOLD-12, CAP-72),
transfers (XFER: the attorney of record, a hearing near, an emergency and its notice clock), and
an emergency hospital transfer that MED and USC never refuse. Through the App (the one write
path); the catalogue-dependent rules on both backends."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from duecourse.app.catalogue import do_import_catalogue
from duecourse.app.invariants import check_store
from duecourse.app.outcome import Outcome
from duecourse.bootstrap import App, build_app
from duecourse.domain.commands import Actor, parse_command

O1 = Actor("o1", "officer", "Officer One")
O2 = Actor("o2", "officer", "Officer Two")
S1 = Actor("s1", "supervisor", "Supervisor One")
S2 = Actor("s2", "supervisor", "Supervisor Two")
D1 = Actor("d1", "detention", "Detention Officer")
OV = Actor("ov", "oversight", "Inspector")

FY26 = Path(__file__).resolve().parents[2] / "src" / "duecourse" / "data" / "facilities_fy26.csv"
# An invented facility with two men's low beds, not authorised over 72 hours.
TINY = {"name": "TINYTOWN PROCESSING CENTER", "city": "NORTHFIELD", "state": "MN",
        "zip": "55057", "aor": "SPM", "type_detailed": "SPC", "male_female": "Male",
        "level_a": "1", "level_b": "0", "level_c": "0", "level_d": "0", "male_crim": "0",
        "male_non_crim": "1", "female_crim": "0", "female_non_crim": "0", "adp_total": "1",
        "guaranteed_minimum": "1", "last_inspection_standard": "NDS 2019", "detloc": "ZZTINY",
        "latitude": "44.458", "longitude": "-93.161"}


def t(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC)


def person(given: str, sex: str = "M", born: str = "1987-02-28") -> dict[str, Any]:
    return {"family_name": "Testperson", "given_name": given, "birth_date": born, "sex": sex,
            "nationalities": ["PT"], "languages": ["pt"]}


class Desk:
    def __init__(self, url: str = "sqlite://") -> None:
        self.app: App = build_app(url, seed=11)
        for a in (O1, O2, S1, S2, D1, OV):
            self.app.register_actor(a)

    def open(self, at: str, who: dict[str, Any]) -> str:
        out = self.app.do(parse_command("open_case", {
            "person": who, "encounter": "interior", "location": "Newark, NJ",
            "legal_basis": "INA 237(a)(1)(B)"}), O1, t(at))
        assert out.accepted, out.refusals
        return str(out.case_id)

    def do(self, case: str, when: str, actor: Actor, name: str, /, **fields: Any) -> Outcome:
        return self.app.do(parse_command(name, fields), actor, t(when), case_id=case)

    def ok(self, case: str, when: str, actor: Actor, name: str, /, **fields: Any) -> Outcome:
        out = self.do(case, when, actor, name, **fields)
        assert out.accepted, f"{name}: {[(r.rule_id, r.reason) for r in out.refusals]}"
        return out

    def no(self, case: str, when: str, actor: Actor, name: str, rule: str, /,
           **fields: Any) -> str:
        out = self.do(case, when, actor, name, **fields)
        assert not out.accepted, f"{name} was accepted"
        assert rule in [r.rule_id for r in out.refusals], out.refusals
        return next(r.reason for r in out.refusals if r.rule_id == rule)

    def clocks(self, case: str, at: str) -> dict[str, str]:
        view = self.app.get_case(case, OV, "oversight_audit", t(at))
        return {d.id: d.state for d in view.deadlines}

    def state(self, case: str) -> Any:
        return self.app.get_case(case, OV, "oversight_audit").state

    def arrested(self, day: str, who: dict[str, Any]) -> str:
        case = self.open(f"{day}T07:00:00Z", who)
        self.ok(case, f"{day}T07:30:00Z", O1, "record_arrest", basis="warrantless",
                reason_to_believe="admitted an overstay", likely_to_escape="no fixed address")
        self.ok(case, f"{day}T08:00:00Z", O2, "record_examination")
        self.ok(case, f"{day}T09:00:00Z", O1, "determine_custody", decision="detain",
                authority="236(a)", reason="flight risk: no fixed address")
        return case


def import_tiny(app: App) -> None:
    header = next(csv.reader(FY26.open(encoding="utf-8", newline="")))
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerow({k: TINY.get(k, "") for k in header})
    do_import_catalogue(app.ctx, out.getvalue().encode(), "tiny.csv")


def test_a_full_facility_is_refused_and_its_stay_clock_runs(db_url: str) -> None:
    desk = Desk(db_url)
    import_tiny(desk.app)
    cases = [desk.arrested("2026-03-02", person(n)) for n in ("Abel", "Bruno", "Caio")]
    for c in cases[:2]:
        desk.ok(c, "2026-03-02T12:00:00Z", D1, "place", facility="zztiny", classification="A",
                reason="the only bed in the area")
    why = desk.no(cases[2], "2026-03-02T12:00:00Z", D1, "place", "CAP", facility="ZZTINY",
                  classification="A", reason="the only bed in the area")
    assert "TINYTOWN PROCESSING CENTER (ZZTINY) is full" in why and "capacity is 2" in why
    # Not authorised over 72 hours: CAP-72 runs from the placement.
    assert desk.clocks(cases[0], "2026-03-04T12:00:00Z")["CAP-72"] == "due"
    assert desk.clocks(cases[0], "2026-03-05T13:00:00Z")["CAP-72"] == "overdue"
    # Released: the bed is free again.
    desk.ok(cases[0], "2026-03-03T09:00:00Z", D1, "release", kind="parole",
            conditions="report weekly", reason="bed needed; low flight risk on review")
    desk.ok(cases[2], "2026-03-03T10:00:00Z", D1, "place", facility="ZZTINY",
            classification="A", reason="a bed came free")
    assert desk.clocks(cases[0], "2026-03-06T00:00:00Z")["CAP-72"] == "met"


def test_refusals_name_the_facility_and_the_rule() -> None:
    desk = Desk()
    her = desk.arrested("2026-03-02", person("Dora", "F"))
    why = desk.no(her, "2026-03-02T12:00:00Z", D1, "place", "CLS-2", facility="KRO",
                  classification="B", reason="bed in Miami")
    assert why == ("KROME NORTH SERVICE PROCESSING CENTER (KRO) has no housing unit for women "
                   "of classification A/B (low)")
    why = desk.no(her, "2026-03-02T12:00:00Z", D1, "place", "CAP", facility="Krome",
                  classification="B", reason="bed in Miami")
    assert "'Krome' is not in the facility catalogue" in why
    why = desk.no(her, "2026-03-02T12:00:00Z", D1, "place", "CAP", facility="PIC",
                  facility_type="hold_room", classification="B", reason="processing")
    assert why == "PORT ISABEL SPC (PIC) is an adult detention facility in the catalogue, not a hold room"
    # A name in any case and spacing is the catalogue's code in the record.
    desk.ok(her, "2026-03-02T12:00:00Z", D1, "place", facility=" port   isabel spc ",
            classification="B", reason="women's unit near her court")
    s = desk.state(her)
    assert (s.facility, s.facility_type) == ("PIC", "adult")


def test_a_child_by_birth_date_never_in_an_adult_facility() -> None:
    desk = Desk()
    kid = desk.arrested("2026-03-02", person("Eli", born="2011-06-01"))
    why = desk.no(kid, "2026-03-02T12:00:00Z", D1, "place", "SEP", facility="HOUICDF",
                  classification="A", reason="nearest bed")
    assert "under 18" in why
    # Near midnight on the 18th birthday (Hawaii): still a child until the day has begun
    # everywhere (12:00 UTC).
    late = desk.arrested("2026-05-31", person("Fio", born="2008-06-01"))
    desk.no(late, "2026-06-01T11:59:00Z", D1, "place", "SEP", facility="HOUICDF",
            classification="A", reason="nearest bed")
    out = desk.do(late, "2026-06-01T12:00:00Z", D1, "place", facility="HOUICDF",
                  classification="A", reason="men's low unit, 18 today")
    assert "SEP" not in {r.rule_id for r in out.refusals}  # an adult now (AGE may still ask)


def test_transfer_near_a_hearing_needs_notice_and_a_second_supervisor() -> None:
    desk = Desk()
    case = desk.arrested("2026-06-01", person("Gil"))
    desk.ok(case, "2026-06-01T12:00:00Z", D1, "place", facility="PIC", classification="A",
            reason="men's low unit near the court")
    desk.ok(case, "2026-06-02T09:00:00Z", O1, "issue_nta", charges=["237(a)(1)(B)"],
            allegations=["admitted 2022-03-02 as B-2", "stayed past 2022-09-01"],
            hearing_at="2026-06-25T15:00:00Z", court="HLG", counsel_list_date="2026-05-15")
    desk.ok(case, "2026-06-02T10:00:00Z", O1, "serve_nta", method="personal", language="pt")
    desk.ok(case, "2026-06-20T09:00:00Z", D1, "record_medical_clearance",
            valid_until="2026-07-31")
    why = desk.no(case, "2026-06-23T15:00:00Z", D1, "transfer", "XFER", facility="PRLDCTX",
                  attorney_notified=False, reason="bed space")
    assert "attorney_notified is false" in why and "2026-06-25 15:00" in why
    # The window is a dated parameter: 72 hours. Just outside it, only the notice is asked.
    desk.ok(case, "2026-06-22T14:59:00Z", D1, "transfer", facility="PRLDCTX",
            attorney_notified=True, reason="bed space at Port Isabel")
    why = desk.no(case, "2026-06-23T16:00:00Z", S1, "transfer", "XFER", facility="PIC",
                  attorney_notified=True, approved_by="s1", reason="back to the court")
    assert "other than the one who transfers" in why
    desk.ok(case, "2026-06-23T16:00:00Z", S1, "transfer", facility="PIC",
            attorney_notified=True, approved_by="s2", reason="back near the court")


def evacuated() -> tuple[Desk, str]:
    """Hugo, placed at Port Isabel and cleared to travel, moved in an emergency on 10 June
    without his attorney being told first."""
    desk = Desk()
    case = desk.arrested("2026-06-01", person("Hugo"))
    desk.ok(case, "2026-06-01T12:00:00Z", D1, "place", facility="PIC", classification="A",
            reason="men's low unit near the court")
    desk.ok(case, "2026-06-02T09:00:00Z", D1, "record_medical_clearance",
            valid_until="2026-07-31")
    desk.ok(case, "2026-06-10T10:00:00Z", D1, "transfer", facility="PRLDCTX",
            attorney_notified=False, emergency=True, reason="evacuation: hurricane")
    return desk, case


def test_emergency_transfer_starts_the_attorney_notice_clock() -> None:
    desk, case = evacuated()
    assert desk.clocks(case, "2026-06-10T20:00:00Z")["XFER-NOTICE"] == "due"
    assert desk.clocks(case, "2026-06-11T10:01:00Z")["XFER-NOTICE"] == "overdue"
    desk.ok(case, "2026-06-10T18:00:00Z", D1, "notify_attorney_of_transfer",
            reference="e-mail to counsel of record")
    assert desk.clocks(case, "2026-06-12T00:00:00Z")["XFER-NOTICE"] == "met"


def test_a_second_emergency_transfer_does_not_restart_the_notice_clock() -> None:
    """The attorney is owed notice from the first emergency move they were not told of; a
    second emergency move before the notice does not give the agency a fresh 24 hours (found
    by the state machine: the clock restarted at the second move, the checker did not)."""
    desk, case = evacuated()
    desk.ok(case, "2026-06-12T09:00:00Z", D1, "transfer", attorney_notified=False,
            emergency=True, reason="chest pain: ambulance",
            facility="Valley Baptist Medical Center", facility_type="hospital")
    assert desk.clocks(case, "2026-06-12T10:00:00Z")["XFER-NOTICE"] == "overdue"
    out = desk.ok(case, "2026-06-12T12:00:00Z", D1, "notify_attorney_of_transfer",
                  reference="call to counsel of record")
    missed = [e.data["deadline"] for e in desk.state(case).history
              if e.kind == "deadline_missed" and e.seq >= out.events[0]["seq"]]
    assert missed == ["XFER-NOTICE"]
    assert check_store(desk.app.ctx.engine) == []


def test_emergency_hospital_transfer_during_a_citizenship_review() -> None:
    desk = Desk()
    case = desk.arrested("2026-07-01", person("Ivo"))
    desk.ok(case, "2026-07-01T12:00:00Z", D1, "place", facility="PIC", classification="A",
            reason="men's low unit near the court")
    desk.ok(case, "2026-07-02T09:00:00Z", D1, "claim_citizenship",
            evidence="says his mother was a citizen", raised_by="person")
    hospital = {"facility": "Valley Baptist Medical Center", "facility_type": "hospital"}
    out = desk.do(case, "2026-07-02T10:00:00Z", D1, "transfer", attorney_notified=True,
                  reason="scheduled scan", **hospital)
    assert {"USC", "MED"} <= {r.rule_id for r in out.refusals}
    desk.ok(case, "2026-07-02T23:00:00Z", D1, "transfer", attorney_notified=False,
            emergency=True, reason="chest pain: ambulance", **hospital)
    # "Emergency" to a detention centre named a hospital is not a hospital transfer.
    out = desk.do(case, "2026-07-03T09:00:00Z", D1, "transfer", facility="DHDFNJ",
                  facility_type="hospital", attorney_notified=False, emergency=True,
                  reason="emergency")
    assert {"USC", "CAP"} <= {r.rule_id for r in out.refusals}


def test_hold_room_clock_runs_across_rooms_and_the_late_move_is_missed() -> None:
    desk = Desk()
    case = desk.arrested("2026-04-06", person("Jon"))
    room = {"facility_type": "hold_room", "classification": "A", "reason": "processing"}
    desk.ok(case, "2026-04-06T10:00:00Z", D1, "place", facility="Station 1 hold room", **room)
    assert desk.clocks(case, "2026-04-06T21:00:00Z")["HOLD-12"] == "due"
    # Another room before the limit: the clock does not restart.
    desk.ok(case, "2026-04-06T20:00:00Z", D1, "place", facility="Station 2 hold room", **room)
    assert desk.clocks(case, "2026-04-06T22:01:00Z")["HOLD-12"] == "overdue"
    desk.no(case, "2026-04-07T09:00:00Z", D1, "place", "HOLD-12",
            facility="Station 3 hold room", **room)
    desk.ok(case, "2026-04-11T10:00:00Z", D1, "place", facility="PIC", classification="A",
            reason="a bed at Port Isabel")
    clocks = desk.clocks(case, "2026-04-11T10:00:00Z")
    assert clocks["HOLD-12"] == "missed" and clocks["CAP-72"] == "missed"
    view = desk.app.get_case(case, OV, "oversight_audit")
    missed = [e.data["deadline"] for e in view.events if e.kind == "deadline_missed"]
    assert {"HOLD-12", "CAP-72"} <= set(missed)
