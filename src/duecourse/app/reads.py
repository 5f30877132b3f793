"""Reads for the web and the API: the work queue, case search, a person's file, the ledger, and
the oversight report. Every read that shows personal data passes an ``access_*`` funnel and is
written to the ledger with the reader, their role and their purpose, in the same transaction."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Select, String, and_, cast, func, or_, select

from ..audit.note import parse_checkpoint
from ..domain.commands import Actor
from ..law.deadlines import CLOCKS, WINDOWS
from ..law.params import param
from ..store.tables import cases, checkpoints, deadlines, events, ledger, ledger_head, persons
from . import ledger as L
from .access import (
    AccessDenied,
    NotYours,
    access_case,
    access_case_list,
    access_ledger,
    ledgered_purpose,
    ledgered_reason,
    may_read_case,
)
from .context import AppContext
from .restricted import location_for, may_read_1367
from .search_terms import record_terms

T = TypeVar("T")
MAX_LIMIT = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if len(self.items) == self.limit else None

    def as_dict(self, item: Callable[[T], Any] = vars) -> dict[str, Any]:
        """The page as the API answers it, each item through ``item``."""
        return {"items": [item(i) for i in self.items], "limit": self.limit,
                "offset": self.offset, "next_offset": self.next_offset}


def _bounds(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(limit, MAX_LIMIT)), max(0, offset)


@dataclass(frozen=True)
class QueueItem:
    case_id: str
    person_id: str
    person_name: str
    deadline_id: str
    title: str
    citation: str
    started_at: datetime
    due_at: datetime
    overdue: bool
    escalation: int  # the highest escalation point reached now (0, 50, 75, 100)
    urgency: str  # the state in words, never colour alone (see ``_urgency``)
    location: str
    facility: str


def _urgency(overdue: bool, escalation: int) -> str:
    if overdue:
        return "overdue"
    return {100: "due now", 75: "urgent", 50: "soon"}.get(escalation, "on time")


def _escalation(started: datetime, due: datetime, now: datetime) -> int:
    span = (due - started).total_seconds() or 1.0
    done = (now - started).total_seconds() / span * 100
    return max([p for p in param("escalation.percent", started.date()) if done >= p], default=0)


def _read(ctx: AppContext, conn: Connection, actor: Actor, purpose: str, at: datetime,
          record: str, case_ids: list[str], extra: dict[str, Any] | None = None) -> None:
    L.append(conn, [L.LedgerItem("read", at, actor.id, actor.role, "",
                                 {"record": record, "cases": case_ids, **(extra or {})},
                                 purpose=purpose)], ctx.signing_key)


def refused_read(ctx: AppContext, actor: Actor, purpose: str, at: datetime, record: str,
                 e: AccessDenied) -> AccessDenied:
    """Record a refused read in the ledger (nothing was shown) and give back the refusal."""
    with ctx.engine.begin() as conn:
        L.append(conn, [L.LedgerItem("read_refused", at, actor.id, actor.role, "",
                                     {"record": record, "reason": ledgered_reason(e, purpose)},
                                     purpose=ledgered_purpose(purpose))], ctx.signing_key)
    return e


def _access_list(ctx: AppContext, actor: Actor, purpose: str, at: datetime, record: str) -> None:
    """``access_case_list``, with a refusal recorded in the ledger."""
    try:
        access_case_list(actor, purpose)
    except AccessDenied as e:
        raise refused_read(ctx, actor, purpose, at, record, e) from None


def _clients_only(q: Select[Any], actor: Actor) -> Select[Any]:
    return q.where(cases.c.person_id.in_(actor.clients)) if actor.role == "attorney" else q


def get_work_queue(ctx: AppContext, actor: Actor, purpose: str, *, office: str = "",
                   facility: str = "", limit: int = 50, offset: int = 0,
                   at: datetime | None = None) -> Page[QueueItem]:
    """The agency's open statutory duties, most urgent first (the earliest due), with their
    escalation now. A person's window (the appeal period) is not a duty: the case page shows it."""
    at = at or ctx.clock()
    limit, offset = _bounds(limit, offset)
    _access_list(ctx, actor, purpose, at, "work_queue")
    if office and not may_read_1367(actor):  # a filter on the place is a way to read it
        raise refused_read(ctx, actor, purpose, at, "work_queue", AccessDenied(
            "the office filter matches the place of the encounter, which is not shown to the "
            f"role '{actor.role}' (8 U.S.C. 1367: it may be a shelter); filter by facility"))
    q = (select(deadlines.c.case_id, deadlines.c.deadline_id, deadlines.c.started_at,
                deadlines.c.due_at, cases.c.person_id, cases.c.location, cases.c.facility,
                persons.c.family_name, persons.c.given_name)
         .join(cases, cases.c.id == deadlines.c.case_id)
         .join(persons, persons.c.id == cases.c.person_id)
         .where(deadlines.c.state.in_(("due", "overdue")),
                deadlines.c.deadline_id.not_in(WINDOWS))  # duties only
         .order_by(deadlines.c.due_at, deadlines.c.case_id, deadlines.c.deadline_id)
         .limit(limit).offset(offset))
    if office:
        q = q.where(cases.c.location == office)
    if facility:
        q = q.where(cases.c.facility == facility)
    with ctx.engine.begin() as conn:
        rows = conn.execute(_clients_only(q, actor)).all()
        items = []
        for r in rows:
            overdue, escalation = r.due_at < at, _escalation(r.started_at, r.due_at, at)
            items.append(QueueItem(r.case_id, r.person_id, f"{r.family_name}, {r.given_name}",
                                   r.deadline_id, *CLOCKS[r.deadline_id], r.started_at,
                                   r.due_at, overdue, escalation, _urgency(overdue, escalation),
                                   location_for(actor, r.location), r.facility))
        # The filters are typed text (a place, a facility; a name typed in their place): kept
        # beside the ledger like a search's terms, the entry naming them by reference and HMAC.
        typed = json.dumps({"office": office, "facility": facility}, sort_keys=True,
                           ensure_ascii=False) if office or facility else ""
        _read(ctx, conn, actor, purpose, at, "work_queue", [i.case_id for i in items],
              {"filters": record_terms(ctx, conn, actor, "work_queue", typed, at),
               "offset": offset})
    return Page(items, limit, offset)


