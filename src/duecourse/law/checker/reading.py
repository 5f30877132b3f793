"""Reading raw event data: instants, days, text, lists and codes, whatever shape they were
stored in (ISO text from JSON, or Python values from a test)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any


def instant(value: Any) -> datetime | None:
    """An aware UTC instant, or None for a missing or unreadable value."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def day(value: Any) -> date | None:
    """A calendar date, or None for a missing or unreadable value."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def text(d: dict[str, Any], key: str) -> str:
    v = d.get(key)
    return v.strip() if isinstance(v, str) else ""


def items(d: dict[str, Any], key: str) -> list[str]:
    v = d.get(key)
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list | tuple | set | frozenset):
        return []
    return [str(x).strip() for x in v if str(x).strip()]


def code(value: Any) -> str:
    """A country, court or issuer code compared as the handlers write it: trimmed, upper case."""
    return str(value).strip().upper() if value is not None else ""


def codes(d: dict[str, Any], key: str) -> frozenset[str]:
    return frozenset(code(x) for x in items(d, key))


def lang(value: Any) -> str:
    """A language code: trimmed, lower case, its primary subtag ("es-MX" -> "es")."""
    return str(value).strip().lower().replace("_", "-").split("-")[0] if value else ""


def ref(value: Any) -> str:
    """A document reference compared trimmed and case-insensitively."""
    return " ".join(str(value).split()).casefold() if value is not None else ""


def when(t: datetime) -> str:
    return f"{t.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
