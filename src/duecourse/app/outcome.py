"""What a command returns: accepted with its events, or refused with every rule that refused it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..domain.errors import RuleRefusal
from .access import NotYours


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    command: str
    case_id: str | None
    version: int
    events: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[RuleRefusal] = field(default_factory=list)
    # The entry's position in the ledger when it was integrated before the commit (SQLite);
    # None when the sequencer integrates it after the commit (PostgreSQL).
    ledger_seq: int | None = None
    replayed: bool = False  # the idempotency key had been seen: this is the stored outcome
    # Refused to someone who may not read the case (an attorney not of record, a role that reads
    # no case files): the refusals are for the ledger; the caller is answered ``NotYours``.
    hidden: bool = False

    @property
    def rule_ids(self) -> list[str]:
        return [r.rule_id for r in self.refusals]

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted, "command": self.command, "case_id": self.case_id,
            "version": self.version, "events": self.events,
            "refusals": [r.as_dict() for r in self.refusals], "ledger_seq": self.ledger_seq,
            **({"hidden": True} if self.hidden else {}),
        }

    def for_caller(self) -> Outcome:
        """This outcome as its caller may be told it: itself, or ``NotYours`` (the answer a case
        that does not exist gives) when the caller may not read the case."""
        if self.hidden:
            raise NotYours()
        return self

    @classmethod
    def from_dict(cls, d: dict[str, Any], replayed: bool = False) -> Outcome:
        return cls(
            accepted=d["accepted"], command=d["command"], case_id=d["case_id"],
            version=d["version"], events=d["events"],
            refusals=[RuleRefusal(r["rule"], r["citation"], r["reason"]) for r in d["refusals"]],
            ledger_seq=d["ledger_seq"], replayed=replayed, hidden=bool(d.get("hidden")),
        )
