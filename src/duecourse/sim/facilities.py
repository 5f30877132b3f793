"""Where the simulator detains people: real facilities of the packaged catalogue, by court.

A person held for a court is placed in the nearest facility that has a housing unit for their sex
and classification and is authorised for stays over 72 hours; a family in the nearest family
facility. Facilities are named by their catalogue code, so the placement planner and board know
them.
"""

from __future__ import annotations

from functools import cache

from ..placement.catalogue import court_location, packaged_catalogue
from ..placement.problem import Facility, Location

_FAR = Location(39.8, -98.6)  # the geographic centre of the contiguous United States


def _near(court: str, fits: list[Facility]) -> Facility:
    here = court_location(court) or _FAR
    return min(fits, key=lambda f: (here.km_to(f.location) if f.location else 1e9, f.code))


@cache
def facility_for(court: str, sex: str, level: str) -> str:
    """The code of the nearest lawful long-stay facility for this court, sex and level."""
    unit = f"{'F' if sex == 'F' else 'M'}-{'low' if level in ('A', 'B') else 'high'}"
    fits = [f for f in packaged_catalogue()
            if f.kind == "adult" and f.over_72h and f.beds(unit) > 0]
    return _near(court, fits).code


@cache
def family_facility_for(court: str) -> str:
    fits = [f for f in packaged_catalogue() if f.kind == "family"]
    return _near(court, fits).code
