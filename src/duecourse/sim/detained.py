"""Synthetic detained people for placement: a standing population and a day's book-ins.

No person here is real. The standing population fills each facility's housing units in proportion
to their beds (the units are split by the facility's own published population mix), so it is
lawful where it stands; the book-ins follow the national mix of FY26 (61 % level A, 15 % B, 13 % C,
11 % D; about one in ten a woman). Courts, attorneys and relatives are placed at immigration-court
cities, so distances are real but the number of distinct places stays small.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from ..placement.problem import Detainee, Facility, Location, Medical

_LOW = (("A", 61), ("B", 15))
_HIGH = (("C", 13), ("D", 11))


def _level(rng: random.Random, band: str) -> str:
    levels = _LOW if band == "low" else _HIGH
    return rng.choices([lv for lv, _ in levels], [w for _, w in levels])[0]


def _nearest(courts: Sequence[Location], here: Location | None, rng: random.Random) -> Location:
    if here is None:
        return rng.choice(courts)
    ranked = sorted(courts, key=here.km_to)
    return rng.choice(ranked[:3])


def _ties(rng: random.Random, court: Location, courts: Sequence[Location]
          ) -> tuple[Location | None, Location | None]:
    attorney = court if rng.random() < 0.3 else None
    relatives = (court if rng.random() < 0.5 else rng.choice(courts)) if rng.random() < 0.5 else None
    return attorney, relatives


def standing_population(facilities: Sequence[Facility], courts: Sequence[Location], n: int,
                        seed: int = 7) -> list[Detainee]:
    """``n`` people already detained, spread over the facilities' units by their beds."""
    rng = random.Random(seed)
    slots = [(f, u, beds) for f in facilities for u, beds in f.units.items()
             if beds > 0 and f.kind in ("adult", "family", "staging")]
    total = sum(b for _, _, b in slots)
    if total < n:
        raise ValueError(f"the catalogue has {total} beds; it cannot hold {n} people")
    shares = [n * b / total for _, _, b in slots]
    counts = [int(s) for s in shares]
    for i in sorted(range(len(slots)), key=lambda i: shares[i] - counts[i], reverse=True)[
            :n - sum(counts)]:
        counts[i] += 1
    people: list[Detainee] = []
    for (f, unit, _), k in zip(slots, counts, strict=True):
        court = _nearest(courts, f.location, rng)
        made = 0
        while made < k:
            if unit == "family":
                size = min(k - made, rng.choice((2, 3, 3, 4)))
                people += _family(rng, f"S{len(people):06d}", size, court, courts, f.code)
                made += size
                continue
            sex, band = unit.split("-")
            attorney, relatives = _ties(rng, court, courts)
            people.append(Detainee(
                id=f"S{len(people):06d}", sex="M" if sex == "M" else "F",
                level=_level(rng, band),  # type: ignore[arg-type]
                age=rng.randint(18, 69), medical=_medical(rng, f),
                expected_hours=24 * rng.randint(4, 90) if f.over_72h else rng.randint(6, 72),
                court=court, attorney=attorney, relatives=relatives, current=f.code,
                hearing_within_72h=rng.random() < 0.05))
            made += 1
    return people


def _medical(rng: random.Random, f: Facility) -> Medical:
    if f.medical != "none" and rng.random() < 0.03:
        return "onsite"
    return "none"


def _family(rng: random.Random, prefix: str, size: int, court: Location,
            courts: Sequence[Location], current: str) -> list[Detainee]:
    attorney, relatives = _ties(rng, court, courts)
    out = []
    for i in range(size):
        adult = i == 0
        out.append(Detainee(
            id=f"{prefix}-{i}", sex=rng.choice(("M", "F")), level="A",
            age=rng.randint(20, 50) if adult else rng.randint(1, 17), kind="family",
            family_id=prefix, expected_hours=24 * rng.randint(5, 20), court=court,
            attorney=attorney, relatives=relatives, current=current))
    return out


def book_ins(courts: Sequence[Location], n: int, seed: int = 11) -> list[Detainee]:
    """A day's ``n`` book-ins: mostly adults, some families and unaccompanied children."""
    rng = random.Random(seed)
    people: list[Detainee] = []
    while len(people) < n:
        court = rng.choice(courts)
        pid = f"B{len(people):06d}"
        r = rng.random()
        if r < 0.01:
            people.append(Detainee(id=pid, sex=rng.choice(("M", "F")), level="A",
                                   age=rng.randint(10, 17), kind="uac", court=court))
            continue
        if r < 0.03 and n - len(people) >= 2:
            people += _family(rng, pid, min(n - len(people), rng.choice((2, 3, 4))), court,
                              courts, "")
            continue
        attorney, relatives = _ties(rng, court, courts)
        hours = rng.random()
        people.append(Detainee(
            id=pid, sex="F" if rng.random() < 0.1 else "M",
            level=rng.choices("ABCD", (61, 15, 13, 11))[0],  # type: ignore[arg-type]
            age=rng.randint(18, 69), medical="onsite" if rng.random() < 0.03 else "none",
            expected_hours=rng.randint(4, 12) if hours < 0.03 else
            rng.randint(13, 72) if hours < 0.1 else 24 * rng.randint(4, 90),
            court=court, attorney=attorney, relatives=relatives))
    return people
