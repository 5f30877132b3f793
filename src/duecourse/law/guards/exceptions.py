"""Exceptions to a rule need a named role, a reason and a second approver (LAW.md)."""

from __future__ import annotations

from ..framework import GuardInput


def exception_problem(g: GuardInput, reason: str, approved_by: str) -> str | None:
    if not reason.strip():
        return "an exception must give its reason"
    if not approved_by:
        return "an exception must be approved by a supervisory officer (name the approver)"
    if approved_by == g.actor.id:
        return "an exception must be approved by someone other than the person claiming it"
    if g.role_of(approved_by) != "supervisor":
        return f"the approver '{approved_by}' is not a supervisory officer"
    return None
