"""Valid means valid, everywhere the same (issue 16): a person's details the review found
accepted though invalid are refused with a 422 naming the field, through the API, and the same
rules (domain/valid.py) apply to the pages, the CLI's scenario files and the importers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from duecourse.domain import valid
from duecourse.domain.commands import parse_command
from duecourse.domain.errors import InvalidInput

from .support import build_site, person
from .test_api_fuzz import _written

FUTURE = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()

# (what, the person's fields, the field the 422 names)
INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("a family name of zero-width marks only", {"family_name": "\u200b\u200c\u200d"},
     "person.family_name"),
    ("a given name of bidi marks only", {"given_name": "\u202e\u2066\u200f"},
     "person.given_name"),
    ("a name with a bidi override inside", {"family_name": "Sam\u202eelpmaxE"},
     "person.family_name"),
    ("a name with a control character", {"given_name": "Eve\x1b[31m"}, "person.given_name"),
    ("a name with a line break", {"family_name": "Probe\nDROP"}, "person.family_name"),
    ("a name of digits and punctuation only", {"family_name": "123-45"}, "person.family_name"),
    ("a birth date in 2150", {"birth_date": "2150-01-01"}, "person.birth_date"),
    ("a birth date tomorrow and a day", {"birth_date": FUTURE}, "person.birth_date"),
    ("a birth date before 1880", {"birth_date": "1879-12-31"}, "person.birth_date"),
    ("an A-number with markup", {"a_number": "A<script>"}, "person.a_number"),
    ("an A-number of seven digits", {"a_number": "A1234567"}, "person.a_number"),
    ("an A-number of ten digits", {"a_number": "A1234567890"}, "person.a_number"),
    ("an A-number in Arabic-Indic digits", {"a_number": "A٢٠٨٧٦٥٤٣٢"}, "person.a_number"),
    ("a name of a Hangul filler", {"family_name": "\u3164"}, "person.family_name"),
    ("a blank Braille pattern before a name", {"given_name": "\u2800Ana"}, "person.given_name"),
    ("an unassigned code point in a name", {"given_name": "Ana\u0378"}, "person.given_name"),
    ("a birth date as a Unix time", {"birth_date": 638064000}, "person.birth_date"),
    ("a birth date without hyphens", {"birth_date": "19900402"}, "person.birth_date"),
    ("a birth date as an ISO week day", {"birth_date": "1990-W14-1"}, "person.birth_date"),
    ("a birth date with a time", {"birth_date": "1990-04-02T00:00:00Z"}, "person.birth_date"),
    ("sex Q", {"sex": "Q"}, "person.sex"),
    ("nationality ZZ", {"nationalities": ["ZZ"]}, "person.nationalities[0]"),
    ("language xx", {"languages": ["xx"]}, "person.languages[0]"),
]


def _opening(**fields: Any) -> dict[str, Any]:
    return {"person": {**person("Probe", "Eve"), **fields}, "encounter": "interior",
            "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"}


def test_the_api_refuses_what_is_not_a_person_s_detail(db_url: str) -> None:
    site = build_site(db_url)
    before = _written(site)
    wrong = []
    for what, fields, field in INVALID:
        r = site.client("officer").post("/api/v1/cases", json=_opening(**fields))
        body = r.json() if r.headers.get("content-type") == "application/json" else {}
        if (r.status_code, body.get("error"), body.get("field")) != (422, "invalid_input", field):
            wrong.append(f"{what}: {r.status_code} {r.text[:200]}")
    assert not wrong, "\n".join(wrong)
    assert _written(site) == before  # nothing written
    site.app.ctx.engine.dispose()


@pytest.mark.parametrize(("what", "fields", "field"), INVALID, ids=[w for w, _, _ in INVALID])
def test_the_command_parser_refuses_the_same(what: str, fields: dict[str, Any], field: str
                                             ) -> None:
    """The pages, the scenario files and the CLI parse commands with the same parser."""
    with pytest.raises(InvalidInput) as e:
        parse_command("open_case", _opening(**fields))
    assert e.value.field == field


def test_what_a_clerk_types_for_a_valid_value_is_stored_as_one() -> None:
    cmd = parse_command("open_case", _opening(
        family_name="  García-López ", given_name="José María", a_number="a 208-765-432",
        sex=" f", nationalities=["El Salvador", "sv"], birth_date="1880-01-01"))
    p = cmd.person  # type: ignore[attr-defined]
    assert (p.family_name, p.a_number, p.sex, p.nationalities) == (
        "García-López", "A208765432", "F", ("SV",))
    assert valid.a_number("Ａ２０８７６５４３２") == "A208765432"  # full width is the same number
    assert valid.name("") == "" and valid.sex("") == "" and valid.a_number(" ") == ""


def test_a_birth_date_is_in_the_future_only_when_it_is_so_everywhere() -> None:
    # 23:30 UTC on 31 December: it is already 1 January in Kiribati (UTC+14), not later.
    now = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert valid.birth_date(date(2027, 1, 1), now) == date(2027, 1, 1)
    with pytest.raises(ValueError, match="future"):
        valid.birth_date(date(2027, 1, 2), now)
