"""A refusal's reasons as the ledger keeps them: without the person's data (issue 16).

The person who gave a command reads the refusal in full ("Ana Example turned 18 ... (birth date
2008-04-02)"); the ledger, which holds no personal data (docs/ledger.md), keeps the same sentence
with the names, the birth date and the A-number of the case's person replaced by what they are
("[given name] [family name] turned 18 ... (birth date [birth date])"). The case's events, where
personal data belongs, still say who it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import date
from typing import Any

_FIELDS = (("given_name", "[given name]"), ("family_name", "[family name]"))


def _person_dict(person: Any) -> Mapping[str, Any]:
    if is_dataclass(person) and not isinstance(person, type):
        return asdict(person)
    return person if isinstance(person, Mapping) else {}


_SEP = r"[\s./-]*"  # what people put between the parts of a number or a date


def _patterns(person: Any) -> list[tuple[re.Pattern[str], str]]:
    """What to replace: each part of each name (a whole word in any letter case; a name written
    in a script without spaces, such as 王 or 小明, wherever it stands), the birth date however it
    is written (2008-04-02, 04/02/2008, 2.4.2008, 20080402 …), and the A-number's digits however
    they are grouped or padded (A012345678, 12.345.678)."""
    p = _person_dict(person)
    out: list[tuple[re.Pattern[str], str]] = []
    born = p.get("birth_date")
    if isinstance(born, str):
        try:
            born = date.fromisoformat(born.strip())
        except ValueError:
            born = None
    if isinstance(born, date):
        out.append((_date_pattern(born), "[birth date]"))
    digits = re.sub(r"\D", "", str(p.get("a_number") or "")).lstrip("0")
    if digits:
        out.append((re.compile(r"(?<!\d)(A" + _SEP + r")?(0" + _SEP + r")*"
                               + _SEP.join(digits) + r"(?!\d)", re.IGNORECASE), "[A-number]"))
    for field, label in _FIELDS:
        for name in str(p.get(field) or "").split():
            word = re.escape(name)
            pattern = rf"(?<!\w){word}(?!\w)" if name.isascii() else word
            out.append((re.compile(pattern, re.IGNORECASE), label))
    return out


def _date_pattern(day: date) -> re.Pattern[str]:
    y, m, d = str(day.year), f"0?{day.month}", f"0?{day.day}"
    forms = [y + _SEP + m + _SEP + d, m + _SEP + d + _SEP + y, d + _SEP + m + _SEP + y]
    return re.compile(r"(?<!\d)(" + "|".join(forms) + r")(?!\d)")


def redact(value: Any, person: Any) -> Any:
    """``value`` (text, or lists and dicts of text) with ``person``'s names, birth date and
    A-number replaced by their labels; anything else as it is."""
    patterns = _patterns(person)
    return _apply(value, patterns) if patterns else value


def _apply(value: Any, patterns: list[tuple[re.Pattern[str], str]]) -> Any:
    if isinstance(value, str):
        for pattern, label in patterns:
            value = pattern.sub(label, value)
        return value
    if isinstance(value, list):
        return [_apply(v, patterns) for v in value]
    if isinstance(value, dict):
        return {k: _apply(v, patterns) for k, v in value.items()}
    return value
