"""Identity records: a broken row refuses the batch naming every bad row and field; a value that
is not valid is flagged, kept as given and left out; normalisation; A-numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from duecourse.domain.errors import InvalidInput
from duecourse.identity.records import (
    MAX_CELL,
    InvalidRecords,
    Record,
    check_a_number,
    field_problem,
    name_parts,
    nickname_keys,
    normalise_a_number,
    normalise_text,
    parse_rows,
    phonetic,
    today_anywhere,
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


def test_every_broken_row_is_reported_with_row_and_field_and_nothing_is_taken() -> None:
    rows = [
        row(),
        row(record_id="", birth_date="1990-02-30"),
        row(record_id="r1"),  # duplicate
        row(record_id="x" * 201),  # too long to be anyone's key
        row(record_id="r\x00"),  # no database holds it, no reader sees it
        {**row(record_id="r5"), "birthdate": "1990-01-01"},
        row(record_id="r6", address="x" * (MAX_CELL + 1)),
    ]
    with pytest.raises(InvalidRecords) as e:
        parse_rows(rows, "encounter", first_row=2)
    got = {(p.row, p.field) for p in e.value.problems}
    assert got == {(3, "record_id"), (4, "record_id"), (5, "record_id"), (6, "record_id"),
                   (7, "birthdate"), (8, "address")}
    msg = str(e.value)
    assert "row 4 (record r1), field 'record_id': 'r1' was already used on row 2" in msg
    assert "field 'record_id': longer than 200 characters" in msg
    assert "row 6 (record r\x00), field 'record_id': holds a control or format character, U+0000" in msg
    assert "row 8 (record r6), field 'address': the cell holds 65,537 characters" in msg
    assert "no record was taken" in msg
    assert isinstance(e.value, InvalidInput)


TODAY = date(2026, 12, 7)


def test_a_value_that_is_not_valid_is_flagged_kept_as_given_and_left_empty() -> None:
    rows = [row(record_id="r1", birth_date="1944-59-09", sex="male", nationality="Mexico",  # MX
                a_number="B123", document_number="12"),
            row(record_id="r2", birth_date="5947-01-01", family_name="1234", given_name="Ana\x1b[2J"),
            row(record_id="r3", birth_date="02/04/1990", given_name="Ana\u200b"),
            row(record_id="r4", birth_date="1879-12-31", city="y" * 201)]
    out = parse_rows(rows, "encounter", first_row=2, today=TODAY)
    assert [r.record_id for r in out] == ["r1", "r2", "r3", "r4"]  # every row taken
    flags = {(r.record_id, f.field): f for r in out for f in r.flags}
    assert {k: f.reason for k, f in flags.items()} == {
        ("r1", "birth_date"): "not a date in the calendar",
        ("r1", "sex"): "not one of M, F, X",
        ("r1", "a_number"): "not an A-number: the letter A and 8 or 9 digits",
        ("r1", "document_number"): "not a document number: 5 to 20 letters and digits",
        ("r2", "birth_date"): "in the future",
        ("r2", "family_name"): "holds no letter",
        ("r2", "given_name"): "holds a control or format character, U+001B",
        ("r3", "birth_date"): "not a date in the form YYYY-MM-DD",
        ("r3", "given_name"): "holds a control or format character, U+200B",
        ("r4", "birth_date"): "before 1880",
        ("r4", "city"): "longer than 200 characters",
    }
    r1, r2 = out[0], out[1]
    assert (r1.birth_date, r1.sex, r1.nationality, r1.a_number, r1.document_number) == (
        None, "", "MX", "", "")  # no part in any comparison; a country's name is its code
    assert (r2.family_name, r2.given_name) == ("", "")
    assert r1.family_name == "García López" and r1.city == "Houston"  # the rest as valid
    assert flags["r2", "given_name"].given == "Ana\x1b[2J"  # verbatim
    assert str(flags["r1", "birth_date"]) == ("birth date given as '1944-59-09' "
                                              "(not a date in the calendar)")


@pytest.mark.parametrize(("now", "latest"), [
    # Today anywhere on Earth: at 10:00 UTC on 7 December it is already 8 December at UTC+14.
    (datetime(2026, 12, 7, 10, 0, tzinfo=UTC), date(2026, 12, 8)),
    (datetime(2026, 12, 7, 9, 59, tzinfo=UTC), date(2026, 12, 7)),
    (datetime(2026, 12, 7, 19, 0, tzinfo=timezone(timedelta(hours=-5))), date(2026, 12, 8)),
])
def test_a_birth_date_is_in_the_future_after_today_anywhere_on_earth(now: datetime,
                                                                      latest: date) -> None:
    assert today_anywhere(now) == latest
    today = today_anywhere(now)
    assert field_problem("birth_date", latest.isoformat(), today) is None
    assert field_problem("birth_date", (latest + timedelta(days=1)).isoformat(),
                         today) == "in the future"


def test_names_in_any_script_are_valid() -> None:
    for name in ("Дмитрий", "李", "محمد", "O'Brien", "Nguyễn", "d'Ávila-Ruiz"):
        assert field_problem("given_name", name, TODAY) is None, name
    assert field_problem("given_name", "😀", TODAY) == "holds no letter"


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
    out = parse_rows([{**row(), "document_number": "12"},
                      {**row(record_id="r2"), "document_number": "#1234567"}], "court", first_row=2)
    assert [(f.field, f.given) for r in out for f in r.flags] == [
        ("document_number", "12"), ("document_number", "#1234567")]
    assert all(r.document_number == "" for r in out)
