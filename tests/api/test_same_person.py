"""The same person on two cases, as an outside review typed them: found however a clerk writes
the names or the A-number, never found through what a clerk writes for "unknown", and judged at
the command's own time. Guard and independent checker agree. The people are invented."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest

from duecourse.app.invariants import check_store
from duecourse.app.outcome import Outcome
from duecourse.bootstrap import build_app
from duecourse.domain.commands import Actor, parse_command
from duecourse.domain.person import a_number_key, name_key

O1 = Actor("o1", "officer", "Officer One")
O2 = Actor("o2", "officer", "Officer Two")
D1 = Actor("d1", "detention", "Detention Officer")
ARREST = {"basis": "warrantless", "reason_to_believe": "admitted overstaying a visa",
          "likely_to_escape": "no address in the United States"}


def t(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


class Two:
    def __init__(self, url: str) -> None:
        self.app = build_app(url, seed=11)
        for a in (O1, O2, D1):
            self.app.register_actor(a)

    def open(self, at: str, **person: Any) -> str:
        p = {"family_name": "O'Brien", "given_name": "José", "birth_date": "1988-05-06",
             "nationalities": ["IE"], "languages": ["en"], **person}
        out = self.app.do(parse_command("open_case", {
            "person": p, "encounter": "interior", "location": "Boston, MA",
            "legal_basis": "INA 237(a)(1)(B)"}), O1, t(at))
        assert out.accepted, out.refusals
        return str(out.case_id)

    def do(self, case: str, at: str, name: str, **fields: Any) -> Outcome:
        return self.app.do(parse_command(name, fields), O1 if name != "release" else D1, t(at),
                           case_id=case)


@pytest.mark.parametrize(("family", "given", "a_number"), [
    ("O’BRIEN", "Jose\u0301", ""),  # curly apostrophe, capitals, a decomposed accent
    ("Ｏ'Ｂｒｉｅｎ", "JOSÉ", ""),  # full width (a zero-width space is refused at input)
    ("OBrien", "Jose", ""),  # no apostrophe, no accent
    ("Other", "Name", "Ａ２０８-７６５-４３２"),  # another name, the A-number in full width
])
def test_the_same_person_however_typed(db_url: str, family: str, given: str,
                                       a_number: str) -> None:
    two = Two(db_url)
    first = two.open("2026-04-06T09:00:00", a_number="A208765432")
    assert two.do(first, "2026-04-06T10:00:00", "record_arrest", **ARREST).accepted
    second = two.open("2026-04-06T11:00:00", family_name=family, given_name=given,
                      a_number=a_number)
    out = two.do(second, "2026-04-06T12:00:00", "record_arrest", **ARREST)
    assert [r.rule_id for r in out.refusals] == ["LIFECYCLE"] and first in out.refusals[0].reason
    assert check_store(two.app.ctx.engine) == []


def test_a_backdated_arrest_on_another_case_is_judged_at_its_own_time(db_url: str) -> None:
    """Released on the first case at 10:00, the person cannot be arrested on the second case
    in a command dated 09:30: then they were held on the first."""
    two = Two(db_url)
    first = two.open("2026-04-06T09:00:00")
    assert two.do(first, "2026-04-06T10:00:00", "record_arrest", **ARREST).accepted
    assert two.do(first, "2026-04-07T10:00:00", "release", kind="recognizance",
                  conditions="report monthly", reason="fixed address; no flight risk").accepted
    second = two.open("2026-04-07T09:00:00", family_name="O'BRIEN")
    out = two.do(second, "2026-04-07T09:30:00", "record_arrest", **ARREST)
    assert [r.rule_id for r in out.refusals] == ["LIFECYCLE"], out.refusals
    assert two.do(second, "2026-04-07T10:30:00", "record_arrest", **ARREST).accepted
    assert check_store(two.app.ctx.engine) == []


@pytest.mark.parametrize(("family", "given", "a_number"), [
    ("LNU", "FNU", ""), ("Unknown", "", ""), ("Doe", "John", ""),
    ("Ahmed", "Sara", "A999999999"), ("Ahmed", "Sara", "A000000000"),
    # ("-" as a name, "1" or "A0000001" as an A-number are refused when typed: domain/valid.py)
])
def test_what_a_clerk_writes_for_unknown_matches_no_one(db_url: str, family: str, given: str,
                                                        a_number: str) -> None:
    """Two different people recorded with "FNU/LNU", "Unknown" or a placeholder A-number and
    the same default birth date are not one person: the second arrest is not refused towards a
    stranger's case."""
    two = Two(db_url)
    first = two.open("2026-04-06T09:00:00", family_name=family, given_name=given,
                     a_number=a_number, birth_date="2000-01-01")
    assert two.do(first, "2026-04-06T10:00:00", "record_arrest", **ARREST).accepted
    other = {"family_name": family, "given_name": given, "birth_date": "2000-01-01",
             "a_number": a_number}
    if family == "Ahmed":  # another person, with the same placeholder A-number
        other["family_name"], other["given_name"] = "Okafor", "Chidi"
    second = two.open("2026-04-06T11:00:00", **other)
    assert two.do(second, "2026-04-06T12:00:00", "record_arrest", **ARREST).accepted
    assert check_store(two.app.ctx.engine) == []


def test_the_keys() -> None:
    born = datetime(1990, 1, 1).date()
    assert a_number_key("A 208-765-432") == a_number_key("a208765432") == "208765432"
    assert a_number_key("A012345678") == a_number_key("A12345678")
    assert a_number_key("A12345678") == "12345678"
    assert a_number_key("A999999999") == a_number_key("1") == a_number_key("") == ""
    nfd = unicodedata.normalize("NFD", "García-López")
    assert name_key(nfd, "Ana", born) == name_key("GARCIA LOPEZ", "ana", born) != ""
    assert name_key("LNU", "Ana", born) == name_key("Ana", "", born) == ""
    assert name_key("Ana", "Lopez", None) == ""
