"""The legal calendar (LAW.md LEGAL-DAY): business days exclude Saturdays, Sundays, U.S. federal
holidays (5 U.S.C. 6103) and the days a filing body was closed (a closure calendar kept in the
store, ledgered); a day is the day where the law counts it — an immigration court's own time zone,
or the filing body's — never the UTC date."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from ..reference.zones import court_zone

# Closure days: (day, scope) where scope is "ALL", "BIA" or an EOIR court code.
Closures = frozenset[tuple[date, str]]
NO_CLOSURES: Closures = frozenset()
BOARD = "BIA"
BOARD_ZONE = "America/New_York"  # the Board sits in Falls Church, Virginia


@cache
def _federal_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("US", years=year).keys())


def is_business_day(day: date, closures: Closures = NO_CLOSURES, scope: str = BOARD) -> bool:
    return (day.weekday() < 5 and day not in _federal_holidays(day.year)
            and not (scope == BOARD and is_inauguration_day(day))
            and (day, "ALL") not in closures and (day, scope) not in closures)


def is_inauguration_day(day: date) -> bool:
    """5 U.S.C. 6103(c): Inauguration Day (20 January after a presidential election, the 21st
    when the 20th is a Sunday) is a holiday for federal employees in the District of Columbia
    area — the Board, in Falls Church, Virginia, is closed."""
    if day.month != 1 or day.year < 1965 or (day.year - 1965) % 4:
        return False
    inauguration = date(day.year, 1, 20)
    if inauguration.weekday() == 6:
        inauguration = date(day.year, 1, 21)
    return day == inauguration


def next_business_day_if_needed(day: date, closures: Closures = NO_CLOSURES,
                                scope: str = BOARD) -> date:
    """The day itself if a business day of ``scope``, else the next one (8 CFR 1003.38(c);
    8 CFR 1003.3(g)(2) for a day the filing system was down)."""
    while not is_business_day(day, closures, scope):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, n: int) -> date:
    while n > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            n -= 1
    return day


def end_of_day(day: date, zone: str = "UTC") -> datetime:
    """The last instant of ``day`` where ``zone`` keeps its days, in UTC."""
    local = datetime.combine(day, time(23, 59, 59, 999999), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def local_day(at: datetime, zone: str) -> date:
    """The calendar day ``at`` falls on where ``zone`` keeps its days."""
    return at.astimezone(ZoneInfo(zone)).date()


def court_day(at: datetime, court: str) -> date:
    """The day ``at`` falls on at the immigration court ``court`` (UTC if none is named)."""
    return at.astimezone(court_zone(court)).date() if court else at.astimezone(UTC).date()


def court_zone_name(court: str) -> str:
    return str(court_zone(court)) if court else "UTC"
