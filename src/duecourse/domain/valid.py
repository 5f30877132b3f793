"""What a valid value of a person's details is: one set of rules for the API, the pages, the CLI,
the scenario files and the importers (issue 16).

Each function takes what was typed and returns the value as it is stored, or raises
``ValueError`` with the reason in plain words; the caller names the field (a command's path, an
import's row and column). None of them knows where the value came from.

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

# Control (Cc), format (Cf: zero-width and bidirectional marks), surrogates and private use,
# and the line and paragraph separators.
_FORBIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_A_NUMBER = re.compile(r"A?(\d{8,9})")


def _described(c: str) -> str:
    return unicodedata.name(c, f"U+{ord(c):04X}").lower()


def name(text: str) -> str:
    """A name as stored: ``text`` with its outer spaces removed ("" when none was given)."""
    value = text.strip()
    if not value:
        return ""
    for c in value:
        if unicodedata.category(c) in _FORBIDDEN:
            raise ValueError(f"holds an invisible or control character (U+{ord(c):04X}, "
                             f"{_described(c)}); type the name as written, without it")
    if not any(unicodedata.category(c).startswith("L") for c in value):
        raise ValueError(f"'{value[:60]}' holds no letter; a name is written in letters")
    if len(value) > NAME_LIMIT:
        raise ValueError(f"is {len(value)} characters long; at most {NAME_LIMIT}")
    return value


def latest_birth(now: datetime | None = None) -> date:
    """The latest day anyone can have been born on at ``now``: today at UTC+14."""
    return ((now or datetime.now(UTC)).astimezone(UTC) + timedelta(hours=14)).date()


def birth_date(day: date, now: datetime | None = None) -> date:
    """A birth date that can be one: from 1880 to today (at UTC+14, as of ``now``)."""
    if day < EARLIEST_BIRTH:
        raise ValueError(f"{day.isoformat()} is before 1880; no one living was born then")
    latest = latest_birth(now)
    if day > latest:
        raise ValueError(f"{day.isoformat()} is in the future (today is {latest.isoformat()} at "
                         "the latest anywhere)")
    return day


def a_number(text: str) -> str:
    """The A-number as stored: "A" and its 8 or 9 digits ("a 208-765-432" is A208765432);
    "" when none was given."""
    value = unicodedata.normalize("NFKC", text).strip().upper()
    if not value:
        return ""
    m = _A_NUMBER.fullmatch(value.replace(" ", "").replace("-", ""))
    if m is None or not m.group(1).isascii():
        raise ValueError(f"'{text.strip()[:40]}' is not an A-number (the letter A and 8 or 9 "
                         "digits, e.g. A208765432)")
    return "A" + m.group(1)


def sex(text: str) -> str:
    """M, F or X in capitals; "" when none was given."""
    value = text.strip().upper()
    if value and value not in SEXES:
        raise ValueError(f"'{text.strip()[:20]}' is not one of M, F, X (X as on a U.S. "
                         "passport); leave it empty when it is not known")
    return value


def country(text: str) -> str:
    """The ISO 3166-1 alpha-2 code (the law's country type)."""
    return reference.country(text)


def language(text: str) -> str:
    """The ISO 639 code (the law's language type)."""
    return reference.language(text)
