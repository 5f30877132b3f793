"""Every entry point (scenario files, pages, the API, the simulator) parses commands the same way:
text that a store cannot hold, or dates outside any plausible range, are refused by field."""

from __future__ import annotations

from typing import Any

import pytest

from duecourse.domain.commands import parse_command
from duecourse.domain.errors import InvalidInput

PERSON = {"family_name": "Example", "given_name": "Ana", "nationalities": ["MX"]}


def _open(**person: Any) -> dict[str, Any]:
    return {"person": {**PERSON, **person}, "encounter": "interior", "location": "Newark",
            "legal_basis": "INA 237(a)(1)(B)"}


@pytest.mark.parametrize(("name", "data", "field", "says"), [
    ("claim_citizenship", {"evidence": "a\x00b"}, "evidence", "NUL"),
    ("claim_citizenship", {"evidence": "\ud800"}, "evidence", "not valid Unicode"),
    ("claim_citizenship", {"evidence": "x" * 2001}, "evidence", "at most 2000"),
    ("close_case", {"reason": "r" * 501}, "reason", "at most 500"),
    ("place", {"facility": "f" * 201, "classification": "A"}, "facility", "at most 200"),
    ("open_case", _open(family_name="N" * 201), "person.family_name", "longer than 200"),
    ("open_case", _open(a_number="1" * 21), "person.a_number", "not an A-number"),
    ("open_case", _open(languages=["es,en"]), "person.languages[0]", "not an ISO 639 language"),
    ("schedule_hearing", {"at": "0001-01-01T00:00:00+05:00", "court": "NEW"}, "at",
     "between 1900 and 2199"),
    ("record_medical_clearance", {"valid_until": "9999-12-31"}, "valid_until",
     "between 1880 and 2199"),  # a day may be a birth date (domain/valid.py)
])
def test_refused_naming_the_field(name: str, data: dict[str, Any], field: str, says: str) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_command(name, data)
    assert e.value.field == field and says in e.value.message


def test_ordinary_text_and_dates_pass() -> None:
    cmd = parse_command("claim_citizenship", {"evidence": "Geburtsurkunde, née à Lyon — 出生"})
    assert cmd is not None
    assert parse_command("open_case", _open(family_name="N" * 200)) is not None
