"""The time zone an immigration court keeps its days in (LAW.md LEGAL-DAY): its state's zone,
through ``zoneinfo`` and the IANA database, with the courts whose city lies in another zone than
most of its state named one by one."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo

from .courts import court_of

EASTERN, CENTRAL, MOUNTAIN, PACIFIC = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
STATE_ZONES: dict[str, str] = {
    **dict.fromkeys(["CT", "DC", "DE", "FL", "GA", "MA", "MD", "ME", "MI", "NC", "NH", "NJ",
                     "NY", "OH", "PA", "RI", "SC", "VA", "VT", "WV"], EASTERN),
    **dict.fromkeys(["AL", "AR", "IA", "IL", "KS", "LA", "MN", "MO", "MS", "NE", "OK", "TN",
                     "TX", "WI"], CENTRAL),
    **dict.fromkeys(["CO", "MT", "NM", "UT", "WY", "ID"], MOUNTAIN),
    **dict.fromkeys(["CA", "NV", "OR", "WA"], PACIFIC),
    "AZ": "America/Phoenix",  # Mountain time without daylight saving
    "IN": "America/Indiana/Indianapolis", "KY": "America/Kentucky/Louisville",
    "AK": "America/Anchorage", "HI": "Pacific/Honolulu", "PR": "America/Puerto_Rico",
    "VI": "America/St_Thomas", "GU": "Pacific/Guam", "MP": "Pacific/Saipan",
}
# Courts in a city whose zone is not its state's.
CITY_ZONES: dict[str, str] = {"EL PASO": MOUNTAIN}


def zone_name(code: str) -> str:
    """The IANA zone of the court ``code``; ``KeyError`` naming it if the court or its state has
    none (a table that lacks a zone must fail loudly, never fall back to UTC)."""
    court = court_of(code)
    if court is None:
        raise KeyError(f"no immigration court {code!r}")
    zone = CITY_ZONES.get(court.city.upper()) or STATE_ZONES.get(court.state.upper())
    if zone is None:
        raise KeyError(f"no time zone known for {court.code} ({court.city}, {court.state})")
    return zone


def office_zone_name(office: str) -> str | None:
    """The IANA zone of an office written "City, ST" (as accounts record it: "Newark, NJ"), by
    the same tables as the courts'; None when it names no state the tables know."""
    city, _, state = office.rpartition(",")
    state = state.strip().upper()
    if not city.strip() or len(state) != 2:
        return None
    return CITY_ZONES.get(city.strip().upper()) or STATE_ZONES.get(state)


@cache
def court_zone(code: str) -> ZoneInfo:
    return ZoneInfo(zone_name(code))
