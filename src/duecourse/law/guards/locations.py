"""Where enforcement happens (LAW.md B4): protected places need a supervisor's approval and a
reason (SENS-LOC, agency policy), and an enforcement action at a shelter, a victim-services site
or a protection-order courthouse puts the statement of INA 239(e) on the Notice to Appear and
makes the person's information 8 U.S.C. 1367 information (VAWA-1367)."""

from __future__ import annotations

from datetime import date

from ...domain.case import CaseState
from ...domain.commands import IssueNta, OpenCase, Record1367Protection, RecordArrest
from ...reference.locations import (
    LOCATION_TYPES,
    SECTION_239E,
    SENSITIVE,
    is_location_code,
    location_code,
)
from ..framework import GuardInput, guard

# INA 239(e) was added by the Violence Against Women and Department of Justice Reauthorization
# Act of 2005, Pub. L. 109-162, sec. 825(c), enacted 5 Jan 2006; T and U protection (and their
# place in 8 U.S.C. 1367) by the Victims of Trafficking and Violence Protection Act of 2000,
# Pub. L. 106-386, enacted 28 Oct 2000.
STATEMENT_1229E_FROM = date(2006, 1, 5)
T_U_FROM = date(2000, 10, 28)


def _unknown(value: str) -> str:
    hint = (" (a homeless shelter is social_services, a domestic violence shelter dv_shelter)"
            if "shelter" in value.casefold() else "")
    return (f"'{value.strip()[:60]}' is not a kind of place duecourse knows{hint}; give one of: "
            f"{', '.join(LOCATION_TYPES)}")


@guard(
    "SENS-LOC", title="An arrest at a protected place needs a supervisor's approval and a reason",
    citation="DHS memorandum 'Guidelines for Enforcement Actions in or near Protected Areas' "
             "(27 Oct 2021; rescinded 20 Jan 2025); agency policy, parameter SENS-LOC.enabled",
    protects="no one is arrested at a school, a clinic, a place of worship, a shelter or another "
             "protected place on one officer's word, without a supervisor and a recorded exigency",
    confidence="C", commands={"record_arrest", "open_case"}, effective_from="",
    verified="2026-12-07",
    source="duecourse policy (LAW.md B4 SENS-LOC: agency-configurable, default on)",
)
def sensitive_location(g: GuardInput) -> str | None:
    cmd = g.command
    if isinstance(cmd, OpenCase):  # an encounter names its place too: from the same list
        code = location_code(cmd.location_type)
        return None if is_location_code(code) else _unknown(cmd.location_type)
    if not isinstance(cmd, RecordArrest):
        return None
    code = location_code(cmd.location_type)  # already a code when parsed; again, to be sure
    if not is_location_code(code):
        return _unknown(cmd.location_type)
    if code not in SENSITIVE or not g.param("SENS-LOC.enabled"):
        return None
    place = code.replace("_", " ")
    approver = cmd.location_approved_by.strip()
    if not approver:
        return (f"an arrest at a protected place ({place}) needs the approval of a supervisor "
                "(location_approved_by)")
    if approver == g.actor.id:
        return (f"an arrest at a protected place ({place}) needs the approval of a supervisor "
                "other than the arresting officer")
    role = g.role_of(approver)
    if role != "supervisor":
        return (f"an arrest at a protected place ({place}) needs the approval of a supervisor; "
                + (f"'{approver}' holds the role '{role}'" if role
                   else f"'{approver}' is not a known user"))
    if not cmd.location_reason.strip():
        return (f"an arrest at a protected place ({place}) needs the exigency that justified it "
                "(location_reason)")
    return None


def _reference(value: object) -> str:
    """A document's reference compared ignoring case and spacing (" u-1 " is "U-1")."""
    return "".join(str(value or "").split()).casefold()


def places_of_enforcement(s: CaseState) -> list[str]:
    """The kinds of place (codes) of the case's encounter and of every arrest on it."""
    out: list[str] = []
    for e in s.history:
        if e.kind in ("case_opened", "arrest_recorded"):
            out.append(location_code(str(e.data.get("location_type") or "public")))
    return out


@guard(
    "VAWA-1367", title="INA 239(e): the statement of compliance on the NTA after enforcement at a "
                       "shelter, victim-services site or protection-order courthouse",
    citation="INA 239(e) (8 U.S.C. 1229(e)); 8 U.S.C. 1367(a)",
    protects="a victim found at a shelter or a protection-order court is charged only on an NTA "
             "that certifies no information from the abuser was used and nothing was disclosed",
    confidence="K", commands={"issue_nta", "record_1367_protection"},
    effective_from="1996-09-30", verified="2026-12-07", source="LAW.md B4",
)
def section_239e(g: GuardInput) -> str | None:
    cmd, day = g.command, g.at.date()
    if isinstance(cmd, Record1367Protection):
        if not cmd.reference.strip():
            return ("a 1367 protection is recorded from its document: give the receipt or "
                    "approval number (reference)")
        if cmd.kind in ("t_visa", "u_visa") and day < T_U_FROM:
            return (f"T and U protection exist from {T_U_FROM} (Pub. L. 106-386); none could be "
                    f"held on {day}")
        same = [e for e in g.state.history if e.kind == "protection_1367_recorded"
                and _reference(e.data.get("reference")) == _reference(cmd.reference)]
        if same:
            return (f"the 1367 protection with the reference '{cmd.reference.strip()}' is already "
                    f"on file (entry #{same[0].seq}); each document is recorded once")
        return None
    if not isinstance(cmd, IssueNta) or day < STATEMENT_1229E_FROM:
        return None  # INA 239(e) binds Notices to Appear from its enactment on
    places = [p for p in places_of_enforcement(g.state) if p in SECTION_239E]
    if places and not cmd.statement_1229e:
        where = places[-1].replace("_", " ")
        return (f"an enforcement action on this case took place at a place listed in INA 239(e)(1) "
                f"({where}); the Notice to Appear must carry the statement that 8 U.S.C. 1367 was "
                "complied with (statement_1229e: true)")
    return None
