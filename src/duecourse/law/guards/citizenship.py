"""No civil immigration enforcement against a U.S. citizen (LAW.md B4, guard USC)."""

from __future__ import annotations

from ...domain.case import ADVERSE_COMMANDS
from ...domain.commands import DetermineCustody, ResolveCitizenship
from ..framework import GuardInput, guard
from .facilities import emergency_hospital

_USC_CMDS = ADVERSE_COMMANDS | {"resolve_citizenship"}


@guard(
    "USC", title="A citizenship claim blocks enforcement until resolved; a citizen is never subject",
    citation="ICE Directive 16001.2 (10 Nov 2015); GAO-21-487",
    protects="no U.S. citizen is arrested, detained, charged or removed",
    confidence="V", commands=_USC_CMDS, effective_from="2015-11-10",
    verified="2026-11-22", source="LAW.md B4",
)
def citizenship(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if isinstance(cmd, ResolveCitizenship):
        if g.actor.role != "supervisor":
            return "a citizenship claim is resolved by a supervisory officer"
        if g.role_of(cmd.counsel) != "counsel":
            return f"'{cmd.counsel}' is not an agency attorney; OPLA must be consulted and sign"
        if not cmd.evidence.strip():
            return "the resolution must record the evidence considered"
        return None
    if isinstance(cmd, DetermineCustody) and cmd.decision not in ("detain", "bond"):
        return None  # a decision to release helps the person and is allowed
    if emergency_hospital(g):
        return None  # an emergency transfer to a hospital is care, never enforcement
    if s.citizen_found:
        return "the person was found to be a U.S. citizen; civil immigration enforcement is barred"
    if s.citizenship_claim_open:
        return ("a claim to U.S. citizenship is under review; no enforcement action until a "
                "supervisor and an agency attorney resolve it")
    return None
