"""An attorney's client list: their own clients' cases, with the person's own windows (the
appeal window, the voluntary departure period) and the next hearing, each on the local day of
the court that counts it. Never another attorney's clients, never the agency's internal clocks
(custody, removal period, reviews): those are the agency's duties, not the client's windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..domain.case import CaseState
from ..domain.commands import Actor
from ..law.calendar import Closures
from ..law.deadlines import compute_deadlines
from ..law.framework import appeal_deadline
from ..reference.courts import court_of
from ..reference.zones import court_zone
from ..store import repository as repo
from ..store.tables import cases
from .access import AccessDenied
from .context import AppContext
from .reads import _access_list, _read, refused_read

RECORD = "client_list"


@dataclass(frozen=True)
class Window:
    """A period the person has: what it is, its last day where it is counted, days left."""

    id: str
    title: str
    citation: str
    last_day: date
    zone: str
    days_left: int
    state: str  # open, closed (it has run out), met (used: an appeal filed, a departure)


@dataclass(frozen=True)
class Hearing:
    at: datetime  # UTC
    local: datetime  # at the court, in its own zone
    court: str  # its code
    court_name: str


@dataclass(frozen=True)
class Client:
    case_id: str
    person_name: str
    proceedings: str
    custody: str
    status: str
    windows: list[Window]
    next_hearing: Hearing | None


def get_client_list(ctx: AppContext, actor: Actor, purpose: str,
                    at: datetime | None = None) -> list[Client]:
    """The attorney's own clients' cases, ledgered (``client_list``, with the cases shown)."""
    at = at or ctx.clock()
    _access_list(ctx, actor, purpose, at, RECORD)
    if actor.role != "attorney":
        raise refused_read(ctx, actor, purpose, at, RECORD, AccessDenied(
            "the client list is an attorney of record's own list of their clients"))
    with ctx.engine.begin() as conn:
        ids = conn.execute(select(cases.c.id).where(cases.c.person_id.in_(actor.clients))
                           .order_by(cases.c.opened_at, cases.c.id)).scalars().all()
        closures = repo.closure_days(conn)
        states = [s for s in (repo.load_case(conn, i) for i in ids) if s is not None]
        items = [_client(s, at, closures) for s in states]
        _read(ctx, conn, actor, purpose, at, RECORD, [c.case_id for c in items])
    return items


def _client(s: CaseState, at: datetime, closures: Closures) -> Client:
    f = s.facets(at, appeal_deadline(s, closures))
    return Client(s.case_id, f"{s.person.get('family_name', '')}, "
                  f"{s.person.get('given_name', '')}", f.proceedings, f.custody, f.status,
                  _windows(s, at, closures), next_hearing(s, at))


def _windows(s: CaseState, at: datetime, closures: Closures) -> list[Window]:
    out = []
    zone = s.order.zone if s.order is not None else "UTC"
    for d in compute_deadlines(s, at, closures):
        if d.kind != "window":
            continue
        state = "open" if d.is_open else "met" if d.state == "met" else "closed"
        out.append(_window(d.id, d.title, d.citation, d.due_at, zone, at, state))
    o = s.order
    if o is not None and o.outcome == "voluntary_departure" and o.vd_deadline is not None:
        state = "met" if s.removed_at is not None else "open" if at <= s.vd_end else "closed"
        out.append(_window("VD", "Voluntary departure", "8 CFR 1240.26", s.vd_end, o.zone, at,
                           state))
    return out


def _window(id: str, title: str, citation: str, due: datetime, zone: str, at: datetime,
            state: str) -> Window:
    tz = ZoneInfo(zone)
    last = due.astimezone(tz).date()
    return Window(id, title, citation, last, zone, (last - at.astimezone(tz).date()).days, state)


def next_hearing(s: CaseState, at: datetime) -> Hearing | None:
    """The first hearing at or after ``at``, at its court's local time (None if none is set).
    (The case page's own hearing line is another part's; this is the client list's.)"""
    coming = sorted(h for h in s.hearings if h >= at)
    if not coming:
        return None
    h = coming[0]
    code = s.hearing_courts.get(h, "")
    court = court_of(code) if code else None
    try:
        local = h.astimezone(court_zone(code)) if court is not None else h
    except KeyError:
        local = h
    return Hearing(h, local, code, court.name if court is not None else code)
