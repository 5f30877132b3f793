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
    """The A-number as the same person's other records are matched on it: its digits (any
    script's) without leading zeros ("A 208-765-432" and "a208765432" are one number, and
    "A012345678" is "A12345678"); "" for what is no A-number: not 8 or 9 digits, or one digit
    repeated ("A999999999", "A000000000": what a clerk types for "unknown")."""
    digits = "".join(str(unicodedata.digit(c)) for c in a_number if unicodedata.digit(c, None)
                     is not None)
    if len(digits) not in (8, 9) or len(set(digits)) == 1:
        return ""
    return digits.lstrip("0")


# What a clerk writes for a name not known (ICE's FNU/LNU: first/last name unknown).
UNKNOWN_NAMES = frozenset({"fnu", "lnu", "mnu", "unknown", "unk", "na", "n a", "none", "x",
                           "xx", "xxx", "doe", "john doe", "jane doe", "no name", "noname"})


def name_key(family_name: str, given_name: str, birth_date: date | None) -> str:
    """Names and birth date as the same person's other records are matched on them: letter
    case, spacing, accents, Unicode form, invisible characters, apostrophes and hyphens do not
    count ("O'Brien" and "O’BRIEN", "García-López" and "GARCIA LOPEZ"); "" unless both names
    are known (not blank, not "FNU"/"Unknown") and the birth date is given."""
    family, given = _fold(family_name), _fold(given_name)
    if not family or not given or family in UNKNOWN_NAMES or given in UNKNOWN_NAMES \
            or birth_date is None:
        return ""
    return f"{family}|{given}|{birth_date.isoformat()}"


_APOSTROPHES = "'`\u00b4\u02b9\u02bb\u02bc\u2018\u2019\u201b\u2032"


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    kept = []
    for c in text:
        cat = unicodedata.category(c)
        if cat in ("Mn", "Cf") or c in _APOSTROPHES:
            continue  # accents, invisible characters, apostrophes of any kind
        kept.append(c if c.isalnum() else " ")  # hyphens, dots, commas: a space
    return " ".join("".join(kept).casefold().split())
