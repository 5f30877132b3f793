"""No enforcement on an uncertain identity (duecourse guard ID-1).

When the case was opened, the person was compared with the agency's own records
(``duecourse.identity``). A link above the auto-link threshold stands by itself; one below the
lower threshold makes a new person; in between, a person must decide: an officer proposes, a
supervisor other than the proposer confirms or rejects. Until then, nothing adverse may be done
on the strength of a record that may be someone else's.
"""

from __future__ import annotations

from ...domain.commands import DetermineCustody
from ..framework import GuardInput, guard

# Arrest, custody, charging and removal: the actions a record mix-up turns against the wrong
# person (GAO-21-487 found citizens arrested and detained on other people's records).
ID1_COMMANDS = frozenset({
    "issue_arrest_warrant", "record_arrest", "determine_custody", "issue_nta", "serve_nta",
    "issue_removal_warrant", "schedule_removal", "record_removal",
    "issue_detainer",  # a detainer asks another agency to hold this person for DHS (DET-1)
})
_CITATION = ("ICE Directive 16001.2 (10 Nov 2015), investigate \"immediately and carefully\"; "
             "GAO-21-487 (2021) on record mix-ups")


@guard(
    "ID-1", title="No arrest, custody, charging or removal while the person's identity link awaits "
                  "review",
    citation=_CITATION,
    protects="no one is arrested, detained, charged or removed on the strength of a record that "
             "may be someone else's",
    confidence="K", commands=ID1_COMMANDS, effective_from="2015-11-10", verified="2026-12-02",
    source="duecourse",
)
def identity_confirmed(g: GuardInput) -> str | None:
    """ICE Directive 16001.2; GAO-21-487: an uncertain identity link blocks adverse actions."""
    cmd, s = g.command, g.state
    if isinstance(cmd, DetermineCustody) and cmd.decision not in ("detain", "bond"):
        return None  # a decision to release helps the person and is allowed
    if not s.identity_awaits_review:
        return None
    best = s.identity_candidates[0] if s.identity_candidates else {}
    shown = (f" (best match: record {best.get('record_id', '?')} at "
             f"{float(best.get('probability') or 0.0):.1%})" if best else "")
    pending = (" An officer's proposal awaits a supervisor's decision."
               if s.identity_proposal is not None else
               " An officer must propose the link and a supervisor confirm it.")
    return ("the person's link to the agency's records is uncertain and has not been confirmed"
            f"{shown}; no arrest, custody, charging or removal until it is.{pending}")


@guard(
    "ID-1", title="A second person decides an uncertain identity link",
    citation=_CITATION,
    protects="an uncertain identity link is decided by two people, never by the one who "
             "proposed it",
    confidence="K", commands={"confirm_identity_link", "reject_identity_link"},
    effective_from="2015-11-10", verified="2026-12-02", source="duecourse",
)
def second_person(g: GuardInput) -> str | None:
    """The supervisor who confirms or rejects a proposed link is not the officer who proposed it."""
    p = g.state.identity_proposal
    if p is not None and p.get("by") == g.actor.id:
        return "the link was proposed by you; another supervisor must confirm or reject it"
    return None