@dataclass(frozen=True)
class CaseRow:
    case_id: str
    person_id: str
    person_name: str
    a_number: str
    proceedings: str
    custody: str
    holds: str
    status: str
    location: str
    facility: str
    version: int


def find_cases(ctx: AppContext, actor: Actor, purpose: str, query: str = "", *,
               status: str = "", limit: int = 50, offset: int = 0,
               at: datetime | None = None) -> Page[CaseRow]:
    """Cases whose person's name, A-number or case number contains ``query`` (any letter case)."""
    at = at or ctx.clock()
    limit, offset = _bounds(limit, offset)
    _access_list(ctx, actor, purpose, at, "case_search")
    q = (select(cases, persons.c.family_name, persons.c.given_name, persons.c.a_number)
         .join(persons, persons.c.id == cases.c.person_id)
         .order_by(cases.c.updated_at.desc(), cases.c.id).limit(limit).offset(offset))
    term = query.strip()
    if term:
        like = f"%{term.lower()}%"
        full = func.lower(persons.c.given_name + " " + persons.c.family_name)
        q = q.where(or_(func.lower(persons.c.family_name).like(like),
                        func.lower(persons.c.given_name).like(like), full.like(like),
                        persons.c.a_number.like(f"%{term.replace('-', '')}%"),
                        func.lower(cast(cases.c.id, String)).like(like)))
    if status:
        q = q.where(cases.c.status == status)
    with ctx.engine.begin() as conn:
        rows = conn.execute(_clients_only(q, actor)).all()
        items = [CaseRow(r.id, r.person_id, f"{r.family_name}, {r.given_name}", r.a_number,
                         r.proceedings, r.custody, r.holds, r.status,
                         location_for(actor, r.location), r.facility, r.version) for r in rows]
        _read(ctx, conn, actor, purpose, at, "case_search", [i.case_id for i in items],
              {"terms": record_terms(ctx, conn, actor, "case_search", term, at),
               "status": status, "offset": offset})
    return Page(items, limit, offset)


