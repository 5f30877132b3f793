"""Court and screening events carry their source; an entry that takes a protection away takes
effect only when a second person confirms it against its document (LAW.md PROVENANCE).

An order of a court, the Board or an asylum office is recorded from its document: who issued it,
its reference and its date. The body must be one that issues such a document (a stay of a federal
court is lifted by a court, never by DHS). Lifting a stay, an adverse Board decision, a negative
fear decision, an in-absentia order, a not-citizen finding, the denial of a motion to reopen, the
respondent's waiver of appeal recorded by anyone but their attorney and an age determination
finding an adult wait, recorded but without effect, until a second authorised person confirms
them (``domain.case.removes_protection`` decides which); neither the one who recorded it nor the
one who confirms may have scheduled a removal on the case.
"""

from __future__ import annotations

from datetime import date

from ...domain.case import removes_protection, stay_key
from ...domain.commands import (
    Command,
    ConfirmEntry,
    DecideAppeal,
    DecideFearClaim,
    DecideMotionToReopen,
    GrantStay,
    LiftStay,
    RecordOrder,
    RecordRemoval,
    RejectEntry,
    ResolveCitizenship,
    ScheduleRemoval,
    command_to_dict,
)
from ...domain.events import EVENT_OF_COMMAND
from ...reference import issuer
from ..framework import GuardInput, guard
from .orders import latest_day

DOCUMENTED = {"record_order", "decide_appeal", "grant_stay", "lift_stay", "decide_fear_claim",
              "resolve_citizenship", "decide_motion_to_reopen"}
# The other commands whose entry may take a protection away (``removes_protection``): no court's
# document, but the one who scheduled a removal on the case may not record them either.
UNDOCUMENTED_REMOVERS = {"waive_appeal", "determine_age"}
_DOCUMENT_TYPES = (RecordOrder, DecideAppeal, GrantStay, LiftStay, DecideFearClaim,
                   ResolveCitizenship, DecideMotionToReopen)
ALL_KINDS = frozenset({"immigration_court", "bia", "federal_court", "asylum_office", "dhs"})
# Which bodies issue the document each command records.
ISSUERS: dict[str, frozenset[str]] = {
    "record_order": frozenset({"immigration_court"}),
    "decide_appeal": frozenset({"bia"}),
    "decide_fear_claim": frozenset({"asylum_office", "immigration_court"}),
    "resolve_citizenship": ALL_KINDS,
    "decide_motion_to_reopen": frozenset({"immigration_court", "bia"}),
}
STAY_ISSUERS: dict[str, frozenset[str]] = {
    "judicial": frozenset({"federal_court"}), "bia": frozenset({"bia"}),
    "ij": frozenset({"immigration_court"}), "dhs": frozenset({"dhs"}),
    "mtr": frozenset({"immigration_court", "bia"}),
}
# Which bodies may lift a stay issued by a body of each kind: a court's stay only by a court.
LIFTERS: dict[str, frozenset[str]] = {
    "federal_court": frozenset({"federal_court"}),
    "bia": frozenset({"bia", "federal_court"}),
    "immigration_court": frozenset({"immigration_court", "bia", "federal_court"}),
    "dhs": frozenset({"dhs", "bia", "federal_court"}),
}
_NAMES = {"immigration_court": "an immigration court", "bia": "the BIA",
          "federal_court": "a federal court", "asylum_office": "a USCIS asylum office",
          "dhs": "DHS"}


def _bodies(kinds: frozenset[str]) -> str:
    return " or ".join(_NAMES[k] for k in sorted(kinds))


