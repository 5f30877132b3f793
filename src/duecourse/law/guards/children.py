"""Children: HHS notice within 48 hours, ORR custody within 72 hours (LAW.md B4)."""

from __future__ import annotations

from ...domain.commands import Place, Transfer, TransferToOrr
from ..framework import GuardInput, guard
from .exceptions import exception_problem


@guard(
    "UAC-48", title="Notify HHS within 48 hours of a child, or of a claim or suspicion of minority",
    citation="TVPRA 2008 §235(b)(2), 8 U.S.C. 1232(b)(2)",
    protects="HHS learns of every child in federal custody promptly",
    confidence="V", commands={"close_case"}, effective_from="2008-12-23",
)
def hhs_notice(g: GuardInput) -> str | None:
    # The late notice itself is never refused; closing the case would bury the duty.
    s = g.state
    if s.minor_flagged_at is not None and s.hhs_notified_at is None:
        return "HHS has not been notified of this child; notify HHS before closing the case"
    return None


@guard(
    "UAC-72", title="Unaccompanied child to HHS/ORR within 72 hours; never an adult facility",
    citation="8 U.S.C. 1232(b)(3); 8 U.S.C. 1232(c)(2)",
    protects="an unaccompanied child is moved into child-welfare custody, not held by DHS",
    confidence="V", commands={"place", "transfer", "transfer_to_orr", "close_case"},
    effective_from="2008-12-23",
)
def orr_transfer(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if not s.unaccompanied:
        return None
    if isinstance(cmd, Place | Transfer) and cmd.facility_type != "orr":
        return (f"an unaccompanied child may not be placed in a {cmd.facility_type} facility; "
                "transfer the child to ORR")
    if isinstance(cmd, TransferToOrr) and cmd.exception:
        return exception_problem(g, cmd.exception_reason, cmd.exception_approved_by)
    if cmd.name == "close_case" and s.custody in ("arrested", "detained"):
        return "the unaccompanied child is still in DHS custody; transfer to ORR before closing"
    return None
