"""Who may read what. Every read of personal data passes through an ``access_*`` funnel, which
refuses or lets through, and the read is written to the ledger with its purpose."""

from __future__ import annotations

from ..domain.commands import Actor
from ..domain.errors import DuecourseError, NotFound

READ_ROLES = frozenset({"officer", "supervisor", "counsel", "detention", "transport",
                        "oversight", "attorney"})
PURPOSES = ("case_work", "supervision", "legal_review", "detention_management",
            "transport_planning", "oversight_audit", "representation", "demo")


# Purpose limitation: the purposes each role may give for reading personal data. "demo" is the
# purpose of the synthetic demo, open to every role that reads.
_WORK = ("case_work", "detention_management", "transport_planning")
ROLE_PURPOSES: dict[str, tuple[str, ...]] = {
    "officer": (*_WORK, "demo"),
    "supervisor": ("supervision", *_WORK, "legal_review", "demo"),
    "counsel": ("legal_review", "case_work", "demo"),
    "detention": ("detention_management", "case_work", "demo"),
    "transport": ("transport_planning", "detention_management", "demo"),
    "oversight": ("oversight_audit", "demo"),
    "attorney": ("representation", "demo"),
}


def purposes_of(role: str, configured: tuple[str, ...] = PURPOSES) -> tuple[str, ...]:
    """The purposes ``role`` may give, among the ``configured`` ones, in order of use."""
    return tuple(p for p in ROLE_PURPOSES.get(role, ()) if p in configured)


class AccessDenied(DuecourseError):
    """The actor may not see this record; nothing was shown."""


# What a case, or a person's file, answers to someone who may not read it, and what a case that
# does not exist answers to anyone: the same words, so that neither the refusal nor the 404 tells
# an outside attorney (or a role that reads no case files) whether the case exists, or its state.
NOT_YOURS = "not found or not yours"


class NotYours(NotFound):
    """No such case or person, or not one the actor may read: which of the two is not said."""

    def __init__(self) -> None:
        super().__init__(NOT_YOURS)


def may_read_case(actor: Actor, person_id: str) -> bool:
    """Whether ``actor`` may read the case of ``person_id`` at all (for some purpose of its role):
    every reading role reads every case, an attorney only their own clients'."""
    if actor.role not in READ_ROLES:
        return False
    return actor.role != "attorney" or person_id in actor.clients


def access_case(actor: Actor, person_id: str, purpose: str) -> None:
    """Raise AccessDenied unless ``actor`` may read the case of ``person_id`` for ``purpose``.
    The explanation is for the ledger, and for a reader who may read the case for another
    purpose; one who may not read it at all (``may_read_case``) is answered ``NotYours``."""
    access_case_list(actor, purpose)
    if actor.role == "attorney" and person_id not in actor.clients:
        raise AccessDenied("an attorney may read only the cases of their own clients")


def access_case_list(actor: Actor, purpose: str) -> None:
    """Lists of cases (work queue, search) show names: the same roles and purposes as a case file.
    An attorney's lists are then limited to their own clients by the query itself."""
    if actor.role not in READ_ROLES:
        raise AccessDenied(f"the role '{actor.role}' does not read case files")
    if purpose not in PURPOSES:
        raise AccessDenied(f"'{purpose}' is not a recognised purpose; one of: {', '.join(PURPOSES)}")
    if purpose not in ROLE_PURPOSES[actor.role]:
        raise AccessDenied(f"the role '{actor.role}' does not read for '{purpose}'; it may read "
                           f"for: {', '.join(ROLE_PURPOSES[actor.role])}")


LEDGER_ROLES = frozenset({"oversight", "supervisor"})


def access_ledger(actor: Actor) -> None:
    """The ledger and the oversight report: who did what, for those who supervise and audit."""
    if actor.role not in LEDGER_ROLES:
        raise AccessDenied(f"the role '{actor.role}' does not read the ledger; oversight and "
                           "supervisors do")


# Detention placement (issue 5). The day's plan names people: it is read by those who act on it,
# the roles the law's ROLE guard lets give ``place`` (tests/web/test_placement.py checks that the
# two agree), and only for detention management. The facility board shows counts, no one's data.
PLACEMENT_ROLES = frozenset({"officer", "supervisor", "detention"})
PLACEMENT_PURPOSES = ("detention_management", "demo")
FACILITY_ROLES = frozenset({"officer", "supervisor", "detention", "transport", "oversight"})


def access_placement_plan(actor: Actor, purpose: str) -> None:
    """The day's placement plan: a list of people like any case list (``access_case_list``), for
    the roles that place people, read for detention management."""
    access_case_list(actor, purpose)
    if actor.role not in PLACEMENT_ROLES:
        raise AccessDenied(f"the role '{actor.role}' does not read the placement plan; those who "
                           f"place people do ({', '.join(sorted(PLACEMENT_ROLES))})")
    if purpose not in PLACEMENT_PURPOSES:
        raise AccessDenied(f"the placement plan is read for detention management, not for "
                           f"'{purpose}'; change your purpose to read it")


