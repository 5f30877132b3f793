"""Shared by the CLI tests."""

from __future__ import annotations

from datetime import UTC, datetime


def ledger_time(at: object) -> datetime:
    """A ledger entry's time, aware in UTC, as either store gives it back."""
    when = at if isinstance(at, datetime) else datetime.fromisoformat(str(at).replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)
