"""Histories the lifecycle state machine found, replayed through the real handlers.

Each was a breach that ``law/invariants.py`` reported and the guards, the handler or the fold let
through; each test pins the fix, and the whole store must then check clean.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from duecourse.app.invariants import check_store
from duecourse.bootstrap import App, build_app
from duecourse.domain import commands as c
from duecourse.domain.case import apply
from duecourse.domain.commands import Actor
from duecourse.domain.events import Event
from duecourse.domain.person import PersonData
from duecourse.law.deadlines import compute_deadlines
from duecourse.store import repository as repo

T = datetime(2026, 3, 2, 8, tzinfo=UTC)
H, D = timedelta(hours=1), timedelta(days=1)
O1, S1, S2, C1, D1 = (Actor("o1", "officer"), Actor("s1", "supervisor"),
                      Actor("s2", "supervisor"), Actor("c1", "counsel"), Actor("d1", "detention"))
WARRANTLESS = c.RecordArrest(basis="warrantless", reason_to_believe="overstay seen on passport",
                             likely_to_escape="no fixed address")


@pytest.fixture
def app(db_url: str) -> App:
    app = build_app(db_url, seed=5)
    for a in (O1, S1, S2, C1, D1):
        app.register_actor(a)
    return app


def open_case(app: App) -> str:
    out = app.do(c.OpenCase(person=PersonData("Example", "Ana", nationalities=("MX",)),
                            encounter="interior", location="Newark",
                            legal_basis="INA 237(a)(1)(B)"), O1, T)
    assert out.case_id
    return out.case_id


def test_no_closing_while_held_after_an_arrest_without_a_custody_decision(app: App) -> None:
    case = open_case(app)
    assert app.do(WARRANTLESS, O1, T + H, case_id=case).accepted
    assert app.do(c.Place(facility="ELZICDF", classification="B", reason="intake after the arrest"),
                  D1, T + 2 * H, case_id=case).accepted
    out = app.do(c.CloseCase(reason="duplicate"), O1, T + 3 * H, case_id=case)
    assert not out.accepted and "CUS-48" in out.rule_ids
    assert check_store(app.ctx.engine) == []


def test_an_i200_must_name_its_requester(app: App) -> None:
    case = open_case(app)
    assert app.do(c.IssueNta(charges=("INA 237(a)(1)(B)",), allegations=("overstayed",),
                             hearing_at=T + 30 * D, court="NEW", counsel_list_date=date(2026, 3, 1)),
                  O1, T + H, case_id=case).accepted
    out = app.do(c.IssueArrestWarrant(requested_by=" "), S1, T + 2 * H, case_id=case)
    assert not out.accepted and "ARR-1" in out.rule_ids


def test_each_late_custody_decision_is_recorded_as_missed(app: App) -> None:
    case = open_case(app)
    for start in (T, T + 10 * D):
        assert app.do(WARRANTLESS, O1, start + H, case_id=case).accepted
        # Told of consular notification in time (CON-1), so the only late duty is CUS-48.
        assert app.do(c.RecordConsularAdvisal(language="es", notification_requested=False,
                                              interpreter="telephone interpreter 4411"), O1,
                      start + 2 * H, case_id=case).accepted
        out = app.do(c.DetermineCustody(decision="recognizance", authority="INA 236(a)",
                                        reason="no flight risk: fixed address"), O1,
                     start + 60 * H, case_id=case)
        assert out.accepted
        assert [e["kind"] for e in out.events] == ["custody_determined", "deadline_missed"]
    assert check_store(app.ctx.engine) == []


def test_a_citizen_finding_stands(app: App) -> None:
    case = open_case(app)
    resolve = c.ResolveCitizenship
    assert app.do(c.ClaimCitizenship(evidence="birth certificate"), O1, T + H, case_id=case).accepted
    doc: dict[str, Any] = {"issued_by": "DHS", "issued_on": T.date()}
    assert app.do(resolve(finding="citizen", evidence="birth certificate", counsel="c1",
                          reference="USC-1", **doc), S1, T + 2 * H, case_id=case).accepted
    assert app.do(c.ClaimCitizenship(evidence="again"), O1, T + 3 * H, case_id=case).accepted
    out = app.do(resolve(finding="not_citizen", evidence="no record of the claimed birth in Texas",
                         counsel="c1", reference="USC-2",
                         **doc), S2, T + 4 * H, case_id=case)
    assert out.accepted
    # Even confirmed by a second person, a later finding does not undo the citizen finding.
    assert app.do(c.ConfirmEntry(entry=out.events[0]["seq"], document_checked="USC-2"), C1,
                  T + 4.5 * H, case_id=case).accepted
    out = app.do(WARRANTLESS, O1, T + 5 * H, case_id=case)
    assert not out.accepted and "USC" in out.rule_ids
    assert check_store(app.ctx.engine) == []


# -- Issue 15: the guards and the checker read children, Flores and provenance alike -------------

C2 = Actor("c2", "counsel")


def held_and_charged(app: App, born: date) -> str:
    """The common start: a case opened, a Notice to Appear issued and served, a warrantless
    arrest and a decision to detain."""
    out = app.do(c.OpenCase(person=PersonData("Example", "Ana", birth_date=born,
                                              nationalities=("MX",), languages=("es",)),
                            encounter="interior", location="Newark",
                            legal_basis="INA 237(a)(1)(B)"), O1, T)
    case = str(out.case_id)
    for cmd in (c.IssueNta(charges=("INA 237(a)(1)(B)",), allegations=("overstayed",),
                           hearing_at=T + 30 * D, court="NEW", counsel_list_date=date(2026, 3, 1)),
                c.ServeNta(method="personal", language="es"), WARRANTLESS,
                c.DetermineCustody(decision="detain", authority="INA 236(a)",
                                   reason="flight risk: no fixed address")):
        assert app.do(cmd, O1, T + H, case_id=case).accepted, cmd
    return case


def test_a_flag_that_contradicts_the_birth_date_makes_a_child_until_found_an_adult(app: App) -> None:
    # Born in 1985 by the record; he says he is 16. The claim makes him a child (the protective
    # reading): HHS is told and ORR takes him, and the checker reads him as the guards do.
    case = held_and_charged(app, date(1985, 1, 1))
    assert app.do(c.FlagMinor(unaccompanied=True, age_basis="says he is 16; no document"), O1,
                  T + 2 * H, case_id=case).accepted
    assert app.do(c.NotifyHhs(reference="HHS-2026-0302"), O1, T + 3 * H, case_id=case).accepted
    assert app.do(c.TransferToOrr(), D1, T + 4 * H, case_id=case).accepted
    assert check_store(app.ctx.engine) == []


def test_a_hospital_does_not_meet_the_flores_clock(app: App) -> None:
    # 16 by the birth date, detained; six days on, taken to a hospital in an emergency. A hospital
    # does not end DHS custody: the Flores clock runs on, and the release met it late.
    case = held_and_charged(app, date(2010, 1, 1))
    assert app.do(c.NotifyHhs(reference="HHS-2026-0302"), O1, T + 2 * H, case_id=case).accepted
    out = app.do(c.Transfer(facility="University Hospital, Newark", facility_type="hospital",
                            attorney_notified=False, emergency=True,
                            reason="chest pain: taken to the emergency room"),
                 D1, T + 6 * D, case_id=case)
    assert out.accepted and [e["kind"] for e in out.events] == ["transferred"]
    assert check_store(app.ctx.engine) == []
    out = app.do(c.Release(kind="recognizance", reason="released to her aunt in Newark"), O1,
                 T + 7 * D, case_id=case)
    assert out.accepted
    with app.ctx.engine.connect() as conn:
        missed = {e.data["deadline"] for e in repo.load_events(conn, case)
                  if e.kind == "deadline_missed" and e.seq > out.events[0]["seq"]}
    assert "FLORES" in missed
    assert check_store(app.ctx.engine) == []


def test_who_scheduled_the_removal_may_not_record_an_adult_finding(app: App) -> None:
    app.register_actor(C2)
    case = held_and_charged(app, date(1985, 1, 1))
    order_at = T + 3 * D
    assert app.do(c.RecordOrder(outcome="removal", decision_mode="oral", issued_by="NEW",
                                reference="NEW-IJ-1", issued_on=order_at.date(),
                                designated_country="MX"), C1, order_at, case_id=case).accepted
    final = order_at + 36 * D
    for cmd, who in ((c.IssueRemovalWarrant(), S1),
                     (c.RecordTravelDocument(country="MX", valid_until=date(2026, 12, 31)), O1),
                     (c.RecordMedicalClearance(valid_until=(final + 10 * D).date()), D1),
                     (c.ScheduleRemoval(destination="MX", depart_at=final + 3 * D,
                                        transport="T-1"), O1)):
        assert app.do(cmd, who, final, case_id=case).accepted, cmd
    adult = c.DetermineAge(finding="adult", evidence="passport and interview",
                           evidence_kinds=("identity_document", "interview"), reference="AD-1")
    out = app.do(adult, O1, final + H, case_id=case)
    assert not out.accepted and out.rule_ids == ["PROVENANCE"]
    # Recorded by another, and confirmed by a third against the record: it stands.
    out = app.do(adult, S2, final + 2 * H, case_id=case)
    assert out.accepted
    assert app.do(c.ConfirmEntry(entry=out.events[0]["seq"], document_checked="AD-1"), C2,
                  final + 3 * H, case_id=case).accepted
    assert check_store(app.ctx.engine) == []


def test_an_unknown_court_is_refused_before_any_clock_counts_its_days(app: App) -> None:
    case = held_and_charged(app, date(1985, 1, 1))
    assert app.do(c.Place(facility="ELZICDF", classification="B", reason="intake after the arrest"),
                  D1, T + 2 * H, case_id=case).accepted
    # Built in code, never parsed: the court is no court.
    out = app.do(c.ScheduleHearing(at=T + 40 * D, court="XXX"), O1, T + 3 * H, case_id=case)
    assert not out.accepted and out.rule_ids == ["TEXT"]
    assert "XXX" in out.refusals[0].reason
    assert check_store(app.ctx.engine) == []
    # A record written before codes were checked: the NTA-ADDR clock does not fail on it, and
    # reads the earliest due time of any court's zone - never later than the known court's.
    with app.ctx.engine.connect() as conn:
        state = repo.load_case(conn, case)
    assert state is not None

    def due(court: str) -> datetime:
        s = copy.deepcopy(state)
        apply(s, Event(case, s.version + 1, "hearing_scheduled", T + 3 * H, "c1", "counsel",
                       {"at": (T + 40 * D).isoformat(), "court": court}))
        return next(d.due_at for d in compute_deadlines(s, T + 3 * H) if d.id == "NTA-ADDR")

    assert due("XXX") <= due("NEW")
