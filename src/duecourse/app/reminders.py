"""Reminders that reach people (issue 17): when a statutory clock on a case reaches a threshold of
its time (the law parameter "escalation.percent": 50, 75 and 100 % today), the case's assigned
officer and their office's supervisors get a notice in the app and, where their account has an
address and a mail server is configured (app/mail.py), by e-mail.

A run (``do_run_reminders``: ``duecourse reminders run`` from cron, or the loop of ``duecourse
serve``) makes the notices the clocks call for now, each once — one per recipient, case, clock,
threshold and start of the clock, kept so by a unique constraint however often or concurrently
runs repeat — then mails those not yet mailed, each claimed by one run before it is sent. A clock
that passed several thresholds since the last run gets the notice of the highest only. A failed
mail leaves the notice in the app and is tried again by the next runs, ``MAX_ATTEMPTS`` times in
all. Every notice made, every mail sent or failed and every notice marked read is in the ledger,
naming the case, the clock, the threshold and the recipient's actor id, never the person's name.

Windows that are the person's own (the appeal period) are not the agency's duties and are not
reminded, as the work queue does not list them.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..domain.commands import Actor
from ..domain.errors import NotFound
from ..law.deadlines import CLOCKS, WINDOWS
from ..store.tables import accounts, actors, cases, deadlines, events, notices
from . import ledger as L
from .actors import SYSTEM
from .context import AppContext
from .mail import Mailer, MailFailed, MailServer, MailSettingError
from .reads import Page, _bounds, _escalation

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # mails tried per notice, one per run, before it is left to the app alone
STALE_CLAIM = timedelta(minutes=15)  # a run that claimed a mail and never said how it went


@dataclass(frozen=True)
class Recipient:
    actor_id: str
    role: str  # "officer" (the case's assigned officer) or "supervisor"
    email: str | None


@dataclass(frozen=True)
class Notice:
    id: int
    case_id: str
    clock_id: str
    clock_title: str
    percent: int
    due_at: datetime
    created_at: datetime
    read_at: datetime | None
    mail_status: str


@dataclass
class RunReport:
    made: Counter[int] = field(default_factory=Counter)  # notices made, by threshold
    sent: int = 0
    failed: int = 0
    gave_up: int = 0  # failed for the last allowed time: in the app only from now on
    in_app_only: int = 0  # made for a recipient without an address, or with no server set
    left: int = 0  # not tried in this run (the server was down): the next run tries them
    mail_off: bool = False


def recipients_of(conn: Connection, case_id: str) -> list[Recipient]:
    """Who is reminded of a case's clocks: its assigned officer (``cases.assigned_officer``; for
    a case stored before cases recorded one, the actor who opened it) and the active supervisor
    accounts of the office that holds the case (``cases.office``; else the officer's own
    office). An officer whose account is inactive is not reminded; one without an account (an
    actor of an import) is, in the app."""
    held = conn.execute(select(cases.c.assigned_officer, cases.c.office)
                        .where(cases.c.id == case_id)).first()
    officer = held.assigned_officer if held is not None and held.assigned_officer else \
        conn.execute(select(events.c.actor_id).where(
            events.c.case_id == case_id, events.c.kind == "case_opened")).scalar()
    if officer is None:
        return []
    own = conn.execute(select(accounts.c.office, accounts.c.email, accounts.c.active)
                       .where(accounts.c.actor_id == officer)).first()
    found = [] if own is not None and not own.active else [
        Recipient(officer, "officer", own.email if own else None)]
    office = (held.office if held is not None and held.office else "") or (
        own.office if own is not None else "")
    if office:
        for r in conn.execute(select(accounts.c.actor_id, accounts.c.email)
                              .join(actors, actors.c.id == accounts.c.actor_id)
                              .where(actors.c.role == "supervisor", accounts.c.active == 1,
                                     accounts.c.office == office, accounts.c.actor_id != officer)
                              .order_by(accounts.c.actor_id)):
            found.append(Recipient(r.actor_id, "supervisor", r.email))
    return found


# ------------------------------------------------------------------------------------ a run

def do_run_reminders(ctx: AppContext, server: MailServer | None, zone: str = "UTC",
                     at: datetime | None = None,
                     progress: Callable[[int, int], None] | None = None) -> RunReport:
    """Make the notices the clocks call for at ``at``, then mail what is still to be mailed
    through ``server`` (None: nothing is mailed). ``progress(done, total)`` follows the clocks."""
    at = at or ctx.clock()
    local = zone_of(zone)
    report = RunReport(mail_off=server is None)
    if server is None:
        _say_mail_off()
    due = _reached(ctx, at)
    for i, (case_id, rows) in enumerate(due.items(), 1):
        with ctx.engine.begin() as conn:
            people = recipients_of(conn, case_id)
            for clock_id, started, due_at, percent in rows:
                for who in people:
                    status = _first_status(who, server)
                    if _make_notice(ctx, conn, who, case_id, clock_id, started, due_at, percent,
                                    status, at):
                        report.made[percent] += 1
                        report.in_app_only += status != "pending"
        if progress:
            progress(i, len(due))
    if server is not None:
        _mail_pending(ctx, server, local, at, report)
    return report


def zone_of(name: str) -> ZoneInfo:
    """The zone of the local due time in the mail (DUECOURSE_MAIL_TIMEZONE)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a folder of zones
        raise MailSettingError(f"DUECOURSE_MAIL_TIMEZONE: {name!r} is not an IANA time zone "
                               "(such as America/New_York)") from None


