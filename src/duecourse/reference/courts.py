"""Immigration courts, from the EOIR lookup table packaged with duecourse.

``duecourse/data/immigration_courts.tsv`` is a verbatim copy of the public EOIR base-city
table (see ``duecourse/data/README.md`` for attribution). Besides trial courts it lists a
few EOIR offices (for example ``BIA``, ``CIJ``, ``HDQ``); ``active`` is EOIR's flag.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

__all__ = ["Court", "court_of", "is_known_court", "load_courts"]

_COLUMNS = (
    "idn_base_city",
    "base_city_code",
    "base_city_name",
    "street_address",
    "city",
    "state",
    "zip",
    "region",
    "active",
)


@dataclass(frozen=True)
class Court:
    """One EOIR base city (immigration court or office)."""

    code: str
    name: str
    street_address: str
    city: str
    state: str
    zip: str
    region: str
    active: bool

    @property
    def is_court(self) -> bool:
        """An immigration court, not one of the EOIR offices the table also lists (the Board,
        the Office of the Chief Immigration Judge, the Office of Management)."""
        return self.name.upper() not in OFFICES


OFFICES = frozenset({"BOARD OF IMMIGRATION APPEALS", "OFFICE OF THE CHIEF IMMIGRATION JUDGE",
                     "EOIR - OFFICE OF MANAGEMENT AND ADMINISTRATION"})


def _parse_active(value: str, code: str) -> bool:
    if value == "1":
        return True
    if value == "0":
        return False
    raise ValueError(f"immigration_courts.tsv: court {code}: active must be 0 or 1, got {value!r}")


@functools.cache
def _court_table() -> Mapping[str, Court]:
    resource = resources.files("duecourse") / "data" / "immigration_courts.tsv"
    reader = csv.DictReader(
        io.StringIO(resource.read_text(encoding="utf-8")), delimiter="\t", quoting=csv.QUOTE_NONE
    )
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        raise ValueError(f"immigration_courts.tsv: unexpected columns {reader.fieldnames}")
    courts: dict[str, Court] = {}
    for row in reader:
        code = row["base_city_code"].strip()
        if not code or code in courts:
            raise ValueError(f"immigration_courts.tsv: empty or duplicate code {code!r}")
        courts[code] = Court(
            code=code,
            name=row["base_city_name"].strip(),
            street_address=row["street_address"].strip(),
            city=row["city"].strip(),
            state=row["state"].strip(),
            zip=row["zip"].strip(),  # text: keeps leading zeros (e.g. Newark 07102)
            region=row["region"].strip(),
            active=_parse_active(row["active"].strip(), code),
        )
    return MappingProxyType(courts)


def load_courts() -> dict[str, Court]:
    """All courts keyed by EOIR base city code (e.g. ``"NEW"``, ``"HOU"``).

    The table is read once and cached; each call returns a new dict, so callers may
    modify theirs freely.
    """
    return dict(_court_table())


def court_of(code: str) -> Court | None:
    """The court with base city ``code`` (case and surrounding space ignored), if in the table."""
    return _court_table().get(code.strip().upper())


def is_known_court(code: str) -> bool:
    """Whether ``code`` is an EOIR base city code in the table (active or not).

    Surrounding whitespace and letter case are ignored.
    """
    return court_of(code) is not None
