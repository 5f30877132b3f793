"""Histories the lifecycle state machine found, replayed through the real handlers.

Each was a breach that ``law/invariants.py`` reported and the guards, the handler or the fold let
through; each test pins the fix, and the whole store must then check clean.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from duecourse.bootstrap import App, build_app
from duecourse.domain import commands as c
from duecourse.domain.commands import Actor
from duecourse.domain.person import PersonData
from duecourse.law.invariants import check_store

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
    out = app.do(resolve(finding="not_citizen", evidence="none", counsel="c1", reference="USC-2",
                         **doc), S2, T + 4 * H, case_id=case)
    assert out.accepted
    # Even confirmed by a second person, a later finding does not undo the citizen finding.
    assert app.do(c.ConfirmEntry(entry=out.events[0]["seq"], document_checked="USC-2"), C1,
                  T + 4.5 * H, case_id=case).accepted
    out = app.do(WARRANTLESS, O1, T + 5 * H, case_id=case)
    assert not out.accepted and "USC" in out.rule_ids
    assert check_store(app.ctx.engine) == []