_said = False


def _say_mail_off() -> None:
    global _said
    if not _said:
        log.info("DUECOURSE_SMTP_URL is not set: reminders are shown in the app only, not mailed")
        _said = True


def _reached(ctx: AppContext, at: datetime) -> dict[str, list[tuple[str, datetime, datetime, int]]]:
    """The running duties past a threshold at ``at``, by case: (clock, start, due, the highest
    threshold reached), computed as the work queue computes its escalation."""
    found: dict[str, list[tuple[str, datetime, datetime, int]]] = {}
    q = (select(deadlines.c.case_id, deadlines.c.deadline_id, deadlines.c.started_at,
                deadlines.c.due_at)
         .where(deadlines.c.state.in_(("due", "overdue")), deadlines.c.started_at <= at,
                deadlines.c.deadline_id.not_in(WINDOWS))
         .order_by(deadlines.c.case_id, deadlines.c.deadline_id))
    with ctx.engine.connect() as conn:
        for r in conn.execute(q):
            percent = _escalation(r.started_at, r.due_at, at)
            if percent:
                found.setdefault(r.case_id, []).append(
                    (r.deadline_id, r.started_at, r.due_at, percent))
    return found


def _first_status(who: Recipient, server: MailServer | None) -> str:
    if not who.email:
        return "no_address"
    return "pending" if server is not None else "mail_off"