@dataclass(frozen=True)
class PersonRow:
    person_id: str
    name: str
    birth_date: str | None
    nationalities: list[str]
    a_number: str
    cases: int


def find_persons(ctx: AppContext, actor: Actor, purpose: str, query: str = "", *,
                 limit: int = 50, offset: int = 0,
                 at: datetime | None = None) -> Page[PersonRow]:
    """Persons whose name or A-number contains ``query`` (any letter case), with their number
    of cases; an attorney finds only their clients."""
    at = at or ctx.clock()
    limit, offset = _bounds(limit, offset)
    _access_list(ctx, actor, purpose, at, "person_search")
    q = (select(persons, func.count(cases.c.id).label("n"))
         .join(cases, cases.c.person_id == persons.c.id)
         .group_by(*persons.c).order_by(persons.c.family_name, persons.c.given_name, persons.c.id)
         .limit(limit).offset(offset))
    term = query.strip()
    if term:
        like = f"%{term.lower()}%"
        q = q.where(or_(func.lower(persons.c.family_name).like(like),
                        func.lower(persons.c.given_name).like(like),
                        persons.c.a_number.like(f"%{term.replace('-', '')}%")))
    if actor.role == "attorney":
        q = q.where(persons.c.id.in_(actor.clients))
    with ctx.engine.begin() as conn:
        rows = conn.execute(q).all()
        items = [PersonRow(r.id, f"{r.family_name}, {r.given_name}",
                           r.birth_date.isoformat() if r.birth_date else None,
                           [n for n in r.nationalities.split(",") if n], r.a_number, r.n)
                 for r in rows]
        L.append(conn, [L.LedgerItem("read", at, actor.id, actor.role, "",
                                     {"record": "person_search",
                                      "terms": record_terms(ctx, conn, actor, "person_search",
                                                            term, at),
                                      "persons": [i.person_id for i in items], "offset": offset},
                                     purpose=purpose)], ctx.signing_key)
    return Page(items, limit, offset)


@dataclass(frozen=True)
class PersonView:
    person_id: str
    person: dict[str, Any]
    cases: list[CaseRow]


def get_person_view(ctx: AppContext, person_id: str, actor: Actor, purpose: str,
                    at: datetime | None = None) -> PersonView:
    at = at or ctx.clock()
    with ctx.engine.begin() as conn:
        p = conn.execute(select(persons).where(persons.c.id == person_id)).first()
        try:
            if p is None:
                raise AccessDenied("no such person")
            access_case(actor, person_id, purpose)
        except AccessDenied as e:
            denied: AccessDenied | None = e
        else:
            denied = None
        if denied is None:
            rows = conn.execute(select(cases).where(cases.c.person_id == person_id)
                                .order_by(cases.c.opened_at)).all()
            L.append(conn, [L.LedgerItem("read", at, actor.id, actor.role, "",
                                         {"record": "person", "person_id": person_id},
                                         purpose=purpose)], ctx.signing_key)
    if denied is not None or p is None:
        # Ledgered (a person that does not exist too, at the same cost); to one who may not
        # read the file at all, and for no such person, only "not found or not yours".
        refused = refused_read(ctx, actor, purpose, at, "person", denied or AccessDenied("no such person"))
        raise refused if p is not None and may_read_case(actor, person_id) else NotYours()
    name = f"{p.family_name}, {p.given_name}"
    person = {"id": p.id, "family_name": p.family_name, "given_name": p.given_name,
              "birth_date": p.birth_date.isoformat() if p.birth_date else None,
              "nationalities": [n for n in p.nationalities.split(",") if n],
              "languages": [n for n in p.languages.split(",") if n], "sex": p.sex,
              "a_number": p.a_number}
    return PersonView(person_id, person, [
        CaseRow(r.id, person_id, name, p.a_number, r.proceedings, r.custody, r.holds, r.status,
                location_for(actor, r.location), r.facility, r.version) for r in rows])


