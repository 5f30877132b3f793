"""Who holds a case, and handing it over (hand_over_case)."""

from __future__ import annotations

from ...domain.commands import HandOverCase
from ..assignment import DOCKET_ROLES, HandOverFacts
from ..framework import GuardInput, guard


@guard(
    "HANDOVER", title="A case passes only to another active officer, by its holder or a supervisor",
    citation="duecourse accountability rule (docs/law.md: every open case is held by one named, "
             "active officer of an agency office)",
    protects="every case has one accountable officer, and no one takes a colleague's case unseen",
    confidence="V", commands=frozenset({"hand_over_case"}), effective_from="",
    verified="2026-12-07", source="duecourse (a rule of the software: no legal effective date)",
)
def hand_over(g: GuardInput) -> str | None:
    cmd, s, actor = g.command, g.state, g.actor
    assert isinstance(cmd, HandOverCase)
    if actor.role == "officer" and actor.id != s.assigned_officer:
        return ("only the officer who holds the case, or a supervisory officer of its office, "
                "may hand it over; you do not hold this case")
    if actor.role == "supervisor" and s.office and actor.office != s.office:
        return (f"the case is held by the office '{s.office}'; only a supervisory officer of "
                "that office may reassign it")
    to = g.handover or HandOverFacts(cmd.to_officer, cmd.to_officer, g.role_of(cmd.to_officer)
                                     or "")
    if not to.officer_id or not to.role:
        return f"there is no account or officer '{to.named}' to hand the case to"
    if to.role not in DOCKET_ROLES:
        return (f"'{to.named}' is in the role '{to.role}'; a case is held only by an officer or a "
                "supervisory officer")
    if not to.active:
        return f"the account of '{to.named}' is disabled; hand the case to an active officer"
    if to.officer_id == s.assigned_officer:
        return f"'{to.named}' already holds this case"
    return None
