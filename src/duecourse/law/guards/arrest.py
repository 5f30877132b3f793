"""Arrest, examination and the 48-hour custody decision (LAW.md B1)."""

from __future__ import annotations

from ...domain.commands import (
    DetermineCustody,
    IssueArrestWarrant,
    RecordArrest,
    RecordExamination,
)
from ..framework import GuardInput, guard
from .exceptions import exception_problem

_ARREST_WARRANT_PROCEEDINGS = ("charged", "pending", "decided", "on_appeal")


@guard(
    "ARR-1", title="Administrative arrest warrant (I-200): authorised signer, not the requester",
    citation="8 CFR 236.1(b)(1); 8 CFR 287.5(e)(2)",
    protects="an independent supervisory officer decides whether a person is arrested on a warrant",
    confidence="V", commands={"issue_arrest_warrant", "record_arrest"}, effective_from="1997-04-01",
    verified="2026-11-22", source="LAW.md B1",
)
def arrest_warrant(g: GuardInput) -> str | None:
    cmd = g.command
    if isinstance(cmd, IssueArrestWarrant):
        if g.actor.role != "supervisor":
            return "an I-200 may be signed only by a supervisory officer listed in 8 CFR 287.5(e)(2)"
        if not cmd.requested_by.strip():  # fail closed: independence cannot be shown
            return "the I-200 must name the officer who requested it"
        if cmd.requested_by == g.actor.id:
            return "the officer who requested the warrant may not also sign it"
        # The requester is an immigration officer (8 CFR 287.5(e)(2)-(3), 236.1(b)): not a
        # transport, detention, oversight or admin account, nor a name no one holds.
        requester = g.role_of(cmd.requested_by)
        if requester not in ("officer", "supervisor"):
            held = f"holds the role '{requester}'" if requester else "is not a known user"
            return (f"the I-200 must be requested by an immigration officer; "
                    f"'{cmd.requested_by}' {held}")
        facets = g.state.facets(g.at, g.appeal_deadline)
        if facets.proceedings not in _ARREST_WARRANT_PROCEEDINGS:
            return ("an I-200 is available from the issuance of a Notice to Appear until "
                    "proceedings are complete; issue the NTA first")
    if isinstance(cmd, RecordArrest) and cmd.basis == "warrant":
        # A warrant of removal (I-205) on a final order also commands the person's arrest.
        on_i205 = g.state.removal_warrant_at is not None and g.state.is_final(g.at, g.appeal_deadline)
        if not on_i205 and not any(not w.used for w in g.state.warrants):
            return ("there is no unserved arrest warrant (I-200), nor a warrant of removal (I-205) "
                    "on a final order, on this case")
    return None


@guard(
    "ARR-2", title="Warrantless arrest needs reason to believe and likelihood of escape",
    citation="INA 287(a)(2) (8 U.S.C. 1357(a)(2)); 8 CFR 287.8(c)(2)(ii)",
    protects="no arrest without a warrant unless both statutory conditions are recorded",
    confidence="K", commands={"record_arrest"}, effective_from="1997-04-01",
    verified="2026-11-22", source="LAW.md B1",
)
def warrantless_arrest(g: GuardInput) -> str | None:
    cmd = g.command
    if isinstance(cmd, RecordArrest) and cmd.basis == "warrantless":
        missing = [label for label, text in (
            ("the facts giving reason to believe the person is removable", cmd.reason_to_believe),
            ("the facts showing the person is likely to escape before a warrant can be obtained",
             cmd.likely_to_escape),
        ) if not text.strip()]
        if missing:
            return "a warrantless arrest must record " + " and ".join(missing)
    return None


@guard(
    "ARR-3", title="Examination by an officer other than the arresting officer",
    citation="8 CFR 287.3(a)",
    protects="a second officer checks every warrantless arrest",
    confidence="V", commands={"record_examination"}, effective_from="1997-04-01",
    verified="2026-11-22", source="LAW.md B1",
)
def examination(g: GuardInput) -> str | None:
    cmd, arrest = g.command, g.state.last_arrest
    if isinstance(cmd, RecordExamination) and arrest is not None and arrest.warrantless:
        if arrest.officer_id == g.actor.id and not cmd.no_other_officer_reason.strip():
            return ("the arresting officer may not examine the person unless no other qualified "
                    "officer is readily available, and that reason is recorded")
    return None


@guard(
    "CUS-48", title="Custody decision within 48 hours of a warrantless arrest",
    citation="8 CFR 287.3(d) (66 FR 48334, 20 Sep 2001)",
    protects="no one is held on a warrantless arrest without a prompt custody decision",
    confidence="V", commands={"determine_custody", "close_case"}, effective_from="2001-09-20",
    verified="2026-11-22", source="LAW.md B1",
)
def custody_48(g: GuardInput) -> str | None:
    # The late decision itself is never refused (LAW.md): it is accepted and marked missed.
    cmd, s = g.command, g.state
    if isinstance(cmd, DetermineCustody) and cmd.exception:
        return exception_problem(g, cmd.exception_reason, cmd.exception_approved_by)
    # Held after an arrest (arrested, or placed in a facility) with no custody decision since.
    if (cmd.name == "close_case" and s.custody in ("arrested", "detained")
            and s.last_arrest is not None and s.custody_determined_at is None):
        return "the custody decision for the arrest is still outstanding; make it before closing"
    return None