def access_facility_board(actor: Actor) -> None:
    """The facility catalogue with its occupancy (numbers of beds and people, no names)."""
    if actor.role not in FACILITY_ROLES:
        raise AccessDenied(f"the role '{actor.role}' does not read the facility board; "
                           f"{', '.join(sorted(FACILITY_ROLES))} do")


# Removal transport (issue 5). The day's manifests name people: they are read by those who act on
# them, the roles the law's ROLE guard lets give ``schedule_removal`` or ``record_removal``
# (officer, supervisor, transport), which are also exactly the roles that may read for transport
# planning (ROLE_PURPOSES); tests/web/test_transport.py keeps the three equal. Only for transport
# planning: a supervisor reading for supervision, or a transport officer for detention management,
# is refused and told to change the purpose.
TRANSPORT_ROLES = frozenset({"officer", "supervisor", "transport"})
TRANSPORT_PURPOSES = ("transport_planning", "demo")


def access_transport_manifest(actor: Actor, purpose: str) -> None:
    """The day's removal transport manifests: a list of people like any case list
    (``access_case_list``), for the roles that schedule or record removals, read for transport
    planning."""
    access_case_list(actor, purpose)
    if actor.role not in TRANSPORT_ROLES:
        raise AccessDenied(f"the role '{actor.role}' does not read the removal transport "
                           f"manifests; those who schedule or record removals do "
                           f"({', '.join(sorted(TRANSPORT_ROLES))})")
    if purpose not in TRANSPORT_PURPOSES:
        raise AccessDenied(f"the removal transport manifests are read for transport planning, "
                           f"not for '{purpose}'; change your purpose to read them")


# Identity resolution (issue 4). The review queue and its pairs show what the agency's records say
# about people: read by the officers who propose matches and the supervisors who decide them, for
# case work or supervision (never by an attorney, detention or transport staff, or an admin).
# Importing records and running linkage belong to the same roles (the command line acts as a
# supervisor, see app/identity.py).
IDENTITY_ROLES = frozenset({"officer", "supervisor"})
IDENTITY_PURPOSES = ("case_work", "supervision", "demo")
IDENTITY_PROPOSERS = frozenset({"officer", "supervisor"})
IDENTITY_DECIDERS = frozenset({"supervisor"})
# Those shown a case's identity candidates (other people's records): the roles that propose or
# decide its person's link (the law's ROLE guard: propose_identity_link, confirm_identity_link).
IDENTITY_LINKERS = IDENTITY_PROPOSERS | IDENTITY_DECIDERS


def may_see_candidates(actor: Actor) -> bool:
    """Whether ``actor`` is shown the identity candidates of a case they read."""
    return actor.role in IDENTITY_LINKERS


def access_identity_review(actor: Actor, purpose: str) -> None:
    """The identity review queue, a pair with both records, the persons (clusters): a list of
    people like any case list (``access_case_list``), for the roles that propose and decide
    matches, read for case work or supervision."""
    access_case_list(actor, purpose)
    if actor.role not in IDENTITY_ROLES:
        raise AccessDenied(f"the role '{actor.role}' does not read the identity review; officers "
                           "and supervisors do")
    if purpose not in IDENTITY_PURPOSES:
        raise AccessDenied(f"the identity review is read for case work or supervision, not for "
                           f"'{purpose}'; change your purpose to read it")


def access_identity_write(actor: Actor, action: str) -> None:
    """Who may import records, run linkage, propose a match (officers and supervisors) or decide
    one (supervisors)."""
    decides = action.startswith(("confirm", "reject"))
    allowed = IDENTITY_DECIDERS if decides else IDENTITY_PROPOSERS
    if actor.role not in allowed:
        who = "supervisors do" if decides else "officers and supervisors do"
        raise AccessDenied(f"the role '{actor.role}' may not {action}; {who}")


NOT_A_PURPOSE = "(not a recognised purpose)"


def ledgered_purpose(purpose: str) -> str:
    """A read's purpose as the ledger keeps it: one of the catalogue's, or NOT_A_PURPOSE; never
    free text typed in its place (a name, an A-number: the ledger holds no personal data)."""
    return purpose if purpose in PURPOSES else NOT_A_PURPOSE


def ledgered_reason(e: Exception, purpose: str) -> str:
    """A read's refusal as the ledger keeps it: without a purpose that is not one (the
    refusal quotes it to the reader)."""
    return str(e) if purpose in PURPOSES else f"{NOT_A_PURPOSE}; one of: {', '.join(PURPOSES)}"
