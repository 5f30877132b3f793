"""The packaged EOIR immigration-court table."""

from __future__ import annotations

import dataclasses

import pytest

from duecourse.law.courts import Court, is_known_court, load_courts


def test_well_known_courts_exist() -> None:
    courts = load_courts()
    for code in ("NEW", "HOU", "LOS"):
        assert code in courts
        assert is_known_court(code)
    assert len(courts) >= 90


def test_court_fields() -> None:
    newark = load_courts()["NEW"]
    assert newark == Court(
        code="NEW",
        name="IMMIGRATION COURT",
        street_address="970 BROAD STREET, ROOM 1200",
        city="NEWARK",
        state="NJ",
        zip="07102",  # leading zero kept
        region="Eastern",
        active=True,
    )
    assert load_courts()["LOS"].active is False  # flagged inactive in the EOIR table
    assert {c.region for c in load_courts().values()} == {"Eastern", "Western"}
    assert all(c.code == code for code, c in load_courts().items())


def test_unknown_codes_and_normalisation() -> None:
    assert not is_known_court("XXX")
    assert not is_known_court("")
    assert is_known_court(" hou ")


def test_courts_are_immutable_and_callers_get_their_own_dict() -> None:
    courts = load_courts()
    with pytest.raises(dataclasses.FrozenInstanceError):
        courts["HOU"].active = False  # type: ignore[misc]
    del courts["HOU"]
    assert "HOU" in load_courts()


def test_a_notice_to_appear_before_an_inactive_court_is_refused_naming_it() -> None:
    from datetime import UTC, datetime

    from duecourse.domain.case import CaseState
    from duecourse.domain.commands import Actor, IssueNta
    from duecourse.law.framework import GuardInput
    from duecourse.law.guards.charging import nta_contents

    at = datetime(2026, 5, 5, 9, tzinfo=UTC)
    nta = IssueNta(charges=("237(a)(1)(B)",), allegations=("overstayed a visa",),
                   hearing_at=datetime(2026, 6, 2, 9, tzinfo=UTC), court="los",
                   counsel_list_date=at.date())
    g = GuardInput(CaseState("c-1"), nta, Actor("o1", "officer"), at, lambda _: None)
    why = nta_contents(g)
    assert why is not None and "LOS" in why and "not an active immigration court" in why
    assert nta_contents(GuardInput(CaseState("c-1"), dataclasses.replace(nta, court="HOU"),
                                   Actor("o1", "officer"), at, lambda _: None)) is None
