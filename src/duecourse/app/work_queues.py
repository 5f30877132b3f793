"""The work of each person: "my cases", "my office" and "needs my signature" (issue 17).

* **My cases**: the open cases the reader holds (``cases.assigned_officer``), the one whose
  next statutory duty falls due first at the top.
* **My office**: the open cases held by the reader's office (``cases.office``, the office of the
  officer who holds the case: never the place of the encounter).
* **Needs my signature**: what the law now waits on the reader for. For one who may sign
  warrants (a supervisory officer), the cases of their office where an arrest warrant (I-200:
  the person is at large and no warrant is outstanding) or a removal warrant (I-205: the order is
  final and none was issued) is what the law allows next, asked of the law itself
  (``check_command``); for anyone who may confirm entries, each entry that takes a protection
  away and awaits a second person (PROVENANCE) which the law would let this reader confirm —
  never one they recorded themselves.

Every view is a read of names: it passes ``access_case_list`` and is ledgered with its view.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, select

from ..domain.case import CaseState
from ..domain.commands import Actor, ConfirmEntry, IssueArrestWarrant, IssueRemovalWarrant
from ..law.deadlines import CLOCKS, WINDOWS
from ..law.guards.authority import AUTHORITY
from ..law.rules import check_command
from ..store import repository as repo
from ..store.tables import actors, cases, deadlines, events, persons
from .context import AppContext
from .reads import Page, _access_list, _bounds, _clients_only, _escalation, _read, _urgency

VIEWS = {"mine": "My cases", "office": "My office", "signature": "Needs my signature",
         "duties": "All open duties"}
# How many candidate cases a signature view folds at most (the oldest first): the rest wait
# for the next page of work, and the page says so.
SCAN = 500


def default_view(role: str) -> str:
    """Where a person's queue opens: a supervisor's on what awaits their signature, an
    officer's on their own cases, anyone else's on the open duties."""
    return {"supervisor": "signature", "officer": "mine"}.get(role, "duties")


@dataclass(frozen=True)
class CaseLine:
    """One case in "my cases" or "my office", with its next statutory duty (if any)."""

    case_id: str
    person_name: str
    proceedings: str
    custody: str
    holds: str
    office: str
    assigned_officer: str
    officer_name: str
    duty_id: str = ""
    duty_title: str = ""
    citation: str = ""
    due_at: datetime | None = None
    urgency: str = ""
    also: tuple[str, ...] = ()  # the case's other open duties, by clock id, next due first


def _next_due() -> Any:
    return (select(deadlines.c.due_at).where(
        deadlines.c.case_id == cases.c.id, deadlines.c.state.in_(("due", "overdue")),
        deadlines.c.deadline_id.not_in(WINDOWS))
        .order_by(deadlines.c.due_at).limit(1).scalar_subquery())


def get_case_lines(ctx: AppContext, actor: Actor, purpose: str, view: str, *,
                   limit: int = 50, offset: int = 0,
                   at: datetime | None = None) -> Page[CaseLine]:
    """The open cases the reader holds (``view`` "mine") or their office holds ("office"),
    the earliest next duty first, ledgered with the view."""
    at = at or ctx.clock()
    limit, offset = _bounds(limit, offset)
    _access_list(ctx, actor, purpose, at, "work_queue")
    due = _next_due().label("next_due")
    q: Select[Any] = (
        select(cases.c.id, cases.c.proceedings, cases.c.custody, cases.c.holds, cases.c.office,
               cases.c.assigned_officer, persons.c.family_name, persons.c.given_name,
               actors.c.name, due)
        .join(persons, persons.c.id == cases.c.person_id)
        .outerjoin(actors, actors.c.id == cases.c.assigned_officer)
        .where(cases.c.status == "open",
               cases.c.assigned_officer == actor.id if view == "mine"
               else cases.c.office == actor.office)
        .order_by(due.is_(None), due, cases.c.id).limit(limit).offset(offset))
    with ctx.engine.begin() as conn:
        rows = conn.execute(_clients_only(q, actor)).all()
        duties = _first_duties(conn, [r.id for r in rows])
        items = [_line(r, duties.get(r.id), at) for r in rows]
        _read(ctx, conn, actor, purpose, at, "work_queue", [i.case_id for i in items],
              {"view": view, "offset": offset})
    return Page(items, limit, offset)


def _first_duties(conn: Connection, ids: list[str]) -> dict[str, list[Any]]:
    """Each case's open duties, the one that falls due first first."""
    if not ids:
        return {}
    out: dict[str, list[Any]] = {}
    # Filtered and sorted here, by the case ids alone in the query: given the state or an
    # order by due time, SQLite walks the index of every open deadline instead of looking up the
    # page's cases (half a second at 200,000 cases).
    rows = [d for d in conn.execute(select(deadlines).where(deadlines.c.case_id.in_(ids)))
            if d.state in ("due", "overdue") and d.deadline_id not in WINDOWS]
    for d in sorted(rows, key=lambda d: (d.due_at, d.deadline_id)):
        out.setdefault(d.case_id, []).append(d)
    return out


def _line(r: Any, duties: list[Any] | None, at: datetime) -> CaseLine:
    base = CaseLine(r.id, f"{r.family_name}, {r.given_name}", r.proceedings, r.custody,
                    r.holds, r.office, r.assigned_officer, r.name or r.assigned_officer)
    if not duties:
        return base
    d = duties[0]
    title, citation = CLOCKS.get(d.deadline_id, (d.deadline_id, ""))
    return dataclasses.replace(
        base, duty_id=d.deadline_id, duty_title=title, citation=citation, due_at=d.due_at,
        urgency=_urgency(d.due_at < at, _escalation(d.started_at, d.due_at, at)),
        also=tuple(o.deadline_id for o in duties[1:]))


