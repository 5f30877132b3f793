"""The legal calendar's closure days (LEGAL-DAY): days a body was closed besides weekends and
federal holidays, which move a deadline that falls on them (APP-30: closure days of the BIA,
scope ``BIA`` or ``ALL``).

A closure day is configuration of the calendar the law counts on, not a case fact: a supervisor
or an administrator records it, with the reason and the source that announces it (an EOIR
operational-status notice, an order), and each one lands in the ledger in the same transaction
as its row. ``do_close_day`` is the one write path; ``get_closure_days`` reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..domain.commands import Actor, check_text
from ..domain.errors import InvalidInput
from ..law.courts import court_of
from ..store import repository as repo
from ..store.tables import closure_days
from . import ledger
from .access import AccessDenied
from .context import AppContext

# Who configures the legal calendar: a supervisory officer or an administrator.
CLOSE_ROLES = ("supervisor", "admin")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
SCOPE_HELP = "ALL, BIA or an immigration court's EOIR base-city code (e.g. NEW)"


@dataclass(frozen=True)
class ClosureDay:
    """A day ``scope`` (ALL, BIA or a court's code) was closed, why, on whose word, and who
    recorded it when; ``ledger_seq`` is the entry that records it (when just written)."""

    day: date
    scope: str
    reason: str
    source: str
    recorded_by: str
    recorded_at: datetime | None
    id: int = 0
    ledger_seq: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "scope": self.scope, "reason": self.reason,
                "source": self.source, "recorded_by": self.recorded_by,
                "recorded_at": ledger.iso(self.recorded_at) if self.recorded_at else None}


def access_calendar_write(actor: Actor) -> None:
    """Only a supervisor or an administrator changes the legal calendar."""
    if actor.role not in CLOSE_ROLES:
        raise AccessDenied(f"the role '{actor.role}' does not change the legal calendar: a "
                           "closure day is recorded by a supervisor or an administrator")


def check_scope(scope: str) -> str:
    """The scope as stored: ``ALL``, ``BIA`` or a known court's code (any case, trimmed)."""
    text = check_text((scope or "").strip().upper(), "scope", 16)
    if not text:
        raise InvalidInput("scope", f"is required: {SCOPE_HELP}")
    if text in ("ALL", "BIA"):
        return text
    court = court_of(text)
    if court is None:
        raise InvalidInput("scope", f"'{text}' is not {SCOPE_HELP}")
    return court.code


def check_day(day: Any) -> date:
    """A calendar day: a date, or its ISO text ``YYYY-MM-DD`` (a time of day is refused)."""
    if isinstance(day, str) and _ISO_DAY.fullmatch(day.strip()):
        try:
            return date.fromisoformat(day.strip())
        except ValueError:
            pass
    elif isinstance(day, date) and not isinstance(day, datetime):
        return day
    raise InvalidInput("day", f"'{day}' is not a date (YYYY-MM-DD)")


def check_closure(day: Any, scope: str, reason: str, source: str) -> tuple[date, str, str, str]:
    """The closure day's fields, checked and trimmed; InvalidInput names the first bad field."""
    day = check_day(day)
    scope = check_scope(scope)
    reason = check_text(reason or "", "reason").strip()
    if not reason:
        raise InvalidInput("reason", "is required: why the body was closed that day")
    source = check_text(source or "", "source").strip()
    if not source:
        raise InvalidInput("source", "is required: the notice or order that closed it (for "
                                     "example an EOIR operational-status announcement)")
    return day, scope, reason, source


def do_close_day(ctx: AppContext, day: date | str, scope: str, reason: str, source: str,
                 actor: Actor, at: datetime | None = None) -> ClosureDay:
    """Record that ``scope`` was (or will be) closed on ``day``, and ledger it, in one
    transaction. Bad input raises InvalidInput naming the field and writes nothing; an actor
    who may not change the calendar gets AccessDenied, and the refused attempt is ledgered."""
    at = at or ctx.clock()
    if at.tzinfo is None:
        raise InvalidInput("at", "must be a timezone-aware time (UTC)")
    try:
        access_calendar_write(actor)
    except AccessDenied as e:
        with ctx.engine.begin() as conn:
            ledger.append(conn, [ledger.LedgerItem(
                "calendar_close_refused", at, actor.id, actor.role, "",
                {"day": day.isoformat() if isinstance(day, date) else str(day)[:32],
                 "scope": scope if isinstance(scope, str) and len(scope) <= 16 else "",
                 "refusal": str(e)})], ctx.signing_key)
        raise
    when, scope, reason, source = check_closure(day, scope, reason, source)
    try:
        with ctx.engine.begin() as conn:
            _refuse_duplicate(conn, when, scope)
            closure_id = repo.add_closure_day(conn, when, scope, reason, source, actor.id, at)
            seq = ledger.append_now(conn, [ledger.LedgerItem(
                "calendar_day_closed", at, actor.id, actor.role, "",
                {"id": closure_id, "day": when.isoformat(), "scope": scope, "reason": reason,
                 "source": source})], ctx.signing_key)
    except IntegrityError:  # another writer recorded the same day between the check and ours
        with ctx.engine.connect() as conn:
            _refuse_duplicate(conn, when, scope)
        raise
    return ClosureDay(when, scope, reason, source, actor.id, at, closure_id, seq)


def _refuse_duplicate(conn: Any, day: date, scope: str) -> None:
    row = conn.execute(select(closure_days).where(closure_days.c.day == day,
                                                  closure_days.c.scope == scope)).first()
    if row is not None:
        by = f" by {row.recorded_by}" if row.recorded_by else ""
        raise InvalidInput("day", f"{day.isoformat()} is already a closure day for {scope} "
                                  f"(recorded{by}: {row.reason}); nothing was changed")


def get_closure_days(ctx: AppContext) -> list[ClosureDay]:
    """Every closure day, by day then scope."""
    with ctx.engine.connect() as conn:
        rows = repo.closure_day_rows(conn)
    return [ClosureDay(r["day"], r["scope"], r["reason"], r["source"], r["recorded_by"] or "",
                       r["recorded_at"], r["id"]) for r in rows]
