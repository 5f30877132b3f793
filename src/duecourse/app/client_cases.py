"""An attorney's clients as the administrator gives them: by case number (C-…, as the case pages
show it), never by name. A client is a person (``Actor.clients`` holds person ids, which the
access checks and the guards compare); a case number names its person, and the attorney then
reads that person's cases, as the law lets an attorney of record (app/access.py). The
administrator sees the case numbers of each client's cases, never a name.

Numbers are read as a clerk types them: any letter case, spaces around the hyphen, separated by
commas, semicolons, spaces or lines. A number that is no case's is refused, naming it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Connection, select

from ..domain.errors import InvalidInput
from ..store.tables import cases

_SEPARATORS = re.compile(r"[\s,;]+")
_AROUND_HYPHEN = re.compile(r"\s*-\s*")
MAX_CASE_NUMBER = 40  # cases.id


def split_case_numbers(text: str) -> tuple[str, ...]:
    """The case numbers typed in one box: "c-7k3 , C - 9Z1" is ("C-7K3", "C-9Z1")."""
    return tuple(n for n in _SEPARATORS.split(_AROUND_HYPHEN.sub("-", text.upper())) if n)


def case_number(typed: str) -> str:
    """One case number as typed (an item of the API's list): spaces gone, capitals."""
    return re.sub(r"\s+", "", typed).upper()


def client_persons(conn: Connection, numbers: Iterable[str], record: str) -> tuple[str, ...]:
    """The people whose cases ``numbers`` are, each once, in the order given; InvalidInput
    naming the first number that is no case's (``clients[i]``)."""
    wanted = [case_number(n) for n in numbers]
    storable = {n for n in wanted if len(n) <= MAX_CASE_NUMBER and "\x00" not in n}
    found = {r.id: r.person_id for r in conn.execute(
        select(cases.c.id, cases.c.person_id).where(cases.c.id.in_(storable)))}
    persons: list[str] = []
    for i, number in enumerate(wanted):
        if number not in found:
            raise InvalidInput(f"clients[{i}]", f"no case has the number {number}; give each "
                                                "case number as its case page shows it (C-…)",
                               record=record)
        if found[number] not in persons:
            persons.append(found[number])
    return tuple(persons)


def client_cases(conn: Connection, persons: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The case numbers of each of ``persons`` (a person may have several cases)."""
    out: dict[str, list[str]] = {p: [] for p in persons}
    if out:
        for r in conn.execute(select(cases.c.person_id, cases.c.id)
                              .where(cases.c.person_id.in_(list(out)))
                              .order_by(cases.c.opened_at, cases.c.id)):
            out[r.person_id].append(r.id)
    return {p: tuple(c) for p, c in out.items()}


def numbers_of(by_person: dict[str, tuple[str, ...]], persons: Iterable[str]) -> tuple[str, ...]:
    """The case numbers of ``persons``, in the order of the persons."""
    return tuple(c for p in persons for c in by_person.get(p, ()))
