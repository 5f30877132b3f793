"""Protection is the person's, not the case file's (PROT-CTRY; docs/law.md "Protection for the
life of the case"): withholding or CAT protection named in an order on one case bars removal
there on every other case of the same person. A second case opened for the person, its order
re-keyed without the protection, does not shed it.

The same person: the same A-number (its digits), or the same family name, given name and date of
birth (all recorded; compared with spacing and case ignored), as recorded when each case was
opened. Only histories checked together are compared: ``check_store`` compares every case of the
store; ``check_history`` the cases it is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...domain.events import Event
from .legal import REMOVAL_KINDS
from .reading import code, day, when
from .report import Violation


@dataclass
class CaseTrace:
    """What one case shows of its person: who they are, the countries its orders protect them
    from over time, and the removals scheduled or recorded on it."""

    case_id: str
    keys: frozenset[str] = frozenset()
    # (seq, at, country -> the order or finding that granted it), whenever it changes
    protections: list[tuple[int, datetime, dict[str, int]]] = field(default_factory=list)
    removals: list[Event] = field(default_factory=list)

    def note(self, e: Event, protected: dict[str, int]) -> None:
        if e.kind == "case_opened":
            self.keys = person_keys(e.data.get("person") or {})
        if e.kind in REMOVAL_KINDS:
            self.removals.append(e)
        if not self.protections or self.protections[-1][2] != protected:
            self.protections.append((e.seq, e.at, dict(protected)))

    def protected_at(self, t: datetime) -> dict[str, int]:
        """The countries this case's orders protected the person from at ``t``."""
        out: dict[str, int] = {}
        for _, at, protected in self.protections:
            if at <= t:
                out = protected
        return out


def _squash(value: Any) -> str:
    return " ".join(str(value).split()).casefold() if value is not None else ""


def person_keys(person: dict[str, Any]) -> frozenset[str]:
    keys = set()
    digits = "".join(c for c in str(person.get("a_number") or "") if c.isdigit()).lstrip("0")
    if digits:
        keys.add(f"A{digits}")
    family, given = _squash(person.get("family_name")), _squash(person.get("given_name"))
    born = day(person.get("birth_date"))
    if family and given and born is not None:
        keys.add(f"N{family}\x1f{given}\x1f{born.isoformat()}")
    return frozenset(keys)


def _groups(traces: list[CaseTrace]) -> list[list[CaseTrace]]:
    """Cases of the same person (a key shared, directly or through another case)."""
    parent = list(range(len(traces)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, tr in enumerate(traces):
        for k in tr.keys:
            if k in first:
                parent[root(i)] = root(first[k])
            else:
                first[k] = i
    out: dict[int, list[CaseTrace]] = {}
    for i, tr in enumerate(traces):
        out.setdefault(root(i), []).append(tr)
    return [g for g in out.values() if len(g) > 1]


def across_cases(traces: Iterable[CaseTrace]) -> list[Violation]:
    """A removal on one case to a country another case of the same person protects them from."""
    out: list[Violation] = []
    for group in _groups(list(traces)):
        for tr in group:
            for e in tr.removals:
                dest = code(e.data.get("destination"))
                what = ("removal was scheduled" if e.kind == "removal_scheduled"
                        else "the person was removed")
                for other in group:
                    if other is tr:
                        continue
                    seq = other.protected_at(e.at).get(dest)
                    if seq is not None:
                        out.append(Violation(
                            "PROT-CTRY", e.seq, tr.case_id,
                            f"{what} to {dest}, a country an order on the same person's case "
                            f"{other.case_id} (event {seq}) protects them from, in force at "
                            f"{when(e.at)}"))
    return out
