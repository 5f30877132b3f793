"""What a case holds that stands between the person and removal, as the case page and the API
show it: every stay (PROVENANCE: stays are records), the countries removal to which is barred,
and the entries that take a protection away, waiting for a second person to confirm them against
their document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import reference
from ..domain.case import CaseState
from ..domain.events import Event

STAY_KINDS = {"judicial": "a court's stay", "bia": "the Board's stay", "ij": "an immigration "
              "judge's stay", "dhs": "DHS's stay", "mtr": "stay pending a motion to reopen",
              "motion": "a motion to reopen (stays removal while pending)"}


def issuer_name(code: str) -> str:
    if not code:
        return ""
    try:
        return reference.issuer(code).name
    except ValueError:
        return code


@dataclass(frozen=True)
class StayRow:
    id: str
    kind: str
    issued_by: str
    issuer: str  # the body's name
    start: datetime
    until: datetime | None
    lifted_at: datetime | None
    in_force: bool

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "issued_by": self.issued_by,
                "start": self.start, "until": self.until, "lifted_at": self.lifted_at,
                "in_force": self.in_force}


@dataclass(frozen=True)
class ProtectionRow:
    country: str
    name: str
    why: str

    def as_dict(self) -> dict[str, Any]:
        return {"country": self.country, "name": self.name, "why": self.why}


@dataclass(frozen=True)
class PendingRow:
    entry: int  # the event's seq: what confirm_entry and reject_entry name
    kind: str
    at: datetime
    actor_id: str
    actor_role: str
    reference: str
    issued_by: str
    issuer: str
    what: str  # what it would do, once confirmed

    def as_dict(self) -> dict[str, Any]:
        return {"entry": self.entry, "kind": self.kind, "at": self.at, "actor_id": self.actor_id,
                "actor_role": self.actor_role, "reference": self.reference,
                "issued_by": self.issued_by, "what": self.what}


def _countries(codes: Any) -> str:
    return ", ".join(f"{reference.country_name(c)} ({c})" for c in codes or ())


def describe(e: Event) -> str:
    """What an entry awaiting confirmation would do."""
    d = e.data
    ends = _countries(d.get("terminates_protection"))
    also = f"; ends the protection from {ends}" if ends else ""
    if e.kind == "stay_lifted":
        return f"lifts the stay {d.get('stay') or d.get('kind', '')}"
    if e.kind == "appeal_decided":
        return f"the Board's decision: appeal {d.get('outcome', '')}{also}"
    if e.kind == "order_recorded":
        absentia = " in absentia" if d.get("in_absentia") else ""
        return f"an order of {str(d.get('outcome', '')).replace('_', ' ')}{absentia}{also}"
    if e.kind == "fear_claim_decided":
        return (f"the fear claim for {_countries([d.get('country', '')])}: "
                f"{str(d.get('outcome', '')).replace('_', ' ')}")
    if e.kind == "citizenship_resolved":
        return f"citizenship: {str(d.get('finding', '')).replace('_', ' ')}"
    if e.kind == "motion_to_reopen_decided":
        return f"the motion to reopen {d.get('outcome', '')}"
    return e.kind.replace("_", " ")


def stays(state: CaseState, at: datetime) -> list[StayRow]:
    rows = [StayRow(s.id, s.kind, s.issued_by, issuer_name(s.issued_by), s.start, s.until,
                    s.lifted_at, s.in_force(at)) for s in state.stays.values()]
    rows += [StayRow(m.receipt, "motion", "", "", m.filed_at, None, None, True)
             for m in state.pending_motions()]
    return sorted(rows, key=lambda r: (r.start, r.id))


def protections(state: CaseState) -> list[ProtectionRow]:
    return [ProtectionRow(c, reference.country_name(c), why)
            for c, why in sorted(state.barred_countries.items())]


def pending(state: CaseState) -> list[PendingRow]:
    return [PendingRow(seq, e.kind, e.at, e.actor_id, e.actor_role,
                       str(e.data.get("reference", "")), str(e.data.get("issued_by", "")),
                       issuer_name(str(e.data.get("issued_by", ""))), describe(e))
            for seq, e in sorted(state.pending.items())]
