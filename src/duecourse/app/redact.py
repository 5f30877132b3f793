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


def _patterns(person: Any) -> list[tuple[re.Pattern[str], str]]:
    """What to replace: each name (a whole word or words, any letter case), the birth date as
    written in ISO form, and the A-number's digits however they are grouped."""
    p = _person_dict(person)
    out: list[tuple[re.Pattern[str], str]] = []
    born = p.get("birth_date")
    if isinstance(born, date):
        born = born.isoformat()
    if isinstance(born, str) and born.strip():
        out.append((re.compile(re.escape(born.strip())), "[birth date]"))
    digits = re.sub(r"\D", "", str(p.get("a_number") or ""))
    if digits:
        out.append((re.compile(r"(?<!\d)A?[- ]?" + r"[- ]?".join(digits) + r"(?!\d)",
                               re.IGNORECASE), "[A-number]"))
    for field, label in _FIELDS:
        for name in str(p.get(field) or "").split():
            if len(name) >= 2:
                out.append((re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE),
                            label))
    return out


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
