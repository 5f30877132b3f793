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