@dataclass(frozen=True)
class SignatureItem:
    """One thing awaiting the reader's signature: a warrant the law now allows, or an entry
    awaiting a second person's confirmation (``entry`` its number on the case)."""

    case_id: str
    person_name: str
    command: str  # what signing it is: issue_arrest_warrant, issue_removal_warrant, confirm_entry
    what: str
    citation: str
    since: datetime
    entry: int = 0
    recorded_by: str = ""


WARRANTS = {
    "issue_arrest_warrant": ("Arrest warrant (Form I-200): the person is at large and no "
                             "warrant is outstanding", "8 CFR 236.1(b), 287.5(e)(2)"),
    "issue_removal_warrant": ("Removal warrant (Form I-205): the removal order is final",
                              "8 CFR 241.2(a)(1)"),
}


def get_awaiting_signature(ctx: AppContext, actor: Actor, purpose: str, *, limit: int = 50,
                           offset: int = 0,
                           at: datetime | None = None) -> Page[SignatureItem]:
    """What awaits the reader's signature, the longest waiting first, ledgered with the view."""
    at = at or ctx.clock()
    limit, offset = _bounds(limit, offset)
    _access_list(ctx, actor, purpose, at, "work_queue")
    allowed = AUTHORITY.get(actor.role, frozenset())
    with ctx.engine.begin() as conn:
        role_of, closures = repo.role_lookup(conn), repo.closure_days(conn)
        found: list[SignatureItem] = []
        if "issue_arrest_warrant" in allowed:
            for s in _states(conn, _warrant_candidates(actor)):
                found.extend(_warrants(s, actor, at, role_of, closures))
        if "confirm_entry" in allowed:
            for s in _states(conn, _pending_candidates(actor)):
                found.extend(_confirmations(s, actor, at, role_of, closures))
        found.sort(key=lambda i: (i.since, i.case_id, i.entry))
        items = found[offset:offset + limit]
        _read(ctx, conn, actor, purpose, at, "work_queue", sorted({i.case_id for i in items}),
              {"view": "signature", "offset": offset})
    return Page(items, limit, offset)


def _warrant_candidates(actor: Actor) -> Select[Any]:
    """The office's open cases where a warrant may be next: the person at large, or an order
    that may be final (the law decides which, case by case)."""
    return (select(cases.c.id).where(
        cases.c.status == "open", cases.c.office == actor.office,
        cases.c.custody.in_(("at_large", "released", "arrested", "detained")))
        .where((cases.c.custody.in_(("at_large", "released"))) | (cases.c.proceedings == "final"))
        .order_by(cases.c.updated_at, cases.c.id).limit(SCAN))


def _pending_candidates(actor: Actor) -> Select[Any]:
    """Open cases with an entry recorded as awaiting confirmation (the handler marks it)."""
    q = (select(events.c.case_id).join(cases, cases.c.id == events.c.case_id)
         .where(cases.c.status == "open", events.c.data.like('%"needs_confirmation":true%'))
         .group_by(events.c.case_id).order_by(events.c.case_id).limit(SCAN))
    return _clients_only(q, actor)


def _states(conn: Connection, q: Select[Any]) -> list[CaseState]:
    out = []
    for (case_id,) in conn.execute(q):
        s = repo.load_case(conn, case_id)
        if s is not None:
            out.append(s)
    return out


def _name(s: CaseState) -> str:
    return f"{s.person.get('family_name', '')}, {s.person.get('given_name', '')}"


def _warrants(s: CaseState, actor: Actor, at: datetime, role_of: Any,
              closures: Any) -> list[SignatureItem]:
    probes: list[tuple[str, Any]] = []
    if s.custody in ("at_large", "released") and not any(not w.used for w in s.warrants):
        probes.append(("issue_arrest_warrant",
                       IssueArrestWarrant(requested_by=s.assigned_officer or "(officer)")))
    if s.removal_warrant_at is None and s.order_is_removal:
        probes.append(("issue_removal_warrant", IssueRemovalWarrant()))
    out = []
    for name, cmd in probes:
        if not check_command(s, cmd, actor, at, role_of, closures):
            what, citation = WARRANTS[name]
            out.append(SignatureItem(s.case_id, _name(s), name, what, citation,
                                     s.last_event_at or at))
    return out


def _confirmations(s: CaseState, actor: Actor, at: datetime, role_of: Any,
                   closures: Any) -> list[SignatureItem]:
    out = []
    for seq, e in sorted(s.pending.items()):
        if e.actor_id == actor.id:
            continue  # a second person confirms it, never its author
        cmd = ConfirmEntry(entry=seq, document_checked=str(e.data.get("reference", "")))
        if check_command(s, cmd, actor, at, role_of, closures):
            continue
        out.append(SignatureItem(
            s.case_id, _name(s), "confirm_entry",
            f"Confirm entry #{seq} ({e.kind.replace('_', ' ')}) against its document",
            "LAW.md PROVENANCE", e.at, seq, e.actor_id))
    return out


def queue_views(role: str) -> list[str]:
    """The views of the queue a role has: those who hold cases (officers, supervisors) have
    their own and their office's; those who sign or confirm have what awaits them."""
    views = ["mine", "office"] if role in ("officer", "supervisor") else []
    if AUTHORITY.get(role, frozenset()) & {"issue_arrest_warrant", "confirm_entry"}:
        views.append("signature")
    return [*views, "duties"]