def _make_notice(ctx: AppContext, conn: Connection, who: Recipient, case_id: str, clock_id: str,
                 started: datetime, due_at: datetime, percent: int, status: str,
                 at: datetime) -> bool:
    """Insert the notice unless it exists (a concurrent run's too: the insert waits for it and
    does nothing), with its ledger entry; whether it was new."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(notices).values(
        recipient=who.actor_id, case_id=case_id, clock_id=clock_id, clock_started_at=started,
        percent=percent, due_at=due_at, created_at=at, read_at=None, mail_status=status,
        mail_attempts=0, mail_error="").on_conflict_do_nothing().returning(notices.c.id)
    new = conn.execute(stmt).scalar()
    if new is None:
        return False
    _ledger(ctx, conn, SYSTEM, "notice_made", at, case_id, {
        "notice": new, "case": case_id, "clock": clock_id, "percent": percent,
        "recipient": who.actor_id, "as": who.role, "mail": status})
    return True


def _ledger(ctx: AppContext, conn: Connection, actor: Actor, kind: str, at: datetime,
            case_id: str, body: dict[str, Any]) -> None:
    L.append(conn, [L.LedgerItem(kind, at, actor.id, actor.role, case_id, body)],
             ctx.signing_key)


# ------------------------------------------------------------------------------------- mail

_TO_MAIL = (select(notices, accounts.c.email)
            .join(accounts, accounts.c.actor_id == notices.c.recipient)
            .order_by(notices.c.id))


def _mail_pending(ctx: AppContext, server: MailServer, zone: ZoneInfo, at: datetime,
                  report: RunReport) -> None:
    """Mail each notice still to be mailed, claimed first (two runs never send one twice). A
    server that cannot be reached ends the mailing of this run; the rest wait for the next."""
    waiting = or_(notices.c.mail_status.in_(("pending", "failed")),
                  and_(notices.c.mail_status == "sending",
                       notices.c.mail_claimed_at < at - STALE_CLAIM))
    with ctx.engine.connect() as conn:
        rows = conn.execute(_TO_MAIL.where(waiting, notices.c.mail_attempts < MAX_ATTEMPTS,
                                           accounts.c.active == 1,  # not to a disabled one
                                           accounts.c.email.is_not(None),
                                           accounts.c.email != "")).all()
    with Mailer(server) as mailer:
        for n, r in enumerate(rows):
            if not _claim(ctx, r, at):
                continue  # another run has it
            try:
                mailer.send(r.email, *compose(r.case_id, r.clock_id, r.percent, r.due_at, zone))
            except MailFailed as e:
                _record_mail(ctx, r, at, str(e), report)
                if e.server_down:
                    report.left += len(rows) - n - 1
                    return
                continue
            _record_mail(ctx, r, at, "", report)


def _claim(ctx: AppContext, r: Any, at: datetime) -> bool:
    with ctx.engine.begin() as conn:
        return conn.execute(update(notices).where(
            notices.c.id == r.id, notices.c.mail_status == r.mail_status,
            notices.c.mail_attempts == r.mail_attempts).values(
            mail_status="sending", mail_attempts=r.mail_attempts + 1,
            mail_claimed_at=at)).rowcount == 1


def _record_mail(ctx: AppContext, r: Any, at: datetime, error: str, report: RunReport) -> None:
    attempt = r.mail_attempts + 1
    status = "sent" if not error else "gave_up" if attempt >= MAX_ATTEMPTS else "failed"
    with ctx.engine.begin() as conn:
        conn.execute(update(notices).where(notices.c.id == r.id)
                     .values(mail_status=status, mail_error=error[:300]))
        _ledger(ctx, conn, SYSTEM, "notice_mailed" if not error else "notice_mail_failed", at,
                r.case_id, {"notice": r.id, "case": r.case_id, "clock": r.clock_id,
                            "percent": r.percent, "recipient": r.recipient, "attempt": attempt,
                            "result": status, **({"error": error} if error else {})})
    report.sent += status == "sent"
    report.failed += status == "failed"
    report.gave_up += status == "gave_up"


def compose(case_id: str, clock_id: str, percent: int, due_at: datetime,
            zone: ZoneInfo) -> tuple[str, str]:
    """The subject and body of a reminder: the case number, the clock, the percent, the due
    time in UTC and in ``zone``, and the path of the case page — nothing of the person."""
    title = CLOCKS[clock_id][0] if clock_id in CLOCKS else clock_id
    where = "its due time" if percent >= 100 else f"{percent} % of its time"
    local = due_at.astimezone(zone)
    subject = f"Reminder: {clock_id} on case {case_id} has reached {where}"
    body = (f"Case {case_id}: the clock {clock_id} ({title}) has reached {where}.\n\n"
            f"Due: {due_at:%Y-%m-%d %H:%M} UTC ({local:%Y-%m-%d %H:%M} {local.tzname()}, "
            f"{zone.key})\n"
            f"The case: /cases/{case_id}\n\n"
            "This reminder is also under Notices in duecourse. Replies to it are not read.\n")
    return subject, body


# ----------------------------------------------------------------------------- in the app

def get_notices(ctx: AppContext, actor: Actor, limit: int = 50,
                offset: int = 0) -> Page[Notice]:
    """The actor's own notices, newest first (they hold no personal data: nothing to ledger)."""
    limit, offset = _bounds(limit, offset)
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(notices).where(notices.c.recipient == actor.id)
                            .order_by(notices.c.created_at.desc(), notices.c.id.desc())
                            .limit(limit).offset(offset)).all()
    return Page([Notice(r.id, r.case_id, r.clock_id, CLOCKS.get(r.clock_id, (r.clock_id,))[0],
                        r.percent, r.due_at, r.created_at, r.read_at, r.mail_status)
                 for r in rows], limit, offset)


def count_unread(ctx: AppContext, actor: Actor) -> int:
    """How many of the actor's notices are unread (for the header)."""
    with ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(notices).where(
            notices.c.recipient == actor.id, notices.c.read_at.is_(None))).scalar_one())


def do_mark_notice_read(ctx: AppContext, actor: Actor, notice_id: int,
                        at: datetime | None = None) -> None:
    """Mark one of the actor's own notices read, ledgered; NotFound for any other notice (one
    of another person's is not told apart from one that does not exist)."""
    at = at or ctx.clock()
    with ctx.engine.begin() as conn:
        r = conn.execute(select(notices.c.case_id, notices.c.clock_id, notices.c.percent,
                                notices.c.read_at)
                         .where(notices.c.id == notice_id, notices.c.recipient == actor.id)
                         ).first()
        if r is None:
            raise NotFound(f"you have no notice {notice_id}")
        if r.read_at is not None:
            return
        conn.execute(update(notices).where(notices.c.id == notice_id).values(read_at=at))
        _ledger(ctx, conn, actor, "notice_read", at, r.case_id, {
            "notice": notice_id, "case": r.case_id, "clock": r.clock_id, "percent": r.percent})
