"""The read models of a case's stays and protections (tables ``case_stays`` and
``case_protections``): what oversight, manifests and the pages query without folding events.
Written by the handler in the command's transaction whenever an event may change them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from ..domain.case import CaseState
from ..domain.events import Event
from ..store import repository as repo

# The events that can change a case's stays or protections (a confirmation gives effect to any).
KINDS = frozenset({
    "stay_granted", "stay_lifted", "entry_confirmed", "entry_rejected", "order_recorded",
    "appeal_decided", "fear_claim_recorded", "fear_claim_decided", "motion_to_reopen_decided",
})
_FEAR_STATUS = {"fear_established": "in_force"}


def stay_rows(s: CaseState) -> list[dict[str, Any]]:
    lifts = {str(e.data.get("stay", "")).casefold() for e in s.pending.values()
             if e.kind == "stay_lifted"}
    return [{"stay_id": st.id, "kind": st.kind, "issued_by": st.issued_by, "start_at": st.start,
             "until_at": st.until, "lifted_at": st.lifted_at,
             "lift_pending": " ".join(st.id.split()).casefold() in lifts}
            for st in s.stays.values()]


def protection_rows(s: CaseState) -> list[dict[str, Any]]:
    rows = [{"country": c, "source": "order", "status": "in_force", "since": t}
            for c, t in s.order_protections.items()]
    for c, status in s.fear_claims.items():
        since = s.fear_since.get(c) or s.last_event_at
        rows.append({"country": c, "source": "fear", "status": _FEAR_STATUS.get(status, status),
                     "since": since})
    return rows


def save_if_changed(conn: Connection, s: CaseState, events: list[Event]) -> None:
    if any(e.kind in KINDS for e in events):
        repo.save_case_records(conn, s.case_id, stay_rows(s), protection_rows(s))