def get_checkpoints(ctx: AppContext, actor: Actor, *, limit: int = 50,
                    offset: int = 0) -> Page[dict[str, Any]]:
    access_ledger(actor)
    limit, offset = _bounds(limit, offset)
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(checkpoints).order_by(checkpoints.c.size.desc())
                            .limit(limit).offset(offset)).all()
        latest = conn.execute(select(ledger_head.c.checkpoint)).scalar() if offset == 0 else None
    items = [{"size": r.size, "root_hex": r.root_hex, "at": r.at, "key_id": r.key_id,
              "signature_hex": r.signature_hex, "note": r.note} for r in rows]
    if latest is not None:  # the head's note, signed for the latest batch, comes first
        cp = parse_checkpoint(latest)
        if not items or cp.size > items[0]["size"]:
            items = [{"size": cp.size, "root_hex": cp.root.hex(), "at": "",
                      "key_id": rows[0].key_id if rows else "",
                      "signature_hex": cp.signatures[0][2].hex(), "note": latest},
                     *items][:limit]
    return Page(items, limit, offset)


@dataclass(frozen=True)
class OversightReport:
    refusals_by_rule: dict[str, int]
    deadlines: dict[str, dict[str, int]]  # clock id -> state -> count
    exceptions: dict[str, int]  # exception kind -> count
    reads_by_purpose: dict[str, int]
    refused_reads: int
    cases_by_custody: dict[str, int]


_EXCEPTION_EVENTS = ("custody_determined", "transferred_to_orr")


def get_oversight_report(ctx: AppContext, actor: Actor) -> OversightReport:
    """Aggregates only, no personal data: refusals by rule, clocks met and missed, exceptions
    claimed, reads by purpose. Built from the ledger and the read models as they stand."""
    access_ledger(actor)
    refusals: Counter[str] = Counter()
    reads: Counter[str] = Counter()
    exceptions: Counter[str] = Counter()
    with ctx.engine.connect() as conn:
        for (body,) in conn.execute(select(ledger.c.body)
                                    .where(ledger.c.kind == "command_refused")):
            refusals.update({r["rule"] for r in json.loads(body).get("refusals", [])})
        for purpose, n in conn.execute(select(ledger.c.purpose, func.count())
                                       .where(ledger.c.kind == "read")
                                       .group_by(ledger.c.purpose)):
            reads[purpose] = n
        refused_reads = conn.execute(select(func.count()).select_from(ledger)
                                     .where(ledger.c.kind == "read_refused")).scalar_one()
        table: dict[str, dict[str, int]] = {}
        for did, state, n in conn.execute(select(deadlines.c.deadline_id, deadlines.c.state,
                                                 func.count())
                                          .group_by(deadlines.c.deadline_id, deadlines.c.state)):
            table.setdefault(did, {})[state] = n
        for (data,) in conn.execute(select(events.c.data).where(and_(
                events.c.kind.in_(_EXCEPTION_EVENTS), events.c.data.like('%"exception":"_%')))):
            kind = json.loads(data).get("exception", "")
            if kind:
                exceptions[kind] += 1
        custody: dict[str, int] = {str(k): int(v) for k, v in conn.execute(
            select(cases.c.custody, func.count()).group_by(cases.c.custody))}
    return OversightReport(dict(refusals.most_common()), dict(sorted(table.items())),
                           dict(exceptions), dict(reads), int(refused_reads),
                           custody)
