"""The placement objective, shared by every solver so their plans are costed alike.

A person's cost at a facility is the sum of whole-unit terms: kilometres to their court, their
attorney of record and their relatives, each times its weight; a transfer if they are moved; a
larger one if the move is near a hearing. Each facility adds a convex utilisation penalty per
person above 85 % and above 95 % of its capacity, which spreads load (balanced utilisation).
A facility without a known location is costed as ``UNKNOWN_KM`` away from everything, so it is
used only when nothing located will do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .problem import Detainee, Facility, Location, Plan, Problem, Weights

UNKNOWN_KM = 2_000.0
_R = 6371.0


def km_matrix(points: Sequence[Location | None], facilities: Sequence[Facility]
              ) -> NDArray[np.float64]:
    """Great-circle kilometres from each point to each facility; a row of zeros for a missing
    point (no court, attorney or relatives known: the term costs nothing)."""
    out = np.zeros((len(points), len(facilities)))
    flat = np.array([[f.location.lat, f.location.lon] if f.location else [np.nan, np.nan]
                     for f in facilities], dtype=float).reshape(-1, 2)
    known = [i for i, p in enumerate(points) if p is not None]
    if not known or not facilities:
        return out
    here = [q for q in points if q is not None]
    pts = np.radians(np.array([[q.lat, q.lon] for q in here], dtype=float))
    fac = np.radians(flat)
    dlat = fac[None, :, 0] - pts[:, None, 0]
    dlon = fac[None, :, 1] - pts[:, None, 1]
    h = np.sin(dlat / 2) ** 2 + np.cos(pts[:, None, 0]) * np.cos(fac[None, :, 0]) * np.sin(dlon / 2) ** 2
    km = 2 * _R * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    out[known] = np.where(np.isnan(km), UNKNOWN_KM, km)
    return out


def person_terms(p: Problem, d: Detainee, f: Facility) -> dict[str, int]:
    """The cost terms one person pays at one facility (whole units, as the solver sees them)."""
    return {k: int(v) for k, v in Terms(p, [d], [f]).pairs(0, 0).items()}

def load_breaks(capacity: int) -> tuple[int, int]:
    """The loads above which each further person costs the 85 % and the 95 % penalty."""
    return (85 * capacity) // 100, (95 * capacity) // 100


def load_penalty(w: Weights, capacity: int, load: int) -> int:
    b85, b95 = load_breaks(capacity)
    return (w.over_85_percent * max(0, min(load, b95) - b85)
            + w.over_95_percent * max(0, load - b95))


def loads(p: Problem, assignments: Mapping[str, str]) -> dict[str, int]:
    """People in each facility: those already there (``occupied``) and those the plan places."""
    out = {f.code: sum(int(v) for v in p.occupied.get(f.code, {}).values()) for f in p.facilities}
    for code in assignments.values():
        out[code] = out.get(code, 0) + 1
    return out


class LocationIndex:
    """Distinct locations numbered, with their distances to every facility (one matrix for all
    people: 70,000 people share a few thousand distinct places). Index ``none`` is a row of
    zeros, for a location that is not known."""

    def __init__(self, facilities: Sequence[Facility]) -> None:
        self.facilities = facilities
        self._ids: dict[Location, int] = {}
        self._points: list[Location] = []

    def index(self, loc: Location | None) -> int:
        if loc is None:
            return -1
        i = self._ids.get(loc)
        if i is None:
            i = self._ids[loc] = len(self._points)
            self._points.append(loc)
        return i

    def matrix(self) -> NDArray[np.float64]:
        """Kilometres, one row per location in index order, then the zero row (index -1)."""
        return np.vstack([km_matrix(self._points, self.facilities),
                          np.zeros((1, len(self.facilities)))])


class Terms:
    """The cost terms of a list of people against a list of facilities, computed from one
    distance matrix over their distinct locations."""

    NAMES = ("court", "attorney", "relatives", "transfer", "hearing_transfer")

    def __init__(self, p: Problem, people: Sequence[Detainee], facilities: Sequence[Facility]):
        w = p.weights
        locs = LocationIndex(facilities)
        self.idx = np.array([[locs.index(d.court), locs.index(d.attorney), locs.index(d.relatives)]
                             for d in people], dtype=np.int64).reshape(-1, 3)
        self.km = locs.matrix()
        self.weights = np.array([w.court_km, w.attorney_km, w.relatives_km], dtype=float)
        self.codes = np.array([f.code for f in facilities], dtype=object)
        self.current = np.array([d.current for d in people], dtype=object)
        self.near = np.array([d.hearing_within_72h for d in people], dtype=bool)
        self.w = w

    def pairs(self, rows: Any, cols: Any) -> dict[str, NDArray[np.int64]]:
        """Each term for person ``rows`` at facility column ``cols`` (index arrays that
        broadcast together, or plain integers)."""
        out = {name: np.asarray(np.rint(self.weights[k] * self.km[self.idx[rows, k], cols]),
                                dtype=np.int64) for k, name in enumerate(self.NAMES[:3])}
        current = self.current[rows]
        moved = (current != "") & (current != self.codes[cols])
        out["transfer"] = np.asarray(self.w.transfer * moved, dtype=np.int64)
        out["hearing_transfer"] = np.asarray(self.w.hearing_transfer * (moved & self.near[rows]),
                                             dtype=np.int64)
        return out

    def at(self, cols: NDArray[np.int64]) -> dict[str, NDArray[np.int64]]:
        """Each term for person i at facility column ``cols[i]``."""
        return self.pairs(np.arange(len(cols)), cols)

    def totals(self, rows: slice | NDArray[np.int64] = slice(None)) -> NDArray[np.int64]:
        """The total cost of each chosen person (rows) at every facility (columns)."""
        chosen = np.arange(len(self.idx))[rows]
        terms = self.pairs(chosen[:, None], np.arange(len(self.codes))[None, :])
        total: NDArray[np.int64] = sum(terms.values())  # type: ignore[assignment]
        return total

def plan_cost(p: Problem, plan: Plan | Mapping[str, str]) -> int:
    """The objective of a plan: every placed person's terms plus every facility's load penalty.
    Any solver's plan is costed here, so figures compare like with like."""
    assignments = plan.assignments if isinstance(plan, Plan) else plan
    by_id = {d.id: d for d in p.detainees}
    col = {f.code: i for i, f in enumerate(p.facilities)}
    people = [by_id[pid] for pid in assignments]
    total = 0
    if people:
        cols = np.array([col[code] for code in assignments.values()], dtype=np.int64)
        total = int(sum(int(v.sum()) for v in Terms(p, people, p.facilities).at(cols).values()))
    load = loads(p, assignments)
    total += sum(load_penalty(p.weights, f.capacity, load.get(f.code, 0)) for f in p.facilities)
    return total
