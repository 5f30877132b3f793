"""8 U.S.C. 1367 information on the read side (LAW.md VAWA-1367): who may see it, and the case
history as shown to everyone else.

1367(a)(2) forbids disclosing "any information which relates to" a person who has applied for or
holds VAWA, T or U protection to anyone but the officials who need it for the case. duecourse
reads that as: the officers, supervisors and agency attorneys who work cases, oversight (the
inspector general audits them) and the person's own attorney of record (``access_case`` lets an
attorney read only their own clients' cases) may see it; detention and transport staff, who need
where a person is and when they move, may not.

What is withheld from them, on every case alike (so that the withholding itself says nothing
about whether a case has such information): the ``protection_1367_recorded`` entries; the kind
of place of every encounter and arrest, with the approval and reason given for an arrest at a
protected place (a shelter or a protection-order court is itself 1367 information); whether a
Notice to Appear carries the INA 239(e) statement (it is required exactly after enforcement at
such a place); and the free text that says where the person was found or lives, which names a
shelter as plainly as its kind does: the encounter's place (``case_opened`` ``location``, which is
also the case's location column in the work queue, the case search and a person's file), the
arrest's circumstances (reason to believe, likelihood of escape), every address recorded, the
conditions of a release (where to live and report). (The addresses of the identity records
proposed as the same person are shown to no one: app/identity.py ``case_identity``.) The other
free text of a case (reasons, evidence) is about acts, not places, and is shown; what detention
and transport need - where the person is held, when they move - is never withheld.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..domain.commands import Actor
from ..domain.events import Event

ENTITLED_1367 = frozenset({"officer", "supervisor", "counsel", "oversight", "attorney"})
WITHHELD_KINDS = frozenset({"protection_1367_recorded"})
WITHHELD_FIELDS: dict[str, frozenset[str]] = {
    "case_opened": frozenset({"location", "location_type"}),
    "arrest_recorded": frozenset({"location_type", "location_approved_by", "location_reason",
                                  "reason_to_believe", "likely_to_escape"}),
    "nta_issued": frozenset({"statement_1229e"}),
    "address_recorded": frozenset({"address"}),
    "released": frozenset({"conditions"}),
}
def may_read_1367(actor: Actor) -> bool:
    """Whether ``actor`` is entitled to 8 U.S.C. 1367 information on a case they may read."""
    return actor.role in ENTITLED_1367


def events_for(actor: Actor, events: Iterable[Event]) -> list[Event]:
    """The case's events as ``actor`` may see them: all of them for those entitled to 1367
    information, otherwise without its entries and fields; for everyone, the opening without the
    identity candidates the model found (shown, to those who decide links, only through
    ``app.identity.case_identity``, which keeps those the model says are someone else out)."""
    out: list[Event] = []
    entitled = may_read_1367(actor)
    for e in events:
        if not entitled and e.kind in WITHHELD_KINDS:
            continue
        hide = WITHHELD_FIELDS.get(e.kind) if not entitled else None
        data = {k: v for k, v in e.data.items() if k not in hide} if hide else e.data
        if e.kind == "case_opened" and isinstance(data.get("identity"), dict):
            data = {**data, "identity": {k: v for k, v in data["identity"].items()
                                         if k != "candidates"}}
        if data is not e.data:
            e = Event(e.case_id, e.seq, e.kind, e.at, e.actor_id, e.actor_role, data)
        out.append(e)
    return out


def location_for(actor: Actor, location: str) -> str:
    """The case's encounter location (the ``location`` column of the case lists) as ``actor``
    may see it: "" to those not entitled, on every case alike."""
    return location if may_read_1367(actor) else ""
