"""The hand-over guard (HANDOVER) on its own: pure, no store. Who holds a case after its events,
and each refusal of ``hand_over_case`` with its reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from duecourse.domain.case import CaseState, fold
from duecourse.domain.commands import Actor, HandOverCase
from duecourse.domain.events import Event
from duecourse.law.assignment import HandOverFacts
from duecourse.law.rules import check_command

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
NEWARK = "Newark, NJ"
O1 = Actor("o1", "officer", office=NEWARK)
O2 = Actor("o2", "officer", office=NEWARK)
S_NEWARK = Actor("s1", "supervisor", office=NEWARK)
S_BOSTON = Actor("s2", "supervisor", office="Boston, MA")
ROLES = {"o1": "officer", "o2": "officer", "s1": "supervisor", "c1": "counsel"}


def opened(*more: Event) -> CaseState:
    first = Event("C-1", 1, "case_opened", datetime(2026, 3, 1, tzinfo=UTC), "o1", "officer", {
        "person_id": "P-1", "person": {"family_name": "Example", "given_name": "Ana"},
        "encounter": "interior", "location": "a shelter", "legal_basis": "INA 237(a)(1)(B)",
        "office": NEWARK})
    return fold("C-1", [first, *more])


def refusals(state: CaseState, by: Actor, to: HandOverFacts) -> list[tuple[str, str]]:
    cmd = HandOverCase(to_officer=to.officer_id or to.named, reason="going on leave")
    return [(r.rule_id, r.reason) for r in check_command(state, cmd, by, AT, ROLES.get,
                                                         handover=to)]


def officer(actor_id: str, active: bool = True, office: str = NEWARK) -> HandOverFacts:
    return HandOverFacts(actor_id, actor_id, ROLES.get(actor_id, ""), active, office)


def test_the_opener_holds_the_case_for_their_office_until_it_is_handed_over() -> None:
    s = opened()
    assert (s.assigned_officer, s.office) == ("o1", NEWARK)
    handed = opened(Event("C-1", 2, "case_handed_over", AT, "o1", "officer",
                          {"to_officer": "o2", "office": "Boston, MA", "reason": "moved"}))
    assert (handed.assigned_officer, handed.office) == ("o2", "Boston, MA")
    assert refusals(s, O1, officer("o2")) == []
    assert refusals(s, S_NEWARK, officer("o2")) == []


@pytest.mark.parametrize(("by", "to", "reason"), [
    (O1, officer("c1"), "'c1' is in the role 'counsel'"),
    (O1, officer("o1"), "'o1' already holds this case"),
    (O1, officer("o2", active=False), "the account of 'o2' is disabled"),
    (O1, HandOverFacts("nobody", ""), "there is no account or officer 'nobody'"),
    (O2, officer("o2"), "you do not hold this case"),
    (S_BOSTON, officer("o2"), "only a supervisory officer of that office may reassign it"),
])
def test_each_refusal_names_the_rule_and_says_why(by: Actor, to: HandOverFacts,
                                                  reason: str) -> None:
    found = refusals(opened(), by, to)
    assert [r for r, _ in found] == ["HANDOVER"], found
    assert reason in found[0][1]


def test_a_closed_case_is_handed_to_no_one() -> None:
    closed = opened(Event("C-1", 2, "case_closed", AT, "o1", "officer", {"reason": "done"}))
    assert [r for r, _ in refusals(closed, O1, officer("o2"))] == ["LIFECYCLE"]


def test_a_role_that_holds_no_docket_may_not_hand_over() -> None:
    found = refusals(opened(), Actor("c1", "counsel"), officer("o2"))
    assert "ROLE" in [r for r, _ in found]
