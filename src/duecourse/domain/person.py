"""A person enters duecourse only through a documented lawful event (DESIGN.md)."""

from __future__ import annotations

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
