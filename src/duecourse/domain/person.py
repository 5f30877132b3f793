"""A person enters duecourse only through a documented lawful event (DESIGN.md)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from .codes import Country, Language


@dataclass(frozen=True)
class PersonData:
    """What the recording officer knows of a person at the encounter."""

    family_name: str
    given_name: str
    birth_date: date | None = None
    nationalities: tuple[Country, ...] = ()
    languages: tuple[Language, ...] = ()
    sex: str = ""
    a_number: str = ""

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


def a_number_key(a_number: str) -> str:
    """The A-number as the same person's other records are matched on it: its digits without
    leading zeros ("A 208-765-432", "a208765432" and "0208765432" are one number); "" if it has
    no digits."""
    return "".join(c for c in a_number if c.isdigit()).lstrip("0")


def name_key(family_name: str, given_name: str, birth_date: date | None) -> str:
    """Names and birth date as the same person's other records are matched on them: spacing and
    letter case (Unicode NFKC, case-folded) do not count; "" unless all three are known."""
    family, given = _fold(family_name), _fold(given_name)
    if not family or not given or birth_date is None:
        return ""
    return f"{family}|{given}|{birth_date.isoformat()}"


def _fold(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())
