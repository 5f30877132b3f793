"""Detention placement as data: facilities, the people who need a bed, and a plan.

Pure Python, standard library only. Nothing here knows a facility by name: a facility is its
attributes (kind, housing units, authorisation, medical capability, location). The solver adapter
(``solver.py``), the naive reference solver (``greedy.py``) and the independent plan checker
(``checker.py``) all speak these types.

Housing units: a facility's beds are split into units, and a unit houses one kind of person only:
``M-low``/``F-low`` (classification A or B), ``M-high``/``F-high`` (C or D), ``family`` (family
units, in family facilities only). Low and high classifications are therefore never housed
together (CLS-2), men and women never share a unit (SEP).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Sex = Literal["M", "F"]
Level = Literal["A", "B", "C", "D"]
FacilityKind = Literal["adult", "family", "juvenile", "hold_room", "hospital", "staging"]
Medical = Literal["none", "onsite", "hospital"]
PersonKind = Literal["adult", "family", "uac"]
UNITS: tuple[str, ...] = ("M-low", "M-high", "F-low", "F-high", "family")
LOW_LEVELS = frozenset({"A", "B"})


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float

    def km_to(self, other: Location) -> float:
        """Great-circle distance (haversine, mean Earth radius 6,371 km)."""
        p1, p2 = math.radians(self.lat), math.radians(other.lat)
        dp, dl = p2 - p1, math.radians(other.lon - self.lon)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Facility:
    """One facility as the planner sees it. ``units`` gives beds per housing unit (see UNITS);
    ``capacity`` bounds the whole facility. ``capacity_basis`` says where the number came from
    (published rated capacity, guaranteed minimum, or a documented proxy)."""

    code: str
    name: str
    kind: FacilityKind
    capacity: int
    units: Mapping[str, int]
    over_72h: bool
    medical: Medical
    location: Location | None
    aor: str = ""
    standard: str = ""
    capacity_basis: str = ""

    def beds(self, unit: str) -> int:
        return int(self.units.get(unit, 0))


@dataclass(frozen=True)
class Detainee:
    """A person who needs a bed (a book-in, a transfer, or a resident of a standing population).

    ``expected_hours`` is how long the bed is needed; ``current`` is the facility the person is in
    now ("" for a book-in); ``hearing_within_72h`` marks a scheduled hearing close enough that a
    transfer needs a recorded reason (XFER), given in ``transfer_reason``."""

    id: str
    sex: Sex
    level: Level
    age: int
    kind: PersonKind = "adult"
    family_id: str = ""
    medical: Medical = "none"
    expected_hours: int = 24 * 30
    court: Location | None = None
    attorney: Location | None = None
    relatives: Location | None = None
    current: str = ""
    hearing_within_72h: bool = False
    transfer_reason: str = ""

    @property
    def unit(self) -> str:
        """The housing unit this person may be placed in."""
        if self.kind == "family":
            return "family"
        return f"{self.sex}-{'low' if self.level in LOW_LEVELS else 'high'}"


@dataclass(frozen=True)
class Weights:
    """Cost per kilometre of distance, per transfer, and per person above the balance bands.
    Integers: the solver works in whole units. A transfer costs as much as 10,000 km of distance
    to court, so nobody is moved to shorten a trip: only when their facility closes or is full
    (transfers disrupt counsel, family visits and medical care; ICE Dir. 11022.1)."""

    court_km: int = 10
    attorney_km: int = 6
    relatives_km: int = 3
    transfer: int = 100_000
    hearing_transfer: int = 200_000
    over_85_percent: int = 400
    over_95_percent: int = 1_500


@dataclass(frozen=True)
class Problem:
    """A day's placement problem. ``occupied`` beds (people not being re-planned) are taken out
    of each facility's units before planning. ``closed`` facilities take no one."""

    day: date
    facilities: tuple[Facility, ...]
    detainees: tuple[Detainee, ...]
    occupied: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    closed: frozenset[str] = frozenset()
    hold_limit_hours: int = 12
    weights: Weights = Weights()

    def facility(self, code: str) -> Facility:
        for f in self.facilities:
            if f.code == code:
                return f
        raise KeyError(code)

    def free_beds(self, f: Facility, unit: str) -> int:
        if f.code in self.closed:
            return 0
        return max(0, f.beds(unit) - int(self.occupied.get(f.code, {}).get(unit, 0)))

    def free_capacity(self, f: Facility) -> int:
        if f.code in self.closed:
            return 0
        return max(0, f.capacity - sum(int(v) for v in self.occupied.get(f.code, {}).values()))


@dataclass(frozen=True)
class Unserved:
    """People the plan could not place, and the constraint that stopped it (LAW.md id)."""

    rule: str
    constraint: str
    detainee_ids: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Explanation:
    """Why a person was placed where they were: the constraints that bound the choice and the
    cost terms (in the solver's units) that the placement paid."""

    binding: tuple[str, ...]
    terms: Mapping[str, float]


@dataclass
class Plan:
    """A placement plan: advice to the detention officer who approves it, never a decision."""

    solver: str
    assignments: dict[str, str]
    explanations: dict[str, Explanation] = field(default_factory=dict)
    referrals: dict[str, str] = field(default_factory=dict)  # person -> "ORR" (UAC-72)
    unserved: list[Unserved] = field(default_factory=list)
    cost: int = 0
    bound: int = 0
    status: str = "unknown"  # optimal | feasible | infeasible (everyone placed is still lawful)
    seconds: float = 0.0

    @property
    def gap(self) -> float:
        """Relative distance from the proven lower bound (0.0 = proven optimal)."""
        if self.cost <= 0:
            return 0.0
        return max(0.0, (self.cost - self.bound) / self.cost)
