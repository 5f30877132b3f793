"""Legal days (LAW.md LEGAL-DAY), worked out here from first principles: each immigration court's
time zone (from the packaged EOIR table and the checker's own state -> IANA zone table), U.S.
federal holidays (5 U.S.C. 6103; Executive Order 11582), closure days passed in, and the 30-day
appeal window of 8 CFR 1003.38."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from .legal import APP30_CLOSURE_SCOPES, APP30_DAYS, APP30_FILING_ZONE
from .reading import code as _code
from .reading import day as _day

Closures = frozenset[tuple[date, str]]

# -- courts and their zones --------------------------------------------------------------------

_EASTERN, _CENTRAL, _MOUNTAIN, _PACIFIC = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
_ZONE_STATES = {
    _EASTERN: ("CT", "DC", "DE", "FL", "GA", "MA", "MD", "ME", "NC", "NH", "NJ", "NY", "OH", "PA",
               "RI", "SC", "VA", "VT", "WV"),
    _CENTRAL: ("AL", "AR", "IA", "IL", "KS", "LA", "MN", "MO", "MS", "ND", "NE", "OK", "SD", "TN",
               "TX", "WI"),
    _MOUNTAIN: ("CO", "ID", "MT", "NM", "UT", "WY"),
    _PACIFIC: ("CA", "NV", "OR", "WA"),
}
STATE_ZONE: dict[str, str] = {
    **{state: zone for zone, states in _ZONE_STATES.items() for state in states},
    "AZ": "America/Phoenix",  # no daylight saving
    "MI": "America/Detroit",
    "IN": "America/Indiana/Indianapolis",
    "KY": "America/Kentucky/Louisville",
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
    "VI": "America/St_Thomas",
    "GU": "Pacific/Guam",
    "MP": "Pacific/Saipan",
    "AS": "Pacific/Pago_Pago",
}
# Courts whose city keeps another zone than most of its state: El Paso, Texas (Mountain time).
COURT_ZONE: dict[str, str] = {"ELP": _MOUNTAIN, "EPD": _MOUNTAIN}


@cache
def court_states() -> dict[str, str]:
    """EOIR base-city code -> state, read from the packaged ``immigration_courts.tsv``."""
    resource = resources.files("duecourse") / "data" / "immigration_courts.tsv"
    rows = csv.DictReader(io.StringIO(resource.read_text(encoding="utf-8")), delimiter="\t",
                          quoting=csv.QUOTE_NONE)
    return {_code(r["base_city_code"]): _code(r["state"]) for r in rows if r.get("base_city_code")}


def is_court(value: str) -> bool:
    """An immigration court's base-city code (the BIA's own row is not a trial court)."""
    c = _code(value)
    return c != "BIA" and c in court_states()


@cache
def court_zone(value: str) -> ZoneInfo | None:
    """The IANA zone a court keeps its days in, or None for an unknown code."""
    c = _code(value)
    state = court_states().get(c)
    if state is None:
        return None
    name = COURT_ZONE.get(c) or STATE_ZONE.get(state)
    return ZoneInfo(name) if name else None


FILING_ZONE = ZoneInfo(APP30_FILING_ZONE)

# -- issuing bodies (spec section 1) ------------------------------------------------------------

_FEDERAL = re.compile(r"^(SCOTUS|CADC|CA([1-9]|1[01])|USDC-[A-Z]{2}[NSEWMC]?)$")


def issuer_kind(value: str) -> str:
    """immigration_court, bia, federal_court, asylum_office, dhs - or '' if none of them."""
    c = _code(value).replace(" ", "")
    if c == "BIA":
        return "bia"
    if c == "DHS":
        return "dhs"
    if _FEDERAL.match(c):
        return "federal_court"
    if c.startswith("USCIS-"):
        return "asylum_office"
    return "immigration_court" if is_court(c) else ""


# -- local days --------------------------------------------------------------------------------


def local_day(t: datetime, zone: ZoneInfo | None) -> date:
    """The legal day of an instant where it is counted (UTC when no zone is known)."""
    return t.astimezone(zone or UTC).date()


def day_start(d: date, zone: ZoneInfo | None) -> datetime:
    """The first instant of a local day, in UTC."""
    return datetime.combine(d, time(0), tzinfo=zone or UTC).astimezone(UTC)


def after_day(d: date, zone: ZoneInfo | None) -> datetime:
    """The first instant after the end of a local day: a period that ends "at the end of" ``d``
    is open at ``t`` exactly when ``t < after_day(d, zone)``."""
    return day_start(d + timedelta(days=1), zone)


# -- federal holidays: 5 U.S.C. 6103(a); observance: 6103(b), Executive Order 11582 --------------

_MON, _THU = 0, 3


def _nth(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last(year: int, month: int, weekday: int) -> date:
    end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return end - timedelta(days=(end.weekday() - weekday) % 7)


def legal_holidays(y: int) -> list[date]:
    """The legal public holidays of year ``y`` on their own dates (before observance)."""
    monday_act = y >= 1971  # Uniform Monday Holiday Act, Pub. L. 90-363
    out = [date(y, 1, 1), date(y, 7, 4), _nth(y, 9, _MON, 1), _nth(y, 11, _THU, 4),
           date(y, 12, 25)]
    if y >= 1986:
        out.append(_nth(y, 1, _MON, 3))  # Birthday of Martin Luther King, Jr.
    out.append(_nth(y, 2, _MON, 3) if monday_act else date(y, 2, 22))  # Washington's Birthday
    out.append(_last(y, 5, _MON) if monday_act else date(y, 5, 30))  # Memorial Day
    if y >= 2021:
        out.append(date(y, 6, 19))  # Juneteenth National Independence Day
    out.append(_nth(y, 10, _MON, 2) if monday_act else date(y, 10, 12))  # Columbus Day
    out.append(_nth(y, 10, _MON, 4) if 1971 <= y <= 1977 else date(y, 11, 11))  # Veterans Day
    return out


def observed(d: date) -> date:
    """A holiday on a Saturday is observed the Friday before; on a Sunday, the Monday after."""
    return d - timedelta(days=1) if d.weekday() == 5 else (
        d + timedelta(days=1) if d.weekday() == 6 else d)


@cache
def federal_holidays(year: int) -> frozenset[date]:
    """The days of ``year`` on which a federal holiday is observed (New Year's Day on a Saturday
    is observed on 31 December of the year before)."""
    days = (observed(h) for y in (year - 1, year, year + 1) for h in legal_holidays(y))
    return frozenset(d for d in days if d.year == year)


def is_inauguration_day(d: date) -> bool:
    """5 U.S.C. 6103(c): 20 January of every fourth year from 1965 (the 21st when the 20th is a
    Sunday) is a holiday for federal employees in the District of Columbia area, which takes in
    Falls Church, Virginia: the Board is closed."""
    if d.month != 1 or d.year < 1965 or (d.year - 1965) % 4:
        return False
    day = date(d.year, 1, 20)
    return d == (day + timedelta(days=1) if day.weekday() == 6 else day)


def normalize_closures(closures: Iterable[tuple[object, object]]) -> Closures:
    out: set[tuple[date, str]] = set()
    for when, scope in closures:
        d = _day(when)
        if d is not None:
            out.add((d, _code(scope)))
    return frozenset(out)


def is_bia_business_day(d: date, closures: Closures) -> bool:
    """Not a Saturday, Sunday, federal holiday, Inauguration Day (the Board sits in the District
    of Columbia area), or a day the BIA (or every office) was closed."""
    if d.weekday() >= 5 or d in federal_holidays(d.year) or is_inauguration_day(d):
        return False
    return not any((d, scope) in closures for scope in APP30_CLOSURE_SCOPES)


def appeal_last_day(order_day: date, closures: Closures) -> date:
    """8 CFR 1003.38(b)-(c): the 30th calendar day after the order's local day, moved forward past
    days that are not BIA business days."""
    d = order_day + timedelta(days=APP30_DAYS)
    while not is_bia_business_day(d, closures):
        d += timedelta(days=1)
    return d


def appeal_window_close(order_day: date, closures: Closures,
                        court: ZoneInfo | None = None) -> datetime:
    """The first instant after the appeal window: the end of its last day where the filing is
    received (the BIA's zone) or where the decision was made (the court's zone), whichever is
    later — the Board deems a filing filed on the date it was submitted without naming a zone,
    so a filing on that day by either reading is timely (legal.APP30_FILING_ZONE)."""
    last = appeal_last_day(order_day, closures)
    return max(after_day(last, FILING_ZONE), after_day(last, court))
