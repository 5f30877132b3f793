"""Identity records: validation names every bad row and field; normalisation; A-numbers."""

from __future__ import annotations

from datetime import date

import pytest

from duecourse.domain.errors import InvalidInput
from duecourse.identity.records import (
    InvalidRecords,
    Record,
    check_a_number,
    name_parts,
    nickname_keys,
    normalise_a_number,
    normalise_text,
    parse_rows,
    phonetic,
)


def row(**kw: str) -> dict[str, str]:
    base = {"record_id": "r1", "family_name": "García López", "given_name": "María José",
            "birth_date": "1990-04-02", "sex": "F", "nationality": "MX", "address": "12 Main St",
            "city": "Houston", "postcode": "77002", "a_number": "A012345678"}
    base.update(kw)
    return base


def test_valid_rows_become_records() -> None:
    out = parse_rows([row(), row(record_id="r2", sex="m", nationality="gt", a_number="12345678",
                                 birth_date="")], "court")
    assert out[0] == Record("r1", "court", "García López", "María José", date(1990, 4, 2), "F", "MX",
                            "12 Main St", "Houston", "77002", "A012345678")
    assert out[1].sex == "M" and out[1].nationality == "GT"
    assert out[1].a_number == "A012345678"  # the A added, padded to nine digits
    assert out[1].birth_date is None


def test_every_problem_is_reported_with_row_and_field_and_nothing_is_taken() -> None:
    rows = [
        row(),
        row(record_id="", birth_date="1990-02-30"),
        row(record_id="r1"),  # duplicate
        row(record_id="r4", sex="male", nationality="Mexico", a_number="B123", birth_date="02/04/1990"),
        {**row(record_id="r5"), "birthdate": "1990-01-01"},
    ]
    with pytest.raises(InvalidRecords) as e:
        parse_rows(rows, "encounter", first_row=2)
    got = {(p.row, p.field) for p in e.value.problems}
    assert got == {(3, "record_id"), (3, "birth_date"), (4, "record_id"), (5, "sex"),
                   (5, "nationality"), (5, "a_number"), (5, "birth_date"), (6, "birthdate")}
    msg = str(e.value)
    assert "row 4 (record r1), field 'record_id': 'r1' was already used on row 2" in msg
    assert "'1990-02-30' is not a date in the calendar" in msg
    assert "'Mexico' is not an ISO 3166 alpha-2 country code" in msg
    assert "no record was taken" in msg
    assert isinstance(e.value, InvalidInput)


def test_source_is_required() -> None:
    with pytest.raises(InvalidInput):
        parse_rows([row()], " ")


@pytest.mark.parametrize(("raw", "expected"), [
    ("A012345678", "A012345678"), ("a-012-345-678", "A012345678"), ("A12345678", "A012345678"),
    ("012 345 678", "A012345678"), ("A1234567", None), ("A0123456789", None), ("X12345678", None),
    ("", None),
])
def test_a_number_format(raw: str, expected: str | None) -> None:
    assert normalise_a_number(raw) == expected


def test_check_a_number_explains() -> None:
    with pytest.raises(InvalidInput, match="the letter A and 8 or 9 digits"):
        check_a_number("12")


def test_normalisation_case_accents_punctuation_script() -> None:
    assert normalise_text("  MARÍA-José  ") == "maria jose"
    assert normalise_text("O'Brien") == "obrien"
    assert normalise_text("Дмитрий") == "dmitriy"
    assert name_parts("de la Cruz").full == "cruz"  # particles dropped
    assert name_parts("García López").tokens == ("garcia", "lopez")  # double surname split
    assert name_parts("Xiu Ying").key == name_parts("Xiuying").key


def test_phonetic_keys_meet_for_transliterations() -> None:
    assert phonetic("mohammed") == phonetic("muhammad")
    assert phonetic("aleksandr") == phonetic("alexander")
    assert phonetic("yusuf") == phonetic("youssef")


def test_nicknames_share_a_canonical_form() -> None:
    assert nickname_keys("bill") & nickname_keys("william")
    assert not nickname_keys("maria") & nickname_keys("william")


def test_document_number_is_optional_normalised_and_checked() -> None:
    out = parse_rows([row(), {**row(record_id="r2"), "document_number": " g 1234-5678 "}], "court")
    assert out[0].document_number == ""  # a file without the column
    assert out[1].document_number == "G12345678"  # spaces and hyphens as printed are dropped
    with pytest.raises(InvalidRecords) as e:
        parse_rows([{**row(), "document_number": "12"},
                    {**row(record_id="r2"), "document_number": "#1234567"}], "court", first_row=2)
    assert {(p.row, p.field) for p in e.value.problems} == {(2, "document_number"), (3, "document_number")}
    assert "'12' is not a document number (5 to 20 letters and digits)" in str(e.value)
