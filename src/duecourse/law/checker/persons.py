"""What binds the person, not the case file, compared across the same person's cases.

- PROT-CTRY (docs/law.md "Protection for the life of the case"): withholding or CAT protection
  named in an order on one case bars removal there on every other case of the same person. A
  second case opened for the person, its order re-keyed without the protection, does not shed it.
- REVOKE (8 CFR 241.4(l), 241.13(i)): a person released after a final order of removal on one
  case, the release not revoked, is not arrested, ordered detained (or held on bond) or placed
  on another case: the way back into custody is the revocation of that release, on its case.
  A release is in effect from the event that made it until the case's custody next changes
  (a revocation, an arrest, a removal).

The same person: the same A-number (its digits), or the same family name, given name and date of
birth (all recorded; compared with spacing and case ignored), as recorded when each case was
opened. Only histories checked together are compared: ``check_cases`` and ``check_history`` the
cases they are given (the app's ``check_store`` hands ``check_cases`` every case of the store).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...domain.events import Event
from .facts import Facts
from .legal import REMOVAL_KINDS
from .reading import code, day, text, when
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
    # releases after a final order: (the release, when it ended or None while in effect)
    releases: list[tuple[Event, datetime | None]] = field(default_factory=list)
    holds: list[Event] = field(default_factory=list)  # arrests, detentions, placements
    # the same, made while this case did not hold the person (a new hold, not a step in one)
    new_holds: list[Event] = field(default_factory=list)
    # spells in DHS custody on this case: [from, until), until None while it lasts
    spells: list[tuple[datetime, datetime | None]] = field(default_factory=list)

    def note(self, e: Event, f: Facts) -> None:
        """Take in ``e``, with ``f`` the case's facts once it is applied."""
        if e.kind == "case_opened":
            self.keys = person_keys(e.data.get("person") or {})
        if e.kind in REMOVAL_KINDS:
            self.removals.append(e)
        protected = f.protected
        if not self.protections or self.protections[-1][2] != protected:
            self.protections.append((e.seq, e.at, dict(protected)))
        decision = text(e.data, "decision")
        if e.kind in ("arrest_recorded", "placed") or (
                e.kind == "custody_determined" and decision in _HOLDING):
            self.holds.append(e)
            if not self.spells or self.spells[-1][1] is not None:
                self.new_holds.append(e)
        self._spell(e, f)
        in_effect = bool(self.releases) and self.releases[-1][1] is None
        if in_effect and not _order_still_stands(f, self.releases[-1][0]):
            # a motion to reopen granted: the person is before the court again
            self.releases[-1] = (self.releases[-1][0], e.at)
        elif f.custody != "released":
            if in_effect:
                self.releases[-1] = (self.releases[-1][0], e.at)
        elif not in_effect and (e.kind == "released" or (
                e.kind == "custody_determined" and decision not in _HOLDING)):
            o = f.order
            if o is not None and o.is_removal and o.is_final(e.at):
                self.releases.append((e, None))

    def _spell(self, e: Event, f: Facts) -> None:
        held = f.custody in _HELD
        open_ = bool(self.spells) and self.spells[-1][1] is None
        if held and not open_:
            self.spells.append((e.at, None))
        elif open_ and not held:
            self.spells[-1] = (self.spells[-1][0], e.at)

    def held_at(self, t: datetime) -> datetime | None:
        """When the spell in custody that covers ``t`` began, if one does."""
        return next((a for a, b in self.spells if a <= t and (b is None or t < b)), None)

    def protected_at(self, t: datetime) -> dict[str, int]:
        """The countries this case's orders protected the person from at ``t``."""
        out: dict[str, int] = {}
        for _, at, protected in self.protections:
            if at <= t:
                out = protected
        return out


def _order_still_stands(f: Facts, release: Event) -> bool:
    """The final removal order a release followed still stands (not rescinded since)."""
    o = f.order
    final = o.final_at() if o is not None and o.is_removal else None
    return final is not None and final <= release.at


