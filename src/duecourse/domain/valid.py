"""What a valid value of a person's details is: one set of rules for the API, the pages, the CLI,
the scenario files and the importers (issue 16).

Each function takes what was typed and returns the value as it is stored, or raises
``ValueError`` with the reason in a few plain words ("in the future", "holds no letter"); the
caller names the field and the value (a command's path, an import's row, record and column).
None of them knows where the value came from.

- A name holds at least one letter and no control or format character (a zero-width space, a
  bidirectional mark, a NUL, a line break): such characters make two records of one name look
  different, or one name look like another, on a screen.
- A birth date is a day of the calendar neither before 1880 nor after today anywhere on Earth
  (UTC+14: no one's birth date is later than that).
- An A-number is the letter A and 8 or 9 digits (spaces and hyphens as printed on documents
  are dropped; the A may be left out).
- Sex is M, F or X (X as on a U.S. passport).
- Countries and languages are the law's code types (``duecourse.reference``: ISO 3166-1 and
  ISO 639 codes, or the name of exactly one).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

from .. import reference

__all__ = ["EARLIEST_BIRTH", "NAME_LIMIT", "SEXES", "a_number", "birth_date", "country",
           "language", "latest_birth", "name", "sex"]

NAME_LIMIT = 200
EARLIEST_BIRTH = date(1880, 1, 1)
SEXES = ("M", "F", "X")

# Control (Cc), format (Cf: zero-width and bidirectional marks), surrogates, private use and
# unassigned code points, and the line and paragraph separators.
_FORBIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Characters that show as nothing though Unicode files them as letters or symbols: the Hangul
# fillers and the blank Braille pattern (a name of them looks blank, or like another name).
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_A_NUMBER = re.compile(r"A?(\d{8,9})")


def name(text: str) -> str:
    """A name as stored: ``text`` with its outer spaces removed ("" when none was given)."""
    value = text.strip()
    if not value:
        return ""
    for c in value:
        if unicodedata.category(c) in _FORBIDDEN or c in _BLANK:
            raise ValueError(f"holds a control or format character, U+{ord(c):04X}")
    if not any(unicodedata.category(c).startswith("L") for c in value):
        raise ValueError("holds no letter")
    if len(value) > NAME_LIMIT:
        raise ValueError(f"longer than {NAME_LIMIT} characters")
    return value


def latest_birth(now: datetime | None = None) -> date:
    """The latest day anyone can have been born on at ``now``: today at UTC+14."""
    return ((now or datetime.now(UTC)).astimezone(UTC) + timedelta(hours=14)).date()


def birth_date(day: date, now: datetime | None = None, *, latest: date | None = None) -> date:
    """A birth date that can be one: from 1880 to today (at UTC+14, as of ``now``; or to
    ``latest``, that day already worked out by the caller)."""
    if day < EARLIEST_BIRTH:
        raise ValueError(f"before {EARLIEST_BIRTH.year}")
    latest = latest or latest_birth(now)
    if day > latest:
        raise ValueError("in the future")
    return day


def a_number(text: str) -> str:
    """The A-number as stored: "A" and its 8 or 9 digits ("a 208-765-432" is A208765432);
    "" when none was given."""
    value = unicodedata.normalize("NFKC", text).strip().upper()
    if not value:
        return ""
    m = _A_NUMBER.fullmatch(value.replace(" ", "").replace("-", ""))
    if m is None or not m.group(1).isascii():
        raise ValueError("not an A-number: the letter A and 8 or 9 digits")
    return "A" + m.group(1)


def sex(text: str) -> str:
    """M, F or X in capitals; "" when none was given."""
    value = text.strip().upper()
    if value and value not in SEXES:
        raise ValueError("not one of M, F, X")
    return value


def country(text: str) -> str:
    """The ISO 3166-1 alpha-2 code (the law's country type)."""
    return reference.country(text)


def language(text: str) -> str:
    """The ISO 639 code (the law's language type)."""
    return reference.language(text)
