"""What the checker reports: a ``Violation`` naming a LAW.md rule id, and the ``Flag`` callback
the checks report through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...domain.events import Event


@dataclass(frozen=True)
class Violation:
    """One thing in a case's history that the law forbids."""

    rule: str  # LAW.md id
    event_seq: int  # the event that breaks the rule (0 if the history as a whole)
    case_id: str
    what: str  # a plain sentence

    def __str__(self) -> str:
        return f"{self.case_id} #{self.event_seq} [{self.rule}] {self.what}"


# flag(rule, event, sentence)
Flag = Callable[[str, Event, str], None]