_HOLDING = ("detain", "bond")  # custody decisions that hold the person
_HELD = ("arrested", "detained")  # custody that is DHS's
_HELD_AS = {"arrest_recorded": "arrested", "custody_determined": "ordered held",
            "placed": "placed in a facility"}


# Names a clerk writes when the name is not known (FNU/LNU: first/last name unknown).
_NO_NAME = frozenset({"fnu", "lnu", "mnu", "unknown", "unk", "na", "n a", "none", "x", "xx",
                      "xxx", "doe", "john doe", "jane doe", "no name", "noname"})
_QUOTES = frozenset("'`\u00b4\u02b9\u02bb\u02bc\u2018\u2019\u201b\u2032")


def _squash(value: Any) -> str:
    """A name as the same person is recognised by it: decomposed (NFKD), without accents,
    invisible characters or apostrophes, other punctuation as spaces, case-folded."""
    if value is None:
        return ""
    out = []
    for ch in unicodedata.normalize("NFKD", str(value)):
        if unicodedata.category(ch) in ("Mn", "Cf") or ch in _QUOTES:
            continue
        out.append(ch if ch.isalnum() else " ")
    return " ".join("".join(out).casefold().split())


def _a_number(value: Any) -> str:
    """The A-number's digits, any script, without leading zeros; "" unless 8 or 9 digits and not
    one digit repeated (what a clerk types for an unknown number)."""
    found = [unicodedata.digit(ch, -1) for ch in str(value or "")]
    digits = "".join(str(d) for d in found if d >= 0)
    return digits.lstrip("0") if len(digits) in (8, 9) and len(set(digits)) > 1 else ""


def person_keys(person: dict[str, Any]) -> frozenset[str]:
    keys = set()
    digits = _a_number(person.get("a_number"))
    if digits:
        keys.add(f"A{digits}")
    family, given = _squash(person.get("family_name")), _squash(person.get("given_name"))
    born = day(person.get("birth_date"))
    if family and given and family not in _NO_NAME and given not in _NO_NAME \
            and born is not None:
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
    """A removal on one case to a country another case of the same person protects them from;
    a return to custody on one case while a post-order release on another is in effect."""
    out: list[Violation] = []
    for group in _groups(list(traces)):
        out.extend(_held_after_release(group))
        out.extend(_held_twice(group))
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


def _held_twice(group: list[CaseTrace]) -> list[Violation]:
    """LIFECYCLE across cases: a new hold (arrest, decision to hold, placement) on one case
    while the same person is held on another: one person is in custody once, and a second case
    would start their hold-room and Flores clocks again."""
    out: list[Violation] = []
    for tr in group:
        for e in tr.new_holds:
            for other in group:
                began = other.held_at(e.at) if other is not tr else None
                if began is None:
                    continue
                out.append(Violation(
                    "LIFECYCLE", e.seq, tr.case_id,
                    f"the person was {_HELD_AS[e.kind]} at {when(e.at)} while held since "
                    f"{when(began)} on the same person's case {other.case_id}: one person is in "
                    "custody once, recorded on the case that holds them"))
                break
    return out


def _held_after_release(group: list[CaseTrace]) -> list[Violation]:
    """REVOKE across cases: the first arrest, decision to hold or placement on one case while a
    release after a final order on another case of the same person is in effect."""
    out: list[Violation] = []
    for tr in group:
        for other in group:
            if other is tr:
                continue
            for r, ended in other.releases:
                e = next((h for h in tr.holds
                          if r.at <= h.at and (ended is None or h.at < ended)), None)
                if e is None:
                    continue
                out.append(Violation(
                    "REVOKE", e.seq, tr.case_id,
                    f"the person was {_HELD_AS[e.kind]} at {when(e.at)} while released after a "
                    f"final order on the same person's case {other.case_id} (event {r.seq}, "
                    f"{when(r.at)}), a release not revoked: the return to custody is a "
                    "revocation of that release, on its case (8 CFR 241.4(l), 241.13(i))"))
    return out
