"""Histories written event by event, never through the handlers, for the independent checker's
tests: what an insider with write access, or a guard with a bug, could put into the store."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

from duecourse.domain.events import Event


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


class RawHistory:
    """One case's events; ``ROLES`` gives each test module's people their roles."""

    ROLES: ClassVar[Mapping[str, str]] = {}
    CASE_ID: ClassVar[str] = "C-RAW"

    def __init__(self, case_id: str | None = None) -> None:
        self.case_id = case_id or self.CASE_ID
        self.events: list[Event] = []

    def add(self, kind: str, at: datetime, /, by: str = "o1", **data: Any) -> Self:
        self.events.append(Event(self.case_id, len(self.events) + 1, kind, at, by,
                                 self.ROLES[by], data))
        return self

    def copy(self) -> Self:
        c = type(self)(self.case_id)
        c.events = list(self.events)
        return c

    @property
    def last(self) -> datetime:
        return self.events[-1].at

    @property
    def seq(self) -> int:
        return self.events[-1].seq

    def missed(self, clock: str) -> Self:
        return self.add("deadline_missed", self.last, by="o1", deadline=clock)
