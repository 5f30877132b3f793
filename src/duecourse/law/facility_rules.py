"""Which facility may hold a person: the one rule set of the planner and of the human ``place``
and ``transfer`` (LAW.md B3 HOLD-12, B5 SEP, CLS-2, CAP, XFER).

The placement planner (``placement/rules.py``) asks these predicates of every candidate facility;
the guards (``law/guards/facilities.py``) ask them of the one facility a detention officer names.
Nothing here reads the store: the handler resolves the named facility in the facility catalogue
and counts the people detained there (``FacilityFacts``), and passes that to the guards.

Pure Python, standard library only. A facility is anything with the attributes of
``placement.problem.Facility`` (``FacilityLike``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

# Kinds of facility that hold adults (the planner's ``adult`` person kind).
ADULT_KINDS = frozenset({"adult", "staging", "hold_room", "hospital"})
# Kinds a ``place``/``transfer`` may name that the detention catalogue does not list: a field
# office's hold room and a community hospital are where they are; they are named as given.
UNCATALOGUED_KINDS = frozenset({"hold_room", "hospital"})
# Which medical capability can treat which need.
CAN_TREAT: Mapping[str, frozenset[str]] = {
    "none": frozenset({"none", "onsite", "hospital"}),
    "onsite": frozenset({"onsite", "hospital"}),
    "hospital": frozenset({"hospital"}),
}
LOW_LEVELS = frozenset({"A", "B"})
KIND_WORDS = {"adult": "an adult detention facility", "staging": "a staging facility",
              "hold_room": "a hold room", "hospital": "a hospital", "family": "a family facility",
              "juvenile": "a juvenile facility", "orr": "an ORR shelter"}


class FacilityLike(Protocol):
    """What the rules read of a facility (``placement.problem.Facility`` has it)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def capacity(self) -> int: ...
    @property
    def units(self) -> Mapping[str, int]: ...
    @property
    def over_72h(self) -> bool: ...
    @property
    def medical(self) -> str: ...
    @property
    def aor(self) -> str: ...


# --- the predicates (the planner's and the guards') -------------------------------------------


def unit_of(sex: str, level: str, family: bool = False) -> str:
    """The housing unit a person may be placed in: ``family``, or sex and band (A/B low, C/D
    high); the sex is ``?`` when it is not recorded."""
    if family:
        return "family"
    band = "low" if level in LOW_LEVELS else "high"
    return f"{sex if sex in ('M', 'F') else '?'}-{band}"


def unit_beds(f: FacilityLike, unit: str) -> int:
    """Beds of ``unit``; for a person whose sex is not recorded (``?-low``), the beds of that
    band for either sex."""
    if unit.startswith("?-"):
        band = unit[2:]
        return sum(int(f.units.get(f"{s}-{band}", 0)) for s in ("M", "F"))
    return int(f.units.get(unit, 0))


def kind_allows(person_kind: str, adult: bool, facility_kind: str) -> bool:
    """SEP: a family only in a family facility; anyone else only in an adult kind, and then only
    an adult (children are never placed with unrelated adults)."""
    if person_kind == "family":
        return facility_kind == "family"
    return facility_kind in ADULT_KINDS and adult


def medical_allows(need: str, capability: str) -> bool:
    return capability in CAN_TREAT.get(need, frozenset())


def hold_room_allows(facility_kind: str, expected_hours: float, hold_limit_hours: float) -> bool:
    """HOLD-12: a hold room only for a stay within the hold-room limit."""
    return facility_kind != "hold_room" or expected_hours <= hold_limit_hours


def over_72h_allows(authorised: bool, expected_hours: float, cap_hours: float = 72) -> bool:
    """CAP: only a facility authorised for it holds a person longer than 72 hours."""
    return authorised or expected_hours <= cap_hours


def needs_hearing_reason(current: str, target: str, hearing_soon: bool,
                         current_closed: bool) -> bool:
    """XFER: a move to another facility while a hearing is near needs a recorded reason (a
    supervisor's, for a person's transfer), unless the person's facility is closing."""
    return bool(current) and target != current and hearing_soon and not current_closed


# --- names --------------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """A facility's name compared without regard to letter case, spacing or punctuation."""
    return " ".join(re.findall(r"[0-9a-z]+", name.casefold()))


def resolve(catalogue: Sequence[FacilityLike], text: str) -> FacilityLike | None:
    """The facility a person names: its code (any case, trimmed), or its exact name compared
    without regard to letter case and spacing (only when one facility bears it)."""
    key = text.strip()
    if not key:
        return None
    for f in catalogue:
        if f.code.strip().upper() == key.upper():
            return f
    named = [f for f in catalogue if name_key(f.name) == name_key(key)]
    return named[0] if len(named) == 1 else None


# --- what the store knows, passed to the guards ---------------------------------------------------


@dataclass(frozen=True)
class FacilityFacts:
    """What the handler found in the store for a ``place`` or ``transfer``: the named facility
    in the catalogue (None if it is not there), how many people are detained there now (other
    than this person), the facility the person is in now (if catalogued), the attorneys of
    record of the person (actor ids), and, when the name is that of several facilities of the
    catalogue (so none was resolved), their codes."""

    named: str
    facility: FacilityLike | None
    occupancy: int = 0
    current: FacilityLike | None = None
    attorneys: tuple[str, ...] = ()
    matches: tuple[str, ...] = ()


# --- the person's facts ---------------------------------------------------------------------------


def adult_at(person: Mapping[str, Any], at: datetime) -> bool | None:
    """Whether the person is 18 at ``at`` by their recorded birth date (None if not recorded).
    Near midnight the protective reading: a person is a child until their 18th birthday has
    begun everywhere, i.e. until 00:00 of that day at UTC-12 (12:00 UTC)."""
    raw = person.get("birth_date") if person else None
    if not raw:
        return None
    born = raw if isinstance(raw, date) else date.fromisoformat(str(raw)[:10])
    year, month, day = born.year + 18, born.month, born.day
    if (month, day) == (2, 29):  # a leap-day birthday: the 18th birthday is 1 March
        try:
            eighteen = date(year, 2, 29)
        except ValueError:
            eighteen = date(year, 3, 1)
    else:
        eighteen = date(year, month, day)
    begins = datetime.combine(eighteen, time(0, 0), tzinfo=UTC) + timedelta(hours=12)
    return at >= begins


def sex_of(person: Mapping[str, Any]) -> str:
    """``M`` or ``F`` as recorded (``male``, ``f`` … are read), or "" if not recorded."""
    raw = str((person or {}).get("sex") or "").strip().upper()
    return raw[:1] if raw[:1] in ("M", "F") else ""
