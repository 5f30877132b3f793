"""Who holds a case: the facts a hand-over is judged on (guard HANDOVER, law/guards/handover.py).

The application finds the receiving officer in the store (app/handover.py) and passes what it
found here; the law itself reads no store."""

from __future__ import annotations

from dataclasses import dataclass

# The roles that carry a docket of cases: an officer, or a supervisory officer.
DOCKET_ROLES = frozenset({"officer", "supervisor"})


@dataclass(frozen=True)
class HandOverFacts:
    """The receiving officer as the store knows them. ``named`` is what the command named (a
    user name or an actor id); ``officer_id`` is their actor id ("" if no account or actor has
    that name); ``role`` their role; ``active`` False for a disabled account; ``office`` the
    office their account gives ("" if none)."""

    named: str
    officer_id: str
    role: str = ""
    active: bool = True
    office: str = ""
