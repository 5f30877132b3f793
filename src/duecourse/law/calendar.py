"""Legal calendar: business days exclude Saturdays, Sundays and U.S. federal holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import holidays


@cache
def _federal_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("US", years=year).keys())


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _federal_holidays(day.year)


def next_business_day_if_needed(day: date) -> date:
    """The day itself if a business day, else the next one (8 CFR 1003.38(c) rule of counting)."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, n: int) -> date:
    while n > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            n -= 1
    return day


def end_of_day(day: date) -> datetime:
    """The last second of a legal date. Legal dates are kept in UTC (docs/law.md)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
