"""Counsel (LAW.md B6, CNSL-1 and LOP) and a new NTA after termination without prejudice.

CNSL-1: a represented person's attorney is told of an examination or interview and may attend
(8 CFR 292.5(b)). LOP: a legal orientation offered is recorded and is never a condition of
anything. LIFECYCLE: ``without_prejudice`` belongs to a termination only.
"""

from __future__ import annotations

from ...domain.case import CaseState
from ...domain.commands import RecordLegalOrientation, RecordOrder
from ..framework import GuardInput, guard

# The interviews of the person that CNSL-1 speaks to: the examination after a warrantless arrest
# (8 CFR 287.3(a)), the interview after a revocation of release (8 CFR 241.4(l)(1)) and an age
# determination resting on an interview (8 U.S.C. 1232(b)(4)).
INTERVIEWS = frozenset({"record_examination", "record_revocation_interview", "determine_age"})
_WHAT = {"record_examination": "examination", "record_revocation_interview":
         "revocation interview", "determine_age": "age-determination interview"}


def represented(s: CaseState) -> bool:
    """The person has an attorney of record on this case: one has acted on it (an appeal, a
    motion, a fear claim, an address, a waiver: whatever an attorney may record)."""
    return any(e.actor_role == "attorney" for e in s.history)


@guard(
    "CNSL-1", title="A represented person's attorney is told of an examination or interview",
    citation="8 CFR 292.5(b); INA 292 (8 U.S.C. 1362); 8 CFR 1240.10(a)",
    protects="a person with a lawyer is not examined behind the lawyer's back",
    confidence="K", commands=INTERVIEWS, effective_from="1997-04-01", verified="2026-12-07",
    source="LAW.md B6",
)
def counsel_at_interview(g: GuardInput) -> str | None:
    cmd, name = g.command, g.command.name
    if name == "determine_age" and "interview" not in tuple(getattr(cmd, "evidence_kinds", ())):
        return None  # no interview: nothing to attend
    told = getattr(cmd, "counsel_notified", None)
    if told is None or told or not represented(g.state):
        return None  # (a command without the field cannot say: see docs/law.md, CNSL-1)
    return (f"the person has an attorney of record on this case; the {_WHAT[name]} is recorded "
            "only with counsel_notified: true (the attorney was told and could attend)")


@guard(
    "LOP", title="A legal orientation offered is recorded, and is never a condition",
    citation="EOIR Legal Orientation Program; INA 239(b)(2); CRS IN12588 (2025)",
    protects="the record shows who offered the person legal orientation, when and in which "
             "language, without ever holding a case back for it",
    confidence="C", commands={"record_legal_orientation"}, effective_from="1997-04-01",
    verified="2026-12-07", source="LAW.md B6",
)
def legal_orientation(g: GuardInput) -> str | None:
    cmd = g.command
    if isinstance(cmd, RecordLegalOrientation) and not cmd.provider.strip():
        return "a legal orientation is recorded with its provider; the provider is blank"
    return None


@guard(
    "LIFECYCLE", title="Commands follow the case's lifecycle (orders)",
    citation="duecourse lifecycle (docs/law.md)",
    protects="every action has the facts it depends on",
    confidence="V", commands={"record_order"}, effective_from="", verified="2026-12-07",
    source="duecourse (a rule of the software: no legal effective date)",
)
def without_prejudice_only_on_termination(g: GuardInput) -> str | None:
    cmd = g.command
    if isinstance(cmd, RecordOrder) and cmd.without_prejudice and cmd.outcome != "terminated":
        return (f"'without prejudice' describes a termination of proceedings, not an order of "
                f"{cmd.outcome.replace('_', ' ')}")
    return None