@guard(
    "PROVENANCE", title="Court and screening events carry their document; taking a protection "
                        "away needs a second person",
    citation="INA 242(b)(3)(B); Nken v. Holder, 556 U.S. 418 (2009); 8 CFR 1241.1(a); "
             "duecourse policy (LAW.md PROVENANCE)",
    protects="no protection is taken away on one person's word or without its document",
    confidence="K", commands=DOCUMENTED | UNDOCUMENTED_REMOVERS | {
        "confirm_entry", "reject_entry", "schedule_removal", "record_removal"},
    effective_from="1997-04-01", verified="2026-12-07",
    source="LAW.md B2",
)
def provenance(g: GuardInput) -> str | None:
    cmd = g.command
    if isinstance(cmd, ConfirmEntry | RejectEntry):
        return _second_person(g)
    if isinstance(cmd, ScheduleRemoval | RecordRemoval):
        if g.actor.id in g.state.protection_removers:
            return ("you recorded or confirmed an entry that took a protection away on this "
                    "case; someone else must carry out the removal")
        return None
    if cmd.name in UNDOCUMENTED_REMOVERS:
        return _scheduler_records(g)
    ref, issued_by, issued_on = _document(cmd)
    if not ref.strip():
        return "the document's reference number is blank; record it from the document"
    latest = latest_day(g.at)
    if issued_on > latest:
        return f"the document is dated {issued_on}, after the day it is recorded"
    body = issuer(issued_by)
    allowed = (STAY_ISSUERS[cmd.kind] if isinstance(cmd, GrantStay)
               else _lifters(g, cmd) if isinstance(cmd, LiftStay) else ISSUERS[cmd.name])
    if body.kind not in allowed:
        return (f"{body.name} ({body.code}) does not issue this document; it is issued by "
                f"{_bodies(allowed)}")
    scheduler = _scheduler_records(g)
    if scheduler is not None:
        return scheduler
    if isinstance(cmd, DecideFearClaim):
        return _fear_decision(g, cmd)
    return None


def _scheduler_records(g: GuardInput) -> str | None:
    """One who scheduled a removal on the case may not record an entry that takes a protection
    away (whichever command records it)."""
    cmd = g.command
    if removes_protection(EVENT_OF_COMMAND[cmd.name], command_to_dict(cmd), g.actor.role) \
            and g.actor.id in g.state.removal_schedulers:
        return ("you scheduled a removal on this case; an entry that takes a protection away "
                "must be recorded by someone else")
    return None


def _document(cmd: Command) -> tuple[str, str, date]:
    """(reference, issuing body, date) of the document a command records."""
    assert isinstance(cmd, _DOCUMENT_TYPES)
    return cmd.reference, cmd.issued_by, cmd.issued_on


def _lifters(g: GuardInput, cmd: LiftStay) -> frozenset[str]:
    stay = g.state.stays.get(stay_key(cmd.stay))
    if stay is None or not stay.issued_by:
        return ALL_KINDS - {"dhs"} if stay is None else LIFTERS["federal_court"]
    try:
        return LIFTERS[issuer(stay.issued_by).kind]
    except ValueError:
        return LIFTERS["federal_court"]


def _fear_decision(g: GuardInput, cmd: DecideFearClaim) -> str | None:
    if g.actor.id in g.state.enforcers:
        return ("you took enforcement action on this case; a fear decision is the screening "
                "office's, entered by someone outside the case's enforcement chain")
    if cmd.outcome == "withdrawn" and not cmd.withdrawal_statement.strip():
        return "a withdrawal needs the reference of the person's signed statement"
    return None


def _second_person(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    assert isinstance(cmd, ConfirmEntry | RejectEntry)
    entry = s.pending.get(cmd.entry)
    if entry is None:
        waiting = ", ".join(f"#{n} {e.kind}" for n, e in sorted(s.pending.items()))
        return (f"entry #{cmd.entry} does not await confirmation"
                f"{'; awaiting: ' + waiting if waiting else ''}")
    if entry.actor_id == g.actor.id:
        return "the person who recorded an entry may not confirm or reject it: a second person must"
    if isinstance(cmd, ConfirmEntry):
        if g.actor.id in s.removal_schedulers:
            return ("you scheduled a removal on this case; you may not confirm an entry that "
                    "takes a protection away")
        if entry.kind == "fear_claim_decided" and g.actor.id in s.enforcers:
            return ("you took enforcement action on this case; a fear decision is confirmed by "
                    "someone outside the case's enforcement chain")
        want = str(entry.data.get("reference", ""))
        if stay_key(cmd.document_checked) != stay_key(want):
            return (f"the reference read off the document ('{cmd.document_checked}') is not the "
                    f"one recorded ('{want}'); check the document, or reject the entry")
    elif not cmd.reason.strip():
        return "a rejection needs the reason the entry does not match its document"
    return None
